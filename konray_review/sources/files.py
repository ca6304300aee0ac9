"""Files downloaded by hand: Central ``submissions.csv.zip``, a KoBo XLSX export, or a folder
of submission XML files (ODK Collect's ``instances/`` folder, Briefcase, engine output).

Why: many offices have no stable connection at pull time and download data by hand. Each
reader turns its shape into the same :class:`RawFrames` as the servers, so the same
normalisation runs. A file is a snapshot of what was downloaded, so deletions cannot be seen
in it; edits can (Central's ``KEY`` stays the original id; XML files carry ``deprecatedID``).

Nothing in a file stops the rest of it: a row that cannot be read becomes a problem of its
own, and a file that cannot be read at all (empty, cut, another encoding, another form) is
*refused* with a reason that names it and says what to do (``SRC-013``), in the run
summary, never as a traceback. The source key is the form's id, not the file's name, so the
same export saved under two names is one source (re-importing upserts, nothing doubles).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections import Counter
from dataclasses import dataclass, field
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
from konray_review.sources.problems import findings_frame, refusal

_CSV_META = {"KEY": "__id", "meta-instanceID": "__current_id", "instanceID": "__current_id",
             "SubmissionDate": "__submitted_at", "ReviewState": "__review_state",
             "Edits": "__edits", "FormVersion": "__form_version", "UpdatedAt": "__updated_at"}
_CSV_DROP = {"SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
             "Status", "DeviceID", "PARENT_KEY"}
Reason = tuple[str, str]

#: why a file is refused: (Vietnamese, English), each naming what to do
REASONS: dict[str, Reason] = {
    "empty": ("tệp rỗng (0 byte): tải lại tệp từ máy chủ.",
              "the file is empty (0 bytes): download it again."),
    "not_zip": ("tệp .zip hỏng hoặc tải chưa xong (bị cắt): tải lại tệp từ máy chủ.",
                "the .zip is damaged or was not fully downloaded: download it again."),
    "not_xlsx": ("tệp .xlsx hỏng hoặc tải chưa xong (bị cắt): tải lại tệp từ KoBoToolbox.",
                 "the .xlsx is damaged or was not fully downloaded: download it again."),
    "no_csv": ("trong tệp .zip không có bảng .csv nào: đây không phải tệp xuất của ODK "
               "Central (submissions.csv.zip).",
               "the .zip holds no .csv table: it is not an ODK Central export."),
    "no_main": ("không nhận ra bảng chính trong tệp .zip ({names}): tải lại tệp "
                "submissions.csv.zip nguyên vẹn từ ODK Central.",
                "cannot tell the main table among {names}: download the whole "
                "submissions.csv.zip again."),
    "encoding": ("{name} không phải mã UTF-8 (có lẽ đã được Excel lưu theo bảng mã "
                 "Windows-1258/1252): mở tệp bằng Excel, chọn Lưu thành → «CSV UTF-8», "
                 "hoặc tải lại từ máy chủ.",
                 "{name} is not UTF-8 (probably saved by Excel as Windows-1258/1252): save "
                 "it again as \"CSV UTF-8\", or download it again."),
    "no_key": ("{name} không có cột KEY: đây không phải bảng xuất của ODK Central.",
               "{name} has no KEY column: it is not an ODK Central export."),
    "no_parent": ("{name} không có cột PARENT_KEY lẫn KEY: không biết thành viên thuộc hộ "
                  "nào; tải lại tệp từ ODK Central.",
                  "{name} has neither PARENT_KEY nor KEY: members cannot be matched to "
                  "their households; download the export again."),
    "no_uuid": ("thiếu cột _uuid: đây không phải bảng xuất XLSX của KoBoToolbox "
                "(chọn «XML values and headers» khi xuất).",
                "no _uuid column: not a KoBoToolbox XLSX export (export with \"XML values "
                "and headers\")."),
    "bad_xml": ("tệp XML hỏng ({error}): chép lại tệp từ máy hoặc tải lại.",
                "the XML is damaged ({error}): copy it from the device again."),
    "no_instance": ("phiếu XML không có meta/instanceID: không phải một phiếu đã hoàn thành.",
                    "the XML has no meta/instanceID: not a finalised submission."),
    "other_form": ("{n} tệp XML thuộc biểu mẫu {form}, không phải {main}: không nhập chung; "
                   "nhập riêng bằng --form {form}.",
                   "{n} XML file(s) belong to form {form}, not {main}: not mixed in; import "
                   "them on their own with --form {form}."),
    "no_xml": ("thư mục không có tệp .xml nào.", "the folder holds no .xml file."),
    "kind": ("chỉ đọc được .csv.zip (ODK Central), .xlsx (KoBoToolbox) hoặc thư mục .xml.",
             "expects a .csv.zip (ODK Central), an .xlsx (KoBoToolbox) or a folder of .xml."),
}


def reason(kind: str, **values: Any) -> Reason:
    vi, en = REASONS[kind]
    return vi.format(**values), en.format(**values)


class Refused(Exception):
    """A whole file cannot be read; carries the reason (Vietnamese, English)."""

    def __init__(self, why: Reason, rows: int | None = None) -> None:
        super().__init__(why[1])
        self.why, self.rows = why, rows


@dataclass
class FileRead:
    """What one file (or folder) gave: its raw rows, its form, what was refused or noted."""

    label: str
    form_id: str | None
    raw: RawFrames | None
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: delivered rows the reader folded into another submission (older versions of an edit)
    superseded: list[dict[str, Any]] = field(default_factory=list)


# --- CSV text ----------------------------------------------------------------------------------
def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 (BOM) text; anything else is refused with a
    hint, never guessed: a wrong guess of a Windows code page garbles every name."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(reason("encoding", name=name)) from None


def read_table(text: str) -> tuple[pd.DataFrame, pd.Series]:
    """CSV text -> all-text table and a mask of rows that have more fields than the header.

    The separator is the header's (``,`` as Central writes it; ``;`` from a spreadsheet
    saved as "CSV UTF-8" where the decimal mark is a comma; tab from "Unicode text"). A row
    with fewer fields (a cut last line) keeps what it has; a row with more cannot be aligned
    and is returned blank, flagged, for the normaliser to report (SRC-006).
    """
    first = text.split("\n", 1)[0]
    sep = "," if "," in first else ";" if ";" in first else "\t" if "\t" in first else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    if not rows:
        return pd.DataFrame(), pd.Series(dtype=bool)
    header, body = rows[0], [r for r in rows[1:] if r and any(v.strip() for v in r)]
    width = len(header)
    too_long = pd.Series([len(r) > width for r in body], dtype=bool)
    body = [r[:width] + [""] * (width - len(r)) if len(r) <= width else [""] * width
            for r in body]
    return pd.DataFrame(body, columns=header, dtype=object).copy(), too_long


def _csv(zf: zipfile.ZipFile, name: str) -> tuple[pd.DataFrame, pd.Series]:
    return read_table(decode(zf.read(name), name))


# --- Central submissions.csv.zip ---------------------------------------------------------------
def main_table(names: list[str]) -> tuple[str, str | None]:
    """The main CSV of a Central export and its roster CSV. The main table's name is the
    form id; every repeat table is ``<form id>-<repeat>.csv``, so the main table is the one
    whose stem prefixes all others (a form id may itself contain ``-``)."""
    stems = {Path(n).stem: n for n in names}
    main = [s for s in stems if all(o == s or o.startswith(f"{s}-") for o in stems)]
    if len(main) != 1:
        raise Refused(reason("no_main", names=", ".join(sorted(names))))
    roster = stems.get(f"{main[0]}-{MEMBERS_REPEAT}")
    return stems[main[0]], roster


def _place(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Where each row came from: the file, and its line as a spreadsheet shows it."""
    place = pd.DataFrame({"__file": file, "__row": [str(i + 2) for i in range(len(frame))]},
                         index=frame.index)
    return pd.concat([frame, place], axis=1)


