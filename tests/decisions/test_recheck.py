"""The re-check re-runs the classifier on corrected answers; bad corrections are named."""

from __future__ import annotations

import pytest

from konray_review.decisions import DecisionError
from konray_review.decisions.recheck import parse_corrections, reclassify
from konray_review.profile import load_profile
from tests.decisions.conftest import YEAR


@pytest.mark.parametrize(("raw", "household", "members"), [
    ({"income_per_capita": "1.800.000"}, {"income_per_capita": 1_800_000.0}, {}),
    ({"income_per_capita": "1800000,5"}, {"income_per_capita": 1_800_000.5}, {}),
    ({"owns_tv": "có", "roof_durable": "không"}, {"owns_tv": True, "roof_durable": False}, {}),
    ({"water_source": "piped"}, {"water_source": "piped"}, {}),
    ({"3.has_health_insurance": "yes"}, {}, {3: {"has_health_insurance": True}}),
])
def test_corrections_are_parsed_by_the_data_model(raw, household, members) -> None:
    assert parse_corrections(raw) == (household, members)


@pytest.mark.parametrize(("raw", "message"), [
    ({"head_name": "X"}, "không sửa được"),
    ({"nonsense": "1"}, "không có câu trả lời này"),
    ({"owns_tv": "maybe"}, "cần «có» hoặc «không»"),
    ({"water_source": "river"}, "mã không hợp lệ"),
    ({"living_area_m2": "rộng"}, "cần một số"),
    ({"x.age": "3"}, "số thứ tự thành viên không hợp lệ"),
])
def test_bad_corrections_name_the_field(raw, message) -> None:
    with pytest.raises(DecisionError, match=message):
        parse_corrections(raw)


def test_a_corrected_income_changes_the_category(review) -> None:
    result = review.result
    poor = result[result["category"] == "poor"]["household_id"].iloc[0]
    hh = review.households[review.households["household_id"] == poor]
    mem = review.members[review.members["household_id"] == poor]
    same = reclassify(hh, mem, {}, year=YEAR, profile=load_profile(), history=None)
    assert same.category == "poor"
    above = reclassify(hh, mem, {"income_per_capita": "9.000.000", "agricultural": "không"},
                       year=YEAR, profile=load_profile(), history=None)
    assert above.category == "none" and above.income_test == "above_line"
    assert above.corrections == {"income_per_capita": "9.000.000", "agricultural": "không"}


def test_a_member_that_does_not_exist_needs_a_resurvey(review) -> None:
    hid = review.households["household_id"].iloc[0]
    hh = review.households[review.households["household_id"] == hid]
    mem = review.members[review.members["household_id"] == hid]
    with pytest.raises(DecisionError, match="khảo sát lại"):
        reclassify(hh, mem, {"99.uses_internet": "có"}, year=YEAR, profile=load_profile(),
                   history=None)
