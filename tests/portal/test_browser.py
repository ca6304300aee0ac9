"""Real browser tests: Playwright driving Debian's Chromium against one live portal server.

A commune user logs in, filters the list, opens a household and downloads the XLSX list
(its rows are checked against the store); a district user sees every commune; a screenshot
of the dashboard is saved under test-artifacts/.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from konray_review.profile import slugify
from tests.portal.builders import PASSWORD, YEAR, Fixture, commune_username
from tests.strict import missing_tool

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = os.environ.get("KONRAY_CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which(path) or Path(path).is_file()):
        missing_tool("Chromium", f"not found at {path}; set KONRAY_CHROMIUM")
    return path


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def server(app) -> Iterator[tuple[str, _Capture]]:
    """One uvicorn server for every browser test, on a free loopback port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info",
                                        proxy_headers=False))
    capture = _Capture()
    logging.getLogger("uvicorn.access").addHandler(capture)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "portal server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", capture
    srv.should_exit = True
    thread.join(timeout=10)
    logging.getLogger("uvicorn.access").removeHandler(capture)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    _chromium()
    with sync_playwright() as pw:
        yield pw


@pytest.fixture()
def page(playwright, tmp_path):
    """A fresh browser profile per test (its own cookies, its own download folder)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=_chromium(), headless=True,
        args=CHROMIUM_ARGS, accept_downloads=True, locale="vi-VN",
        viewport={"width": 1280, "height": 900})
    try:
        yield context.pages[0] if context.pages else context.new_page()
    finally:
        context.close()


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/years")


def test_commune_user_filters_opens_a_household_and_downloads(page, server, fx: Fixture,
                                                              accounts, tmp_path) -> None:
    base, log = server
    commune = fx.communes[1]
    mine = fx.classification.merge(fx.households_of(commune), on=["household_id",
                                                                  "review_year"])
    _login(page, base, commune_username(commune))
    page.click(f"a[href='/years/{YEAR}']")
    links = page.locator("table.communes a").all_inner_texts()
    assert links == [commune]  # only the own commune is offered
    page.click(f"table.communes a:text-is('{commune}')")
    page.select_option("select[name=category]", "poor")
    page.fill("input[name=q]", "")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**category=poor**")
    poor = mine[mine["category"] == "poor"]
    rows = page.locator("#household-table tbody tr")
    assert rows.count() == len(poor)
    shown = set(page.locator("#household-table tbody tr td:first-child a").all_inner_texts())
    assert shown == set(poor["household_id"])
    # search by a name typed without accents
    target = poor.iloc[0]
    page.fill("input[name=q]", slugify(target["head_name"]).replace("_", " "))
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=**")
    assert target["household_id"] in page.locator("#household-table").inner_text()
    page.click(f"a:text-is('{target['household_id']}')")
    page.wait_for_url(f"**/households/{target['household_id']}")
    assert page.locator("#head-name").inner_text() == target["head_name"]
    assert "Hộ nghèo" in page.locator("#category").inner_text()
    assert page.locator("#explanation li").count() >= 2
    # download the commune's XLSX list of all households and check its rows
    page.goto(f"{base}/years/{YEAR}/downloads")
    entry = next(e for e in fx.manifest if e.commune == commune and e.format == "xlsx"
                 and e.list_type == "all")
    with page.expect_download() as info:
        page.click(f"a[href$='{entry.path.rsplit('/', 1)[1]}']")
    saved = tmp_path / "list.xlsx"
    info.value.save_as(saved)
    ws = load_workbook(saved, read_only=True).active
    cells = {str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert set(mine["household_id"]) <= cells
    others = set(fx.households["household_id"]) - set(mine["household_id"])
    assert not (others & cells)
    # district-wide files are not even listed for a commune user
    hrefs = page.locator("table.downloads a").evaluate_all("els => els.map(e => e.href)")
    assert hrefs and all(f"/{slugify(commune)}/" in h or "quarantine" in h for h in hrefs)
    # the access log kept paths but not the search term (a name)
    assert log.lines and not [ln for ln in log.lines if "q=" in ln and "…" not in ln]


def test_district_user_sees_every_commune_and_dashboard_screenshot(page, server, fx: Fixture,
                                                                   accounts) -> None:
    base, _log = server
    _login(page, base, "huyen")
    page.goto(f"{base}/years/{YEAR}/dashboard")
    names = page.locator("#commune-table tbody tr td:first-child").all_inner_texts()
    assert sorted(names) == fx.communes
    assert page.locator("svg.chart").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "portal-dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # English switch keeps the page
    page.click("a.lang")
    page.wait_for_url(f"{base}/years/{YEAR}/dashboard")
    assert "District dashboard" in page.locator("h1").inner_text()
    page.goto(f"{base}/years/{YEAR}/communes/{slugify(fx.communes[-1])}")
    assert page.locator("#household-table tbody tr").count() > 0
