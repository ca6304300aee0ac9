"""Build one-household test cases from a non-deprived baseline plus the fields a case changes."""

from __future__ import annotations

from typing import Any

import pandas as pd

BASE_HH: dict[str, Any] = {
    "household_id": "h1", "review_year": 2023, "province": "Kon Tum", "commune": "Đăk Kôi",
    "village": "Thôn mẫu 1", "area": "rural", "head_name": "A", "head_id_number": None,
    "head_ethnicity": "12", "previous_category": None, "review_reason": "on_list",
    "screening_signs": None, "income_per_capita": 1_000_000.0, "b1_score": None,
    "agricultural": True, "has_dwelling": True, "wall_durable": True, "column_durable": True,
    "roof_durable": True, "living_area_m2": 100.0, "water_source": "piped",
    "latrine_type": "septic", "waste_handling": "collected", "owns_tv": True,
    "owns_radio": False, "owns_computer": False, "owns_smartphone": False, "owns_phone": False,
    "instance_id": "uuid:1", "submitted_at": pd.Timestamp("2023-10-01", tz="UTC"),
    "enumerator": "e1",
}

BASE_MEMBER: dict[str, Any] = {
    "member_no": 1, "name": "A", "id_number": None, "sex": "male", "birth_date": None,
    "age": 40, "relation": "head", "ethnicity": "12", "able_to_work": True, "wants_work": True,
    "employment": "employed", "wage_worker": False, "has_labour_contract": False,
    "disability": "none", "has_health_insurance": True, "stunted": None, "underweight": None,
    "education_level": "upper_secondary", "studying": False, "trained_by_employer": False,
    "school_on_track": None, "uses_internet": True,
}


def member(**changes: Any) -> dict[str, Any]:
    m = dict(BASE_MEMBER)
    m.update(changes)
    if "school_on_track" not in changes and 3 <= m["age"] <= 15:
        m["school_on_track"] = True
    return m


def case(hh: dict[str, Any] | None = None, members: list[dict[str, Any]] | None = None,
         household_id: str = "h1", renumber: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A one-household review: baseline household with ``hh`` changes and its members.

    Members are numbered 1..n unless ``renumber`` is false (to test duplicate numbers).
    """
    row = dict(BASE_HH, household_id=household_id)
    row.update(hh or {})
    mdf = pd.DataFrame(members if members is not None else [member()])
    mdf["household_id"] = household_id
    if renumber:
        mdf["member_no"] = range(1, len(mdf) + 1)
    return pd.DataFrame([row]), mdf


def cases(*pairs: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate one-household cases, renumbering household ids h0, h1, …"""
    hhs, mems = [], []
    for i, (h, m) in enumerate(pairs):
        h = h.assign(household_id=f"h{i}")
        m = m.assign(household_id=f"h{i}")
        hhs.append(h)
        mems.append(m)
    return pd.concat(hhs, ignore_index=True), pd.concat(mems, ignore_index=True)
