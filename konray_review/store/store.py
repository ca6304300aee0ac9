"""The ``Store``: every review year's canonical tables, classification, quarantine, watermarks
and run log, in one database (SQLite file by default, PostgreSQL by URL).

Writes of one run happen in one transaction (``commit_review``): a run killed half-way leaves
the previous state intact, and a re-run completes it. Rows carry a content hash, so a re-run
on the same input rewrites nothing (idempotent): only households whose data or
classification changed are replaced. The watermark of an incremental pull is written in the
same transaction, so it advances only together with the batch it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa

from konray_review.masks import isin
from konray_review.store import frames
from konray_review.store import submissions as sub
from konray_review.store.engine import WRITE_OPTION, make_engine
from konray_review.store.errors import guarded
from konray_review.store.schema import (
    add_missing_columns,
    classification,
    households,
    members,
    metadata,
    quarantine,
    run_files,
    run_findings,
    runs,
    submission_members,
    submission_problems,
    submissions,
    watermarks,
)

_CHUNK = 500  # ids per IN (...) list: far below every backend's parameter limit
_INSERT_CHUNK = 20_000  # rows per executemany: bounds memory on 100k-household runs
_UNIT_COLUMNS = ("commune", "village", "area", "head_ethnicity")


@dataclass(frozen=True)
class CommitStats:
    """What one ``commit_review`` changed (all zero on an idempotent re-run)."""

    households_written: int
    households_unchanged: int
    quarantine_added: int
    quarantine_removed: int
    households_removed: int = 0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _parse_mark(text: str | None) -> datetime | None:
    return _aware(datetime.fromisoformat(text)) if text else None


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


class Store:
    """One database holding every review year. Cheap to create; tables made on first use.

    A database error in any method raises :class:`StoreError` (two plain lines, no data
    from the rows being written; ``.detail`` for the log), never SQLAlchemy's text.
    """

    def __init__(self, url: str | None = None, *, engine: sa.Engine | None = None) -> None:
        self.engine: sa.Engine = engine or make_engine(url)
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    def _write(self) -> Any:
        """A connection whose transaction takes the write lock up front (SQLite)."""
        return self.engine.connect().execution_options(**{WRITE_OPTION: True})

    # --- run log ------------------------------------------------------------------------
    def start_run(self, run_id: str, review_year: int, source: str,
                  profile_id: str | None = None, output_dir: str | None = None,
                  host: str | None = None, pid: int | None = None) -> str:
        """Log a run as ``running``, with the process that runs it (so a run whose process
        died can be told from one still going)."""
        now = _now()
        with self._write() as conn, conn.begin():
            conn.execute(runs.insert().values(
                run_id=run_id, review_year=int(review_year), source=source,
                profile_id=profile_id, started_at=now, status="running",
                output_dir=output_dir, host=host, pid=pid, heartbeat_at=now))
        return run_id

    def run_stage(self, run_id: str, stage: str) -> None:
        """Record the stage a running run has reached (and that it is alive)."""
        with self._write() as conn, conn.begin():
            conn.execute(runs.update().where(runs.c.run_id == run_id)
                         .where(runs.c.status == "running")
                         .values(stage=stage, heartbeat_at=_now()))

    def save_accounting(self, run_id: str, files: pd.DataFrame,
                        findings: pd.DataFrame) -> None:
        """The run's per-file accounting and its readers' findings (replaced as a whole)."""
        with self._write() as conn, conn.begin():
            for table in (run_files, run_findings):
                conn.execute(table.delete().where(table.c.run_id == run_id))
            for table, frame in ((run_files, files), (run_findings, findings)):
                if len(frame):
                    self._insert(conn, table, frames.normalise(frame, table, run_id=run_id))

    def read_accounting(self, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(per-file accounting, findings) of a run, in the order they were saved."""
        return (self._read(sa.select(run_files).where(run_files.c.run_id == run_id)
                           .order_by(run_files.c.id), run_files),
                self._read(sa.select(run_findings).where(run_findings.c.run_id == run_id)
                           .order_by(run_findings.c.id), run_findings))

    def finish_run(self, run_id: str, status: str, **fields: Any) -> None:
        """Close a run: ``status`` succeeded|failed, plus counts / output_dir / message."""
        allowed = {c.name for c in runs.columns} - {"run_id", "started_at"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"runs has no column {sorted(bad)}")
        with self._write() as conn, conn.begin():
            conn.execute(runs.update().where(runs.c.run_id == run_id).values(
                status=status, finished_at=_now(), **fields))

    def list_runs(self, review_year: int | None = None) -> pd.DataFrame:
        stmt = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
        if review_year is not None:
            stmt = stmt.where(runs.c.review_year == int(review_year))
        return self._read(stmt, runs)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        df = self._read(sa.select(runs).where(runs.c.run_id == run_id), runs)
        # pandas-stubs type the keys as Hashable; they are the runs table's column names (str)
        return None if df.empty else cast("dict[str, Any]", df.iloc[0].to_dict())

    # --- watermarks and raw submissions (the sources' StateStore contract) --------------
    def get_watermark(self, source_key: str) -> datetime | None:
        """The newest server change time committed for this form (naive values are UTC)."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(watermarks.c.watermark).where(
                watermarks.c.source_key == source_key)).scalar_one_or_none()
        return _parse_mark(value)

    @staticmethod
    def _put_watermark(conn: sa.Connection, source_key: str, value: datetime | None) -> None:
        """Move the watermark forward, never back (an older batch cannot rewind it)."""
        if value is None:
            return
        old = _parse_mark(conn.execute(sa.select(watermarks.c.watermark).where(
            watermarks.c.source_key == source_key)).scalar_one_or_none())
        new = _aware(value)
        if old is not None and new <= old:
            return
        conn.execute(watermarks.delete().where(watermarks.c.source_key == source_key))
        conn.execute(watermarks.insert().values(source_key=source_key,
                                                watermark=new.isoformat(), updated_at=_now()))

    def commit_batch(self, key: str, households: pd.DataFrame, members: pd.DataFrame,
                     new_watermark: datetime | None, problems: pd.DataFrame | None = None
                     ) -> None:
        """One transaction: upsert pulled submissions by (key, instance_id), replace their
        rosters and parse problems, and move the watermark. Failure changes nothing.

        A submission whose content hash (row + roster) equals the stored one is left as
        stored: it is neither re-serialised nor rewritten."""
        from konray_review.sources.state import dedupe_latest

        hh = dedupe_latest(households.assign(source_key=key)) if len(households) else households
        ids = hh["instance_id"].astype(str).tolist() if len(hh) else []
        mem = (members[isin(members["instance_id"].astype(str), ids)] if len(ids)
               else members)
        hashes = sub.record_hashes(hh, mem) if ids else pd.Series(dtype="int64")
        with self._write() as conn, conn.begin():
            stored = sub.stored_hashes(conn, key, ids) if ids else pd.Series(dtype="int64")
            same = hashes.index.isin(stored.index) & (
                hashes.to_numpy() == stored.reindex(hashes.index).to_numpy())
            changed = hashes.index[~same].tolist()
            for chunk in _chunks(ids):  # problems: small, always replaced with the batch
                conn.execute(submission_problems.delete()
                             .where(submission_problems.c.source_key == key)
                             .where(submission_problems.c.instance_id.in_(chunk)))
            for table in (submission_members, submissions):
                for chunk in _chunks(changed):
                    conn.execute(table.delete().where(table.c.source_key == key)
                                 .where(table.c.instance_id.in_(chunk)))
            if changed:
                hh_new = hh[isin(hh["instance_id"].astype(str), changed)]
                mem_new = mem[isin(mem["instance_id"].astype(str), changed)]
                self._insert(conn, submissions, sub.submission_rows(key, hh_new, hashes))
                self._insert(conn, submission_members, sub.member_rows(key, mem_new))
            probs = sub.problem_rows(key, problems)
            self._insert(conn, submission_problems, probs[isin(probs["instance_id"], ids)])
            self._put_watermark(conn, key, new_watermark)

    def load(self, key: str | None = None, review_year: int | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pulled households and members (with ``source_key``), deleted ones included."""
        with self.engine.connect() as conn:
            return sub.load(conn, key, review_year)

    def claimed_elsewhere(self, source_key: str, review_year: int) -> set[str]:
        """Submissions of this source that a run of another review year accepted or
        quarantined: they belong to that year's review, not to ``review_year``'s."""
        year = int(review_year)
        stmt = sa.union(
            sa.select(households.c.instance_id).where(households.c.source_key == source_key)
            .where(households.c.review_year != year),
            sa.select(quarantine.c.instance_id).where(quarantine.c.source_key == source_key)
            .where(quarantine.c.review_year != year))
        with self.engine.connect() as conn:
            return {i for i in conn.execute(stmt).scalars() if i is not None}

    def load_problems(self, key: str) -> pd.DataFrame:
        """Parse problems of the stored submissions: instance_id, table, column, value, problem."""
        with self.engine.connect() as conn:
            return sub.load_problems(conn, key)

    # --- the one write of a run -----------------------------------------------------------
    def commit_review(
        self, run_id: str, review_year: int, *,
        households: pd.DataFrame, members: pd.DataFrame, classification: pd.DataFrame,
        quarantine: pd.DataFrame | None = None,
        source_key: str | None = None, full: bool = False,
    ) -> CommitStats:
        """Store one batch atomically: accepted households + members + classification,
        the quarantine rows of this batch, and (optionally) the source's new watermark.

        A household whose stored content hash equals the incoming one is left untouched
        (keeps its original run id); others are replaced whole (household, roster,
        classification). A household that now passes leaves the quarantine; quarantined
        submissions do not remove an earlier accepted record of the same household.
        """
        year = int(review_year)
        hh, mem, cls, hh_hash = _prepare_accepted(run_id, year, households, members,
                                                  classification, source_key)
        q = _prepare_quarantine(run_id, year, quarantine, source_key)
        with self._write() as conn, conn.begin():
            dropped = self._drop_missing(conn, year, source_key, hh) if full else 0
            changed = self._replace_households(conn, year, hh, mem, cls, hh_hash)
            added, removed = self._replace_quarantine(conn, year, q, hh, source_key, full)
        return CommitStats(len(changed), len(hh) - len(changed), added, removed, dropped)

    def _drop_missing(self, conn: sa.Connection, year: int, source_key: str | None,
                      hh: pd.DataFrame) -> int:
        """Households of this source and year that the full batch no longer accepts."""
        stmt = sa.select(households.c.household_id).where(households.c.review_year == year)
        stmt = stmt.where(households.c.source_key.is_(None) if source_key is None
                          else households.c.source_key == source_key)
        stored = pd.read_sql(stmt, conn)["household_id"]
        gone = stored[~isin(stored, hh["household_id"])].tolist()
        for table in (classification, members, households):
            self._delete_ids(conn, table, year, "household_id", gone)
        return len(gone)

    def _replace_households(self, conn: sa.Connection, year: int, hh: pd.DataFrame,
                            mem: pd.DataFrame, cls: pd.DataFrame,
                            hh_hash: pd.Series) -> list[str]:
        stored = pd.read_sql(sa.select(households.c.household_id, households.c.row_hash)
                             .where(households.c.review_year == year), conn)
        ids = hh["household_id"].to_numpy()
        hashes = hh_hash.reindex(ids).to_numpy(dtype=np.int64)
        incoming = pd.MultiIndex.from_arrays([ids, hashes])
        same = incoming.isin(pd.MultiIndex.from_arrays(
            [stored["household_id"].to_numpy(), stored["row_hash"].to_numpy(dtype=np.int64)]))
        changed = ids[~same].tolist()
        if not changed:
            return []
        for table in (classification, members, households):
            self._delete_ids(conn, table, year, "household_id", changed)
        self._insert(conn, households, hh[~same].assign(row_hash=hashes[~same].tolist()))
        self._insert(conn, members, mem[isin(mem["household_id"], changed)])
        self._insert(conn, classification, cls[isin(cls["household_id"], changed)])
        return changed

    def _replace_quarantine(self, conn: sa.Connection, year: int, q: pd.DataFrame,
                            hh: pd.DataFrame, source_key: str | None,
                            full: bool) -> tuple[int, int]:
        stored = pd.read_sql(sa.select(quarantine.c.id, quarantine.c.household_id,
                                       quarantine.c.instance_id, quarantine.c.row_hash,
                                       quarantine.c.source_key)
                             .where(quarantine.c.review_year == year), conn)
        instances = set(q["instance_id"].dropna()) | set(hh["instance_id"].dropna())
        no_instance_hh = set(q.loc[q["instance_id"].isna(), "household_id"].dropna())
        in_scope = (isin(stored["instance_id"], instances)
                    | isin(stored["household_id"], hh["household_id"])
                    | (stored["instance_id"].isna().to_numpy()
                       & isin(stored["household_id"], no_instance_hh)))
        if full:
            same_source = (stored["source_key"].isna() if source_key is None
                           else stored["source_key"] == source_key)
            in_scope = in_scope | same_source
        gone = stored.loc[in_scope & ~stored["row_hash"].isin(set(q["row_hash"])), "id"]
        self._delete_ids(conn, quarantine, None, "id", [int(i) for i in gone])
        new = q[~q["row_hash"].isin(set(stored["row_hash"]))]
        self._insert(conn, quarantine, new)
        return len(new), len(gone)

    @staticmethod
    def _delete_ids(conn: sa.Connection, table: sa.Table, year: int | None, column: str,
                    ids: Sequence[Any]) -> None:
        for chunk in _chunks(ids):
            stmt = table.delete().where(table.c[column].in_(chunk))
            if year is not None:
                stmt = stmt.where(table.c.review_year == year)
            conn.execute(stmt)

    @staticmethod
    def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
        """Bulk insert: PostgreSQL by ``COPY … FROM STDIN`` (``frames.copy_rows``), SQLite
        through the driver's ``executemany`` (positional tuples).

        Why not ``conn.execute(table.insert(), dicts)``: SQLAlchemy's per-row parameter
        processing costs ~5x the insert itself on 100,000-household runs. Values are
        already normalised (``frames.normalise``); SQLite gets timestamps as the text
        SQLAlchemy itself writes, so reads through SQLAlchemy parse them back.
        """
        if frame.empty:
            return
        cols = [c for c in frame.columns if c in table.c]
        if conn.dialect.name == "postgresql":
            frames.copy_rows(conn, table, frame, cols)
            return
        quote = conn.dialect.identifier_preparer
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {quote.format_table(table)} "
               f"({', '.join(quote.quote(c) for c in cols)}) "
               f"VALUES ({', '.join([mark] * len(cols))})")
        values = [frames.driver_values(frame[c], table.c[c], conn.dialect.name) for c in cols]
        for start in range(0, len(frame), _INSERT_CHUNK):
            rows = list(zip(*(v[start:start + _INSERT_CHUNK] for v in values), strict=True))
            conn.exec_driver_sql(sql, rows)

    # --- reads ------------------------------------------------------------------------
    def _read(self, stmt: sa.Select, table: sa.Table) -> pd.DataFrame:
        with self.engine.connect() as conn:
            df = pd.read_sql(stmt, conn)
        return frames.restore(df, table)

    def _read_ids(self, stmt: sa.Select, table: sa.Table, column: sa.Column[Any],
                  ids: Sequence[str]) -> pd.DataFrame:
        """``stmt`` for these ids only, read in chunks (a bound IN list has a size limit)."""
        parts = [self._read(stmt.where(column.in_(chunk)), table)
                 for chunk in _chunks(sorted(set(ids)))]
        if not parts:
            return self._read(stmt.where(sa.false()), table)
        return pd.concat(parts, ignore_index=True)

    def review_years(self) -> list[int]:
        stmt = sa.union(sa.select(runs.c.review_year), sa.select(households.c.review_year))
        with self.engine.connect() as conn:
            return sorted(int(y) for y in conn.execute(stmt).scalars())

    def read_households(self, review_year: int,
                        communes: Sequence[str] | None = None, *,
                        household_ids: Sequence[str] | None = None,
                        columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Canonical households of a year (plus household_size, run_id), ordered by id;
        ``household_ids`` reads only those (a re-check reads one household, not the
        year's thousands of wide rows), ``columns`` only those columns (household_id
        always: a decision document needs seven of the 34)."""
        picked = _picked(households, None if columns is None else ["household_id", *columns],
                         hidden=("row_hash",))
        stmt = (sa.select(*picked)
                .where(households.c.review_year == int(review_year))
                .order_by(households.c.household_id))
        if communes is not None:
            stmt = stmt.where(households.c.commune.in_(list(communes)))
        if household_ids is None:
            return self._read(stmt, households)
        return self._read_ids(stmt, households, households.c.household_id, household_ids)

    def read_members(self, review_year: int,
                     household_ids: Sequence[str] | None = None) -> pd.DataFrame:
        base = (sa.select(members).where(members.c.review_year == int(review_year))
                .order_by(members.c.household_id, members.c.member_no))
        if household_ids is None:
            return self._read(base, members)
        return self._read_ids(base, members, members.c.household_id, household_ids)

    def read_classification(self, review_year: int,
                            communes: Sequence[str] | None = None, *,
                            villages: Sequence[str] | None = None,
                            columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Classification of a year joined with the household's unit columns.

        ``villages`` and ``columns`` (of the classification table; the unit columns always
        come) narrow the read in SQL: a decision step reads its village's six columns of
        the classification, not the commune's 25 (24 against 7 ms for a village of the
        demo's commune).
        """
        units = [households.c[c] for c in _UNIT_COLUMNS]
        stmt = (sa.select(*_picked(classification, columns), *units)
                .join(households, sa.and_(
                    households.c.review_year == classification.c.review_year,
                    households.c.household_id == classification.c.household_id))
                .where(classification.c.review_year == int(review_year))
                # the joined household's id (the same value): ordering by the
                # classification's let SQLite walk the whole year in that index's order
                # instead of the commune index (10.7 against 1.5 ms for a village)
                .order_by(households.c.household_id))
        if communes is not None:
            stmt = stmt.where(households.c.commune.in_(list(communes)))
        if villages is not None:
            stmt = stmt.where(households.c.village.in_(list(villages)))
        df = self._read(stmt, classification)
        return frames.restore(df, households)

    def read_quarantine(self, review_year: int,
                        communes: Sequence[str] | None = None) -> pd.DataFrame:
        stmt = (sa.select(*[c for c in quarantine.columns if c.name not in ("id", "row_hash")])
                .where(quarantine.c.review_year == int(review_year))
                .order_by(quarantine.c.enumerator, quarantine.c.household_id,
                          quarantine.c.rule_id, quarantine.c.id))
        if communes is not None:
            stmt = stmt.where(quarantine.c.commune.in_(list(communes)))
        return self._read(stmt, quarantine)

    def history(self, before_year: int) -> pd.DataFrame:
        """``household_id, review_year, category`` of earlier years (for transitions)."""
        stmt = (sa.select(classification.c.household_id, classification.c.review_year,
                          classification.c.category)
                .where(classification.c.review_year < int(before_year))
                .order_by(classification.c.review_year, classification.c.household_id))
        return self._read(stmt, classification)


def _picked(table: sa.Table, columns: Sequence[str] | None,
            hidden: Sequence[str] = ()) -> list[sa.Column[Any]]:
    """The table's columns named (each once, in order), or all but ``hidden``; a name the
    table does not show is an error naming it."""
    if columns is None:
        return [c for c in table.columns if c.name not in hidden]
    names = list(dict.fromkeys(columns))
    unknown = [c for c in names if c not in table.c or c in hidden]
    if unknown:
        raise ValueError(f"{table.name} has no column {unknown[0]!r}")
    return [table.c[c] for c in names]


#: every method that touches the database: its errors become StoreError (no data in them)
_GUARDED = ("__init__", "start_run", "run_stage", "finish_run", "list_runs", "get_run",
            "save_accounting", "read_accounting", "get_watermark", "commit_batch", "load",
            "claimed_elsewhere", "load_problems", "commit_review", "review_years",
            "read_households", "read_members", "read_classification", "read_quarantine",
            "history")
for _name in _GUARDED:
    setattr(Store, _name, guarded(getattr(Store, _name)))


def _prepare_accepted(run_id: str, year: int, hh: pd.DataFrame, mem: pd.DataFrame,
                      cls: pd.DataFrame, source_key: str | None
                      ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """Normalised frames and one content hash per household (row + roster + classification)."""
    if hh["household_id"].duplicated().any():
        dup = hh.loc[hh["household_id"].duplicated(), "household_id"].iloc[0]
        raise ValueError(f"households: household_id {dup!r} appears twice in one batch")
    h = frames.normalise(hh, households, review_year=year, run_id=run_id,
                         source_key=source_key)
    m = frames.normalise(mem[isin(mem["household_id"], hh["household_id"])], members,
                         review_year=year)
    c = frames.normalise(cls, classification, review_year=year, run_id=run_id)
    content = [n for n in h.columns if n != "run_id"]
    hh_h = pd.Series(frames.row_hashes(h, content), index=h["household_id"].to_numpy())
    mem_h = pd.Series(frames.row_hashes(m, m.columns), index=m["household_id"].to_numpy())
    mem_sum = mem_h.groupby(level=0).sum()  # order-free, wraps in uint64
    cls_h = pd.Series(frames.row_hashes(c, [n for n in c.columns if n != "run_id"]),
                      index=c["household_id"].to_numpy())
    ids = h["household_id"].to_numpy()
    total = (hh_h.to_numpy() * np.uint64(1_000_003)
             + mem_sum.reindex(ids, fill_value=0).to_numpy(dtype=np.uint64) * np.uint64(31)
             + cls_h.reindex(ids, fill_value=0).to_numpy(dtype=np.uint64))
    return h, m, c, pd.Series(frames.as_signed(total), index=ids)


def _prepare_quarantine(run_id: str, year: int, q: pd.DataFrame | None,
                        source_key: str | None) -> pd.DataFrame:
    if q is None:
        q = pd.DataFrame(columns=["household_id", "instance_id", "rule_id"])
    n = frames.normalise(q, quarantine, review_year=year, run_id=run_id,
                         source_key=source_key)
    content = [c for c in n.columns if c != "run_id"]
    n["row_hash"] = frames.as_signed(frames.row_hashes(n, content))
    return n.drop_duplicates("row_hash")
