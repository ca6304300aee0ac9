"""The commune dashboard: what is due, overdue and finished on a given day."""

from __future__ import annotations

from datetime import date

from konray_review.decisions.dashboard import build
from tests.decisions.conftest import CLERK, REVIEW, YEAR, busiest_village, decisions

D = date


def test_due_overdue_and_finished(sqlite_store) -> None:
    d = decisions(sqlite_store)
    commune, village, hh = busiest_village(d)
    ids = hh["household_id"].tolist()
    d.open_review(YEAR, CLERK)
    votes = dict.fromkeys(ids)
    votes[ids[0]] = 2
    d.record_meeting(REVIEW, commune, village, D(2023, 10, 2), 10, CLERK, votes=votes)
    d.start_posting(REVIEW, commune, D(2023, 10, 3), CLERK, village=village)
    d.register_complaint(REVIEW, ids[1], D(2023, 10, 4), "A", "B", CLERK)

    board = build(d, REVIEW, [commune], today=D(2023, 10, 10))
    items = board.items.set_index("household_id")
    row = board.communes.set_index("commune").loc[commune]
    in_commune = len(d.states(REVIEW, communes=[commune]))
    assert (row["households"], row["finished"], row["overdue"]) == (in_commune, 0, 0)
    assert row["due"] == in_commune and not row["all_finished"]
    assert items.loc[ids[1], ["next_step", "due_on"]].tolist() == ["recheck", D(2023, 10, 13)]
    assert items.loc[ids[0], ["next_step", "due_on"]].tolist() == ["resurvey", D(2023, 12, 14)]
    assert items.loc[ids[2], ["next_step", "posting_until", "may_report"]].tolist() == [
        "report", D(2023, 10, 6), True]
    early = build(d, REVIEW, [commune], today=D(2023, 10, 6)).items.set_index("household_id")
    assert not early.loc[ids[2], "may_report"]  # the last posting day is still posting
    assert row["posted"] == len(ids) - 2 and row["complaint"] == 1 and row["resurvey"] == 1

    late = build(d, REVIEW, [commune], today=D(2023, 10, 16)).items.set_index("household_id")
    assert bool(late.loc[ids[1], "overdue"]) and not bool(late.loc[ids[0], "overdue"])

    d.report(REVIEW, commune, D(2023, 10, 9), CLERK, village=village)
    d.decide(REVIEW, commune, D(2023, 10, 11), CLERK, village=village)
    after = build(d, REVIEW, [commune], today=D(2023, 10, 12)).communes.iloc[0]
    cur = d.states(REVIEW, communes=[commune], villages=[village])
    done = (cur["state"].eq("recognised") & ~cur["category"].isin(["poor", "near_poor"])).sum()
    assert after["finished"] == done and after["recognised"] == len(ids) - 2

    season_over = build(d, REVIEW, [commune], today=D(2023, 12, 15)).communes.iloc[0]
    assert season_over["overdue"] == in_commune - done  # everything open is now late
