"""The rule catalogue (``expectations/rules.yaml``) as Python objects.

The YAML file is the readable definition of every data-quality rule; this module loads it,
checks its shape, and expands each rule into one ``Check`` per column with its placeholders
(``@codes``, ``@year``, ``@window_start``…) resolved for one review. Nothing here imports
Great Expectations, so the CLI and the docs generator stay fast.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml

from konray_review.profile import DEFAULT_TIMEZONE
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

Table = Literal["households", "members", "classified"]
Severity = Literal["error", "warning"]

#: expectation types the catalogue may use (both engines implement exactly these)
EXPECTATIONS = ("ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeInSet",
                "ExpectColumnValuesToBeBetween")
#: code list of the classified output's coded columns (raw columns take it from the schema)
_CLASSIFIED_CODES = {"category": "category", "income_test": "income_test",
                     "transition": "transition"}


class CatalogueError(ValueError):
    """The rule catalogue is malformed (names the rule and the problem)."""


@dataclass(frozen=True)
class Rule:
    id: str
    table: Table
    title: str
    columns: tuple[str, ...]
    severity: Severity
    message_vi: str
    message_en: str
    expectation: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    field_table: str | None = None
    #: what staff read in the quality page: a short Vietnamese name and what to do about it
    title_vi: str = ""
    fix_vi: str = ""

    @property
    def kind(self) -> str:
        return self.expectation or f"rule: {self.rule}"


@dataclass(frozen=True)
class Check:
    """One expectation on one column of one table, ready for an engine.

    ``target`` is the column of the prepared frame the expectation reads (a rule column
    ``rule__<id>__<column>`` for pandas rules); ``column`` is the field reported to users.
    """

    rule: Rule
    column: str
    target: str
    expectation: str
    kwargs: dict[str, Any]


#: what a source rule does to what it names (see the comment above ``source_rules``)
SOURCE_SCOPES = ("value", "submission", "note", "refused")


@dataclass(frozen=True)
class SourceRule:
    """A finding of the reader of an export (``SRC-…``), reported before any suite runs."""

    id: str
    title: str
    scope: str
    severity: Severity
    message_vi: str
    message_en: str
    title_vi: str = ""
    fix_vi: str = ""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]
    fields: dict[str, dict[str, str]]
    timezone: str
    plausibility: dict[str, int]
    source_rules: tuple[SourceRule, ...] = ()

    def for_table(self, table: Table) -> list[Rule]:
        return [r for r in self.rules if r.table == table]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def source_rule(self, rule_id: str) -> SourceRule:
        for r in self.source_rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def describe(self, rule_id: str) -> tuple[str, str]:
        """(Vietnamese name, Vietnamese fix hint) of a suite or source rule, for staff pages.

        An id the catalogue does not know (a retired rule still in an old quarantine) is
        shown as its id with no hint rather than failing the page.
        """
        found: list[Rule | SourceRule] = [*self.rules, *self.source_rules]
        for r in found:
            if r.id == rule_id:
                return r.title_vi or r.title, r.fix_vi
        return rule_id, ""

    def severity(self, rule_id: str) -> str:
        """``error`` or ``warning`` of a suite rule or a source rule."""
        found: list[Rule | SourceRule] = [*self.rules, *self.source_rules]
        for r in found:
            if r.id == rule_id:
                return r.severity
        raise KeyError(rule_id)

    def message(self, rule: Rule, column: str, lang: str) -> str:
        label = self.fields.get(column, {"vi": column, "en": column})
        text = rule.message_vi if lang == "vi" else rule.message_en
        return text.format(field_vi=label["vi"], field_en=label["en"])

    def source_message(self, rule_id: str, lang: str, *, column: str | None = None,
                       value: str | None = None, detail: str | None = None) -> str:
        """The text of a source rule, its placeholders filled (missing ones left empty).

        ``detail`` is in the language asked for; ``value`` is shown as typed.
        """
        rule = self.source_rule(rule_id)
        label = self.fields.get(column or "", {"vi": column or "", "en": column or ""})
        text = rule.message_vi if lang == "vi" else rule.message_en
        return text.format_map(_Blank(field_vi=label["vi"], field_en=label["en"],
                                      value="" if value is None else value,
                                      detail_vi=detail or "", detail_en=detail or ""))


def catalogue_path() -> Path:
    """``KONRAY_EXPECTATIONS``, else the packaged copy, else the repository's expectations/."""
    env = os.environ.get("KONRAY_EXPECTATIONS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "data" / "expectations" / "rules.yaml",
                      here.parents[2] / "expectations" / "rules.yaml"):
        if candidate.exists():
            return candidate
    raise CatalogueError("expectations/rules.yaml not found (set KONRAY_EXPECTATIONS)")


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    return _load(str(path or catalogue_path()))


@cache
def _load(path: str) -> Catalogue:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    rules = tuple(_rule(r) for r in raw["rules"])
    ids = [r.id for r in rules]
    sources = tuple(_source_rule(r) for r in raw.get("source_rules") or [])
    ids += [r.id for r in sources]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CatalogueError(f"{path}: rule ids used twice: {dup}")
    return Catalogue(rules, raw.get("fields", {}), raw.get("timezone", DEFAULT_TIMEZONE),
                     raw.get("plausibility", {}), sources)


