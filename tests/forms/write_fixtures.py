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

import pandas as pd

from konray_review.forms.build import build_form, write_built
from konray_review.forms.engine import run_cases
from konray_review.forms.fields import form_fields
from tests.forms.cases import all_cases
from tests.forms.conftest import PROFILE, engine_request, normalise_results
from tests.forms.constraint_cases import phieu_a_cases

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
    """A pandas cell as JSON: missing -> None, numpy scalars -> Python, dates -> ISO text."""
    if v is None or (not isinstance(v, list | dict) and pd.isna(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v.item() if hasattr(v, "item") else v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


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
    hh_cols = [f.column for f in fields if f.table == "households"]
    mem_cols = ["household_id", *(f.column for f in fields if f.table == "members")]
    canon = normalise_results(results, tmp / "normalised")
    if not canon.problems.empty:
        raise SystemExit(f"normalising the fixtures found problems:\n{canon.problems}")
    households = _records(canon.households)
    members = _records(canon.members)
    expected = {}
    for c, r, hh in zip(cases, results, households, strict=True):
        name = f"{b.form_id}/{c['id']}.xml"
        (OUT / name).write_text(r["submission"], encoding="utf-8")
        expected[name] = {
            "form_id": b.form_id, "version": b.version,
            "household": {k: hh[k] for k in hh_cols},
            "members": [{k: m[k] for k in mem_cols} for m in members
                        if m["instance_id"] == hh["instance_id"]],
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
