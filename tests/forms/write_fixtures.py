"""Regenerate tests/fixtures/submissions/: submission XML made by ODK's own engine.

    .venv/bin/python -m tests.forms.write_fixtures

For the sources work (normalising Central / KoBo / XML submissions): each XML file is what
the engine submits for a case; ``expected.json`` gives, per file, the canonical household
and member rows it must normalise to (plus the on-device preview). Names are synthetic.
``tests/forms/test_fixtures.py`` fails when the forms change and these are stale.

The answer key never comes from the normaliser it checks. Each expected row is:

- the case's own answers, written by hand in ``tests/forms/cases.py`` (canonical values);
- where the engine reports the question was not relevant (not asked), the meaning the user
  docs give a question that was not asked (``NOT_ASKED_MEANING`` below, copied by hand from
  the table "What blank means" of docs/forms.md, not imported from the code);
- the values the form itself computes (``household_id``, ``area``, ``province``) and the
  preview, recorded from the engine, whose name and version are written into the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from konray_review.forms.build import build_form, write_built
from konray_review.forms.engine import engine_dir, run_cases
from konray_review.forms.fields import form_fields
from tests.forms.cases import all_cases
from tests.forms.conftest import PROFILE, engine_request
from tests.forms.constraint_cases import phieu_a_cases

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
PICK = {
    2023: ["no-dwelling", "dependants-above", "urban-b1-175", "rural-band-True",
           "income-unknown", "request-4", "birth-2008-09-01", "blank-nutrition", "rural-both",
           "random-0", "random-1", "random-2", "random-3"],
    2027: ["unsafe", "income-unknown", "rural-income-2200000", "retire-female-57", "random-0",
           "random-1"],
}
PREVIEW = ("pre_deprivation_count", "pre_income_test", "pre_category", "pre_screened_out")
#: docs/forms.md, "What blank means": the value of a column whose question was not asked
NOT_ASKED_MEANING: dict[str, Any] = {
    "able_to_work": False, "wants_work": False, "employment": "not_in_labour_force",
    "wage_worker": False, "has_labour_contract": False, "education_level": "none",
    "studying": False, "trained_by_employer": False, "school_on_track": None,
    "stunted": None, "underweight": None,
    "wall_durable": False, "column_durable": False, "roof_durable": False,
    "living_area_m2": 0.0, "income_per_capita": None, "b1_score": None,
    "previous_category": None, "screening_signs": None, "waste_handling": None,
}
#: computed by the form, recorded from the engine
FORM_COMPUTED = ("household_id", "area", "province")
#: the key of expected.json that says what the fixtures were recorded with
RECORDED = "_recorded_with"
#: Phiếu A: this many signs or more screen a household out (TT 07/2021 Phụ lục II)
SCREEN_OUT_AT = 4


def engine_version() -> dict[str, str]:
    """The engine the fixtures were recorded with (package.json of the installed engine)."""
    pkg = engine_dir() / "node_modules" / "@getodk" / "xforms-engine" / "package.json"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    return {"engine": f"@getodk/xforms-engine {json.loads(pkg.read_text())['version']}",
            "node": node.stdout.strip(), "harness": "forms/engine/harness.mjs"}


def expected_row(answers: dict[str, Any], columns: list[str], not_relevant: set[str],
                 computed: dict[str, Any]) -> dict[str, Any]:
    """One canonical row as the hand-written case and the form say it must normalise to."""
    row = {}
    for col in columns:
        if col in computed:
            row[col] = computed[col]
        elif col in not_relevant:
            row[col] = NOT_ASKED_MEANING.get(col)
        else:
            row[col] = answers.get(col)
    return row


def expected_case(c: dict[str, Any], r: dict[str, Any], hh_cols: list[str],
                  mem_cols: list[str]) -> dict[str, Any]:
    skipped = set(r["not_relevant"])
    values = r["values"]
    hid = values["household_id"]
    computed = {k: values[k] for k in FORM_COMPUTED}
    household = expected_row(c["household"], hh_cols, skipped, computed)
    members = []
    for i, m in enumerate(c["members"], start=1):
        mine = {n.split("/", 1)[1] for n in skipped if n.startswith(f"members[{i}]/")}
        row = expected_row(m, mem_cols, mine, {"household_id": hid, "member_no": i})
        members.append(row)
    return {"household": household, "members": members,
            "preview": {k: values[k] for k in PREVIEW}}


def write_year(year: int, tmp: Path) -> dict[str, Any]:
    b = build_form("phieu_b", year, PROFILE)
    write_built(b, tmp)
    wanted = {f"{year}-{p}" for p in PICK[year]}
    cases = [c for c in all_cases(year, PROFILE) if c["id"] in wanted]
    assert len(cases) == len(wanted), wanted - {c["id"] for c in cases}
    results = run_cases(tmp / b.file_names()["xml"], tmp,
                        [engine_request(c, submission=True) for c in cases])
    folder = OUT / b.form_id
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp / b.file_names()["xml"], OUT / "forms" / f"{b.form_id}.xml")
    fields = form_fields("phieu_b", year)
    hh_cols = [f.column for f in fields if f.table == "households"]
    mem_cols = ["household_id", *(f.column for f in fields if f.table == "members")]
    expected = {}
    for c, r in zip(cases, results, strict=True):
        if r["rejected"] or r["violations"]:
            raise SystemExit(f"{c['id']}: the engine refused the case: {r['rejected']}"
                             f" {r['violations']}")
        name = f"{b.form_id}/{c['id']}.xml"
        (OUT / name).write_text(r["submission"], encoding="utf-8")
        expected[name] = {"form_id": b.form_id, "version": b.version,
                          **expected_case(c, r, hh_cols, mem_cols)}
    return expected


def write_phieu_a(tmp: Path) -> dict[str, Any]:
    b = build_form("phieu_a", 2023, PROFILE)
    write_built(b, tmp)
    cases = [c for c in phieu_a_cases(PROFILE) if c["yes"] in (2, 4)]
    results = run_cases(tmp / b.file_names()["xml"], tmp, [c["request"] for c in cases])
    (OUT / b.form_id).mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp / b.file_names()["xml"], OUT / "forms" / f"{b.form_id}.xml")
    expected = {}
    for c, r in zip(cases, results, strict=True):
        name = f"{b.form_id}/{c['id']}.xml"
        (OUT / name).write_text(r["submission"], encoding="utf-8")
        expected[name] = {"form_id": b.form_id, "version": b.version,
                          "screening_signs": c["yes"], "screened_out": c["yes"] >= SCREEN_OUT_AT}
    return expected


def main() -> None:
    import tempfile

    if OUT.exists():
        for sub in OUT.iterdir():  # keep README.md
            if sub.is_dir():
                shutil.rmtree(sub)
    (OUT / "forms").mkdir(parents=True, exist_ok=True)
    expected: dict[str, Any] = {RECORDED: {**engine_version(), "answer_key": (
        "case answers of tests/forms/cases.py; not-asked meanings of docs/forms.md; "
        "household_id, area, province and preview recorded from the engine")}}
    with tempfile.TemporaryDirectory() as tmp:
        for year in PICK:
            expected.update(write_year(year, Path(tmp) / str(year)))
        expected.update(write_phieu_a(Path(tmp) / "a"))
        shutil.copy(Path(tmp) / "2023" / "villages.csv", OUT / "forms" / "villages.csv")
    (OUT / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    print(f"wrote {len(expected)} submissions to {OUT}")


if __name__ == "__main__":
    main()