def _source_rule(raw: dict[str, Any]) -> SourceRule:
    rid = raw.get("id", "<no id>")
    if raw.get("scope") not in SOURCE_SCOPES:
        raise CatalogueError(f"source rule {rid}: scope must be one of {SOURCE_SCOPES}")
    if raw.get("severity") not in ("error", "warning"):
        raise CatalogueError(f"source rule {rid}: severity must be 'error' or 'warning'")
    msg = raw.get("message") or {}
    if not msg.get("vi") or not msg.get("en"):
        raise CatalogueError(f"source rule {rid}: needs a Vietnamese and an English message")
    return SourceRule(rid, raw.get("title", ""), raw["scope"], raw["severity"], msg["vi"],
                      msg["en"], _title_vi(raw, rid), raw.get("fix_vi", ""))


def _title_vi(raw: dict[str, Any], rid: str) -> str:
    """The Vietnamese name the quality page shows instead of the id.

    A district's own older copy of the catalogue (``KONRAY_EXPECTATIONS``) may lack it: the
    page then falls back to the English title rather than the whole validation failing.
    The shipped catalogue has one for every rule (tests/quality/test_catalogue.py).
    """
    return str(raw.get("title_vi") or "")


def _rule(raw: dict[str, Any]) -> Rule:
    rid = raw.get("id", "<no id>")
    if bool(raw.get("expectation")) == bool(raw.get("rule")):
        raise CatalogueError(f"rule {rid}: give exactly one of 'expectation' or 'rule'")
    if raw.get("expectation") and raw["expectation"] not in EXPECTATIONS:
        raise CatalogueError(f"rule {rid}: expectation {raw['expectation']!r} is not one of "
                             f"{EXPECTATIONS}")
    if raw.get("severity") not in ("error", "warning"):
        raise CatalogueError(f"rule {rid}: severity must be 'error' or 'warning'")
    if raw.get("table") not in ("households", "members", "classified"):
        raise CatalogueError(f"rule {rid}: unknown table {raw.get('table')!r}")
    msg = raw.get("message") or {}
    if not msg.get("vi") or not msg.get("en"):
        raise CatalogueError(f"rule {rid}: needs a Vietnamese and an English message")
    return Rule(
        id=rid, table=raw["table"], title=raw.get("title", ""), columns=tuple(raw["columns"]),
        severity=raw["severity"], message_vi=msg["vi"], message_en=msg["en"],
        expectation=raw.get("expectation"), kwargs=dict(raw.get("kwargs") or {}),
        rule=raw.get("rule"), field_table=raw.get("field_table"),
        title_vi=_title_vi(raw, rid), fix_vi=raw.get("fix_vi", ""),
    )


@dataclass(frozen=True)
class Review:
    """What placeholders resolve against: the review year, its window and the run's clock."""

    year: int
    window_start: dt.datetime
    window_end: dt.datetime
    now: dt.datetime

    @classmethod
    def of(cls, year: int, window: dict[str, str], tz: str,
           now: dt.datetime | None = None) -> Review:
        """The window's first day 00:00 to its last day 24:00, local time, as UTC instants."""
        zone = ZoneInfo(tz)
        start = dt.datetime.fromisoformat(f"{year}-{window['start']}").replace(tzinfo=zone)
        last = dt.datetime.fromisoformat(f"{year}-{window['end']}").replace(tzinfo=zone)
        end = last + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        now = now or dt.datetime.now(dt.UTC)
        utc = dt.UTC
        return cls(int(year), start.astimezone(utc), end.astimezone(utc), now.astimezone(utc))


def checks(rules: list[Rule], review: Review | None) -> list[Check]:
    """Expand rules into per-column checks with placeholders resolved."""
    out = []
    for rule in rules:
        for col in rule.columns:
            if rule.rule:
                out.append(Check(rule, col, rule_column(rule.id, col),
                                 "ExpectColumnValuesToBeInSet", {"value_set": [True]}))
            else:
                kwargs = {k: _resolve(v, rule, col, review) for k, v in rule.kwargs.items()}
                out.append(Check(rule, col, col, rule.expectation or "", kwargs))
    return out


def rule_column(rule_id: str, column: str) -> str:
    return f"rule__{rule_id}__{column}"


def code_list_of(table: str, column: str) -> str:
    if table == "classified":
        return _CLASSIFIED_CODES[column]
    cols = HOUSEHOLD_COLUMNS if table == "households" else MEMBER_COLUMNS
    for c in cols:
        if c.name == column and c.codes:
            return c.codes
    raise CatalogueError(f"{table}.{column} has no code list")


def _resolve(value: Any, rule: Rule, column: str, review: Review | None) -> Any:
    from konray_review.schema import codes

    if isinstance(value, list):
        return [_resolve(v, rule, column, review) for v in value]
    if not (isinstance(value, str) and value.startswith("@")):
        return value
    if value == "@codes":
        return list(codes(code_list_of(rule.table, column)))
    if review is None:
        raise CatalogueError(f"rule {rule.id}: {value} needs a review year")
    table = {"@year": review.year, "@window_start": review.window_start,
             "@window_end": review.window_end, "@now": review.now}
    if value not in table:
        raise CatalogueError(f"rule {rule.id}: unknown placeholder {value}")
    return table[value]
