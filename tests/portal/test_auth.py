"""Login, sessions, cookies, CSRF and throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from konray_review.portal import tables
from konray_review.portal.accounts import add_user, authenticate, get_user, set_active
from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from konray_review.store import Store
from tests.portal.builders import PASSWORD, YEAR
from tests.portal.conftest import SECRET, csrf_of, login


@pytest.fixture()
def small_app(tmp_path):
    """An app over an empty store of its own (throttle counts must not leak between tests)."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    tables.ensure_tables(store.engine)
    add_user(store.engine, "can-bo", PASSWORD, "district")
    add_user(store.engine, "can-bo-2", PASSWORD, "district")
    cfg = PortalConfig(secret=SECRET, max_failures_user=3, max_failures_ip=5,
                       throttle_minutes=15, trusted_proxies=("*",))
    return create_app(cfg, store=store)


def _cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


def test_login_sets_a_hardened_session_cookie(anon, accounts) -> None:
    r = login(anon, "huyen")
    assert r.status_code == 303 and r.headers["location"] == "/years"
    cookie = _cookie_header(r, "krv_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert "secure" not in cookie  # plain http on the test client
    assert anon.get("/years").status_code == 200


def test_cookie_is_secure_behind_https(fx, accounts) -> None:
    app = create_app(PortalConfig(secret=SECRET, https=True, max_failures_ip=10_000),
                     store=fx.store)
    # KONRAY_PORTAL_HTTPS: TLS ends before the app, every cookie is Secure anyway
    with TestClient(app) as client:
        assert "secure" in _cookie_header(client.get("/login"), "krv_pre").lower()
    with TestClient(app, base_url="https://testserver") as client:
        cookie = _cookie_header(login(client, "huyen"), "krv_session").lower()
    assert "secure" in cookie


def test_forwarded_proto_counts_only_from_a_trusted_proxy(small_app, app) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(small_app) as client:  # trusts its proxy
        page = client.get("/login", headers=https)
        pre = _cookie_header(page, "krv_pre")
        assert "secure" in pre.lower()
        r = client.post("/login", headers={**https, "Cookie": pre.split(";", 1)[0]},
                        data={"username": "can-bo", "password": PASSWORD,
                              "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert "secure" in _cookie_header(r, "krv_session").lower()
    with TestClient(app) as client:  # no trusted proxy configured: the header is ignored
        assert "secure" not in _cookie_header(client.get("/login", headers=https),
                                              "krv_pre").lower()


def test_wrong_password_and_unknown_user_look_the_same(anon, accounts) -> None:
    a = login(anon, "huyen", "sai-mat-khau-123")
    b = login(anon, "khong-co-ai", "sai-mat-khau-123")
    assert a.status_code == b.status_code == 401
    assert "krv_session" not in a.headers.get("set-cookie", "")
    assert anon.get("/years", follow_redirects=False).status_code == 303


def test_login_needs_the_csrf_token(anon, accounts) -> None:
    anon.get("/login")
    r = anon.post("/login", data={"username": "huyen", "password": PASSWORD,
                                  "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    # a token from another browser (another pre-session cookie) does not work either
    with TestClient(anon.app) as other:
        token = csrf_of(other.get("/login").text)
    r = anon.post("/login", data={"username": "huyen", "password": PASSWORD,
                                  "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403


def test_every_post_form_needs_the_csrf_token(app, accounts) -> None:
    with TestClient(app) as client:
        login(client, "admin")
        posts = [("/logout", {}), ("/account/password", {"current": PASSWORD, "new": "x" * 12}),
                 ("/admin/users", {"username": "moi", "password": "x" * 12, "role": "district"}),
                 ("/admin/users/huyen/disable", {}), ("/admin/users/huyen/enable", {}),
                 ("/admin/users/huyen/password", {"password": "y" * 12})]
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, url
            assert client.post(url, data={**data, "csrf_token": "nope"}).status_code == 403, url
        assert client.get("/years").status_code == 200  # still logged in: nothing happened
    assert authenticate(app.state.portal.engine, "huyen", PASSWORD) is not None


def test_logout_kills_the_session_even_for_a_copied_cookie(app, accounts) -> None:
    with TestClient(app) as client:
        login(client, "huyen")
        copied = client.cookies.get("krv_session")
        token = csrf_of(client.get("/years").text)
        assert client.post("/logout", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
    with TestClient(app, cookies={"krv_session": copied}) as thief:
        assert thief.get("/years", follow_redirects=False).status_code == 303


def test_tampered_cookie_is_rejected(app) -> None:
    with TestClient(app, cookies={"krv_session": "abc.def"}) as client:
        assert client.get("/years", follow_redirects=False).status_code == 303


def test_sessions_expire_when_idle_and_after_their_lifetime(small_app) -> None:
    engine = small_app.state.portal.engine
    for column in ("last_seen", "expires_at"):
        with TestClient(small_app) as client:
            login(client, "can-bo")
            assert client.get("/years").status_code == 200
            ago = tables.utcnow() - timedelta(hours=24)
            uid = get_user(engine, username="can-bo").id
            with tables.write(engine) as conn:
                conn.execute(tables.sessions.update().where(tables.sessions.c.user_id == uid)
                             .values(**{column: ago}))
            assert client.get("/years", follow_redirects=False).status_code == 303, column


def test_disabling_an_account_ends_its_sessions(small_app) -> None:
    engine = small_app.state.portal.engine
    with TestClient(small_app) as client:
        login(client, "can-bo-2")
        assert client.get("/years").status_code == 200
        set_active(engine, "can-bo-2", False)
        assert client.get("/years", follow_redirects=False).status_code == 303
        assert login(client, "can-bo-2").status_code == 401


def test_changing_the_own_password(small_app) -> None:
    with TestClient(small_app) as client:
        login(client, "can-bo")
        token = csrf_of(client.get("/account/password").text)
        bad = client.post("/account/password", data={"csrf_token": token, "current": "sai",
                                                      "new": "mat-khau-moi-12"})
        assert bad.status_code == 400
        short = client.post("/account/password", data={"csrf_token": token,
                                                       "current": PASSWORD, "new": "ngan"})
        assert short.status_code == 400
        ok = client.post("/account/password", follow_redirects=False,
                         data={"csrf_token": token, "current": PASSWORD,
                               "new": "mat-khau-moi-12"})
        assert ok.status_code == 303
        assert client.get("/years", follow_redirects=False).status_code == 303  # logged out
        assert login(client, "can-bo", PASSWORD).status_code == 401
        assert login(client, "can-bo", "mat-khau-moi-12").status_code == 303


def test_login_is_throttled_per_account_and_address(small_app) -> None:
    with TestClient(small_app) as client:
        client.headers.update({"X-Forwarded-For": "10.0.0.1"})
        for _ in range(3):
            assert login(client, "can-bo", "sai-mat-khau").status_code == 401
        # that address must wait, even with the right password
        r = login(client, "can-bo")
        assert r.status_code == 429
        assert "krv_session" not in r.headers.get("set-cookie", "")
        # the real user from another address is not locked out (issue 15, item 1)
        client.headers.update({"X-Forwarded-For": "10.0.0.99"})
        assert login(client, "can-bo").status_code == 303
        client.cookies.clear()
        # other accounts are not locked
        client.headers.update({"X-Forwarded-For": "10.0.0.1"})
        assert login(client, "can-bo-2").status_code == 303


def test_login_is_throttled_per_address(small_app) -> None:
    with TestClient(small_app) as client:
        client.headers.update({"X-Forwarded-For": "10.0.0.7"})
        for i in range(5):
            assert login(client, f"ai-do-{i}", "sai-mat-khau").status_code == 401
        assert login(client, "can-bo").status_code == 429
        client.headers.update({"X-Forwarded-For": "10.0.0.8"})
        assert login(client, "can-bo").status_code == 303


def test_a_success_resets_the_wait_of_that_account_and_address(small_app) -> None:
    with TestClient(small_app) as client:
        client.headers.update({"X-Forwarded-For": "10.0.1.1"})
        for _ in range(2):
            login(client, "can-bo", "sai-mat-khau")
        assert login(client, "can-bo").status_code == 303
        client.cookies.clear()
        # 2 more failures: 2 since the success, under the account limit of 3 (the address
        # counts 4 of its 5, success or not)
        for _ in range(2):
            assert login(client, "can-bo", "sai-mat-khau").status_code == 401
        assert login(client, "can-bo").status_code == 303


def test_passwords_are_stored_as_argon2_only(fx, accounts) -> None:
    with fx.store.engine.connect() as conn:
        hashes = conn.execute(sa.select(tables.users.c.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    raw = (fx.out_dir.parents[2] / "store.sqlite").read_bytes()
    assert PASSWORD.encode() not in raw


def test_after_login_redirect_stays_on_this_site(anon, accounts) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = login(anon, "huyen", next_url=target)
        assert r.headers["location"] == "/", target
        anon.cookies.clear()
    r = login(anon, "huyen", next_url=f"/years/{YEAR}/dashboard")
    assert r.headers["location"] == f"/years/{YEAR}/dashboard"
