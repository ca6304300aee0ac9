"""What the review wrote back to the server, kept so that each write happens exactly once.

The protocol (used by ``pipeline.stages.write_back``): every comment about to be posted is
first recorded ``pending`` (one transaction for the whole batch, before any request), then
``done`` once the server answered. A run that stops in between (a crash, a killed process, a
timeout on the POST) leaves ``pending`` rows; the next run reads that submission's comments
on the server and marks the row ``done`` if the comment is there, or posts it if it is not.
So a comment is never posted twice and never forgotten, whatever retries happen. Review
states are recorded too (``done`` after the PATCH): they say which "has issues" flags were
ours, which matters before marking a submission approved.

Without a store (library use, tests) the log lives in memory for one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from konray_review.store.schema import writeback

PENDING, DONE = "pending", "done"
STATE, COMMENT = "state", "comment"
Key = tuple[str, str, str]  # (instance_id, action, value)
_CHUNK = 500
_FLUSH_EVERY = 100


class WritebackLog:
    """The write-back record of one source (its ``source_key``)."""

    def __init__(self, store: Any | None, source_key: str, run_id: str | None = None) -> None:
        self.engine: sa.Engine | None = store.engine if store is not None else None
        self.source_key, self.run_id = source_key, run_id
        self.rows: dict[Key, str] = {}
        self._unsaved: dict[Key, str] = {}
        if self.engine is not None:
            stmt = sa.select(writeback.c.instance_id, writeback.c.action, writeback.c.value,
                             writeback.c.status).where(writeback.c.source_key == source_key)
            with self.engine.connect() as conn:
                frame = pd.read_sql(stmt, conn)
            self.rows = {(i, a, v): s for i, a, v, s in frame.itertuples(index=False)}

    def status(self, instance_id: str, action: str, value: str) -> str | None:
        return self.rows.get((instance_id, action, value))

    def pending(self, action: str) -> list[Key]:
        return [k for k, s in self.rows.items() if k[1] == action and s == PENDING]

    def states_done(self, instance_id: str) -> set[str]:
        return {v for (i, a, v), s in self.rows.items()
                if i == instance_id and a == STATE and s == DONE}

    def mark(self, keys: Iterable[Key], status: str, *, now: bool = True) -> None:
        """Record ``status`` for ``keys``; ``now`` writes at once, else within 100 marks."""
        for key in keys:
            self.rows[key] = status
            self._unsaved[key] = status
        if now or len(self._unsaved) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the marks not yet in the database, in one transaction."""
        if self.engine is None or not self._unsaved:
            self._unsaved.clear()
            return
        items = list(self._unsaved.items())
        stamp = datetime.now(UTC).replace(tzinfo=None)
        with self.engine.begin() as conn:
            for start in range(0, len(items), _CHUNK):
                part = items[start:start + _CHUNK]
                keys = [sa.tuple_(sa.literal(i), sa.literal(a), sa.literal(v))
                        for (i, a, v), _ in part]
                conn.execute(writeback.delete()
                             .where(writeback.c.source_key == self.source_key)
                             .where(sa.tuple_(writeback.c.instance_id, writeback.c.action,
                                              writeback.c.value).in_(keys)))
                conn.execute(writeback.insert(), [
                    {"source_key": self.source_key, "instance_id": i, "action": a,
                     "value": v, "status": s, "run_id": self.run_id, "updated_at": stamp}
                    for (i, a, v), s in part])
        self._unsaved.clear()

    def table(self) -> pd.DataFrame:
        """Every row of this source (for reports and tests)."""
        return pd.DataFrame([(*k, s) for k, s in self.rows.items()],
                            columns=["instance_id", "action", "value", "status"])
