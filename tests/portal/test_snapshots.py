"""Issue 15, item 3: a page shows one run's data, also while a newer run commits.

A writer thread plays a run: it commits a new batch (every head and member renamed with the
run's number), waits as a real run does between the commit and its end (lists, reports),
then marks the run succeeded. Meanwhile pages are read; each must carry one run's number,
and only of a run that had finished: never the committed-but-running one.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from fastapi.testclient import TestClient

from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from konray_review.store import snapshots
from tests.portal.builders import YEAR, add_accounts, build
from tests.portal.conftest import SECRET, login

TAG = re.compile(r"KR(\d+)X")


def _commit_run(fx, members, i: int, finished: set[int], gap: float) -> None:
    run_id = f"{YEAR}-run-{i:02d}"
    hh = fx.households.assign(head_name=f"Chủ hộ KR{i}X")
    mem = members.assign(name=f"Thành viên KR{i}X")
    fx.store.start_run(run_id, YEAR, "files", fx.profile.id, None)
    fx.store.commit_review(run_id, YEAR, households=hh, members=mem,
                           classification=fx.classification)
    time.sleep(gap)  # the run is still writing lists: its rows must not show yet
    finished.add(i)
    fx.store.finish_run(run_id, "succeeded", received=len(hh), accepted=len(hh))


@pytest.fixture()
def world(tmp_path):
    fx = build(tmp_path, n=60, seed=5)
    members = fx.store.read_members(YEAR)
    members = members[[c for c in members.columns if c not in ("review_year", "run_id")]]
    finished: set[int] = set()
    _commit_run(fx, members, 0, finished, 0.0)
    names = add_accounts(fx)
    app = create_app(PortalConfig(secret=SECRET, max_failures_ip=10_000), store=fx.store)
    app.state.portal.data.SIGNATURE_TTL = 0.0  # look at the run log on every request
    return fx, members, finished, names, app


def _tags(html: str) -> set[int]:
    return {int(t) for t in TAG.findall(html)}


def test_pages_show_one_run_while_a_run_commits(world) -> None:
    fx, members, finished, names, app = world
    ids = fx.households["household_id"].head(4).tolist()
    slug = fx.profile.unit(fx.communes[0]).slug
    writer_error: list[BaseException] = []

    def writer() -> None:
        try:
            for i in (1, 2, 3):
                _commit_run(fx, members, i, finished, 0.4)
        except BaseException as exc:  # reported by the main thread
            writer_error.append(exc)

    seen: set[int] = set()
    with TestClient(app) as client:
        assert login(client, names["admin"]).status_code == 303
        t = threading.Thread(target=writer)
        t.start()
        pages = 0
        while t.is_alive() or pages < 8:
            for path in [*(f"/years/{YEAR}/households/{h}" for h in ids),
                         f"/years/{YEAR}/communes/{slug}"]:
                r = client.get(path)
                assert r.status_code == 200, path
                done = set(finished)
                tags = _tags(r.text)
                assert len(tags) == 1, (path, tags)  # head, roster, list: one run
                assert tags <= done, (path, tags, done)  # never a run still writing
                seen |= tags
                pages += 1
        t.join()
        assert not writer_error, writer_error
        # once the last run finished, the pages moved on to it
        assert _tags(client.get(f"/years/{YEAR}/households/{ids[0]}").text) == {3}
    assert len(seen) >= 2  # the reads did overlap the runs (not all before or after)


def test_a_snapshot_is_published_once_and_not_while_a_later_run_wrote(world) -> None:
    fx, members, _finished, _names, _app = world
    engine = fx.store.engine
    first = snapshots.publish(engine, f"{YEAR}-run-00", YEAR)
    assert first is not None
    assert set(first.households["head_name"]) == {"Chủ hộ KR0X"}
    # a later run commits and is still running: the live tables are not run 0's any more
    fx.store.start_run(f"{YEAR}-run-01", YEAR, "files", fx.profile.id, None)
    fx.store.commit_review(f"{YEAR}-run-01", YEAR,
                           households=fx.households.assign(head_name="Chủ hộ KR1X"),
                           members=members, classification=fx.classification)
    assert snapshots.build(engine, f"{YEAR}-run-00", YEAR) is None
    # the published one is unchanged: the stored bytes are run 0's
    again = snapshots.load(engine, f"{YEAR}-run-00")
    assert again is not None and set(again.households["head_name"]) == {"Chủ hộ KR0X"}
    assert snapshots.published_runs(engine, YEAR) == [f"{YEAR}-run-00"]
