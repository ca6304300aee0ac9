"""JavaRosa, the engine of ODK Collect (from ODK_Validate.jar of the pyxform wheel), fills the
built forms with the same cases as the Web Forms parity: its preview must equal
``konray_review.classify``, and agree with the Web Forms engine on every calculated value.
Then enumerator-style edits: a member deleted mid-roster, an age corrected after the labour
questions, an answer refused by a constraint."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from konray_review import classify
from konray_review.forms.fields import NOT_ASKED
from konray_review.standards import standard_for_year
from tests.forms.conftest import PROFILE, normalise_results

pytestmark = [pytest.mark.java, pytest.mark.node]
PARITY = ("parity-2023", "parity-2027", "cutoffs-2027")
#: values that differ by design between two fillings (clock, device, random instance id)
VOLATILE = {"start", "end", "today", "deviceid", "username", "instanceID", "instanceName"}


def _classified(results: list[dict], folder: Path, profile=PROFILE) -> pd.DataFrame:
    canon = normalise_results(results, folder, profile)
    assert canon.problems.empty, canon.problems.head(10)
    result = classify(canon.households, canon.members, profile=profile)
    return result.set_index("household_id").loc[canon.households["household_id"]].reset_index()


def _preview_mismatches(results: list[dict], result: pd.DataFrame, standard) -> list[str]:
    engine = pd.DataFrame([r["values"] for r in results])
    bad = []
    for ind in standard.indicator_ids:
        got = engine[f"pre_dep_{ind}"].astype(int).tolist()
        want = result[f"dep_{ind}"].astype(int).tolist()
        bad += [f"{results[i]['id']}: {ind}" for i, (g, w) in enumerate(zip(got, want,
                                                                         strict=True)) if g != w]
    if engine["pre_deprivation_count"].astype(int).tolist() != \
            result["deprivation_count"].astype(int).tolist():
        bad.append("deprivation_count")
    if engine["pre_income_test"].tolist() != result["income_test"].astype(str).tolist():
        bad.append("income_test")
    cat = result["category"].astype(object).where(result["category"].notna(), "").tolist()
    if engine["pre_category"].tolist() != cat:
        bad.append("category")
    if engine["pre_screened_out"].astype(int).astype(bool).tolist() != \
            result["screened_out"].tolist():
        bad.append("screened_out")
    return bad


@pytest.mark.parametrize("batch", PARITY)
def test_javarosa_accepts_every_case(batch, javarosa_runs):
    """Every valid case passes Collect's finalise check; only not-asked questions stay
    unanswered."""
    cases, results = javarosa_runs[batch]
    askable = set(NOT_ASKED["members"]) | set(NOT_ASKED["households"]) | {
        "household_no", "listed_household_id"}
    for c, r in zip(cases, results, strict=True):
        assert r["rejected"] == [] and r["violations"] == [], (c["id"], r["rejected"],
                                                               r["violations"])
        skipped = {u.split("/")[-1] for u in r["unanswered"]}
        assert skipped <= askable, (c["id"], skipped - askable)


@pytest.mark.parametrize("batch", PARITY)
def test_javarosa_preview_equals_classifier(batch, javarosa_runs, tmp_path, cutoff_profile):
    """Collect's submission, normalised by the production code and classified, gives the
    same flags, count, income test and category as the form showed on the phone."""
    _, results = javarosa_runs[batch]
    profile = cutoff_profile if batch.startswith("cutoffs") else PROFILE
    result = _classified(results, tmp_path, profile)
    standard = standard_for_year(2023 if batch.endswith("2023") else 2027, profile)
    assert _preview_mismatches(results, result, standard) == []


@pytest.mark.parametrize("batch", PARITY)
def test_javarosa_agrees_with_web_forms_on_every_value(batch, javarosa_runs, engine_runs):
    """Both ODK engines compute the same value for every field of every case (roster too),
    and find the same questions not relevant."""
    cases, jr = javarosa_runs[batch]
    _, wf = engine_runs[batch]
    for c, a, b in zip(cases, jr, wf, strict=True):
        diff = {k: (a["values"].get(k), v) for k, v in b["values"].items()
                if k not in VOLATILE and a["values"].get(k) != v}
        assert diff == {}, (c["id"], diff)
        assert a["repeats"]["members"] == b["repeats"]["members"], c["id"]
        # the Web Forms harness does not read notes; JavaRosa does (see the next test)
        fields = set(b["values"]) | {f"members[{i}]/{k}" for i, line in
                                     enumerate(b["repeats"]["members"], 1) for k in line}
        assert set(a["not_relevant"]) & fields == set(b["not_relevant"]) & fields, c["id"]


def test_b1_warning_shows_on_the_summary_exactly_when_b1_decided(javarosa_runs):
    """On Collect's engine the summary's B1 warning is shown (relevant) for the households
    whose income test the B1 score decided (no direct income, B1 answered), and only then;
    the area's cut-off warning only in that area."""
    cases, results = javarosa_runs["parity-2023"]
    for c, r in zip(cases, results, strict=True):
        hidden = set(r["not_relevant"])
        by_b1 = bool(c["b1"]) and c["household"]["income_per_capita"] is None
        assert ("warn_summary_b1_table" not in hidden) is by_b1, c["id"]
        area = r["values"]["area"]
        assert ("warn_summary_b1_cutoff_urban" not in hidden) is (by_b1 and area == "urban")
        uses_b1 = bool(c["b1"])
        assert ("warn_b1_b1_table" not in hidden) is uses_b1, c["id"]
    assert any(c["b1"] and c["household"]["income_per_capita"] is None for c in cases)


