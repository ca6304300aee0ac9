"""A slow, obviously-correct reference classifier: one household at a time, plain Python.

Written straight from the rules in shared/spec/data-model.md with the numbers typed in from
standard.md, deliberately NOT reading the standard YAML, so that a wrong number in the data
files or a vectorisation slip in the fast classifier shows up as a disagreement.
"""

from __future__ import annotations

import math
from typing import Any

SAFE_WATER = {"piped", "drilled_well", "protected_well", "protected_spring", "rainwater", "bottled"}
HYGIENIC = {"septic", "semi_septic", "pour_flush", "ventilated_pit", "double_vault"}
ADEQUATE_WASTE = {"collected", "own_treatment"}

LINES = {"vn-2022": {"rural": 1_500_000, "urban": 2_000_000},
         "vn-2027": {"rural": 2_200_000, "urban": 2_800_000}}
MIDDLE = {"vn-2022": {"rural": 2_250_000, "urban": 3_000_000}, "vn-2027": None}
B1 = {"vn-2022": {"rural": 140, "urban": 175}, "vn-2027": None}


def standard_of(year: int) -> str:
    return "vn-2022" if year <= 2026 else "vn-2027"


def retirement_years(sex: str, year: int) -> int:
    """NĐ 135/2020: men 60y3m in 2021 +3m/yr to 62y; women 55y4m +4m/yr to 60y."""
    if sex == "male":
        months = min(62 * 12, 60 * 12 + 3 + 3 * (year - 2021))
    else:
        months = min(60 * 12, 55 * 12 + 4 + 4 * (year - 2021))
    return months // 12


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("<NA>", "nan", "NaT")


def deprivations(hh: dict, members: list[dict], year: int) -> dict[str, bool]:
    std = standard_of(year)
    n = len(members)
    d: dict[str, bool] = {}
    emp = False
    for m in members:
        working = 15 <= m["age"] < retirement_years(m["sex"], year)
        if not working:
            continue
        if m["employment"] == "unemployed" and m["able_to_work"] and m["wants_work"]:
            emp = True
        if m["wage_worker"] and not m["has_labour_contract"]:
            emp = True
    d["employment"] = emp
    dependants = sum(
        1 for m in members
        if m["age"] < 16 or m["age"] >= 60 or m["disability"] in ("severe", "very_severe"))
    d["dependants"] = dependants / n > 0.5
    d["nutrition"] = any(m["age"] < 16 and (m["stunted"] is True or m["underweight"] is True)
                         for m in members)
    d["health_insurance"] = any(m["age"] >= 6 and not m["has_health_insurance"] for m in members)
    edu = False
    for m in members:
        if m["studying"]:
            continue
        if 16 <= m["age"] <= 17 and m["education_level"] in ("none", "primary"):
            edu = True
        if (18 <= m["age"] <= 30 and m["education_level"] in ("none", "primary", "lower_secondary")
                and not m["trained_by_employer"]):
            edu = True
    d["adult_education"] = edu
    d["child_schooling"] = any(3 <= m["age"] <= 15 and m["school_on_track"] is False
                               for m in members)
    if not hh["has_dwelling"]:
        d["housing_quality"] = True
        area = 0.0  # no dwelling, no living area
    else:
        bad = sum(1 for c in ("wall_durable", "column_durable", "roof_durable") if not hh[c])
        d["housing_quality"] = bad >= 2
        area = hh["living_area_m2"]
    d["housing_area"] = area / n < 8
    d["water"] = hh["water_source"] not in SAFE_WATER
    d["sanitation"] = hh["latrine_type"] not in HYGIENIC
    d["telecom"] = not any(m["uses_internet"] for m in members)
    if std == "vn-2022":
        d["information_devices"] = not any(
            hh[c] for c in ("owns_tv", "owns_radio", "owns_computer", "owns_smartphone",
                            "owns_phone"))
    else:
        d["waste"] = hh["waste_handling"] not in ADEQUATE_WASTE
    return d


def classify_one(hh: dict, members: list[dict], year: int,
                 earlier_poor: bool = False) -> dict[str, Any]:
    std = standard_of(year)
    d = deprivations(hh, members, year)
    count = sum(d.values())
    area = hh["area"]
    income, b1 = hh["income_per_capita"], hh["b1_score"]
    if not _blank(income):
        test = "at_or_below_line" if income <= LINES[std][area] else "above_line"
    elif not _blank(b1) and B1[std] is not None:
        test = "at_or_below_line" if b1 <= B1[std][area] else "above_line"
    else:
        test = "unknown"
    if test == "unknown":
        category = None
    elif test == "at_or_below_line":
        category = "poor" if count >= 3 else "near_poor"
    elif (not _blank(income) and hh["agricultural"] and MIDDLE[std] is not None
          and income <= MIDDLE[std][area]):
        category = "middle"
    else:
        category = "none"
    signs = hh.get("screening_signs")
    if hh["review_reason"] == "request" and not _blank(signs) and signs >= 4:
        category = "none"
    prev = hh.get("previous_category")
    prev = None if _blank(prev) else prev
    return {"deprivations": d, "deprivation_count": count, "income_test": test,
            "category": category, "transition": transition(prev, category, earlier_poor)}


def transition(prev: str | None, cur: str | None, earlier_poor: bool) -> str | None:
    if cur is None:
        return None
    out = cur in ("middle", "none")
    if prev == "poor":
        return {"poor": "stayed_poor", "near_poor": "poor_to_near_poor"}.get(cur, "escaped_poverty")
    if prev == "near_poor":
        return {"poor": "near_poor_to_poor", "near_poor": "stayed_near_poor"}.get(
            cur, "escaped_near_poverty")
    if out:
        return None
    if cur == "poor":
        return "re_poor" if earlier_poor else "newly_poor"
    return "newly_near_poor"


def classify_rows(households, members, history=None) -> list[dict[str, Any]]:
    """Row-by-row over DataFrames: the loop the fast classifier must never need."""
    by_hh: dict[str, list[dict]] = {}
    for m in members.to_dict("records"):
        by_hh.setdefault(str(m["household_id"]), []).append(m)
    poor_years: dict[str, list[int]] = {}
    if history is not None:
        for h in history.to_dict("records"):
            if h["category"] == "poor":
                poor_years.setdefault(str(h["household_id"]), []).append(int(h["review_year"]))
    out = []
    for hh in households.to_dict("records"):
        hid = str(hh["household_id"])
        year = int(hh["review_year"])
        earlier = any(y < year for y in poor_years.get(hid, []))
        res = classify_one(hh, by_hh[hid], year, earlier)
        res["household_id"] = hid
        out.append(res)
    return out
