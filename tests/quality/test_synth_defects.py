"""The suites catch every labelled bad record of the generator and pass every good one."""

from __future__ import annotations

import pandas as pd

from konray_review import classify
from konray_review.quality import QUARANTINE_COLUMNS, load_catalogue, validate
from konray_review.schema import PII_COLUMNS
from konray_review.synth import DEFECT_KINDS

from .conftest import NOW, YEAR


def test_fixture_has_every_defect_kind(review):
    assert set(review.defects["defect"]) == set(DEFECT_KINDS)


def test_every_bad_household_is_quarantined_with_a_rule_on_its_column(review, gx_result):
    found = gx_result.quarantine[["household_id", "column"]].drop_duplicates()
    hit = review.defects.merge(found, on=["household_id", "column"], how="left", indicator=True)
    missed = hit[hit["_merge"] == "left_only"]
    assert missed.empty, f"defects not caught on their column:\n{missed}"


def test_no_good_household_is_quarantined(review, gx_result):
    extra = set(gx_result.quarantined_households["household_id"]) - set(
        review.defects["household_id"])
    assert not extra, f"good households quarantined: {sorted(extra)[:10]}"
    assert gx_result.warnings.empty


def test_counts_reconcile(review, gx_result):
    s = gx_result.summary
    assert s["received"] == len(review.households) == s["accepted"] + s["quarantined"]
    assert s["members_received"] == len(review.members)
    assert s["members_received"] == s["members_accepted"] + s["members_quarantined"]
    by = gx_result.counts_by("commune")
    assert (by["received"] == by["accepted"] + by["quarantined"]).all()
    assert by["received"].sum() == len(review.households)


def test_quarantined_households_keep_all_their_members(gx_result):
    q_ids = set(gx_result.quarantined_households["household_id"])
    assert set(gx_result.quarantined_members["household_id"]) <= q_ids
    assert not set(gx_result.accepted_members["household_id"]) & q_ids
    accepted = set(gx_result.accepted_households["household_id"])
    assert set(gx_result.accepted_members["household_id"]) == accepted


def test_every_quarantined_household_has_a_reason(gx_result):
    q = gx_result.quarantine
    assert list(q.columns) == QUARANTINE_COLUMNS
    per_submission = set(q["instance_id"])
    assert set(gx_result.quarantined_households["instance_id"]) == per_submission
    ids = {r.id for r in load_catalogue().rules}
    assert set(q["rule_id"]) <= ids
    assert q["message_vi"].str.len().min() > 0 and q["message_en"].str.len().min() > 0
    assert not PII_COLUMNS & set(q.columns)
    assert not q.duplicated(["instance_id", "rule_id", "column"]).any()


def test_accepted_data_classifies(gx_result):
    out = classify(gx_result.accepted_households, gx_result.accepted_members, year=YEAR)
    assert len(out) == len(gx_result.accepted_households)
    assert out["member_count"].sum() == len(gx_result.accepted_members)


def test_data_docs_are_written_without_personal_data(review, gx_result, docs_dir):
    assert gx_result.docs_path == docs_dir / "index.html"
    assert gx_result.docs_path.exists()
    pages = [p.read_text(encoding="utf-8") for p in docs_dir.rglob("*.html")]
    text = "\n".join(pages)
    assert "HH-013" in text and "MB-005" in text
    for name in review.members["name"].head(50):
        assert name not in text


def test_gx_and_pandas_engines_find_the_same_failures(review, gx_result):
    by_pandas = validate(review.households, review.members, year=YEAR, engine="pandas", now=NOW)
    key = ["table", "row", "rule_id", "column"]

    def rows(df: pd.DataFrame) -> pd.DataFrame:
        return df[key].sort_values(key).reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(gx_result.failures), rows(by_pandas.failures))
