"""Every page: what it shows is what the store holds, filters select the right households,
the household page explains, downloads are the manifest's files, and views are audited."""

from __future__ import annotations

import io
import re
from urllib.parse import quote, unquote

import pandas as pd
import pytest
from openpyxl import load_workbook

from konray_review.portal import audit
from konray_review.profile import slugify
from konray_review.schema import TRANSITIONS, label
from tests.portal.builders import RUN_ID, YEAR, Fixture

_HH_LINK = re.compile(r'/years/\d+/households/([^"?]+)"')
_COUNT = re.compile(r'id="result-count">([\d.,]+)')


def _ids(html: str) -> list[str]:
    return [unquote(m) for m in _HH_LINK.findall(html)]


def _count(html: str) -> int:
    return int(_COUNT.search(html).group(1).replace(".", "").replace(",", ""))


def _classified(fx: Fixture) -> pd.DataFrame:
    return fx.classification.merge(fx.households, on=["household_id", "review_year"])


# every route of the app and the test that covers it (checked by test_every_route_is_tested)
COVERED = {
    "/healthz", "/", "/login", "/logout", "/lang/{code}", "/account/password", "/years",
    "/runs/{run_id}", "/years/{year}", "/years/{year}/dashboard",
    "/years/{year}/communes/{slug}", "/years/{year}/households/{household_id:path}",
    "/years/{year}/quarantine", "/years/{year}/downloads", "/runs/{run_id}/files/{path:path}",
    "/admin/users", "/admin/users/{name}/disable", "/admin/users/{name}/enable",
    "/admin/users/{name}/password", "/admin/audit", "/static",
    "/years/{year}/standard",  # tests/portal/test_standard_page.py
    # the steps after the survey: tested in tests/decisions/test_portal.py and test_browser.py
    *(f"/years/{{year}}/decisions{p}" for p in (
        "", "/open", "/{slug}", "/{slug}/village", "/{slug}/households/{household_id}",
        "/{slug}/meeting", "/{slug}/resurveyed", "/{slug}/posting",
        "/{slug}/households/{household_id}/complaint",
        "/{slug}/households/{household_id}/recheck", "/{slug}/report", "/{slug}/decide",
        "/{slug}/certify", "/{slug}/return", "/{slug}/documents/{name}")),
}


def _paths(routes) -> set[str]:
    """Route paths, looking inside included routers (FastAPI wraps them)."""
    out: set[str] = set()
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            prefix = getattr(inner, "prefix", "")
            out |= {prefix + p if not p.startswith(prefix) else p for p in _paths(inner.routes)}
        else:
            out.add(r.path)
    return out


def test_every_route_is_tested(app) -> None:
    paths = _paths(app.routes)
    assert len(paths) >= 20
    assert paths - COVERED == set()


def test_health_and_root(anon, clients) -> None:
    assert anon.get("/healthz").text == "ok"
    assert anon.get("/", follow_redirects=False).headers["location"] == "/login"
    assert clients["district"].get("/", follow_redirects=False).headers["location"] == "/years"


def test_security_headers_and_no_caching(clients) -> None:
    r = clients["district"].get(f"/years/{YEAR}/dashboard")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_years_page_lists_runs_with_status_and_counts(clients, fx: Fixture) -> None:
    html = clients["district"].get("/years").text
    assert f"/years/{YEAR}" in html and RUN_ID in html and "2023-20231130T000000Z-failed" in html
    assert "Hoàn thành" in html and "Lỗi" in html  # succeeded, failed
    assert f">{len(fx.households)}<" in html  # accepted count of the run


def test_run_page_and_unknown_run(clients, fx: Fixture) -> None:
    html = clients["district"].get(f"/runs/{RUN_ID}").text
    for e in fx.manifest:
        assert e.path.rsplit("/", 1)[1] in html
    failed = clients["district"].get("/runs/2023-20231130T000000Z-failed")
    assert failed.status_code == 200 and "demo failure" in failed.text
    assert clients["district"].get("/runs/nope").status_code == 404


def test_dashboard_counts_match_the_store(clients, fx: Fixture) -> None:
    html = clients["district"].get(f"/years/{YEAR}/dashboard").text
    c = _classified(fx)
    rows = re.findall(r'<tr><td><a href="/years/\d+/communes/([^"]+)">[^<]+</a></td>\s*'
                      r'<td class="n">([\d.]+)</td><td class="n">([\d.]+)</td>', html)
    assert len(rows) == len(fx.communes)
    for slug, households, poor in rows:
        mine = c[c["commune"].map(slugify) == slug]
        assert int(households.replace(".", "")) == len(mine)
        assert int(poor.replace(".", "")) == int((mine["category"] == "poor").sum())
    assert "<svg" in html and "Chỉ tiêu kế hoạch" in html  # chart with the plan's target line
    target = fx.profile.target(YEAR, "poor_rate_max")
    assert f"{target * 100:.2f} %".replace(".", ",") in html
    # transitions table: each transition's households, and the ethnic-minority part
    tr = c["transition"].astype("string")
    em = c["head_ethnicity"] != "01"
    for code in TRANSITIONS:
        n, n_em = int((tr == code).sum()), int(((tr == code) & em).sum())
        row = f'<tr><td>{label("transition", code)}</td><td class="n">{n}</td>' \
              f'<td class="n">{n_em}</td></tr>'
        assert row in html, code


