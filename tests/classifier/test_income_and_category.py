"""Income test, categories, the middle band, screening and transitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from konray_review import classify
from tests.classifier.builders import case, cases, member

POOR3 = {"water_source": "surface", "latrine_type": "none", "owns_tv": False}  # 3 deprivations


def one(hh=None, members=None, **kw):
    h, m = case(hh, members)
    return classify(h, m, **kw).iloc[0]


@pytest.mark.parametrize(("year", "area", "line"), [
    (2023, "rural", 1_500_000), (2023, "urban", 2_000_000), (2026, "urban", 2_000_000),
    (2027, "rural", 2_200_000), (2030, "urban", 2_800_000)])
def test_income_exactly_on_the_line_is_at_or_below(year, area, line):
    hh = dict(POOR3, review_year=year, area=area, waste_handling="none")
    on = one(dict(hh, income_per_capita=float(line)))
    above = one(dict(hh, income_per_capita=float(line + 1)))
    assert on["income_test"] == "at_or_below_line" and on["category"] == "poor"
    assert above["income_test"] == "above_line" and above["category"] in ("middle", "none")


def test_near_poor_has_fewer_than_three_deprivations_zero_included():
    r = one({"income_per_capita": 900_000.0})
    assert r["deprivation_count"] == 0 and r["category"] == "near_poor"
    r = one({"income_per_capita": 900_000.0, "water_source": "surface", "owns_tv": False})
    assert r["deprivation_count"] == 2 and r["category"] == "near_poor"


def test_above_the_line_is_never_poor_however_deprived():
    r = one(dict(POOR3, income_per_capita=5_000_000.0, latrine_type="hanging"))
    assert r["deprivation_count"] >= 3 and r["category"] == "none"


@pytest.mark.parametrize(("income", "agricultural", "expected"), [
    (1_500_001.0, True, "middle"), (2_250_000.0, True, "middle"), (2_250_001.0, True, "none"),
    (1_800_000.0, False, "none")])
def test_middle_band_only_for_agricultural_households(income, agricultural, expected):
    assert one({"income_per_capita": income, "agricultural": agricultural})["category"] == expected


def test_b1_path_uses_the_area_cut_off_and_b1_above_is_none_not_middle():
    base = {"income_per_capita": None, "area": "urban"}
    assert one(dict(base, b1_score=175.0))["income_test"] == "at_or_below_line"
    r = one(dict(base, b1_score=176.0))
    assert r["income_test"] == "above_line" and r["category"] == "none"
    assert r["income_basis"] == "b1"
    assert one(dict(base, area="rural", b1_score=141.0))["income_test"] == "above_line"


def test_direct_income_wins_over_b1():
    r = one({"income_per_capita": 3_000_000.0, "b1_score": 10.0})
    assert r["income_test"] == "above_line" and r["income_basis"] == "income"


def test_unknown_income_gives_null_category_never_a_guess():
    r = one({"income_per_capita": None, "b1_score": None})
    assert r["income_test"] == "unknown" and pd.isna(r["category"]) and pd.isna(r["transition"])


def test_2027_has_no_b1_cut_off_so_b1_only_is_unknown():
    r = one({"review_year": 2027, "income_per_capita": None, "b1_score": 50.0})
    assert r["income_test"] == "unknown" and pd.isna(r["category"])


def test_2027_has_no_middle_band():
    r = one({"review_year": 2027, "income_per_capita": 2_300_000.0})
    assert r["category"] == "none"


def test_screened_out_request_is_none():
    r = one({"review_reason": "request", "screening_signs": 4, "income_per_capita": 500_000.0})
    assert r["screened_out"] and r["category"] == "none"
    r = one({"review_reason": "request", "screening_signs": 3, "income_per_capita": 500_000.0})
    assert not r["screened_out"] and r["category"] == "near_poor"


TRANSITIONS = [
    ("poor", POOR3, "stayed_poor"), ("poor", {}, "poor_to_near_poor"),
    ("poor", {"income_per_capita": 9e6}, "escaped_poverty"),
    ("near_poor", POOR3, "near_poor_to_poor"), ("near_poor", {}, "stayed_near_poor"),
    ("near_poor", {"income_per_capita": 9e6}, "escaped_near_poverty"),
    (None, POOR3, "newly_poor"), ("middle", POOR3, "newly_poor"), ("none", {}, "newly_near_poor"),
    ("none", {"income_per_capita": 9e6}, None), (None, {"income_per_capita": 1.8e6}, None),
]


@pytest.mark.parametrize(("previous", "changes", "expected"), TRANSITIONS)
def test_transitions(previous, changes, expected):
    r = one(dict(changes, previous_category=previous))
    assert (None if pd.isna(r["transition"]) else r["transition"]) == expected


def test_re_poor_needs_poverty_in_an_earlier_year_on_record():
    h, m = cases(case(dict(POOR3, previous_category="none")),
                 case(dict(POOR3, previous_category="none")))
    history = pd.DataFrame({"household_id": ["h0", "h1"], "review_year": [2021, 2021],
                            "category": ["poor", "near_poor"]})
    out = classify(h, m, history=history)
    assert out["transition"].tolist() == ["re_poor", "newly_poor"]


def test_history_fills_a_missing_previous_category_from_last_year():
    h, m = case(dict(POOR3, previous_category=None))
    history = pd.DataFrame({"household_id": ["h1"], "review_year": [2022], "category": ["poor"]})
    assert classify(h, m, history=history)["transition"].iloc[0] == "stayed_poor"


def test_year_argument_overrides_review_year_and_picks_the_standard():
    h, m = case({"review_year": 2023, "income_per_capita": 2_100_000.0})
    assert classify(h, m)["category"].iloc[0] == "middle"
    out = classify(h, m, year=2028)
    assert out["standard"].iloc[0] == "vn-2027" and out["category"].iloc[0] == "near_poor"


def test_mixed_years_in_one_table_keep_input_order_and_index():
    h, m = cases(case({"review_year": 2027, "waste_handling": "none"}), case({"review_year": 2023}),
                 case({"review_year": 2027}))
    h.index = [10, 20, 30]
    out = classify(h, m)
    assert out.index.tolist() == [10, 20, 30]
    assert out["standard"].astype(str).tolist() == ["vn-2027", "vn-2022", "vn-2027"]
    assert out["dep_waste"].tolist()[0] is True or out["dep_waste"].tolist()[0] == np.True_
    assert pd.isna(out["dep_information_devices"].iloc[0])


def test_profile_override_supplies_2027_b1_cut_offs(tmp_path):
    import shutil

    import yaml

    from konray_review.profile import load_profile, profiles_dir

    src = profiles_dir() / "kon-ray"
    dst = tmp_path / "prov"
    shutil.copytree(src, dst)
    raw = yaml.safe_load((dst / "profile.yaml").read_text(encoding="utf-8"))
    raw["id"] = "prov-test"
    raw["overrides"] = {"vn-2027": {"b1_cutoff": {
        "rural": {"value": 150, "source": "test", "status": "confirmed"}}}}
    (dst / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    profile = load_profile(dst)
    h, m = case({"review_year": 2027, "income_per_capita": None, "b1_score": 150.0})
    assert classify(h, m, profile=profile)["income_test"].iloc[0] == "at_or_below_line"
    assert classify(h, m)["income_test"].iloc[0] == "unknown"


def test_member_lines_feed_only_their_own_household():
    h, m = cases(case({}, [member(age=6, has_health_insurance=False), member()]), case({}))
    out = classify(h, m)
    assert out["dep_health_insurance"].tolist() == [True, False]
    assert out["member_count"].tolist() == [2, 1]


def test_mixed_years_keep_typed_columns():
    h, m = cases(case({"review_year": 2026}), case({"review_year": 2027}))
    out = classify(h, m)
    assert isinstance(out["standard"].dtype, pd.CategoricalDtype)
    assert str(out["dep_information_devices"].dtype) == "boolean"
    assert pd.isna(out["dep_information_devices"].iloc[1])


def test_no_dwelling_means_no_living_area_whatever_was_typed():
    r = one({"has_dwelling": False, "wall_durable": None, "column_durable": None,
             "roof_durable": None, "living_area_m2": 40.0})
    assert r["dep_housing_area"] and r["dep_housing_quality"]
