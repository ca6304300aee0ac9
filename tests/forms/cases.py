"""Household cases for the form-engine parity tests: every classifier edge case plus random ones.

A case is canonical data (households / members columns of data-model.md) plus the B1 answers
when the household is scored. The engine fills the form from it (konray_review.forms.answers);
the classifier reads the same data, with questions the form did not ask replaced by
``NOT_ASKED`` (what a normaliser does), so both sides see exactly what the form can collect.
"""

from __future__ import annotations

import copy
from datetime import date
from itertools import product
from typing import Any

import numpy as np

from konray_review.forms.b1 import B1Table, b1_score
from konray_review.profile import Profile, load_profile
from konray_review.schema import codes
from konray_review.standards import b1_table_for, standard_for_year

Case = dict[str, Any]
YEARS = (2023, 2027)
RURAL, URBAN = "Đăk Kôi", "Đăk Rve"


def village_of(profile: Profile, commune: str) -> str:
    v = profile.villages()
    return str(v.loc[v["commune"] == commune, "village"].iloc[0])


def adult(**kw: Any) -> dict[str, Any]:
    """A 35-year-old employed, insured, educated member (no deprivation) with overrides."""
    m = {
        "name": "Thành viên", "id_number": None, "sex": "male", "birth_date": None, "age": 35,
        "relation": "spouse", "ethnicity": "12", "able_to_work": True, "wants_work": True,
        "employment": "employed", "wage_worker": False, "has_labour_contract": False,
        "disability": "none", "has_health_insurance": True, "stunted": None,
        "underweight": None, "education_level": "upper_secondary", "studying": False,
        "trained_by_employer": False, "school_on_track": None, "uses_internet": True,
    }
    m.update(kw)
    return m


def child(age: int, **kw: Any) -> dict[str, Any]:
    base = adult(age=age, relation="child", employment="not_in_labour_force",
                 able_to_work=False, wants_work=False, education_level="primary",
                 studying=True, uses_internet=False)
    if 3 <= age <= 15:
        base["school_on_track"] = True
    if age < 3:
        base.update(education_level="none", studying=False)
    base.update(kw)
    return base


def household(year: int, commune: str = RURAL, **kw: Any) -> dict[str, Any]:
    """A household with no household-level deprivation, income below the rural line."""
    h = {
        "review_year": year, "commune": commune, "head_name": "Chủ hộ", "head_id_number": None,
        "head_ethnicity": "12", "previous_category": None, "review_reason": "on_list",
        "screening_signs": None, "income_per_capita": 1_000_000.0, "b1_score": None,
        "agricultural": True, "has_dwelling": True, "wall_durable": True,
        "column_durable": True, "roof_durable": True, "living_area_m2": 60.0,
        "water_source": "piped", "latrine_type": "septic", "waste_handling": "collected",
        "owns_tv": True, "owns_radio": False, "owns_computer": False,
        "owns_smartphone": True, "owns_phone": False,
    }
    h.update(kw)
    return h


def case(cid: str, hh: dict[str, Any], members: list[dict[str, Any]],
         b1: dict[str, Any] | None = None) -> Case:
    members = copy.deepcopy(members)
    members[0]["relation"] = "head"
    return {"id": cid, "household": hh, "members": members, "b1": b1}


def b1_answers_for(table: B1Table, area: str, target: float) -> dict[str, Any]:
    """B1 answers whose score is exactly ``target`` (searched over the options)."""
    choices = []
    for item in table.items:
        if item.kind == "one":
            choices.append([o.id for o in item.options])
        else:  # a few subsets are enough to reach any target of the tests
            ids = [o.id for o in item.options]
            choices.append([[], ids[:1], ids[:2], ids[:3], ids])
    for combo in product(*choices):
        ans = {item.id: pick for item, pick in zip(table.items, combo, strict=True)}
        if b1_score(table, ans, area) == target:
            return ans
    raise ValueError(f"no B1 answers score {target} ({area})")


def poorest_b1_answers(table: B1Table) -> dict[str, Any]:
    """The answers with the fewest points in both areas: no asset, the lowest option."""
    return {item.id: ([] if item.kind == "multiple" else
                      min(item.options, key=lambda o: (o.rural, o.urban)).id)
            for item in table.items}


