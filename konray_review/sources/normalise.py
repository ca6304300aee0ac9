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
in ``problems`` with the record and the field: nothing is dropped silently. Unknown codes are
kept as they are, for the data-quality rules to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from konray_review.forms.fields import EXTRA_HOUSEHOLD_COLUMNS, MEMBER_REPEAT, NOT_ASKED
from konray_review.forms.relevance import CONDITIONAL, as_mask, household_asked, member_asked
from konray_review.profile import Profile
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Column
from konray_review.standards import Standard, StandardError, standard_for_year

# --- the form-field -> column mapping (one place) ------------------------------------------
# Aligned with konray_review.forms.fields (docs/forms.md), which derives paths from the forms.
#: name of the member roster repeat in the forms
MEMBERS_REPEAT = MEMBER_REPEAT
#: canonical columns that are not form fields (they come from submission metadata)
_FROM_METADATA = frozenset({"instance_id", "submitted_at", "enumerator"})
#: household column -> form field (leaf name); province/area/review_year fall back to derived
HOUSEHOLD_FIELDS: dict[str, str] = {
    **{c.name: c.name for c in HOUSEHOLD_COLUMNS if c.name not in _FROM_METADATA},
    **{name: name for name in EXTRA_HOUSEHOLD_COLUMNS},
}
#: member column -> form field inside the ``members`` repeat (household_id comes from parent)
MEMBER_FIELDS: dict[str, str] = {c.name: c.name for c in MEMBER_COLUMNS
                                 if c.name != "household_id"}
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
REVIEW_TZ = "Asia/Ho_Chi_Minh"


class NormaliseError(ValueError):
    """Raw records that cannot be read at all (not one bad value: those go to problems)."""


@dataclass
class RawFrames:
    """Flattened raw submissions: leaf field names + ``META`` columns; members + ``PARENT``."""

    submissions: pd.DataFrame
    members: pd.DataFrame


@dataclass
class Canonical:
    households: pd.DataFrame
    members: pd.DataFrame
    problems: pd.DataFrame  # instance_id, table, column, value, problem


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
    df = pd.json_normalize(records, sep="/")
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
def _text(s: pd.Series) -> pd.Series:
    """Values as stripped text (``str`` dtype), blanks missing; ``1.0`` read as ``1``."""
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.notna() & (s % 1 == 0)
        text = s.astype("str").where(~whole, s.astype("Float64").astype("Int64").astype("str"))
    else:
        text = s.astype("str").str.strip()
    return text.where(text.ne("") & s.notna(), np.nan)


def _problem_rows(mask: pd.Series, ids: pd.Series, table: str, col: str, raw: pd.Series,
                  what: str) -> list[dict[str, Any]]:
    if not mask.any():
        return []
    return [{"instance_id": i, "table": table, "column": col, "value": str(v), "problem": what}
            for i, v in zip(ids[mask], raw[mask], strict=True)]


def _to_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        out = raw.astype("boolean")
        return out, pd.Series(False, index=raw.index)
    key = _text(raw).str.lower()
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[key.isin(TRUE_VALUES).to_numpy()] = True
    out[key.isin(FALSE_VALUES).to_numpy()] = False
    return out, (key.notna() & out.isna()).astype(bool)


