"""The direct Dask path (``scale.cluster``): a warm local cluster of worker processes, or
an existing scheduler; results equal the single-machine run, a broken partition fails
alone, and the batches are spread over the workers."""

from __future__ import annotations

import shutil

import pandas as pd

from konray_review.scale.cluster import BATCHES_PER_WORKER, batch_size, run_dask
from konray_review.scale.layout import list_partitions
from konray_review.scale.run import read_results
from tests.scale.conftest import ENGINE, YEAR


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("household_id").reset_index(drop=True)


def test_batch_size_gives_every_worker_several_tasks_within_the_cap():
    assert BATCHES_PER_WORKER == 8
    assert batch_size(2_000_000, 2) == 100_000  # the memory cap per task
    assert batch_size(1_000_000, 2) == 62_500  # 16 tasks: 8 per worker
    assert batch_size(300_000, 3) == 12_500
    assert batch_size(1_400, 2) == 88  # ceil(1400 / 16)
    assert batch_size(10, 4) == 1
    assert batch_size(0, 2) == 1


def test_local_worker_processes_equal_single_machine(review_dir, single_run, tmp_path):
    summary, info = run_dask(review_dir, tmp_path, year=YEAR, engine=ENGINE, workers=2)
    assert info.local and info.workers == 2
    assert summary.failed == []
    pd.testing.assert_frame_equal(_sorted(read_results(tmp_path, YEAR)),
                                  _sorted(read_results(single_run.out, YEAR)))
    pd.testing.assert_frame_equal(summary.cube, single_run.cube)
    status = pd.read_parquet(tmp_path / "aggregates" / "partitions.parquet")
    assert status["pid"].nunique() == 2  # both worker processes did work
    assert len(status) == len(list_partitions(review_dir, YEAR))


def test_existing_cluster_address_and_a_broken_partition(review_dir, single_run, tmp_path):
    from distributed import LocalCluster

    data = tmp_path / "data"
    shutil.copytree(review_dir, data)
    bad = list_partitions(data, YEAR)[2]
    broken = pd.read_parquet(bad.path("households")).drop(columns=["latrine_type"])
    broken.to_parquet(bad.path("households"), index=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        summary, info = run_dask(data, tmp_path / "out", year=YEAR, engine=ENGINE,
                                 dask_address=cluster.scheduler_address)
    assert not info.local and info.workers == 2
    assert summary.failed == [bad.key]
    reason = pd.read_parquet(tmp_path / "out" / "aggregates" / "partitions.parquet") \
        .set_index("key").loc[bad.key, "error"]
    assert "latrine_type" in reason
    lost = set(broken["household_id"])
    reference = read_results(single_run.out, YEAR)
    pd.testing.assert_frame_equal(_sorted(read_results(tmp_path / "out", YEAR)),
                                  _sorted(reference[~reference["household_id"].isin(lost)]))
