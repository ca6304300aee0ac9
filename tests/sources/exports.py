"""Exports the way the servers write them, made from ODK's own submission XML.

The templates are the engine-made Phiếu B submissions of ``tests/fixtures/submissions``
(``@getodk/xforms-engine`` 0.22.0 on the built forms, see that folder's README). ``make``
clones them into ``n`` distinct households (new instanceID, household number and id, a
submission time inside the review window), and the writers lay them out as:

* an XML folder (ODK Collect ``instances/`` / Briefcase: one ``<data>`` document per file);
* a Central ``submissions.csv.zip`` (``shared/spec/odk-kobo-api.md`` §1.6, header order as
  Central's own tests show it: ``SubmissionDate``, the fields in document order with group
  paths joined by ``-`` (``meta-instanceID`` included), then ``KEY, SubmitterID,
  SubmitterName, AttachmentsPresent, AttachmentsExpected, Status, ReviewState, DeviceID,
  Edits, FormVersion``; the roster in ``<form>-members.csv`` ending ``PARENT_KEY, KEY``;
  geopoints split into ``-Latitude/-Longitude/-Altitude/-Accuracy``);
* a KoBo XLSX export ("XML values and headers", group separator ``/``): the main sheet with
  full group paths and KoBo's metadata columns, the ``members`` sheet with ``_index``,
  ``_parent_table_name``, ``_parent_index`` and the ``_submission_*`` columns.

Tests change the rows (a cut line, a repeated KEY, another encoding) before writing, so each
malformed input is a file a real export could contain.
"""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

from openpyxl import Workbook

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"
TEMPLATES = sorted((SUBMISSIONS / "phieu_b_2023").glob("*.xml"))
CSV_TAIL = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
            "Status", "ReviewState", "DeviceID", "Edits", "FormVersion")
#: the templates whose data pass every quality rule for 2023 (checked in test_accounting)
FIRST = datetime(2023, 10, 2, 1, 0, tzinfo=UTC)


@dataclass
class Submission:
    """One submission: its XML and the server's metadata about it."""

    xml: ET.Element
    submitted: datetime
    edits: int = 0
    submitter: str = "dtv_dak_koi_1"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def instance_id(self) -> str:
        return self.xml.find("meta/instanceID").text

    @property
    def household_id(self) -> str:
        return self.xml.find("household/household_id").text

    def set(self, path: str, value: str | None) -> None:
        """Set a field (``group/field``) of the XML; None removes the element."""
        parent_path, _, name = path.rpartition("/")
        parent = self.xml.find(parent_path) if parent_path else self.xml
        el = parent.find(name)
        if value is None:
            if el is not None:
                parent.remove(el)
            return
        if el is None:
            el = ET.SubElement(parent, name)
        el.text = value


def _template(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def make(n: int, *, year: int = 2023, templates: list[Path] | None = None,
         first: datetime = FIRST) -> list[Submission]:
    """``n`` distinct households cloned from the engine-made templates."""
    roots = [_template(p) for p in (templates or TEMPLATES)]
    out = []
    for i in range(n):
        root = copy.deepcopy(roots[i % len(roots)])
        sub = Submission(root, first + timedelta(hours=i))
        hid = root.find("household/household_id").text
        village = hid.rsplit("__", 1)[0]
        sub.set("household/household_no", str(900 + i))
        sub.set("household/household_id", f"{village}__{900 + i}")
        sub.set("meta/instanceID", f"uuid:0b0e{year:04d}-0000-4000-8000-{i:012d}")
        sub.set("meta/instanceName", f"B-{village}__{900 + i}")
        stamp = (sub.submitted - timedelta(minutes=5)).isoformat(timespec="milliseconds")
        sub.set("start", stamp)
        sub.set("end", stamp)
        sub.set("username", sub.submitter)
        out.append(sub)
    return out


# --- XML folder -------------------------------------------------------------------------------
def write_xml_folder(subs: list[Submission], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, sub in enumerate(subs):
        name = f"{sub.xml.get('id')}_{i:04d}"
        (folder / name).mkdir(exist_ok=True)  # Collect: instances/<form>_<time>/<same>.xml
        (folder / name / f"{name}.xml").write_bytes(ET.tostring(sub.xml, encoding="utf-8"))
    return folder


# --- Central submissions.csv.zip ----------------------------------------------------------------
@dataclass
class CsvTables:
    form_id: str
    header: list[str]
    rows: list[dict[str, str]]
    roster_header: list[str]
    roster: list[dict[str, str]]


def _walk(el: ET.Element, prefix: str, row: dict[str, str], cols: list[str],
          roster: list[dict[str, str]], key: str | None, roster_cols: list[str]) -> None:
    for child in el:
        if child.tag == "members":
            n = sum(r["PARENT_KEY"] == key for r in roster) + 1
            line = {"PARENT_KEY": key, "KEY": f"{key}/members[{n}]"}
            _walk(child, "", line, roster_cols, [], None, roster_cols)
            roster.append(line)
        elif len(child):
            _walk(child, f"{prefix}{child.tag}-", row, cols, roster, key, roster_cols)
        elif child.tag == "location":
            parts = [f"{prefix}location-{p}" for p in ("Latitude", "Longitude", "Altitude",
                                                       "Accuracy")]
            cols += [p for p in parts if p not in cols]
            for p, v in zip(parts, (child.text or "").split() + [""] * 4, strict=False):
                row[p] = v
        else:
            if f"{prefix}{child.tag}" not in cols:
                cols.append(f"{prefix}{child.tag}")
            row[f"{prefix}{child.tag}"] = child.text or ""


def central_tables(subs: list[Submission], form_id: str = "phieu_b_2023") -> CsvTables:
    """The two CSV tables of a Central export of ``subs`` (change them, then write)."""
    rows, roster, cols, roster_cols = [], [], ["SubmissionDate"], []
    template = subs[0].xml if subs else _template(TEMPLATES[0])
    for sub in subs or [Submission(template, FIRST)]:
        key = sub.instance_id
        row = {"SubmissionDate": sub.submitted.isoformat(timespec="milliseconds")
               .replace("+00:00", "Z")}
        _walk(sub.xml, "", row, cols, roster, key, roster_cols)
        rows.append(row | {"KEY": key, "SubmitterID": "23", "SubmitterName": sub.submitter,
                           "AttachmentsPresent": "0", "AttachmentsExpected": "0",
                           "Status": "", "ReviewState": "edited" if sub.edits else "",
                           "DeviceID": "collect:AbC123", "Edits": str(sub.edits),
                           "FormVersion": sub.xml.get("version")} | sub.extra)
    if not subs:  # a header-only export: the same columns, no rows
        rows, roster = [], []
    return CsvTables(form_id, [*cols, *CSV_TAIL], rows, [*roster_cols, "PARENT_KEY", "KEY"],
                     roster)


def csv_text(header: list[str], rows: list[dict[str, str]], sep: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, delimiter=sep, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in header} for r in rows)
    return buf.getvalue()


def write_central_zip(tables: CsvTables, path: Path, *, encoding: str = "utf-8",
                      sep: str = ",", roster: bool = True,
                      main_text: str | None = None, roster_text: str | None = None) -> Path:
    main = main_text if main_text is not None else csv_text(tables.header, tables.rows, sep)
    mem = roster_text if roster_text is not None else csv_text(tables.roster_header,
                                                               tables.roster, sep)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{tables.form_id}.csv", main.encode(encoding))
        if roster:
            zf.writestr(f"{tables.form_id}-members.csv", mem.encode(encoding))
    return path


# --- KoBo XLSX export ---------------------------------------------------------------------------
_KOBO_META = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
              "_submitted_by", "__version__", "_tags", "_index")


