"""Canonical rows -> form answers: how an enumerator would fill Phiếu B for a household.

The inverse of normalisation, used to drive ODK's engine in tests and to produce the
engine-made submission fixtures. Booleans become ``yes`` / ``no``; commune and village
names become the form's choice names (unit slug, village_code); ``None`` stays unanswered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from konray_review.forms.fields import MEMBER_REPEAT
from konray_review.profile import Profile

HOUSEHOLD_ANSWERS = (
    "head_name", "head_id_number", "head_ethnicity", "review_reason", "previous_category",
    "screening_signs", "agricultural", "has_dwelling", "wall_durable", "column_durable",
    "roof_durable", "living_area_m2", "water_source", "latrine_type", "waste_handling",
    "owns_tv", "owns_radio", "owns_computer", "owns_smartphone", "owns_phone",
    "income_per_capita",
)
MEMBER_ANSWERS = (
    "name", "id_number", "sex", "birth_date", "relation", "ethnicity", "disability",
    "has_health_insurance", "able_to_work", "wants_work", "employment", "wage_worker",
    "has_labour_contract", "education_level", "studying", "trained_by_employer",
    "school_on_track", "stunted", "underweight", "uses_internet",
)


def answer_value(value: Any) -> Any:
    """A canonical value as the engine takes it (None = leave unanswered)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pick(row: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        v = answer_value(row.get(name))
        if v is not None:
            out[name] = v
    return out


def income_method(household: Mapping[str, Any], has_b1: bool) -> str:
    has_income = answer_value(household.get("income_per_capita")) is not None
    return {(True, True): "both", (True, False): "direct", (False, True): "b1"}.get(
        (has_income, has_b1), "not_assessed")


def village_code(profile: Profile, commune: str, village: str) -> str:
    v = profile.villages()
    hit = v.loc[(v["commune"] == profile.canonical_unit(commune)) & (v["village"] == village),
                "village_code"]
    if hit.empty:
        raise KeyError(f"village {village!r} of {commune!r} is not in profile {profile.id}")
    return str(hit.iloc[0])


def form_answers(household: Mapping[str, Any], members: Sequence[Mapping[str, Any]],
                 profile: Profile, b1: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Engine harness input (``answers`` + ``repeats``) for one household's Phiếu B.

    ``household`` may carry the extra keys ``household_no``, ``household_code`` (last year's
    id of a listed household; default village code + number), ``household_size`` and
    ``interview_date``; ``b1`` holds the B1 scoring answers (item id -> option id(s)).
    """
    answers = _pick(household, HOUSEHOLD_ANSWERS)
    answers.update({
        "interview_date": answer_value(household.get("interview_date")) or "",
        "commune": profile.unit(household["commune"]).slug,
        "village": village_code(profile, household["commune"], household["village"]),
        "household_size": int(household.get("household_size", len(members))),
        "income_method": income_method(household, bool(b1)),
        "roster_check": True,
    })
    number = int(household.get("household_no", 1))
    if household.get("review_reason") == "on_list":  # last year's id, typed or picked
        answers["listed_household_id"] = household.get("household_code") or (
            f"{answers['village']}__{number}")
    else:
        answers["household_no"] = number
    if not answers["interview_date"]:
        del answers["interview_date"]
    answers.update({k: v for k, v in (b1 or {}).items()})
    roster = []
    for m in members:
        row = _pick(m, MEMBER_ANSWERS)
        if "birth_date" not in row:
            row["age_reported"] = int(m["age"])
        roster.append(row)
    return {"answers": answers, "repeats": {MEMBER_REPEAT: roster}}