def read_central_zip(path: Path) -> FileRead:
    """The main CSV and the ``-members`` CSV of a Central export."""
    try:
        if path.stat().st_size == 0:
            raise Refused(reason("empty"))
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise Refused(reason("no_csv"))
            main_name, roster_name = main_table(names)
            df, long_rows = _csv(zf, main_name)
            mem = _csv(zf, roster_name)[0] if roster_name else pd.DataFrame()
    except zipfile.BadZipFile:
        raise Refused(reason("not_zip")) from None
    form_id = Path(main_name).stem
    if "KEY" not in df.columns:
        raise Refused(reason("no_key", name=main_name), rows=len(df))
    notes: list[dict[str, Any]] = []
    if roster_name is None:
        mem = pd.DataFrame(columns=["PARENT_KEY"])
    elif "PARENT_KEY" not in mem.columns and "KEY" not in mem.columns:
        raise Refused(reason("no_parent", name=roster_name), rows=len(df))
    df = _place(df, main_name)
    df.loc[long_rows.to_numpy(), "KEY"] = ""  # misaligned: reported as an unreadable row
    df = _join_geopoints(df).copy()
    name = df.get("SubmitterName")
    df["__submitter"] = name.where(name != "", df.get("SubmitterID")) if name is not None \
        else df.get("SubmitterID")
    df = df.rename(columns={k: v for k, v in _CSV_META.items() if k in df.columns})
    df = df.drop(columns=[c for c in df.columns if c in _CSV_DROP or c.startswith("meta-")])
    mem = _place(mem, roster_name or "")
    mem[PARENT] = _parent_keys(mem)
    mem = mem.drop(columns=[c for c in ("PARENT_KEY", "KEY") if c in mem.columns])
    raw = RawFrames(leaf_names(df, "-"), leaf_names(mem, "-"))
    return FileRead(path.name, form_id, raw, notes)


