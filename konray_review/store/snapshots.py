"""Published snapshots: one run's committed rows, frozen, so a reader never mixes two runs.

Why: a run commits its batch to the live tables and finishes a minute or more later (lists,
reports, write-back). A reader of the live tables during that minute sees the new rows under
the old run's name, and a reader that caches some tables and reads others live mixes both
(issue 15, item 3). A snapshot is built once from **one read transaction** (a consistent
view on SQLite WAL and PostgreSQL REPEATABLE READ), keyed by the run id, stored in the store
(table ``snapshots``: one Parquet blob per part) and never changed afterwards. Every process
and worker reads the same bytes; switching to a newer run is replacing one key by another.

``publish`` refuses (returns None) while a newer run of the year is still running and has
already written rows: then the live tables are no longer the finished run's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from konray_review.store import frames
from konray_review.store.engine import WRITE_OPTION
from konray_review.store.schema import classification, households, members, quarantine, runs
from konray_review.store.schema import snapshots as table

PARTS = ("households", "members", "classification", "quarantine")
_UNIT_COLUMNS = ("commune", "village", "area", "head_ethnicity")


@dataclass(frozen=True)
class Snapshot:
    """A run's rows as committed: immutable once published (treat the frames as read-only)."""

    run_id: str
    review_year: int
    households: pd.DataFrame
    members: pd.DataFrame
    classification: pd.DataFrame  # joined with the household's unit columns
    quarantine: pd.DataFrame


def _to_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", compression="zstd", index=False)
    return buf.getvalue()


def _from_bytes(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data), engine="pyarrow")


#: rows per fetch: the driver's row objects for a whole members table were most of a
#: snapshot's peak memory (966 MiB at 100,000 households; 443 MiB in chunks of 20,000)
CHUNK_ROWS = 25_000


def _read(conn: sa.Connection, stmt: sa.Select, *tables: sa.Table) -> pd.DataFrame:
    """One part, fetched in chunks, then typed by the tables' column kinds (``restore``
    types every column by the table, so chunks whose inferred dtypes differ, e.g. one
    chunk with only missing values, end up as one read would)."""
    chunks = list(pd.read_sql(stmt, conn, chunksize=CHUNK_ROWS))
    df = (pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else
          chunks[0] if chunks else pd.read_sql(stmt, conn))
    for t in tables:
        df = frames.restore(df, t)
    return df