def edge_cases(year: int, profile: Profile) -> list[Case]:
    """Both sides of every threshold the classifier tests probe, for one review year."""
    cases: list[Case] = []
    y = str(year)
    add = cases.append
    hh = household
    # ages 5/6: health insurance from 6
    for age in (5, 6):
        add(case(f"{y}-insurance-{age}", hh(year),
                 [adult(), child(age, has_health_insurance=False)]))
    # 15/16: dependants (<16), nutrition (<16), working age (>=15), school (<=15)
    for age in (14, 15, 16):
        add(case(f"{y}-jobless-{age}", hh(year), [adult(), adult(age=age, relation="child",
                 employment="unemployed", education_level="lower_secondary",
                 school_on_track=True if age <= 15 else None)]))
        add(case(f"{y}-stunted-{age}", hh(year), [adult(), child(age, stunted=True)
                                                  if age < 16 else adult(age=age)]))
    add(case(f"{y}-dependants-15-16", hh(year), [
        adult(age=40), child(15),
        adult(age=16, relation="child", education_level="lower_secondary")]))
    # 17/18 and 30/31: adult education bands
    for age, level in ((17, "lower_secondary"), (17, "primary"), (18, "lower_secondary"),
                       (18, "upper_secondary"), (30, "primary"), (31, "primary")):
        add(case(f"{y}-education-{age}-{level}", hh(year),
                 [adult(), adult(age=age, relation="child", education_level=level)]))
    add(case(f"{y}-education-18-trained", hh(year),
             [adult(), adult(age=18, education_level="primary", trained_by_employer=True)]))
    add(case(f"{y}-education-17-studying", hh(year),
             [adult(), adult(age=17, education_level="primary", studying=True)]))
    # living area exactly 8 m² per person, and just below
    for area in (16.0, 15.5):
        add(case(f"{y}-area-{area}", hh(year, living_area_m2=area), [adult(), adult()]))
    add(case(f"{y}-no-dwelling", hh(year, has_dwelling=False, wall_durable=None,
             column_durable=None, roof_durable=None, living_area_m2=None), [adult()]))
    add(case(f"{y}-two-flimsy", hh(year, wall_durable=False, roof_durable=False), [adult()]))
    add(case(f"{y}-one-flimsy", hh(year, wall_durable=False), [adult()]))
    # dependants exactly 50 % and just above
    elder = adult(age=70, employment="not_in_labour_force", able_to_work=False)
    add(case(f"{y}-dependants-half", hh(year), [adult(), adult(), child(4), elder]))
    add(case(f"{y}-dependants-above", hh(year),
             [adult(), adult(), child(4), child(8), adult(age=70, disability="severe")]))
    # retirement age by sex and year: the whole years on each side of the bound
    wa = standard_for_year(year, profile).working_age
    for sex in codes("sex"):
        upper = wa.upper_exclusive(sex, year)
        for age in (upper - 1, upper):
            add(case(f"{y}-retire-{sex}-{age}", hh(year), [adult(), adult(
                age=age, sex=sex, employment="unemployed", education_level="primary")]))
    # employment: wage work without / with a contract
    add(case(f"{y}-wage-no-contract", hh(year), [adult(wage_worker=True)]))
    add(case(f"{y}-wage-contract", hh(year), [adult(wage_worker=True, has_labour_contract=True)]))
    add(case(f"{y}-jobless-unwilling", hh(year),
             [adult(employment="unemployed", wants_work=False)]))
    # water, sanitation, waste, information, telecom
    add(case(f"{y}-unsafe", hh(year, water_source="surface", latrine_type="hanging",
             waste_handling="dumped", owns_tv=False, owns_smartphone=False),
             [adult(uses_internet=False)]))
    add(case(f"{y}-safe-edge", hh(year, water_source="bottled", latrine_type="double_vault",
             waste_handling="own_treatment"), [adult()]))
    # income: exactly on the line and above, both areas; middle band, agricultural or not
    std_ = standard_for_year(year, profile)
    for commune in (RURAL, URBAN):
        area = profile.unit(commune).area
        line = std_.income_line.get(area)
        band = std_.middle_band_upper.get(area)
        poor = [adult(has_health_insurance=False, uses_internet=False), child(4, stunted=True)]
        for inc in (line, line + 1):
            add(case(f"{y}-{area}-income-{int(inc)}", hh(year, commune, income_per_capita=inc,
                     water_source="surface"), poor))
        if band is not None:
            for agri in (True, False):
                add(case(f"{y}-{area}-band-{agri}", hh(year, commune, income_per_capita=band,
                         agricultural=agri), [adult()]))
            add(case(f"{y}-{area}-above-band", hh(year, commune, income_per_capita=band + 1),
                     [adult()]))
        # B1 path, only where the standard has a cut-off for the area (the form asks no B1
        # item otherwise): exactly on the cut-off, one step above, and the poorest answers
        cut = std_.b1_cutoff.get(area)
        if cut is not None:
            table = b1_table_for(std_, profile)
            for target in (cut, cut + 5):
                ans = b1_answers_for(table, area, float(target))
                add(case(f"{y}-{area}-b1-{int(target)}", hh(year, commune,
                         income_per_capita=None, b1_score=b1_score(table, ans, area)),
                         poor, b1=ans))
            ans = poorest_b1_answers(table)
            add(case(f"{y}-{area}-b1-poorest", hh(year, commune, income_per_capita=None,
                     b1_score=b1_score(table, ans, area)), poor, b1=ans))
            ans = b1_answers_for(table, area, 100.0)
            add(case(f"{y}-{area}-both", hh(year, commune, income_per_capita=line + 1,
                     b1_score=b1_score(table, ans, area)), [adult()], b1=ans))
    add(case(f"{y}-income-unknown", hh(year, income_per_capita=None), [adult()]))
    # screening: a request with 4 signs is none whatever else; 3 signs goes on
    for signs in (3, 4):
        add(case(f"{y}-request-{signs}", hh(year, review_reason="request", screening_signs=signs,
                 water_source="surface", latrine_type="none"), [adult(uses_internet=False)]))
    add(case(f"{y}-request-blank-signs", hh(year, review_reason="request"), [adult()]))
    add(case(f"{y}-previous-poor", hh(year, previous_category="poor"), [adult()]))
    # birth dates on each side of the reference date (age 15 / 14 at the window start)
    # the reference date is the profile's review-window start (1 September)
    for bd, age in ((f"{year - 15}-09-01", 15), (f"{year - 15}-09-02", 14)):
        add(case(f"{y}-birth-{bd}", hh(year), [adult(), child(age, birth_date=bd,
                 has_health_insurance=False, school_on_track=False)]))
    # blanks: nutrition unknown, optional ids, both nutrition answers given
    add(case(f"{y}-blank-nutrition", hh(year), [adult(), child(2), child(10, underweight=True)]))
    return cases