def type_column(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Typed values and a mask of raw values that could not be typed."""
    ok = pd.Series(False, index=raw.index)
    if col.kind in ("str", "code"):
        out = _text(raw)
        if col.codes == "ethnicity":
            out = out.where(~out.str.fullmatch(r"\d").fillna(False), out.str.zfill(2))
        return out, ok
    if col.kind == "bool":
        return _to_bool(raw)
    text = _text(raw)
    if col.kind in ("int", "float"):
        num = pd.to_numeric(raw.where(text.notna()), errors="coerce") if raw.dtype != "str" \
            else pd.to_numeric(text, errors="coerce")
        bad = text.notna() & num.isna()
        if col.kind == "float":
            return num.astype("float64"), bad.astype(bool)
        frac = num.notna() & (num % 1 != 0)
        return num.where(~frac).astype("Float64").astype("Int64"), (bad | frac).astype(bool)
    if col.kind == "timestamp":
        ts = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        return ts.astype("datetime64[us, UTC]"), (text.notna() & ts.isna()).astype(bool)
    if col.kind == "date":
        ts = pd.to_datetime(text.str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
        out = pd.Series(ts.dt.date, index=raw.index, dtype=object).where(ts.notna(), None)
        return out, (text.notna() & ts.isna()).astype(bool)
    raise AssertionError(col.kind)


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
        return pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601").astype(dtype)
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
    """Commune slug -> unit name; village code -> village name; province/area derived."""
    slug_to_name = {u.slug: u.name for u in profile.units}
    commune = households["commune"]
    uniq = pd.Series(commune.dropna().unique())
    lookup = {v: slug_to_name.get(v) or profile.canonical_unit(v) or v for v in uniq}
    households["commune"] = commune.map(lookup).astype("str").where(commune.notna(), np.nan)
    villages = profile.villages()
    by_code = dict(zip(villages["village_code"], villages["village"], strict=True))
    village = households["village"]
    households["village"] = village.map(by_code).fillna(village).astype("str").where(
        village.notna(), np.nan)
    households["province"] = households["province"].fillna(profile.province)
    area = households["commune"].map(profile.area_of())
    households["area"] = households["area"].fillna(area)
    return households


def to_canonical(raw: RawFrames, *, profile: Profile, source: str,
                 form_id: str | None = None) -> Canonical:
    """Type, map and attach metadata: the canonical tables (plus extra columns) and problems."""
    sub = raw.submissions.reset_index(drop=True)
    ids = _field(sub, "__id").astype(object)
    if ids.isna().any():
        raise NormaliseError("bản ghi thiếu mã (instanceID) (submission without an id)")
    problems: list[dict[str, Any]] = []
    hh = pd.DataFrame(index=sub.index)
    for col in HOUSEHOLD_COLUMNS:
        if col.name in _FROM_METADATA:
            continue
        raw_col = _field(sub, HOUSEHOLD_FIELDS[col.name])
        hh[col.name], bad = type_column(raw_col, col)
        problems += _problem_rows(bad, ids, "households", col.name, raw_col,
                                  f"không đọc được giá trị {col.kind} (not a valid {col.kind})")
    has_roster = ids.isin(set(_field(raw.members, PARENT)))
    hh, skip_problems = fill_not_asked(hh, sub, "households", household_asked(hh), has_roster,
                                       ids)
    problems += skip_problems
    hh["instance_id"] = ids.astype("str")
    meta = {"submitted_at": Column("submitted_at", "timestamp")}
    hh["submitted_at"], bad = type_column(_field(sub, "__submitted_at"), meta["submitted_at"])
    problems += _problem_rows(bad, ids, "households", "submitted_at",
                              _field(sub, "__submitted_at"), "thời điểm nộp sai định dạng")
    hh["enumerator"] = type_column(_field(sub, "__submitter"), Column("enumerator", "str"))[0]
    hh = _map_units(hh, profile)
    local_year = hh["submitted_at"].dt.tz_convert(REVIEW_TZ).dt.year.astype("Int64")
    hh["review_year"] = hh["review_year"].fillna(local_year)
    hh = _add_household_extra(hh, sub, source, form_id).join(geopoints(sub))
    mem, mem_problems = _members(raw.members, hh, profile)
    problems += mem_problems
    missing_id = hh["household_id"].isna()
    problems += _problem_rows(missing_id, ids, "households", "household_id",
                              pd.Series("", index=hh.index), "thiếu mã hộ (missing household_id)")
    frame = pd.DataFrame(problems, columns=["instance_id", "table", "column", "value", "problem"])
    return Canonical(hh, mem, frame)


_UNANSWERED = ("câu hỏi đã được hỏi nhưng không có trả lời "
               "(question was asked but has no answer)")
_UNDECIDABLE = ("không xác định được câu hỏi có được hỏi không vì thiếu câu trả lời khác "
                "(cannot tell whether the question was asked: an answer it depends on is "
                "missing)")


def fill_not_asked(typed: pd.DataFrame, raw: pd.DataFrame, table: str, asked: Mapping[str,
                   pd.Series], where: pd.Series, ids: pd.Series,
                   label: pd.Series | None = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Blank answers to questions the form skipped (its ``relevant`` was false, see
    ``forms.relevance``) get the meaning the preview and the classifier give them
    (``forms.fields.NOT_ASKED``). Blank answers to questions that were asked, or where it
    cannot be told, stay missing and become problems, so the record is quarantined rather
    than silently filled in. A field absent from the source counts as blank. Only rows in
    ``where`` are looked at (household questions: Phiếu B submissions, with a roster)."""
    fields = HOUSEHOLD_FIELDS if table == "households" else MEMBER_FIELDS
    scope = where.to_numpy(dtype=bool)
    label = label if label is not None else pd.Series("", index=typed.index)
    problems: list[dict[str, Any]] = []
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
        for mask, what in ((blank & as_mask(condition, True), _UNANSWERED),
                           (blank & condition.isna().to_numpy(), _UNDECIDABLE)):
            problems += _problem_rows(pd.Series(mask, index=typed.index), ids, table, column,
                                      label, what)
    return typed, problems


def _add_household_extra(hh: pd.DataFrame, sub: pd.DataFrame, source: str,
                         form_id: str | None) -> pd.DataFrame:
    hh["household_size"] = type_column(_field(sub, "household_size"),
                                       Column("household_size", "int"))[0]
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
    hh["deleted"] = pd.array(hh["deleted_at"].notna(), dtype="boolean")
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


def _members(raw: pd.DataFrame, hh: pd.DataFrame, profile: Profile
             ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    raw = raw.reset_index(drop=True)
    parent = _field(raw, PARENT).astype(object)
    known = parent.isin(set(hh["instance_id"]))
    if not known.all():
        raise NormaliseError("thành viên không thuộc phiếu nào (roster rows without a parent)")
    keys = hh.set_index("instance_id")["household_id"]
    out = pd.DataFrame({"household_id": parent.map(keys).astype("str")}, index=raw.index)
    problems: list[dict[str, Any]] = []
    for col in MEMBER_COLUMNS:
        if col.name == "household_id":
            continue
        raw_col = _field(raw, MEMBER_FIELDS[col.name])
        out[col.name], bad = type_column(raw_col, col)
        problems += _problem_rows(bad, parent, "members", col.name, raw_col,
                                  f"không đọc được giá trị {col.kind} (not a valid {col.kind})")
    years = parent.map(hh.set_index("instance_id")["review_year"]).astype("Int64")
    asked = member_asked(out, years, _standards(years, profile))
    number = "member_no=" + out["member_no"].astype("str").fillna("?")
    out, skip_problems = fill_not_asked(out, raw, "members", asked,
                                        pd.Series(True, index=raw.index), parent, number)
    problems += skip_problems
    out["instance_id"] = parent.astype("str")
    return out, problems


def geopoints(frame: pd.DataFrame) -> pd.DataFrame:
    """``"lat lon alt acc"`` geopoint fields -> numeric ``<prefix>_latitude`` ... columns."""
    out = pd.DataFrame(index=frame.index)
    for field, prefix in GEOPOINT_FIELDS.items():
        if field not in frame.columns:
            continue
        parts = frame[field].astype("str").str.split(r"\s+", expand=True, regex=True)
        for i, name in enumerate(("latitude", "longitude", "altitude", "accuracy")):
            values = parts[i] if i in parts.columns else pd.Series(np.nan, index=frame.index)
            out[f"{prefix}_{name}"] = pd.to_numeric(values, errors="coerce")
    return out
