"""Named pandas rules: cross-row and conditional checks as vectorised boolean columns.

Great Expectations' SQL-based row expectations do not run on pandas batches, so these rules
compute one boolean per row (True = fine) and the suite expects the column to be all True.
Each rule leaves blanks to the required-field rules, so one mistake gives one message.
Signature: ``rule(prepared, table, column) -> bool array`` over the rows of ``table``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from konray_review.masks import isin
from konray_review.profile import normalise_name
from konray_review.quality.prepare import Prepared

RuleFn = Callable[[Prepared, str, str], np.ndarray]


def _true(s: pd.Series) -> np.ndarray:
    """Rows whose value is exactly True (nulls and anything else are not)."""
    if s.dtype == bool:
        return s.to_numpy()
    if isinstance(s.dtype, pd.BooleanDtype):
        return s.fillna(False).to_numpy(dtype=bool)
    return s.map(lambda v: v is True or v is np.True_, na_action="ignore").fillna(False) \
        .to_numpy(dtype=bool)


def _col(p: Prepared, table: str, column: str) -> pd.Series:
    frame = p.frames[table]
    if column in frame.columns:
        return frame[column]
    return pd.Series(np.full(len(frame), np.nan))


def roster_key(p: Prepared) -> str:
    """What ties a roster line to its household: the submission (``instance_id``) when both
    tables carry it, so two submissions that share a household id are each checked
    against their own roster (the duplicate id is HH-010's, not three roster errors);
    else the household id."""
    hh, mem = p.frames["households"], p.frames["members"]
    if "instance_id" in hh.columns and "instance_id" in mem.columns \
            and mem["instance_id"].notna().all():
        return "instance_id"
    return "household_id"


def _id_codes(p: Prepared) -> tuple[np.ndarray, np.ndarray, int]:
    """Roster keys of both tables as shared integer codes (-1 = blank), computed once."""
    if "id_codes" not in p.context:
        key = roster_key(p)
        hh_ids = p.frames["households"][key]
        mem_ids = p.frames["members"][key]
        codes, uniques = pd.factorize(pd.concat([hh_ids, mem_ids], ignore_index=True))
        p.context["id_codes"] = (codes[: len(hh_ids)], codes[len(hh_ids):], len(uniques))
    return p.context["id_codes"]


def _per_id(counts_of: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Look up per-id values at the codes ``at`` (0 for blank ids)."""
    return np.where(at >= 0, counts_of[np.maximum(at, 0)], 0)


def _member_counts(p: Prepared, mask: np.ndarray | None = None) -> np.ndarray:
    """Per household row: number of member rows with its id (optionally only ``mask`` rows)."""
    hh_codes, mem_codes, k = _id_codes(p)
    sel = mem_codes >= 0 if mask is None else (mem_codes >= 0) & mask
    return _per_id(np.bincount(mem_codes[sel], minlength=k), hh_codes)


def _plausibility(p: Prepared, key: str, default: int) -> int:
    return int(p.catalogue.plausibility.get(key, default))


# ------------------------------------------------------------------ types
def is_number(p: Prepared, table: str, column: str) -> np.ndarray:
    bad = p.unreadable.get((table, column))
    return np.ones(len(p.frames[table]), dtype=bool) if bad is None else ~bad


def is_datetime(p: Prepared, table: str, column: str) -> np.ndarray:
    return is_number(p, table, column)


def positive_whole_number(p: Prepared, table: str, column: str) -> np.ndarray:
    v = _col(p, table, column).to_numpy(dtype=float, na_value=np.nan)
    return np.isnan(v) | ((v >= 1) & (v == np.floor(v)))


# ------------------------------------------------------------------ households
def required_if_dwelling(p: Prepared, table: str, column: str) -> np.ndarray:
    dwelling = _true(p.frames[table]["has_dwelling"])
    return ~(dwelling & _col(p, table, column).isna().to_numpy())


def required_by_standard(p: Prepared, table: str, column: str) -> np.ndarray:
    """Blank is allowed unless the year's standard has an indicator that reads the column."""
    if column not in p.context["standard_columns"]:
        return np.ones(len(p.frames[table]), dtype=bool)
    return _col(p, table, column).notna().to_numpy()


def unique_household_id(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    keys = [column] + (["review_year"] if "review_year" in frame.columns else [])
    dup = frame.duplicated(keys, keep=False).to_numpy()
    return ~(dup & frame[column].notna().to_numpy())


def unique_instance_id(p: Prepared, table: str, column: str) -> np.ndarray:
    s = p.frames[table][column]
    return ~(s.duplicated(keep=False) & s.notna()).to_numpy()


def has_members(p: Prepared, table: str, column: str) -> np.ndarray:
    hh_codes, _, _ = _id_codes(p)
    return (_member_counts(p) > 0) | (hh_codes < 0)


def roster_size(p: Prepared, table: str, column: str) -> np.ndarray:
    declared = _col(p, table, column).to_numpy(dtype=float, na_value=np.nan)
    return np.isnan(declared) | (declared == _member_counts(p))


def one_head(p: Prepared, table: str, column: str) -> np.ndarray:
    mem = p.frames["members"]
    heads = _member_counts(p, (mem[column] == "head").fillna(False).to_numpy(dtype=bool))
    return (heads == 1) | (_member_counts(p) == 0)


def known_commune(p: Prepared, table: str, column: str) -> np.ndarray:
    s = p.frames[table][column]
    profile = p.context["profile"]
    uniq = pd.unique(s.dropna())
    known = {u for u in uniq if profile.canonical_unit(str(u)) is not None}
    return s.isna().to_numpy() | isin(s, known, match_missing=False)


def known_village(p: Prepared, table: str, column: str) -> np.ndarray:
    """(commune, village) on the profile's village list; unknown communes are HH-017's."""
    frame = p.frames[table]
    profile = p.context["profile"]
    villages = profile.villages()
    allowed = set(zip(villages["commune"], villages["village"].map(normalise_name), strict=True))
    pairs = frame[["commune", column]].dropna().drop_duplicates()
    good = []
    for commune, village in pairs.itertuples(index=False):  # distinct pairs only (few hundred)
        canon = profile.canonical_unit(str(commune))
        if canon is None or (canon, normalise_name(str(village))) in allowed:
            good.append((commune, village))
    ok_pairs = pd.MultiIndex.from_tuples(good, names=["commune", column]) if good else None
    idx = pd.MultiIndex.from_frame(frame[["commune", column]])
    ok = idx.isin(ok_pairs) if ok_pairs is not None else np.zeros(len(frame), dtype=bool)
    return ok | frame["commune"].isna().to_numpy() | frame[column].isna().to_numpy()


def known_province(p: Prepared, table: str, column: str) -> np.ndarray:
    s = p.frames[table][column]
    want = normalise_name(p.context["profile"].province)
    uniq = pd.unique(s.dropna())
    known = {u for u in uniq if normalise_name(str(u)) == want}
    return s.isna().to_numpy() | isin(s, known, match_missing=False)


#: columns that describe a household's situation (ids, names, places and times excluded)
_HH_SUBSTANCE = ("area", "head_ethnicity", "previous_category", "review_reason",
                 "screening_signs", "income_per_capita", "b1_score", "agricultural",
                 "has_dwelling", "wall_durable", "column_durable", "roof_durable",
                 "living_area_m2", "water_source", "latrine_type", "waste_handling", "owns_tv",
                 "owns_radio", "owns_computer", "owns_smartphone", "owns_phone")
_MEM_SUBSTANCE = ("sex", "age", "relation", "ethnicity", "able_to_work", "wants_work",
                  "employment", "wage_worker", "has_labour_contract", "disability",
                  "has_health_insurance", "stunted", "underweight", "education_level",
                  "studying", "trained_by_employer", "school_on_track", "uses_internet")


def enumerator_not_identical(p: Prepared, table: str, column: str) -> np.ndarray:
    """False for every household of an enumerator whose households all have the same answers."""
    hh, mem = p.frames["households"], p.frames["members"]
    hcols = [c for c in _HH_SUBSTANCE if c in hh.columns]
    mcols = [c for c in _MEM_SUBSTANCE if c in mem.columns]
    h_hash = pd.util.hash_pandas_object(hh[hcols], index=False).to_numpy()
    m_hash = pd.util.hash_pandas_object(mem[mcols], index=False)
    # order-free roster fingerprint: sum of member hashes (uint64 wraps around)
    hh_codes, mem_codes, k = _id_codes(p)
    roster = np.zeros(k + 1, dtype=np.uint64)
    np.add.at(roster, np.where(mem_codes >= 0, mem_codes, k), m_hash.to_numpy())
    r_hash = roster[np.where(hh_codes >= 0, hh_codes, k)]
    fingerprint = pd.Series(h_hash ^ r_hash)
    enum = p.frames[table][column]
    stats = fingerprint.groupby(enum.to_numpy()).agg(["nunique", "size"])
    minimum = _plausibility(p, "identical_min_households", 10)
    flagged = stats.index[(stats["nunique"] == 1) & (stats["size"] >= minimum)]
    return ~isin(enum, flagged, match_missing=False)


# ------------------------------------------------------------------ members
def unique_member_no(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    key = roster_key(p)
    dup = frame.duplicated([key, column], keep=False)
    return ~(dup & frame[column].notna() & frame[key].notna()).to_numpy()


def member_household_exists(p: Prepared, table: str, column: str) -> np.ndarray:
    hh_codes, mem_codes, k = _id_codes(p)
    households_of = np.bincount(hh_codes[hh_codes >= 0], minlength=k)
    return (mem_codes < 0) | (_per_id(households_of, mem_codes) > 0)


def _age(p: Prepared) -> np.ndarray:
    return _col(p, "members", "age").to_numpy(dtype=float, na_value=np.nan)


def child_nutrition_only(p: Prepared, table: str, column: str) -> np.ndarray:
    under = p.context["params"]["nutrition"].get("child_under", 16)
    age = _age(p)
    filled = _col(p, table, column).notna().to_numpy()
    return ~(filled & (age >= under))


def _school_ages(p: Prepared) -> np.ndarray:
    params = p.context["params"]["child_schooling"]
    age = _age(p)
    return (age >= params.get("min_age", 3)) & (age <= params.get("max_age", 15))


def school_required(p: Prepared, table: str, column: str) -> np.ndarray:
    return ~(_school_ages(p) & _col(p, table, column).isna().to_numpy())


def school_only_in_range(p: Prepared, table: str, column: str) -> np.ndarray:
    age = _age(p)
    filled = _col(p, table, column).notna().to_numpy()
    return ~(filled & ~np.isnan(age) & ~_school_ages(p))


# ------------------------------------------------------------------ classified output
def category_iff_income_known(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    unknown = (frame["income_test"].astype(object) == "unknown").to_numpy()
    return frame[column].isna().to_numpy() == unknown


def deprivation_count_matches(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    flags = [c for c in frame.columns if c.startswith("dep_")]
    total = frame[flags].fillna(False).astype(bool).sum(axis=1).to_numpy()
    count = frame[column].to_numpy(dtype=float, na_value=np.nan)
    return np.isnan(count) | (total == count)


def poor_only_below_line(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    listed = frame[column].astype(object).isin(["poor", "near_poor"]).to_numpy()
    below = (frame["income_test"].astype(object) == "at_or_below_line").to_numpy()
    return ~listed | below


def enumerator_not_all_undeprived(p: Prepared, table: str, column: str) -> np.ndarray:
    frame = p.frames[table]
    if column not in frame.columns:
        return np.ones(len(frame), dtype=bool)  # no households given: nothing to compare
    none = pd.Series(frame["deprivation_count"].to_numpy() == 0)
    enum = frame[column]
    stats = none.groupby(enum.to_numpy()).agg(["all", "size"])
    minimum = _plausibility(p, "no_deprivation_min_households", 30)
    flagged = stats.index[stats["all"] & (stats["size"] >= minimum)]
    return ~isin(enum, flagged, match_missing=False)


RULES: dict[str, RuleFn] = {
    f.__name__: f
    for f in (is_number, is_datetime, positive_whole_number, required_if_dwelling,
              required_by_standard, unique_household_id, unique_instance_id, has_members,
              roster_size, one_head, known_commune, known_village, known_province,
              enumerator_not_identical, unique_member_no, member_household_exists,
              child_nutrition_only, school_required, school_only_in_range,
              category_iff_income_known, deprivation_count_matches, poor_only_below_line,
              enumerator_not_all_undeprived)
}
