"""``classify``: households + members -> categories, deprivations and transitions.

Vectorised over whole tables: members are mapped to household positions once, every member
rule is a boolean array reduced per household with ``np.bincount``. The standard (picked by
the review year, adjusted by the district profile) supplies every threshold.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from konray_review.classifier.errors import InputError, Problem, raise_if
from konray_review.classifier.inputs import Table, to_arrow_strings
from konray_review.classifier.rules import RULES, Context, rule_columns
from konray_review.classifier.transitions import transitions
from konray_review.schema import CATEGORIES, INCOME_TESTS, TRANSITIONS, code_lists, codes
from konray_review.standards import Standard, standard_for_year, standard_id_for_year

_HH_BASE = ("household_id", "area", "review_reason", "screening_signs", "income_per_capita",
            "b1_score", "agricultural")
_MEM_BASE = ("household_id", "member_no")


def classify(
    households: pd.DataFrame,
    members: pd.DataFrame,
    *,
    year: int | None = None,
    profile: Any | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Classify every household of one review by the multidimensional poverty standard.

    ``year`` overrides the households' ``review_year``; otherwise each row's review year
    picks its standard. ``profile`` (a district profile) may override standard parameters.
    ``history`` (``household_id, review_year, category``) holds earlier reviews on record:
    it fills a missing ``previous_category`` from the year before and tells re-poor apart
    from newly poor. Returns one row per household, in input order; raises ``InputError``
    naming the household and the column for malformed input.
    """
    hh_ids = _household_ids(households)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the uniqueness hash runs beside the member mapping (Arrow releases the GIL);
        # a duplicate id is reported before any member error it may have caused
        unique = pool.submit(lambda: len(pc.unique(to_arrow_strings(hh_ids))))
        try:
            hh = Table("households", households, hh_ids)
            hh.require(_HH_BASE)
            years = _review_years(hh, year)
            member_hh, mem = _attach_members(members, hh_ids)
        except InputError:
            _raise_on_duplicate_ids(hh_ids, unique.result())
            raise
        _raise_on_duplicate_ids(hh_ids, unique.result())
    member_count = np.bincount(member_hh, minlength=len(hh_ids)).astype(np.float64)
    raise_if(member_count == 0, hh_ids, "members", "household_id", "has no member on the roster")
    if len(hh_ids) == 0:
        return _empty_result(year, profile)

    uniq, inverse = np.unique(years, return_inverse=True)
    std_ids = np.array([standard_id_for_year(int(y)) for y in uniq], dtype=object)[inverse]
    parts = []
    for sid in pd.unique(std_ids):
        rows = np.flatnonzero(std_ids == sid)
        standard = standard_for_year(int(years[rows[0]]), profile)
        parts.append(_classify_standard(standard, hh, mem, member_hh, member_count, years, rows))
    out = parts[0] if len(parts) == 1 else _combine(parts)
    out.index = households.index
    out.insert(1, "review_year", years)
    prev = _previous_category(hh)
    out["transition"] = transitions(out, prev, history)
    return out


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of several standards: indicator columns are the union (null where not used)."""
    out = pd.concat(parts).sort_index()
    out["standard"] = pd.Categorical(out["standard"].astype(str),
                                     categories=sorted({str(p["standard"].iloc[0]) for p in parts}))
    for col in out.columns:
        if col.startswith("dep_"):
            out[col] = out[col].astype("boolean")
    return out


def _empty_result(year: int | None, profile: Any | None) -> pd.DataFrame:
    """No households: the output columns with their types and no rows."""
    ids = standard_for_year(year, profile).indicator_ids if year is not None else []
    cols: dict[str, Any] = {
        "household_id": pd.Series([], dtype=object),
        "review_year": pd.Series([], dtype=np.int32),
        "standard": pd.Categorical([]),
        **{f"dep_{i}": pd.Series([], dtype=bool) for i in ids},
        "deprivation_count": pd.Series([], dtype=np.int16),
        "income_test": pd.Categorical([], categories=list(INCOME_TESTS)),
        "income_basis": pd.Categorical([], categories=["income", "b1"]),
        "category": pd.Categorical([], categories=list(CATEGORIES)),
        "member_count": pd.Series([], dtype=np.int32),
        "screened_out": pd.Series([], dtype=bool),
        "transition": pd.Categorical([], categories=list(TRANSITIONS)),
    }
    return pd.DataFrame(cols)


def _categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical[str]:
    """``pd.Categorical.from_codes`` for integer codes (-1 = missing) over string categories."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories))


def _household_ids(households: pd.DataFrame) -> pd.Series:
    if "household_id" not in households.columns:
        raise InputError([Problem("<all>", "households", "household_id", "column is missing")])
    ids = households["household_id"]
    null = ids.isna().to_numpy()
    raise_if(null, np.array([f"<row {i}>" for i in range(len(ids))], dtype=object)
             if null.any() else ids, "households", "household_id", "is blank")
    return ids


def _raise_on_duplicate_ids(ids: pd.Series, unique_count: int) -> None:
    if unique_count != len(ids):
        raise_if(ids.duplicated(keep=False).to_numpy(), ids, "households", "household_id",
                 "appears more than once in one review")