def _parent_keys(mem: pd.DataFrame) -> pd.Series:
    """The submission a roster line belongs to: ``PARENT_KEY``, else the head of its own
    ``KEY`` (``uuid:…/members[2]``); blank when neither says (reported as SRC-011)."""
    parent = mem.get("PARENT_KEY", pd.Series("", index=mem.index)).fillna("").astype(str)
    own = mem.get("KEY", pd.Series("", index=mem.index)).fillna("").astype(str)
    parent = parent.where(parent.str.strip() != "", own)
    head = parent.str.split("/").str[0].str.strip()
    return head.where(head != "", None).astype(object)


def _join_geopoints(df: pd.DataFrame) -> pd.DataFrame:
    """Central splits a geopoint into ``x-Latitude`` ... ``x-Accuracy``: rejoin as ``x``."""
    parts = ("Latitude", "Longitude", "Altitude", "Accuracy")
    for lat in [c for c in df.columns if c.endswith("-Latitude")]:
        base = lat.removesuffix("-Latitude")
        cols = [f"{base}-{p}" for p in parts if f"{base}-{p}" in df.columns]
        filled = df[cols].fillna("").astype(str)
        joined = filled[cols[0]].str.cat(filled[cols[1:]], sep=" ").str.strip()
        df = pd.concat([df.drop(columns=cols), joined.rename(base)], axis=1)
    return df


def central_form_id(path: Path) -> str | None:
    """The form id of a Central export, from its table names (cheap: no CSV is read)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
        return Path(main_table(names)[0]).stem
    except (zipfile.BadZipFile, Refused, OSError):
        return None


# --- KoBo XLSX export ---------------------------------------------------------------------------
def read_kobo_xlsx(path: Path) -> FileRead:
    """A KoBo XLSX export (XML values and headers, group separator ``/``)."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        if path.stat().st_size == 0:
            raise Refused(reason("empty"))
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError, OSError):
        raise Refused(reason("not_xlsx")) from None
    names = list(sheets)
    main = sheets[names[0]].fillna("")
    roster = sheets.get(MEMBERS_REPEAT, pd.DataFrame(columns=["_parent_index"])).fillna("")
    if "_uuid" not in main.columns:
        raise Refused(reason("no_uuid"), rows=len(main))
    form_id = kobo_form_id(main, names[0])
    main = _place(main, f"{path.name} ({names[0]})")
    roster = _place(roster, f"{path.name} ({MEMBERS_REPEAT})")
    root = main["meta/rootUuid"] if "meta/rootUuid" in main.columns else main["_uuid"]
    main["__id"] = _uuid(root.where(root != "", main["_uuid"]).where(lambda s: s != "", None))
    main["__submitted_at"] = main.get("_submission_time")
    main["__updated_at"] = main.get("_last_edited")
    main["__submitter"] = main.get("_submitted_by")
    main["__record_id"] = main.get("_id")
    main["__review_state"] = main.get("_validation_status")
    main["__current_id"] = main.get("meta/instanceID")
    main["__form_version"] = main.get("__version__")
    deprecated = main.get("meta/deprecatedID", pd.Series("", index=main.index))
    main["__edits"] = (deprecated.fillna("") != "").astype(int)
    roster[PARENT] = _kobo_parents(main, roster)
    drop = lambda f: [c for c in f.columns if c.startswith(("_", "meta/", "formhub/"))  # noqa: E731
                      and not c.startswith("__") and c != PARENT]
    raw = RawFrames(leaf_names(main.drop(columns=drop(main)), "/"),
                    leaf_names(roster.drop(columns=drop(roster)), "/"))
    return FileRead(path.name, form_id, raw)


