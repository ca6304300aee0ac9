"""Raw submissions (any source shape) -> the canonical household and member tables.

This module is THE one place that maps form fields to canonical columns
(``HOUSEHOLD_FIELDS``, ``MEMBER_FIELDS``, ``MEMBERS_REPEAT``). Form field names equal the
canonical column names of ``shared/spec/data-model.md``; groups only add a path prefix
(``nha_o/wall_durable``), so every shape is first flattened to *leaf* field names.

Two steps, so every source runs the same code:
1. a shape adapter (``flatten_odata`` here, the KoBo / CSV / XML ones in their modules) turns
   raw records into :class:`RawFrames`: one row per submission and one per roster entry,
   leaf field names as columns plus the metadata columns in ``META``;
2. :func:`to_canonical` types the values (vectorised), maps choice values (commune slug ->
   unit name, village code -> village name), converts times to UTC and attaches metadata.

Values that cannot be typed (``"abc"`` in an integer field) become missing *and* are listed
in ``problems`` with the record, the member number, the field, the value as typed and a
source rule (``SRC-…``, ``sources/problems.py``): nothing is dropped silently. Unknown codes
are kept as they are, for the data-quality rules to report. A bad row never stops its
neighbours: a row without an id, a submission delivered twice and a roster line without its
submission are reported, and ``delivery`` says which submission every delivered row became.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from konray_review.forms.fields import EXTRA_HOUSEHOLD_COLUMNS, MEMBER_REPEAT, NOT_ASKED
from konray_review.forms.relevance import CONDITIONAL, as_mask, household_asked, member_asked
from konray_review.masks import isin
from konray_review.profile import Profile
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Column
from konray_review.sources.fieldnames import apply_renames, unknown_fields
from konray_review.sources.problems import (
    concat_problems,
    empty_problems,
    finding,
    findings_frame,
    problems_for,
    submission_problems,
)
from konray_review.standards import Standard, StandardError, standard_for_year

# --- the form-field -> column mapping (one place) ------------------------------------------
# Aligned with konray_review.forms.fields (docs/forms.md), which derives paths from the forms.
#: name of the member roster repeat in the forms
MEMBERS_REPEAT = MEMBER_REPEAT
#: canonical columns that are not form fields (they come from submission metadata)
_FROM_METADATA = frozenset({"instance_id", "submitted_at", "enumerator"})
#: canonical columns the normaliser fills in when the form has none (profile, submission)
_DERIVED = frozenset({"province", "area", "review_year"})
#: household column -> form field (leaf name); province/area/review_year fall back to derived
HOUSEHOLD_FIELDS: dict[str, str] = {
    **{c.name: c.name for c in HOUSEHOLD_COLUMNS if c.name not in _FROM_METADATA},
    **{name: name for name in EXTRA_HOUSEHOLD_COLUMNS},
}
#: member column -> form field inside the ``members`` repeat (household_id comes from parent)
MEMBER_FIELDS: dict[str, str] = {c.name: c.name for c in MEMBER_COLUMNS
                                 if c.name != "household_id"}
#: every field name the normaliser reads (all are form fields: no need to build the forms
#: to know them, ``fieldnames.unknown_fields``)
READ_FIELDS = frozenset({*HOUSEHOLD_FIELDS.values(), *MEMBER_FIELDS.values()})
#: geopoint fields -> prefix of the added columns (``<prefix>_latitude`` ...)
GEOPOINT_FIELDS: dict[str, str] = {"gps": "gps", "location": "gps"}
#: choice values of boolean (yes/no) questions, as any form engine or export may spell them
TRUE_VALUES = frozenset({"1", "true", "yes", "y", "có", "co", "x"})
FALSE_VALUES = frozenset({"0", "false", "no", "n", "không", "khong"})

# --- metadata columns every shape adapter provides -------------------------------------------
META = {
    "__id": "original submission id (Central __id; KoBo root uuid): the key for de-duplication",
    "__current_id": "instanceID of the current version (changes on edit)",
    "__submitted_at": "server receive time (UTC or ISO with offset)",
    "__updated_at": "last change on the server, if known",
    "__deleted_at": "when the submission was deleted (soft delete), else missing",
    "__submitter": "enumerator (submitter name / id / account)",
    "__edits": "number of edits",
    "__review_state": "server review state (Central reviewState, KoBo validation status)",
    "__form_version": "form version",
    "__record_id": "the server's own row id when it differs from __id (KoBo _id)",
    "__file": "the file the row was read from (files source), for messages and accounting",
    "__row": "the row's number in that file (1 = the first data row), for messages",
}
PARENT = "__parent"  # in RawFrames.members: the parent submission's __id

#: columns added to households beyond data-model.md (allowed: columns may be added)
HOUSEHOLD_EXTRA = {
    "household_size": "Int64", "source": "str", "form_id": "str", "form_version": "str",
    "current_instance_id": "str", "edits": "Int64", "updated_at": "datetime64[us, UTC]",
    "review_state": "str", "deleted": "boolean", "deleted_at": "datetime64[us, UTC]",
    "source_record_id": "str",
}
MEMBER_EXTRA = {"instance_id": "str"}


class NormaliseError(ValueError):
    """Raw records that cannot be read at all (not one bad value: those go to problems)."""


@dataclass
class RawFrames:
    """Flattened raw submissions: leaf field names + ``META`` columns; members + ``PARENT``."""

    submissions: pd.DataFrame
    members: pd.DataFrame


#: one row per delivered submission row: which file and row, which submission it became
DELIVERY_COLUMNS = ("file", "row", "instance_id")


@dataclass
class Canonical:
    households: pd.DataFrame
    members: pd.DataFrame
    problems: pd.DataFrame  # sources.problems.PROBLEM_COLUMNS
    delivery: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(DELIVERY_COLUMNS)))
    findings: pd.DataFrame = field(default_factory=lambda: findings_frame([]))


# --- flattening helpers shared by the shape adapters -----------------------------------------
def leaf_names(frame: pd.DataFrame, sep: str) -> pd.DataFrame:
    """Rename ``group/sub/field`` columns to ``field``; two paths with one leaf is an error."""
    keep = [c for c in frame.columns if c.startswith("__") or c == PARENT]
    rest = [c for c in frame.columns if c not in keep]
    leaves = {c: c.split(sep)[-1] for c in rest}
    seen: dict[str, str] = {}
    for path, leaf in leaves.items():
        if leaf in seen:
            raise NormaliseError(f"hai trường cùng tên '{leaf}': {seen[leaf]} và {path} "
                                 f"(two fields share the name '{leaf}')")
        seen[leaf] = path
    return frame.rename(columns=leaves)


def _geojson_points(frame: pd.DataFrame, sep: str) -> pd.DataFrame:
    """Central OData GeoJSON ``{type, coordinates, properties.accuracy}`` -> ODK text form."""
    for col in [c for c in frame.columns if c.endswith(f"{sep}coordinates")]:
        base = col[: -len("coordinates") - 1]
        coords = frame[col].astype(object)
        acc = frame.get(f"{base}{sep}properties{sep}accuracy", pd.Series(np.nan, frame.index))
        point = coords.notna() & (coords.str.len() >= 2)  # [lon, lat(, alt)]
        parts = [coords.str[1], coords.str[0], coords.str[2].fillna(0), acc.astype(object)]
        text = parts[0].astype(str)
        for part in parts[1:]:
            text = text + " " + part.astype(str).where(part.notna(), "")
        text = text.str.strip().where(point, None)
        drop = [c for c in frame.columns if c.startswith(f"{base}{sep}")]
        frame = frame.drop(columns=drop).assign(**{base: text})
    return frame


def explode_repeat(frame: pd.DataFrame, sep: str, id_col: str = "__id") -> tuple[pd.DataFrame,
                                                                                  pd.DataFrame]:
    """Split the ``members`` repeat (at any group depth) out of the submission rows."""
    cols = [c for c in frame.columns if c.split(sep)[-1] == MEMBERS_REPEAT]
    if len(cols) > 1:
        raise NormaliseError(f"nhiều nhóm lặp '{MEMBERS_REPEAT}': {cols}")
    if not cols:
        return frame, pd.DataFrame({PARENT: pd.Series(dtype="str")})
    rows = frame[cols[0]].explode()
    rows = rows[rows.notna()]  # an empty roster explodes to one missing row
    try:
        members = pd.json_normalize(rows.tolist(), sep=sep) if len(rows) else pd.DataFrame()
    except (AttributeError, TypeError, NotImplementedError) as exc:
        raise NormaliseError(f"nhóm lặp '{MEMBERS_REPEAT}' có phần tử không phải nhóm "
                             f"(a roster entry is not a group): {exc}") from None
    members = members.drop(columns=[c for c in members.columns if c.startswith("__")])
    members.columns = [c.removeprefix(f"{cols[0]}{sep}") for c in members.columns]
    members[PARENT] = frame.loc[rows.index, id_col].to_numpy()
    return frame.drop(columns=cols), members


# --- Central OData shape -----------------------------------------------------------------------
_ODATA_META = {
    "__id": "__id", "meta/instanceID": "__current_id",
    "__system/submissionDate": "__submitted_at", "__system/updatedAt": "__updated_at",
    "__system/deletedAt": "__deleted_at", "__system/edits": "__edits",
    "__system/reviewState": "__review_state", "__system/formVersion": "__form_version",
}


_NAV_LINK = "@odata.navigationLink"


def check_expanded(df: pd.DataFrame) -> None:
    """Every repeat Central links to (``<repeat>@odata.navigationLink``) came inline.

    A real Central sends the annotation next to the inline rows even with ``$expand=*``
    (recorded from v2026.2.2), so the annotation alone says nothing: a repeat is missing
    only when a row has the link but not the rows (a pull without ``$expand=*``)."""
    for link in [c for c in df.columns if c.endswith(_NAV_LINK)]:
        repeat = link[: -len(_NAV_LINK)]
        inline = df[repeat] if repeat in df.columns else pd.Series(np.nan, index=df.index)
        absent = df[link].notna() & inline.isna()
        if absent.any():
            where = df.loc[absent, "__id"].iloc[0] if "__id" in df.columns else "?"
            raise NormaliseError(f"dữ liệu OData thiếu $expand=* ở bản ghi {where} (repeat "
                                 f"'{repeat}' not expanded, only {link})")


def flatten_odata(records: Iterable[Mapping[str, Any]]) -> RawFrames:
    """Central OData rows (``$expand=*``: roster nested inline) -> :class:`RawFrames`."""
    records = list(records)
    if not records:
        return RawFrames(pd.DataFrame(columns=list(META)), pd.DataFrame(columns=[PARENT]))
    # pandas-stubs want list[dict]; json_normalize only reads the records, so any Mapping does
    df = pd.json_normalize(cast("list[dict[str, Any]]", records), sep="/")
    check_expanded(df)
    df, members = explode_repeat(df, "/")
    name = df.get("__system/submitterName")
    ident = df.get("__system/submitterId")
    submitter = name if name is not None else ident
    if name is not None and ident is not None:
        submitter = name.where(name.notna() & (name.astype(str) != ""), ident)
    meta_inst = [c for c in df.columns if c.endswith("meta/instanceID")]
    df = df.rename(columns={meta_inst[0]: "meta/instanceID"} if meta_inst else {})
    df = df.rename(columns={k: v for k, v in _ODATA_META.items() if k in df.columns})
    df["__submitter"] = submitter
    df = df.drop(columns=[c for c in df.columns
                          if c.startswith("__system/") or "/meta/" in f"/{c}"
                          or "@odata" in c or c.startswith("__Submissions")])
    df = _geojson_points(df, "/")
    return RawFrames(leaf_names(df, "/"), leaf_names(_geojson_points(members, "/"), "/"))


# --- typing ----------------------------------------------------------------------------------
#: amounts in đồng: "1.500.000" / "1,500,000" / "1 500 000" are thousands separators (a value
#: in đồng has no fractional part, so "1.500" is 1 500 đồng, never 1.5)
MONEY_COLUMNS = frozenset({"income_per_capita"})
_GROUPED = r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+"
_COMMA_DECIMAL = r"[+-]?\d+,\d+"  # "12,5": a Vietnamese-locale spreadsheet's decimal comma


def _text(s: pd.Series) -> pd.Series:
    """Values as stripped text (``str`` dtype), blanks missing; ``1.0`` read as ``1``."""
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.notna() & (s % 1 == 0)
        text = s.astype("str").where(~whole, s.astype("Float64").astype("Int64").astype("str"))
    else:
        text = s.astype("str").str.strip()
    return text.where(text.ne("") & s.notna(), np.nan)


def _matches(text: pd.Series, pattern: str) -> pd.Series:
    return text.str.fullmatch(pattern).fillna(False).astype(bool)


def _numbers(raw: pd.Series, text: pd.Series, money: bool) -> pd.Series:
    """Numbers as floats (NaN where unreadable); the separators of Vietnamese spreadsheets
    are read (decimal comma; thousands groups in đồng amounts), anything else must be a
    plain number. Infinite values are unreadable."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
    else:
        t = text.str.replace("\u00a0", " ", regex=False)
        if money:
            grouped = _matches(t, _GROUPED)
            t = t.where(~grouped, t.str.replace(r"[., ]", "", regex=True))
        comma = _matches(t, _COMMA_DECIMAL)
        t = t.where(~comma, t.str.replace(",", ".", regex=False))
        num = pd.to_numeric(t, errors="coerce").astype("float64")
    return num.where(np.isfinite(num))


