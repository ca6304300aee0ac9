"""The partitions fanned out on Dask directly: a warm local cluster, or one already running.

Why not only the Prefect flow (``scale.flow``): on two cores its orchestration cost more
than the second worker gave (measured at 500,000 households: one worker 26.5 s, two 30.0 s,
plus ~40 s of cluster start and ~21 s of Prefect's temporary server). Here the driver
talks to the scheduler itself (``Client.map``, one task per batch of partitions), the
local workers are processes with one thread each, no dashboard, and they import the
review code while the cluster starts (``preload``), so the first task does not pay for it.
The work per batch is the same function as everywhere else (``run.process_batch``), so
results equal the single-machine run exactly. The Prefect flow stays for deployments that
want its run history (``konray-review scale run --prefect``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from konray_review.scale.layout import Partition
from konray_review.scale.partition import Outcome
from konray_review.scale.run import BATCH_HOUSEHOLDS, RunSummary, process_batch, run_partitioned

#: imported by every local worker process as it starts (see ``warm``)
PRELOAD = "konray_review.scale.warm"
#: batches per worker, so a slow batch at the end does not leave the other workers idle
BATCHES_PER_WORKER = 8


@dataclass
class ClusterInfo:
    """Where the run went: the scheduler, how many workers, seconds to have them ready."""

    address: str
    workers: int
    start_seconds: float
    local: bool


@contextmanager
def dask_client(address: str | None = None, workers: int = 2) -> Iterator[tuple[Any,
                                                                              ClusterInfo]]:
    """A ``distributed.Client`` on ``address`` (an existing scheduler), or on a new local
    cluster of ``workers`` processes that is closed afterwards."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    if address:
        client = Client(address)
        try:
            client.wait_for_workers(1)
            n = len(client.scheduler_info().get("workers", {}))
            yield client, ClusterInfo(address, n, time.perf_counter() - t0, local=False)
        finally:
            client.close()
        return
    with _forked_workers():  # for the cluster's life: a restarted worker is forked warm too
        cluster = LocalCluster(n_workers=max(1, int(workers)), threads_per_worker=1,
                               processes=True, dashboard_address=None, preload=[PRELOAD],
                               silence_logs=logging.WARNING, scheduler_port=0)
        try:
            client = Client(cluster)
            try:
                client.wait_for_workers(max(1, int(workers)))
                info = ClusterInfo(cluster.scheduler_address, max(1, int(workers)),
                                   time.perf_counter() - t0, local=True)
                yield client, info
            finally:
                client.close()
        finally:
            cluster.close()


@contextmanager
def _forked_workers() -> Iterator[None]:
    """Start local worker processes from a fork server that has imported the review code
    once (``PRELOAD``): each worker is a fork of it, instead of a fresh interpreter that
    imports distributed, pandas, pyarrow and the review code again (seconds per worker on
    a busy two-core machine)."""
    import dask
    from distributed.utils import get_mp_context

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        ctx = get_mp_context()
        ctx.set_forkserver_preload(["distributed", PRELOAD])
        yield


def batch_size(total_households: int, workers: int,
               most: int = BATCH_HOUSEHOLDS) -> int:
    """Households per task: at most ``most`` (memory per worker), and small enough that
    every worker gets ``BATCHES_PER_WORKER`` tasks (load balance on few large communes)."""
    per = math.ceil(max(1, total_households) / (max(1, workers) * BATCHES_PER_WORKER))
    return max(1, min(most, per))


def _batch(batch: list[Partition], out: str, *, profile: Any | None = None,
           **kwargs: Any) -> list[Outcome]:
    """What a worker runs: a district profile named by reference is loaded there."""
    if isinstance(profile, str):
        from konray_review.profile import load_profile

        profile = load_profile(profile)
    return process_batch(batch, out, profile=profile, **kwargs)


def client_mapper(client: Any) -> Any:
    """A ``run_partitioned`` mapper that runs each batch as one task on ``client``.

    A batch whose task is lost (a worker killed, out of memory) fails its partitions,
    reported like any failed partition; the other batches go on."""

    def mapper(batches: list[list[Partition]], out: str, **kwargs: Any) -> list[Outcome]:
        # one shared copy of the review-wide duplicate ids (a list of one: not scattered
        # element by element)
        dups = client.scatter([kwargs.pop("duplicate_ids")], broadcast=True)[0]
        futures = client.map(_batch, batches, out=out, duplicate_ids=dups, pure=False,
                             **kwargs)
        outcomes: list[Outcome] = []
        for batch, fut in zip(batches, futures, strict=True):
            try:
                outcomes += fut.result()
            except Exception as exc:
                outcomes += [Outcome(p.key, "failed", error=f"{type(exc).__name__}: {exc}")
                             for p in batch]
        return outcomes

    return mapper


def run_dask(input_dir: str | Path, out_dir: str | Path, *, year: int,
             profile: Any | None = None, engine: str = "gx",
             dask_address: str | None = None, workers: int = 2,
             batch_households: int | None = None) -> tuple[RunSummary, ClusterInfo]:
    """Validate, classify and sum every partition on Dask; the summary and the cluster's
    start-up (its ``seconds`` exclude the start, as for the other paths)."""
    from konray_review.scale.layout import list_partitions
    from konray_review.scale.run import _rows

    with dask_client(dask_address, workers) as (client, info):
        if batch_households is None:
            total = sum(_rows(p.path("households"), 0) for p in list_partitions(input_dir,
                                                                                 year))
            batch_households = batch_size(total, info.workers)
        summary = run_partitioned(input_dir, out_dir, year=year, profile=profile,
                                  engine=engine, mapper=client_mapper(client),
                                  batch_households=batch_households)
    return summary, info
