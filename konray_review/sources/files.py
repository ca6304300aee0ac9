"""Files downloaded by hand: Central ``submissions.csv.zip``, a KoBo XLSX export, or a folder
of submission XML files (ODK Collect's ``instances/`` folder, Briefcase, engine output).

Why: many offices have no stable connection at pull time and download data by hand. Each
reader turns its shape into the same :class:`RawFrames` as the servers, so the same
normalisation runs. A file is a snapshot of what was downloaded, so deletions cannot be seen
in it; edits can (Central's ``KEY`` stays the original id; XML files carry ``deprecatedID``).
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from konray_review.profile import Profile, load_profile
from konray_review.sources.base import Batch, NotSupported
from konray_review.sources.http import SourceError
from konray_review.sources.kobo import _uuid
from konray_review.sources.normalise import (
    MEMBERS_REPEAT,
    PARENT,
    NormaliseError,
    RawFrames,
    flatten_odata,
    leaf_names,
    to_canonical,
)

_CSV_META = {"KEY": "__id", "meta-instanceID": "__current_id", "instanceID": "__current_id",
             "SubmissionDate": "__submitted_at", "ReviewState": "__review_state",
             "Edits": "__edits", "FormVersion": "__form_version"}
_CSV_DROP = {"SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
             "Status", "DeviceID", "UpdatedAt", "PARENT_KEY"}


# --- Central submissions.csv.zip ---------------------------------------------------------------
def read_central_zip(path: Path) -> tuple[RawFrames, str]:
    """The main CSV and the ``-members`` CSV of a Central export -> RawFrames, form id."""
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
        roster = [n for n in names if n.endswith(f"-{MEMBERS_REPEAT}.csv")]
        main = [n for n in names if "-" not in Path(n).stem]
        if len(main) != 1:
            raise SourceError(f"{path.name}: không nhận ra bảng chính (main CSV not found: "
                              f"{names})")
        df = _read_csv(zf.read(main[0]))
        mem = _read_csv(zf.read(roster[0])) if roster else pd.DataFrame(columns=["PARENT_KEY"])
    df = _join_geopoints(df)
    name = df.get("SubmitterName")
    df["__submitter"] = name.where(name != "", df.get("SubmitterID")) if name is not None \
        else df.get("SubmitterID")
    df = df.rename(columns={k: v for k, v in _CSV_META.items() if k in df.columns})
    df = df.drop(columns=[c for c in df.columns if c in _CSV_DROP or c.startswith("meta-")])
    mem[PARENT] = mem["PARENT_KEY"].str.split("/").str[0]
    mem = mem.drop(columns=[c for c in ("PARENT_KEY", "KEY") if c in mem.columns])
    return RawFrames(leaf_names(df, "-"), leaf_names(mem, "-")), Path(main[0]).stem


def _join_geopoints(df: pd.DataFrame) -> pd.DataFrame:
    """Central splits a geopoint into ``x-Latitude`` ... ``x-Accuracy``: rejoin as ``x``."""
    parts = ("Latitude", "Longitude", "Altitude", "Accuracy")
    for lat in [c for c in df.columns if c.endswith("-Latitude")]:
        base = lat.removesuffix("-Latitude")
        cols = [f"{base}-{p}" for p in parts if f"{base}-{p}" in df.columns]
        filled = df[cols].fillna("")
        joined = filled[cols[0]].str.cat(filled[cols[1:]], sep=" ").str.strip()
        df = df.drop(columns=cols).assign(**{base: joined})
    return df


def _read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")


# --- KoBo XLSX export ---------------------------------------------------------------------------
def read_kobo_xlsx(path: Path) -> RawFrames:
    """A KoBo XLSX export (XML values and headers, group separator ``/``) -> RawFrames."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    names = list(sheets)
    main = sheets[names[0]].fillna("")
    roster = sheets.get(MEMBERS_REPEAT, pd.DataFrame(columns=["_parent_index"])).fillna("")
    if "_uuid" not in main.columns:
        raise SourceError(f"{path.name}: thiếu cột _uuid (not a KoBo export?)")
    root = main["meta/rootUuid"] if "meta/rootUuid" in main.columns else main["_uuid"]
    main["__id"] = _uuid(root.where(root != "", main["_uuid"]))
    main["__submitted_at"] = pd.to_datetime(main["_submission_time"], utc=True,
                                            format="ISO8601")
    main["__submitter"] = main.get("_submitted_by")
    main["__record_id"] = main.get("_id")
    main["__review_state"] = main.get("_validation_status")
    main["__current_id"] = main.get("meta/instanceID")
    deprecated = main.get("meta/deprecatedID", pd.Series("", index=main.index))
    main["__edits"] = (deprecated.fillna("") != "").astype(int)
    index_to_id = dict(zip(main["_index"], main["__id"], strict=True))
    roster[PARENT] = roster["_parent_index"].map(index_to_id)
    drop = lambda f: [c for c in f.columns if c.startswith(("_", "meta/", "formhub/"))  # noqa: E731
                      and not c.startswith("__") and c != PARENT]
    return RawFrames(leaf_names(main.drop(columns=drop(main)), "/"),
                     leaf_names(roster.drop(columns=drop(roster)), "/"))


