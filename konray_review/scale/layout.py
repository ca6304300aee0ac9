"""Partitioned Parquet at rest: ``<root>/<table>/review_year=Y/province_code=P/commune_code=C/``.

Why this layout: one review year of one commune is the unit the review is organised by, so
it is the natural unit of work and of storage. Directory keys are hive-style so DuckDB reads
the whole tree (``read_parquet('<root>/results/**/*.parquet', hive_partitioning=true)``) and
can prune by year, province or commune. Keys are ASCII slugs of the names (``Đăk Rve`` ->
``dak_rve``); the files keep the canonical ``province``/``commune`` columns unchanged, so the
partition keys never shadow a canonical column. A commune may hold several part files (one
per generator chunk or source pull); each part file is one unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from konray_review.profile import slugify

TABLES = ("households", "members")
#: earlier reviews on record (household_id, review_year, category): optional, same keys
HISTORY = "history"
#: key used for a blank province/commune or a member whose household is not in the table
UNKNOWN = "_unknown"


@dataclass(frozen=True, order=True)
class Partition:
    """One unit of work: the households and members part files at the same relative path."""

    root: str
    rel: str  # "review_year=2023/province_code=kon_tum/commune_code=dak_rve"
    name: str  # part file stem, e.g. "part-00003"

    @property
    def key(self) -> str:
        return f"{self.rel}/{self.name}"

    def path(self, table: str, root: str | Path | None = None) -> Path:
        return Path(root or self.root) / table / self.rel / f"{self.name}.parquet"

    @property
    def labels(self) -> dict[str, str]:
        """``{"review_year": "2023", "province_code": ..., "commune_code": ...}``."""
        return dict(part.split("=", 1) for part in self.rel.split("/"))

    @property
    def year(self) -> int:
        return int(self.labels["review_year"])


def partition_rel(year: int, province: object, commune: object) -> str:
    return (f"review_year={int(year)}/province_code={_slug(province)}"
            f"/commune_code={_slug(commune)}")


def _slug(name: object) -> str:
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return UNKNOWN
    return slugify(str(name)) or UNKNOWN


def write_tables(households: pd.DataFrame, members: pd.DataFrame, root: str | Path, *,
                 part: str = "part-00000", history: pd.DataFrame | None = None,
                 ) -> list[Partition]:
    """Write one review's canonical tables, split by year, province and commune.

    Each member (and history row) goes where its household goes (first row of that household
    id); a row whose household is missing is written to the ``_unknown`` partition of its
    year, never dropped, so validation can report it. Returns the partitions written.
    """
    hh_rel = _household_rel(households)
    first = ~households["household_id"].duplicated().to_numpy()
    lookup = pd.Series(hh_rel[first], index=households["household_id"].to_numpy()[first])
    unknown = partition_rel(_single_year(households), None, None)
    mem_rel = _follow(members, lookup, unknown)
    rows = {"households": _positions(hh_rel), "members": _positions(mem_rel)}
    frames = {"households": households, "members": members}
    if history is not None:
        rows[HISTORY] = _positions(_follow(history, lookup, unknown))
        frames[HISTORY] = history
    none = np.array([], dtype=np.int64)
    written = []
    for rel in sorted(set(rows["households"]) | set(rows["members"])):
        p = Partition(str(root), rel, part)
        for table, where in rows.items():
            _write(frames[table].iloc[where.get(rel, none)], p.path(table))
        written.append(p)
    return written


def _positions(keys: np.ndarray) -> dict[str, np.ndarray]:
    """Row positions per partition key, in one pass (no scan per partition)."""
    if not len(keys):
        return {}
    groups = pd.Series(np.arange(len(keys))).groupby(keys, sort=False).indices
    return {str(k): np.asarray(v) for k, v in groups.items()}  # per partition, not per row


def _follow(table: pd.DataFrame, lookup: pd.Series, unknown: str) -> np.ndarray:
    rel = table["household_id"].map(lookup).to_numpy(dtype=object)
    rel[pd.isna(rel)] = unknown
    return rel


def _household_rel(households: pd.DataFrame) -> np.ndarray:
    """Partition directory of every household row (one lookup per distinct key, not per row)."""
    keys = households[["review_year", "province", "commune"]].astype(object)
    group = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
    firsts = keys.drop_duplicates()
    names = np.array([partition_rel(*r) for r in firsts.itertuples(index=False, name=None)],
                     dtype=object)
    return names[group] if len(group) else np.array([], dtype=object)


def _single_year(households: pd.DataFrame) -> int:
    years = pd.unique(households["review_year"])
    return int(years[0]) if len(years) else 0


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.reset_index(drop=True).to_parquet(path, index=False)


def write_partition_frame(frame: pd.DataFrame, partition: Partition, table: str,
                          root: str | Path) -> Path:
    """Write a per-partition output (results, quarantine) under ``root/table`` at the same keys."""
    path = partition.path(table, root)
    _write(frame, path)
    return path


def list_partitions(root: str | Path, year: int | None = None) -> list[Partition]:
    """Every part file under ``root/households`` and ``root/members`` (optionally one year)."""
    root = Path(root)
    pattern = f"review_year={int(year)}" if year is not None else "review_year=*"
    found: set[Partition] = set()
    for table in TABLES:
        base = root / table
        for f in base.glob(f"{pattern}/province_code=*/commune_code=*/*.parquet"):
            found.add(Partition(str(root), f.parent.relative_to(base).as_posix(), f.stem))
    return sorted(found)


def read_partition(partition: Partition) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The households and members of one partition; a missing file reads as an error."""
    return tuple(pd.read_parquet(partition.path(t)) for t in TABLES)  # type: ignore[return-value]


def read_history(partition: Partition) -> pd.DataFrame | None:
    path = partition.path(HISTORY)
    return pd.read_parquet(path) if path.exists() else None


def read_all(root: str | Path, year: int) -> dict[str, pd.DataFrame | None]:
    """Whole tables of one review year in one process (the single-machine path)."""
    parts = list_partitions(root, year)
    out: dict[str, pd.DataFrame | None] = {}
    for table in (*TABLES, HISTORY):
        files = [p.path(table) for p in parts if p.path(table).exists()]
        out[table] = (pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
                      if files else None)
    return out
