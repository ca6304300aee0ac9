"""Table-driven edge cases for every indicator, both periods (rules: data-model.md)."""

from __future__ import annotations

import pytest

from konray_review import classify
from tests.classifier.builders import case, member

ADULT = member()


def dep(hh=None, members=None, year=2023, indicator=None):
    h, m = case(dict(hh or {}, review_year=year), members)
    out = classify(h, m)
    return bool(out[f"dep_{indicator}"].iloc[0])


# (indicator, household changes, members, year, expected deprived)
CASES = [
    # employment: working age by sex and year (men 60 in 2022..2026 -> 15..59; 61 in 2027)
    ("employment", {}, [member(age=14, employment="unemployed")], 2023, False),
    ("employment", {}, [ADULT, member(age=15, employment="unemployed")], 2023, True),
    ("employment", {}, [ADULT, member(age=59, employment="unemployed")], 2023, True),
    ("employment", {}, [ADULT, member(age=60, employment="unemployed")], 2023, False),
    ("employment", {}, [ADULT, member(age=60, employment="unemployed")], 2027, True),
    ("employment", {}, [ADULT, member(age=61, employment="unemployed")], 2027, False),
    ("employment", {}, [ADULT, member(age=55, sex="female", employment="unemployed")], 2022,
     False),
    ("employment", {}, [ADULT, member(age=54, sex="female", employment="unemployed")], 2022,
     True),
    ("employment", {}, [ADULT, member(age=56, sex="female", employment="unemployed")], 2027,
     True),
    ("employment", {}, [ADULT, member(age=57, sex="female", employment="unemployed")], 2027,
     False),
    ("employment", {}, [member(employment="unemployed", wants_work=False)], 2023, False),
    ("employment", {}, [member(employment="unemployed", able_to_work=False)], 2023, False),
    # clause (b) ignores able/wants
    ("employment", {}, [member(wage_worker=True, able_to_work=False, wants_work=False)], 2023,
     True),
    ("employment", {}, [member(wage_worker=True, has_labour_contract=True)], 2023, False),
    # dependants: > 50 % strictly; children < 16, elderly >= 60, severe disability
    ("dependants", {}, [ADULT, member(age=15)], 2023, False),
    ("dependants", {}, [ADULT, member(age=15), member(age=70)], 2023, True),
    ("dependants", {}, [ADULT, member(age=16), member(age=59), member(age=3)], 2023, False),
    ("dependants", {}, [ADULT, member(age=30, disability="severe")], 2023, False),
    ("dependants", {}, [member(age=30, disability="very_severe")], 2023, True),
    ("dependants", {}, [member(age=30, disability="mild")], 2023, False),
    # nutrition: under 16 only; blank (not measured) is not deprived
    ("nutrition", {}, [ADULT, member(age=15, stunted=True)], 2023, True),
    ("nutrition", {}, [ADULT, member(age=16, stunted=True)], 2023, False),
    ("nutrition", {}, [ADULT, member(age=2, underweight=True)], 2027, True),
    ("nutrition", {}, [ADULT, member(age=2, stunted=None, underweight=None)], 2023, False),
    # health insurance: aged 6 or more
    ("health_insurance", {}, [ADULT, member(age=5, has_health_insurance=False)], 2023, False),
    ("health_insurance", {}, [ADULT, member(age=6, has_health_insurance=False)], 2023, True),
    # adult education: 16-17 below lower secondary; 18-30 below upper secondary, no vocational
    ("adult_education", {}, [ADULT, member(age=15, education_level="primary")], 2023, False),
    ("adult_education", {}, [ADULT, member(age=16, education_level="primary")], 2023, True),
    ("adult_education", {}, [ADULT, member(age=17, education_level="lower_secondary")], 2023,
     False),
    ("adult_education", {}, [ADULT, member(age=18, education_level="lower_secondary")], 2023,
     True),
    ("adult_education", {}, [ADULT, member(age=17, education_level="primary", studying=True)],
     2023, False),
    ("adult_education", {}, [ADULT, member(age=30, education_level="primary")], 2023, True),
    ("adult_education", {}, [ADULT, member(age=31, education_level="primary")], 2023, False),
    ("adult_education", {}, [ADULT, member(age=25, education_level="vocational_elementary")],
     2023, False),
    ("adult_education", {}, [ADULT, member(age=25, education_level="lower_secondary",
                                           trained_by_employer=True)], 2023, False),
    # employer training does not count for 16-17
    ("adult_education", {}, [ADULT, member(age=17, education_level="primary",
                                           trained_by_employer=True)], 2023, True),
    # child schooling: 3..15
    ("child_schooling", {}, [ADULT, member(age=3, school_on_track=False)], 2023, True),
    ("child_schooling", {}, [ADULT, member(age=15, school_on_track=False)], 2023, True),
    ("child_schooling", {}, [ADULT, member(age=16, school_on_track=None)], 2023, False),
    ("child_schooling", {}, [ADULT, member(age=2, school_on_track=None)], 2023, False),
    # housing quality: no dwelling, or >= 2 of 3 structures not durable
    ("housing_quality", {"wall_durable": False}, [ADULT], 2023, False),
    ("housing_quality", {"wall_durable": False, "roof_durable": False}, [ADULT], 2023, True),
    ("housing_quality", {"has_dwelling": False, "wall_durable": None, "column_durable": None,
                         "roof_durable": None, "living_area_m2": None}, [ADULT], 2023, True),
    # housing area: < 8 m² per person (exactly 8 is not deprived)
    ("housing_area", {"living_area_m2": 16.0}, [ADULT, ADULT], 2023, False),
    ("housing_area", {"living_area_m2": 15.9}, [ADULT, ADULT], 2023, True),
    ("housing_area", {"living_area_m2": 0.0}, [ADULT], 2027, True),
    ("water", {"water_source": "rainwater"}, [ADULT], 2023, False),
    ("water", {"water_source": "unprotected_spring"}, [ADULT], 2023, True),
    ("water", {"water_source": "other"}, [ADULT], 2027, True),
    ("sanitation", {"latrine_type": "ventilated_pit"}, [ADULT], 2023, False),
    ("sanitation", {"latrine_type": "hanging"}, [ADULT], 2023, True),
    ("telecom", {}, [member(uses_internet=False), member(uses_internet=True)], 2023, False),
    ("telecom", {}, [member(uses_internet=False)], 2027, True),
    ("information_devices", {"owns_tv": False}, [ADULT], 2023, True),
    ("information_devices", {"owns_tv": False, "owns_phone": True}, [ADULT], 2023, False),
    ("waste", {"waste_handling": "own_treatment"}, [ADULT], 2027, False),
    ("waste", {"waste_handling": "burned_open"}, [ADULT], 2027, True),
]


@pytest.mark.parametrize(("indicator", "hh", "members", "year", "expected"), CASES)
def test_indicator_edges(indicator, hh, members, year, expected):
    assert dep(hh, members, year, indicator) is expected


def test_periods_have_their_own_indicator_sets():
    h, m = case({"review_year": 2023})
    cols22 = set(classify(h, m).filter(like="dep_").columns)
    h, m = case({"review_year": 2027})
    cols27 = set(classify(h, m).filter(like="dep_").columns)
    assert "dep_information_devices" in cols22 and "dep_waste" not in cols22
    assert "dep_waste" in cols27 and "dep_information_devices" not in cols27
    assert len(cols22) == len(cols27) == 12


def test_waste_blank_is_an_error_only_when_the_standard_uses_it():
    h, m = case({"review_year": 2023, "waste_handling": None})
    assert not classify(h, m)["dep_telecom"].iloc[0]
    h, m = case({"review_year": 2027, "waste_handling": None})
    with pytest.raises(ValueError, match="waste_handling"):
        classify(h, m)
