"""The run's portal snapshot made while the run publishes (``pipeline/portal_snapshot.py``):
made by a worker during the rest of the run, equal to one made here, never left behind by a
run that failed, never failing a run."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from konray_review.pipeline import review
from konray_review.pipeline.portal_snapshot import shareable_url, snapshot_meanwhile
from konray_review.store import Store, snapshots
from tests.flows.conftest import YEAR, review_once


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch):
    """A store holding one finished run, its snapshot removed again (to be made anew); two
    cores as far as the snapshot can tell (it works in-process on one)."""
    from konray_review.outputs import parallel

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setattr(parallel, "default_workers", lambda: 2)
    outcome = review_once(store, tmp_path / "out")
    before = snapshots.load(store.engine, outcome.run_id)
    assert before is not None
    assert snapshots.discard(store.engine, outcome.run_id) == len(snapshots.PARTS)
    yield store, outcome.run_id, before
    store.dispose()


def _wait_for(engine: sa.Engine, run_id: str, seconds: float = 120.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        snap = snapshots.load(engine, run_id)
        if snap is not None:
            return snap
        time.sleep(0.2)
    return None


def test_a_worker_makes_the_snapshot_while_the_run_goes_on(reviewed) -> None:
    store, run_id, before = reviewed
    with snapshot_meanwhile(store, run_id, YEAR, background=True):
        # the body only waits: the snapshot can only come from the worker
        made = _wait_for(store.engine, run_id)
    assert made is not None, "no snapshot appeared while the run was still going"
    live = snapshots.build(store.engine, run_id, YEAR)  # read here, no Parquet in between
    assert live is not None
    for part in snapshots.PARTS:
        pd.testing.assert_frame_equal(getattr(made, part), getattr(before, part), obj=part)
        pd.testing.assert_frame_equal(getattr(made, part), getattr(live, part), obj=part)
    assert snapshots.published_runs(store.engine, YEAR) == [run_id]


def test_a_run_that_fails_afterwards_leaves_no_snapshot(reviewed) -> None:
    store, run_id, _ = reviewed
    with pytest.raises(RuntimeError, match="publishing broke"), \
            snapshot_meanwhile(store, run_id, YEAR, background=True):
        assert _wait_for(store.engine, run_id) is not None  # made meanwhile ...
        raise RuntimeError("publishing broke")
    assert snapshots.load(store.engine, run_id) is None  # ... and removed with the failure
    assert snapshots.published_runs(store.engine, YEAR) == []


def test_a_snapshot_that_cannot_be_made_is_logged_not_raised(reviewed, caplog) -> None:
    store, run_id, _ = reviewed
    with store.engine.begin() as conn:  # a store the worker cannot write its snapshot to
        conn.execute(sa.text("DROP TABLE snapshots"))
    with caplog.at_level(logging.WARNING, logger="konray_review.run"), \
            snapshot_meanwhile(store, run_id, YEAR, background=True):
        pass
    assert "portal snapshot not published): OperationalError" in caplog.text


def test_a_failed_publish_step_leaves_no_snapshot(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(review, "publish", broken)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            review_once(store, tmp_path / "out")
        assert snapshots.published_runs(store.engine, YEAR) == []
        assert store.list_runs(YEAR)["status"].tolist() == ["failed"]
    finally:
        store.dispose()


def test_the_worker_opens_the_same_sqlite_file_from_any_folder(tmp_path: Path,
                                                               monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = shareable_url(sa.create_engine("sqlite:///output/store.sqlite"))
    assert url == f"sqlite:///{tmp_path / 'output' / 'store.sqlite'}"
    assert shareable_url(sa.create_engine("sqlite://")) is None  # in memory: this process only
    assert shareable_url(sa.create_engine("sqlite:///:memory:")) is None
    pg = shareable_url(sa.create_engine("postgresql+psycopg://u:secret@127.0.0.1:5/db"))
    assert pg == "postgresql+psycopg://u:secret@127.0.0.1:5/db"  # the worker must log in


def test_a_snapshot_read_in_small_chunks_equals_one_read_whole(reviewed, monkeypatch) -> None:
    """Chunks of 7 rows: many have a column with nothing in it (its dtype inferred apart),
    yet every part comes out as one read of the whole part."""
    store, run_id, _ = reviewed
    monkeypatch.setattr(snapshots, "CHUNK_ROWS", 10**9)
    whole = snapshots.build(store.engine, run_id, YEAR)
    monkeypatch.setattr(snapshots, "CHUNK_ROWS", 7)
    chunked = snapshots.build(store.engine, run_id, YEAR)
    assert whole is not None and chunked is not None
    assert len(chunked.members) > 7 * 10
    for part in snapshots.PARTS:
        pd.testing.assert_frame_equal(getattr(chunked, part), getattr(whole, part), obj=part)


def test_chunks_whose_columns_read_as_other_dtypes_are_typed_alike(monkeypatch) -> None:
    """The first chunk has nothing in any column (read as objects), the next has values
    (numbers, booleans, times, text): the part equals one whole read."""
    meta = sa.MetaData()
    t = sa.Table("t", meta, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("n", sa.Integer), sa.Column("x", sa.Float),
                 sa.Column("ok", sa.Boolean), sa.Column("at", sa.DateTime),
                 sa.Column("s", sa.Text))
    engine = sa.create_engine("sqlite://")
    meta.create_all(engine)
    empty = {"n": None, "x": None, "ok": None, "at": None, "s": None}
    rows = [{"id": i, **empty} for i in range(3)] + [
        {"id": 3, "n": 4, "x": 1.5, "ok": True, "at": pd.Timestamp("2026-01-02").to_pydatetime(),
         "s": "Đăk Kôi"},
        {"id": 4, "n": 5, "x": 2.0, "ok": False, "at": None, "s": ""}]
    with engine.begin() as conn:
        conn.execute(t.insert(), rows)
    stmt = sa.text("SELECT * FROM t ORDER BY id")  # untyped: pandas infers per chunk
    with engine.connect() as conn:
        kinds = [c.dtypes.astype(str).tolist() for c in pd.read_sql(stmt, conn, chunksize=3)]
        assert kinds[0] != kinds[1]  # the case this test is about
        monkeypatch.setattr(snapshots, "CHUNK_ROWS", 3)
        chunked = snapshots._read(conn, stmt, t)
        monkeypatch.setattr(snapshots, "CHUNK_ROWS", 10**9)
        whole = snapshots._read(conn, stmt, t)
    pd.testing.assert_frame_equal(chunked, whole)


def test_where_no_process_may_start_the_snapshot_is_made_here(reviewed, monkeypatch) -> None:
    from konray_review.outputs import parallel

    store, run_id, _ = reviewed
    monkeypatch.setattr(parallel, "default_workers", lambda: 1)  # one core, or a daemonic
    # process (``default_workers`` is 1 where this process may not start one)
    with snapshot_meanwhile(store, run_id, YEAR, background=True):
        # nothing runs meanwhile: a worker makes it in about a second here
        assert _wait_for(store.engine, run_id, seconds=8) is None
    assert snapshots.load(store.engine, run_id) is not None
