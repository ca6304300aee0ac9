"""Downloads: the run's output files listed in its manifest, filtered by the user's units."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from konray_review.portal import audit
from konray_review.portal.downloads import MEDIA_TYPES, resolve, visible_entries
from konray_review.portal.web import client_ip, render, require_user, state

router = APIRouter()


@router.get("/years/{year}/downloads")
def year_downloads(request: Request, year: int) -> Response:
    """The latest finished run's files of the year that the user may have."""
    user = require_user(request)
    runs = state(request).data.runs(year)
    if runs.empty:
        raise HTTPException(status_code=404)
    done = runs[(runs["status"] == "succeeded") & runs["output_dir"].notna()]
    run = None if done.empty else done.iloc[0].to_dict()
    entries = visible_entries(user, run["output_dir"]) if run else []
    return render(request, "downloads.html", user=user, year=year, run=run, entries=entries)


@router.get("/runs/{run_id}/files/{path:path}")
def download(request: Request, run_id: str, path: str) -> Response:
    user = require_user(request)
    st = state(request)
    run = st.data.run(run_id)
    found = resolve(user, run.get("output_dir"), path) if run else None
    if found is None:
        raise HTTPException(status_code=404)  # unknown, not listed, or not the user's unit
    entry, target = found
    audit.record(st.engine, "download", username=user.username, role=user.role,
                 review_year=int(run["review_year"]), unit=entry.commune,
                 obj=f"{run_id}/{entry.path}", ip=client_ip(request))
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(target.name)}",
        "Cache-Control": "no-store",
        # an HTML report is opened as a download, never run as a page of the portal
        "Content-Security-Policy": "sandbox",
    }
    return FileResponse(target, media_type=MEDIA_TYPES.get(entry.format,
                                                           "application/octet-stream"),
                        headers=headers)
