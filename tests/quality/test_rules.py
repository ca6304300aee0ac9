"""Each rule on hand-corrupted records: the right rule id and field, and nothing else held."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from konray_review.quality import QualityError, validate
from konray_review.synth import generate

from .conftest import NOW, YEAR


def run(hh: pd.DataFrame, mem: pd.DataFrame, year: int = YEAR, **kw):
    return validate(hh, mem, year=year, engine="pandas", now=kw.pop("now", NOW), **kw)


def corrupt(clean, table: str, column: str, value, member_no: int = 1):
    """Copy of the clean review with one cell changed; returns (hh, mem, household_id)."""
    hh, mem = clean.households.copy(), clean.members.copy()
    hid = hh["household_id"].iloc[3]
    if table == "households":
        hh[column] = hh[column].astype(object)
        hh.loc[hh["household_id"] == hid, column] = value
    else:
        mem[column] = mem[column].astype(object)
        row = (mem["household_id"] == hid) & (mem["member_no"] == member_no)
        mem.loc[row, column] = value
    return hh, mem, hid


def test_clean_review_is_all_accepted(clean):
    r = run(clean.households, clean.members)
    assert r.summary["quarantined"] == 0 and r.quarantine.empty
    assert len(r.accepted_members) == len(clean.members)


CASES = [
    ("households", "village", "", "HH-001"),
    ("households", "village", "   ", "HH-001"),
    ("households", "village", "Thôn không có thật", "HH-018"),
    ("households", "commune", "Xã Không Có", "HH-017"),
    ("households", "water_source", "xyz", "HH-003"),
    ("households", "agricultural", "có", "HH-004"),
    ("households", "screening_signs", 12, "HH-009"),
    ("households", "income_per_capita", -5.0, "HH-008"),
    ("households", "living_area_m2", "abc", "HH-005"),
    ("households", "living_area_m2", -1.0, "HH-007"),
    ("households", "review_year", YEAR - 1, "HH-006"),
    ("households", "submitted_at", pd.Timestamp(f"{YEAR}-07-01", tz="UTC"), "HH-015"),
    ("households", "submitted_at", "không phải ngày", "HH-014"),
    ("households", "household_size", 99, "HH-012"),
    ("households", "enumerator", None, "HH-001"),
    ("members", "age", 130, "MB-005"),
    ("members", "age", -1, "MB-005"),
    ("members", "age", "ba mươi", "MB-004"),
    ("members", "member_no", 0, "MB-006"),
    ("members", "member_no", 1.5, "MB-006"),
    ("members", "sex", "m", "MB-002"),
    ("members", "relation", "spouse", "HH-013"),
    ("members", "able_to_work", None, "MB-001"),
    ("members", "uses_internet", "yes", "MB-003"),
    ("members", "stunted", "", "MB-003"),  # "" where blank is allowed is a wrong value
    ("households", "previous_category", "", "HH-003"),
    ("members", "birth_date", dt.date(2030, 1, 1), "MB-013"),
]


@pytest.mark.parametrize(("table", "column", "value", "rule_id"), CASES)
def test_one_bad_cell_quarantines_its_household(clean, table, column, value, rule_id):
    hh, mem, hid = corrupt(clean, table, column, value)
    r = run(hh, mem)
    assert set(r.quarantined_households["household_id"]) == {hid}
    hits = r.quarantine[r.quarantine["rule_id"] == rule_id]
    assert set(hits["household_id"]) == {hid}
    assert column in set(hits["column"])
    # a value that cannot be read is not also reported as blank
    if rule_id in ("HH-005", "MB-004", "HH-014"):
        assert not r.quarantine["rule_id"].isin(["HH-001", "MB-001"]).any()


def test_unreadable_number_is_one_message(clean):
    hh, mem, hid = corrupt(clean, "households", "living_area_m2", "abc")
    row = hh["household_id"] == hid
    hh.loc[row, ["has_dwelling", "wall_durable", "column_durable", "roof_durable"]] = True
    r = run(hh, mem)
    assert list(r.quarantine["rule_id"]) == ["HH-005"]


def test_dwelling_details_required_only_with_a_dwelling(clean):
    hh, mem, hid = corrupt(clean, "households", "wall_durable", None)
    hh.loc[hh["household_id"] == hid, "has_dwelling"] = True
    assert set(run(hh, mem).quarantine["rule_id"]) == {"HH-002"}
    hh.loc[hh["household_id"] == hid, ["has_dwelling", "wall_durable", "column_durable",
                                       "roof_durable", "living_area_m2"]] = [False] + [None] * 4
    assert run(hh, mem).quarantine.empty


def _member(clean, predicate) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    mem = clean.members.copy()
    pos = int(np.flatnonzero(predicate(mem))[0])
    return clean.households.copy(), mem, pos


def test_nutrition_only_for_children(clean):
    hh, mem, pos = _member(clean, lambda m: m["age"] >= 30)
    mem["stunted"] = mem["stunted"].astype(object)
    mem.iloc[pos, mem.columns.get_loc("stunted")] = False
    r = run(hh, mem)
    assert set(r.quarantine["rule_id"]) == {"MB-009"}
    assert r.quarantine["member_nos"].iloc[0] == str(mem["member_no"].iloc[pos])


def test_school_attendance_required_for_3_to_15_and_only_there(clean):
    hh, mem, pos = _member(clean, lambda m: (m["age"] >= 3) & (m["age"] <= 15))
    mem["school_on_track"] = mem["school_on_track"].astype(object)
    mem.iloc[pos, mem.columns.get_loc("school_on_track")] = None
    assert set(run(hh, mem).quarantine["rule_id"]) == {"MB-010"}
    hh, mem, pos = _member(clean, lambda m: m["age"] >= 40)
    mem["school_on_track"] = mem["school_on_track"].astype(object)
    mem.iloc[pos, mem.columns.get_loc("school_on_track")] = True
    assert set(run(hh, mem).quarantine["rule_id"]) == {"MB-011"}


def test_future_submission_against_the_clock(clean):
    hh = clean.households.copy()
    hh.loc[hh.index[0], "submitted_at"] = pd.Timestamp(f"{YEAR}-11-20", tz="UTC")
    early_clock = dt.datetime(YEAR, 11, 1, tzinfo=dt.UTC)
    r = run(hh, clean.members, now=early_clock)
    assert "HH-016" in set(r.quarantine["rule_id"])


def test_review_window_is_local_time(clean):
    """14 December 23:00 in Việt Nam (16:00 UTC) is inside; 15 December 00:30 is not."""
    hh = clean.households.copy()
    hh.loc[hh.index[0], "submitted_at"] = pd.Timestamp(f"{YEAR}-12-14 16:00", tz="UTC")
    assert run(hh, clean.members).quarantine.empty
    hh.loc[hh.index[0], "submitted_at"] = pd.Timestamp(f"{YEAR}-12-14 17:30", tz="UTC")
    assert set(run(hh, clean.members).quarantine["rule_id"]) == {"HH-015"}


def test_commune_alias_is_accepted(clean):
    hh = clean.households.copy()
    row = hh.index[hh["commune"] == "Đăk Kôi"][0]
    hh.loc[row, "commune"] = "Dak Koi"
    assert run(hh, clean.members).quarantine.empty


def test_household_without_members(clean):
    hh, mem = clean.households, clean.members
    hid = hh["household_id"].iloc[0]
    r = run(hh, mem[mem["household_id"] != hid])
    assert {"HH-011"} <= set(r.quarantine["rule_id"])
    assert set(r.quarantined_households["household_id"]) == {hid}


def test_member_without_household_is_quarantined_alone(clean):
    mem = clean.members.copy()
    mem.loc[mem.index[0], "household_id"] = "khong-co-ho"
    r = run(clean.households, mem)
    orphan = r.quarantine[r.quarantine["rule_id"] == "MB-008"]
    assert list(orphan["household_id"]) == ["khong-co-ho"]
    assert "khong-co-ho" in set(r.quarantined_members["household_id"])
    s = r.summary
    assert s["members_received"] == s["members_accepted"] + s["members_quarantined"]


def test_duplicate_household_id_quarantines_both_submissions(clean):
    hh = clean.households.copy()
    hh.loc[hh.index[1], "household_id"] = hh["household_id"].iloc[0]
    r = run(hh, clean.members)
    dup = r.quarantine[r.quarantine["rule_id"] == "HH-010"]
    assert len(dup) == 2 and dup["instance_id"].nunique() == 2


def test_duplicate_submission_id(clean):
    hh = clean.households.copy()
    hh.loc[hh.index[1], "instance_id"] = hh["instance_id"].iloc[0]
    assert set(run(hh, clean.members).quarantine["rule_id"]) == {"HH-021"}


def test_waste_handling_required_only_from_2027():
    review = generate(30, year=2027, seed=2, bad_share=0.0)
    hh = review.households.copy()
    hh["waste_handling"] = None
    r27 = run(hh, review.members, year=2027, now=dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    assert set(r27.quarantine["rule_id"]) == {"HH-020"}
    assert r27.summary["accepted"] == 0


def test_waste_handling_may_be_blank_before_2027(clean):
    hh = clean.households.copy()
    hh["waste_handling"] = None
    assert run(hh, clean.members).quarantine.empty


def _copies(clean, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` identical households (new ids) by one enumerator, plus the clean review."""
    hh0 = clean.households.iloc[[0]]
    mem0 = clean.members[clean.members["household_id"] == hh0["household_id"].iloc[0]]
    ids = [f"copy-{i}" for i in range(n)]
    hh = pd.concat([hh0] * n, ignore_index=True).assign(
        household_id=ids, instance_id=[f"uuid:copy-{i}" for i in range(n)],
        enumerator="dtv-copy")
    mem = pd.concat([mem0.assign(household_id=i) for i in ids], ignore_index=True)
    return (pd.concat([clean.households, hh], ignore_index=True),
            pd.concat([clean.members, mem], ignore_index=True))


