"""The household page's content: category, the reasons for it, the member lines.

``konray_review.explain.explain_household`` gives the reasoning in words; the page also
shows the income test and each indicator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from konray_review.explain import explain_household
from konray_review.standards import standard_for_year

MEMBER_COLUMNS = ("member_no", "name", "sex", "age", "relation", "ethnicity")


@dataclass(frozen=True)
class HouseholdView:
    row: dict[str, Any]  # classification + list columns of the household
    indicators: list[dict[str, Any]]  # id, name, deprived, project
    members: list[dict[str, Any]]
    explanation: list[str] | None  # explain_household's lines, title first
    income_line: float | None
    standard_id: str


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


def build(year: int, row: pd.Series, household: pd.DataFrame, members: pd.DataFrame,
          classification: pd.DataFrame, lang: str, profile: Any) -> HouseholdView:
    std = standard_for_year(year, profile)
    record = {str(k): _clean(v) for k, v in row.items()}
    inds = [{"id": ind.id, "name": getattr(ind.name, lang), "project": ind.program_project,
             "deprived": bool(record.get(f"dep_{ind.id}") or False)} for ind in std.indicators]
    mem = members.sort_values("member_no")
    cols = [c for c in MEMBER_COLUMNS if c in mem.columns]
    member_rows = [{str(k): _clean(v) for k, v in r.items()}
                   for r in mem[cols].to_dict("records")]
    area = record.get("area") or "rural"
    line = std.income_line.get(area) if hasattr(std.income_line, "get") else None
    return HouseholdView(record, inds, member_rows,
                         _explain(record["household_id"], household, members, classification,
                                  lang, profile),
                         _clean(getattr(line, "value", line)), std.id)


def _explain(household_id: str, household: pd.DataFrame, members: pd.DataFrame,
             classification: pd.DataFrame, lang: str, profile: Any) -> list[str]:
    """The explanation's lines (title first)."""
    ex = explain_household(household_id, household, members, classification, lang=lang,
                           profile=profile)
    return list(ex.lines)
