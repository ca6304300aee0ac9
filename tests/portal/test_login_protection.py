"""Issue 15: logins an attacker cannot turn against the real user, and cannot guess forever.

Each test is one case the security test found. Addresses come from X-Forwarded-For (the
app trusts every proxy here), so one TestClient can play the attacker and the user.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from konray_review.portal import accounts as accounts_mod
from konray_review.portal import tables, throttle
from konray_review.portal.accounts import AccountError, add_user, check_password_strength
from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from konray_review.store import Store
from tests.portal.builders import PASSWORD
from tests.portal.conftest import SECRET, csrf_of, login


@pytest.fixture()
def app(tmp_path):
    """Default limits (5 per account+address, 20 per address, 15 minutes)."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    tables.ensure_tables(store.engine)
    add_user(store.engine, "admin", PASSWORD, "admin")
    add_user(store.engine, "huyen", PASSWORD, "district")
    return create_app(PortalConfig(secret=SECRET, trusted_proxies=("*",)), store=store)


def _from(client: TestClient, ip: str) -> TestClient:
    client.cookies.clear()
    client.headers.update({"X-Forwarded-For": ip})
    return client


def _audit(app, action: str) -> list[tuple]:
    engine = app.state.portal.engine
    with engine.connect() as conn:
        return conn.execute(sa.select(tables.audit_log.c.username, tables.audit_log.c.ip)
                            .where(tables.audit_log.c.action == action)).all()


def test_five_wrong_passwords_elsewhere_do_not_lock_out_the_real_admin(app) -> None:
    with TestClient(app) as c:
        for _ in range(5):
            assert login(_from(c, "203.0.113.5"), "admin", "doan-bua-1").status_code == 401
        assert login(_from(c, "203.0.113.5"), "admin").status_code == 429  # attacker waits
        assert login(_from(c, "198.51.100.7"), "admin").status_code == 303  # the real admin


def test_the_wait_grows_with_each_failure() -> None:
    waits = [throttle.delay_for(n, 5, 15).total_seconds() for n in range(4, 10)]
    assert waits == [0, 30, 60, 120, 240, 480]
    assert throttle.delay_for(40, 5, 15).total_seconds() == 15 * 60  # capped at the window


def test_an_insider_cannot_reset_the_address_limit_by_logging_in(app) -> None:
    with TestClient(app) as c:
        for i in range(19):
            assert login(_from(c, "10.1.1.1"), f"ai-{i}", "doan-bua-1").status_code == 401
        assert login(_from(c, "10.1.1.1"), "huyen").status_code == 303  # own login
        assert login(_from(c, "10.1.1.1"), "ai-19", "doan-bua-1").status_code == 401
        # 20 failures from this address in the window, the success in between counts nothing
        assert login(_from(c, "10.1.1.1"), "ai-20", "doan-bua-1").status_code == 429
        assert login(_from(c, "10.1.1.1"), "huyen").status_code == 429


def test_a_burst_of_refused_logins_writes_one_audit_row(app) -> None:
    with TestClient(app) as c:
        for _ in range(5):
            login(_from(c, "203.0.113.9"), "admin", "doan-bua-1")
        for _ in range(30):
            assert login(_from(c, "203.0.113.9"), "admin", "doan-bua-1").status_code == 429
    assert _audit(app, "login_locked") == [("admin", "203.0.113.9")]
    assert len(_audit(app, "login_failed")) == 5


def test_unlock_ends_the_wait(app) -> None:
    with TestClient(app) as c:
        for _ in range(5):
            login(_from(c, "203.0.113.5"), "admin", "doan-bua-1")
        assert login(_from(c, "203.0.113.5"), "admin").status_code == 429
        throttle.unlock(app.state.portal.engine, "admin")
        assert login(_from(c, "203.0.113.5"), "admin").status_code == 303


def test_a_password_typed_as_username_is_not_stored(app) -> None:
    secret_typed = "Mk-bi-mat-cua-toi-99"
    with TestClient(app) as c:
        login(_from(c, "10.2.2.2"), secret_typed.lower(), "x")
    engine = app.state.portal.engine
    with engine.connect() as conn:
        texts = [str(v) for row in conn.execute(sa.select(tables.audit_log)).all() for v in row]
        texts += [str(v) for row in conn.execute(sa.select(tables.login_attempts)).all()
                  for v in row]
    assert not any(secret_typed.lower() in t for t in texts)
    assert _audit(app, "login_failed") == [(None, "10.2.2.2")]


