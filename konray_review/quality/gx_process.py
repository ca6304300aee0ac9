"""Great Expectations in a process of its own, imported while the pull runs (issue 16).

Why: importing GX costs about 4 s of CPU (its pydantic models, scipy, the renderers) and
the review job paid it on the one busy core, between the pull and the checks, while the
other core of a 2-core office PC idled. The job now calls :func:`start` before it pulls:
a worker process starts and imports GX on the idle core. The suites then run there over
the narrow rule frames (booleans indexed by row id: a few megabytes even at 1 M members,
``engines._rule_frames``), and only the failing row ids come back; the Data Docs are
written by the worker into the same folder.

Without a started worker (library use, the engine's own tests, a Dask worker, a process
that has already imported GX) the suites run in the calling process, as before. One worker
serves every run of the process (a test session starts it once). If it dies (killed, out
of memory), the run says so in its log and checks in this process instead. After a large
batch (one that publishes on every core) the job lets the worker go, so that its few
hundred megabytes are not held through publishing; the next run starts another.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from konray_review.quality.engines import Layout, _Group

log = logging.getLogger("konray_review")

_POOL: ProcessPoolExecutor | None = None


def _leave_quickly() -> None:
    """In the worker, at exit: flush and leave without tearing GX's modules down (0.8 s of
    interpreter finalisation the job would wait for when it ends; nothing is left to
    write: every result has been sent)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(0)


def _worker_init() -> None:
    atexit.register(_leave_quickly)


def _import_gx() -> None:
    """What the worker does first: the imports ``engines._run_suites`` needs."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage events leave the machine
    import great_expectations
    import great_expectations.expectations  # noqa: F401
    from great_expectations.checkpoint import UpdateDataDocsAction  # noqa: F401


def start(*, even_if_imported: bool = False) -> bool:
    """Start the worker (once per process) and let it import GX; ``False`` where the
    suites will run here: GX is already imported (nothing to gain; ``even_if_imported``
    starts one all the same), or this process may not start one (a daemonic Dask or
    multiprocessing worker)."""
    global _POOL
    if _POOL is not None:
        return True
    if multiprocessing.current_process().daemon or (
            "great_expectations" in sys.modules and not even_if_imported):
        return False
    # no usage events leave the machine: set here too, so this process (whose checks may
    # run in-process after a worker failure) and the worker (spawned with this environment)
    # both have it before GX is imported
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    # spawn, not the lists' fork server: its preload (WeasyPrint, the writers) is not what
    # this worker needs, and GX in that preload would delay every publishing worker
    _POOL = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_worker_init)
    _POOL.submit(_import_gx)
    return True


def stop(*, wait: bool = True) -> None:
    """Shut the worker down; ``wait=False`` lets it leave while the caller goes on (the
    interpreter also stops it at exit)."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def run(frames: dict[str, pd.DataFrame], groups: dict[str, list[_Group]], layout: Layout,
        docs_dir: str | os.PathLike[str] | None, run_name: str, exclude_values: bool
        ) -> list[tuple[_Group, np.ndarray]] | None:
    """``engines._run_suites`` in the worker: each group's failing row ids, or ``None``
    when there is no worker (the caller runs the suites itself)."""
    global _POOL
    pool = _POOL
    if pool is None:
        return None
    flat = [g for table in groups.values() for g in table]
    # the check masks stay here: the worker needs the rules, not the rows x checks arrays
    light = {t: [replace(g, bad=None, row_ids=None) for g in table]
             for t, table in groups.items()}
    docs = str(Path(docs_dir).resolve()) if docs_dir is not None else None
    try:
        found = pool.submit(_remote, frames, light, layout, docs, run_name,
                            exclude_values).result()
    except BrokenProcessPool:
        _POOL = None
        log.warning("tiến trình kiểm tra chất lượng đã dừng; kiểm tra trong tiến trình này "
                    "(the Great Expectations worker stopped; checking in this process)")
        return None
    return [(flat[i], rows) for i, rows in found]


def _remote(frames: dict[str, pd.DataFrame], groups: dict[str, list[_Group]], layout: Layout,
            docs_dir: str | None, run_name: str, exclude_values: bool
            ) -> list[tuple[int, np.ndarray]]:
    """In the worker: the suites, and each result's group as its position in ``groups``."""
    from konray_review.quality.engines import _run_suites

    where = {id(g): i for i, g in enumerate(g for table in groups.values() for g in table)}
    found: list[tuple[Any, np.ndarray]] = _run_suites(frames, groups, layout, docs_dir,
                                                     run_name, exclude_values)
    return [(where[id(g)], rows) for g, rows in found]
