"""The steps on a real store (SQLite and PostgreSQL): the season for one village, every
check a step makes, and the record's promise: nothing is ever overwritten."""

from __future__ import annotations

import threading
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from konray_review.decisions import Actor, ConcurrentUpdate, DecisionError
from konray_review.decisions.records import parse_payload
from konray_review.store.schema import decision_events
from tests.decisions.conftest import CLERK, REVIEW, YEAR, busiest_village, decisions

D = date


def _all_events(store) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql(sa.select(decision_events).order_by(decision_events.c.id), conn)


def test_a_village_through_the_whole_season(d, review) -> None:
    commune, village, hh = busiest_village(d)
    ids = hh["household_id"].tolist()
    d.open_review(YEAR, CLERK)
    votes = dict.fromkeys(ids)
    votes[ids[0]] = 4  # 4 of 10: below half -> re-survey
    votes[ids[1]] = 5  # exactly half -> agreed
    met = d.record_meeting(REVIEW, commune, village, "2023-10-02", 10, CLERK, votes=votes,
                           chair="Trưởng thôn", households_represented=9)
    assert met.detail == {"agreed": len(ids) - 1, "resurvey": 1}
    posted = d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK, village=village)
    assert (posted.households, posted.due_on) == (len(ids) - 1, D(2023, 10, 6))
    comp = d.register_complaint(REVIEW, ids[1], D(2023, 10, 5), "Người dân", "Hộ có ô tô",
                                CLERK)
    assert comp.due_on == D(2023, 10, 16)  # 6, 9, 10, 11, 12, 13, 16
    # the report takes only households whose posting has ended and with no open complaint
    rep = d.report(REVIEW, commune, D(2023, 10, 9), CLERK, village=village)
    assert rep.households == len(ids) - 2
    again = d.recheck(REVIEW, ids[1], D(2023, 10, 11), CLERK,
                      corrections={"income_per_capita": "5.000.000"})
    assert again.detail["category"] == "none" and not again.detail["late"]
    assert again.due_on == D(2023, 10, 16)  # re-check result posted 12, 13, 16
    d.record_resurvey(REVIEW, commune, D(2023, 10, 10), CLERK, household_ids=[ids[0]])
    d.record_meeting(REVIEW, commune, village, D(2023, 10, 12), 10, CLERK, votes={ids[0]: 9})
    d.start_posting(REVIEW, commune, D(2023, 10, 13), CLERK, household_ids=[ids[0]])
    d.report(REVIEW, commune, D(2023, 10, 19), CLERK, village=village)
    decided = d.decide(REVIEW, commune, D(2023, 10, 20), CLERK, number="12/QĐ-UBND",
                       refusals={ids[1]: "Thu nhập trên chuẩn"}, village=village)
    assert decided.detail["recognised"] == len(ids) - 1 and decided.detail["refused"] == 1
    cur = d.states(REVIEW, communes=[commune], villages=[village]).set_index("household_id")
    assert cur.loc[ids[1], "state"] == "refused"
    assert (cur.drop(index=ids[1])["state"] == "recognised").all()
    expected = hh.set_index("household_id")["category"].drop(index=ids[1])
    assert (cur.drop(index=ids[1])["category"] == expected.astype(object)).all()
    poor_like = expected[expected.isin(["poor", "near_poor"])]
    if len(poor_like):
        cert = d.certify(REVIEW, commune, D(2023, 10, 23), CLERK, village=village)
        assert cert.households == len(poor_like)
        numbers = [parse_payload(p)["certificate_no"] for p in d.records.events(
            REVIEW, communes=[commune]).query("event == 'certified'")["payload"]]
        assert sorted(numbers) == [f"{i:04d}" for i in range(1, len(poor_like) + 1)]
    # every step says who recorded it, when, and through what
    ev = d.records.events(REVIEW, communes=[commune], villages=[village])
    assert set(ev["recorded_by"]) == {"can-bo-xa"} and set(ev["source"]) == {"cli"}
    assert ev["recorded_at"].notna().all()


