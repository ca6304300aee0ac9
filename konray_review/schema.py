"""The canonical data model as code: column names, types and code lists.

This mirrors ``shared/spec/data-model.md`` (the contract between forms, sources, flows and
the classifier). Columns may be added, never renamed or re-typed. Code lists and their
Vietnamese / English labels live in ``data/codes.yaml``, the one place for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import pandas as pd
import yaml

Kind = Literal["str", "int", "float", "bool", "code", "date", "timestamp"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    codes: str | None = None  # name of the code list in codes.yaml
    pii: bool = False


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_id", "str"),
    Column("review_year", "int"),
    Column("province", "str"),
    Column("commune", "str"),
    Column("village", "str"),
    Column("area", "code", codes="area"),
    Column("head_name", "str", pii=True),
    Column("head_id_number", "str", nullable=True, pii=True),
    Column("head_ethnicity", "code", codes="ethnicity"),
    Column("previous_category", "code", nullable=True, codes="category"),
    Column("review_reason", "code", codes="review_reason"),
    Column("screening_signs", "int", nullable=True),
    Column("income_per_capita", "float", nullable=True),
    Column("b1_score", "float", nullable=True),
    Column("agricultural", "bool"),
    Column("has_dwelling", "bool"),
    Column("wall_durable", "bool"),
    Column("column_durable", "bool"),
    Column("roof_durable", "bool"),
    Column("living_area_m2", "float"),
    Column("water_source", "code", codes="water_source"),
    Column("latrine_type", "code", codes="latrine_type"),
    Column("waste_handling", "code", nullable=True, codes="waste_handling"),
    Column("owns_tv", "bool"),
    Column("owns_radio", "bool"),
    Column("owns_computer", "bool"),
    Column("owns_smartphone", "bool"),
    Column("owns_phone", "bool"),
    Column("instance_id", "str"),
    Column("submitted_at", "timestamp"),
    Column("enumerator", "str"),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("household_id", "str"),
    Column("member_no", "int"),
    Column("name", "str", pii=True),
    Column("id_number", "str", nullable=True, pii=True),
    Column("sex", "code", codes="sex"),
    Column("birth_date", "date", nullable=True),
    Column("age", "int"),
    Column("relation", "code", codes="relation"),
    Column("ethnicity", "code", codes="ethnicity"),
    Column("able_to_work", "bool"),
    Column("wants_work", "bool"),
    Column("employment", "code", codes="employment"),
    Column("wage_worker", "bool"),
    Column("has_labour_contract", "bool"),
    Column("disability", "code", codes="disability"),
    Column("has_health_insurance", "bool"),
    Column("stunted", "bool", nullable=True),
    Column("underweight", "bool", nullable=True),
    Column("education_level", "code", codes="education_level"),
    Column("studying", "bool"),
    Column("trained_by_employer", "bool"),
    Column("school_on_track", "bool", nullable=True),
    Column("uses_internet", "bool"),
)

HOUSEHOLD_NAMES = tuple(c.name for c in HOUSEHOLD_COLUMNS)
MEMBER_NAMES = tuple(c.name for c in MEMBER_COLUMNS)
PII_COLUMNS = frozenset(c.name for c in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS if c.pii)

CATEGORIES = ("poor", "near_poor", "middle", "none")
INCOME_TESTS = ("at_or_below_line", "above_line", "unknown")
TRANSITIONS = (
    "stayed_poor", "escaped_poverty", "poor_to_near_poor", "near_poor_to_poor",
    "escaped_near_poverty", "stayed_near_poor", "newly_poor", "newly_near_poor", "re_poor",
)


@cache
def code_lists() -> dict[str, dict[str, dict[str, str]]]:
    """Every code list: ``{list: {code: {"vi": label, "en": label}}}``."""
    path = resources.files("konray_review") / "data" / "codes.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def codes(name: str) -> tuple[str, ...]:
    return tuple(code_lists()[name])


def label(list_name: str, code: str | None, lang: str = "vi") -> str:
    """The user-facing label of a code; an unknown code is shown as itself."""
    if code is None:
        return ""
    entry = code_lists()[list_name].get(str(code))
    return entry[lang] if entry else str(code)


KINH = "01"


def is_ethnic_minority(head_ethnicity: pd.Series) -> pd.Series:
    """DTTS households: head's ethnicity known and not Kinh ("01"). Missing is not counted.

    The one definition every report, list and page uses.
    """
    known = head_ethnicity.notna() & (head_ethnicity.astype(str).str.strip() != "")
    return (known & (head_ethnicity.astype(str) != KINH)).astype(bool)


def column(table: Literal["households", "members"], name: str) -> Column:
    cols = HOUSEHOLD_COLUMNS if table == "households" else MEMBER_COLUMNS
    for c in cols:
        if c.name == name:
            return c
    raise KeyError(f"{table}.{name}")