def test_commune_dashboard_is_limited_to_the_own_commune(clients, fx: Fixture) -> None:
    own = fx.communes[2]
    html = clients[own].get(f"/years/{YEAR}/dashboard").text
    n = int((fx.households["commune"] == own).sum())
    assert "Tổng các xã được xem" in html and f'<td class="n">{n}</td>' in html


@pytest.mark.parametrize("query, select", [
    ("category=poor", lambda d: d["category"] == "poor"),
    ("category=near_poor", lambda d: d["category"] == "near_poor"),
    ("category=unknown", lambda d: d["category"].isna()),
    ("transition=escaped_poverty", lambda d: d["transition"] == "escaped_poverty"),
    ("em=1", lambda d: d["head_ethnicity"] != "01"),
    ("em=0", lambda d: d["head_ethnicity"] == "01"),
    ("indicator=water", lambda d: d["dep_water"].fillna(False).astype(bool)),
    ("category=poor&em=1&indicator=sanitation",
     lambda d: (d["category"] == "poor") & (d["head_ethnicity"] != "01")
     & d["dep_sanitation"].fillna(False).astype(bool)),
])
def test_list_filters_select_the_right_households(clients, fx: Fixture, query, select) -> None:
    commune = fx.communes[1]
    c = _classified(fx)
    c = c[c["commune"] == commune]
    expected = set(c.loc[select(c).fillna(False).astype(bool), "household_id"])
    html = clients["district"].get(f"/years/{YEAR}/communes/{slugify(commune)}?{query}").text
    assert _count(html) == len(expected)
    assert set(_ids(html)) == expected  # fewer than a page in a commune of the fixture


def test_village_filter_and_village_table(clients, fx: Fixture) -> None:
    commune = fx.communes[0]
    hh = fx.households_of(commune)
    village = hh["village"].value_counts().index[0]
    html = clients["district"].get(
        f"/years/{YEAR}/communes/{slugify(commune)}?village={quote(village)}").text
    assert set(_ids(html)) == set(hh.loc[hh["village"] == village, "household_id"])


def test_search_by_name_without_accents_and_by_household_number(clients, fx: Fixture) -> None:
    commune = fx.communes[0]
    hh = fx.households_of(commune)
    target = hh.iloc[3]
    name = target["head_name"]
    plain = slugify(name).replace("_", " ")  # "Nguyễn Văn An" -> "nguyen van an"
    expected = set(hh.loc[hh["head_name"].map(lambda n: slugify(n).replace("_", " "))
                          .str.contains(plain, regex=False), "household_id"])
    url = f"/years/{YEAR}/communes/{slugify(commune)}"
    assert set(_ids(clients["district"].get(f"{url}?q={quote(plain)}").text)) == expected
    assert set(_ids(clients["district"].get(f"{url}?q={quote(name.upper())}").text)) == expected
    by_id = clients["district"].get(f"{url}?q={quote(target['household_id'])}").text
    assert _ids(by_id) == [target["household_id"]]


def test_pagination_covers_every_household_once(clients, fx: Fixture) -> None:
    client = clients["district"]
    small = fx.communes[0]
    app_cfg = client.app.state.portal.config
    object.__setattr__(app_cfg, "page_size", 7)
    try:
        seen: list[str] = []
        page = 1
        while True:
            html = client.get(f"/years/{YEAR}/communes/{slugify(small)}?page={page}").text
            ids = _ids(html)
            seen += ids
            if f"page={page + 1}" not in html:
                break
            page += 1
    finally:
        object.__setattr__(app_cfg, "page_size", 100)
    assert sorted(seen) == sorted(fx.households_of(small)["household_id"])
    assert page > 1


def test_bad_filter_values_are_ignored_not_errors(clients, fx: Fixture) -> None:
    url = f"/years/{YEAR}/communes/{slugify(fx.communes[0])}"
    r = clients["district"].get(f"{url}?category=<script>&indicator=zzz&em=maybe&page=-4")
    assert r.status_code == 200 and "<script>" not in r.text
    assert _count(r.text) == len(fx.households_of(fx.communes[0]))
    assert clients["district"].get(f"/years/{YEAR}/communes/nowhere").status_code == 404
    assert clients["district"].get("/years/1999/dashboard").status_code == 404
    assert clients["district"].get("/years/abc").status_code == 404