def _review_years(hh: Table, year: int | None) -> np.ndarray:
    if year is not None:
        return np.full(len(hh.household_ids), int(year), dtype=np.int32)
    hh.require(["review_year"])
    return hh.numbers("review_year", minimum=2000).astype(np.int32)


def _attach_members(members: pd.DataFrame, hh_ids: pd.Series) -> tuple[np.ndarray, Table]:
    """Household position of each member; orphans and duplicate member numbers are errors."""
    if "household_id" not in members.columns:
        raise InputError([Problem("<all>", "members", "household_id", "column is missing")])
    mid = members["household_id"]
    ids_arrow = to_arrow_strings(hh_ids)
    if isinstance(mid.dtype, pd.CategoricalDtype):
        cats = to_arrow_strings(pd.Series(mid.cat.categories.astype(str)))
        cat_pos = pc.index_in(cats, value_set=ids_arrow).fill_null(-1).to_numpy()
        raw = mid.cat.codes.to_numpy()
        pos = np.where(raw >= 0, cat_pos[np.maximum(raw, 0)], -1)
    else:
        grouped = _grouped_positions(to_arrow_strings(mid), ids_arrow)
        pos = grouped if grouped is not None else pc.index_in(
            to_arrow_strings(mid), value_set=ids_arrow).fill_null(-1).to_numpy(zero_copy_only=False)
    raise_if(pos < 0, mid, "members", "household_id",
             "is not a household of this review (member without a household)")
    mem = Table("members", members, mid)
    mem.require(_MEM_BASE)
    no = mem.numbers("member_no", minimum=1)
    raise_if(no != np.floor(no), mid, "members", "member_no", "is not a whole number", no)
    raise_if(_duplicate_keys(pos.astype(np.int64), no.astype(np.int64)), mid, "members",
             "member_no", "is used twice in one household", no)
    return pos.astype(np.int64), mem


