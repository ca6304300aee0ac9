"""The decision pages over HTTP: who may do what (commune staff their commune only, district
staff read and return), CSRF on every action, the audit log, Vietnamese first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient

from konray_review.portal import audit
from tests.decisions.conftest import Portal, make_portal
from tests.portal.builders import PASSWORD, YEAR, commune_username

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Portal:
    return make_portal(tmp_path_factory.mktemp("dportal"))


def _login(portal: Portal, username: str) -> TestClient:
    client = TestClient(portal.app)
    client.__enter__()
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": _CSRF.search(page.text).group(1),
                                    "next": "/years"}, follow_redirects=False)
    assert r.status_code == 303
    return client


@pytest.fixture(scope="module")
def clients(portal: Portal) -> Iterator[dict[str, TestClient]]:
    commune, _, _ = portal.commune_with_villages()
    other = next(c for c in portal.fx.communes if c != commune)
    out = {"own": _login(portal, commune_username(commune)),
           "other": _login(portal, commune_username(other)),
           "district": _login(portal, "huyen")}
    yield out
    for c in out.values():
        c.__exit__(None, None, None)


def _token(client: TestClient) -> str:
    return _CSRF.search(client.get("/years").text).group(1)


def _post(client: TestClient, url: str, **data: str):
    return client.post(url, data={"csrf_token": _token(client), **data},
                       follow_redirects=False)


def _base(slug: str) -> str:
    return f"/years/{YEAR}/decisions/{slug}"


def test_only_district_staff_open_the_review(portal, clients) -> None:
    assert "Mở đợt rà soát" in clients["district"].get(f"/years/{YEAR}/decisions").text
    assert _post(clients["own"], f"/years/{YEAR}/decisions/open").status_code == 403
    r = _post(clients["district"], f"/years/{YEAR}/decisions/open")
    assert r.status_code == 303
    assert "Mở đợt rà soát" not in clients["district"].get(f"/years/{YEAR}/decisions").text
    entry = audit.read(portal.fx.store.engine, limit=1, action="decision_open")[0]
    assert (entry.username, entry.object) == ("huyen", f"{YEAR}-annual")


def test_commune_staff_record_the_season_and_every_action_is_audited(portal, clients) -> None:
    own = clients["own"]
    commune, slug, villages = portal.commune_with_villages()
    village = villages[0]
    page = own.get(f"{_base(slug)}/village", params={"v": village})
    assert page.status_code == 200 and "Ghi kết quả họp thôn" in page.text
    inputs = re.findall(r'name="agree:([^"]+)"', page.text)
    assert inputs
    data = {"village": village, "held_on": "2023-10-02", "attendees": "20",
            **{f"agree:{h}": "" for h in inputs}}  # as the form sends it: blank = everyone
    data[f"agree:{inputs[0]}"] = "7"  # 7 of 20: re-survey
    r = _post(own, f"{_base(slug)}/meeting", **data)
    assert r.status_code == 303 and "saved=meeting" in r.headers["location"]
    shown = own.get(r.headers["location"])
    assert "Đã lưu: họp thôn" in shown.text
    r = _post(own, f"{_base(slug)}/posting", village=village, starts_on="2023-10-03")
    assert r.status_code == 303
    hid = inputs[1] if len(inputs) > 1 else inputs[0]
    r = _post(own, f"{_base(slug)}/households/{quote(hid)}/complaint",
              received_on="2023-10-04", complainant="Bà Hoa", content="Hộ có xe")
    assert r.status_code == 303
    r = _post(own, f"{_base(slug)}/households/{quote(hid)}/recheck", on_date="2023-10-06",
              corrections="income_per_capita = 9.000.000\nagricultural = không")
    assert r.status_code == 303
    page = own.get(f"{_base(slug)}/households/{quote(hid)}")
    assert "Không thuộc diện" in page.text and "Bà Hoa" in page.text
    r = _post(own, f"{_base(slug)}/report", on_date="2023-10-05")  # posting runs to 6/10
    assert r.status_code == 400 and "chưa hết thời gian niêm yết" in r.text
    assert _post(own, f"{_base(slug)}/report", on_date="2023-10-12").status_code == 303
    r = _post(own, f"{_base(slug)}/decide", signed_on="2023-10-13", number="09/QĐ-UBND")
    assert r.status_code == 303
    # the household not agreed: re-surveyed (its new preliminary result), then met again
    r = _post(own, f"{_base(slug)}/resurveyed", village=village, on_date="2023-10-09")
    assert r.status_code == 303 and "saved=resurveyed" in r.headers["location"]
    assert "kết quả sơ bộ, chờ họp thôn" in own.get(
        f"{_base(slug)}/households/{quote(inputs[0])}").text
    cur = portal.app.state.decisions.states(f"{YEAR}-annual", communes=[commune],
                                             villages=[village])
    eligible = cur["state"].eq("recognised") & cur["category"].isin(["poor", "near_poor"])
    r = _post(own, f"{_base(slug)}/certify", issued_on="2023-10-16", village=village)
    if eligible.any():
        assert r.status_code == 303 and f"n={int(eligible.sum())}" in r.headers["location"]
    else:
        assert r.status_code == 400 and "chưa cấp giấy chứng nhận" in r.text
    entries = audit.read(portal.fx.store.engine, limit=50)
    actions = [e.action for e in entries if e.username == commune_username(commune)]
    for action in ("decision_meeting", "decision_posting", "decision_complaint",
                   "decision_recheck", "decision_report", "decision_decide",
                   "decision_resurvey", "decision_certify"):
        assert action in actions
    names = set(portal.fx.households["head_name"]) | {"Bà Hoa"}
    assert not any(e.object and any(n in e.object for n in names) for e in entries)
    doc = own.get(f"{_base(slug)}/documents/appendix_vi.pdf")
    assert doc.status_code == 200 and doc.content.startswith(b"%PDF")
    assert doc.headers["content-disposition"].startswith("attachment;")
    assert audit.read(portal.fx.store.engine, limit=1)[0].action == "decision_document"


def test_another_communes_staff_can_do_none_of_it(portal, clients) -> None:
    other = clients["other"]
    _, slug, villages = portal.commune_with_villages()
    hid = portal.fx.households_of(portal.commune_with_villages()[0])["household_id"].iloc[0]
    for url in (_base(slug), f"{_base(slug)}/village?{urlencode({'v': villages[0]})}",
                f"{_base(slug)}/documents/appendix_vi.pdf",
                f"{_base(slug)}/documents/mau_03.pdf?household={quote(hid)}"):
        assert other.get(url).status_code == 403, url
    assert other.get(f"{_base(slug)}/households/{quote(hid)}").status_code == 404
    for action, data in (("meeting", {"village": villages[0], "held_on": "2023-10-02",
                                      "attendees": "5"}),
                         ("posting", {"village": villages[0], "starts_on": "2023-10-03"}),
                         (f"households/{quote(hid)}/complaint",
                          {"received_on": "2023-10-04", "complainant": "x", "content": "y"}),
                         (f"households/{quote(hid)}/recheck", {"on_date": "2023-10-05"}),
                         ("report", {"on_date": "2023-10-12"}),
                         ("decide", {"signed_on": "2023-10-13"}),
                         ("certify", {"issued_on": "2023-10-14"}),
                         ("return", {"on_date": "2023-10-12", "reason": "x"})):
        r = _post(other, f"{_base(slug)}/{action}", **data)
        assert r.status_code == 403, action
        assert "Bạn không có quyền xem trang này" in r.text


def test_district_staff_read_every_commune_and_only_return_lists(portal, clients) -> None:
    district = clients["district"]
    commune, slug, villages = portal.commune_with_villages()
    overview = district.get(f"/years/{YEAR}/decisions")
    assert overview.status_code == 200
    for c in portal.fx.communes:
        assert c in overview.text
    page = district.get(_base(slug))
    assert page.status_code == 200 and "Trả lại danh sách để sửa" in page.text
    assert "Ghi kết quả họp thôn" not in district.get(
        f"{_base(slug)}/village", params={"v": villages[-1]}).text
    r = _post(district, f"{_base(slug)}/meeting", village=villages[-1], held_on="2023-10-02",
              attendees="5")
    assert r.status_code == 403
    # the first test's households were decided; a returnable village: meet and post first
    own = clients["own"]
    assert _post(own, f"{_base(slug)}/meeting", village=villages[-1], held_on="2023-10-02",
                 attendees="9").status_code == 303
    assert _post(own, f"{_base(slug)}/posting", village=villages[-1],
                 starts_on="2023-10-03").status_code == 303
    r = _post(district, f"{_base(slug)}/return", on_date="2023-10-04", village=villages[-1],
              reason="Thiếu hộ có giấy đề nghị")
    assert r.status_code == 303
    entry = audit.read(portal.fx.store.engine, limit=1, action="decision_return")[0]
    assert (entry.username, entry.unit, entry.object) == ("huyen", commune, villages[-1])


def test_every_action_needs_the_csrf_token(portal, clients) -> None:
    own = clients["own"]
    _, slug, villages = portal.commune_with_villages()
    r = own.post(f"{_base(slug)}/posting", data={"village": villages[0],
                                                 "starts_on": "2023-10-03"},
                 follow_redirects=False)
    assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.text
    r = own.post(f"{_base(slug)}/decide", data={"csrf_token": "forged",
                                                "signed_on": "2023-10-13"})
    assert r.status_code == 403


def test_signed_out_users_are_sent_to_the_login(portal) -> None:
    with TestClient(portal.app) as anon:
        _, slug, _ = portal.commune_with_villages()
        r = anon.get(_base(slug), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_english_switch(portal, clients) -> None:
    own = clients["own"]
    _, slug, _ = portal.commune_with_villages()
    own.get("/lang/en", follow_redirects=False)
    try:
        assert "Villages" in own.get(_base(slug)).text
    finally:
        own.get("/lang/vi", follow_redirects=False)