def _edit(javarosa_runs, name: str) -> dict:
    cases, results = javarosa_runs["edits"]
    return results[[c["id"] for c in cases].index(name)]


def test_member_deleted_mid_roster(javarosa_runs, tmp_path):
    """Four members (two adults, a child of 4, an elder of 70): 2 of 4 dependants is not more
    than half. Deleting the second adult leaves 2 of 3: deprived. The lines renumber."""
    r = _edit(javarosa_runs, "edit-delete-member")
    assert r["rejected"] == [] and r["violations"] == []
    assert r["values"]["member_count"] == "3" and r["values"]["pre_dep_dependants"] == "1"
    assert [m["member_no"] for m in r["repeats"]["members"]] == ["1", "2", "3"]
    assert [m["age"] for m in r["repeats"]["members"]] == ["35", "4", "70"]
    canon = normalise_results([r], tmp_path)
    assert canon.members["age"].tolist() == [35, 4, 70]
    assert canon.members["name"].str.endswith(("-1", "-3", "-4")).all()
    result = classify(canon.households, canon.members, profile=PROFILE)
    assert bool(result["dep_dependants"].iloc[0]) is True


def test_age_corrected_after_the_labour_questions(javarosa_runs, tmp_path):
    """A man of 59 answered jobless (able, wants work): employment-deprived. His age is then
    corrected to 70: past retirement age, the labour answers are no longer asked, so neither
    the preview nor the submission keeps them; he is no longer employment-deprived."""
    r = _edit(javarosa_runs, "edit-age-to-70")
    assert r["rejected"] == [] and r["violations"] == []
    assert r["values"]["pre_dep_employment"] == "0"
    assert {"members[2]/able_to_work", "members[2]/wants_work",
            "members[2]/employment"} <= set(r["not_relevant"])
    line = r["submission"].split("<members>")[2]
    assert "<employment>" not in line and "<age_reported>70</age_reported>" in line
    canon = normalise_results([r], tmp_path)
    second = canon.members.iloc[1]
    assert second["employment"] == "not_in_labour_force" and not second["able_to_work"]
    assert bool(classify(canon.households, canon.members, profile=PROFILE)[
        "dep_employment"].iloc[0]) is False


def test_age_corrected_into_working_age_needs_the_labour_answers(javarosa_runs, tmp_path):
    """A child of 6 corrected to 20: Collect will not finalise until the now-asked labour
    questions are answered; once they are (jobless, able, wants work) she is deprived."""
    open_form = _edit(javarosa_runs, "edit-age-to-20-unanswered")
    assert open_form["violations"] == [{"ref": "/data/members[2]/able_to_work",
                                        "condition": "required", "message": None}]
    done = _edit(javarosa_runs, "edit-age-to-20-answered")
    assert done["violations"] == [] and done["rejected"] == []
    assert done["values"]["pre_dep_employment"] == "1"
    result = classify(*_tables(done, tmp_path), profile=PROFILE)
    assert bool(result["dep_employment"].iloc[0]) is True


def _tables(r: dict, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    canon = normalise_results([r], folder)
    return canon.households, canon.members


def test_answer_refused_by_a_constraint_is_not_kept(javarosa_runs):
    """Unlike the Web Forms engine, JavaRosa refuses an answer that breaks a constraint:
    the earlier 16 m² stays, and the refusal carries the form's own message."""
    r = _edit(javarosa_runs, "edit-negative-area")
    assert float(r["values"]["living_area_m2"]) == 16.0
    assert [(x["name"], x["value"], x["condition"]) for x in r["rejected"]] == [
        ("living_area_m2", -5, "constraint")]
    assert r["rejected"][0]["message"] == "Diện tích phải lớn hơn 0 m² (và không quá 5.000 m²)."


def test_edits_keep_preview_and_classifier_equal(javarosa_runs, tmp_path):
    """After every completed edit, the phone's preview still equals the classifier."""
    _, results = javarosa_runs["edits"]
    done = [r for r in results if not r["violations"]]
    assert len(done) == len(results) - 1  # only the unanswered-labour case stays open
    result = _classified(done, tmp_path)
    assert _preview_mismatches(done, result, standard_for_year(2023, PROFILE)) == []


def test_one_parse_per_batch_gives_the_same_results_as_one_per_case(
        javarosa_runs, engine_batches, tmp_path):
    """The harness parses the form once and starts each case from a fresh copy of the
    instance; parsing it again for every case changes nothing (no state leaks between
    cases), shown on the first cases of the batch."""
    from konray_review.forms.javarosa import run_cases

    b, folder, _, requests = engine_batches["parity-2023"]
    _, results = javarosa_runs["parity-2023"]
    again = run_cases(folder / b.file_names()["xml"], folder, requests[:4], reparse=True,
                      build_dir=tmp_path / "build")

    def stable(r: dict) -> tuple:
        values = {k: v for k, v in r["values"].items() if k not in VOLATILE}
        return values, r["repeats"], r["not_relevant"], r["rejected"], r["violations"]

    assert [stable(r) for r in again] == [stable(r) for r in results[:4]]
