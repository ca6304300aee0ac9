"""Incremental, lossless pulls: watermark -> overlap -> pull -> de-duplicate -> commit.

Why an overlap window: a server stamps ``submissionDate`` when a request starts, but the row
becomes visible when its transaction commits, so a row stamped just before the last pull's
newest row can appear after it. Pulling again from ``watermark - overlap`` and
de-duplicating on the submission id catches such rows without doubling anything. The
watermark moves only inside ``commit_batch``, i.e. after the batch is stored: a pull that
fails half way changes nothing and the next one starts where the last success ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from konray_review.sources.base import Batch, Source
from konray_review.sources.state import KEY_COLUMN, StateStore

DEFAULT_OVERLAP = timedelta(minutes=10)


@dataclass
class PullReport:
    key: str
    since: datetime | None
    watermark: datetime | None
    received: int
    new: int
    updated: int
    deleted: int
    members: int
    problems: pd.DataFrame

    def summary_vi(self) -> str:
        return (f"{self.key}: nhận {self.received} phiếu (mới {self.new}, cập nhật {self.updated},"
                f" đã xoá {self.deleted}), {self.members} thành viên, "
                f"{len(self.problems)} giá trị lỗi")


def pull_into(source: Source, store: StateStore, *, since: datetime | None = None,
              overlap: timedelta = DEFAULT_OVERLAP, full: bool = False) -> PullReport:
    """Pull what changed since the stored watermark (or ``since``; naive = UTC) and commit."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    mark = since if since is not None else (None if full else store.get_watermark(source.key))
    start = mark - overlap if mark is not None else None
    batch = source.pull(start)
    old_hh, old_mem = store.load(source.key)
    if batch.full_snapshot:
        batch = _mark_missing_deleted(batch, old_hh, old_mem)
    known = set(old_hh["instance_id"]) if not old_hh.empty else set()
    ids = batch.households["instance_id"]
    deleted = batch.households["deleted"].fillna(False).astype(bool)
    changed = _changed(batch.households, old_hh)
    store.commit_batch(source.key, batch.households, batch.members, batch.watermark)
    return PullReport(
        key=source.key, since=start, watermark=batch.watermark,
        received=int(ids.nunique()), new=int((~ids.isin(known)).sum()),
        updated=int((ids.isin(known) & ~deleted & changed).sum()), deleted=int(deleted.sum()),
        members=len(batch.members), problems=batch.problems,
    )


def _changed(households: pd.DataFrame, old_hh: pd.DataFrame) -> pd.Series:
    """Rows whose version differs from the stored one (edit count or server update time);
    rows merely seen again in the overlap window are not counted as updates."""
    if old_hh.empty:
        return pd.Series(True, index=households.index)
    old = old_hh.drop_duplicates("instance_id", keep="last").set_index("instance_id")
    ids = households["instance_id"]
    edits = ids.map(old["edits"]).astype("Int64")
    updated = ids.map(old["updated_at"])
    same = edits.eq(households["edits"]).fillna(False) & (
        updated.eq(households["updated_at"]).fillna(False)
        | (updated.isna() & households["updated_at"].isna()))
    return ~same.astype(bool)


def _mark_missing_deleted(batch: Batch, old_hh: pd.DataFrame, old_mem: pd.DataFrame) -> Batch:
    """On a full pull, stored submissions the server no longer has are marked deleted."""
    if old_hh.empty:
        return batch
    gone = ~old_hh["instance_id"].isin(batch.households["instance_id"]) & ~old_hh[
        "deleted"].fillna(False).astype(bool)
    if not gone.any():
        return batch
    now = pd.Timestamp(datetime.now(UTC)).as_unit("us")
    marked = old_hh[gone].drop(columns=[KEY_COLUMN]).assign(deleted=True, deleted_at=now)
    marked["deleted"] = marked["deleted"].astype("boolean")
    kept_members = old_mem[old_mem["instance_id"].isin(marked["instance_id"])].drop(
        columns=[KEY_COLUMN])
    hh = pd.concat([batch.households, marked], ignore_index=True)
    mem = pd.concat([batch.members, kept_members], ignore_index=True)
    return Batch(hh, mem, batch.problems, batch.watermark, batch.full_snapshot)


def live_tables(households: pd.DataFrame, members: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """The canonical tables without deleted submissions (what the classifier should see)."""
    if households.empty:
        return households, members
    alive = ~households["deleted"].fillna(False).astype(bool)
    keep = set(households.loc[alive, "instance_id"])
    return (households[alive].reset_index(drop=True),
            members[members["instance_id"].isin(keep)].reset_index(drop=True))
