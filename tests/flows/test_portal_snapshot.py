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
def reviewed(tmp_path: Path):
    """A store holding one finished run, its snapshot removed again (to be made anew)."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
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
