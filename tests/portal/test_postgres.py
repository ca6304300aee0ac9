"""The portal over a PostgreSQL store: accounts, lists, households, downloads, audit.

Runs against ``KONRAY_TEST_POSTGRES_URL`` (a loopback server started by .ci/setup.sh) in a
database of its own, created and dropped here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from konray_review.portal import audit
from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from konray_review.profile import slugify
from tests.portal.builders import RUN_ID, YEAR, Fixture, add_accounts, build
from tests.portal.conftest import SECRET, login
from tests.strict import missing_tool

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    base = os.environ.get("KONRAY_TEST_POSTGRES_URL")
    if not base:
        missing_tool("PostgreSQL", "KONRAY_TEST_POSTGRES_URL is not set; .ci/setup.sh starts one")
    name = f"konray_portal_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def pg_fx(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    fx = build(tmp_path_factory.mktemp("portal-pg"), n=200, url=pg_url)
    yield fx
    fx.store.dispose()


def test_portal_works_on_postgresql(pg_fx: Fixture) -> None:
    accounts = add_accounts(pg_fx)
    app = create_app(PortalConfig(secret=SECRET), store=pg_fx.store)
    assert pg_fx.store.engine.dialect.name == "postgresql"
    own, other = pg_fx.communes[0], pg_fx.communes[1]
    hid = pg_fx.households_of(own)["household_id"].iloc[0]
    own_file = next(e for e in pg_fx.manifest if e.commune == own and e.format == "xlsx")
    other_file = next(e for e in pg_fx.manifest if e.commune == other and e.format == "xlsx")
    with TestClient(app) as client:
        assert login(client, accounts[own]).status_code == 303
        r = client.get(f"/years/{YEAR}/communes/{slugify(own)}")
        assert r.status_code == 200 and hid in r.text
        assert client.get(f"/years/{YEAR}/communes/{slugify(other)}").status_code == 403
        assert client.get(f"/years/{YEAR}/households/{hid}").status_code == 200
        assert client.get(f"/runs/{RUN_ID}/files/{own_file.path}").status_code == 200
        assert client.get(f"/runs/{RUN_ID}/files/{other_file.path}").status_code == 404
        assert client.get(f"/years/{YEAR}/dashboard").status_code == 200
    actions = {e.action for e in audit.read(pg_fx.store.engine)}
    assert {"login", "view_household", "download"} <= actions


def test_snapshots_on_postgresql(pg_fx: Fixture) -> None:
    """Published in one REPEATABLE READ transaction, stored once, read back the same."""
    from konray_review.store import snapshots

    engine = pg_fx.store.engine
    first = snapshots.publish(engine, RUN_ID, YEAR)
    assert first is not None and len(first.households) == len(pg_fx.households)
    again = snapshots.publish(engine, RUN_ID, YEAR)  # a second worker: reads the stored one
    assert again is not None
    assert again.households["household_id"].tolist() == first.households["household_id"].tolist()
    assert snapshots.published_runs(engine, YEAR) == [RUN_ID]
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from snapshots where run_id = :r"),
                         {"r": RUN_ID}).scalar_one()
    assert n == len(snapshots.PARTS)
