"""Shared fixtures: one store + outputs for the whole portal test session, one app over it,
and a logged-in HTTP client per account (logins cost an argon2 hash each)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from tests.portal.builders import PASSWORD, Fixture, add_accounts, build

SECRET = "test-secret-" + "x" * 40
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD,
          next_url: str = "/years"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": next_url},
                       follow_redirects=False)


@pytest.fixture(scope="session")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build(tmp_path_factory.mktemp("portal"))


@pytest.fixture(scope="session")
def accounts(fx: Fixture) -> dict[str, str]:
    return add_accounts(fx)


@pytest.fixture(scope="session")
def config() -> PortalConfig:
    # a high per-address limit: every TestClient request comes from the same "testclient"
    return PortalConfig(secret=SECRET, max_failures_ip=10_000)


@pytest.fixture(scope="session")
def app(fx: Fixture, accounts: dict[str, str], config: PortalConfig):
    return create_app(config, store=fx.store)


@pytest.fixture()
def anon(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def clients(app, accounts: dict[str, str]) -> Iterator[dict[str, TestClient]]:
    """A logged-in client per account key (role name, commune name, or "two")."""
    out: dict[str, TestClient] = {}
    for key, username in accounts.items():
        client = TestClient(app)
        client.__enter__()
        r = login(client, username)
        assert r.status_code == 303, (username, r.status_code)
        out[key] = client
    yield out
    for client in out.values():
        client.__exit__(None, None, None)
