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

    @property
    def number(self) -> float:
        """The value, for callers that cannot go on without one (validation makes sure the
        standard has it: only optional parameters such as a period's B1 cut-off may be blank)."""
        if self.value is None:
            raise ValueError(f"no value given (source: {self.source})")
        return self.value


class ByArea(_Model):
    rural: Sourced
    urban: Sourced

    def get(self, area: str) -> float | None:
        return getattr(self, area).value

    def number(self, area: str) -> float:
        """The value for ``area`` where the caller needs one (see ``Sourced.number``)."""
        return getattr(self, area).number


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

    def for_sex(self, sex: str) -> Retirement:
        """The retirement rule for a sex code (a profile may add codes; the standard may not)."""
        for key, rule in self.retirement.items():
            if key == sex:
                return rule
        raise ValueError(f"working_age.retirement has no entry for sex {sex!r}")

    def upper_exclusive(self, sex: str, year: int) -> int:
        """First whole age that is no longer working age for ``sex`` in ``year``."""
        return self.for_sex(sex).whole_years(year)


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


# ---- data tables beside the standard: the B1 scoring table and the Phiếu A signs ----------

class B1Option(_Model):
    id: str
    vi: str
    en: str
    rural: float
    urban: float


class B1Item(_Model):
    id: str
    kind: Literal["one", "multiple"]
    vi: str
    en: str
    options: list[B1Option]


class B1Table(_Model):
    """Phiếu B1 (income-proxy score): items, points by area, and how sure we are of them."""

    id: str
    name: dict[str, str]
    source: str
    status: Status
    items: list[B1Item]


class Sign(_Model):
    id: str
    vi: str
    en: str


class PhieuASigns(_Model):
    """The Phiếu A signs of a non-poor household, with source and status."""

    source: str
    status: Status
    signs: list[Sign]


def b1_dir() -> Path:
    return _data_dir() / "b1"


def _profile_file(profile: Any | None, attr: str) -> Path | None:
    """A data file a district profile supplies in its own folder (``b1_table`` etc.)."""
    name = getattr(profile, attr, None) if profile is not None else None
    return None if not name or profile is None else Path(profile.directory) / name


def _read_model(model: type[_Model], path: Path, what: str) -> Any:
    if not path.exists():
        raise StandardError(f"{path}: {what} file is missing")
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValueError, yaml.YAMLError) as exc:
        raise StandardError(f"{path}: invalid {what}: {exc}") from exc


@cache
def _b1_table_file(path: str) -> B1Table:
    return _read_model(B1Table, Path(path), "B1 scoring table")


def load_b1_table(region: str) -> B1Table:
    """The shipped B1 table of a region (``konray_review/data/b1/<region>.yaml``)."""
    path = b1_dir() / f"{region}.yaml"
    if not path.exists():
        raise StandardError(f"no B1 scoring table for region {region!r} ({path} is missing)")
    return _b1_table_file(str(path))


def b1_table_for(standard: Standard, profile: Any | None = None) -> B1Table:
    """The B1 table in use: the profile's own file (``b1_table``), else its region's."""
    own = _profile_file(profile, "b1_table")
    if own is not None:
        return _b1_table_file(str(own.resolve()))
    region = getattr(profile, "b1_region", None) or standard.b1_region
    if not region:
        raise StandardError(f"{standard.id}: no B1 region (set b1_region or b1_table in the "
                            "district profile)")
    return load_b1_table(region)


def has_b1_cutoff(standard: Standard) -> bool:
    """Does the B1 score decide the income test anywhere (a cut-off in some area)?"""
    return any(standard.b1_cutoff.get(a) is not None for a in ("rural", "urban"))


@cache
def _signs_file(path: str) -> PhieuASigns:
    return _read_model(PhieuASigns, Path(path), "Phiếu A signs")


def phieu_a_signs(standard: Standard, profile: Any | None = None) -> PhieuASigns:
    """The Phiếu A signs in use: the profile's own file (``phieu_a_signs``), else the
    standard's ``screening.signs_file``."""
    own = _profile_file(profile, "phieu_a_signs")
    path = own.resolve() if own is not None else standards_dir() / standard.screening.signs_file
    return _signs_file(str(path))


def load_phieu_a_signs(standard: Standard, profile: Any | None = None) -> dict[str, Any]:
    """The signs as plain data (``{"source", "status", "signs": [{id, vi, en}]}``)."""
    return phieu_a_signs(standard, profile).model_dump()


# ---- rule status: one list every surface shows (forms, report, lists, portal) ------------

#: how each status is shown to people, Vietnamese first
STATUS_LABELS: dict[str, Label] = {
    "confirmed": Label(vi="Đã xác nhận", en="Confirmed"),
    "partial": Label(vi="Xác nhận một phần, theo nguồn thứ cấp",
                     en="Partly confirmed, from a secondary source"),
    "unconfirmed": Label(vi="Chưa xác nhận", en="Unconfirmed"),
}
_AREAS = {"rural": Label(vi="nông thôn", en="rural"), "urban": Label(vi="thành thị", en="urban")}
_PARAMS = {
    "income_line": Label(vi="Chuẩn nghèo về thu nhập", en="Income poverty line"),
    "middle_band_upper": Label(vi="Mức thu nhập trần của hộ có mức sống trung bình",
                               en="Income ceiling of the middle living standard"),
    "b1_cutoff": Label(vi="Ngưỡng điểm Phiếu B1", en="Phiếu B1 score cut-off"),
}