# --- folder of submission XML -------------------------------------------------------------------
def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _element(el: ET.Element) -> Any:
    """A group -> dict (repeats -> lists); a leaf -> its text."""
    children = list(el)
    if not children:
        return el.text
    out: dict[str, Any] = {}
    for child in children:
        value = _element(child)
        tag = _tag(child)
        if tag == MEMBERS_REPEAT:
            out.setdefault(tag, []).append(value)
        elif tag in out:  # another repeat: keep every instance, never overwrite
            out[tag] = [*(out[tag] if isinstance(out[tag], list) else [out[tag]]), value]
        else:
            out[tag] = value
    return out


def parse_submission(data: bytes, mtime: datetime | None = None) -> dict[str, Any]:
    """One submission XML -> an OData-shaped record (``__id`` resolved later for edits)."""
    root = ET.fromstring(data)
    body = _element(root)
    if not isinstance(body, dict):
        raise NormaliseError("phiếu XML rỗng (empty submission XML)")
    meta = body.get("meta") or {}
    instance = meta.get("instanceID")
    if not instance:
        raise NormaliseError("phiếu XML thiếu meta/instanceID (no instanceID)")
    stamp = body.get("end") or body.get("start") or (mtime.isoformat() if mtime else None)
    return {
        **body, "__id": instance, "__deprecated": meta.get("deprecatedID"),
        "__system": {"submissionDate": stamp, "formVersion": root.get("version"),
                     "submitterName": body.get("username") or body.get("deviceid"),
                     "edits": 0},
        "__form_id": root.get("id"),
    }


def resolve_edits(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Follow ``deprecatedID`` chains: one record per original id, the latest version."""
    previous = {r["__id"]: r.pop("__deprecated") for r in records}
    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        current, depth, seen = rec["__id"], 0, set()
        original = current
        while previous.get(original) and original not in seen:
            seen.add(original)
            original, depth = previous[original], depth + 1
        rec["meta"] = {**(rec.get("meta") or {}), "instanceID": current}
        rec["__id"] = original
        rec["__system"]["edits"] = depth
        if original not in latest or depth >= latest[original]["__system"]["edits"]:
            latest[original] = rec
    return list(latest.values())


def read_xml_folder(folder: Path) -> tuple[RawFrames, str | None]:
    files = sorted(p for p in folder.rglob("*.xml") if p.is_file())
    if not files:
        raise SourceError(f"{folder}: không có tệp .xml (no submission XML files)")
    records = []
    for path in files:
        mtime = datetime.fromtimestamp(os.path.getmtime(path), UTC)
        try:
            records.append(parse_submission(path.read_bytes(), mtime))
        except (ET.ParseError, NormaliseError) as exc:
            raise SourceError(f"{path.name}: {exc}") from None
    form_ids = {r.pop("__form_id") for r in records}
    return flatten_odata(resolve_edits(records)), (form_ids.pop() if len(form_ids) == 1
                                                   else None)


class FilesSource:
    """``pull --from files PATH``: a .csv.zip, a .xlsx or a folder of .xml."""

    name = "files"

    def __init__(self, path: str | os.PathLike[str], *, profile: Profile | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(f"không thấy {self.path} (not found)")
        self.profile = profile or load_profile()
        self.key = f"files:{self.path.resolve()}"

    def read(self) -> tuple[RawFrames, str | None]:
        if self.path.is_dir():
            return read_xml_folder(self.path)
        suffix = "".join(self.path.suffixes[-2:]).lower()
        if suffix.endswith(".zip"):
            return read_central_zip(self.path)
        if suffix.endswith(".xlsx"):
            return read_kobo_xlsx(self.path), self.path.stem
        raise SourceError(f"{self.path.name}: chỉ đọc .csv.zip, .xlsx hoặc thư mục .xml "
                          "(expects .csv.zip, .xlsx or a folder of .xml)")

    def pull(self, since: datetime | None = None) -> Batch:
        """Everything in the file: re-importing is idempotent (upsert on the submission id),
        and a file cannot say which rows changed since the last import."""
        raw, form_id = self.read()
        canon = to_canonical(raw, profile=self.profile, source=self.name, form_id=form_id)
        mark = canon.households["submitted_at"].max()
        return Batch(canon.households, canon.members, canon.problems,
                     mark.to_pydatetime() if pd.notna(mark) else since)

    def deploy_form(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupported("nguồn tệp không triển khai biểu mẫu (files cannot deploy forms)")

    def set_review_state(self, instance_id: str, state: str, comment_vi: str | None = None
                         ) -> None:
        raise NotSupported("nguồn tệp không ghi kết quả về máy chủ (files have no server)")
