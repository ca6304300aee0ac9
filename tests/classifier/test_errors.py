"""Malformed input is rejected with an error naming the household and the column."""

from __future__ import annotations

import pandas as pd
import pytest

from konray_review import classify
from konray_review.classifier import InputError
from tests.classifier.builders import case, cases, member


def error_of(h, m) -> InputError:
    with pytest.raises(InputError) as exc:
        classify(h, m)
    return exc.value


def test_unknown_code_names_household_and_column():
    h, m = cases(case({}), case({"water_source": "river"}))
    e = error_of(h, m)
    assert (e.household_id, e.column) == ("h1", "water_source")
    assert "h1" in str(e) and "water_source" in str(e) and "river" in str(e)


def test_unknown_member_code():
    h, m = case({}, [member(), member(education_level="phd")])
    e = error_of(h, m)
    assert e.problems[0].table == "members" and e.column == "education_level"


def test_member_without_household_is_an_error_not_dropped():
    h, m = case({})
    m = pd.concat([m, m.assign(household_id="ghost", member_no=1)], ignore_index=True)
    e = error_of(h, m)
    assert e.household_id == "ghost" and e.column == "household_id"


def test_duplicate_member_numbers():
    h, m = case({}, [member(member_no=1), member(member_no=1)], renumber=False)
    e = error_of(h, m)
    assert e.column == "member_no" and e.household_id == "h1"


def test_household_without_members():
    h, m = cases(case({}), case({}))
    e = error_of(h, m[m["household_id"] == "h0"])
    assert e.household_id == "h1"


def test_negative_area_and_negative_age():
    e = error_of(*case({"living_area_m2": -3.0}))
    assert e.column == "living_area_m2"
    e = error_of(*case({}, [member(age=-1)]))
    assert e.column == "age"


def test_duplicate_household_ids():
    h, m = cases(case({}), case({}))
    h["household_id"] = "same"
    assert error_of(h, m).column == "household_id"


def test_blank_required_boolean_and_missing_column():
    e = error_of(*case({}, [member(has_health_insurance=None)]))
    assert e.column == "has_health_insurance"
    h, m = case({})
    e = error_of(h.drop(columns=["latrine_type"]), m)
    assert e.column == "latrine_type" and "missing" in str(e)


def test_school_on_track_blank_for_a_school_age_child_is_an_error():
    e = error_of(*case({}, [member(), member(age=10, school_on_track=None)]))
    assert e.column == "school_on_track"


def test_all_problems_are_listed_not_only_the_first():
    h, m = cases(case({"latrine_type": "x"}), case({}), case({"latrine_type": "y"}))
    e = error_of(h, m)
    assert [p.household_id for p in e.problems] == ["h0", "h2"]
    assert set(e.to_frame().columns) >= {"household_id", "table", "column", "problem"}


def test_checks_only_what_it_uses():
    # unit names, ID formats and names are the data-quality suites' business, not ours
    h, m = case({"commune": "Nowhere", "head_id_number": "not-an-id", "head_name": None})
    assert classify(h, m)["category"].iloc[0] == "near_poor"


def test_blank_household_id_names_the_row():
    h, m = cases(case({}), case({}))
    h.loc[1, "household_id"] = None
    e = error_of(h, m)
    assert e.household_id == "<row 1>" and e.column == "household_id"


def test_empty_review_gives_an_empty_result_with_the_output_columns():
    h, m = case({})
    out = classify(h.iloc[:0], m.iloc[:0], year=2027)
    assert len(out) == 0
    assert {"household_id", "category", "transition", "dep_waste"} <= set(out.columns)
    with pytest.raises(InputError):
        classify(h.iloc[:0], m)  # members of no household are still an error


@pytest.mark.parametrize(("numbers", "bad"), [([3, 2, 1], False), ([2, 1, 2], True),
                                              ([1, 2, 2], True), ([1, 3, 2], False)])
def test_member_numbers_in_any_order(numbers, bad):
    h, m = case({}, [member(member_no=n) for n in numbers], renumber=False)
    if bad:
        assert error_of(h, m).column == "member_no"
    else:
        assert classify(h, m)["member_count"].iloc[0] == 3


def test_profile_device_column_missing_is_an_input_error_naming_it():
    """A profile that counts another device (``owns_tablet``) makes that column required:
    households without it get an InputError naming the column, not a bare KeyError."""
    from konray_review.profile import load_profile

    profile = load_profile().model_copy(update={"overrides": {"vn-2022": {"indicators": [
        {"id": "information_devices",
         "params": {"devices": ["owns_tv", "owns_smartphone", "owns_tablet"]}}]}}})
    h, m = case({})
    with pytest.raises(InputError) as exc:
        classify(h, m, year=2024, profile=profile)
    assert "owns_tablet" in str(exc.value)
    # with the column present, the profile's device counts: a tablet alone is not deprived
    h2 = h.assign(owns_tv=False, owns_smartphone=False, owns_tablet=True)
    assert not bool(classify(h2, m, year=2024, profile=profile)["dep_information_devices"].iloc[0])
    assert bool(classify(h2.assign(owns_tablet=False), m, year=2024,
                         profile=profile)["dep_information_devices"].iloc[0])
