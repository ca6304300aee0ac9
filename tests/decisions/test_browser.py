"""In a real browser (Debian's Chromium through Playwright): a commune user records a
village meeting, starts posting, registers a complaint, resolves it, records the decision,
downloads Mẫu 03 for one household and Appendix VI for the commune; a user of another
commune can do none of it."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest

from tests.decisions.conftest import Portal, make_portal
from tests.decisions.test_documents import pdf_pages
from tests.portal.builders import PASSWORD, YEAR, commune_username
from tests.portal.test_browser import CHROMIUM_ARGS, _chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Portal:
    return make_portal(tmp_path_factory.mktemp("bportal"))


@pytest.fixture(scope="module")
def base(portal: Portal) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(portal.app, host="127.0.0.1", port=port,
                                        log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "portal server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, base: str, username: str):
    context = browser.new_context(accept_downloads=True, locale="vi-VN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/years")
    return context, page


def _saved(page) -> str:
    return page.locator("#step-saved").inner_text()


def test_a_commune_user_carries_a_village_through_the_season(browser, base, portal,
                                                            tmp_path) -> None:
    commune, slug, villages = portal.commune_with_villages()
    village = villages[0]
    names = dict(zip(portal.fx.households["household_id"], portal.fx.households["head_name"],
                     strict=True))
    context, page = _page(browser, base, commune_username(commune))
    try:
        page.click(f"a[href='/years/{YEAR}']")
        page.click(f"a[href='/years/{YEAR}/decisions']")
        page.wait_for_url(f"{base}/years/{YEAR}/decisions")
        page.locator("#decision-communes a").first.wait_for()  # all_inner_texts does not wait
        assert page.locator("#decision-communes a").all_inner_texts() == [commune]
        page.click(f"#decision-communes a:text-is('{commune}')")
        page.click(f"#decision-villages a:text-is('{village}')")
        # the meeting: everyone agrees but one household (3 of 20: re-survey)
        rows = page.locator("#village-households input.agree")
        ids = [re.sub(r"^agree:", "", n) for n in
               rows.evaluate_all("els => els.map(e => e.name)")]
        assert len(ids) >= 2
        page.fill(f"input[name='agree:{ids[0]}']", "3")
        page.fill("input[name=held_on]", "2023-10-02")
        page.fill("input[name=attendees]", "20")
        page.fill("input[name=chair]", "Trưởng thôn")
        page.click("#step-meeting button[type=submit]")
        assert "Đã lưu: họp thôn" in _saved(page)
        row0 = page.locator(f"tr[data-household='{ids[0]}']")
        assert "khảo sát lại" in row0.inner_text()
        # public posting for the village
        page.fill("#step-posting input[name=starts_on]", "2023-10-03")
        page.click("#step-posting button[type=submit]")
        assert "Đã lưu: niêm yết" in _saved(page)
        assert "đang niêm yết công khai" in page.locator(
            f"tr[data-household='{ids[1]}']").inner_text()
        # a complaint about one household, and its re-check
        page.click(f"tr[data-household='{ids[1]}'] a")
        page.fill("#step-complaint input[name=received_on]", "2023-10-04")
        page.fill("#step-complaint input[name=complainant]", "Ông Bình")
        page.fill("#step-complaint textarea[name=content]", "Hộ có ô tô")
        page.click("#step-complaint button[type=submit]")
        assert "có khiếu nại, chờ phúc tra" in page.locator("#household-state").inner_text()
        page.fill("#step-recheck input[name=on_date]", "2023-10-06")
        page.fill("#step-recheck textarea[name=corrections]",
                  "income_per_capita = 9.000.000\nagricultural = không")
        page.click("#step-recheck button[type=submit]")
        assert "đang niêm yết kết quả phúc tra" in page.locator(
            "#household-state").inner_text()
        history = page.locator("#household-history").inner_text()
        assert "Ông Bình" in history and "Không thuộc diện" in history
        # report (after every posting has ended), decision, certificates: the commune page
        page.goto(f"{base}/years/{YEAR}/decisions/{slug}")
        page.fill("#step-report input[name=on_date]", "2023-10-12")
        page.select_option("#step-report select[name=village]", village)
        page.click("#step-report button[type=submit]")
        assert "Đã lưu: báo cáo Chủ tịch UBND xã" in _saved(page)
        page.fill("#step-decide input[name=signed_on]", "2023-10-13")
        page.fill("#step-decide input[name=number]", "21/QĐ-UBND")
        page.click("#step-decide button[type=submit]")
        assert "Đã lưu: quyết định" in _saved(page)
        page.fill("#step-certify input[name=issued_on]", "2023-10-16")
        page.click("#step-certify button[type=submit]")
        cur = portal.app.state.decisions.states(f"{YEAR}-annual", communes=[commune],
                                                 villages=[village])
        certified = cur.loc[cur["state"] == "certified", "household_id"].tolist()
        decided = cur[cur["state"].isin(["recognised", "certified"])]["household_id"]
        assert len(decided) == len(ids) - 1 and ids[1] in set(decided)
        # Appendix VI for the commune
        with page.expect_download() as dl:
            page.click("#doc-appendix_vi-pdf")
        appendix = dl.value.path().read_bytes()
        text = " ".join(pdf_pages(appendix))
        assert "SAU RÀ SOÁT" in text.upper() and names[ids[1]] in text
        # Mẫu 03 for one recognised poor or near-poor household
        if certified:
            page.goto(f"{base}/years/{YEAR}/decisions/{slug}/households/"
                      f"{quote(certified[0], safe='')}")
            with page.expect_download() as dl:
                page.click("#doc-mau_03-pdf")
            cert = " ".join(pdf_pages(dl.value.path().read_bytes()))
            assert names[certified[0]] in cert and "21/QĐ-UBND" in cert
        else:
            pytest.fail("the fixture village needs a poor or near-poor household")
    finally:
        context.close()


def test_a_user_of_another_commune_can_do_none_of_it(browser, base, portal) -> None:
    commune, slug, villages = portal.commune_with_villages()
    other = next(c for c in portal.fx.communes if c != commune)
    hid = portal.fx.households_of(commune)["household_id"].iloc[0]
    context, page = _page(browser, base, commune_username(other))
    try:
        page.goto(f"{base}/years/{YEAR}/decisions")
        assert commune not in page.locator("#decision-communes").inner_text()
        for url in (f"/years/{YEAR}/decisions/{slug}",
                    f"/years/{YEAR}/decisions/{slug}/village?{urlencode({'v': villages[0]})}"):
            response = page.goto(base + url)
            assert response.status == 403
            assert "Bạn không có quyền xem trang này" in page.content()
        response = page.goto(f"{base}/years/{YEAR}/decisions/{slug}/households/{quote(hid)}")
        assert response.status == 404
        page.goto(f"{base}/years/{YEAR}")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        for action, form in (
                ("meeting", {"village": villages[0], "held_on": "2023-10-02",
                             "attendees": "5"}),
                ("posting", {"village": villages[0], "starts_on": "2023-10-03"}),
                (f"households/{quote(hid)}/complaint", {"received_on": "2023-10-04",
                                                       "complainant": "x", "content": "y"}),
                (f"households/{quote(hid)}/recheck", {"on_date": "2023-10-06"}),
                ("report", {"on_date": "2023-10-12"}), ("decide", {"signed_on": "2023-10-13"}),
                ("certify", {"issued_on": "2023-10-16"})):
            r = page.request.post(f"{base}/years/{YEAR}/decisions/{slug}/{action}",
                                  form={"csrf_token": token, **form})
            assert r.status == 403, action
        for doc in ("appendix_vi.pdf", f"mau_03.pdf?household={quote(hid)}"):
            r = page.request.get(f"{base}/years/{YEAR}/decisions/{slug}/documents/{doc}")
            assert r.status == 403, doc
    finally:
        context.close()