@pytest.mark.parametrize("password", [
    " " * 10, " " * 30, "1234567890", "adminadmin", "xa-dak-koixa-dak-koi", "password12",
    "qwertyuiop", "short-1",
])
def test_weak_passwords_are_refused(password) -> None:
    username = "xa-dak-koi" if "koi" in password else "admin"
    with pytest.raises(AccountError):
        check_password_strength(password, username)


@pytest.mark.parametrize("password", ["mat-khau-moi-12", "Kq7mZp2xRt9wLb", PASSWORD])
def test_strong_passwords_pass(password) -> None:
    check_password_strength(password, "admin")


def test_password_change_checks_the_current_password_with_the_throttle(app) -> None:
    with TestClient(app) as c:
        assert login(_from(c, "10.3.3.3"), "huyen").status_code == 303
        token = csrf_of(c.get("/account/password").text)
        codes = [c.post("/account/password", data={"csrf_token": token, "current": "sai-1",
                                                   "new": "mat-khau-moi-12"}).status_code
                 for _ in range(7)]
        assert codes == [400] * 5 + [429] * 2
        # even the right current password waits now
        r = c.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                               "new": "mat-khau-moi-12"})
        assert r.status_code == 429
    assert len(_audit(app, "password_change_failed")) == 5
    assert _audit(app, "password_change_locked") == [("huyen", "10.3.3.3")]


def test_a_password_change_is_audited(app) -> None:
    with TestClient(app) as c:
        login(_from(c, "10.4.4.4"), "huyen")
        token = csrf_of(c.get("/account/password").text)
        r = c.post("/account/password", follow_redirects=False,
                   data={"csrf_token": token, "current": PASSWORD, "new": "mat-khau-moi-12"})
        assert r.status_code == 303
    assert _audit(app, "password_change") == [("huyen", "10.4.4.4")]


def test_healthz_answers_while_a_login_is_hashing(app, monkeypatch) -> None:
    """argon2 runs in a worker thread: a hash that cannot finish does not stall the server."""
    started, release = threading.Event(), threading.Event()

    class BlockingHasher(PasswordHasher):
        def verify(self, hash, password):
            started.set()
            release.wait(30)
            return super().verify(hash, password)

    monkeypatch.setattr(accounts_mod, "_hasher", BlockingHasher())
    with TestClient(app) as c:
        page = c.get("/login")
        token = csrf_of(page.text)
        result: dict[str, int] = {}

        def do_login() -> None:
            r = c.post("/login", data={"username": "huyen", "password": PASSWORD,
                                       "csrf_token": token}, follow_redirects=False)
            result["login"] = r.status_code

        t = threading.Thread(target=do_login)
        t.start()
        try:
            assert started.wait(30), "the login never reached the hash"
            health: dict[str, int] = {}
            h = threading.Thread(target=lambda: health.update(code=c.get("/healthz").status_code))
            h.start()
            h.join(20)
            # answered while the hash is still held (release not yet set)
            assert health.get("code") == 200
            assert not release.is_set() and t.is_alive()
        finally:
            release.set()
            t.join(30)
    assert result["login"] == 303


def test_an_older_hash_is_upgraded_at_login(app) -> None:
    """Hashes made with argon2-cffi's default (64 MiB, t=3, p=4) move to the portal's
    parameters (19 MiB, t=2, p=1) at the next successful login."""
    engine = app.state.portal.engine
    with engine.begin() as conn:
        conn.execute(tables.users.update().where(tables.users.c.username == "huyen")
                     .values(password_hash=PasswordHasher().hash(PASSWORD)))
    assert accounts_mod.authenticate(engine, "huyen", PASSWORD) is not None
    with engine.connect() as conn:
        stored = conn.execute(sa.select(tables.users.c.password_hash)
                              .where(tables.users.c.username == "huyen")).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
