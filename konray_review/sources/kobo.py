"""KoBoToolbox (KPI API v2) through ``requests``: import + deploy, pull ``/data/``, write
``validation_status``.

No maintained Python client covers import, deploy and validation status
(``shared/spec/odk-kobo-api.md`` §3), so this is a small client of our own. Nothing here was
run against a real KoBo server (none is reachable from CI); the response shapes come from
KPI's own source and docs (``tests/sources/fixtures/README.md`` names the file behind each
fixture). KoBo has no per-submission comments in the v2 data API, so only the review state
is written back (``validation_status``; setting it is idempotent).

The asset is found from the review year: the build titles each form with its year
(``forms/<form>/settings.yaml``) and the deploy names the asset with that title, so the
pull looks for the survey asset of that name (``asset_uid`` / ``--form`` override it).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from konray_review.forms.household_list import HouseholdListError, households_csv
from konray_review.profile import Profile, load_profile
from konray_review.sources.base import Batch, DeployResult, ReviewState, check_state
from konray_review.sources.config import KoboConfig
from konray_review.sources.forms_of_year import form_id_of_year, form_title_of_year
from konray_review.sources.http import SourceError, new_session, send
from konray_review.sources.normalise import (
    RawFrames,
    explode_repeat,
    leaf_names,
    to_canonical,
)
from konray_review.sources.xlsform import XLSX_TYPE, form_settings

log = logging.getLogger(__name__)

VALIDATION = {"has_issues": "validation_status_on_hold",
              "approved": "validation_status_approved",
              "rejected": "validation_status_not_approved"}
#: KoBo validation statuses in our words (none set: "received")
SERVER_STATES = {v: k for k, v in VALIDATION.items()}
_KOBO_META = {"_submission_time": "__submitted_at",
              "_submitted_by": "__submitter", "_validation_status/uid": "__review_state",
              "__version__": "__form_version", "_id": "__record_id",
              "meta/instanceID": "__current_id"}


def _uuid(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), None).astype("str")
    prefixed = text.where(text.str.startswith("uuid:").fillna(True), "uuid:" + text)
    return prefixed.astype(object).where(values.notna(), None)


def flatten_kobo(rows: list[dict[str, Any]]) -> RawFrames:
    """KoBo ``/data/`` rows (flat ``group/field`` keys, repeats as lists) -> RawFrames."""
    if not rows:
        return RawFrames(pd.DataFrame(columns=["__id"]), pd.DataFrame(columns=["__parent"]))
    df = pd.json_normalize(rows, sep="/")
    root = df["meta/rootUuid"] if "meta/rootUuid" in df.columns else df["_uuid"]
    df["__id"] = _uuid(root.where(root.notna(), df.get("_uuid")))
    edits = df["meta/deprecatedID"].notna() if "meta/deprecatedID" in df.columns else False
    df["__edits"] = pd.Series(edits, index=df.index).astype(int)
    df = df.rename(columns={k: v for k, v in _KOBO_META.items() if k in df.columns})
    # ``__submitted_at`` stays as KoBo sends it (UTC without an offset): the normaliser reads
    # it, so one unreadable time is a problem of that submission (SRC-004), not of the pull
    df, members = explode_repeat(df, "/")
    drop = [c for c in df.columns if (c.startswith("_") and not c.startswith("__"))
            or c.startswith(("formhub/", "meta/")) or c == "__version__"]
    return RawFrames(leaf_names(df.drop(columns=drop), "/"), leaf_names(members, "/"))


class KoboSource:
    """One asset (form) on a KoBo server."""

    name = "kobo"

    def __init__(self, config: KoboConfig, *, asset_uid: str | None = None,
                 year: int | None = None, profile: Profile | None = None,
                 page_size: int = 1000, poll_every: float = 2.0, max_polls: int = 90,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.asset_uid = asset_uid or (None if year is not None else config.asset_uid)
        self.title = form_title_of_year(year) if year is not None and not asset_uid else None
        self.profile = profile or load_profile()
        self.page_size, self.poll_every, self.max_polls = page_size, poll_every, max_polls
        self.sleep = sleep
        self.session = new_session(config.http, {"Authorization": f"Token {config.token}",
                                                 "Accept": "application/json"})
        host = urlsplit(config.base_url).netloc
        mark = form_id_of_year(year) if year is not None and self.title else self.asset_uid
        self.key = f"kobo:{host}/{mark}"

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        url = path if path.startswith("http") else f"{self.config.base_url}/api/v2/{path}"
        return send(self.session, method, url, settings=self.config.http, sleep=self.sleep,
                    **kwargs)

    def _asset(self) -> str:
        if not self.asset_uid and self.title:
            self.asset_uid = self.find_asset(self.title) or self.config.asset_uid
        if not self.asset_uid:
            raise SourceError(f"không thấy biểu mẫu '{self.title or ''}' trên KoBo: chạy "
                              "`konray-review forms deploy --to kobo` trước (form not found on "
                              "KoBo: deploy it first, or pass its asset uid with --form)")
        return f"assets/{self.asset_uid}"

    def find_asset(self, title: str) -> str | None:
        """The uid of the survey asset named ``title`` (None when there is none)."""
        page = self._send("GET", "assets/", params={"q": "asset_type:survey",
                                                    "limit": 100})
        found = [a["uid"] for a in page.get("results", []) if a.get("name") == title]
        while page.get("next"):
            page = self._send("GET", page["next"])
            found += [a["uid"] for a in page.get("results", []) if a.get("name") == title]
        if len(found) > 1:
            raise SourceError(f"có {len(found)} biểu mẫu tên '{title}' trên KoBo ({found}); "
                              f"dùng --form <asset uid> (several assets share that name)")
        return found[0] if found else None

    # --- pull -------------------------------------------------------------------------------
    def data_rows(self, since: datetime | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"format": "json", "limit": self.page_size, "start": 0,
                                  "sort": json.dumps({"_id": 1})}
        if since is not None:
            # KPI's submission documents have no "last edited" time (``_submission_time``
            # is the first receipt, kept on edit), but an edited one carries
            # ``meta/deprecatedID``: new since ``since`` OR edited ever (a few rows).
            t = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            params["query"] = json.dumps({"$or": [{"_submission_time": {"$gte": t}},
                                                  {"meta/deprecatedID": {"$exists": True}}]})
        from konray_review.progress import steps

        with steps("pull", None, "Kéo phiếu từ KoBoToolbox (submissions)") as step:
            page = self._send("GET", f"{self._asset()}/data/", params=params)
            rows = list(page.get("results", []))
            # KPI's ``count`` (and so its ``next`` links) is the form's total number of
            # submissions, whatever the query (kpi/views/v2/data.py DataViewSet.list): it
            # checks a full pull only, and a filtered one ends at its first short page.
            expected = page.get("count") if since is None else None
            step.set_total(int(expected) if expected is not None else None)
            step(len(rows))
            while page.get("next") and len(page.get("results", [])) >= self.page_size:
                page = self._send("GET", page["next"])
                rows.extend(page.get("results", []))
                step(len(page.get("results", [])))
        unique = {r.get("_id") for r in rows}
        if expected is not None and len(unique) < int(expected):
            raise SourceError(f"KoBo trả thiếu bản ghi: {len(unique)}/{expected} "
                              f"(incomplete pull: {len(unique)} of {expected})")
        return rows

    def pull(self, since: datetime | None = None) -> Batch:
        rows = self.data_rows(since)
        # a ``_uuid`` KPI stored twice stays in: the normaliser keeps one copy and notes it
        # (SRC-015), or quarantines the submission when the copies differ (SRC-005)
        raw = flatten_kobo(rows)
        canon = to_canonical(raw, profile=self.profile, source=self.name,
                             form_id=self.asset_uid)
        times = pd.concat([canon.households["submitted_at"], canon.households["updated_at"]])
        mark = times.max()
        return Batch(canon.households, canon.members, canon.problems,
                     mark.to_pydatetime() if pd.notna(mark) else since,
                     full_snapshot=since is None)

    # --- write back -------------------------------------------------------------------------
    def set_review_state(self, instance_id: str, state: ReviewState,
                         comment_vi: str | None = None) -> None:
        """``instance_id``: KoBo's ``_id`` (``source_record_id``) or the root uuid (KPI
        looks a non-integer id up as ``meta/rootUuid``). Idempotent."""
        ident = str(instance_id).removeprefix("uuid:")
        self._send("PATCH", f"{self._asset()}/data/{ident}/validation_status/",
                   json={"validation_status.uid": VALIDATION[check_state(state)]})
        if comment_vi:
            log.info("KoBo không có ghi chú cho bản ghi; chỉ ghi trạng thái "
                     "(KoBo v2 has no submission comments; state written only)")

    def validation_status(self, instance_id: str) -> str:
        """The submission's state on the server now, in our words (``received`` if none)."""
        ident = str(instance_id).removeprefix("uuid:")
        body = self._send("GET", f"{self._asset()}/data/{ident}/validation_status/")
        return self.server_state((body or {}).get("uid"))

    @staticmethod
    def server_state(value: Any) -> str:
        """A pulled ``review_state`` (``_validation_status/uid``) in our words."""
        if value is None or value != value or value == "":
            return "received"
        return SERVER_STATES.get(str(value), str(value))

    # --- deploy -----------------------------------------------------------------------------
    def deploy_form(self, xlsx_path: Path, attachments: list[Path] | None = None, *,
                    entity_list: pd.DataFrame | None = None,
                    entity_list_name: str = "households", **_: Any) -> DeployResult:
        """Import the XLSForm (async, polled), upload media, deploy or redeploy."""
        xlsx_path = Path(xlsx_path)
        settings = form_settings(xlsx_path)
        name = settings.get("form_title") or self.config.asset_name
        self.asset_uid = self.find_asset(name)  # each form of the year is its own asset
        created = self.asset_uid is None
        self.asset_uid = self.import_xlsform(xlsx_path, name)
        host = urlsplit(self.config.base_url).netloc
        self.key = f"kobo:{host}/{settings.get('form_id') or self.asset_uid}"
        media = [(Path(p).name, Path(p).read_bytes()) for p in attachments or []]
        if entity_list is not None:  # no entity lists on KoBo: ship the list as a CSV
            try:  # the same households.csv the form builder makes
                media.append((f"{entity_list_name}.csv", households_csv(entity_list)))
            except HouseholdListError as exc:
                raise SourceError(str(exc)) from None
        for filename, content in media:
            self.upload_media(filename, content)
        asset = self._send("GET", f"{self._asset()}/")
        body = {"active": True}
        if asset.get("has_deployment"):
            self._send("PATCH", f"{self._asset()}/deployment/",
                       json={**body, "version_id": asset["version_id"]})
        else:
            self._send("POST", f"{self._asset()}/deployment/", json=body, idempotent=False)
        links = asset.get("deployment__links") or {}
        return DeployResult(self.asset_uid, asset.get("version_id"), links.get("url"),
                            [m[0] for m in media],
                            0 if entity_list is None else len(entity_list), created)

    def import_xlsform(self, path: Path, name: str) -> str:
        data = {"library": "false", "name": name}
        if self.asset_uid:
            data["destination"] = f"{self.config.base_url}/api/v2/{self._asset()}/"
        task = self._send("POST", "imports/", data=data, idempotent=False,
                          files={"file": (path.name, path.read_bytes(), XLSX_TYPE)})
        for _ in range(self.max_polls):
            state = self._send("GET", f"imports/{task['uid']}/")
            if state.get("status") == "complete":
                msgs = state.get("messages", {})
                done = msgs.get("updated") or msgs.get("created") or [{}]
                uid = done[0].get("uid") or self.asset_uid
                if not uid:
                    raise SourceError("KoBo: bản nhập xong nhưng không cho biết mã biểu mẫu "
                                      "(import completed without an asset uid)")
                return str(uid)
            if state.get("status") == "error":
                error = state.get("messages", {}).get("error", "")
                raise SourceError(f"KoBo không nhập được biểu mẫu (import failed): {error}")
            self.sleep(self.poll_every)
        raise SourceError("KoBo nhập biểu mẫu quá lâu (import still processing; try later)")

    def upload_media(self, filename: str, content: bytes) -> None:
        """Replace a form media file (names must be unique per asset)."""
        listing = self._send("GET", f"{self._asset()}/files/",
                             params={"file_type": "form_media"})
        for item in listing.get("results", []):
            meta = item.get("metadata") or {}
            if meta.get("filename") == filename:
                self._send("DELETE", f"{self._asset()}/files/{item['uid']}/", parse_json=False)
        self._send("POST", f"{self._asset()}/files/", idempotent=False,
                   data={"file_type": "form_media", "description": filename,
                         "metadata": json.dumps({"filename": filename})},
                   files={"content": (filename, content, "text/csv")})
