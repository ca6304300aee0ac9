"""ODK Central: deploy a form (draft -> attachments -> entity list -> publish), pull
submissions through OData, write review states and comments back.

pyodk is the client (its ``Session`` joins paths to ``/v1/``, quotes ids the way Central
expects, and its entity ``merge`` keeps the household list in step); every call goes through
``http.send`` so it has a timeout, bounded retries and back-off even on plain http, where
pyodk mounts none. Behaviour of a real Central (v2026.2.2, recorded in
``tests/sources/fixtures/central/``) handled here:
* ``$select`` with ``$expand`` is refused (501.11), so rows come whole with ``$expand=*``; each
  inline repeat comes with its ``<repeat>@odata.navigationLink`` annotation;
* only ``__system/*`` fields are filterable: we filter on submissionDate/updatedAt (new and
  edited) and, separately, on deletedAt (deleted submissions are not in the default feed);
* paging follows ``@odata.nextLink`` (an absolute URL with ``$skiptoken``), and
  ``@odata.count`` on the first page checks that nothing went missing;
* ``"received"`` is not a state one can set (400.8): our states map to hasIssues / approved /
  rejected; setting a review state moves the submission's ``updatedAt``;
* publishing a version string the form ever had is refused (409.6), so an unchanged form is
  not re-published and a changed one whose version was taken gets ``?version=<v>.<n>``;
* the form's attachment list carries each file's MD5 ``hash``: how "unchanged" is decided.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from pyodk._utils.config import CentralConfig as PyodkCentral
from pyodk._utils.config import Config as PyodkConfig
from pyodk._utils.session import Session as PyodkSession
from pyodk.client import Client

from konray_review.forms.household_list import LIST_PROPERTIES, HouseholdListError, list_rows
from konray_review.profile import Profile, load_profile
from konray_review.sources.base import Batch, DeployResult, ReviewState, check_state
from konray_review.sources.config import CentralConfig
from konray_review.sources.forms_of_year import form_id_of_year
from konray_review.sources.http import ServerError, SourceError, harden, send
from konray_review.sources.normalise import flatten_odata, to_canonical
from konray_review.sources.xlsform import XLSX_TYPE, form_settings

REVIEW_STATES = {"has_issues": "hasIssues", "approved": "approved", "rejected": "rejected"}
#: Central's review states in our words (``None``: never reviewed, "received")
SERVER_STATES = {"hasIssues": "has_issues", "approved": "approved", "rejected": "rejected",
                 "edited": "edited", None: "received"}
ENTITY_PROPERTIES = LIST_PROPERTIES


def make_client(config: CentralConfig) -> Client:
    """A pyodk client that never touches ``~/.pyodk_cache.toml`` (token kept in memory)."""
    session = PyodkSession(base_url=config.base_url, api_version="v1",
                           username=config.username, password=config.password,
                           cache_path=None)
    harden(session, config.http)
    session.auth = None  # we log in ourselves (with retries), see CentralSource._login
    cfg = PyodkConfig(central=PyodkCentral(base_url=config.base_url, username=config.username,
                                           password=config.password,
                                           default_project_id=config.project_id))
    return Client(config=cfg, session=session, project_id=config.project_id)


def odata_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def resolve_form_id(form_id: str | None, year: int | None, config: CentralConfig) -> str:
    """``form_id`` if given, else the form of ``year`` (``phieu_b_<year>``), else the
    servers file's ``central.form_id`` (library use without a year)."""
    if form_id:
        return form_id
    if year is not None:
        return form_id_of_year(year)
    return config.form_id


