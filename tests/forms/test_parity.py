"""ODK's engine (@getodk/xforms-engine) fills the built forms; the on-device preview must equal
``konray_review.classify`` for the same answers, including every edge case and blanks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from konray_review import classify
from konray_review.forms.fields import NOT_ASKED
from konray_review.standards import standard_for_year
from tests.forms.cases import YEARS
from tests.forms.conftest import PROFILE

pytestmark = pytest.mark.node


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _normalised(year: int, engine_runs, normalised):
    """Cases, engine results, and per case (household row, member rows) as produced by the
    production normaliser (konray_review.sources.normalise via the XML-folder adapter)."""
    cases, results = engine_runs[f"parity-{year}"]
    canon = normalised[year]
    members = _records(canon.members)
    rows = [(hh, [m for m in members if m["instance_id"] == hh["instance_id"]])
            for hh in _records(canon.households)]
    return cases, results, rows


@pytest.mark.parametrize("year", YEARS)
def test_engine_accepts_every_case(year, engine_runs):
    """Valid cases pass every constraint, and only not-asked questions stay unanswered."""
    cases, results = engine_runs[f"parity-{year}"]
    assert len(results) == len(cases)
    for c, r in zip(cases, results, strict=True):
        assert r["rejected"] == [], c["id"]
        assert r["violations"] == [], c["id"]
        skipped = {u.split("/")[-1] for u in r["unanswered"]}
        askable = set(NOT_ASKED["members"]) | set(NOT_ASKED["households"]) | {
            "household_no", "listed_household_id"}  # new vs listed household: one is asked
        assert skipped <= askable, (c["id"], skipped - askable)


def _same(a, b) -> bool:
    a = a.isoformat() if hasattr(a, "isoformat") else a  # a date read back vs the case's text
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or a != a) and (b is None or b != b)
    if isinstance(a, float | int) and isinstance(b, float | int):
        return float(a) == float(b)
    return a == b


@pytest.mark.parametrize("year", YEARS)
def test_round_trip(year, engine_runs, normalised):
    """What the engine stores normalises back to the case's answers (names, codes, numbers),
    and the production normaliser finds no problem: every blank it sees was a question the
    form skipped (its relevance logic agrees with the form's)."""
    assert normalised[year].problems.empty, normalised[year].problems.head(10)
    cases, results, rows = _normalised(year, engine_runs, normalised)
    for c, r, (hh, members) in zip(cases, results, rows, strict=True):
        skipped = set(r["unanswered"])
        for col, want in c["household"].items():
            if col in hh and col not in skipped:
                assert _same(hh[col], want if want is not None else
                             NOT_ASKED["households"].get(col)), (c["id"], col, hh[col], want)
        assert len(members) == len(c["members"])
        for i, (got, want) in enumerate(zip(members, c["members"], strict=True), start=1):
            assert got["member_no"] == i
            for col, value in want.items():
                if f"members[{i}]/{col}" not in skipped and col in got:
                    value = value if value is not None else NOT_ASKED["members"].get(col)
                    assert _same(got[col], value), (c["id"], i, col, got[col], value)


@pytest.mark.parametrize("year", YEARS)
def test_preview_equals_classifier(year, engine_runs, normalised):
    """Flags, count, income test and preliminary category: engine == classifier, every case."""
    cases, results = engine_runs[f"parity-{year}"]
    canon = normalised[year]
    result = classify(canon.households, canon.members, profile=PROFILE)
    order = canon.households["household_id"]
    assert order.is_unique
    result = result.set_index("household_id").loc[order].reset_index()
    standard = standard_for_year(year, PROFILE)
    engine = pd.DataFrame([r["values"] for r in results])
    for ind in standard.indicator_ids:
        got = engine[f"pre_dep_{ind}"].astype(int).to_numpy()
        want = result[f"dep_{ind}"].astype(int).to_numpy()
        bad = np.flatnonzero(got != want)
        assert bad.size == 0, (ind, [cases[i]["id"] for i in bad])
    assert (engine["pre_deprivation_count"].astype(int).to_numpy()
            == result["deprivation_count"].to_numpy()).all()
    assert engine["pre_income_test"].tolist() == result["income_test"].astype(str).tolist()
    want_cat = result["category"].astype(object).where(result["category"].notna(), "").tolist()
    assert engine["pre_category"].tolist() == want_cat
    assert (engine["pre_screened_out"].astype(int).astype(bool).to_numpy()
            == result["screened_out"].to_numpy()).all()


@pytest.mark.parametrize("year", YEARS)
def test_cases_reach_every_outcome(year, engine_runs):
    """The cases are not vacuous: each category, income test and flag value occurs."""
    _, results = engine_runs[f"parity-{year}"]
    engine = pd.DataFrame([r["values"] for r in results])
    assert set(engine["pre_income_test"]) == {"at_or_below_line", "above_line", "unknown"}
    expected = {"poor", "near_poor", "none", ""} | ({"middle"} if year < 2027 else set())
    assert expected <= set(engine["pre_category"])
    for ind in standard_for_year(year, PROFILE).indicator_ids:
        assert set(engine[f"pre_dep_{ind}"]) == {"0", "1"}, ind


def test_phieu_a_screening_matches_classifier(engine_runs):
    """Phiếu A counts the yes answers; 4 or more screens the household out, as classify does."""
    cases, results = engine_runs["phieu_a"]
    counts = [int(r["values"]["screening_signs"]) for r in results]
    assert counts == [c["yes"] for c in cases]
    for r in results:
        assert r["violations"] == [] and r["rejected"] == []
    hh = pd.DataFrame({
        "household_id": [c["id"] for c in cases], "review_year": 2023, "area": "rural",
        "review_reason": "request", "screening_signs": counts, "income_per_capita": 1e6,
        "b1_score": None, "agricultural": True, "has_dwelling": True, "wall_durable": True,
        "column_durable": True, "roof_durable": True, "living_area_m2": 50.0,
        "water_source": "piped", "latrine_type": "septic", "owns_tv": True,
        "owns_radio": False, "owns_computer": False, "owns_smartphone": False, "owns_phone": False,
    })
    from tests.forms.cases import adult
    mem = pd.DataFrame([{**adult(relation="head"), "household_id": c["id"], "member_no": 1}
                        for c in cases])
    result = classify(hh, mem, profile=PROFILE)
    screened = [r["values"]["screened_out"] == "1" for r in results]
    assert screened == result["screened_out"].tolist()
    assert screened == [k >= 4 for k in counts]


#: written by hand from the cases (tests/forms/cases.py): the B1 cases' members are deprived
#: on health insurance, nutrition and telecom (3 indicators), so at or below the cut-off they
#: are poor; one step above it they are none (the middle band needs a direct income, and
#: B1 households give none); the poorest B1 answers are always at or below the cut-off.
B1_OUTCOMES = {
    "2023-rural-b1-140": ("at_or_below_line", "poor"),
    "2023-rural-b1-145": ("above_line", "none"),
    "2023-rural-b1-poorest": ("at_or_below_line", "poor"),
    "2023-urban-b1-175": ("at_or_below_line", "poor"),
    "2023-urban-b1-180": ("above_line", "none"),
    "2023-urban-b1-poorest": ("at_or_below_line", "poor"),
    "2027-rural-b1-150": ("at_or_below_line", "poor"),
    "2027-rural-b1-155": ("above_line", "none"),
    "2027-rural-b1-poorest": ("at_or_below_line", "poor"),
    "2027-urban-b1-180": ("at_or_below_line", "poor"),
    "2027-urban-b1-185": ("above_line", "none"),
    "2027-urban-b1-poorest": ("at_or_below_line", "poor"),
}


def test_b1_score_decides_income_as_written_by_hand(engine_runs):
    """The poorest B1 answers give a poor household, never "undetermined"."""
    got = {}
    for batch in ("parity-2023", "cutoffs-2027"):
        cases, results = engine_runs[batch]
        got.update({c["id"]: (r["values"]["pre_income_test"], r["values"]["pre_category"])
                    for c, r in zip(cases, results, strict=True) if "-b1-" in c["id"]})
    assert got == B1_OUTCOMES


def test_2027_form_without_cutoffs_asks_no_b1(built):
    """NĐ 351/2025 publishes no B1 cut-off: no B1 item, no B1 method, a blank b1_score."""
    b, _ = built[("phieu_b", 2027)]
    names = {r.get("name") for r in b.sheets["survey"]}
    assert not {n for n in names if n and n.startswith("b1_") and n != "b1_score"}
    methods = [c["name"] for c in b.sheets["choices"] if c["list_name"] == "income_method"]
    assert methods == ["direct", "not_assessed"]
    score = next(r for r in b.sheets["survey"] if r.get("name") == "b1_score")
    assert score["calculation"] == "''"
    assert 'ref="/data/income/b1_household_size"' not in b.xform


def test_2027_with_province_cutoffs_asks_b1_and_agrees_with_classifier(
        engine_runs, cutoff_profile, tmp_path):
    """A profile that supplies 2027 cut-offs brings the B1 items back; engine == classify."""
    from tests.forms.conftest import normalise_results

    cases, results = engine_runs["cutoffs-2027"]
    assert any("-b1-" in c["id"] for c in cases)
    for c, r in zip(cases, results, strict=True):
        assert r["rejected"] == [] and r["violations"] == [], c["id"]
        assert not [u for u in r["unanswered"] if u.startswith("b1_")], c["id"]
    canon = normalise_results(results, tmp_path, cutoff_profile)
    assert canon.problems.empty
    result = classify(canon.households, canon.members, profile=cutoff_profile)
    result = result.set_index("household_id").loc[canon.households["household_id"]]
    engine = pd.DataFrame([r["values"] for r in results])
    assert engine["pre_income_test"].tolist() == result["income_test"].astype(str).tolist()
    want = result["category"].astype(object).where(result["category"].notna(), "").tolist()
    assert engine["pre_category"].tolist() == want
