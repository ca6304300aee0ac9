"""The GX engine never lets an expectation that could not run pass as success."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from konray_review.quality import QualityError, Rule
from konray_review.quality.catalogue import Check
from konray_review.quality.engines import run_gx


def _check(target: str) -> Check:
    rule = Rule(id="HH-999", table="households", title="t", columns=("x",), severity="error",
                message_vi="v", message_en="e", expectation="ExpectColumnValuesToNotBeNull")
    return Check(rule, "x", target, "ExpectColumnValuesToNotBeNull", {})


def test_failing_rows_come_back_and_errors_raise():
    frame = pd.DataFrame({"_row": [0, 1, 2], "x": [1.0, None, 3.0]})
    found = run_gx({"households": frame}, {"households": [_check("x")]})
    assert list(found["row"]) == [1] and list(found["rule_id"]) == ["HH-999"]
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    with pytest.raises(QualityError, match="HH-999"):
        run_gx({"households": frame}, {"households": [_check("not_there")]})


def test_both_gx_layouts_flag_exactly_the_pandas_engines_rows(review):
    """Per-rule expectations (production) and per-field ones find the same rows and fields."""
    from konray_review.quality import load_catalogue
    from konray_review.quality.engines import run_pandas
    from konray_review.quality.validate import prepare

    from .conftest import NOW, YEAR

    prepared, checks = prepare(review.households, review.members, year=YEAR, profile=None,
                               now=NOW, catalogue=load_catalogue())
    key = ["table", "row", "rule_id", "column"]

    def rows(f: pd.DataFrame) -> pd.DataFrame:
        return f[key].sort_values(key).reset_index(drop=True)

    ref = rows(run_pandas(prepared.frames, checks))
    assert len(ref) > 50 and ref["rule_id"].nunique() >= 8  # the review really has defects
    for layout in ("rules", "checks"):
        pd.testing.assert_frame_equal(rows(run_gx(prepared.frames, checks, layout=layout)),
                                      ref, check_dtype=False)


def test_rule_layout_maps_rows_when_row_ids_are_not_positions():
    frame = pd.DataFrame({"_row": [10, 11, 12], "x": [1.0, None, None]})
    found = run_gx({"households": frame}, {"households": [_check("x")]})
    assert sorted(found["row"]) == [11, 12]


def test_great_expectations_is_imported_only_when_a_suite_runs():
    """The CLI, the quality page and the catalogue must not pay GX's import (seconds)."""
    import subprocess
    import sys

    code = ("import sys, konray_review.cli, konray_review.quality, konray_review.pipeline\n"
            "from konray_review.quality import report, datadocs, engines, validate, docs\n"
            "print(sorted(m for m in ('great_expectations', 'altair', 'scipy')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_gx_validation_reports_rows_checked_of_all_rows():
    """How far validation is: when the suites are done, the rows checked of both tables'."""
    from konray_review.progress import use
    from konray_review.quality import validate
    from konray_review.synth import SAMPLE_YEAR, generate
    from tests.flows.test_cli import Recorder

    review = generate(60, seed=4, bad_share=0)
    rec = Recorder()
    with use(rec):
        validate(review.households, review.members, year=SAMPLE_YEAR, engine="gx")
    events = [e for e in rec.events if e[1] == "validate"]
    total = len(review.households) + len(review.members)
    assert events[0] == ("start", "validate", total)
    assert [e[2] for e in events if e[0] == "advance"][-1] == total
    assert events[-1] == ("finish", "validate")
