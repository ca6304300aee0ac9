"""The file state store: atomic commits, monotonic watermarks, upsert on the submission id,
deletions on full pulls; and a commit that fails leaves everything as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from konray_review.sources.base import Batch
from konray_review.sources.normalise import flatten_odata, to_canonical
from konray_review.sources.pull import pull_into
from konray_review.sources.state import FileStateStore, StateStore

T1, T2 = datetime(2023, 10, 1, tzinfo=UTC), datetime(2023, 10, 2, tzinfo=UTC)


class ListSource:
    """A source serving canned batches (what a server returned on each pull)."""

    name = "test"
    key = "test:form"

    def __init__(self, batches):
        self.batches, self.calls = list(batches), []

    def pull(self, since=None):
        self.calls.append(since)
        return self.batches.pop(0)


def _batch(records, profile, mark, full=False) -> Batch:
    c = to_canonical(flatten_odata(records), profile=profile, source="test", form_id="f")
    return Batch(c.households, c.members, c.problems, mark, full_snapshot=full)


def test_file_store_satisfies_the_protocol(tmp_path):
    assert isinstance(FileStateStore(tmp_path), StateStore)


def test_upsert_replaces_versions_and_watermark_only_moves_forward(records, profile,
                                                                   tmp_path):
    store = FileStateStore(tmp_path)
    store.commit_batch("k", *_tables(records[:5], profile), T2)
    edited = [dict(r, __system={**r["__system"], "edits": 2}) for r in records[:2]]
    store.commit_batch("k", *_tables(edited + records[5:7], profile), T1)
    hh, mem = store.load("k")
    assert len(hh) == 7 and hh["instance_id"].is_unique
    assert hh.set_index("instance_id").loc[records[0]["__id"], "edits"] == 2
    want = sum(len(r["members"]) for r in records[:7])
    assert len(mem) == want and mem.groupby("instance_id").size().max() < 30
    assert store.get_watermark("k") == T2  # an older mark never moves it back
    assert store.get_watermark("other") is None


def _tables(records, profile):
    c = to_canonical(flatten_odata(records), profile=profile, source="test", form_id="f")
    return c.households, c.members


def test_failed_commit_changes_nothing(records, profile, tmp_path, monkeypatch):
    store = FileStateStore(tmp_path)
    store.commit_batch("k", *_tables(records[:3], profile), T1)
    before = store.load("k")[0]

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        store.commit_batch("k", *_tables(records[3:6], profile), T2)
    monkeypatch.undo()
    after = store.load("k")[0]
    pd.testing.assert_frame_equal(before, after)
    assert store.get_watermark("k") == T1


def test_failed_pull_keeps_the_watermark_and_the_next_pull_resumes(records, profile,
                                                                   tmp_path):
    class Flaky(ListSource):
        def pull(self, since=None):
            self.calls.append(since)
            if len(self.calls) == 2:
                raise ConnectionError("network down")
            return self.batches.pop(0)

    src = Flaky([_batch(records[:4], profile, T1), _batch(records[4:8], profile, T2)])
    store = FileStateStore(tmp_path)
    pull_into(src, store)
    with pytest.raises(ConnectionError):
        pull_into(src, store)
    assert store.get_watermark(src.key) == T1
    report = pull_into(src, store)
    assert src.calls[1] == src.calls[2]  # resumed from the same point (watermark - overlap)
    assert src.calls[2] < T1
    assert report.new == 4 and len(store.load(src.key)[0]) == 8


def test_full_pull_marks_vanished_submissions_deleted_not_lost(records, profile, tmp_path):
    src = ListSource([_batch(records[:6], profile, T1, full=True),
                      _batch(records[:4], profile, T2, full=True)])
    store = FileStateStore(tmp_path)
    pull_into(src, store)
    report = pull_into(src, store)
    hh, mem = store.load(src.key)
    assert len(hh) == 6 and report.deleted == 2
    gone = set(hh.loc[hh["deleted"].astype(bool), "instance_id"])
    assert gone == {records[4]["__id"], records[5]["__id"]}
    assert hh["deleted_at"].notna().sum() == 2
    assert set(mem["instance_id"]) == {r["__id"] for r in records[:6] if r["members"]}