def test_enumerator_with_identical_households_is_flagged(clean):
    hh, mem = _copies(clean, 10)
    r = run(hh, mem)
    assert set(r.quarantine["rule_id"]) == {"HH-022"}
    assert set(r.quarantined_households["enumerator"]) == {"dtv-copy"}
    assert r.summary["quarantined"] == 10


def test_few_identical_households_are_not_flagged(clean):
    hh, mem = _copies(clean, 9)
    assert run(hh, mem).quarantine.empty


def test_missing_column_is_an_error_naming_it(clean):
    with pytest.raises(QualityError, match="latrine_type"):
        run(clean.households.drop(columns=["latrine_type"]), clean.members)


def test_household_size_column_is_optional(clean):
    r = run(clean.households.drop(columns=["household_size"]), clean.members)
    assert r.quarantine.empty


def test_row_labels_and_dtypes_do_not_matter(clean):
    """Shuffled, non-default index and categorical codes give the same verdicts."""
    hh, mem, hid = corrupt(clean, "members", "age", 130)
    hh = hh.sample(frac=1, random_state=1).set_axis([f"h{i}" for i in range(len(hh))])
    mem = mem.sample(frac=1, random_state=2)
    for col in ("water_source", "latrine_type", "commune"):
        hh[col] = hh[col].astype("category")
    mem["relation"] = mem["relation"].astype("category")
    r = run(hh, mem)
    assert set(r.quarantined_households["household_id"]) == {hid}
    assert set(r.quarantine["rule_id"]) == {"MB-005"}
    assert r.accepted_households.index.equals(hh.index[hh["household_id"] != hid])
