"""The page "Chuẩn nghèo đang áp dụng": every rule of the year's standard, with its source
and whether it is confirmed.

The rows are built by ``konray_review.standards`` (the same rule list ``unconfirmed_rules``
filters for the forms, reports and list footers), here unfiltered: people also need to see
which rules *are* confirmed. Values are formatted for reading (1.500.000 đ), nothing else
is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from konray_review import standards
from konray_review.standards import STATUS_LABELS, RuleStatus, Standard, standard_for_year

#: rules whose value is money (VND per person per month)
_MONEY = ("income_line.", "middle_band_upper.")


@dataclass(frozen=True)
class RuleRow:
    id: str
    name: str
    value: str
    status: str  # confirmed | partial | unconfirmed
    status_text: str
    source: str


def all_rules(standard: Standard, profile: Any | None) -> list[RuleStatus]:
    """Every rule, confirmed or not, in ``unconfirmed_rules``' order (same builders)."""
    # the builders are the standards module's own (private there, used here on purpose:
    # one list of rules for every place that shows them)
    indicators = [RuleStatus(id=f"indicator.{i.id}", value=", ".join(
        f"{k}={v}" for k, v in i.params.items() if not isinstance(v, list | dict)),
        status=i.status, source=i.source,
        name=standards.Label(vi=f"Chỉ số: {i.name.vi}", en=f"Indicator: {i.name.en}"))
        for i in standard.indicators]
    return [*standards._param_rules(standard), *indicators,
            *standards._data_rules(standard, profile)]


def _value(rule: RuleStatus, lang: str) -> str:
    if rule.id.startswith(_MONEY) and rule.value.isdigit():
        sep = "." if lang == "vi" else ","
        money = f"{int(rule.value):,}".replace(",", sep)
        return f"{money} đ/người/tháng" if lang == "vi" else f"{money} VND/person/month"
    return rule.value or "–"


def rows(year: int, profile: Any, lang: str) -> tuple[Standard, list[RuleRow]]:
    std = standard_for_year(year, profile)
    out = [RuleRow(r.id, getattr(r.name, lang), _value(r, lang), r.status,
                   getattr(STATUS_LABELS[r.status], lang), r.source)
           for r in all_rules(std, profile)]
    return std, out
