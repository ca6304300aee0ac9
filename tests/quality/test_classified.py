"""The classified-output suite: consistent results pass, tampered results are caught."""

from __future__ import annotations

import pandas as pd
import pytest

from konray_review import classify
from konray_review.quality import validate_classified

from .conftest import YEAR


@pytest.fixture(scope="module")
def classified(gx_result):
    hh = gx_result.accepted_households
    return hh, classify(hh, gx_result.accepted_members, year=YEAR)


def test_classifier_output_passes_with_gx(classified, tmp_path):
    hh, out = classified
    check = validate_classified(out, hh, docs_dir=tmp_path)
    assert check.ok and check.failures.empty
    assert (tmp_path / "index.html").exists()


def test_tampered_counts_and_categories_are_caught(classified):
    hh, out = classified
    bad = out.copy()
    bad.loc[bad.index[0], "deprivation_count"] += 1
    above = bad.index[bad["income_test"] == "above_line"][0]
    bad.loc[above, "category"] = "poor"
    check = validate_classified(bad, hh, engine="pandas")
    assert not check.ok
    got = set(zip(check.errors["household_id"], check.errors["rule_id"], strict=True))
    assert (bad.loc[bad.index[0], "household_id"], "CL-005") in got
    assert (bad.loc[above, "household_id"], "CL-006") in got


def test_enumerator_with_no_deprivation_anywhere_is_a_warning(classified):
    hh, out = classified
    enum = hh.set_index("household_id")["enumerator"]
    who = enum.value_counts().index[0]
    mine = out["household_id"].map(enum) == who
    assert mine.sum() >= 30
    bad = out.copy()
    dep = [c for c in bad.columns if c.startswith("dep_")]
    bad.loc[mine, dep] = False
    bad.loc[mine, "deprivation_count"] = 0
    check = validate_classified(bad, hh, engine="pandas")
    assert check.ok  # a warning, not an error
    assert set(check.warnings["rule_id"]) == {"CL-008"}
    assert set(check.warnings["household_id"]) == set(out.loc[mine, "household_id"])
    # without the households the rule has no enumerator to look at
    assert validate_classified(bad, engine="pandas").failures.empty


def test_duplicate_result_rows(classified):
    _, out = classified
    bad = pd.concat([out, out.iloc[[0]]], ignore_index=True)
    check = validate_classified(bad, engine="pandas")
    assert set(check.errors["rule_id"]) == {"CL-002"}