def _to_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        out = raw.astype("boolean")
        return out, pd.Series(False, index=raw.index)
    key = _text(raw).str.lower()
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[key.isin(TRUE_VALUES).to_numpy()] = True
    out[key.isin(FALSE_VALUES).to_numpy()] = False
    return out, (key.notna() & out.isna()).astype(bool)


def type_values(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Typed values, and per row the source rule a raw value broke (None where it is fine):
    SRC-001 not a number, SRC-002 not a whole number, SRC-003 not yes/no, SRC-004 not a
    date or time."""
    rule = pd.Series(None, index=raw.index, dtype=object)
    if col.kind in ("str", "code"):
        out = _text(raw)
        if col.codes == "ethnicity":
            out = out.where(~out.str.fullmatch(r"\d").fillna(False), out.str.zfill(2))
        return out, rule
    if col.kind == "bool":
        out, bad = _to_bool(raw)
        return out, rule.mask(bad.to_numpy(), "SRC-003")
    text = _text(raw)
    if col.kind in ("int", "float"):
        num = _numbers(raw, text, col.name in MONEY_COLUMNS)
        rule = rule.mask((text.notna() & num.isna()).to_numpy(), "SRC-001")
        if col.kind == "float":
            return num, rule
        frac = (num.notna() & (num % 1 != 0)).to_numpy()
        return num.mask(frac).astype("Float64").astype("Int64"), rule.mask(frac, "SRC-002")
    if col.kind == "timestamp":
        ts = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        return (ts.astype("datetime64[us, UTC]"),
                rule.mask((text.notna() & ts.isna()).to_numpy(), "SRC-004"))
    if col.kind == "date":
        ts = pd.to_datetime(text.str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
        out = pd.Series(ts.dt.date, index=raw.index, dtype=object).where(ts.notna(), None)
        return out, rule.mask((text.notna() & ts.isna()).to_numpy(), "SRC-004")
    raise AssertionError(col.kind)


def type_column(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Typed values and a mask of raw values that could not be typed."""
    out, rule = type_values(raw, col)
    return out, rule.notna()


def canonical_dtypes(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast an already-canonical table to the dtypes :func:`to_canonical` produces."""
    cols = HOUSEHOLD_COLUMNS if table == "households" else MEMBER_COLUMNS
    extra = HOUSEHOLD_EXTRA if table == "households" else MEMBER_EXTRA
    out = frame.copy()
    for col in cols:
        if col.name in out.columns:
            out[col.name] = type_column(out[col.name], col)[0]
    for name, dtype in extra.items():
        if name in out.columns:
            out[name] = _cast_extra(out[name], dtype)
    return out


def _cast_extra(s: pd.Series, dtype: str) -> pd.Series:
    if dtype.startswith("datetime"):
        # pandas_dtype turns the name into the dtype object astype builds from it anyway
        stamps = pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601")
        return stamps.astype(pd.api.types.pandas_dtype(dtype))
    if dtype == "Int64":
        return pd.to_numeric(s, errors="coerce").astype("Float64").astype("Int64")
    if dtype == "boolean":
        return _to_bool(s)[0]
    return _text(s)


# --- raw -> canonical ------------------------------------------------------------------------
def _field(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index,
                                                               dtype=object)


def _map_units(households: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Commune slug -> unit name; village code -> village name *of that commune*;
    province/area derived. A village code of another commune is kept as typed, so the
    village rule (HH-018) reports it instead of the household being relabelled."""
    slug_to_name = {u.slug: u.name for u in profile.units}
    commune = households["commune"]
    uniq = pd.Series(commune.dropna().unique())
    lookup = {v: slug_to_name.get(v) or profile.canonical_unit(v) or v for v in uniq}
    households["commune"] = commune.map(lookup).astype("str").where(commune.notna(), np.nan)
    villages = profile.villages()
    by_code = pd.Series(villages["village"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [villages["commune"].to_numpy(), villages["village_code"].to_numpy()]))
    village = households["village"]
    pairs = pd.MultiIndex.from_arrays([households["commune"].astype(object).to_numpy(),
                                       village.astype(object).to_numpy()])
    named = pd.Series(by_code.reindex(pairs).to_numpy(), index=households.index)
    households["village"] = named.fillna(village).astype("str").where(village.notna(), np.nan)
    households["province"] = households["province"].fillna(profile.province)
    area = households["commune"].map(profile.area_of())
    households["area"] = households["area"].fillna(area)
    return households


def _rows_label(rows: pd.Series) -> str:
    """Up to five row numbers, for a message."""
    shown = [str(r) for r in rows.dropna().tolist()[:5]]
    return ", ".join(shown) + (", …" if rows.notna().sum() > 5 else "")


def _places(sub: pd.DataFrame, label: str) -> tuple[pd.Series, pd.Series]:
    """Each row's file and row number (its position when the reader gave none)."""
    rows = _field(sub, "__row").astype(object)
    rows = rows.where(rows.notna(), pd.Series(sub.index + 1, index=sub.index).astype(str))
    return _field(sub, "__file").fillna(label).astype(str), rows.astype(str)


def _ids(sub: pd.DataFrame, label: str) -> tuple[pd.Series, pd.DataFrame]:
    """The submission ids; a row without one (a cut line) gets a stand-in id built from
    its place in the file, and a problem (SRC-006), so it is quarantined, not lost."""
    ids = _field(sub, "__id").astype(object)
    ids = ids.where(ids.notna() & ids.astype(str).str.strip().ne(""), None)
    blank = ids.isna()
    if not blank.any():
        return ids, empty_problems()
    files, rows = _places(sub, label)
    ids = ids.where(~blank, "thieu-ma:" + files + ":" + rows)
    problems = submission_problems("SRC-006", ids[blank], rows[blank] + " của tệp "
                                   + files[blank], rows[blank] + " of " + files[blank])
    return ids, problems


def _one_per_id(sub: pd.DataFrame, ids: pd.Series, members: pd.DataFrame,
                label: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                     list[dict[str, Any]]]:
    """A submission delivered twice in one response or file (a repeated csv ``KEY``, a
    ``_uuid`` KoBo stored twice): the latest version is kept (most edits, latest change,
    last row). Copies that differ quarantine the submission (SRC-005, naming the rows);
    identical copies are only noted (SRC-015): nothing is ambiguous, nothing is lost. The
    copies' identical roster lines are kept once."""
    dup = ids.duplicated(keep=False).to_numpy()
    if not dup.any():
        return sub, members, empty_problems(), []
    order = pd.DataFrame({"id": ids, "pos": np.arange(len(ids)),
                          "edits": pd.to_numeric(_field(sub, "__edits"), errors="coerce"),
                          "updated": pd.to_datetime(_field(sub, "__updated_at"), utc=True,
                                                    errors="coerce", format="ISO8601")})
    keep = order.sort_values(["edits", "updated", "pos"], na_position="first",
                             kind="stable").drop_duplicates("id", keep="last")["pos"]
    files, rows = _places(sub, label)
    content = [c for c in sub.columns if not c.startswith("__") or c == "__current_id"]
    digest = pd.util.hash_pandas_object(sub[content].astype(str), index=False)
    copies = pd.DataFrame({"id": ids, "row": rows, "file": files, "digest": digest})[dup]
    per_id = copies.groupby("id", sort=False).agg(
        n=("row", "size"), rows=("row", _rows_label), file=("file", "first"),
        versions=("digest", "nunique"))
    differ = per_id[per_id["versions"] > 1]
    n = differ["n"].astype(str)
    problems = submission_problems(
        "SRC-005", pd.Series(differ.index), (n + " dòng khác nhau trong " + differ["file"]
                                             + " (dòng " + differ["rows"] + ")"
                                             ).reset_index(drop=True),
        (n + " differing rows in " + differ["file"] + " (rows " + differ["rows"] + ")"
         ).reset_index(drop=True)) if len(differ) else empty_problems()
    same = per_id[per_id["versions"] == 1]
    notes = []
    if len(same):
        where = _rows_label(same["rows"])
        notes.append(finding(label, "SRC-015", rows=int(same["n"].sum()), detail=(
            f"{len(same)} phiếu có bản sao giống hệt trong tệp (dòng {where})",
            f"{len(same)} submission(s) have identical copies in the file (rows {where})")))
    kept = sub.iloc[np.sort(keep.to_numpy())]
    roster_cols = [c for c in members.columns if c != "__row"]
    twice = members[roster_cols].astype(str).duplicated() & members[PARENT].isin(
        set(copies["id"]))
    return kept, members[~twice.to_numpy()], problems, notes


def _field_names(sub: pd.DataFrame, members: pd.DataFrame, label: str, form_id: str | None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Old field names read as current ones (SRC-008); fields the forms do not have that
    carry a value reported (SRC-007); several form versions in one delivery noted (SRC-014)."""
    notes: list[dict[str, Any]] = []
    geo = {f"{p}_{n}" for p in GEOPOINT_FIELDS.values()
           for n in ("latitude", "longitude", "altitude", "accuracy")} | set(GEOPOINT_FIELDS)
    for table, frame in (("households", sub), ("members", members)):
        frame, used = apply_renames(frame)
        for r, n in used:
            notes.append(finding(label, "SRC-008", form_id=form_id, column=r.new, value=r.old,
                                 rows=n, detail=(f"{n} phiếu, phiên bản đến {r.until or '?'}",
                                                 f"{n} submission(s), versions up to "
                                                 f"{r.until or '?'}")))
        for name, n in unknown_fields(frame, geo | {PARENT}, READ_FIELDS):
            notes.append(finding(label, "SRC-007", form_id=form_id, value=name, rows=n,
                                 detail=(f"{n} dòng có giá trị", f"{n} row(s) hold a value")))
        if table == "households":
            sub = frame
        else:
            members = frame
    notes += _absent_columns(sub, members, label, form_id)
    versions = _field(sub, "__form_version").dropna().astype(str).value_counts()
    if len(versions) > 1:
        text = ", ".join(f"{v}: {n}" for v, n in versions.items())
        notes.append(finding(label, "SRC-014", form_id=form_id, rows=int(versions.sum()),
                             detail=(text + " phiếu", text + " submission(s)")))
    return sub, members, notes


def _absent_columns(sub: pd.DataFrame, members: pd.DataFrame, label: str,
                    form_id: str | None) -> list[dict[str, Any]]:
    """A required field absent from the whole delivery (a column removed from the export,
    a partial download): said once per file (SRC-016), besides each row's quarantine."""
    notes = []
    for table, frame, cols, fields in (
            ("households", sub, HOUSEHOLD_COLUMNS, HOUSEHOLD_FIELDS),
            ("members", members, MEMBER_COLUMNS, MEMBER_FIELDS)):
        if not len(frame):
            continue
        conditional = {q.column for q in CONDITIONAL[table]}  # absent where not asked
        for col in cols:
            name = fields.get(col.name)
            if col.nullable or name is None or col.name in _FROM_METADATA \
                    or col.name in _DERIVED or col.name in conditional \
                    or name in frame.columns:
                continue
            notes.append(finding(label, "SRC-016", form_id=form_id, column=col.name,
                                 value=name, rows=len(frame)))
    return notes


def to_canonical(raw: RawFrames, *, profile: Profile, source: str,
                 form_id: str | None = None, label: str | None = None) -> Canonical:
    """Type, map and attach metadata: the canonical tables (plus extra columns), the
    problems, which submission every delivered row became, and the per-file findings.

    ``label`` names the delivery in messages (the file or folder; default the form id)."""
    label = label or form_id or source
    sub = raw.submissions.reset_index(drop=True)
    members = raw.members.reset_index(drop=True)
    sub, members, notes = _field_names(sub, members, label, form_id)
    ids, id_problems = _ids(sub, label)
    delivery = pd.DataFrame({"file": label, "row": _field(sub, "__row").astype(object),
                             "instance_id": ids.to_numpy()})
    sub = sub.assign(__id=ids)
    sub, members, dup_problems, dup_notes = _one_per_id(sub, ids, members, label)
    sub = sub.reset_index(drop=True)
    ids = sub["__id"].astype(object)
    hh, problems = _households(sub, ids, members, profile, source, form_id)
    mem, mem_problems, orphans = _members(members, hh, profile, label, form_id)
    frame = concat_problems([id_problems, dup_problems, problems, mem_problems])
    return Canonical(hh, mem, frame, delivery, findings_frame([*notes, *dup_notes, *orphans]))


def _households(sub: pd.DataFrame, ids: pd.Series, members: pd.DataFrame, profile: Profile,
                source: str, form_id: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = []
    hh = pd.DataFrame(index=sub.index)
    for col in (*HOUSEHOLD_COLUMNS, Column("household_size", "int")):
        if col.name in _FROM_METADATA:
            continue
        raw_col = _field(sub, HOUSEHOLD_FIELDS[col.name])
        hh[col.name], rule = type_values(raw_col, col)
        parts.append(problems_for(rule.notna(), ids, "households", col.name, raw_col, rule))
    has_roster = pd.Series(isin(ids, _field(members, PARENT)), index=ids.index)
    hh, skip_problems = fill_not_asked(hh, sub, "households", household_asked(hh), has_roster,
                                       ids)
    parts += [skip_problems, _income_unanswered(sub, hh, ids)]
    hh["instance_id"] = ids.astype("str")
    submitted = _field(sub, "__submitted_at")
    hh["submitted_at"], rule = type_values(submitted, Column("submitted_at", "timestamp"))
    parts.append(problems_for(rule.notna(), ids, "households", "submitted_at", submitted, rule))
    hh["enumerator"] = type_column(_field(sub, "__submitter"), Column("enumerator", "str"))[0]
    hh = _map_units(hh, profile)
    local_year = hh["submitted_at"].dt.tz_convert(profile.timezone).dt.year.astype("Int64")
    hh["review_year"] = hh["review_year"].fillna(local_year)
    hh = _add_household_extra(hh, sub, source, form_id).join(geopoints(sub))
    return hh, concat_problems(parts)


#: answers of the form's ``income_method`` for which it asks ``income_per_capita``
#: (``forms/phieu_b/survey.yaml``: relevant "direct" or "both")
INCOME_ASKED = frozenset({"direct", "both"})


def _income_unanswered(sub: pd.DataFrame, hh: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """The form asks the income per person when the income is assessed directly; a blank
    there (an older form version that named it otherwise, a column dropped from the
    export) is reported (SRC-009), never left as "income unknown" and not classified."""
    method = _text(_field(sub, "income_method")).str.lower()
    asked = method.isin(INCOME_ASKED).fillna(False).astype(bool)
    blank = hh["income_per_capita"].isna() & _text(_field(sub, "income_per_capita")).isna()
    return problems_for(asked & blank, ids, "households", "income_per_capita",
                        pd.Series("", index=hh.index), "SRC-009")


def fill_not_asked(typed: pd.DataFrame, raw: pd.DataFrame, table: str, asked: Mapping[str,
                   pd.Series], where: pd.Series, ids: pd.Series,
                   member_no: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank answers to questions the form skipped (its ``relevant`` was false, see
    ``forms.relevance``) get the meaning the preview and the classifier give them
    (``forms.fields.NOT_ASKED``). Blank answers to questions that were asked (SRC-009), or
    where it cannot be told (SRC-010), stay missing and become problems, so the record is
    quarantined rather than silently filled in. A field absent from the source counts as
    blank. Only rows in ``where`` are looked at (household questions: Phiếu B submissions,
    with a roster)."""
    fields = HOUSEHOLD_FIELDS if table == "households" else MEMBER_FIELDS
    scope = where.to_numpy(dtype=bool)
    blank_text = pd.Series("", index=typed.index)
    parts = []
    for question in CONDITIONAL[table]:
        column = question.column
        blank = _text(_field(raw, fields[column])).isna().to_numpy() & scope
        condition = asked[column]
        default = NOT_ASKED[table].get(column)
        skipped = blank & as_mask(condition, False)
        if default is not None and skipped.any():
            typed.loc[skipped, column] = default
        if not question.required:
            continue
        for mask, rule in ((blank & as_mask(condition, True), "SRC-009"),
                           (blank & condition.isna().to_numpy(), "SRC-010")):
            parts.append(problems_for(pd.Series(mask, index=typed.index), ids, table, column,
                                      blank_text, rule, member_no))
    return typed, concat_problems(parts)


def _add_household_extra(hh: pd.DataFrame, sub: pd.DataFrame, source: str,
                         form_id: str | None) -> pd.DataFrame:
    hh["source"] = source
    hh["form_id"] = form_id if form_id is not None else np.nan
    extra = {
        "form_version": _field(sub, "__form_version"),
        "current_instance_id": _field(sub, "__current_id").where(
            _field(sub, "__current_id").notna(), _field(sub, "__id")),
        "edits": _field(sub, "__edits").fillna(0),
        "updated_at": _field(sub, "__updated_at"),
        "review_state": _field(sub, "__review_state"),
        "deleted_at": _field(sub, "__deleted_at"),
        "source_record_id": _field(sub, "__record_id"),
    }
    for name, values in extra.items():
        hh[name] = _cast_extra(values, HOUSEHOLD_EXTRA[name])
    hh["deleted"] = pd.array(hh["deleted_at"].notna().to_numpy(), dtype="boolean")
    hh["form_id"] = hh["form_id"].astype("str")
    hh["source"] = hh["source"].astype("str")
    return hh


def _standards(years: pd.Series, profile: Profile) -> dict[int, Standard]:
    """The standard of each review year present (years no standard covers are left out:
    their conditional questions cannot be decided and are reported)."""
    out: dict[int, Standard] = {}
    for year in years.dropna().unique():
        try:
            out[int(year)] = standard_for_year(int(year), profile)
        except StandardError:
            continue
    return out


def _orphans(raw: pd.DataFrame, known: pd.Series, label: str,
             form_id: str | None) -> list[dict[str, Any]]:
    """Roster lines whose submission is not in the delivery: refused (SRC-011), each named
    by its row, never attached to a guessed household."""
    if known.all():
        return []
    _, rows = _places(raw, label)
    where = _rows_label(rows[~known])
    n = int((~known).sum())
    return [finding(label, "SRC-011", form_id=form_id, rows=n,
                    detail=(f"{where} của {label}", f"{where} of {label}"))]


def _members(raw: pd.DataFrame, hh: pd.DataFrame, profile: Profile, label: str,
             form_id: str | None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    parent = _field(raw, PARENT).astype(object)
    known = parent.isin(set(hh["instance_id"]))
    orphans = _orphans(raw, known, label, form_id)
    raw, parent = raw[known.to_numpy()].reset_index(drop=True), parent[known].reset_index(
        drop=True)
    keys = hh.drop_duplicates("instance_id").set_index("instance_id")["household_id"]
    out = pd.DataFrame({"household_id": parent.map(keys).astype("str")}, index=raw.index)
    number = _text(_field(raw, MEMBER_FIELDS["member_no"])).astype(object)
    parts = []
    for col in MEMBER_COLUMNS:
        if col.name == "household_id":
            continue
        raw_col = _field(raw, MEMBER_FIELDS[col.name])
        out[col.name], rule = type_values(raw_col, col)
        parts.append(problems_for(rule.notna(), parent, "members", col.name, raw_col, rule,
                                  number))
    years = parent.map(hh.drop_duplicates("instance_id").set_index("instance_id")[
        "review_year"]).astype("Int64")
    asked = member_asked(out, years, _standards(years, profile))
    out, skip_problems = fill_not_asked(out, raw, "members", asked,
                                        pd.Series(True, index=raw.index), parent, number)
    parts.append(skip_problems)
    out["instance_id"] = parent.astype("str")
    return out, concat_problems(parts), orphans


def geopoints(frame: pd.DataFrame) -> pd.DataFrame:
    """``"lat lon alt acc"`` geopoint fields -> numeric ``<prefix>_latitude`` ... columns."""
    out = pd.DataFrame(index=frame.index)
    for field_name, prefix in GEOPOINT_FIELDS.items():
        if field_name not in frame.columns:
            continue
        parts = frame[field_name].astype("str").str.split(r"\s+", expand=True, regex=True)
        for i, name in enumerate(("latitude", "longitude", "altitude", "accuracy")):
            values = parts[i] if i in parts.columns else pd.Series(np.nan, index=frame.index)
            out[f"{prefix}_{name}"] = pd.to_numeric(values, errors="coerce")
    return out