class RuleStatus(_Model):
    """One rule the review relies on that is not confirmed, as people are told about it.

    ``value`` is short, language-neutral text (a number, a table id, a count; empty when the
    standard publishes no value); ``name`` says what the rule is in both languages.
    """

    id: str
    name: Label
    value: str
    status: Status
    source: str


def _value_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _param_rules(standard: Standard) -> list[RuleStatus]:
    out = []
    for param, pname in _PARAMS.items():
        by_area: ByArea = getattr(standard, param)
        for area, aname in _AREAS.items():
            s: Sourced = getattr(by_area, area)
            out.append(RuleStatus(
                id=f"{param}.{area}", value=_value_text(s.value), status=s.status,
                source=s.source, name=Label(vi=f"{pname.vi} ({aname.vi})",
                                            en=f"{pname.en} ({aname.en})")))
    for rid, s, name in (
        ("poor_min_deprivations", standard.poor_min_deprivations,
         Label(vi="Số chỉ số thiếu hụt để là hộ nghèo", en="Deprivations that make a "
               "household poor")),
        ("screening.screen_out_at", standard.screening.screen_out_at,
         Label(vi="Số dấu hiệu Phiếu A để loại khỏi rà soát", en="Phiếu A signs that screen "
               "a household out")),
        ("working_age.min_age", standard.working_age.min_age,
         Label(vi="Tuổi lao động tối thiểu", en="Minimum working age")),
    ):
        out.append(RuleStatus(id=rid, name=name, value=_value_text(s.value), status=s.status,
                              source=s.source))
    for sex, r in standard.working_age.retirement.items():
        sex_name = Label(vi="nam", en="men") if sex == "male" else Label(vi="nữ", en="women")
        out.append(RuleStatus(
            id=f"working_age.retirement.{sex}", value=f"{r.base_months}-{r.max_months}",
            status=r.status, source=r.source,
            name=Label(vi=f"Tuổi nghỉ hưu ({sex_name.vi})",
                       en=f"Retirement age ({sex_name.en})")))
    return out


def _data_rules(standard: Standard, profile: Any | None) -> list[RuleStatus]:
    signs = phieu_a_signs(standard, profile)
    out = [RuleStatus(
        id="phieu_a_signs", value=str(len(signs.signs)), status=signs.status,
        source=signs.source,
        name=Label(vi=f"Nội dung {len(signs.signs)} dấu hiệu của Phiếu A",
                   en=f"Wording of the {len(signs.signs)} Phiếu A signs"))]
    names_table = bool(getattr(profile, "b1_table", None) or getattr(profile, "b1_region", None)
                       or standard.b1_region)
    if has_b1_cutoff(standard) and names_table:  # without a cut-off it decides nothing
        table = b1_table_for(standard, profile)
        out.append(RuleStatus(id="b1_table", value=table.id, status=table.status,
                              source=table.source,
                              name=Label(vi="Bảng điểm Phiếu B1", en="Phiếu B1 scoring table")))
    if profile is not None:
        sample = bool(getattr(profile, "villages_are_sample", False))
        out.append(RuleStatus(
            id="villages", value=str(profile.villages_csv),
            status="unconfirmed" if sample else "confirmed",
            source=getattr(profile, "villages_source", "") or (
                f"hồ sơ địa bàn {profile.id} ({profile.villages_csv}), danh sách MẪU" if sample
                else f"hồ sơ địa bàn {profile.id} ({profile.villages_csv})"),
            name=Label(vi="Danh sách thôn của địa bàn", en="Village list of the area")))
    return out


def unconfirmed_rules(standard: Standard, profile: Any | None = None) -> list[RuleStatus]:
    """Every rule of this review that is not confirmed, in a fixed order: the standard's
    parameters, its indicators, then the data beside it (Phiếu A signs, the B1 table when a
    cut-off makes it count, the profile's village list).

    The one list the forms, the report, the list footers and the portal show, so they can
    never disagree. A district that replaces a table in its profile with a confirmed one
    (``b1_table``, ``phieu_a_signs``, ``villages_csv`` + ``villages_are_sample: false``, or an
    ``overrides`` entry with ``status: confirmed``) sees that rule leave the list.
    """
    indicators = [RuleStatus(id=f"indicator.{i.id}", value=", ".join(
        f"{k}={v}" for k, v in i.params.items() if not isinstance(v, list | dict)),
        status=i.status, source=i.source,
        name=Label(vi=f"Chỉ số: {i.name.vi}", en=f"Indicator: {i.name.en}"))
        for i in standard.indicators]
    rules = [*_param_rules(standard), *indicators, *_data_rules(standard, profile)]
    return [r for r in rules if r.status != "confirmed"]