def _paths(el: ET.Element, prefix: str, row: dict[str, str], members: list[dict[str, str]]
           ) -> None:
    for child in el:
        if child.tag == "members":
            line: dict[str, str] = {}
            _paths(child, "members/", line, [])
            members.append(line)
        elif len(child):
            _paths(child, f"{prefix}{child.tag}/", row, members)
        else:
            row[f"{prefix}{child.tag}"] = child.text or ""


def kobo_tables(subs: list[Submission]) -> tuple[list[str], list[dict], list[str], list[dict]]:
    main, roster = [], []
    for i, sub in enumerate(subs):
        row: dict[str, str] = {}
        members: list[dict[str, str]] = []
        _paths(sub.xml, "", row, members)
        uuid = sub.instance_id.removeprefix("uuid:")
        row |= {"_id": str(5000 + i), "_uuid": uuid,
                "_submission_time": sub.submitted.strftime("%Y-%m-%dT%H:%M:%S"),
                "_validation_status": "", "_notes": "", "_status": "submitted_via_web",
                "_submitted_by": sub.submitter, "__version__": "vQy7nLJ3sWkP2RtdXz9aUe",
                "_tags": "", "_index": str(i + 1)} | sub.extra
        main.append(row)
        for m in members:
            roster.append(m | {"_index": str(len(roster) + 1), "_parent_table_name":
                               "Phiếu B", "_parent_index": str(i + 1),
                               "_submission__id": row["_id"], "_submission__uuid": uuid,
                               "_submission__submission_time": row["_submission_time"]})
    cols = list(dict.fromkeys(k for r in main for k in r if k not in _KOBO_META))
    mcols = list(dict.fromkeys(k for r in roster for k in r))
    return [*cols, *_KOBO_META], main, mcols, roster


def write_kobo_xlsx(subs: list[Submission], path: Path,
                    tables: tuple[list[str], list[dict], list[str], list[dict]] | None = None
                    ) -> Path:
    cols, main, mcols, roster = tables or kobo_tables(subs)
    book = Workbook()
    sheet = book.active
    sheet.title = "Phiếu B – Rà soát hộ nghèo, hộ cận nghèo (2023)"[:31]
    sheet.append(cols)
    for r in main:
        sheet.append([r.get(c, "") for c in cols])
    members = book.create_sheet("members")
    members.append(mcols)
    for r in roster:
        members.append([r.get(c, "") for c in mcols])
    book.save(path)
    return path


# --- encodings of re-saved files ------------------------------------------------------------------
def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes Vietnamese: base letters (with circumflex, breve, horn)
    precomposed, the five tone marks as combining characters (what Excel on a Vietnamese
    Windows saves as "CSV")."""
    import unicodedata

    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (base + tones).encode("cp1258")
    return bytes(out)
