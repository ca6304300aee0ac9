"""Indicator rules: one small function per rule kind, parameters from the standard data.

Each rule gets a ``Context`` (NumPy arrays for members and households, already checked) and
the indicator's ``params``, and returns the household flag plus, for member-level rules, the
member rows that caused it (explanations show those lines). Shape after mpitb: the standard
declares indicators, weights and cut-offs as data; this module only computes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from konray_review.classifier.inputs import Table, member_of
from konray_review.schema import codes
from konray_review.standards import Standard

RuleResult = tuple[np.ndarray, np.ndarray | None]


@dataclass
class Context:
    """Checked inputs of one standard's households and their members."""

    standard: Standard
    hh: Table
    mem: Table
    member_hh: np.ndarray  # household position of each member row
    n_households: int
    years_of_members: np.ndarray
    member_count: np.ndarray
    cache: dict[str, Any] = field(default_factory=dict)

    def any_member(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.member_hh, weights=mask, minlength=self.n_households) > 0

    def prefetch_codes(self, member_columns: list[str], household_columns: list[str]) -> None:
        """Look up code columns on two threads (Arrow's kernels release the GIL).

        Errors surface in column order, as they would one by one.
        """
        jobs = [(f"mc:{c}", lambda c=c: self.mem.codes(c, codes(c))) for c in member_columns]
        jobs += [(f"hc:{c}", lambda c=c: self.hh.codes(c, codes(c))) for c in household_columns]
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [(key, pool.submit(make)) for key, make in jobs if key not in self.cache]
            for key, fut in futures:
                self.cache[key] = fut.result()

    def count_members(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.member_hh, weights=mask, minlength=self.n_households)

    def _get(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    @property
    def age(self) -> np.ndarray:
        return self._get("age", lambda: self.mem.numbers("age", minimum=0))

    def mbool(self, column: str, allow_null: bool | np.ndarray = False) -> np.ndarray:
        return self._get(f"m:{column}", lambda: self.mem.booleans(column, allow_null=allow_null))[0]

    def mcode(self, column: str) -> np.ndarray:
        return self._get(f"mc:{column}", lambda: self.mem.codes(column, codes(column)))

    def hbool(self, column: str, allow_null: bool | np.ndarray = False) -> np.ndarray:
        return self._get(f"h:{column}", lambda: self.hh.booleans(column, allow_null=allow_null))[0]

    def hcode(self, column: str, allow_null: bool = False) -> np.ndarray:
        return self._get(f"hc:{column}", lambda: self.hh.codes(column, codes(column),
                                                               allow_null=allow_null))


def working_age(ctx: Context) -> np.ndarray:
    """15 <= age < statutory retirement age (whole years) for the member's sex and year."""
    wa = ctx.standard.working_age
    sex = ctx.mcode("sex")  # 0 male, 1 female (order of codes.yaml)
    years = ctx.years_of_members
    if len(years) and years.min() == years.max():  # one review year: one cut-off per sex
        table = np.array([wa.upper_exclusive(name, int(years[0])) for name in codes("sex")],
                         dtype=np.int16)
        upper = table[sex]
    else:
        upper = np.empty(len(sex), dtype=np.int16)
        for pos, name in enumerate(codes("sex")):
            r = wa.for_sex(name)
            months = np.minimum(r.max_months,
                                r.base_months + r.step_months * (years - r.base_year))
            np.copyto(upper, (months // 12).astype(np.int16), where=sex == pos)
    age = ctx.age
    return (age >= wa.min_age.value) & (age < upper)


def employment(ctx: Context, p: dict[str, Any]) -> RuleResult:
    emp = ctx.mcode("employment")
    unemployed = member_of(emp, codes("employment"), ["unemployed"])
    jobless = unemployed & ctx.mbool("able_to_work") & ctx.mbool("wants_work")
    no_contract = ctx.mbool("wage_worker") & ~ctx.mbool("has_labour_contract")
    cause = working_age(ctx) & (jobless | no_contract)
    return ctx.any_member(cause), cause


def dependants(ctx: Context, p: dict[str, Any]) -> RuleResult:
    dis = member_of(ctx.mcode("disability"), codes("disability"), p["disability_levels"])
    dep = (ctx.age < p["child_under"]) | (ctx.age >= p["elderly_from"]) | dis
    ratio = ctx.count_members(dep) / ctx.member_count
    return ratio > p["ratio_above"], dep


def nutrition(ctx: Context, p: dict[str, Any]) -> RuleResult:
    # blank = no health-station record: not counted as malnourished (never guessed)
    stunted = ctx.mem.booleans("stunted", allow_null=True)[0]
    under = ctx.mem.booleans("underweight", allow_null=True)[0]
    cause = (ctx.age < p["child_under"]) & (stunted | under)
    return ctx.any_member(cause), cause


def health_insurance(ctx: Context, p: dict[str, Any]) -> RuleResult:
    cause = (ctx.age >= p["min_age"]) & ~ctx.mbool("has_health_insurance")
    return ctx.any_member(cause), cause


def adult_education(ctx: Context, p: dict[str, Any]) -> RuleResult:
    level = ctx.mcode("education_level")
    studying = ctx.mbool("studying")
    trained = ctx.mbool("trained_by_employer")
    cause = np.zeros(len(level), dtype=bool)
    for band in p["bands"]:
        in_band = (ctx.age >= band["min_age"]) & (ctx.age <= band["max_age"])
        low = member_of(level, codes("education_level"), band["deprived_levels"])
        hit = in_band & ~studying & low
        if band.get("employer_training_counts"):
            hit &= ~trained
        cause |= hit
    return ctx.any_member(cause), cause


def child_schooling(ctx: Context, p: dict[str, Any]) -> RuleResult:
    in_range = (ctx.age >= p["min_age"]) & (ctx.age <= p["max_age"])
    on_track, null = ctx.mem.booleans("school_on_track", allow_null=~in_range)
    cause = in_range & ~on_track & ~null
    return ctx.any_member(cause), cause


def housing_quality(ctx: Context, p: dict[str, Any]) -> RuleResult:
    dwelling = ctx.hbool("has_dwelling")
    non_durable = np.zeros(ctx.n_households, dtype=np.int8)
    for col in ("wall_durable", "column_durable", "roof_durable"):
        # structures are only asked when there is a dwelling
        val, _ = ctx.hh.booleans(col, allow_null=~dwelling)
        non_durable += (~val).astype(np.int8)
    return ~dwelling | (non_durable >= p["min_non_durable"]), None


def housing_area(ctx: Context, p: dict[str, Any]) -> RuleResult:
    dwelling = ctx.hbool("has_dwelling")
    area = ctx.hh.numbers("living_area_m2", allow_null=~dwelling, minimum=0)
    # no dwelling: no living area, whatever was typed (the on-device preview does the same)
    per_person = np.where(dwelling, np.nan_to_num(area, nan=0.0), 0.0) / ctx.member_count
    return per_person < p["min_m2_per_person"], None


def water(ctx: Context, p: dict[str, Any]) -> RuleResult:
    src = ctx.hcode("water_source")
    return ~member_of(src, codes("water_source"), p["safe_sources"]), None


def sanitation(ctx: Context, p: dict[str, Any]) -> RuleResult:
    lat = ctx.hcode("latrine_type")
    return ~member_of(lat, codes("latrine_type"), p["hygienic"]), None


def telecom(ctx: Context, p: dict[str, Any]) -> RuleResult:
    return ~ctx.any_member(ctx.mbool("uses_internet")), None


def information_devices(ctx: Context, p: dict[str, Any]) -> RuleResult:
    has_any = np.zeros(ctx.n_households, dtype=bool)
    for col in p["devices"]:
        has_any |= ctx.hbool(col)
    return ~has_any, None


def waste(ctx: Context, p: dict[str, Any]) -> RuleResult:
    w = ctx.hcode("waste_handling")
    return ~member_of(w, codes("waste_handling"), p["adequate"]), None


RULES: dict[str, Callable[[Context, dict[str, Any]], RuleResult]] = {
    f.__name__: f
    for f in (employment, dependants, nutrition, health_insurance, adult_education,
              child_schooling, housing_quality, housing_area, water, sanitation, telecom,
              information_devices, waste)
}

#: columns each rule reads (the classifier checks presence only of what it uses)
RULE_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "employment": ((), ("sex", "age", "employment", "able_to_work", "wants_work",
                        "wage_worker", "has_labour_contract")),
    "dependants": ((), ("age", "disability")),
    "nutrition": ((), ("age", "stunted", "underweight")),
    "health_insurance": ((), ("age", "has_health_insurance")),
    "adult_education": ((), ("age", "education_level", "studying", "trained_by_employer")),
    "child_schooling": ((), ("age", "school_on_track")),
    "housing_quality": (("has_dwelling", "wall_durable", "column_durable", "roof_durable"), ()),
    "housing_area": (("has_dwelling", "living_area_m2"), ()),
    "water": (("water_source",), ()),
    "sanitation": (("latrine_type",), ()),
    "telecom": ((), ("uses_internet",)),
    "information_devices": (("owns_tv", "owns_radio", "owns_computer", "owns_smartphone",
                             "owns_phone"), ()),
    "waste": (("waste_handling",), ()),
}


def rule_columns(rule: str, params: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Household and member columns a rule reads with these parameters.

    A profile may name other device columns for ``information_devices`` (``params["devices"]``):
    they are required like the built-in ones, so a missing one is an ``InputError`` naming it.
    """
    h, m = RULE_COLUMNS[rule]
    if rule == "information_devices" and "devices" in params:
        h = tuple(params["devices"])
    return h, m

