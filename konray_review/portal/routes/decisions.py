"""The steps after the survey in the portal: commune staff record them for their commune;
district staff read every commune and may return a commune's list for correction.

Same checks as every page: a signed-in user (``require_user``), the unit in the user's
scope (``access.require_unit``: another commune answers 403, a household outside it 404),
the CSRF token on every POST (``check_csrf``), and one audit entry per action (household
codes and village names only, never a person's name). Only the annual review of a year is
shown here; regular rounds run from the CLI (``konray-review decisions … --month``).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from konray_review.decisions import Actor, DecisionError, Decisions, review_id_for
from konray_review.decisions import dashboard as dash
from konray_review.decisions import documents as docs
from konray_review.decisions import states as sm
from konray_review.decisions.records import parse_payload
from konray_review.portal import audit
from konray_review.portal.access import require_district, require_unit, visible
from konray_review.portal.decisions_texts import translate
from konray_review.portal.web import (
    check_csrf,
    client_ip,
    lang_of,
    render,
    require_user,
    state,
)

router = APIRouter()
BASE = "/years/{year}/decisions"


# --- shared helpers ---------------------------------------------------------------------------
def decisions_of(request: Request) -> Decisions:
    """One ``Decisions`` per application (profile, settings and calendar loaded once)."""
    app_state = request.app.state
    found = getattr(app_state, "decisions", None)
    if found is None:
        st = state(request)
        found = Decisions(st.store, st.profile)
        app_state.decisions = found
    return found


def _commune(request: Request, slug: str) -> str:
    try:
        return state(request).profile.unit_by_slug(slug).name
    except KeyError:
        raise HTTPException(status_code=404) from None


def _slug(request: Request, commune: str) -> str:
    return state(request).profile.unit(commune).slug


def _writer(request: Request, commune: str):
    """Commune staff of ``commune`` only: district staff read (and return), never record."""
    user = require_user(request)
    require_unit(user, commune)
    if user.sees_all:
        raise HTTPException(status_code=403)
    return user


def _page(request: Request, template: str, status_code: int = 200, **ctx: Any) -> Response:
    lang = lang_of(request)
    d = decisions_of(request)
    return render(request, template, status_code=status_code,
                  dt=partial(translate, lang=lang), states=sm.STATES,
                  quorum=f"{d.settings.quorum_share * 100:.0f} %",
                  posting_days=d.settings.posting_working_days, kinds=docs.KINDS, **ctx)


def _audit(request: Request, user, action: str, year: int, commune: str | None,
           obj: str) -> None:
    audit.record(state(request).engine, action, username=user.username, role=user.role,
                 review_year=year, unit=commune, obj=obj, ip=client_ip(request))


def _back(url: str, event: str, n: int) -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}{urlencode({'saved': event, 'n': n})}",
                            status_code=303)


def _lines(text: str) -> dict[str, str]:
    """``key = value`` lines of a textarea (blank lines ignored)."""
    out: dict[str, str] = {}
    for raw in str(text or "").splitlines():
        if not raw.strip():
            continue
        key, sep, value = raw.partition("=")
        if not sep or not key.strip():
            raise DecisionError(f"Dòng «{raw.strip()[:60]}»: cần dạng «tên = giá trị».",
                                f"Line «{raw.strip()[:60]}»: use «name = value».")
        out[key.strip()] = value.strip()
    return out


def _saved(request: Request) -> dict | None:
    q = request.query_params
    if "saved" not in q:
        return None
    return {"event": q.get("saved", ""), "n": q.get("n", "")}


def _village_url(year: int, slug: str, village: str) -> str:
    return f"/years/{year}/decisions/{slug}/village?{urlencode({'v': village})}"


# --- pages ------------------------------------------------------------------------------------
@router.get(BASE)
def overview(request: Request, year: int) -> Response:
    user = require_user(request)
    d = decisions_of(request)
    st = state(request)
    communes = visible(user, st.profile.unit_names)
    board = dash.build(d, review_id_for(year), communes)
    return _page(request, "decisions/overview.html", user=user, year=year, board=board,
                 rows=board.communes.to_dict("records"),
                 slug=partial(_slug, request), opened=board.review.get("opened_at") is not None)


@router.post(BASE + "/open")
async def open_review(request: Request, year: int) -> Response:
    user = require_user(request)
    require_district(user)
    await check_csrf(request)
    d = decisions_of(request)
    try:
        d.open_review(year, Actor(user.username, "portal", user.role))
    except DecisionError as exc:
        return _page(request, "decisions/overview.html", status_code=400, user=user,
                     year=year, board=dash.build(d, review_id_for(year)), rows=[],
                     slug=partial(_slug, request), opened=False, error=str(exc))
    _audit(request, user, "decision_open", year, None, review_id_for(year))
    return _back(f"/years/{year}/decisions", "open", 0)


def _commune_page(request: Request, year: int, slug: str, status_code: int = 200,
                  **extra: Any) -> Response:
    user = require_user(request)
    commune = _commune(request, slug)
    require_unit(user, commune)
    d = decisions_of(request)
    board = dash.build(d, review_id_for(year), [commune])
    cur = d.states(review_id_for(year), communes=[commune])
    villages = []
    if len(cur):
        import pandas as pd

        table = pd.crosstab(cur["village"], cur["state"]).reindex(columns=list(sm.STATES),
                                                                  fill_value=0)
        villages = [{"village": v, "total": int(r.sum()), **{s: int(r[s]) for s in sm.STATES}}
                    for v, r in table.iterrows()]
    items = board.items.sort_values(["overdue", "due_on"], ascending=[False, True]) \
        if len(board.items) else board.items
    return _page(request, "decisions/commune.html", status_code=status_code, user=user,
                 year=year, slug=slug, commune=commune, board=board,
                 summary=board.communes.to_dict("records")[0] if len(board.communes) else None,
                 villages=villages, items=items.head(300).to_dict("records"),
                 saved=_saved(request), village_url=partial(_village_url, year, slug), **extra)


@router.get(BASE + "/{slug}")
def commune_page(request: Request, year: int, slug: str) -> Response:
    return _commune_page(request, year, slug)


def _village_page(request: Request, year: int, slug: str, village: str,
                  status_code: int = 200, **extra: Any) -> Response:
    user = require_user(request)
    commune = _commune(request, slug)
    require_unit(user, commune)
    d = decisions_of(request)
    cur = d.states(review_id_for(year), communes=[commune], villages=[village])
    if cur.empty:
        raise HTTPException(status_code=404)
    hh = state(request).store.read_households(year, communes=[commune])
    names = dict(zip(hh["household_id"], hh["head_name"], strict=True))
    rows = [{**r, "head_name": names.get(r["household_id"], "")}
            for r in cur.to_dict("records")]
    meetings = d.records.meetings(review_id_for(year), commune, village)
    counts = cur["state"].value_counts().to_dict()
    return _page(request, "decisions/village.html", status_code=status_code, user=user,
                 year=year, slug=slug, commune=commune, village=village, rows=rows,
                 counts=counts, has_meeting=len(meetings) > 0, saved=_saved(request),
                 posted=any(counts.get(s) for s in ("posted", "complaint", "recheck_posted",
                                                     "reported", "recognised", "refused",
                                                     "certified")),
                 village_q=quote(village), **extra)


@router.get(BASE + "/{slug}/village")
def village_page(request: Request, year: int, slug: str, v: str = "") -> Response:
    if not v:
        raise HTTPException(status_code=404)
    return _village_page(request, year, slug, v)


def _household_page(request: Request, year: int, slug: str, household_id: str,
                    status_code: int = 200, **extra: Any) -> Response:
    user = require_user(request)
    commune = _commune(request, slug)
    try:
        require_unit(user, commune)
    except HTTPException:
        raise HTTPException(status_code=404) from None
    d = decisions_of(request)
    cur = d.states(review_id_for(year), communes=[commune], household_ids=[household_id])
    if cur.empty:
        raise HTTPException(status_code=404)  # not a household of this commune
    row = cur.iloc[0].to_dict()
    events = d.history(review_id_for(year), household_id)
    history = []
    for e in events.to_dict("records"):
        info = parse_payload(e["payload"])
        info.pop("complainant", None)  # shown only in the complaint's own row below
        history.append({**e, "info": info,
                        "complaint": parse_payload(e["payload"]) if e["event"] == "complaint"
                        else None})
    hh = state(request).store.read_households(year, communes=[commune])
    match = hh[hh["household_id"] == household_id]
    return _page(request, "decisions/household.html", status_code=status_code, user=user,
                 year=year, slug=slug, commune=commune, household_id=household_id, row=row,
                 head_name=match["head_name"].iloc[0] if len(match) else "",
                 history=history, saved=_saved(request),
                 may_complain=sm.allowed(row["state"], "complaint"),
                 may_recheck=sm.allowed(row["state"], "rechecked"),
                 certificate=row["state"] in ("recognised", "certified")
                 and row["category"] in ("poor", "near_poor"),
                 village_url=partial(_village_url, year, slug), **extra)


@router.get(BASE + "/{slug}/households/{household_id}")
def household_page(request: Request, year: int, slug: str, household_id: str) -> Response:
    return _household_page(request, year, slug, household_id)


# --- actions ------------------------------------------------------------------------------
async def _act(request: Request, year: int, slug: str, *, district: bool = False):
    """The commune, the user (checked for the action), the form, the actor."""
    commune = _commune(request, slug)
    if district:
        user = require_user(request)
        require_district(user)
    else:
        user = _writer(request, commune)
    form = await check_csrf(request)
    return commune, user, form, Actor(user.username, "portal", user.role)


def _ensure_open(d: Decisions, year: int, actor: Actor) -> str:
    """The annual review, opened by the commune's first step if the district has not
    (opening snapshots the whole year: done once, not on every request)."""
    rid = review_id_for(year)
    if d.records.review(rid) is None:
        d.open_review(year, actor)
    return rid


@router.post(BASE + "/{slug}/meeting")
async def record_meeting(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    village = str(form.get("village", ""))
    d = decisions_of(request)
    try:
        rid = _ensure_open(d, year, actor)
        votes = {k.removeprefix("agree:"): (str(v).strip() or None)
                 for k, v in form.items() if k.startswith("agree:")}
        rep = str(form.get("households_represented", "")).strip()
        result = d.record_meeting(
            rid, commune, village, form.get("held_on", ""), form.get("attendees", ""), actor,
            votes=votes or None, households_represented=int(rep) if rep.isdigit() else None,
            chair=str(form.get("chair", "")), secretary=str(form.get("secretary", "")),
            place=str(form.get("place", "")), notes=str(form.get("notes", "")))
    except DecisionError as exc:
        return _village_page(request, year, slug, village, 400, error=str(exc))
    _audit(request, user, "decision_meeting", year, commune, f"{village}: {result.ref}")
    return _back(_village_url(year, slug, village), "meeting", result.households)


@router.post(BASE + "/{slug}/resurveyed")
async def record_resurvey(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    village = str(form.get("village", ""))
    d = decisions_of(request)
    try:
        result = d.record_resurvey(_ensure_open(d, year, actor), commune,
                                   form.get("on_date", ""), actor, village=village)
    except DecisionError as exc:
        return _village_page(request, year, slug, village, 400, error=str(exc))
    _audit(request, user, "decision_resurvey", year, commune, village)
    return _back(_village_url(year, slug, village), "resurveyed", result.households)


@router.post(BASE + "/{slug}/posting")
async def start_posting(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    village = str(form.get("village", ""))
    d = decisions_of(request)
    try:
        result = d.start_posting(_ensure_open(d, year, actor), commune,
                                 form.get("starts_on", ""), actor, village=village,
                                 places=str(form.get("places", "")))
    except DecisionError as exc:
        return _village_page(request, year, slug, village, 400, error=str(exc))
    _audit(request, user, "decision_posting", year, commune, village)
    return _back(_village_url(year, slug, village), "posting_started", result.households)


def _household_url(year: int, slug: str, household_id: str) -> str:
    return f"/years/{year}/decisions/{slug}/households/{quote(household_id, safe='')}"


def _own_household(d: Decisions, year: int, commune: str, household_id: str) -> None:
    if d.states(review_id_for(year), communes=[commune], household_ids=[household_id]).empty:
        raise HTTPException(status_code=404)


@router.post(BASE + "/{slug}/households/{household_id}/complaint")
async def register_complaint(request: Request, year: int, slug: str,
                             household_id: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    d = decisions_of(request)
    _own_household(d, year, commune, household_id)
    try:
        result = d.register_complaint(_ensure_open(d, year, actor), household_id,
                                      form.get("received_on", ""),
                                      str(form.get("complainant", "")),
                                      str(form.get("content", "")), actor)
    except DecisionError as exc:
        return _household_page(request, year, slug, household_id, 400, error=str(exc))
    _audit(request, user, "decision_complaint", year, commune, household_id)
    return _back(_household_url(year, slug, household_id), "complaint", result.households)


@router.post(BASE + "/{slug}/households/{household_id}/recheck")
async def record_recheck(request: Request, year: int, slug: str, household_id: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    d = decisions_of(request)
    _own_household(d, year, commune, household_id)
    try:
        result = d.recheck(_ensure_open(d, year, actor), household_id, form.get("on_date", ""),
                           actor, corrections=_lines(str(form.get("corrections", ""))),
                           posting_starts_on=str(form.get("posting_starts_on", "")) or None,
                           note=str(form.get("note", "")))
    except DecisionError as exc:
        return _household_page(request, year, slug, household_id, 400, error=str(exc))
    _audit(request, user, "decision_recheck", year, commune, household_id)
    return _back(_household_url(year, slug, household_id), "rechecked", result.households)


def _village_or_none(form: dict) -> str | None:
    return str(form.get("village", "")).strip() or None


@router.post(BASE + "/{slug}/report")
async def report(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    d = decisions_of(request)
    village = _village_or_none(form)
    try:
        result = d.report(_ensure_open(d, year, actor), commune, form.get("on_date", ""),
                          actor, village=village)
    except DecisionError as exc:
        return _commune_page(request, year, slug, 400, error=str(exc))
    _audit(request, user, "decision_report", year, commune, village or commune)
    return _back(f"/years/{year}/decisions/{slug}", "reported", result.households)


@router.post(BASE + "/{slug}/decide")
async def decide(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    d = decisions_of(request)
    village = _village_or_none(form)
    try:
        result = d.decide(_ensure_open(d, year, actor), commune, form.get("signed_on", ""),
                          actor, number=str(form.get("number", "")).strip(),
                          signer=str(form.get("signer", "")).strip(),
                          refusals=_lines(str(form.get("refusals", ""))), village=village)
    except DecisionError as exc:
        return _commune_page(request, year, slug, 400, error=str(exc))
    _audit(request, user, "decision_decide", year, commune,
           f"{village or commune}: {form.get('number', '')}")
    return _back(f"/years/{year}/decisions/{slug}", "decided", result.households)


@router.post(BASE + "/{slug}/certify")
async def certify(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug)
    d = decisions_of(request)
    village = _village_or_none(form)
    try:
        result = d.certify(_ensure_open(d, year, actor), commune, form.get("issued_on", ""),
                           actor, village=village)
    except DecisionError as exc:
        return _commune_page(request, year, slug, 400, error=str(exc))
    _audit(request, user, "decision_certify", year, commune, village or commune)
    return _back(f"/years/{year}/decisions/{slug}", "certified", result.households)


@router.post(BASE + "/{slug}/return")
async def return_list(request: Request, year: int, slug: str) -> Response:
    commune, user, form, actor = await _act(request, year, slug, district=True)
    d = decisions_of(request)
    village = _village_or_none(form)
    try:
        result = d.return_for_correction(_ensure_open(d, year, actor), commune,
                                         form.get("on_date", ""), str(form.get("reason", "")),
                                         actor, village=village)
    except DecisionError as exc:
        return _commune_page(request, year, slug, 400, error=str(exc))
    _audit(request, user, "decision_return", year, commune, village or commune)
    return _back(f"/years/{year}/decisions/{slug}", "returned", result.households)


# --- documents ------------------------------------------------------------------------------
@router.get(BASE + "/{slug}/documents/{name}")
def document(request: Request, year: int, slug: str, name: str,
             village: str | None = None, household: str | None = None) -> Response:
    user = require_user(request)
    commune = _commune(request, slug)
    require_unit(user, commune)
    kind, _, fmt = name.rpartition(".")
    if kind not in docs.KINDS or fmt not in ("pdf", "docx"):
        raise HTTPException(status_code=404)
    d = decisions_of(request)
    if household:
        _own_household(d, year, commune, household)
    try:
        filename, data = docs.render(d, kind, fmt, review_id_for(year), commune,
                                     village=village or None, household_id=household or None)
    except DecisionError as exc:
        return _commune_page(request, year, slug, 404, error=str(exc))
    _audit(request, user, "decision_document", year, commune,
           f"{name} {household or village or ''}".strip())
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
               "Cache-Control": "no-store", "Content-Security-Policy": "sandbox"}
    return Response(data, media_type=docs.MEDIA_TYPES[fmt], headers=headers)
