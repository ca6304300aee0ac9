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


def _read(conn: sa.Connection, stmt: sa.Select, *tables: sa.Table) -> pd.DataFrame:
    df = pd.read_sql(stmt, conn)
    for t in tables:
        df = frames.restore(df, t)
    return df


def _read_parts(conn: sa.Connection, year: int) -> dict[str, pd.DataFrame]:
    """The year's live rows, all inside the caller's transaction (one consistent view)."""
    hh = _read(conn, sa.select(*[c for c in households.columns if c.name != "row_hash"])
               .where(households.c.review_year == year)
               .order_by(households.c.household_id), households)
    mem = _read(conn, sa.select(members).where(members.c.review_year == year)
                .order_by(members.c.household_id, members.c.member_no), members)
    cls = _read(conn, sa.select(classification, *[households.c[c] for c in _UNIT_COLUMNS])
                .join(households, sa.and_(
                    households.c.review_year == classification.c.review_year,
                    households.c.household_id == classification.c.household_id))
                .where(classification.c.review_year == year)
                .order_by(classification.c.household_id), classification, households)
    q = _read(conn, sa.select(*[c for c in quarantine.columns if c.name not in ("id", "row_hash")])
              .where(quarantine.c.review_year == year)
              .order_by(quarantine.c.enumerator, quarantine.c.household_id,
                        quarantine.c.rule_id, quarantine.c.id), quarantine)
    return {"households": hh, "members": mem, "classification": cls, "quarantine": q}


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
        parts = _read_parts(conn, year)
    return Snapshot(run_id, year, **parts)


def publish(engine: sa.Engine, run_id: str, year: int) -> Snapshot | None:
    """Build and store the run's snapshot once (the first publisher wins; None: not now)."""
    existing = load(engine, run_id)
    if existing is not None:
        return existing
    snap = build(engine, run_id, year)
    if snap is None:
        return None
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"run_id": run_id, "part": p, "review_year": year, "published_at": now,
             "n_rows": len(getattr(snap, p)), "data": _to_bytes(getattr(snap, p))}
            for p in PARTS]
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(table.insert(), rows)
    except sa.exc.IntegrityError:  # another worker published it first: theirs is the same run
        return load(engine, run_id)
    return snap


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
