"""Partitioned Parquet at rest: ``<root>/<table>/review_year=Y/province_code=P/commune_code=C/<part>.parquet``.

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
                 part: str = "part-00000") -> list[Partition]:
    """Write one review's canonical tables, split by year, province and commune.

    Each member goes where its household goes (first row of that household id); a member
    whose household is missing is written to the ``_unknown`` partition of its year, never
    dropped, so validation can report it. Returns the partitions written.
    """
    hh_rel = _household_rel(households)
    first = ~households["household_id"].duplicated().to_numpy()
    lookup = pd.Series(hh_rel[first], index=households["household_id"].to_numpy()[first])
    mem_rel = members["household_id"].map(lookup).to_numpy(dtype=object)
    orphan = pd.isna(mem_rel)
    if orphan.any():
        year = _single_year(households)
        mem_rel[orphan] = partition_rel(year, None, None)
    written = []
    for rel in sorted(set(hh_rel) | set(mem_rel)):
        p = Partition(str(root), rel, part)
        _write(households[hh_rel == rel], p.path("households"))
        _write(members[mem_rel == rel], p.path("members"))
        written.append(p)
    return written


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


def read_all(root: str | Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole tables of one review year in one process (the single-machine path)."""
    parts = list_partitions(root, year)
    out = []
    for table in TABLES:
        files = [p.path(table) for p in parts if p.path(table).exists()]
        out.append(pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
                   if files else pd.DataFrame())
    return out[0], out[1]
