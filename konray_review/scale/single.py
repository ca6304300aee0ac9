"""The single-machine path: the whole review in one process, same steps, same outputs.

This is the embedded default for a district (thousands to a few hundred thousand
households), and the reference the partitioned run must equal exactly.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import pandas as pd

from konray_review.scale.cube import partition_cube
from konray_review.scale.gate import classify_gated, drop_duplicate_ids
from konray_review.scale.layout import (
    HISTORY,
    Partition,
    partition_rel,
    read_all,
    write_partition_frame,
)
from konray_review.scale.partition import Outcome, peak_rss_mib, with_places
from konray_review.scale.run import RunSummary, finish


def run_single(root: str | Path, out: str | Path, *, year: int, profile: Any | None = None,
               engine: str = "gx") -> RunSummary:
    """Read every partition of ``year`` into one process, validate, classify, sum, write."""
    from konray_review.scale.validation import validate_tables

    t0 = time.perf_counter()
    tables = read_all(root, year)
    households, members = tables["households"], tables["members"]
    if households is None or members is None:
        raise FileNotFoundError(f"{root}: no partitions for review year {year}")
    ids = households["household_id"]
    dups = frozenset(ids[ids.duplicated()].astype(str))
    hh, mem, q_dup = drop_duplicate_ids(households, members, dups)
    checked = validate_tables(hh, mem, year=year, profile=profile, engine=engine)
    gated = classify_gated(checked.households, checked.members, year=year, profile=profile,
                           history=tables[HISTORY])
    quarantine = pd.concat([q_dup, checked.quarantine, gated.quarantine], ignore_index=True)
    result = with_places(gated.result, gated.households)
    write_results_by_place(result, out, year)
    whole = Partition(str(root), partition_rel(year, "_all", "_all"), "single")
    write_partition_frame(quarantine, whole, "quarantine", out)
    outcome = Outcome("single", "ok", households_in=len(households), accepted=len(result),
                      quarantined_households=len(households) - len(result),
                      cube=partition_cube(gated.households, gated.result),
                      seconds=time.perf_counter() - t0, peak_rss_mib=peak_rss_mib())
    return finish([outcome], out, seconds=time.perf_counter() - t0)


def write_results_by_place(result: pd.DataFrame, out: str | Path, year: int) -> None:
    """Results at rest with the same keys as the partitioned run (one file per commune)."""
    keys = result[["province", "commune"]].astype(object)
    groups = keys.groupby(["province", "commune"], dropna=False, sort=False).indices
    for key, rows in groups.items():
        province, commune = cast("tuple[Any, Any]", key)  # a (province, commune) group key
        p = Partition(str(out), partition_rel(year, province, commune), "single")
        write_partition_frame(result.iloc[rows], p, "results", out)
