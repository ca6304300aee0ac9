"""The raw submission is kept once: a pull that delivers it again unchanged does not
re-serialise or rewrite it; a changed one (its row or its roster) is replaced whole."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from konray_review.store import Store
from konray_review.store import submissions as sub
from konray_review.store.schema import submissions


def _pulled(n: int = 40):
    from konray_review.sources.demo import DemoSource

    return DemoSource(n, year=2023, seed=4, bad_share=0.0).pull()


@pytest.fixture
def serialised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows turned into JSON records, per call (households and members alike)."""
    counts: list[int] = []
    real = sub.json_lines

    def counting(frame: pd.DataFrame) -> list[str]:
        counts.append(len(frame))
        return real(frame)

    monkeypatch.setattr(sub, "json_lines", counting)
    return counts


def _canonical(frame: pd.DataFrame) -> list[list[object]]:
    f = frame.sort_values(["instance_id", *(["member_no"] if "member_no" in frame else [])])
    return f.astype(object).where(f.notna(), None).to_numpy().tolist()


def test_unchanged_submissions_are_not_serialised_again(store: Store, serialised) -> None:
    batch = _pulled()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    assert sum(serialised) == len(batch.households) + len(batch.members)
    before = store.load("k")
    serialised.clear()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    assert sum(serialised) == 0
    after = store.load("k")
    assert _canonical(after[0]) == _canonical(before[0])
    assert _canonical(after[1]) == _canonical(before[1])


def test_an_edited_row_or_roster_line_rewrites_that_submission_only(
        store: Store, serialised) -> None:
    batch = _pulled()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    hh, mem = batch.households.copy(), batch.members.copy()
    first, second = hh["instance_id"].iloc[0], hh["instance_id"].iloc[1]
    hh.loc[hh["instance_id"] == first, "living_area_m2"] = 123.5
    line = mem.index[mem["instance_id"] == second][-1]
    mem.loc[line, "age"] = 77
    serialised.clear()
    store.commit_batch("k", hh, mem, batch.watermark)
    roster = int((mem["instance_id"].isin({first, second})).sum())
    assert sum(serialised) == 2 + roster  # two households and their rosters, nothing else
    got_hh, got_mem = store.load("k")
    assert got_hh.set_index("instance_id").loc[first, "living_area_m2"] == 123.5
    ages = got_mem[got_mem["instance_id"] == second]["age"].tolist()
    assert ages == mem[mem["instance_id"] == second]["age"].tolist()
    assert len(got_hh) == len(hh) and len(got_mem) == len(mem)


def test_a_roster_line_moved_changes_the_submission(store: Store, serialised) -> None:
    """The order of a roster is part of the record (``seq``): reordered lines are rewritten."""
    batch = _pulled()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    mem = batch.members
    iid = mem["instance_id"].value_counts().index[0]  # a roster with two lines or more
    rows = mem.index[mem["instance_id"] == iid]
    order = [*[i for i in mem.index if i not in set(rows)], *reversed(rows.tolist())]
    serialised.clear()
    store.commit_batch("k", batch.households, mem.loc[order], batch.watermark)
    assert sum(serialised) == 1 + len(rows)
    got = store.load("k")[1]
    assert got[got["instance_id"] == iid]["member_no"].tolist() == \
        mem.loc[list(reversed(rows.tolist())), "member_no"].tolist()


def test_rows_stored_before_the_hash_existed_are_rewritten_once(store: Store,
                                                               serialised) -> None:
    batch = _pulled()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    with store.engine.begin() as conn:  # as an older version left them
        conn.execute(submissions.update().values(record_hash=None))
    serialised.clear()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    assert sum(serialised) == len(batch.households) + len(batch.members)
    with store.engine.connect() as conn:
        missing = conn.execute(sa.select(sa.func.count()).select_from(submissions)
                               .where(submissions.c.record_hash.is_(None))).scalar_one()
    assert missing == 0
    serialised.clear()
    store.commit_batch("k", batch.households, batch.members, batch.watermark)
    assert sum(serialised) == 0
