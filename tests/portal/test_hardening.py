"""Issue 15, item 6: odd URLs are "not found" with every security header; HSTS behind HTTPS;
refused pages in the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from konray_review.portal import tables
from konray_review.portal.app import create_app
from konray_review.portal.config import PortalConfig
from tests.portal.builders import YEAR
from tests.portal.conftest import SECRET

HUGE = "99999999999999999999"


def test_huge_numbers_in_urls_are_not_found_with_headers(clients) -> None:
    admin = clients["admin"]
    for path in (f"/years/{HUGE}", f"/years/{HUGE}/dashboard", f"/admin/audit?page={HUGE}",
                 f"/years/{YEAR}/communes/x?page={HUGE}", "/years/-5", f"/years/{YEAR}0000",
                 f"/years/{HUGE}/decisions"):
        r = admin.get(path)
        assert r.status_code == 404, path
        assert r.headers["x-frame-options"] == "DENY", path
        assert "default-src 'self'" in r.headers["content-security-policy"], path
        assert "Traceback" not in r.text


def test_an_unexpected_error_is_a_500_with_headers_and_no_traceback(fx, accounts) -> None:
    app = create_app(PortalConfig(secret=SECRET), store=fx.store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("Nguyễn Văn A")  # a message that must not reach the client

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "Nguyễn" not in r.text and "Traceback" not in r.text


def test_hsts_only_over_https(fx, accounts) -> None:
    proxied = create_app(PortalConfig(secret=SECRET, trusted_proxies=("*",)), store=fx.store)
    with TestClient(proxied) as client:
        plain = client.get("/healthz")
        tls = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in plain.headers
    assert tls.headers["strict-transport-security"].startswith("max-age=31536000")
    forced = create_app(PortalConfig(secret=SECRET, https=True), store=fx.store)
    with TestClient(forced) as client:
        assert "max-age" in client.get("/login").headers["strict-transport-security"]


def test_a_refused_page_is_audited(fx, clients) -> None:
    other = fx.communes[1]
    slug = fx.profile.unit(other).slug
    r = clients[fx.communes[0]].get(f"/years/{YEAR}/communes/{slug}")
    assert r.status_code == 403
    with fx.store.engine.connect() as conn:
        rows = conn.execute(sa.select(tables.audit_log.c.object, tables.audit_log.c.review_year)
                            .where(tables.audit_log.c.action == "access_denied")).all()
    assert (f"/years/{YEAR}/communes/{slug}", YEAR) in rows


def test_times_are_shown_in_the_profile_time_zone(clients) -> None:
    from datetime import UTC, datetime

    import pandas as pd

    from konray_review.portal.web import local_time

    assert local_time(datetime(2026, 12, 1, 0, 30)) == "2026-12-01 07:30 (GMT+7)"
    assert local_time(pd.Timestamp("2026-11-30 20:15:09", tz="UTC"), seconds=True) == \
        "2026-12-01 03:15:09 (GMT+7)"
    assert local_time(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tz="Europe/Paris") == \
        "2026-06-01 14:00 (GMT+2)"
    assert local_time(None) == "" and local_time(pd.NaT) == ""
    page = clients["admin"].get("/admin/audit")
    assert "(GMT+7)" in page.text and "(UTC)" not in page.text
    assert "(GMT+7)" in clients["district"].get("/years").text