def _read_parts(conn: sa.Connection, year: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """The year's live rows part by part, all inside the caller's transaction (one
    consistent view); one at a time, so a caller that only encodes them holds one."""
    yield "households", _read(
        conn, sa.select(*[c for c in households.columns if c.name != "row_hash"])
        .where(households.c.review_year == year)
        .order_by(households.c.household_id), households)
    yield "members", _read(conn, sa.select(members).where(members.c.review_year == year)
                           .order_by(members.c.household_id, members.c.member_no), members)
    yield "classification", _read(
        conn, sa.select(classification, *[households.c[c] for c in _UNIT_COLUMNS])
        .join(households, sa.and_(
            households.c.review_year == classification.c.review_year,
            households.c.household_id == classification.c.household_id))
        .where(classification.c.review_year == year)
        .order_by(classification.c.household_id), classification, households)
    yield "quarantine", _read(
        conn, sa.select(*[c for c in quarantine.columns if c.name not in ("id", "row_hash")])
        .where(quarantine.c.review_year == year)
        .order_by(quarantine.c.enumerator, quarantine.c.household_id,
                  quarantine.c.rule_id, quarantine.c.id), quarantine)


def _unfinished_writer(conn: sa.Connection, year: int, run_id: str) -> bool:
    """True when a later run of ``year`` than ``run_id`` has written rows (its own run id).

    Such a run is still going, or it failed after committing: either way the live tables
    are not ``run_id``'s any more, and a snapshot under that name would be a lie.
    """
    started = sa.select(runs.c.started_at).where(runs.c.run_id == run_id).scalar_subquery()
    running = conn.execute(sa.select(runs.c.run_id).where(
        runs.c.review_year == year, runs.c.run_id != run_id,
        runs.c.started_at >= sa.func.coalesce(started, runs.c.started_at))).scalars().all()
    if not running:
        return False
    for t in (classification, households, quarantine):
        hit = conn.execute(sa.select(t.c.run_id).where(
            t.c.review_year == year, t.c.run_id.in_(running)).limit(1)).first()
        if hit is not None:
            return True
    return False


def _consistent(engine: sa.Engine) -> sa.Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def build(engine: sa.Engine, run_id: str, year: int, *,
          force: bool = False) -> Snapshot | None:
    """The run's snapshot from the live tables, or None while a later run has written rows.

    ``force``: build it anyway (a provisional view for a reader that has nothing better;
    never published).
    """
    with _consistent(engine) as conn, conn.begin():
        if not force and _unfinished_writer(conn, year, run_id):
            return None
        parts = dict(_read_parts(conn, year))
    return Snapshot(run_id, year, **parts)


def _encoded(engine: sa.Engine, run_id: str, year: int,
             keep: bool) -> tuple[dict[str, tuple[int, bytes]], dict[str, pd.DataFrame]] | None:
    """Each part's row count and Parquet bytes (and, with ``keep``, its frame), encoded as
    it is read; None while a later run has written rows."""
    blobs: dict[str, tuple[int, bytes]] = {}
    kept: dict[str, pd.DataFrame] = {}
    with _consistent(engine) as conn, conn.begin():
        if _unfinished_writer(conn, year, run_id):
            return None
        for part, frame in _read_parts(conn, year):
            blobs[part] = (len(frame), _to_bytes(frame))
            if keep:
                kept[part] = frame
    return blobs, kept


def _insert(engine: sa.Engine, run_id: str, year: int,
            blobs: dict[str, tuple[int, bytes]]) -> bool:
    """Store the parts; False when another process stored the run's snapshot first."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"run_id": run_id, "part": p, "review_year": year, "published_at": now,
             "n_rows": n, "data": data} for p, (n, data) in blobs.items()]
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(table.insert(), rows)
    except sa.exc.IntegrityError:  # another worker published it first: theirs is the same run
        return False
    return True


def publish(engine: sa.Engine, run_id: str, year: int) -> Snapshot | None:
    """Build and store the run's snapshot once (the first publisher wins; None: not now)."""
    existing = load(engine, run_id)
    if existing is not None:
        return existing
    got = _encoded(engine, run_id, year, keep=True)
    if got is None:
        return None
    blobs, frames_ = got
    if not _insert(engine, run_id, year, blobs):
        return load(engine, run_id)
    return Snapshot(run_id, year, **frames_)


def store_only(engine: sa.Engine, run_id: str, year: int) -> bool:
    """``publish`` for a writer that does not read the snapshot (the review run): each part
    is encoded as soon as it is read, so at most one part's frame is held at a time.
    True when the run's snapshot is stored (by this call or an earlier one)."""
    with engine.connect() as conn:
        if conn.execute(sa.select(table.c.run_id).where(table.c.run_id == run_id)
                        .limit(1)).first() is not None:
            return True
    got = _encoded(engine, run_id, year, keep=False)
    if got is None:
        return False
    _insert(engine, run_id, year, got[0])
    return True


def discard(engine: sa.Engine, run_id: str) -> int:
    """Remove the snapshot of ``run_id`` (a run that failed after it was made); returns the
    number of parts removed."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        return int(conn.execute(table.delete().where(table.c.run_id == run_id)).rowcount)


def load(engine: sa.Engine, run_id: str) -> Snapshot | None:
    """The published snapshot of ``run_id``, or None when it was never published."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.part, table.c.review_year, table.c.data)
                            .where(table.c.run_id == run_id)).all()
    got = {r.part: r for r in rows}
    if set(PARTS) - set(got):
        return None
    year = int(got[PARTS[0]].review_year)
    return Snapshot(run_id, year, **{p: _from_bytes(got[p].data) for p in PARTS})


def published_runs(engine: sa.Engine, year: int) -> list[str]:
    """Run ids of the year with a published snapshot, newest first."""
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(table.c.run_id).where(table.c.review_year == year)
            .group_by(table.c.run_id).order_by(sa.func.max(table.c.published_at).desc(),
                                               table.c.run_id.desc())).scalars())
