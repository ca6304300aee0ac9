"""Report tables: headcounts, deprivation rates, transitions, Alkire–Foster, plan targets.

All functions take the canonical households table and the ``classify`` result (joined on
``household_id``) and return tidy DataFrames with snake_case columns. Rates here are over
the households reviewed (the review's own denominator); a district that wants rates over all
resident households divides the counts by its population figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from konray_review.schema import CATEGORIES, TRANSITIONS, is_ethnic_minority
from konray_review.standards import Standard


def joined(households: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """Result rows with the unit columns a report groups by (plus ``ethnic_minority``)."""
    keep = [c for c in ("household_id", "province", "commune", "village", "area",
                        "head_ethnicity", "previous_category") if c in households.columns]
    unit = households[keep].drop_duplicates("household_id")
    res = result.drop(columns=[c for c in keep if c != "household_id" and c in result.columns])
    out = res.merge(unit, on="household_id", how="left", validate="one_to_one")
    out["ethnic_minority"] = is_ethnic_minority(out["head_ethnicity"])
    return out


def counts_by(households: pd.DataFrame, result: pd.DataFrame,
              by: Sequence[str] = ("commune",)) -> pd.DataFrame:
    """Households per category and the poor / near-poor rates, per group (DTTS included)."""
    df = joined(households, result)
    cat = df["category"].astype(object).where(df["category"].notna(), "unknown")
    em = df["ethnic_minority"]
    frame = pd.DataFrame({k: df[k] for k in by})
    for c in (*CATEGORIES, "unknown"):
        frame[c] = (cat == c).astype(np.int64)
    frame["households"] = 1
    frame["ethnic_minority_households"] = em.astype(np.int64)
    frame["ethnic_minority_poor"] = (em & (cat == "poor")).astype(np.int64)
    frame["ethnic_minority_near_poor"] = (em & (cat == "near_poor")).astype(np.int64)
    out = frame.groupby(list(by), dropna=False, sort=True, observed=True).sum().reset_index()
    return _with_rates(out)


def _with_rates(out: pd.DataFrame) -> pd.DataFrame:
    n = out["households"].where(out["households"] > 0)
    out["poor_rate"] = out["poor"] / n
    out["near_poor_rate"] = out["near_poor"] / n
    em = out["ethnic_minority_households"].where(out["ethnic_minority_households"] > 0)
    out["ethnic_minority_poor_rate"] = out["ethnic_minority_poor"] / em
    return out


def total_row(counts: pd.DataFrame, label: str = "Toàn huyện") -> pd.DataFrame:
    """One row summing a ``counts_by`` table (rates recomputed, never averaged).

    The row carries ``is_total = True`` so readers find it without matching the label text.
    """
    num = counts.select_dtypes("number").drop(
        columns=[c for c in counts.columns if c.endswith("_rate")], errors="ignore").sum()
    row = pd.DataFrame([num])
    first = counts.columns[0]
    row.insert(0, first, label)
    row["is_total"] = True
    return _with_rates(row)


def deprivation_rates(result: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Share of households deprived in each indicator: all, poor, near-poor, both."""
    cat = result["category"].astype(object)
    groups = {"all": np.ones(len(result), dtype=bool), "poor": (cat == "poor").to_numpy(),
              "near_poor": (cat == "near_poor").to_numpy()}
    groups["poor_and_near_poor"] = groups["poor"] | groups["near_poor"]
    rows = []
    for ind in standard.indicators:
        flag = result[f"dep_{ind.id}"].fillna(False).to_numpy(dtype=bool)
        row: dict[str, Any] = {"indicator": ind.id, "name_vi": ind.name.vi, "name_en": ind.name.en,
                               "dimension": ind.dimension, "program_project": ind.program_project,
                               "status": ind.status}
        for g, mask in groups.items():
            n = int(mask.sum())
            row[f"deprived_{g}"] = int((flag & mask).sum())
            row[f"rate_{g}"] = (flag & mask).sum() / n if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def transition_counts(households: pd.DataFrame, result: pd.DataFrame,
                      by: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts of each transition (and of households with none), optionally per group."""
    df = joined(households, result)
    keys = list(by or [])
    frame = pd.DataFrame({k: df[k] for k in keys}, index=df.index)
    tr = df["transition"].astype(object)
    for t in TRANSITIONS:
        frame[t] = (tr == t).astype(np.int64)
        frame[f"{t}_ethnic_minority"] = ((tr == t) & df["ethnic_minority"]).astype(np.int64)
    if not keys:
        return frame.sum().to_frame().T
    return frame.groupby(keys, dropna=False, observed=True).sum().reset_index()


def alkire_foster(result: pd.DataFrame, standard: Standard, by: Sequence[str] | None = None,
                  households: pd.DataFrame | None = None, k: int | None = None) -> pd.DataFrame:
    """Alkire–Foster H, A, M0, censored headcounts and contributions (equal weights).

    A household is multidimensionally poor when its weighted deprivation score reaches
    ``k`` of the indicators (k = 3 of 12 by default, from the standard). Computed from sums
    per group, so the measures decompose: M0 of the whole = population-weighted M0 of groups.
    """
    ids = standard.indicator_ids
    d = len(ids)
    k = k or standard.alkire_foster.k
    df = joined(households, result) if households is not None else result
    dep = np.column_stack([df[f"dep_{i}"].fillna(False).to_numpy(dtype=bool) for i in ids])
    count = dep.sum(axis=1)
    poor = count >= k
    frame = pd.DataFrame({key: df[key].to_numpy() for key in (by or [])}, index=range(len(df)))
    frame["n"] = 1
    frame["q"] = poor.astype(np.int64)
    frame["score_sum"] = np.where(poor, count / d, 0.0)
    for j, ind in enumerate(ids):
        frame[f"censored_{ind}"] = (dep[:, j] & poor).astype(np.int64)
    sums = (frame.groupby(list(by), dropna=False, observed=True).sum().reset_index()
            if by else frame.sum().to_frame().T)
    n = sums["n"].astype(float)
    out = sums[list(by or [])].copy()
    out["households"] = sums["n"].astype(np.int64)
    out["H"] = sums["q"] / n
    out["A"] = (sums["score_sum"] / sums["q"].where(sums["q"] > 0)).fillna(0.0)
    out["M0"] = sums["score_sum"] / n
    for ind in ids:
        h = sums[f"censored_{ind}"] / n
        out[f"censored_headcount_{ind}"] = h
        out[f"contribution_{ind}"] = ((h / d) / out["M0"].where(out["M0"] > 0)).fillna(0.0)
    out["k"] = k
    return out


def af_contributions(af: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Long table of each indicator's censored headcount and contribution (first AF row)."""
    row = af.iloc[0]
    return pd.DataFrame([{
        "indicator": ind.id, "name_vi": ind.name.vi, "name_en": ind.name.en,
        "censored_headcount": row[f"censored_headcount_{ind.id}"],
        "contribution": row[f"contribution_{ind.id}"],
    } for ind in standard.indicators])


def target_check(households: pd.DataFrame, result: pd.DataFrame, profile: Any,
                 year: int | None, members: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's targets for ``year`` against what this review found (no year: no targets)."""
    df = joined(households, result)
    n = len(df)
    poor_rate = float((df["category"].astype(object) == "poor").sum() / n) if n else np.nan
    prev = df["previous_category"].astype(object) if "previous_category" in df else None
    prev_rate = float((prev == "poor").sum() / n) if prev is not None and n else np.nan
    rows = [_target_row("poor_rate_max", "Tỷ lệ hộ nghèo", "Poor-household rate",
                        profile.target(year, "poor_rate_max"), poor_rate, "max")]
    reduction = (prev_rate - poor_rate) * 100 if not np.isnan(prev_rate) else np.nan
    rows.append(_target_row("poor_rate_reduction_pp", "Mức giảm tỷ lệ hộ nghèo (điểm %)",
                            "Reduction of the poor rate (points)",
                            profile.target(year, "poor_rate_reduction_pp"), reduction, "min"))
    if members is not None and len(members):
        under5 = members[members["age"] < 5]
        for col, key, vi, en in (
                ("stunted", "under5_stunting_max", "Trẻ dưới 5 tuổi thấp còi",
                 "Under-5 stunting"),
                ("underweight", "under5_underweight_max", "Trẻ dưới 5 tuổi nhẹ cân",
                 "Under-5 underweight")):
            measured = under5[col].dropna()
            rate = float(measured.astype(bool).mean()) if len(measured) else np.nan
            rows.append(_target_row(key, vi, en, profile.target(year, key), rate, "max"))
    return pd.DataFrame(rows)


def _target_row(key: str, vi: str, en: str, target: float | None, actual: float,
                kind: str) -> dict[str, Any]:
    met = None
    if target is not None and not np.isnan(actual):
        met = bool(actual <= target) if kind == "max" else bool(actual >= target)
    return {"target": key, "name_vi": vi, "name_en": en, "target_value": target,
            "actual": actual, "kind": kind, "met": met}


def district_summary(households: pd.DataFrame, result: pd.DataFrame, *, standard: Standard,
                     profile: Any, members: pd.DataFrame | None = None,
                     year: int | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the district report, keyed by name."""
    if year is None and len(result):
        year = int(result["review_year"].iloc[0])
    by_commune = counts_by(households, result, ["commune"])
    af = alkire_foster(result, standard)
    return {
        "by_commune": by_commune,
        "district_total": total_row(by_commune, profile.total_label()),
        "by_village": counts_by(households, result, ["commune", "village"]),
        "by_area": counts_by(households, result, ["area"]),
        "ethnic_minority": counts_by(households, result, ["ethnic_minority"]),
        "deprivation_rates": deprivation_rates(result, standard),
        "transitions": transition_counts(households, result),
        "transitions_by_commune": transition_counts(households, result, ["commune"]),
        "alkire_foster": af,
        "alkire_foster_by_commune": alkire_foster(result, standard, ["commune"], households),
        "alkire_foster_by_ethnic_minority": alkire_foster(result, standard, ["ethnic_minority"],
                                                          households),
        "af_contributions": af_contributions(af, standard),
        "target_check": target_check(households, result, profile, year, members),
    }
