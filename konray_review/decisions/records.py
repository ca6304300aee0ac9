"""Reading and appending the decision records (SQLAlchemy Core; SQLite and PostgreSQL alike).

Nothing here updates or deletes: a step is a new ``decision_events`` row whose ``seq`` is
one more than the household's last. The current state is the last row per household. The
unique (review_id, household_id, seq) key turns two simultaneous writers into one success
and one :class:`ConcurrentUpdate`, never a lost step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa

from konray_review.decisions.errors import ConcurrentUpdate, DecisionError
from konray_review.store.engine import WRITE_OPTION
from konray_review.store.schema import (
    decision_acts,
    decision_events,
    decision_meetings,
    decision_reviews,
    decision_writebacks,
)

SOURCES = ("portal", "import", "cli")
_CHUNK = 500
EVENT_COLUMNS = tuple(c.name for c in decision_events.columns if c.name != "id")


@dataclass(frozen=True)
class Actor:
    """Who records a step and through what: the portal, a file import, or the CLI."""

    username: str
    source: str = "cli"
    role: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        if not self.username:
            raise ValueError("a step needs the name of who records it")

    @property
    def is_district(self) -> bool:
        return self.role in ("district", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def payload_text(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def payloads(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row of ``frame`` (pandas writes them all at once)."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text.splitlines()


def parse_payload(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {}
    return json.loads(text)


class Records:
    """The decision tables of one store."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One transaction; SQLite takes the write lock up front (the store's convention)."""
        try:
            with (self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn,
                  conn.begin()):
                yield conn
        except sa.exc.IntegrityError as exc:
            if "uq_decision_events_seq" in str(exc) or "UNIQUE constraint failed: " \
                    "decision_events" in str(exc):
                raise ConcurrentUpdate() from None
            raise

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    # --- reviews --------------------------------------------------------------------------
    def review(self, review_id: str, conn: sa.Connection | None = None) -> dict | None:
        stmt = sa.select(decision_reviews).where(decision_reviews.c.review_id == review_id)
        with self._conn(conn) as c:
            row = c.execute(stmt).mappings().first()
        return dict(row) if row else None

    def existing_review(self, review_id: str, conn: sa.Connection | None = None) -> dict:
        """The review, which the caller knows exists (it was just opened or looked up)."""
        found = self.review(review_id, conn)
        if found is None:
            raise LookupError(f"review {review_id} is not on record")
        return found

    def reviews(self, review_year: int | None = None) -> list[dict]:
        stmt = sa.select(decision_reviews).order_by(decision_reviews.c.starts_on)
        if review_year is not None:
            stmt = stmt.where(decision_reviews.c.review_year == int(review_year))
        with self.read() as c:
            return [dict(r) for r in c.execute(stmt).mappings()]

    @staticmethod
    def insert_review(conn: sa.Connection, **values: Any) -> None:
        conn.execute(decision_reviews.insert().values(**values))

    # --- events -----------------------------------------------------------------------------
    def events(self, review_id: str, *, communes: Sequence[str] | None = None,
               villages: Sequence[str] | None = None,
               household_ids: Sequence[str] | None = None,
               conn: sa.Connection | None = None) -> pd.DataFrame:
        """Every event of the review in the scope, ordered by household then seq.

        Sorted here, not in SQL: an ORDER BY on the key made SQLite walk every event of
        the review in key order instead of the unit index (a village's events 7.0 against
        2.6 ms), and pandas sorts the ids by code point on every backend (PostgreSQL's
        collation would not).
        """
        stmt = sa.select(decision_events).where(decision_events.c.review_id == review_id)
        if communes is not None:
            stmt = stmt.where(decision_events.c.commune.in_(list(communes)))
        if villages is not None:
            stmt = stmt.where(decision_events.c.village.in_(list(villages)))
        with self._conn(conn) as c:
            if household_ids is None:
                return _ordered(with_dates(pd.read_sql(stmt, c)))
            ids = sorted(set(household_ids))
            parts = [pd.read_sql(stmt.where(decision_events.c.household_id.in_(ids[i:i + _CHUNK])),
                                 c) for i in range(0, len(ids), _CHUNK)]
        if not parts:
            return with_dates(pd.read_sql(stmt.where(sa.false()), self.engine))
        return _ordered(with_dates(pd.concat(parts, ignore_index=True)))

    def current(self, review_id: str, **scope: Any) -> pd.DataFrame:
        """The last event per household (its current state), in household order."""
        return latest(self.events(review_id, **scope))

    @staticmethod
    def append(conn: sa.Connection, rows: pd.DataFrame) -> int:
        """Insert event rows (``EVENT_COLUMNS``); their ``seq`` must already be the next one."""
        if rows.empty:
            return 0
        missing = set(EVENT_COLUMNS) - set(rows.columns)
        if missing:
            raise ValueError(f"event rows lack {sorted(missing)}")
        records = rows[list(EVENT_COLUMNS)].astype(object).where(rows.notna(), None)
        # column names are the table's (str); pandas-stubs types record keys as Hashable
        conn.execute(decision_events.insert(),
                     cast("list[dict[str, Any]]", records.to_dict("records")))
        return len(rows)

    # --- meetings, acts, write-backs --------------------------------------------------------
    @staticmethod
    def insert_meeting(conn: sa.Connection, **values: Any) -> None:
        conn.execute(decision_meetings.insert().values(**values))

    @staticmethod
    def insert_act(conn: sa.Connection, **values: Any) -> None:
        conn.execute(decision_acts.insert().values(**values))

    def meetings(self, review_id: str, commune: str | None = None,
                 village: str | None = None) -> pd.DataFrame:
        stmt = (sa.select(decision_meetings).where(decision_meetings.c.review_id == review_id)
                .order_by(decision_meetings.c.held_on, decision_meetings.c.recorded_at))
        if commune is not None:
            stmt = stmt.where(decision_meetings.c.commune == commune)
        if village is not None:
            stmt = stmt.where(decision_meetings.c.village == village)
        with self.read() as c:
            return pd.read_sql(stmt, c)

    def acts(self, review_id: str, commune: str | None = None) -> pd.DataFrame:
        stmt = (sa.select(decision_acts).where(decision_acts.c.review_id == review_id)
                .order_by(decision_acts.c.signed_on, decision_acts.c.recorded_at))
        if commune is not None:
            stmt = stmt.where(decision_acts.c.commune == commune)
        with self.read() as c:
            return pd.read_sql(stmt, c)

    def writebacks(self, review_id: str) -> pd.DataFrame:
        stmt = (sa.select(decision_writebacks)
                .where(decision_writebacks.c.review_id == review_id)
                .order_by(decision_writebacks.c.id))
        with self.read() as c:
            return pd.read_sql(stmt, c)

    def insert_writeback(self, **values: Any) -> None:
        with self.write() as conn:
            conn.execute(decision_writebacks.insert().values(sent_at=utcnow(), **values))

    @contextmanager
    def _conn(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.read() as c:
                yield c


def _ordered(events: pd.DataFrame) -> pd.DataFrame:
    return events.sort_values(["household_id", "seq"], kind="stable", ignore_index=True)


def with_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``datetime.date`` (or None) whatever the backend returned.

    Each distinct value is converted once (a season has a few dozen dates over thousands
    of events; converting every cell was a third of reading a commune's events)."""
    for col in ("on_date", "starts_on", "due_on"):
        if col in df.columns:
            codes, uniques = pd.factorize(df[col])  # missing values: code -1
            parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce")
            days = np.array([*(None if pd.isna(x) else x.date() for x in parsed), None],
                            dtype=object)
            df[col] = pd.Series(days[codes], index=df.index, dtype=object)
    return df


def latest(events: pd.DataFrame) -> pd.DataFrame:
    """The highest-seq row of each household."""
    if events.empty:
        return events
    ordered = events.sort_values(["household_id", "seq"], kind="stable")
    return ordered.drop_duplicates("household_id", keep="last").reset_index(drop=True)


def as_date(value: Any, field: str) -> date:
    """A date from a date, datetime or ISO text, else a clear error naming the field."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DecisionError(f"Ngày không hợp lệ ở trường «{field}»: cần dạng YYYY-MM-DD.",
                            f"Invalid date in «{field}»: use YYYY-MM-DD.") from None