def _grouped_positions(member_ids: pa.Array | pa.ChunkedArray,
                       hh_ids: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Fast path when members come grouped in household order (as sources write them).

    Comparing neighbours is cheaper than hashing 4.5 M strings; any other order returns
    None and the caller hashes.
    """
    n = len(member_ids)
    if n == 0 or member_ids.null_count:
        return None
    member_ids, hh_ids = _contiguous(member_ids), _contiguous(hh_ids)
    change = pc.not_equal(member_ids.slice(1), member_ids.slice(0, n - 1)).to_numpy(
        zero_copy_only=False)
    starts = np.concatenate(([0], np.flatnonzero(change) + 1))
    if len(starts) != len(hh_ids):
        return None
    if not pc.all(pc.equal(member_ids.take(pa.array(starts)), hh_ids)).as_py():
        return None
    lengths = np.diff(np.append(starts, n))
    return np.repeat(np.arange(len(starts), dtype=np.int64), lengths)


def _contiguous(arr):
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _duplicate_keys(pos: np.ndarray, no: np.ndarray) -> np.ndarray:
    """Rows whose (household, member_no) pair occurs more than once."""
    if len(pos) == 0:
        return np.zeros(0, dtype=bool)
    same_hh = pos[1:] == pos[:-1]
    if (pos[1:] >= pos[:-1]).all() and (no[1:][same_hh] > no[:-1][same_hh]).all():
        # grouped and numbered upwards within each household (as forms and sources write
        # rosters): no pair can repeat, and this needs no counting table
        return np.zeros(len(pos), dtype=bool)
    key = pos * (int(no.max()) + 1) + no
    if key.max() < 50_000_000:  # a counting table is cheaper than hashing or sorting
        counts = np.bincount(key)
        return counts[key] > 1
    return pd.Series(key).duplicated(keep=False).to_numpy()


def _classify_standard(
    standard: Standard, hh_all: Table, mem_all: Table, member_hh_all: np.ndarray,
    member_count_all: np.ndarray, years_all: np.ndarray, rows: np.ndarray,
) -> pd.DataFrame:
    """Classify the households at positions ``rows`` (all under one standard)."""
    whole = len(rows) == len(hh_all.household_ids)
    if whole:
        hh, mem, member_hh = hh_all, mem_all, member_hh_all
    else:
        hh = Table("households", hh_all.frame.iloc[rows], hh_all.household_ids.iloc[rows])
        remap = np.full(len(hh_all.household_ids), -1, dtype=np.int64)
        remap[rows] = np.arange(len(rows))
        msel = np.flatnonzero(remap[member_hh_all] >= 0)
        mem = Table("members", mem_all.frame.iloc[msel], mem_all.household_ids.iloc[msel])
        member_hh = remap[member_hh_all[msel]]
    years = years_all[rows]
    _require_rule_columns(standard, hh, mem)
    ctx = Context(standard, hh, mem, member_hh, len(rows), years[member_hh],
                  member_count_all[rows])
    ctx.prefetch_codes(*_code_columns(standard))
    data: dict[str, Any] = {"household_id": np.asarray(hh.household_ids)}
    data["standard"] = _categorical(np.zeros(len(rows), dtype=np.int8),
                                                 categories=[standard.id])
    count = np.zeros(len(rows), dtype=np.int16)
    for ind in standard.indicators:
        flag, _ = RULES[ind.rule](ctx, ind.params)
        data[f"dep_{ind.id}"] = flag
        count += flag
    data["deprivation_count"] = count
    data.update(_income_and_category(standard, ctx, count))
    data["member_count"] = member_count_all[rows].astype(np.int32)
    return pd.DataFrame(data, index=rows)


def member_causes(households: pd.DataFrame, members: pd.DataFrame, standard: Standard,
                  year: int) -> dict[str, np.ndarray]:
    """Per indicator, the member rows (positions in ``members``) that made it deprived.

    Used by explanations for one household at a time; household-level indicators map to an
    empty array.
    """
    hh_ids = _household_ids(households)
    hh = Table("households", households, hh_ids)
    member_hh, mem = _attach_members(members, hh_ids)
    count = np.bincount(member_hh, minlength=len(hh_ids)).astype(np.float64)
    years = np.full(len(members), int(year), dtype=np.int32)
    ctx = Context(standard, hh, mem, member_hh, len(hh_ids), years, count)
    out: dict[str, np.ndarray] = {}
    for ind in standard.indicators:
        _, cause = RULES[ind.rule](ctx, ind.params)
        out[ind.id] = np.flatnonzero(cause) if cause is not None else np.array([], dtype=int)
    return out


def _require_rule_columns(standard: Standard, hh: Table, mem: Table) -> None:
    hcols: list[str] = []
    mcols: list[str] = []
    for ind in standard.indicators:
        h, m = rule_columns(ind.rule, ind.params)
        hcols += [c for c in h if c not in hcols]
        mcols += [c for c in m if c not in mcols]
    hh.require(hcols)
    mem.require(mcols)


def _code_columns(standard: Standard) -> tuple[list[str], list[str]]:
    """Code columns this standard's rules read (members, households), for prefetching."""
    coded = set(code_lists())
    mem: list[str] = []
    hh: list[str] = ["area", "review_reason"]
    for ind in standard.indicators:
        h, m = rule_columns(ind.rule, ind.params)
        mem += [c for c in m if c in coded and c not in mem]
        hh += [c for c in h if c in coded and c not in hh]
    return mem, hh


def _income_and_category(standard: Standard, ctx: Context, count: np.ndarray) -> dict[str, Any]:
    hh = ctx.hh
    area = ctx.hcode("area")
    urban = area == codes("area").index("urban")
    income = hh.numbers("income_per_capita", allow_null=True, minimum=0)
    b1 = hh.numbers("b1_score", allow_null=True, minimum=0)

    def by_area(param: str) -> np.ndarray:
        p = getattr(standard, param)
        r, u = p.get("rural"), p.get("urban")
        return np.where(urban, np.nan if u is None else u, np.nan if r is None else r)

    line, cutoff, band = by_area("income_line"), by_area("b1_cutoff"), by_area("middle_band_upper")
    has_income = ~np.isnan(income)
    use_b1 = ~has_income & ~np.isnan(b1) & ~np.isnan(cutoff)
    below = np.where(has_income, income <= line, use_b1 & (b1 <= cutoff))
    known = has_income | use_b1
    test = np.where(~known, 2, np.where(below, 0, 1)).astype(np.int8)

    agricultural = hh.booleans("agricultural")[0]
    poor_min = standard.poor_min_deprivations.value
    middle = has_income & ~below & agricultural & ~np.isnan(band) & (income <= band)
    cat = np.select(
        [~known, below & (count >= poor_min), below, middle],
        [-1, 0, 1, 2], default=3,
    ).astype(np.int8)
    screened = _screened_out(standard, ctx)
    cat = np.where(screened, 3, cat).astype(np.int8)
    basis = np.where(has_income, 0, np.where(use_b1, 1, -1)).astype(np.int8)
    return {
        "income_test": _categorical(test, categories=list(INCOME_TESTS)),
        "income_basis": _categorical(basis, categories=["income", "b1"]),
        "category": _categorical(cat, categories=list(CATEGORIES)),
        "screened_out": screened,
    }


def _screened_out(standard: Standard, ctx: Context) -> np.ndarray:
    """Requests with at least ``screen_out_at`` of the 9 Phiếu A signs are not poor/near-poor."""
    hh = ctx.hh
    reason = ctx.hcode("review_reason")
    request = reason == codes("review_reason").index("request")
    signs = hh.numbers("screening_signs", allow_null=True, minimum=0)
    raise_if(signs > 9, hh.household_ids, "households", "screening_signs", "is more than 9", signs)
    return request & ~np.isnan(signs) & (signs >= standard.screening.screen_out_at.value)


def _previous_category(hh: Table) -> np.ndarray:
    if "previous_category" not in hh.frame.columns:
        return np.full(len(hh.household_ids), -1, dtype=np.int16)
    return hh.codes("previous_category", CATEGORIES, allow_null=True)
