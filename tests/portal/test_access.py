"""The access matrix: every role × every commune × every list / household / download route.

District staff and administrators see every commune; a commune user sees only their own
commune(s) and gets 403/404 for anything else, by any path: unit slugs in URLs, household
ids, query parameters, download names. Pages a commune user may open never show another
commune's households.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from konray_review.profile import slugify
from tests.portal.builders import RUN_ID, YEAR, Fixture

VIEWERS = ["admin", "district", "commune_0", "commune_3", "commune_6", "two"]
UNIT_INDEXES = range(7)
_HH_LINK = re.compile(r'/years/\d+/households/([^"?]+)"')


def _viewer_key(viewer: str, fx: Fixture) -> str:
    return fx.communes[int(viewer.split("_")[1])] if viewer.startswith("commune_") else viewer


def _allowed(viewer: str, commune: str | None, fx: Fixture) -> bool:
    if viewer in ("admin", "district"):
        return True
    if commune is None:
        return False
    own = fx.communes[:2] if viewer == "two" else [_viewer_key(viewer, fx)]
    return commune in own


def _household_ids(html: str) -> set[str]:
    from urllib.parse import unquote

    return {unquote(m) for m in _HH_LINK.findall(html)}


def _unit_routes(fx: Fixture, commune: str) -> list[tuple[str, int]]:
    """(url, status when forbidden) of every per-unit route for ``commune``."""
    slug = slugify(commune)
    hh = fx.households_of(commune)
    village = sorted(hh["village"].unique())[0]
    routes = [
        (f"/years/{YEAR}/communes/{slug}", 403),
        (f"/years/{YEAR}/communes/{slug}?village={quote(village)}", 403),
        (f"/years/{YEAR}/communes/{slug}?category=poor&page=2", 403),
        (f"/years/{YEAR}/quarantine?commune={slug}", 403),
    ]
    for hid in hh["household_id"].iloc[[0, -1]]:
        routes.append((f"/years/{YEAR}/households/{quote(hid)}", 404))
    for e in fx.manifest:
        if e.commune == commune:
            routes.append((f"/runs/{RUN_ID}/files/{e.path}", 404))
    return routes


@pytest.mark.parametrize("unit", UNIT_INDEXES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_unit_routes_follow_the_hierarchy(clients, fx: Fixture, viewer: str, unit: int) -> None:
    commune = fx.communes[unit]
    client = clients[_viewer_key(viewer, fx)]
    allowed = _allowed(viewer, commune, fx)
    wrong = []
    for url, denied in _unit_routes(fx, commune):
        r = client.get(url, follow_redirects=False)
        expected = 200 if allowed else denied
        if r.status_code != expected:
            wrong.append((url, r.status_code, expected))
        if r.status_code == 200 and "/households/" not in url and "/files/" not in url:
            ids = _household_ids(r.text)
            foreign = ids - set(fx.households_of(commune)["household_id"])
            if foreign:
                wrong.append((url, "shows households of another commune", sorted(foreign)[:3]))
    assert not wrong


@pytest.mark.parametrize("viewer", VIEWERS)
def test_district_wide_files_only_for_district_staff(clients, fx: Fixture, viewer: str) -> None:
    client = clients[_viewer_key(viewer, fx)]
    district_files = [e for e in fx.manifest if e.commune is None]
    assert district_files, "the fixture must hold district-wide files"
    for e in district_files:
        r = client.get(f"/runs/{RUN_ID}/files/{e.path}")
        assert r.status_code == (200 if viewer in ("admin", "district") else 404), e.path


@pytest.mark.parametrize("viewer", ["commune_0", "commune_3", "two"])
def test_overview_pages_never_name_other_communes(clients, fx: Fixture, viewer: str) -> None:
    client = clients[_viewer_key(viewer, fx)]
    others = [c for c in fx.communes if not _allowed(viewer, c, fx)]
    own_ids = set(fx.households[fx.households["commune"].map(
        lambda c: _allowed(viewer, c, fx))]["household_id"])
    for url in ["/years", f"/years/{YEAR}", f"/years/{YEAR}/dashboard",
                f"/years/{YEAR}/downloads", f"/runs/{RUN_ID}", f"/years/{YEAR}/quarantine"]:
        r = client.get(url)
        assert r.status_code == 200, url
        shown = [c for c in others if c in r.text]
        assert not shown, (url, shown)
        assert _household_ids(r.text) <= own_ids, url
        foreign_q = set(fx.quarantine["household_id"]) - set(
            fx.quarantine.loc[fx.quarantine["commune"].map(lambda c: _allowed(viewer, c, fx)),
                              "household_id"])
        assert not [h for h in foreign_q if h in r.text], url


def test_commune_user_cannot_reach_other_units_by_tricks(clients, fx: Fixture) -> None:
    own, other = fx.communes[0], fx.communes[1]
    client = clients[own]
    own_slug, other_slug = slugify(own), slugify(other)
    other_hid = fx.households_of(other)["household_id"].iloc[0]
    other_file = next(e for e in fx.manifest if e.commune == other and e.format == "xlsx")
    # search for another commune's household from the own list: nothing found
    r = client.get(f"/years/{YEAR}/communes/{own_slug}?q={quote(other_hid)}")
    assert r.status_code == 200 and _household_ids(r.text) == set()
    # a village of another commune as a filter: the list stays inside the own commune
    other_village = fx.households_of(other)["village"].iloc[0]
    r = client.get(f"/years/{YEAR}/communes/{own_slug}?village={quote(other_village)}")
    assert _household_ids(r.text) <= set(fx.households_of(own)["household_id"])
    # spelling variants of the commune's name or slug are not a way around
    for slug in (other_slug.upper(), quote(other), quote(other_slug + "/")):
        assert client.get(f"/years/{YEAR}/communes/{slug}").status_code in (403, 404)
    # download names: traversal, encoded traversal, unlisted files, another run id
    own_file = next(e for e in fx.manifest if e.commune == own and e.format == "xlsx")
    own_dir = own_file.path.rsplit("/", 1)[0]
    tricks = [
        f"/runs/{RUN_ID}/files/{own_dir}/%2E%2E/{other_slug}/{other_file.path.rsplit('/', 1)[1]}",
        f"/runs/{RUN_ID}/files/{own_dir}/..%2F{other_slug}%2F{other_file.path.rsplit('/', 1)[1]}",
        f"/runs/{RUN_ID}/files/manifest.json",
        f"/runs/{RUN_ID}/files/%2Fetc%2Fpasswd",
        f"/runs/{RUN_ID}/files/{quote(other_file.path, safe='')}",
        f"/runs/../runs/{RUN_ID}/files/{other_file.path}",
        f"/runs/no-such-run/files/{own_file.path}",
        f"/runs/2023-20231130T000000Z-failed/files/{own_file.path}",
    ]
    for url in tricks:
        assert client.get(url).status_code == 404, url
    # the household page of another commune is "not found", not "forbidden" (no probing)
    assert client.get(f"/years/{YEAR}/households/{quote(other_hid)}").status_code == 404
    assert client.get(f"/years/{YEAR}/quarantine?commune={other_slug}").status_code == 403


@pytest.mark.parametrize("url", [
    "/years", f"/years/{YEAR}", f"/years/{YEAR}/dashboard", f"/years/{YEAR}/communes/dak_koi",
    f"/years/{YEAR}/households/x", f"/years/{YEAR}/quarantine", f"/years/{YEAR}/downloads",
    f"/runs/{RUN_ID}", f"/runs/{RUN_ID}/files/lists/{YEAR}/2023_kon-ray_all.xlsx",
    "/admin/users", "/admin/audit", "/account/password",
])
def test_anonymous_is_sent_to_login(anon, url: str) -> None:
    r = anon.get(url, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("viewer", ["district", "commune_0", "two"])
def test_admin_pages_are_for_admins_only(clients, fx: Fixture, viewer: str) -> None:
    client = clients[_viewer_key(viewer, fx)]
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403


@pytest.mark.parametrize("viewer", VIEWERS)
def test_full_id_list_only_for_district_users(clients, fx: Fixture, viewer: str) -> None:
    """The list with full ID numbers is restricted; posted lists carry masked numbers."""
    client = clients[_viewer_key(viewer, fx)]
    restricted = [e for e in fx.manifest if e.kind == "list_full_ids"]
    assert restricted, "the fixture must hold the restricted list"
    district = viewer in ("admin", "district")
    listing = client.get(f"/years/{YEAR}/downloads").text
    for e in restricted:
        r = client.get(f"/runs/{RUN_ID}/files/{e.path}")
        assert r.status_code == (200 if district else 404), e.path
        assert (e.path in listing) == district
    full_ids = set(fx.households["head_id_number"].dropna().astype(str))
    own = [e for e in fx.manifest if e.kind == "list" and e.format == "csv"
           and _allowed(viewer, e.commune, fx)]
    assert own
    for e in own:
        text = client.get(f"/runs/{RUN_ID}/files/{e.path}").content.decode("utf-8-sig")
        assert not [i for i in full_ids if i in text], e.path


@pytest.mark.parametrize("viewer", ["commune_0", "two"])
def test_commune_users_see_no_district_wide_run_counts(clients, fx: Fixture,
                                                       viewer: str) -> None:
    client = clients[_viewer_key(viewer, fx)]
    for url in ("/years", f"/runs/{RUN_ID}"):
        html = client.get(url).text
        assert RUN_ID in html
        assert "Cần kiểm tra lại</th>" not in html and f">{len(fx.households)}<" not in html
    district = clients["district"].get(f"/runs/{RUN_ID}").text
    assert f">{len(fx.households)}<" in district
