"""Run a partitioned review: review-wide checks, fan out partitions, combine exactly.

The fan-out is a parameter (``mapper``): the built-in sequential map for one machine, or the
Prefect flow's Dask task runner (``konray_review.scale.flow``). Everything before and after
the fan-out is cheap and runs in the calling process: a DuckDB query for household ids used
twice anywhere in the review, and combining the partitions' small additive cubes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.scale import cube as cubes
from konray_review.scale.layout import Partition, list_partitions
from konray_review.scale.partition import Outcome, process_partition

AGGREGATES = "aggregates"


@dataclass
class RunSummary:
    out: str
    partitions: int
    failed: list[str]
    households_in: int
    accepted: int
    quarantined_households: int
    seconds: float
    cube: pd.DataFrame

    def text(self) -> str:
        """Vietnamese first, English second; counts only (no personal data)."""
        return (f"Phân vùng / partitions: {self.partitions} (lỗi / failed: {len(self.failed)}); "
                f"hộ đầu vào / households in: {self.households_in}; "
                f"đã phân loại / classified: {self.accepted}; "
                f"cách ly / quarantined: {self.quarantined_households}; "
                f"{self.seconds:.1f} s")


def duplicate_household_ids(root: str | Path, year: int) -> frozenset[str]:
    """Household ids used more than once anywhere in one review year (DuckDB, streamed)."""
    import duckdb

    files = [str(p.path("households")) for p in list_partitions(root, year)
             if p.path("households").exists()]
    if not files:
        return frozenset()
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT household_id FROM read_parquet($files, union_by_name=true) "
            "GROUP BY household_id HAVING count(*) > 1", {"files": files}).fetchall()
    finally:
        con.close()
    return frozenset(str(r[0]) for r in rows)


#: default size of one task: partitions are grouped until they hold this many households
BATCH_HOUSEHOLDS = 100_000


def run_partitioned(
    root: str | Path, out: str | Path, *, year: int, profile: Any | None = None,
    engine: str = "gx", mapper: Callable[..., Iterable[Outcome]] | None = None,
    batch_households: int = BATCH_HOUSEHOLDS,
) -> RunSummary:
    """Validate, classify and sum every partition of ``year``; combine and write aggregates.

    Partitions are grouped into batches of about ``batch_households`` (real communes are
    small: one task per commune would cost more in scheduling than in work).
    ``mapper(batches, out, year=, profile=, engine=, duplicate_ids=)`` returns one Outcome
    per partition; the default processes the batches one after another in this process.
    """
    t0 = time.perf_counter()
    parts = list_partitions(root, year)
    if not parts:
        raise FileNotFoundError(f"{root}: no partitions for review year {year}")
    dups = duplicate_household_ids(root, year)
    mapper = mapper or sequential_map
    outcomes = list(mapper(plan_batches(parts, batch_households), str(out), year=year,
                           profile=profile, engine=engine, duplicate_ids=dups))
    return finish(outcomes, out, seconds=time.perf_counter() - t0)


def plan_batches(parts: list[Partition], batch_households: int) -> list[list[Partition]]:
    """Consecutive partitions grouped until a batch holds ``batch_households`` households.

    Sizes come from the Parquet footers (no data read); an unreadable footer counts as a
    full batch so a broken file is isolated in its own task.
    """
    batches: list[list[Partition]] = []
    current: list[Partition] = []
    size = 0
    for p in parts:
        current.append(p)
        size += _rows(p.path("households"), batch_households)
        if size >= batch_households:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def _rows(path: Path, default: int) -> int:
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return default


def process_batch(batch: list[Partition], out: str, **kwargs: Any) -> list[Outcome]:
    """Each partition of a batch on its own: one bad partition never fails its neighbours."""
    return [process_partition(p, out, **kwargs) for p in batch]


def sequential_map(batches: list[list[Partition]], out: str, **kwargs: Any) -> list[Outcome]:
    return [o for batch in batches for o in process_batch(batch, out, **kwargs)]


def finish(outcomes: list[Outcome], out: str | Path, *, seconds: float) -> RunSummary:
    """Combine the cubes (exact sums) and write the status table and the combined cube."""
    out = Path(out)
    (out / AGGREGATES).mkdir(parents=True, exist_ok=True)
    status = pd.DataFrame([o.row() for o in outcomes])
    status.to_parquet(out / AGGREGATES / "partitions.parquet", index=False)
    combined = cubes.combine([o.cube for o in outcomes if o.status == "ok"])
    combined.to_parquet(out / AGGREGATES / "cube.parquet", index=False)
    ok = status[status["status"] == "ok"]
    return RunSummary(
        out=str(out), partitions=len(status),
        failed=status.loc[status["status"] != "ok", "key"].tolist(),
        households_in=int(ok["households_in"].sum()), accepted=int(ok["accepted"].sum()),
        quarantined_households=int(ok["quarantined_households"].sum()),
        seconds=seconds, cube=combined,
    )


def read_results(out: str | Path, year: int | None = None) -> pd.DataFrame:
    """All results at rest (DuckDB over the partitioned tree), e.g. for reports and tests."""
    import duckdb

    where = "" if year is None else f"WHERE review_year = {int(year)}"
    glob = str(Path(out) / "results" / "**" / "*.parquet")
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet('{glob}', hive_partitioning=true, "
                           f"union_by_name=true) {where}").df()
    finally:
        con.close()
