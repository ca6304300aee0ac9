"""One unit of work: validate, classify and sum one partition, write its outputs.

Runs anywhere (a Dask worker, the flow process, a test) and returns only small things: a
status and the partition's additive cube. A partition that cannot be processed at all (an
unreadable file, a missing column) is reported as ``failed`` with the reason and quarantined
as a whole; it never stops the other partitions.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.scale.cube import empty_cube, partition_cube
from konray_review.scale.gate import classify_gated, drop_duplicate_ids, quarantine_frame
from konray_review.scale.layout import (
    Partition,
    read_history,
    read_partition,
    write_partition_frame,
)

#: result columns written at rest (no PII: names and ID numbers stay in the canonical tables)
PLACE_COLUMNS = ["province", "commune", "village"]


@dataclass
class Outcome:
    key: str
    status: str  # "ok" | "failed"
    households_in: int = 0
    accepted: int = 0
    quarantined_households: int = 0
    error: str = ""
    seconds: float = 0.0
    #: CPU seconds of the process that ran it, during it (on a shared machine, wall
    #: seconds say how long it waited for a core; CPU seconds how much work it was)
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    pid: int = 0  # process that ran it: its peak memory is the max over its partitions
    cube: pd.DataFrame = field(default_factory=empty_cube, repr=False)

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("cube")
        return d


def process_partition(partition: Partition, out_root: str | Path, *, year: int,
                      profile: Any | None = None, engine: str = "gx",
                      duplicate_ids: frozenset[str] = frozenset()) -> Outcome:
    """Validate + classify + sum one partition; write results and quarantine under out_root."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        outcome = _process(partition, Path(out_root), year=year, profile=profile,
                           engine=engine, duplicate_ids=duplicate_ids)
    except Exception as exc:  # a bad partition must not stop the others: report it
        outcome = Outcome(partition.key, "failed", error=_describe(exc))
        _quarantine_whole(partition, Path(out_root), outcome.error)
    outcome.seconds = time.perf_counter() - t0
    outcome.cpu_seconds = time.process_time() - cpu0
    outcome.peak_rss_mib = peak_rss_mib()
    outcome.pid = os.getpid()
    return outcome


def _process(partition: Partition, out_root: Path, *, year: int, profile: Any | None,
             engine: str, duplicate_ids: frozenset[str]) -> Outcome:
    from konray_review.scale.validation import validate_tables

    households, members = read_partition(partition)
    hh, mem, q_dup = drop_duplicate_ids(households, members, duplicate_ids)
    checked = validate_tables(hh, mem, year=year, profile=profile, engine=engine)
    gated = classify_gated(checked.households, checked.members, year=year, profile=profile,
                           history=read_history(partition))
    quarantine = pd.concat([q_dup, checked.quarantine, gated.quarantine], ignore_index=True)
    result = with_places(gated.result, gated.households)
    write_partition_frame(result, partition, "results", out_root)
    write_partition_frame(quarantine, partition, "quarantine", out_root)
    return Outcome(partition.key, "ok", households_in=len(households), accepted=len(result),
                   quarantined_households=len(households) - len(result),
                   cube=partition_cube(gated.households, gated.result))


def _quarantine_whole(partition: Partition, out_root: Path, reason: str) -> None:
    """List every household of a failed partition in its quarantine file, when the ids can
    still be read; otherwise the status table (``aggregates/partitions.parquet``) is the record."""
    try:
        ids = pd.read_parquet(partition.path("households"), columns=["household_id"])
    except Exception:  # unreadable file: nothing more to list
        return
    q = pd.DataFrame({"household_id": ids["household_id"].astype(str).unique(),
                      "rule_id": "partition_failed", "table": "households", "column": "",
                      "message_en": f"partition could not be processed: {reason}",
                      "message_vi": f"không xử lý được phân vùng: {reason}"})
    write_partition_frame(quarantine_frame(q, "partition"), partition, "quarantine", out_root)


def with_places(result: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Classifier output plus province/commune/village, so results at rest stand alone."""
    places = households.drop_duplicates("household_id").set_index("household_id")
    out = result.copy()
    for c in PLACE_COLUMNS:
        if c in places.columns:
            out[c] = places[c].reindex(result["household_id"]).to_numpy()
    return out


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:497] + "..."


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
