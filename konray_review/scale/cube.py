"""Additive partial aggregates: per-partition sums that combine exactly.

Why a cube: rates and Alkire–Foster indices are ratios, and an average of partition averages
is wrong. Each partition instead emits counts and sums grouped by every dimension the
reports need (year, province, commune, category, income test, transition, number of
deprivations); partitions combine by adding rows with the same key, and every rate is
derived once from the combined sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["review_year", "province", "commune", "area", "ethnic_minority", "standard",
        "category", "income_test", "transition", "deprivation_count"]
_MISSING = "(none)"  # a null key (e.g. no transition) kept as its own key, never dropped
UNKNOWN_CATEGORY = "unknown"  # income unknown: no category (as in ``aggregates.counts_by``)
_CATEGORIES = ("poor", "near_poor", "middle", "none", UNKNOWN_CATEGORY)
KINH = "01"


def partition_cube(households: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """Counts of households and members, and deprived households per indicator, by KEYS."""
    if result.empty:
        return empty_cube(result)
    units = households.drop_duplicates("household_id").set_index("household_id")
    frame = pd.DataFrame({
        "review_year": result["review_year"].to_numpy(dtype=np.int64),
        "province": units["province"].reindex(result["household_id"]).to_numpy(),
        "commune": units["commune"].reindex(result["household_id"]).to_numpy(),
        "area": units["area"].reindex(result["household_id"]).to_numpy(),
        "ethnic_minority": units["head_ethnicity"].reindex(result["household_id"])
        .astype(str).to_numpy() != KINH,
    })
    for col in ("standard", "category", "income_test", "transition"):
        frame[col] = result[col].astype(object).fillna(_MISSING).to_numpy()
    frame["category"] = frame["category"].replace(_MISSING, UNKNOWN_CATEGORY)
    frame["deprivation_count"] = result["deprivation_count"].to_numpy(dtype=np.int64)
    frame[["province", "commune", "area"]] = frame[["province", "commune", "area"]] \
        .fillna(_MISSING)
    frame["households"] = 1
    frame["members"] = result["member_count"].to_numpy(dtype=np.int64)
    deps = [c for c in result.columns if c.startswith("dep_")]
    for c in deps:
        frame[c] = result[c].to_numpy(dtype=np.int64)
        frame[f"{c}_members"] = frame[c] * frame["members"]
    return frame.groupby(KEYS, sort=False, dropna=False).sum().reset_index()


def empty_cube(result: pd.DataFrame | None = None) -> pd.DataFrame:
    deps = [] if result is None else [c for c in result.columns if c.startswith("dep_")]
    cols = [*KEYS, "households", "members", *deps, *(f"{c}_members" for c in deps)]
    return pd.DataFrame(columns=cols)


def combine(cubes: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum partition cubes by key (exact: integers only). Missing indicators count as 0."""
    frames = [c for c in cubes if len(c)]
    if not frames:
        return empty_cube()
    both = pd.concat(frames, ignore_index=True)
    values = [c for c in both.columns if c not in KEYS]
    both[values] = both[values].fillna(0).astype(np.int64)
    out = both.groupby(KEYS, sort=True, dropna=False)[values].sum().reset_index()
    return out


def counts_by(cube: pd.DataFrame, by: list[str], what: str = "category") -> pd.DataFrame:
    """Households and members by ``by`` and ``what`` (e.g. category, transition)."""
    return cube.groupby([*by, what], sort=True)[["households", "members"]].sum().reset_index()


def category_counts(cube: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Households per category and poor / near-poor rates per group (as ``aggregates.counts_by``,
    including the ethnic-minority columns), from exact sums."""
    wide = cube.pivot_table(index=by, columns="category", values="households", aggfunc="sum",
                            fill_value=0, observed=True)
    out = pd.DataFrame(index=wide.index)
    for c in _CATEGORIES:
        out[c] = wide[c] if c in wide.columns else 0
    out["households"] = out[list(_CATEGORIES)].sum(axis=1)
    em = cube[cube["ethnic_minority"].astype(bool)]
    em_by = em.groupby(by)
    out["ethnic_minority_households"] = em_by["households"].sum()
    for c in ("poor", "near_poor"):
        out[f"ethnic_minority_{c}"] = em[em["category"] == c].groupby(by)["households"].sum()
    out = out.fillna(0).astype(np.int64)
    n = out["households"].where(out["households"] > 0)
    out["poor_rate"] = out["poor"] / n
    out["near_poor_rate"] = out["near_poor"] / n
    em_n = out["ethnic_minority_households"].where(out["ethnic_minority_households"] > 0)
    out["ethnic_minority_poor_rate"] = out["ethnic_minority_poor"] / em_n
    return out.reset_index()


def deprivation_rates(cube: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Share of households (and of people) deprived in each indicator, from exact sums."""
    deps = [c for c in cube.columns if c.startswith("dep_") and not c.endswith("_members")]
    g = cube.groupby(by, sort=True)[["households", "members", *deps,
                                      *(f"{c}_members" for c in deps)]].sum()
    rows = []
    for c in deps:
        rows.append(pd.DataFrame({
            "indicator": c.removeprefix("dep_"),
            "deprived_households": g[c], "households": g["households"],
            "household_rate": g[c] / g["households"],
            "people_rate": g[f"{c}_members"] / g["members"],
        }).reset_index())
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def alkire_foster(cube: pd.DataFrame, by: list[str], *, k: int, indicators: int) -> pd.DataFrame:
    """Headcount H, intensity A and M0 = H·A (equal weights), households and people.

    Needs only sums: n, the number with at least ``k`` deprivations (q) and the sum of their
    deprivation counts; combining partitions first and dividing last is exact.
    """
    poor = cube["deprivation_count"].to_numpy() >= k
    c = cube.assign(
        q=np.where(poor, cube["households"], 0),
        q_people=np.where(poor, cube["members"], 0),
        score=np.where(poor, cube["households"] * cube["deprivation_count"], 0),
        score_people=np.where(poor, cube["members"] * cube["deprivation_count"], 0),
    )
    g = c.groupby(by, sort=True)[["households", "members", "q", "q_people", "score",
                                  "score_people"]].sum()
    out = pd.DataFrame({
        "households": g["households"], "mpi_poor_households": g["q"],
        "H": g["q"] / g["households"],
        "A": (g["score"] / (g["q"] * indicators)).where(g["q"] > 0, 0.0),
        "H_people": g["q_people"] / g["members"],
        "A_people": (g["score_people"] / (g["q_people"] * indicators)).where(g["q_people"] > 0,
                                                                              0.0),
    })
    out["M0"] = out["H"] * out["A"]
    out["M0_people"] = out["H_people"] * out["A_people"]
    return out.reset_index()
