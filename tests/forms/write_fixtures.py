"""Regenerate tests/fixtures/submissions/: submission XML made by ODK's own engine.

    .venv/bin/python -m tests.forms.write_fixtures

For the sources work (normalising Central / KoBo / XML submissions): each XML file is what
the engine submits for a case; ``expected.json`` gives, per file, the canonical household
and member rows it must normalise to (plus the on-device preview). Names are synthetic.
``tests/forms/test_fixtures.py`` fails when the forms change and these are stale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from konray_review.forms.build import build_form, write_built
from konray_review.forms.engine import run_cases
from konray_review.forms.fields import form_fields
from tests.forms.cases import all_cases
from tests.forms.conftest import PROFILE, engine_request
from tests.forms.constraint_cases import phieu_a_cases
from tests.forms.normalise import normalise

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
PICK = {
    2023: ["no-dwelling", "dependants-above", "urban-b1-175", "rural-band-True",
           "income-unknown", "request-4", "birth-2008-09-01", "blank-nutrition", "rural-both",
           "random-0", "random-1", "random-2", "random-3"],
    2027: ["unsafe", "urban-b1-140", "rural-income-2200000", "retire-female-57", "random-0",
           "random-1"],
}
PREVIEW = ("pre_deprivation_count", "pre_income_test", "pre_category", "pre_screened_out")


def _jsonable(v: Any) -> Any:
    return None if isinstance(v, float) and v != v else v


def write_year(year: int, tmp: Path) -> dict[str, Any]:
    b = build_form("phieu_b", year, PROFILE)
    write_built(b, tmp)
    wanted = {f"{year}-{p}" for p in PICK[year]}
    cases = [c for c in all_cases(year, PROFILE) if c["id"] in wanted]
    results = run_cases(tmp / b.file_names()["xml"], tmp,
                        [engine_request(c, submission=True) for c in cases])
    folder = OUT / b.form_id
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp / b.file_names()["xml"], OUT / "forms" / f"{b.form_id}.xml")
    fields = form_fields("phieu_b", year)
    expected = {}
    for c, r in zip(cases, results, strict=True):
        name = f"{b.form_id}/{c['id']}.xml"
        (OUT / name).write_text(r["submission"], encoding="utf-8")
        hh, members = normalise(r, fields, PROFILE)
        expected[name] = {
            "form_id": b.form_id, "version": b.version,
            "household": {k: _jsonable(v) for k, v in hh.items()},
            "members": [{k: _jsonable(v) for k, v in m.items()} for m in members],
            "preview": {k: r["values"][k] for k in PREVIEW},
        }
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
                          "screening_signs": int(r["values"]["screening_signs"]),
                          "screened_out": r["values"]["screened_out"] == "1"}
    return expected


def main() -> None:
    import tempfile

    if OUT.exists():
        for sub in OUT.iterdir():  # keep README.md
            if sub.is_dir():
                shutil.rmtree(sub)
    (OUT / "forms").mkdir(parents=True, exist_ok=True)
    expected: dict[str, Any] = {}
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
