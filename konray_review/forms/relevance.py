"""When Phiếu B asks its conditional questions: the form's ``relevant`` expressions, as
vectorised conditions over the canonical tables.

Why: a blank answer means two different things. Where the question was skipped by the form
(no labour questions outside working age, no walls without a dwelling) the blank has a fixed
meaning (``fields.NOT_ASKED``) that the on-device preview and the classifier share. Where the
question was asked, a blank is missing data and must be reported, never filled in. The
thresholds come from the standard of the review year, exactly as the form builder fills the
``{{name}}`` placeholders of ``forms/phieu_b/survey.yaml`` (both use :func:`thresholds`).

Each condition is three-valued (pandas ``boolean``): True = asked, False = skipped, NA = cannot
tell because an answer it depends on (age, sex, has_dwelling, …) is itself missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from konray_review.schema import codes
from konray_review.standards import Standard


@dataclass(frozen=True)
class Asked:
    """A conditional question: is a blank answer allowed when it is asked?"""

    column: str
    required: bool  # the form requires an answer whenever the question is shown


#: conditional questions of Phiếu B that feed a canonical column, per table (survey.yaml)
CONDITIONAL: dict[str, tuple[Asked, ...]] = {
    "households": tuple(Asked(c, True) for c in (
        "wall_durable", "column_durable", "roof_durable", "living_area_m2")),
    "members": (
        *(Asked(c, True) for c in (
            "able_to_work", "wants_work", "employment", "wage_worker", "has_labour_contract",
            "education_level", "studying", "trained_by_employer", "school_on_track")),
        Asked("stunted", False), Asked("underweight", False),  # blank = no health record
    ),
}


def thresholds(standard: Standard) -> dict[str, Any]:
    """Ages that decide which questions are asked (the form builder uses the same values)."""
    ind = {i.rule: i.params for i in standard.indicators}
    school = ind.get("child_schooling", {"min_age": 3, "max_age": 15})
    return {
        "working_min_age": standard.working_age.min_age.value,
        "education_min_age": school["min_age"],
        "school_min_age": school["min_age"], "school_max_age": school["max_age"],
        "nutrition_child_under": ind.get("nutrition", {"child_under": 16})["child_under"],
    }


def _is(s: pd.Series, value: Any) -> pd.Series:
    """``s == value`` as three-valued boolean (NA where ``s`` is missing)."""
    return pd.Series(s.eq(value).to_numpy(), index=s.index, dtype="boolean").where(
        s.notna(), pd.NA)


def household_asked(households: pd.DataFrame) -> dict[str, pd.Series]:
    """Housing questions are asked only when the household has a dwelling."""
    dwelling = households["has_dwelling"].astype("boolean")
    return {a.column: dwelling for a in CONDITIONAL["households"]}


def _per_year(members: pd.DataFrame, years: pd.Series,
              standards: dict[int, Standard]) -> pd.DataFrame:
    """Threshold columns for every member row, from the standard of its review year."""
    names = ["upper", "working_min_age", "education_min_age", "school_min_age",
             "school_max_age", "nutrition_child_under"]
    out = pd.DataFrame({name: pd.array(np.full(len(members), np.nan), dtype="Float64")
                        for name in names}, index=members.index)
    for year, standard in standards.items():  # one step per review year, not per member
        rows = (years == year).fillna(False).to_numpy()
        for name, value in thresholds(standard).items():
            out.loc[rows, name] = value
        upper = {sex: standard.working_age.upper_exclusive(sex, year) for sex in codes("sex")}
        out.loc[rows, "upper"] = members.loc[rows, "sex"].map(upper).astype("Float64")
    return out


def member_asked(members: pd.DataFrame, years: pd.Series,
                 standards: dict[int, Standard]) -> dict[str, pd.Series]:
    """Mirror of the ``relevant`` column of the roster questions in ``survey.yaml``."""
    t = _per_year(members, years, standards)
    age = pd.to_numeric(members["age"], errors="coerce").astype("Float64")
    working = (age >= t["working_min_age"]) & (age < t["upper"])
    employed = working & _is(members["employment"], "employed")
    wage = employed & _is(members["wage_worker"].astype("boolean"), True)
    educ = age >= t["education_min_age"]
    child = age < t["nutrition_child_under"]
    asked = {
        "able_to_work": working, "wants_work": working, "employment": working,
        "wage_worker": employed, "has_labour_contract": wage,
        "education_level": educ, "studying": educ,
        "trained_by_employer": age >= t["working_min_age"],
        "school_on_track": (age >= t["school_min_age"]) & (age <= t["school_max_age"]),
        "stunted": child, "underweight": child,
    }
    return {k: v.astype("boolean") for k, v in asked.items()}


def as_mask(s: pd.Series, value: bool) -> np.ndarray:
    """Rows where a three-valued condition is exactly ``value`` (NA is neither)."""
    return s.eq(value).fillna(False).to_numpy(dtype=bool)
