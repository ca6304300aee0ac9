"""Opening the store's database: an SQLite file by default, PostgreSQL when a URL says so.

SQLite runs in WAL mode so readers (the portal, a report) keep reading the last committed
state while a flow writes; writes take the write lock up front (``BEGIN IMMEDIATE``) so two
writers queue on ``busy_timeout`` instead of failing half-way.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

WRITE_OPTION = "konray_write"
BUSY_TIMEOUT_MS = 60_000


def default_url() -> str:
    """``KONRAY_STORE_URL``, else an SQLite file under ``KONRAY_HOME`` (default ``output/``)."""
    url = os.environ.get("KONRAY_STORE_URL")
    if url:
        return url
    home = Path(os.environ.get("KONRAY_HOME", "output"))
    return f"sqlite:///{home / 'konray-review.sqlite'}"


def make_engine(url: str | None = None) -> sa.Engine:
    """An engine for ``url`` (or the default), with SQLite tuned for one writer, many readers."""
    url = url or default_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":  # hide_parameters: no row data in errors
        return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                              hide_parameters=True)
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL, a busy timeout, and explicit BEGIN (pysqlite's implicit one is not atomic enough)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