def test_nothing_is_ever_overwritten(d) -> None:
    commune, village, hh = busiest_village(d)
    d.open_review(YEAR, CLERK)
    before = _all_events(d.store)
    d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 8, CLERK)
    d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK, village=village)
    after = _all_events(d.store)
    kept = after[after["id"].isin(before["id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before.reset_index(drop=True))
    assert len(after) == len(before) + 2 * len(hh)
    per = after.groupby("household_id")["seq"].agg(list)
    assert all(seq == list(range(1, len(seq) + 1)) for seq in per)


@pytest.mark.parametrize(("step", "message"), [
    ("post_before_meeting", "cần họp thôn thống nhất kết quả trước"),
    ("report_while_posted", "chưa hết thời gian niêm yết (đến hết ngày 05/10/2023)"),
    ("decide_while_posted", "chờ hết thời gian niêm yết"),
    ("complaint_after_posting", "nằm ngoài thời gian niêm yết (02/10/2023–05/10/2023)"),
    ("recheck_without_complaint", "không thể ghi kết quả phúc tra"),
    ("certify_before_decision", "Không có hộ nghèo, cận nghèo nào đã công nhận"),
    ("future_date", "chưa đến"),
    ("posting_before_meeting_date", "trước bước trước đó (02/10/2023)"),
    ("more_agree_than_attend", "số người đồng ý lớn hơn số người dự họp"),
    ("commune_cannot_return", "Chỉ cán bộ huyện được trả lại"),
    ("refusal_without_reason", "phải nêu rõ lý do"),
    ("household_of_another_village", "không thuộc thôn"),
])
def test_refused_steps_say_why(ds, step: str, message: str) -> None:
    d = ds
    commune, village, hh = busiest_village(d)
    ids = hh["household_id"].tolist()
    d.open_review(YEAR, CLERK)
    other = d.states(REVIEW).query("village != @village or commune != @commune")
    if step != "post_before_meeting" and step != "more_agree_than_attend" \
            and step != "household_of_another_village":
        d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK)
    if step in ("report_while_posted", "decide_while_posted", "complaint_after_posting",
                "recheck_without_complaint", "certify_before_decision",
                "refusal_without_reason"):
        d.start_posting(REVIEW, commune, D(2023, 10, 2), CLERK, village=village)
    calls = {
        "post_before_meeting": lambda: d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK,
                                                       household_ids=ids[:1]),
        "report_while_posted": lambda: d.report(REVIEW, commune, D(2023, 10, 5), CLERK,
                                                village=village),
        "decide_while_posted": lambda: d.decide(REVIEW, commune, D(2023, 10, 5), CLERK,
                                                household_ids=ids[:1]),
        "complaint_after_posting": lambda: d.register_complaint(
            REVIEW, ids[0], D(2023, 10, 6), "A", "B", CLERK),
        "recheck_without_complaint": lambda: d.recheck(REVIEW, ids[0], D(2023, 10, 4), CLERK),
        "certify_before_decision": lambda: d.certify(REVIEW, commune, D(2023, 10, 9), CLERK),
        "future_date": lambda: d.start_posting(REVIEW, commune, D(2023, 12, 11), CLERK,
                                               village=village),
        "posting_before_meeting_date": lambda: d.start_posting(
            REVIEW, commune, D(2023, 9, 29), CLERK, village=village),
        "more_agree_than_attend": lambda: d.record_meeting(
            REVIEW, commune, village, D(2023, 10, 2), 10, CLERK, votes={ids[0]: 11}),
        "commune_cannot_return": lambda: d.return_for_correction(
            REVIEW, commune, D(2023, 10, 4), "Sai sót", CLERK),
        "refusal_without_reason": lambda: d.decide(REVIEW, commune, D(2023, 10, 9), CLERK,
                                                   refusals={ids[0]: " "}),
        "household_of_another_village": lambda: d.record_meeting(
            REVIEW, commune, village, D(2023, 10, 2), 10, CLERK,
            votes={str(other["household_id"].iloc[0]): 10}),
    }
    before = len(_all_events(d.store))
    with pytest.raises(DecisionError) as err:
        calls[step]()
    assert message in str(err.value)
    vi, en = str(err.value).split("\n")
    assert vi and en and vi != en
    assert len(_all_events(d.store)) == before  # a refused step writes nothing
    names = set(d.store.read_households(YEAR)["head_name"])
    assert not any(n in str(err.value) for n in names)  # never a person's name


def test_a_district_return_sends_households_back_to_a_recheck(ds) -> None:
    d = ds
    commune, village, hh = busiest_village(d)
    d.open_review(YEAR, CLERK)
    d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK)
    d.start_posting(REVIEW, commune, D(2023, 10, 2), CLERK, village=village)
    district = Actor("huyen", "portal", role="district")
    back = d.return_for_correction(REVIEW, commune, D(2023, 10, 4), "Thiếu hộ", district,
                                   village=village)
    assert back.households == len(hh) and back.due_on == D(2023, 10, 13)
    hid = hh["household_id"].iloc[0]
    with pytest.raises(DecisionError, match="huyện trả lại"):
        d.report(REVIEW, commune, D(2023, 10, 9), CLERK, household_ids=[hid])
    late = d.recheck(REVIEW, hid, D(2023, 10, 16), CLERK)  # after the 7 working days
    assert late.detail["late"] is True