def random_cases(year: int, profile: Profile, n: int, seed: int) -> list[Case]:
    """Random households (1–7 members) whose answers respect the form's relevance."""
    rng = np.random.default_rng(seed)
    communes = [u.name for u in profile.units]
    std_ = standard_for_year(year, profile)
    table = b1_table_for(std_, profile)
    out: list[Case] = []

    def yn(p: float = 0.5) -> bool:
        return bool(rng.random() < p)

    for i in range(n):
        commune = str(rng.choice(communes))
        area = profile.unit(commune).area
        members = []
        for j in range(int(rng.integers(1, 8))):
            age = int(rng.integers(0, 90)) if j else int(rng.integers(18, 80))
            m = adult(age=age, sex=str(rng.choice(codes("sex"))),
                      disability=str(rng.choice(codes("disability"), p=[.85, .07, .05, .03])),
                      has_health_insurance=yn(.8), uses_internet=yn(.5),
                      ethnicity=str(rng.choice(["01", "12", "16"])))
            if age < 16:
                m["stunted"] = rng.choice([None, True, False])
                m["underweight"] = rng.choice([None, True, False])
            if 3 <= age <= 15:
                m["school_on_track"] = yn(.8)
            if age >= 3:
                m["education_level"] = str(rng.choice(codes("education_level")))
                m["studying"] = yn(.3)
            m["trained_by_employer"] = yn(.2)
            emp = str(rng.choice(codes("employment")))
            m.update(employment=emp, able_to_work=yn(.8), wants_work=yn(.7),
                     wage_worker=emp == "employed" and yn(.4))
            m["has_labour_contract"] = m["wage_worker"] and yn(.5)
            members.append(m)
        dwelling = yn(.9)
        method = str(rng.choice(["direct", "b1", "both", "not_assessed"], p=[.4, .3, .2, .1]))
        if std_.b1_cutoff.get(area) is None:  # the form offers no B1 method here
            method = {"b1": "not_assessed", "both": "direct"}.get(method, method)
        b1 = None
        income = float(rng.integers(3, 40) * 100_000) if method in ("direct", "both") else None
        if method in ("b1", "both"):
            b1 = {it.id: (str(rng.choice([o.id for o in it.options])) if it.kind == "one"
                          else [o.id for o in it.options if yn(.3)]) for it in table.items}
        hh = household(
            year, commune, agricultural=yn(.7), has_dwelling=dwelling,
            wall_durable=yn(.6) if dwelling else None, column_durable=yn(.6) if dwelling else None,
            roof_durable=yn(.6) if dwelling else None,
            living_area_m2=float(rng.integers(5, 120)) if dwelling else None,
            water_source=str(rng.choice(codes("water_source"))),
            latrine_type=str(rng.choice(codes("latrine_type"))),
            waste_handling=str(rng.choice(codes("waste_handling"))),
            owns_tv=yn(.5), owns_radio=yn(.2), owns_computer=yn(.1), owns_smartphone=yn(.5),
            owns_phone=yn(.3), income_per_capita=income,
            b1_score=b1_score(table, b1, area) if b1 else None,
            review_reason=str(rng.choice(codes("review_reason"))),
        )
        if hh["review_reason"] == "request":
            hh["screening_signs"] = int(rng.integers(0, 10)) if yn(.8) else None
        out.append(case(f"{year}-random-{i}", hh, members, b1))
    return out


def all_cases(year: int, profile: Profile | None = None, n_random: int = 16) -> list[Case]:
    profile = profile or load_profile()
    cases = edge_cases(year, profile) + random_cases(year, profile, n_random, seed=year)
    for k, c in enumerate(cases, start=1):
        hh = c["household"]
        hh["village"] = village_of(profile, profile.canonical_unit(hh["commune"]))
        hh["household_no"] = k
        hh["household_size"] = len(c["members"])
        # a review year still ahead of this machine's clock keeps the form's default (today)
        if year < date.today().year:
            hh["interview_date"] = f"{year}-10-01"
        for m in c["members"]:
            m["name"] = f"Người {k}-{c['members'].index(m) + 1}"  # synthetic, not a person
    return cases
