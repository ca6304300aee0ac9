"""The Prefect flow of a partitioned review, fanned out on Dask (prefect-dask).

Why Prefect + Dask and not a home-made pool: a province or the ministry may already run a
Dask cluster; ``DaskTaskRunner(address=...)`` sends the partitions there, and Prefect keeps
the run history and retries. Without an address a local cluster is started for the run.
The per-partition work lives in ``partition.process_partition`` (plain Python), so workers
only need ``konray_review`` installed, and tests can call it without Prefect.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from konray_review.scale.layout import Partition
from konray_review.scale.partition import Outcome
from konray_review.scale.run import BATCH_HOUSEHOLDS, RunSummary, process_batch, run_partitioned


def batch_job(batch: list[Partition], out: str, year: int, profile_ref: str | None,
              engine: str, duplicate_ids: frozenset[str]) -> list[Outcome]:
    """What a worker runs: load the district profile there, then process a batch."""
    from konray_review.profile import load_profile

    profile = load_profile(profile_ref) if profile_ref else None
    return process_batch(batch, out, year=year, profile=profile, engine=engine,
                         duplicate_ids=duplicate_ids)


# (Prefect's overloads of ``task`` do not type a positional function with keyword options)
batch_task = task(batch_job, name="scale-partitions",  # type: ignore[call-overload]
                  cache_policy=NO_CACHE)


@flow(name="scale-review", log_prints=False)
def scale_review(input_dir: str, out_dir: str, year: int, profile: str | None = None,
                 engine: str = "gx", batch_households: int = BATCH_HOUSEHOLDS) -> RunSummary:
    """Validate, classify and sum every partition of one review year on the task runner."""
    summary = run_partitioned(input_dir, out_dir, year=year, profile=profile, engine=engine,
                              mapper=_prefect_map, batch_households=batch_households)
    logger = get_run_logger()
    logger.info(summary.text())
    for key in summary.failed:
        logger.warning("Phân vùng lỗi, đã cách ly / failed partition quarantined: %s", key)
    return summary


def _prefect_map(batches: list[list[Partition]], out: str, *, year: int,
                 profile: str | None, engine: str,
                 duplicate_ids: frozenset[str]) -> list[Outcome]:
    futures = batch_task.map(batches, unmapped(out), unmapped(year), unmapped(profile),
                             unmapped(engine), unmapped(duplicate_ids))
    outcomes: list[Outcome] = []
    for batch, fut in zip(batches, futures, strict=True):
        try:
            outcomes += fut.result()
        except Exception as exc:  # a worker lost or killed: its partitions fail, not the run
            outcomes += [Outcome(p.key, "failed", error=f"{type(exc).__name__}: {exc}")
                         for p in batch]
    return outcomes


def task_runner(dask_address: str | None = None, workers: int = 1, *,
                processes: bool = True) -> Any:
    """``DaskTaskRunner`` on an existing cluster (``address``) or a new local one."""
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": max(1, int(workers)), "threads_per_worker": 1,
        "processes": processes, "dashboard_address": None,
    })


def run_flow(input_dir: str | Path, out_dir: str | Path, *, year: int,
             profile: str | None = None, engine: str = "gx", dask_address: str | None = None,
             workers: int = 1, processes: bool = True,
             batch_households: int = BATCH_HOUSEHOLDS) -> RunSummary:
    """Run ``scale_review`` on Dask: the cluster at ``dask_address``, else a local one."""
    runner = task_runner(dask_address, workers, processes=processes)
    with api_shared_with_local_workers(enabled=processes and not dask_address):
        return scale_review.with_options(task_runner=runner)(
            str(input_dir), str(out_dir), year, profile, engine, batch_households)


@contextmanager
def api_shared_with_local_workers(enabled: bool = True) -> Iterator[None]:
    """Let local worker processes report to this process's Prefect API.

    Without ``PREFECT_API_URL`` Prefect starts a temporary API server in each process that
    needs one; every Dask worker process would start its own (measured: ~10 s or more each,
    and the task runs would be recorded apart from their flow run). Start the temporary
    server here and hand its address to the worker processes through the environment.
    """
    from prefect.settings import PREFECT_API_URL

    if not enabled or PREFECT_API_URL.value() or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the same instance the flow engine uses in this process
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)
