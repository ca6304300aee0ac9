"""Incremental, lossless pulls: watermark -> overlap -> pull -> de-duplicate -> commit.

Why an overlap window: a server stamps ``submissionDate`` when a request starts, but the row
becomes visible when its transaction commits, so a row stamped just before the last pull's
newest row can appear after it. Pulling again from ``watermark - overlap`` and
de-duplicating on the submission id catches such rows without doubling anything. The
watermark moves only inside ``commit_batch``, i.e. after the batch is stored: a pull that
fails half way changes nothing and the next one starts where the last success ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from konray_review.masks import isin
from konray_review.memory import release_memory
from konray_review.sources.base import Batch, Pullable
from konray_review.sources.problems import finding, findings_frame
from konray_review.sources.state import KEY_COLUMN, StateStore, older_than_stored

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
    #: delivered rows older than the stored version of their submission (kept as stored)
    older: int = 0
    #: per file: what was refused or noted (``sources.problems.FINDING_COLUMNS``)
    findings: pd.DataFrame = field(default_factory=lambda: findings_frame([]))
    #: which submission every delivered row became (file, row, instance_id, form_id)
    delivery: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary_vi(self) -> str:
        refused = self.findings[self.findings["scope"] == "refused"] if len(self.findings) \
            else self.findings
        text = (f"{self.key}: nhận {self.received} phiếu (mới {self.new}, cập nhật "
                f"{self.updated}, đã xoá {self.deleted}), {self.members} thành viên, "
                f"{len(self.problems)} giá trị lỗi")
        if self.older:
            text += f", {self.older} bản cũ hơn bản đã lưu (giữ bản mới)"
        return text + (f", {len(refused)} tệp/dòng bị từ chối" if len(refused) else "")


def pull_into(source: Pullable, store: StateStore, *, since: datetime | None = None,
              overlap: timedelta = DEFAULT_OVERLAP, full: bool = False) -> PullReport:
    """Pull what changed since the stored watermark (or ``since``; naive = UTC) and commit."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    mark = since if since is not None else (None if full else store.get_watermark(source.key))
    start = mark - overlap if mark is not None else None
    batch = source.pull(start)
    release_memory()  # the parse's records are gone; the commit's peak need not sit on them
    old_hh, old_mem = store.load(source.key)
    if batch.full_snapshot:
        batch = _mark_missing_deleted(batch, old_hh, old_mem)
    batch, older = _keep_newer(batch, old_hh, getattr(source, "name", "?"))
    known = set(old_hh["instance_id"]) if not old_hh.empty else set()
    ids = batch.households["instance_id"]
    deleted = batch.households["deleted"].fillna(False).astype(bool)
    changed = _changed(batch.households, old_hh)
    store.commit_batch(source.key, batch.households, batch.members, batch.watermark)
    return PullReport(
        key=source.key, since=start, watermark=batch.watermark,
        received=int(ids.nunique()), new=int((~isin(ids, known)).sum()),
        updated=int((isin(ids, known) & ~deleted.to_numpy() & changed.to_numpy()).sum()),
        deleted=int(deleted.sum()),
        members=len(batch.members), problems=batch.problems, older=older,
        findings=batch.findings if batch.findings is not None else findings_frame([]),
        delivery=delivery_of(batch),
    )


def delivery_of(batch: Batch) -> pd.DataFrame:
    """Which submission each delivered row became; a source that gives one row per
    submission (the servers, the demo) delivered exactly its households."""
    if batch.delivery is not None:
        return batch.delivery.reset_index(drop=True)
    ids = batch.households["instance_id"] if len(batch.households) else pd.Series(dtype=object)
    return pd.DataFrame({"file": None, "row": None, "instance_id": ids.to_numpy(),
                         "form_id": batch.households.get("form_id")})


def _keep_newer(batch: Batch, old_hh: pd.DataFrame, label: str) -> tuple[Batch, int]:
    """Drop delivered rows older than the stored version of the same submission (fewer
    edits, or an earlier server change): re-importing an old export never reverts an edit.
    The rows stay in ``delivery`` (they belong to the stored submission) and are noted."""
    older = older_than_stored(batch.households, old_hh)
    if not older.any():
        return batch, 0
    gone = set(batch.households.loc[older, "instance_id"])
    keep = ~older
    files = (batch.delivery.loc[batch.delivery["instance_id"].isin(gone), "file"].dropna()
             if batch.delivery is not None else pd.Series(dtype=object))
    where = files.iloc[0] if len(files) else label
    n = int(older.sum())
    note = findings_frame([finding(where, "SRC-012", rows=n, detail=(str(n), str(n)))])
    findings = pd.concat([batch.findings, note], ignore_index=True) \
        if batch.findings is not None else note
    return replace(batch, households=batch.households[keep].reset_index(drop=True),
                   members=batch.members[~batch.members["instance_id"].isin(gone)]
                   .reset_index(drop=True),
                   problems=batch.problems[~batch.problems["instance_id"].isin(gone)]
                   .reset_index(drop=True) if len(batch.problems) else batch.problems,
                   findings=findings), n


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
    gone = ~isin(old_hh["instance_id"], batch.households["instance_id"]) & ~old_hh[
        "deleted"].fillna(False).astype(bool).to_numpy()
    if not gone.any():
        return batch
    now = pd.Timestamp(datetime.now(UTC)).as_unit("us")
    marked = old_hh[gone].drop(columns=[KEY_COLUMN]).assign(deleted=True, deleted_at=now)
    marked["deleted"] = marked["deleted"].astype("boolean")
    kept_members = old_mem[isin(old_mem["instance_id"], marked["instance_id"])].drop(
        columns=[KEY_COLUMN])
    hh = pd.concat([batch.households, marked], ignore_index=True)
    mem = pd.concat([batch.members, kept_members], ignore_index=True)
    return replace(batch, households=hh, members=mem)


def live_tables(households: pd.DataFrame, members: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """The canonical tables without deleted submissions (what the classifier should see)."""
    if households.empty:
        return households, members
    alive = ~households["deleted"].fillna(False).astype(bool)
    keep = set(households.loc[alive, "instance_id"])
    return (households[alive].reset_index(drop=True),
            members[isin(members["instance_id"], keep)].reset_index(drop=True))
