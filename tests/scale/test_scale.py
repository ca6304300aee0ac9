"""Partitioned runs (sequential and on a local Dask cluster) equal the single-machine run."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from konray_review import aggregates
from konray_review.scale import cube as cubes
from konray_review.scale.generate import read_defects
from konray_review.scale.layout import list_partitions, read_all
from konray_review.scale.run import plan_batches, read_results, run_partitioned
from tests.scale.conftest import ENGINE, YEAR


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("household_id").reset_index(drop=True)


def test_layout_is_hive_partitioned_by_year_province_commune(review_dir):
    parts = list_partitions(review_dir, YEAR)
    assert len(parts) == 7
    glob = f"{review_dir}/households/**/*.parquet"
    by_dir = duckdb.sql(
        f"SELECT commune_code, count(DISTINCT commune) AS names, count(*) AS n "
        f"FROM read_parquet('{glob}', hive_partitioning=true) "
        f"WHERE review_year = {YEAR} AND province_code = 'kon_tum' GROUP BY 1").df()
    assert len(by_dir) == 7 and (by_dir["names"] == 1).all()
    tables = read_all(review_dir, YEAR)
    assert by_dir["n"].sum() == len(tables["households"]) >= 1400
    # every member is stored with its household
    for p in parts:
        hh, mem = (pd.read_parquet(p.path(t)) for t in ("households", "members"))
        assert mem["household_id"].isin(hh["household_id"]).all()


def test_partitioned_run_equals_single_machine(review_dir, single_run, tmp_path):
    summary = run_partitioned(review_dir, tmp_path, year=YEAR, engine=ENGINE,
                              batch_households=500)
    assert summary.failed == []
    single = _sorted(read_results(single_run.out, YEAR))
    parted = _sorted(read_results(tmp_path, YEAR))
    pd.testing.assert_frame_equal(parted, single)
    pd.testing.assert_frame_equal(summary.cube, single_run.cube)
    assert (summary.households_in, summary.accepted, summary.quarantined_households) == (
        single_run.households_in, single_run.accepted, single_run.quarantined_households)


def test_bad_records_are_quarantined_not_classified(review_dir, single_run):
    results = read_results(single_run.out, YEAR)
    defects = read_defects(review_dir)
    assert not results["household_id"].isin(defects["household_id"]).any()
    quarantine = pd.read_parquet(f"{single_run.out}/quarantine")
    assert set(defects["household_id"]) <= set(quarantine["household_id"])
    assert single_run.accepted + single_run.quarantined_households == single_run.households_in


def test_combined_aggregates_equal_whole_review_aggregates(review_dir, single_run):
    """Counts and rates from summed partition cubes equal those computed on the whole review."""
    tables = read_all(review_dir, YEAR)
    results = read_results(single_run.out, YEAR)
    households = tables["households"][tables["households"]["household_id"]
                                      .isin(results["household_id"])]
    expected = aggregates.counts_by(households, results.drop(columns=["commune", "province"]),
                                    by=["commune"])
    got = cubes.category_counts(single_run.cube, ["commune"])
    cols = ["commune", "poor", "near_poor", "households", "ethnic_minority_poor", "poor_rate"]
    pd.testing.assert_frame_equal(got[cols], expected[cols], check_dtype=False)


def test_cube_sums_are_exact_across_any_split(review_dir, single_run, tmp_path):
    """Summing per-partition cubes gives the same cube as one run (no averaged averages)."""
    results = read_results(single_run.out, YEAR)
    hh = read_all(review_dir, YEAR)["households"].drop_duplicates("household_id")
    halves = [results.iloc[::2], results.iloc[1::2]]
    combined = cubes.combine([cubes.partition_cube(hh, r) for r in halves])
    pd.testing.assert_frame_equal(combined, single_run.cube)
    af = cubes.alkire_foster(combined, ["review_year"], k=3, indicators=12)
    dep = results.filter(like="dep_").sum(axis=1)
    assert af.loc[0, "H"] == pytest.approx((dep >= 3).mean())


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    from prefect.testing.utilities import prefect_test_harness

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
        mp.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        mp.setenv("DO_NOT_TRACK", "1")
        with prefect_test_harness(server_startup_timeout=90):
            yield


def test_flow_on_existing_dask_cluster_quarantines_bad_partition(
        review_dir, single_run, tmp_path, prefect_api):
    """The Prefect flow on a running Dask cluster (--dask-address): one partition is broken
    (a required column is missing); it is reported and quarantined, all others are
    classified exactly as on one machine."""
    from distributed import LocalCluster

    from konray_review.scale.flow import run_flow

    data = tmp_path / "data"
    shutil.copytree(review_dir, data)
    bad = list_partitions(data, YEAR)[3]
    broken = pd.read_parquet(bad.path("households")).drop(columns=["water_source"])
    broken.to_parquet(bad.path("households"), index=False)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        summary = run_flow(data, tmp_path / "out", year=YEAR, engine=ENGINE,
                           dask_address=cluster.scheduler_address, batch_households=400)

    assert summary.failed == [bad.key]
    status = pd.read_parquet(tmp_path / "out" / "aggregates" / "partitions.parquet")
    reason = status.set_index("key").loc[bad.key, "error"]
    assert "water_source" in reason
    assert (status["status"] == "ok").sum() == 6
    assert status["pid"].nunique() == 1  # in-process workers; the batches were spread out:
    assert len(plan_batches(list_partitions(data, YEAR), 400)) > 2
    lost = set(broken["household_id"])
    held = pd.read_parquet(bad.path("quarantine", tmp_path / "out"))
    assert set(held["household_id"]) == lost and (held["rule_id"] == "partition_failed").all()
    reference = read_results(single_run.out, YEAR)
    expected = _sorted(reference[~reference["household_id"].isin(lost)])
    pd.testing.assert_frame_equal(_sorted(read_results(tmp_path / "out", YEAR)), expected)


def test_cli_generate_and_run_single_machine(tmp_path):
    from typer.testing import CliRunner

    from konray_review.cli import app

    runner = CliRunner()
    gen = runner.invoke(app, ["scale", "generate", "--households", "300", "--out",
                              str(tmp_path / "in"), "--bad-share", "0.05", "--year", str(YEAR)])
    assert gen.exit_code == 0, gen.output
    run = runner.invoke(app, ["scale", "run", "--input", str(tmp_path / "in"), "--year",
                              str(YEAR), "--out", str(tmp_path / "out"), "--engine", ENGINE])
    assert run.exit_code == 0, run.output
    results = read_results(tmp_path / "out", YEAR)
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine")
    assert len(results) + quarantine["household_id"].nunique() >= 300
    assert not results["household_id"].isin(quarantine["household_id"]).any()