class CentralSource:
    """One form in one Central project."""

    name = "central"

    def __init__(self, config: CentralConfig, *, form_id: str | None = None,
                 year: int | None = None, profile: Profile | None = None,
                 client: Client | None = None, page_size: int = 1000,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if config.project_id is None:
            raise SourceError("thiếu central.project_id trong servers.toml "
                              "(missing central.project_id)")
        self.config, self.form_id = config, resolve_form_id(form_id, year, config)
        self.project_id = config.project_id
        self.client = client or make_client(config)
        self.profile = profile or load_profile()
        self.page_size, self.sleep = page_size, sleep
        self.key = self._key()

    def _key(self) -> str:
        host = urlsplit(self.config.base_url).netloc
        return f"central:{host}/{self.project_id}/{self.form_id}"

    # --- HTTP plumbing ----------------------------------------------------------------------
    def _login(self) -> None:
        body = send(self.client.session, "POST", "sessions", settings=self.config.http,
                    sleep=self.sleep, json={"email": self.config.username,
                                            "password": self.config.password})
        self.client.session.headers["Authorization"] = f"Bearer {body['token']}"

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        """Log in on first use, and once more if the 24 h session expired (401)."""
        session = self.client.session
        if "Authorization" not in session.headers:
            self._login()
        try:
            return send(session, method, path, settings=self.config.http, sleep=self.sleep,
                        **kwargs)
        except ServerError as exc:
            if exc.status != 401:
                raise
            session.headers.pop("Authorization", None)
            self._login()
            return send(session, method, path, settings=self.config.http, sleep=self.sleep,
                        **kwargs)

    def _form_path(self, suffix: str = "") -> str:
        fid = PyodkSession.urlquote(self.form_id)
        return f"projects/{self.project_id}/forms/{fid}{suffix}"

    # --- pull -------------------------------------------------------------------------------
    def odata_rows(self, filter_: str | None) -> list[dict[str, Any]]:
        """Every row matching ``filter_``, following nextLink; checked against $count."""
        params: dict[str, Any] = {"$expand": "*", "$top": self.page_size, "$count": "true"}
        if filter_:
            params["$filter"] = filter_
        from konray_review.progress import steps

        with steps("pull", None, "Kéo phiếu từ ODK Central (submissions)") as step:
            page = self._send("GET", self._form_path(".svc/Submissions"), params=params)
            expected = page.get("@odata.count")
            step.set_total(int(expected) if expected is not None else None)
            rows = list(page.get("value", []))
            step(len(rows))
            while page.get("@odata.nextLink"):
                page = self._send("GET", page["@odata.nextLink"])
                rows.extend(page.get("value", []))
                step(len(page.get("value", [])))
        unique = {r["__id"] for r in rows}
        if expected is not None and len(unique) < int(expected):
            raise SourceError(f"OData trả thiếu bản ghi: {len(unique)}/{expected} "
                              f"(incomplete OData pull: {len(unique)} of {expected})")
        return rows

    def pull(self, since: datetime | None = None) -> Batch:
        """New and edited submissions since ``since`` (all when None), plus deleted ones."""
        if not self.form_id:
            raise SourceError("thiếu form id: chạy với --year <năm> (hoặc pull --form "
                              "<form id>) (missing form id: pass --year, or --form to pull)")
        t = odata_time(since) if since else None
        live = self.odata_rows(f"__system/submissionDate ge {t} or __system/updatedAt ge {t}"
                               if t else None)
        gone_filter = "__system/deletedAt ne null"
        deleted = self.odata_rows(f"{gone_filter} and __system/deletedAt ge {t}" if t
                                  else gone_filter)
        rows = _latest_rows(live + deleted)
        canon = to_canonical(flatten_odata(rows), profile=self.profile, source=self.name,
                             form_id=self.form_id)
        return Batch(canon.households, canon.members, canon.problems, _watermark(rows, since),
                     full_snapshot=since is None)

    # --- write back -------------------------------------------------------------------------
    def _submission_path(self, instance_id: str, suffix: str = "") -> str:
        return self._form_path(f"/submissions/{PyodkSession.urlquote(instance_id)}{suffix}")

    def set_review_state(self, instance_id: str, state: ReviewState,
                         comment_vi: str | None = None) -> None:
        """Set the review state (idempotent); ``comment_vi`` is then added as a comment."""
        self._send("PATCH", self._submission_path(instance_id),
                   json={"reviewState": REVIEW_STATES[check_state(state)]})
        if comment_vi:
            self.add_comment(instance_id, comment_vi)

    def add_comment(self, instance_id: str, body: str) -> None:
        """One comment (not idempotent: never repeated blindly, see ``http.send``)."""
        self._send("POST", self._submission_path(instance_id, "/comments"),
                   json={"body": body}, idempotent=False)

    def comments(self, instance_id: str) -> list[str]:
        """The bodies of the submission's comments, oldest first."""
        rows = self._send("GET", self._submission_path(instance_id, "/comments"))
        return [str(r.get("body", "")) for r in rows or []]

    @staticmethod
    def server_state(value: Any) -> str:
        """A pulled ``review_state`` in our words (received, has_issues, edited, ...)."""
        key = None if value is None or value != value else str(value)
        return SERVER_STATES.get(key, str(key))

    # --- deploy -----------------------------------------------------------------------------
    def deploy_form(self, xlsx_path: Path, attachments: list[Path] | None = None, *,
                    entity_list: pd.DataFrame | None = None,
                    entity_list_name: str = "households", **_: Any) -> DeployResult:
        """Publish the form with its attachments, unless the server already has exactly it.

        Unchanged (same version, same attachment hashes, same Entity-list link): nothing is
        re-published (the Entity list is still merged). Otherwise a draft is uploaded (the
        form is created on first deploy), the attachments are uploaded and the Entity list
        linked, every attachment the server says the form declares is checked to be there
        (else the draft is dropped and the file named), and the draft is published, as a
        new version string when the XLSForm's one was already used (409.6 otherwise)."""
        xlsx_path = Path(xlsx_path)
        settings = form_settings(xlsx_path)
        self.form_id = settings.get("form_id") or self.form_id
        self.key = self._key()
        version = settings.get("version") or ""
        files = {Path(p).name: Path(p) for p in attachments or []}
        slot = f"{entity_list_name}.csv" if entity_list is not None else None
        form = self._get_form()
        published = form is not None and bool(form.get("publishedAt"))
        if form is not None and published and self._unchanged(form, version, files, slot):
            count = (self.publish_entity_list(entity_list, entity_list_name)
                     if entity_list is not None else 0)
            return DeployResult(self.form_id, form.get("version"), form.get("enketoId"), [],
                                count, created=False, changed=False)
        self._upload_definition(xlsx_path.read_bytes(), exists=form is not None)
        names = [self._upload_attachment(files[n]) for n in sorted(files) if n != slot]
        count = 0
        if slot and entity_list is not None:
            count = self.publish_entity_list(entity_list, entity_list_name)
            self._link_dataset(slot)
        self._check_draft_attachments()
        new_version = self._free_version(version) if published else None
        self._send("POST", self._form_path("/draft/publish"), idempotent=False,
                   params={"version": new_version} if new_version else None)
        form = self._get_form() or {}
        return DeployResult(self.form_id, form.get("version"), form.get("enketoId"), names,
                            count, created=not published, changed=True)

    def _get_form(self) -> dict[str, Any] | None:
        try:
            return self._send("GET", self._form_path())
        except ServerError as exc:
            if exc.status == 404:
                return None
            raise

    def _unchanged(self, form: dict[str, Any], version: str, files: dict[str, Path],
                   slot: str | None) -> bool:
        """The published form is this version (or one we derived from it: ``<v>.<n>``) and
        every attachment is the same file (MD5) or the same Entity-list link."""
        current = str(form.get("version") or "")
        if not version or not (current == version or current.startswith(f"{version}.")):
            return False
        listed = {a["name"]: a for a in self._send("GET", self._form_path("/attachments"))}
        for name, path in files.items():
            if name == slot:
                continue
            have = listed.get(name) or {}
            if have.get("datasetExists") or have.get("hash") != _md5(path):
                return False
        return slot is None or bool((listed.get(slot) or {}).get("datasetExists"))

    def _upload_definition(self, body: bytes, *, exists: bool) -> None:
        headers = {"Content-Type": XLSX_TYPE,
                   "X-XlsForm-FormId-Fallback": PyodkSession.urlquote(self.form_id)}
        if exists:
            self._send("POST", self._form_path("/draft"), data=body, headers=headers,
                       params={"ignoreWarnings": "true"}, idempotent=False)
            return
        self._send("POST", f"projects/{self.project_id}/forms", data=body, headers=headers,
                   params={"ignoreWarnings": "true", "publish": "false"}, idempotent=False)

    def _upload_attachment(self, path: Path) -> str:
        ctype = "text/csv" if path.suffix.lower() == ".csv" else "application/octet-stream"
        name = PyodkSession.urlquote(path.name)
        self._send("POST", self._form_path(f"/draft/attachments/{name}"),
                   data=path.read_bytes(), headers={"Content-Type": ctype})
        return path.name

    def _link_dataset(self, slot: str) -> None:
        slots = {a["name"] for a in self._send("GET", self._form_path("/draft/attachments"))}
        if slot in slots:
            self._send("PATCH", self._form_path(f"/draft/attachments/{slot}"),
                       json={"dataset": True})

    def _check_draft_attachments(self) -> None:
        """Every attachment the server found in the form is there; else drop the draft."""
        listed = self._send("GET", self._form_path("/draft/attachments"))
        missing = sorted(a["name"] for a in listed if not a.get("exists"))
        if missing:
            self._send("DELETE", self._form_path("/draft"))
            raise SourceError(
                f"{self.form_id}: thiếu tệp đính kèm {', '.join(missing)}; chưa công bố "
                f"(missing attachment {', '.join(missing)}; the form was not published)")

    def _free_version(self, version: str) -> str | None:
        """None when ``version`` was never published, else the first free ``<v>.<n>``."""
        used = {str(v.get("version")) for v in self._send("GET", self._form_path("/versions"))}
        if version not in used:
            return None
        n = 1
        while f"{version}.{n}" in used:
            n += 1
        return f"{version}.{n}"

    def publish_entity_list(self, households: pd.DataFrame, name: str = "households") -> int:
        """Last year's households as an Entity list (values are strings; label shown)."""
        base = f"projects/{self.project_id}/datasets"
        try:
            self._send("GET", f"{base}/{PyodkSession.urlquote(name)}")
        except ServerError as exc:
            if exc.status != 404:
                raise
            self._send("POST", base, json={"name": name}, idempotent=False)
        data = entity_rows(households)
        self.client.entities.merge(data, entity_list_name=name, project_id=self.project_id,
                                   match_keys=["household_id"], add_new_properties=True,
                                   delete_not_matched=True)
        return len(data)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def entity_rows(households: pd.DataFrame) -> list[dict[str, str]]:
    """Entity dicts: ``label`` (head – village) plus string properties: the same columns as
    the ``households.csv`` the form builder makes (``forms.household_list``), so Phiếu B's
    lookup of ``household_id`` works with either."""
    try:
        return cast("list[dict[str, str]]", list_rows(households).to_dict("records"))
    except HouseholdListError as exc:
        raise SourceError(str(exc)) from None


def _time_max(rows: Iterable[dict[str, Any]], field: str) -> pd.Timestamp | None:
    values = pd.to_datetime([r.get("__system", {}).get(field) for r in rows], utc=True,
                            errors="coerce", format="ISO8601")
    return None if values.isna().all() else values.max()


def _watermark(rows: list[dict[str, Any]], since: datetime | None) -> datetime | None:
    marks = [m for m in (_time_max(rows, f) for f in ("submissionDate", "updatedAt",
                                                       "deletedAt")) if m is not None]
    if not marks:
        return since
    return max(marks).to_pydatetime()


def _latest_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rows repeated by overlapping pages/filters: one per ``__id``, the latest version
    (most edits, then latest update, then deletion; on a tie the later row), in the order
    each ``__id`` first appeared."""
    if not rows:
        return []
    rank = pd.DataFrame.from_records([r.get("__system") or {} for r in rows],
                                     columns=["edits", "updatedAt", "deletedAt"])
    key = pd.DataFrame({
        "id": [r["__id"] for r in rows], "pos": np.arange(len(rows)),
        "edits": rank["edits"].fillna(0).astype("int64"),
        "updated": rank["updatedAt"].fillna("").astype(str),
        "deleted": rank["deletedAt"].fillna("").astype(str),
    })
    key["first"] = key.groupby("id", sort=False)["pos"].transform("min")
    keep = (key.sort_values(["edits", "updated", "deleted", "pos"], kind="stable")
            .drop_duplicates("id", keep="last").sort_values("first"))
    return [rows[i] for i in keep["pos"]]
