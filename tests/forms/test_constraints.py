"""The engine rejects invalid answers with the form's own Vietnamese message."""

from __future__ import annotations

import pytest

from konray_review.forms.build import form_params
from konray_review.forms.household_list import listed_household_rows
from konray_review.forms.source import default_source_dir, fill, read_yaml
from konray_review.standards import standard_for_year
from tests.forms.conftest import PROFILE

pytestmark = pytest.mark.node


def _messages() -> dict[str, str]:
    """Vietnamese constraint messages as written in the form source (the intended text),
    with its ``{{name}}`` placeholders filled (the Phiếu A sign count)."""
    src = default_source_dir()
    rows = [*read_yaml(src / "phieu_b" / "survey.yaml"),
            *read_yaml(src / "common" / "identification.yaml"),
            *listed_household_rows(False)]  # made by the builder when there is no list
    params = form_params(2023, standard_for_year(2023, PROFILE), PROFILE)
    return {r["name"]: fill(r["constraint_message"]["vi"], params, r["name"]) for r in rows
            if isinstance(r, dict) and "constraint_message" in r}


def _problems(result: dict) -> dict[str, str | None]:
    """{field name: message} of every rejected answer and every violation left in the form."""
    out = {r["name"].split("/")[-1]: r["message"] for r in result["rejected"]}
    for v in result["violations"]:
        if v["condition"] == "constraint":
            out.setdefault(v["ref"].split("/")[-1].split("[")[0], v["message"])
    return out


def test_valid_household_has_no_problem(engine_runs):
    cases, results = engine_runs["constraints"]
    valid = results[[c["id"] for c in cases].index("valid")]
    assert _problems(valid) == {} and valid["violations"] == []


@pytest.mark.parametrize("case_id", [
    "negative-area", "zero-area", "two-heads", "age-130", "age-negative", "birth-future",
    "interview-future", "roster-mismatch", "no-head", "signs-10", "income-negative", "id-short",
    "listed-code-bad",
])
def test_invalid_answer_rejected_with_message(engine_runs, case_id):
    cases, results = engine_runs["constraints"]
    i = [c["id"] for c in cases].index(case_id)
    field = cases[i]["field"]
    problems = _problems(results[i])
    assert field in problems, (case_id, problems)
    assert problems[field] == _messages()[field]
    assert problems[field] and problems[field][0].isupper()  # a real sentence, in Vietnamese
