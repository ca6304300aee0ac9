"""Store backends under test: SQLite always, PostgreSQL when KONRAY_TEST_POSTGRES_URL is set.

In strict mode (``CI`` set, ``tests/strict.py``) a missing PostgreSQL URL is a failure, not
a skip: the server path must be exercised there. Each PostgreSQL store gets its own schema,
so tests do not see each other's rows and nothing is left behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from konray_review.store import Store
from tests.strict import missing_tool

PG_ENV = "KONRAY_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        missing_tool("PostgreSQL", f"{PG_ENV} is not set; .ci/setup.sh starts one")
    return url


@contextmanager
def open_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    if backend == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        try:
            yield store
        finally:
            store.dispose()
        return
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    store = Store(engine=engine)
    try:
        yield store
    finally:
        store.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
