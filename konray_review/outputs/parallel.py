"""Run a publish step's file writes on every core: the same files, byte for byte, faster.

Why: publishing writes hundreds of small files (one per unit, list type and format), each
single-threaded Python (openpyxl, ReportLab); on a 2-core office PC one core idled while
the other wrote them all (issue 16). The parent plans every file (``Job``: what to write
and where) and keeps the manifest in plan order; workers only render and write, so the
output and the manifest do not depend on how many workers ran or which finished first.

Why ``forkserver`` workers: a run may hold threads (Prefect's, a progress bar) and fork
copies a process with its threads' locks held; the fork server is a fresh, single-threaded
interpreter that has imported the writers once (``set_forkserver_preload``), and every
worker forks from it (no second import). Each worker receives the run's shared data once
(``initargs``: pickled per worker, not per file) and then jobs of a few hundred bytes.
The standard library's ``concurrent.futures`` does the pooling; a failed job's exception
is raised in the parent, naming the file.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.context import BaseContext
from typing import Any, Protocol, TypeVar

#: below this many data rows in all the files of a step, a pool costs more than it saves
#: (starting the workers is about 1 s on a 2-core PC; the demo writes ~100,000 rows)
MIN_PARALLEL_ROWS = 5_000
#: modules the fork server imports once, so workers start without importing them (the
#: lists' writers; WeasyPrint for the report and the decision documents)
PRELOAD = ("konray_review.outputs.lists", "konray_review.outputs.list_pdf", "weasyprint")


class Job(Protocol):
    """One file to write: its path relative to the output folder and its size (data rows)."""

    @property
    def rel(self) -> str: ...

    @property
    def size(self) -> int: ...


J = TypeVar("J", bound=Job)

_WRITER: Callable[[Any], None] | None = None


def _may_start_processes() -> bool:
    """False inside a daemonic process (a Dask or multiprocessing worker): it may not
    start processes of its own."""
    return not multiprocessing.current_process().daemon


def _has_forkserver() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """The cores this process may use (its CPU affinity), at most 8; 1 where it may not
    start processes (``_may_start_processes``)."""
    if not _may_start_processes():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _context() -> BaseContext:
    """The fork server where there is one (Linux, macOS), else ``spawn`` (Windows)."""
    if not _has_forkserver():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


def warm_up() -> None:
    """Start the fork server now, so that its imports (the writers, WeasyPrint) run on the
    idle core while this process goes on with single-threaded work (validation, the
    store); the first pool then starts without waiting for them. Nothing to do without a
    fork server or inside a daemonic worker."""
    if not (_has_forkserver() and _may_start_processes()):
        return
    from multiprocessing import forkserver

    _context()  # sets the preload list before the server starts
    forkserver.ensure_running()


def _init(factory: Callable[..., Callable[[Any], None]], args: tuple[Any, ...]) -> None:
    global _WRITER
    _WRITER = factory(*args)


def _write(write: Callable[[Any], None], job: Job) -> None:
    try:
        write(job)
    except Exception as exc:  # the parent sees which file failed, whichever process ran it
        raise RuntimeError(f"{job.rel}: {type(exc).__name__}: {exc}") from exc


def _run(job: Job) -> None:
    if _WRITER is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker used before its initializer ran")
    _write(_WRITER, job)


def run_jobs(jobs: Sequence[J], factory: Callable[..., Callable[[J], None]],
             args: tuple[Any, ...], *, workers: int | None = None) -> int:
    """Write every job with ``factory(*args)``; returns the number of processes used.

    ``factory`` (a picklable, module-level callable) builds the writer once per process
    from the shared ``args``. ``workers``: ``None`` for ``default_workers()`` when the
    step is large enough to gain (``MIN_PARALLEL_ROWS``), 1 for in-process. The biggest
    files are handed out first, so no worker is left with a large one at the end.
    """
    total = sum(j.size for j in jobs)
    if workers is None:
        workers = default_workers() if total >= MIN_PARALLEL_ROWS else 1
    workers = max(1, min(workers, len(jobs)))
    if workers == 1 or not _may_start_processes():
        stream_jobs(jobs, factory, args, workers=1)
        return 1
    stream_jobs(sorted(jobs, key=lambda j: j.size, reverse=True), factory, args,
                workers=workers)
    return workers


def stream_jobs(jobs: Iterable[J], factory: Callable[..., Callable[[J], None]],
                args: tuple[Any, ...], *, workers: int) -> list[J]:
    """Write every job the iterable yields, handing each to a worker as soon as it is made;
    returns the jobs written, in the iterable's order.

    Why: where making a job takes time of its own (a decision document is filled from the
    store before it is laid out), ``run_jobs`` would make them all first while the workers
    wait; here the pool starts at once and lays out the first document while the caller
    fills the next. Jobs go out in the iterable's order, so it should yield the longest
    first. An exception while making a job cancels what has not started and is raised.
    """
    made: list[J] = []
    if workers <= 1 or not _may_start_processes():
        write = factory(*args)
        for job in jobs:
            _write(write, job)
            made.append(job)
        return made
    with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init,
                             initargs=(factory, args)) as pool:
        try:
            futures = []
            for job in jobs:
                futures.append(pool.submit(_run, job))
                made.append(job)
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the run has failed: write nothing more
            raise
    return made


R = TypeVar("R")


@contextmanager
def background(fn: Callable[..., R], *args: Any, run: bool = True,
               **kwargs: Any) -> Iterator[Callable[[], R]]:
    """``fn(*args, **kwargs)`` in a worker process while the caller goes on; yields a
    function that waits for the result (and raises what ``fn`` raised).

    Why: a step that is one long single-threaded render (the district report's PDF) can
    overlap with a step that already uses every core (the lists), so the cores never wait
    for it at the end. With ``run=False`` (a small run: a worker costs more than it
    saves) ``fn`` runs in this process when the result is asked for. Leaving the block
    waits for the worker, also when the caller failed before asking.
    """
    if not (run and _may_start_processes()):
        yield lambda: fn(*args, **kwargs)
        return
    wait = detached(fn, *args, **kwargs)
    try:
        yield wait
    finally:
        with suppress(Exception):  # the caller's own error, if any, is the one raised
            wait()


def _answer(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...],
            kwargs: dict[str, Any]) -> None:
    try:
        result: tuple[bool, Any] = (True, fn(*args, **kwargs))
    except BaseException as exc:  # the caller raises it
        result = (False, exc)
    try:
        conn.send(result)
    finally:
        conn.close()


def detached(fn: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R]:
    """``fn(*args, **kwargs)`` in a process of its own, started now; returns a function
    that waits for the result (and raises what ``fn`` raised; asking again gives the same).

    Why a process per job and not a pool's worker: a worker lives until the pool is shut
    down, holding the memory its job used (Python rarely gives it back); this process exits
    as soon as its job is done, so a job that finishes early (the run's portal snapshot,
    while the lists are still written) frees its memory while the caller goes on.
    """
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    # every concrete context has Process; typeshed's BaseContext does not declare it
    proc = ctx.Process(target=_answer, args=(send, fn, args, kwargs),  # type: ignore[attr-defined]
                       daemon=True)
    proc.start()
    send.close()
    outcome: list[tuple[bool, Any]] = []

    def wait() -> R:
        if not outcome:
            try:
                outcome.append(receive.recv())
            except EOFError:
                proc.join()
                outcome.append((False, RuntimeError(
                    f"the worker process ended without an answer (exit code "
                    f"{proc.exitcode})")))
            finally:
                receive.close()
            proc.join()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    return wait