def test_household_page_explains_and_is_audited(clients, fx: Fixture) -> None:
    c = _classified(fx)
    row = c[(c["category"] == "poor") & (c["deprivation_count"] >= 3)].iloc[0]
    client = clients["district"]
    html = client.get(f"/years/{YEAR}/households/{quote(row['household_id'])}").text
    assert row["head_name"] in html and "Hộ nghèo" in html
    deprived = [i for i in fx.classification.columns if i.startswith("dep_") and row[i]]
    assert html.count('<tr class="deprived">') == len(deprived)
    # the explanation: income test, then the count against the threshold, member lines
    assert f"Thiếu hụt {int(row['deprivation_count'])}/" in html
    assert 'class="sub"' in html
    members = fx.store.read_members(YEAR, household_ids=[row["household_id"]])
    for name in members["name"]:
        assert name in html
    entry = audit.read(fx.store.engine, limit=1, action="view_household")[0]
    assert (entry.username, entry.object, entry.unit, entry.review_year) == (
        "huyen", row["household_id"], row["commune"], YEAR)
    assert client.get(f"/years/{YEAR}/households/no-such-id").status_code == 404


def test_english_switch(clients, fx: Fixture) -> None:
    client = clients["district"]
    r = client.get(f"/lang/en?next=/years/{YEAR}/dashboard", follow_redirects=False)
    assert r.headers["location"] == f"/years/{YEAR}/dashboard"
    try:
        client.cookies.set("krv_lang", "en")
        html = client.get(f"/years/{YEAR}/dashboard").text
        assert "District dashboard" in html and "Escaped poverty" in html
        assert '<html lang="en">' in html
    finally:
        client.cookies.set("krv_lang", "vi")
    assert "Tổng hợp toàn huyện" in client.get(f"/years/{YEAR}/dashboard").text
    assert client.get("/lang/fr").status_code == 404
    assert client.get("/lang/en?next=https://evil.example",
                      follow_redirects=False).headers["location"] == "/"


def test_quarantine_page_lists_follow_ups(clients, fx: Fixture) -> None:
    html = clients["district"].get(f"/years/{YEAR}/quarantine").text
    for rule in fx.quarantine["rule_id"].unique():
        assert rule in html
    commune = fx.quarantine["commune"].dropna().iloc[0]
    part = clients["district"].get(f"/years/{YEAR}/quarantine?commune={slugify(commune)}").text
    others = fx.quarantine[fx.quarantine["commune"] != commune]["household_id"].dropna()
    assert not [h for h in others if f"<td>{h}</td>" in part]


def test_downloads_page_and_a_download(clients, fx: Fixture) -> None:
    client = clients["district"]
    html = client.get(f"/years/{YEAR}/downloads").text
    assert RUN_ID in html and html.count("/files/") == len(fx.manifest)
    entry = next(e for e in fx.manifest if e.commune and e.format == "xlsx"
                 and e.list_type == "all")
    r = client.get(f"/runs/{RUN_ID}/files/{entry.path}")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    assert r.content == (fx.out_dir / entry.path).read_bytes()
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    text = "\n".join(str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v)
    for hid in fx.households_of(entry.commune)["household_id"]:
        assert hid in text
    last = audit.read(fx.store.engine, limit=1, action="download")[0]
    assert (last.username, last.unit, last.object) == ("huyen", entry.commune,
                                                       f"{RUN_ID}/{entry.path}")
    assert client.get("/years/1999/downloads").status_code == 404


def test_static_stylesheet(anon) -> None:
    assert "text/css" in anon.get("/static/portal.css").headers["content-type"]


def test_forwarded_headers_without_trusted_proxies_warn_once(fx: Fixture, accounts, config,
                                                             caplog) -> None:
    """Behind a TLS proxy that the portal was not told to trust, staff must hear about it."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from konray_review.portal.app import create_app

    caplog.set_level("WARNING", logger="konray_review.portal")
    with TestClient(create_app(config, store=fx.store)) as client:
        client.get("/healthz")
        assert not caplog.records  # a direct request is not a proxy
        for _ in range(3):
            client.get("/healthz", headers={"X-Forwarded-Proto": "https",
                                           "X-Forwarded-For": "203.0.113.9"})
    warned = [r for r in caplog.records if "KONRAY_PORTAL_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warned) == 1 and "203.0.113.9" not in warned[0].getMessage()
    caplog.clear()
    trusted = replace(config, trusted_proxies=("127.0.0.1",))
    with TestClient(create_app(trusted, store=fx.store)) as client:
        client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert not caplog.records


def test_a_list_pdf_downloads_as_a_pdf(clients, fx: Fixture) -> None:
    """The posted list's PDF opens in the browser's PDF viewer, not as an unknown file."""
    entry = next(e for e in fx.manifest if e.commune and e.format == "pdf")
    r = clients["district"].get(f"/runs/{RUN_ID}/files/{entry.path}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
