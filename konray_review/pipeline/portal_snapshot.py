"""The run's portal snapshot (``store/snapshots.py``), made while the run publishes.

Why while publishing: the snapshot re-reads the year just committed (at 100,000 households
about 11 s of one core), and the run used to make it at the very end, when nothing else
ran. Its rows are final once the store stage has committed (publishing and write-back do
not change them), so a large run makes it in a process of its own from the store stage on
(``parallel.detached``: it ends, and frees its memory, when done), while the lists are
planned and written; a small run makes it in this process at the end,
as before (a worker costs more than it saves). The snapshot still comes from one read
transaction of the committed rows, so the portal's guarantee is unchanged.

A snapshot exists only for a run that succeeded: when the run fails after it was made, it
is removed again. Making it never fails a run: a failure is logged and the portal makes the
snapshot on its first page view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from konray_review.pipeline import runlog
from konray_review.store import Store


def _log_failure(error: str) -> None:
    runlog.log.warning("chưa lưu được ảnh chụp dữ liệu cho cổng thông tin "
                       "(portal snapshot not published): %s", error)


def publish_here(engine: sa.Engine, run_id: str, year: int) -> str | None:
    """Publish the snapshot with ``engine``; the failure's type name, or None."""
    from konray_review.store import snapshots

    try:
        snapshots.store_only(engine, run_id, year)
    except Exception as exc:  # reported by the caller; the portal publishes it on first use
        return type(exc).__name__
    return None


def publish_there(url: str, run_id: str, year: int) -> str | None:
    """``publish_here`` in a worker process, on its own engine (none crosses a process)."""
    from konray_review.store.engine import make_engine

    engine = make_engine(url)
    try:
        return publish_here(engine, run_id, year)
    finally:
        engine.dispose()


def shareable_url(engine: sa.Engine) -> str | None:
    """The store's URL as another process must open it, or None when it cannot.

    A relative SQLite path is made absolute (a worker need not share this process's working
    directory); an in-memory SQLite database exists in this process only.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        db = url.database or ""
        if db in ("", ":memory:") or db.startswith("file:") or "mode=memory" in str(url):
            return None
        url = url.set(database=str(Path(db).resolve()))
    return url.render_as_string(hide_password=False)


@contextmanager
def snapshot_meanwhile(store: Store, run_id: str, year: int, *,
                       background: bool) -> Iterator[None]:
    """Make the run's snapshot during the ``with`` body (``background``) or after it.

    The body is the rest of the run after the store stage. When it raises, the snapshot is
    not made, or is removed once made, and the error goes on unchanged.
    """
    from konray_review.outputs.parallel import default_workers, detached

    # one core, or a daemonic process (a Dask worker) that may not start one: in-process
    parallel = background and default_workers() > 1
    url = shareable_url(store.engine) if parallel else None
    if url is None:
        yield
        error = publish_here(store.engine, run_id, year)
        if error:
            _log_failure(error)
        return
    # a process that exits when done: it frees its memory while the lists are still written
    done = detached(publish_there, url, run_id, year)
    try:
        yield
    except BaseException:
        _settle(done)
        _discard(store, run_id)
        raise
    error = _settle(done)
    if error:
        _log_failure(error)


def _settle(done: Callable[[], str | None]) -> str | None:
    """The worker's answer; a worker that died counts as a failure, never as the run's."""
    try:
        return done()
    except Exception as exc:  # e.g. BrokenProcessPool: the portal makes it on first use
        return type(exc).__name__


def _discard(store: Store, run_id: str) -> None:
    from konray_review.store import snapshots

    try:
        snapshots.discard(store.engine, run_id)
    except Exception as exc:  # the run's own failure is the one to report
        runlog.log.warning("không xoá được ảnh chụp của lần chạy thất bại (snapshot of the "
                           "failed run not removed): %s", type(exc).__name__)
