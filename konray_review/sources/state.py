"""Where pulled submissions and per-form watermarks are kept, committed atomically.

The contract (``StateStore``) is small on purpose, so the store work (SQLite / PostgreSQL in
``konray_review/store/``) can implement it too:

* ``get_watermark(key)``: the newest server change time committed for this form, or None.
* ``commit_batch(key, households, members, new_watermark)``: in ONE transaction, upsert the
  household rows by ``(source_key, instance_id)`` (the submission's original id: an edited
  submission replaces its earlier version, a deleted one arrives with ``deleted = True``),
  replace the member rows of those submissions, and move the watermark forward (never back).
  If anything fails, nothing changes: the next pull starts from the old watermark.
* ``load(key)``: the committed tables of this form (used to mark deletions on full pulls).

``FileStateStore`` is the implementation the CLI uses: a folder of Parquet generations and a
``CURRENT`` pointer replaced with an atomic rename.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from konray_review.masks import isin

KEY_COLUMN = "source_key"


@runtime_checkable
class StateStore(Protocol):
    def get_watermark(self, key: str) -> datetime | None: ...

    def commit_batch(self, key: str, households: pd.DataFrame, members: pd.DataFrame,
                     new_watermark: datetime | None) -> None: ...

    def load(self, key: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]: ...


def merge_batch(old_hh: pd.DataFrame, old_mem: pd.DataFrame, key: str, households: pd.DataFrame,
                members: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Upsert ``households`` (and their members) for ``key`` into the old tables.

    Pure, so any store can reuse it. Rows of the batch win over stored rows with the same
    ``(source_key, instance_id)``; inside the batch the latest version (most edits, latest
    update) wins.
    """
    households = dedupe_latest(households.assign(**{KEY_COLUMN: key}))
    members = members.assign(**{KEY_COLUMN: key})
    members = members[isin(members["instance_id"], households["instance_id"])]
    if old_hh.empty:
        return households.reset_index(drop=True), members.reset_index(drop=True)
    replaced = (old_hh[KEY_COLUMN] == key).to_numpy() & isin(old_hh["instance_id"],
                                                              households["instance_id"])
    mem_replaced = (old_mem[KEY_COLUMN] == key).to_numpy() & isin(old_mem["instance_id"],
                                                                  households["instance_id"])
    hh = pd.concat([old_hh[~replaced], households], ignore_index=True)
    mem = pd.concat([old_mem[~mem_replaced], members], ignore_index=True)
    return hh, mem


def older_than_stored(households: pd.DataFrame, stored: pd.DataFrame) -> pd.Series:
    """Rows of ``households`` whose stored version of the same submission is newer.

    The order is the server's own, never the import's: more edits is newer (Central
    ``__system/edits`` / CSV ``Edits``, KoBo ``deprecatedID``, an XML ``deprecatedID``
    chain); with as many edits, a later server change (``updatedAt``) is newer. A row the
    store has not seen, or with equal version, is not older (re-importing the same export
    is idempotent).
    """
    if stored.empty or households.empty:
        return pd.Series(False, index=households.index)
    old = stored.drop_duplicates("instance_id", keep="last").set_index("instance_id")
    ids = households["instance_id"]
    old_edits = pd.to_numeric(ids.map(old["edits"]), errors="coerce")
    new_edits = pd.to_numeric(households["edits"], errors="coerce")
    old_time = pd.to_datetime(ids.map(old["updated_at"]), utc=True, errors="coerce")
    new_time = pd.to_datetime(households["updated_at"], utc=True, errors="coerce")
    fewer = (new_edits.fillna(0) < old_edits).fillna(False)
    earlier = ((new_edits.fillna(0) == old_edits) & (new_time < old_time)).fillna(False)
    return (fewer | earlier).astype(bool)


def dedupe_latest(households: pd.DataFrame) -> pd.DataFrame:
    """One row per submission id: the one with most edits, then latest update / submission."""
    if households.empty:
        return households
    order = [c for c in ("edits", "updated_at", "submitted_at") if c in households.columns]
    ranked = households.sort_values(order, kind="mergesort", na_position="first")
    return ranked.drop_duplicates([KEY_COLUMN, "instance_id"], keep="last").sort_index()


class FileStateStore:
    """Parquet generations in a folder; ``CURRENT`` names the committed one (atomic rename).

    One writer at a time (one pull process); readers always see a whole generation.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _current(self) -> Path | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        return self.root / pointer.read_text(encoding="utf-8").strip()

    def _watermarks(self) -> dict[str, str]:
        cur = self._current()
        if cur is None:
            return {}
        return json.loads((cur / "watermarks.json").read_text(encoding="utf-8"))

    def get_watermark(self, key: str) -> datetime | None:
        value = self._watermarks().get(key)
        return datetime.fromisoformat(value) if value else None

    def load(self, key: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        cur = self._current()
        if cur is None:
            return pd.DataFrame(), pd.DataFrame()
        hh = pd.read_parquet(cur / "households.parquet")
        mem = pd.read_parquet(cur / "members.parquet")
        if key is not None and not hh.empty:
            hh = hh[hh[KEY_COLUMN] == key].reset_index(drop=True)
            mem = mem[mem[KEY_COLUMN] == key].reset_index(drop=True)
        return hh, mem

    def commit_batch(self, key: str, households: pd.DataFrame, members: pd.DataFrame,
                     new_watermark: datetime | None) -> None:
        old_hh, old_mem = self.load()
        hh, mem = merge_batch(old_hh, old_mem, key, households, members)
        marks = self._watermarks()
        old = self.get_watermark(key)
        if new_watermark is not None and (old is None or new_watermark > old):
            marks[key] = new_watermark.isoformat()
        tmp = Path(tempfile.mkdtemp(prefix="gen-", dir=self.root))
        hh.to_parquet(tmp / "households.parquet", index=False)
        mem.to_parquet(tmp / "members.parquet", index=False)
        (tmp / "watermarks.json").write_text(json.dumps(marks, indent=1), encoding="utf-8")
        pointer = self.root / f".CURRENT.{tmp.name}"
        pointer.write_text(tmp.name, encoding="utf-8")
        previous = self._current()
        os.replace(pointer, self.root / "CURRENT")  # the commit point
        if previous is not None and previous != tmp:
            shutil.rmtree(previous, ignore_errors=True)