def test_a_meeting_refreshes_a_changed_preliminary_result(ds, review) -> None:
    d = ds
    commune, village, hh = busiest_village(d)
    d.open_review(YEAR, CLERK)
    hid = hh["household_id"].iloc[0]
    old = hh["category"].iloc[0]
    new = "none" if old != "none" else "poor"
    result = review.result.copy()
    result["category"] = result["category"].astype(object)
    result.loc[result["household_id"] == hid, "category"] = new
    d.store.commit_review("r2", YEAR, households=review.households, members=review.members,
                          classification=result)
    d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK)
    ev = d.history(REVIEW, hid)
    assert ev["event"].tolist() == ["preliminary", "preliminary", "meeting_agreed"]
    assert ev["category"].tolist() == [old, new, new]


def test_a_second_write_of_the_same_step_is_refused(tmp_path, review) -> None:
    """The unique (review, household, seq) key: a step computed on a state that has since
    moved on cannot be stored (what two simultaneous writers run into)."""
    from tests.decisions.conftest import fill
    from tests.store.backends import open_store

    with open_store("sqlite", tmp_path) as store:
        d = decisions(fill(store, review))
        _, _, hh = busiest_village(d)
        d.open_review(YEAR, CLERK)
        row = d.states(REVIEW, household_ids=hh["household_id"].iloc[:1].tolist())
        rows = d._rows(REVIEW, row, "meeting_agreed", CLERK, D(2023, 10, 2))
        with d.records.write() as conn:
            d.records.append(conn, rows)
        with pytest.raises(ConcurrentUpdate), d.records.write() as conn:
            d.records.append(conn, rows)


@pytest.mark.postgres
def test_two_postgres_writers_race_for_one_household(tmp_path, review) -> None:
    from tests.decisions.conftest import fill
    from tests.store.backends import open_store

    with open_store("postgres", tmp_path) as store:
        d = decisions(fill(store, review))
        commune, village, hh = busiest_village(d)
        d.open_review(YEAR, CLERK)
        d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK)
        d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK, village=village)
        hid = hh["household_id"].iloc[0]
        barrier, outcomes = threading.Barrier(2), []

        def complain(who: str) -> None:
            barrier.wait()
            try:
                d.register_complaint(REVIEW, hid, D(2023, 10, 4), who, "nội dung", CLERK)
                outcomes.append("ok")
            except ConcurrentUpdate:
                outcomes.append("conflict")

        threads = [threading.Thread(target=complain, args=(w,)) for w in ("A", "B")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ev = d.history(REVIEW, hid)
        assert outcomes.count("ok") >= 1
        assert ev["seq"].tolist() == list(range(1, len(ev) + 1))
        assert (ev["event"] == "complaint").sum() == outcomes.count("ok")
