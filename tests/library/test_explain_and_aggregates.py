"""Explanations read out at the village meeting, and the report aggregates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from konray_review import classify
from konray_review.aggregates import (
    alkire_foster,
    counts_by,
    deprivation_rates,
    district_summary,
    total_row,
    transition_counts,
)
from konray_review.explain import explain_household
from konray_review.profile import load_profile
from konray_review.standards import standard_for_year
from konray_review.synth import generate
from tests.classifier.builders import case, member


@pytest.fixture(scope="module")
def review():
    r = generate(1500, seed=7, bad_share=0)
    return r, classify(r.households, r.members, history=r.history)


def test_explanation_names_income_test_indicators_and_causing_member_lines():
    h, m = case({"income_per_capita": 1_200_000.0, "water_source": "surface"},
                [member(), member(), member(age=10, school_on_track=False, relation="child"),
                 member(age=7, relation="child")])
    out = classify(h, m)
    e = explain_household("h1", h, m, out)
    assert e.category == "near_poor"
    assert "1.200.000" in e.text and "1.500.000" in e.text and "bằng hoặc thấp hơn" in e.text
    assert "Tình trạng đi học của trẻ em: thành viên số 3 (Con, nam, 10 tuổi)" in e.text
    assert "Nguồn nước sinh hoạt" in e.text and "2/12" in e.text
    assert [d["indicator"] for d in e.deprivations] == ["child_schooling", "water"]
    assert e.deprivations[0]["member_no"] == [3]
    en = explain_household("h1", h, m, out, lang="en")
    assert "Child school attendance: member 3 (Child, male, age 10)" in en.text


def test_explanation_keeps_names_out_unless_asked():
    h, m = case({}, [member(name="Nguyễn Văn A", has_health_insurance=False)])
    out = classify(h, m)
    assert "Nguyễn Văn A" not in explain_household("h1", h, m, out).text
    assert "Nguyễn Văn A" in explain_household("h1", h, m, out, show_names=True).text


def test_unknown_income_explained_as_follow_up():
    h, m = case({"income_per_capita": None})
    e = explain_household("h1", h, m, classify(h, m))
    assert e.category is None and "chưa phân loại" in e.text


def test_counts_reconcile_with_the_result(review):
    r, out = review
    c = counts_by(r.households, out, ["commune"])
    assert c["households"].sum() == len(out)
    assert c["poor"].sum() == (out["category"] == "poor").sum()
    total = total_row(c)
    assert total["poor_rate"].iloc[0] == pytest.approx((out["category"] == "poor").mean())
    em = counts_by(r.households, out, ["ethnic_minority"])
    assert em.loc[em["ethnic_minority"], "households"].iloc[0] == (
        r.households["head_ethnicity"] != "01").sum()


def test_deprivation_rates_among_poor(review):
    _, out = review
    std = standard_for_year(2023)
    d = deprivation_rates(out, std).set_index("indicator")
    poor = out[out["category"] == "poor"]
    assert d.loc["water", "rate_poor"] == pytest.approx(poor["dep_water"].mean())
    assert d.loc["employment", "program_project"] == 4


def test_alkire_foster_decomposes_and_contributions_sum_to_one(review):
    r, out = review
    std = standard_for_year(2023)
    whole = alkire_foster(out, std).iloc[0]
    by = alkire_foster(out, std, ["commune"], r.households)
    weighted = (by["M0"] * by["households"]).sum() / by["households"].sum()
    assert weighted == pytest.approx(whole["M0"])
    assert whole["M0"] == pytest.approx(whole["H"] * whole["A"])
    contrib = sum(whole[f"contribution_{i}"] for i in std.indicator_ids)
    assert contrib == pytest.approx(1.0)
    q = (out["deprivation_count"] >= 3).mean()
    assert whole["H"] == pytest.approx(q)


def test_transition_counts_match(review):
    r, out = review
    t = transition_counts(r.households, out).iloc[0]
    assert t["re_poor"] == (out["transition"] == "re_poor").sum() > 0
    assert t["escaped_poverty"] == (out["transition"] == "escaped_poverty").sum()


def test_district_summary_has_the_report_tables(review):
    r, out = review
    s = district_summary(r.households, out, standard=standard_for_year(2023),
                         profile=load_profile(), members=r.members)
    assert {"by_commune", "by_area", "ethnic_minority", "deprivation_rates", "transitions",
            "alkire_foster", "af_contributions", "target_check"} <= set(s)
    tc = s["target_check"].set_index("target")
    assert tc.loc["poor_rate_max", "target_value"] == pytest.approx(0.1028)
    assert tc.loc["poor_rate_max", "met"] == bool(
        (out["category"] == "poor").mean() <= 0.1028)
    assert not np.isnan(tc.loc["under5_stunting_max", "actual"])
    assert isinstance(s["by_village"], pd.DataFrame) and len(s["by_village"]) == 49


def test_screened_out_household_is_explained_by_phieu_a_not_income():
    h, m = case({"review_reason": "request", "screening_signs": 5, "income_per_capita": None})
    out = classify(h, m)
    e = explain_household("h1", h, m, out)
    assert e.category == "none" and "Phiếu A" in e.text and "chưa phân loại" not in e.text


def test_2027_synthetic_review_is_classifiable_without_b1_cut_offs():
    r = generate(800, year=2027, seed=2, bad_share=0)
    out = classify(r.households, r.members)
    assert out["category"].isna().mean() < 0.02
    assert r.households["b1_score"].isna().all()
