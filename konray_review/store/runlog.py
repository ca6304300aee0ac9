"""The run log's events: every retry a run made (and why), beside the run's outcome row.

Why a table of its own: ``runs`` holds one row per run (status, counts, message); a flaky
server shows as many retries spread over a pull or a write-back, and the district's
technician needs to see them after the fact ("the pull took 50 s: 6 retries on HTTP 502").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from konray_review.store.schema import run_log


class RunLog:
    """Append and read run events in the store's database."""

    def __init__(self, store: Any) -> None:
        self.engine: sa.Engine = store.engine

    def add(self, run_id: str, stage: str, event: str, detail: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(run_log.insert().values(
                run_id=run_id, at=datetime.now(UTC).replace(tzinfo=None), stage=stage,
                event=event, detail=detail[:2000]))

    def retry_recorder(self, run_id: str) -> Callable[[Any], None]:
        """An ``on_retry`` callback for ``sources.http.retry_scope``: one row per retry."""

        def record(event: Any) -> None:
            self.add(run_id, event.stage, "retry", event.text())

        return record

    def read(self, run_id: str | None = None) -> pd.DataFrame:
        stmt = sa.select(run_log).order_by(run_log.c.id)
        if run_id is not None:
            stmt = stmt.where(run_log.c.run_id == run_id)
        with self.engine.connect() as conn:
            return pd.read_sql(stmt, conn)