def _kobo_parents(main: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    """A roster line's submission: by ``_parent_index``, else by ``_submission__uuid``."""
    index = main.drop_duplicates("_index", keep="last").set_index("_index")["__id"] \
        if "_index" in main.columns else pd.Series(dtype=object)
    parent = roster["_parent_index"].map(index) if "_parent_index" in roster.columns \
        else pd.Series(None, index=roster.index, dtype=object)
    if "_submission__uuid" in roster.columns:
        by_uuid = _uuid(roster["_submission__uuid"].where(roster["_submission__uuid"] != "",
                                                          None))
        parent = parent.where(parent.notna(), by_uuid)
    return parent.astype(object)


def kobo_form_id(main: pd.DataFrame, sheet: str) -> str:
    """KoBo's form uuid (``formhub/uuid``, the same in every download), else the sheet's
    title (the form's name)."""
    if "formhub/uuid" in main.columns:
        uuids = main["formhub/uuid"][main["formhub/uuid"] != ""]
        if len(uuids):
            return str(uuids.iloc[0])
    return sheet


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


def resolve_edits(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                         list[dict[str, Any]]]:
    """Follow ``deprecatedID`` chains: the latest version of each original submission, and
    the earlier versions it replaced. Two files with the same instanceID are both kept (the
    normaliser reports them: SRC-005, or a note when they are identical)."""
    previous = {r["__id"]: r.pop("__deprecated") for r in records}
    for rec in records:
        current, depth, seen = rec["__id"], 0, set()
        original = current
        while previous.get(original) and original not in seen:
            seen.add(original)
            original, depth = previous[original], depth + 1
        rec["meta"] = {**(rec.get("meta") or {}), "instanceID": current}
        rec["__id"] = original
        rec["__system"]["edits"] = depth
    top: dict[str, Any] = {}
    for rec in records:
        top[rec["__id"]] = max(top.get(rec["__id"], 0), rec["__system"]["edits"])
    latest = [r for r in records if r["__system"]["edits"] == top[r["__id"]]]
    older = [r for r in records if r["__system"]["edits"] < top[r["__id"]]]
    return latest, older


def _xml_root_id(path: Path) -> str | None:
    """The form id of one XML file, from its first element only (cheap)."""
    try:
        for _, el in ET.iterparse(path, events=("start",)):
            return el.get("id")
    except (ET.ParseError, OSError):
        return None
    return None


def xml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xml") if p.is_file())


def folder_form(files: list[Path], form: str | None) -> str | None:
    """The folder's form: ``form`` if given, else the form most of its files belong to."""
    if form:
        return form
    counts = Counter(i for i in map(_xml_root_id, files) if i)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def read_xml(folder: Path, form: str | None = None) -> FileRead:
    """Every submission XML under ``folder`` of one form: damaged files and other forms'
    files are refused one by one (named), the rest is read."""
    files = xml_files(folder)
    if not files:
        raise Refused(reason("no_xml"))
    main = folder_form(files, form)
    records: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    others: Counter[str] = Counter()
    for path in files:  # one parse per file is the unit of work here
        rel = path.relative_to(folder).as_posix()
        mtime = datetime.fromtimestamp(os.path.getmtime(path), UTC)
        try:
            rec = parse_submission(path.read_bytes(), mtime)
        except ET.ParseError as exc:
            found.append(refusal(rel, reason("bad_xml", error=str(exc)), rows=1))
            continue
        except NormaliseError:
            found.append(refusal(rel, reason("no_instance"), rows=1))
            continue
        if rec.pop("__form_id") != main:
            others[_xml_root_id(path) or "?"] += 1
            continue
        rec["__row"], rec["__file"] = rel, folder.name
        records.append(rec)
    for other, n in sorted(others.items()):
        found.append(refusal(folder.name, reason("other_form", n=n, form=other, main=main),
                             form_id=other, rows=n))
    latest, older = resolve_edits(records)
    superseded = [{"file": folder.name, "row": r["__row"], "instance_id": r["__id"]}
                  for r in older]
    raw = flatten_odata(latest)
    for col in ("__row", "__file"):
        if col not in raw.submissions.columns:
            raw.submissions[col] = None
    return FileRead(folder.name, main, raw, found, superseded)


def read_xml_folder(folder: Path) -> tuple[RawFrames, str | None]:
    """Every submission XML of a folder (tests and tools): refuses on the first bad file."""
    read = read_xml(folder)
    if read.findings:
        first = read.findings[0]
        raise SourceError(f"{first['file']}: {first['message_vi']}")
    if read.raw is None:  # no findings means every file was read
        raise SourceError(f"{folder}: không có bài nộp nào (no submissions)")
    return read.raw, read.form_id


class FilesSource:
    """``pull --from files PATH``: a .csv.zip, a .xlsx or a folder of .xml."""

    name = "files"

    def __init__(self, path: str | os.PathLike[str], *, profile: Profile | None = None,
                 form: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(f"không thấy {self.path} (not found)")
        self.profile = profile or load_profile()
        self.form = form
        self.key = self._key()

    def _key(self) -> str:
        """``files:<kind>:<form id>``: one source per form, whatever the file is called."""
        form = None
        if self.path.is_dir():
            form, kind = folder_form(xml_files(self.path), self.form), "xml"
        elif self.path.name.lower().endswith(".zip"):
            form, kind = central_form_id(self.path), "central"
        elif self.path.name.lower().endswith(".xlsx"):
            form, kind = _xlsx_form_id(self.path), "kobo"
        return f"files:{kind}:{form}" if form else f"files:{self.path.resolve()}"

    def read(self) -> FileRead:
        """The file's rows, or its refusal (never an exception for what the file holds)."""
        try:
            if self.path.is_dir():
                return read_xml(self.path, self.form)
            name = self.path.name.lower()
            if name.endswith(".zip"):
                return read_central_zip(self.path)
            if name.endswith(".xlsx"):
                return read_kobo_xlsx(self.path)
            raise Refused(reason("kind"))
        except Refused as exc:
            return FileRead(self.path.name, None, None,
                            [refusal(self.path.name, exc.why, rows=exc.rows)])

    def pull(self, since: datetime | None = None) -> Batch:
        """Everything in the file: re-importing is idempotent (upsert on the submission id),
        and a file cannot say which rows changed since the last import."""
        read = self.read()
        if read.raw is None:
            return _refused_batch(read, since, self.profile)
        canon = to_canonical(read.raw, profile=self.profile, source=self.name,
                             form_id=read.form_id, label=read.label)
        mark = canon.households["submitted_at"].max()
        for f in read.findings:
            f.setdefault("form_id", read.form_id)
        delivery = pd.concat([canon.delivery, pd.DataFrame(
            read.superseded, columns=["file", "row", "instance_id"])], ignore_index=True)
        return Batch(canon.households, canon.members, canon.problems,
                     mark.to_pydatetime() if pd.notna(mark) else since,
                     delivery=delivery.assign(form_id=read.form_id),
                     findings=pd.concat([findings_frame(read.findings), canon.findings],
                                        ignore_index=True))

    def deploy_form(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupported("nguồn tệp không triển khai biểu mẫu (files cannot deploy forms)")

    def set_review_state(self, instance_id: str, state: str, comment_vi: str | None = None
                         ) -> None:
        raise NotSupported("nguồn tệp không ghi kết quả về máy chủ (files have no server)")


def _xlsx_form_id(path: Path) -> str | None:
    """The form id of a KoBo XLSX (``formhub/uuid`` of the first row, else the sheet)."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(min_row=1, max_row=2, values_only=True)
        header = next(rows, ())
        first = next(rows, ())
        title = sheet.title
        book.close()
    except Exception:  # a damaged file: refused when read, keyed by its path meanwhile
        return None
    values = dict(zip(header, first, strict=False))
    return str(values.get("formhub/uuid") or title)


def _refused_batch(read: FileRead, since: datetime | None, profile: Profile) -> Batch:
    """No row could be read: an empty batch (typed columns) carrying the refusal."""
    empty = to_canonical(RawFrames(pd.DataFrame(columns=["__id"]),
                                   pd.DataFrame(columns=[PARENT])),
                         profile=profile, source=FilesSource.name, form_id=read.form_id)
    return Batch(empty.households, empty.members, empty.problems, since,
                 delivery=empty.delivery, findings=findings_frame(read.findings))

