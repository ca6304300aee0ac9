"""Versioned poverty standards: YAML data validated into typed pydantic models.

Why data and not constants: several thresholds are only partially confirmed (see
``shared/spec/standard.md``). Every number carries ``source`` and ``status`` so that a
district can correct it from the official text without code, and reports can list the
unconfirmed rules they relied on. The review year picks the standard; a district profile
may override any parameter before validation (provinces may set a higher local standard).
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Status = Literal["confirmed", "partial", "unconfirmed"]
Area = Literal["rural", "urban"]

#: Indicator rule kinds the classifier knows how to compute (``classifier.rules``).
RULE_KINDS = (
    "employment", "dependants", "nutrition", "health_insurance", "adult_education",
    "child_schooling", "housing_quality", "housing_area", "water", "sanitation",
    "telecom", "information_devices", "waste",
)


class StandardError(ValueError):
    """A standard or profile file is malformed; the message names the file and field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Model):
    """A parameter value with where it comes from and how sure we are of it."""

    value: float | None
    source: str
    status: Status


class ByArea(_Model):
    rural: Sourced
    urban: Sourced

    def get(self, area: str) -> float | None:
        return getattr(self, area).value


class Label(_Model):
    vi: str
    en: str


class Retirement(_Model):
    """Statutory retirement age: ``base_months`` in ``base_year``, rising each year to a cap."""

    base_year: int
    base_months: int
    step_months: int
    max_months: int
    source: str
    status: Status

    def whole_years(self, year: int) -> int:
        months = min(self.max_months, self.base_months + self.step_months * (year - self.base_year))
        return months // 12


class WorkingAge(_Model):
    min_age: Sourced
    retirement: dict[Literal["male", "female"], Retirement]

    def upper_exclusive(self, sex: str, year: int) -> int:
        """First whole age that is no longer working age for ``sex`` in ``year``."""
        return self.retirement[sex].whole_years(year)


class Screening(_Model):
    screen_out_at: Sourced
    signs_file: str


class AlkireFoster(_Model):
    k: int = 3
    weights: Literal["equal"] = "equal"


class Indicator(_Model):
    id: str
    dimension: str
    name: Label
    rule: str
    params: dict[str, Any] = Field(default_factory=dict)
    program_project: int | None = None
    source: str
    status: Status

    @model_validator(mode="after")
    def _known_rule(self) -> Indicator:
        if self.rule not in RULE_KINDS:
            raise ValueError(f"indicator {self.id!r}: unknown rule {self.rule!r}")
        return self


class Standard(_Model):
    """One national (or profile-adjusted) multidimensional poverty standard."""

    id: str
    name: Label
    review_years: list[int]
    instrument: dict[str, str]
    income_line: ByArea
    middle_band_upper: ByArea
    b1_cutoff: ByArea
    b1_region: str | None = None  # national standards leave it to the district profile
    poor_min_deprivations: Sourced
    screening: Screening
    working_age: WorkingAge
    alkire_foster: AlkireFoster
    indicators: list[Indicator]
    dimensions: dict[str, Label]

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate indicator ids in {self.id}: {ids}")
        for ind in self.indicators:
            if ind.dimension not in self.dimensions:
                raise ValueError(f"indicator {ind.id!r}: unknown dimension {ind.dimension!r}")
        for area in ("rural", "urban"):
            if self.income_line.get(area) is None:
                raise ValueError(f"{self.id}: income_line.{area} must have a value")
        return self

    @property
    def indicator_ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def unconfirmed_rules(self) -> list[tuple[str, str, str]]:
        """(parameter, status, source) of every rule not marked confirmed, for reports."""
        out: list[tuple[str, str, str]] = []
        for name in ("income_line", "middle_band_upper", "b1_cutoff"):
            by_area: ByArea = getattr(self, name)
            for area in ("rural", "urban"):
                s: Sourced = getattr(by_area, area)
                if s.status != "confirmed":
                    out.append((f"{name}.{area}", s.status, s.source))
        out += [(f"indicator.{i.id}", i.status, i.source)
                for i in self.indicators if i.status != "confirmed"]
        return out


def _data_dir() -> Path:
    return Path(str(resources.files("konray_review") / "data"))


def standards_dir() -> Path:
    return _data_dir() / "standards"


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (lists and scalars replace)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif key == "indicators" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_indicators(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_indicators(base: list[dict], override: list[dict]) -> list[dict]:
    """Indicators are merged by ``id``; ``drop: true`` removes one, a new id appends it."""
    by_id = {i["id"]: i for i in base}
    order = [i["id"] for i in base]
    for item in override:
        iid = item.get("id")
        if iid is None:
            raise StandardError("an indicator override needs an 'id'")
        if item.get("drop"):
            order = [o for o in order if o != iid]
            by_id.pop(iid, None)
        elif iid in by_id:
            by_id[iid] = deep_merge(by_id[iid], item)
        else:
            by_id[iid] = item
            order.append(iid)
    return [by_id[i] for i in order]


@cache
def _raw_standards() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(standards_dir().glob("vn-*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[raw["id"]] = raw
    return out


def parse_standard(raw: dict[str, Any], origin: str = "<data>") -> Standard:
    """Validate a raw mapping into a ``Standard``; errors name the origin and the field."""
    try:
        return Standard.model_validate(raw)
    except ValueError as exc:
        raise StandardError(f"{origin}: invalid standard: {exc}") from exc


def list_standards() -> list[str]:
    return sorted(_raw_standards())


@cache
def load_standard(standard_id: str) -> Standard:
    raws = _raw_standards()
    if standard_id not in raws:
        raise StandardError(f"unknown standard {standard_id!r}; known: {sorted(raws)}")
    return parse_standard(raws[standard_id], f"standards/{standard_id}.yaml")


def standard_id_for_year(year: int) -> str:
    for sid, raw in _raw_standards().items():
        if int(year) in raw["review_years"]:
            return sid
    raise StandardError(f"no poverty standard covers review year {year}")


def standard_for_year(year: int, profile: Any | None = None) -> Standard:
    """The standard in force for ``year``, with the profile's overrides applied."""
    sid = standard_id_for_year(year)
    if profile is None or not profile.overrides.get(sid):
        return load_standard(sid)
    merged = deep_merge(_raw_standards()[sid], profile.overrides[sid])
    return parse_standard(merged, f"profile {profile.id} overrides of {sid}")


def load_phieu_a_signs(standard: Standard) -> dict[str, Any]:
    path = standards_dir() / standard.screening.signs_file
    return yaml.safe_load(path.read_text(encoding="utf-8"))
