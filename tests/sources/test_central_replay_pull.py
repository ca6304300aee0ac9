"""Pulls replayed from a real ODK Central (v2026.2.2, ``fixtures/central/pull.json`` and
``outage.json``): three pages through ``@odata.nextLink``, the ``members@odata.navigationLink``
annotation next to the inline roster, edits (PUT with deprecatedID), a deletion, an
incremental pull, and the server killed between two pages of a pull.

Expected values come from the recording itself (the server's answers: its ``@odata.count``,
the ids it returned for the edits and the deletion), never from the code under test."""

from __future__ import annotations

import copy
from datetime import timedelta

import pandas as pd
import pytest
import responses

from konray_review.sources.central import CentralSource
from konray_review.sources.config import CentralConfig, HttpSettings
from konray_review.sources.http import SourceError, retry_scope
from konray_review.sources.normalise import NormaliseError, flatten_odata
from konray_review.sources.pull import pull_into
from konray_review.sources.state import FileStateStore
from tests.sources.recording import exchanges, load_cassette, register, replay

PULL = load_cassette("pull")
OUTAGE = load_cassette("outage")


def source(cassette, profile, **http) -> CentralSource:
    m = cassette["meta"]
    cfg = CentralConfig(base_url=m["base_url"], username=m["username"], password="<password>",
                        project_id=m["project_id"], allow_http=True,
                        http=HttpSettings(**{"retries": 2, "backoff": 0, **http}))
    return CentralSource(cfg, year=m["year"], profile=profile,
                         page_size=m.get("page_size", 1000), sleep=lambda s: None)


def odata_pages(cassette, step: str) -> list[dict]:
    return [e["response"]["json"] for e in exchanges(cassette, steps=(step,))
            if e["request"]["path"].endswith(".svc/Submissions") and "response" in e]


def live_pages(cassette, step: str) -> list[dict]:
    return [p for p, e in zip(odata_pages(cassette, step), [
        e for e in exchanges(cassette, steps=(step,))
        if e["request"]["path"].endswith(".svc/Submissions") and "response" in e], strict=True)
        if "deletedAt ne null" not in e["request"]["query"].get("$filter", "")]


def setup_answers(cassette, step: str, method: str) -> list[dict]:
    return [e for e in exchanges(cassette, steps=(step,), actor="setup")
            if e["request"]["method"] == method]


def test_recorded_pages_carry_the_navigation_link_next_to_the_inline_roster():
    rows = [r for p in odata_pages(PULL, "pull-1-full") for r in p["value"]]
    assert rows and all(isinstance(r["members"], list) and r["members"] for r in rows)
    assert all(r["members@odata.navigationLink"].endswith("')/members") for r in rows)


def test_full_pull_follows_next_links_and_reads_the_annotated_shape(profile, tmp_path):
    pages = live_pages(PULL, "pull-1-full")
    assert len(pages) == 3 and "@odata.nextLink" in pages[0] and "@odata.nextLink" not in pages[2]
    server_count = pages[-1]["@odata.count"]
    server_members = sum(len(r["members"]) for p in pages for r in p["value"])
    store = FileStateStore(tmp_path)
    with replay("pull", steps=("pull-1-full",)) as rsps:
        report = pull_into(source(PULL, profile), store)
        calls = [c.request for c in rsps.calls if "Submissions" in c.request.url]
    assert report.received == report.new == server_count == 7
    assert report.members == server_members and report.problems.empty
    assert "$select" not in calls[0].url and "%24expand=%2A" in calls[0].url
    assert calls[1].url == pages[0]["@odata.nextLink"]  # the server's own link, followed
    hh, mem = store.load()
    assert hh["instance_id"].is_unique and len(mem) == server_members
    posted = {e["response"]["json"]["instanceId"]
              for e in setup_answers(PULL, "pull-setup-1", "POST")}
    assert set(hh["instance_id"]) == posted
    assert store.get_watermark(report.key) == pd.Timestamp(
        max(r["__system"]["submissionDate"] for p in pages for r in p["value"])).to_pydatetime()


def test_incremental_pull_brings_edits_deletions_and_new_submissions(profile, tmp_path):
    store = FileStateStore(tmp_path)
    with replay("pull", steps=("pull-1-full", "pull-2-incremental")) as rsps:
        src = source(PULL, profile)
        pull_into(src, store)
        mark = store.get_watermark(src.key)
        report = pull_into(src, store)
        second = [c.request for c in rsps.calls if "Submissions" in c.request.url][4:]
    since = (mark - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert f"submissionDate+ge+{since}" in second[0].url.replace("%3A", ":")
    edits = {e["response"]["json"]["instanceId"]: e["response"]["json"]["currentVersion"][
        "instanceId"] for e in setup_answers(PULL, "pull-setup-2", "PUT")}
    gone = PULL["meta"]["deleted"]
    new = {e["response"]["json"]["instanceId"] for e in setup_answers(PULL, "pull-setup-2",
                                                                       "POST")}
    assert (report.new, report.updated, report.deleted) == (len(new), len(edits), 1)
    hh = store.load()[0].set_index("instance_id")
    for original, current in edits.items():
        assert hh.loc[original, "current_instance_id"] == current
        assert hh.loc[original, "edits"] == 1 and hh.loc[original, "review_state"] == "edited"
    assert hh.loc[gone, "deleted"] and hh["deleted"].sum() == 1
    edited_area = next(e["request"]["text"] for e in setup_answers(PULL, "pull-setup-2", "PUT"))
    assert "<living_area_m2>99.5</living_area_m2>" in edited_area
    assert 99.5 in set(hh["living_area_m2"])


def test_a_roster_only_linked_not_expanded_is_refused_with_the_record():
    probe = exchanges(PULL, steps=("probe-no-expand",), actor="probe")[0]["response"]["json"]
    rows = probe["value"]
    assert "members" not in rows[0] and "members@odata.navigationLink" in rows[0]
    with pytest.raises(NormaliseError, match=r"\$expand=\*.*" + rows[0]["__id"]):
        flatten_odata(rows)


def test_fewer_rows_than_the_servers_count_fail_the_pull(profile, tmp_path):
    cassette = copy.deepcopy(PULL)
    last = next(e for e in exchanges(cassette, steps=("pull-1-full",))
            if e["request"]["path"].endswith(".svc/Submissions")
            and "@odata.nextLink" not in e["response"]["json"]
            and "deletedAt" not in e["request"]["query"].get("$filter", ""))
    last["response"]["json"]["value"] = []  # the server's last page went missing
    store = FileStateStore(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register(rsps, exchanges(cassette, steps=("pull-1-full",)))
        with pytest.raises(SourceError, match="6/7"):
            pull_into(source(PULL, profile), store)
    assert store.get_watermark(source(PULL, profile).key) is None


def test_server_killed_mid_pull_then_resumed(profile, tmp_path):
    """Recorded: page 1 arrived, then the server was stopped; every retry of page 2 was
    refused. The pull fails with a clear message, nothing is committed, and the next
    pull (server back) starts over and gets everything."""
    http = OUTAGE["meta"]["http"]
    store = FileStateStore(tmp_path)
    with replay("outage") as rsps:
        src = source(OUTAGE, profile, **{**http, "backoff": 0})
        with retry_scope("pull", http["stage_budget"]) as scope, pytest.raises(
                SourceError, match="không kết nối được"):
            pull_into(src, store)
        assert store.get_watermark(src.key) is None and store.load()[0].empty
        refused = [c for c in rsps.calls if isinstance(c.response, Exception)]
        assert len(refused) == 1 + http["retries"] == len(scope.events) + 1
        assert all("skiptoken" in c.request.url for c in refused)  # page 2, not page 1
        report = pull_into(src, store)
    pages = live_pages(OUTAGE, "outage-2-resumed")
    assert report.received == pages[-1]["@odata.count"] + report.deleted
    assert report.deleted == 1 and store.get_watermark(src.key) is not None


def test_the_hand_made_normaliser_pages_keep_the_recorded_shape():
    """``central_odata_page1/2.json`` are hand-made variants (a roster inside a group, a
    GPS point, odd values) for the normaliser tests; they must keep every key and
    annotation the real server sends, so they cannot drift from it again."""
    from tests.sources.conftest import load_fixture

    real_page = live_pages(PULL, "pull-1-full")[0]
    real_row = real_page["value"][0]
    for name in ("central_odata_page1.json", "central_odata_page2.json"):
        page = load_fixture(name)
        assert {"value", "@odata.context", "@odata.count"} <= set(page) <= set(real_page)
        for row in page["value"]:
            assert set(row["__system"]) == set(real_row["__system"])
            assert row["roster"]["members@odata.navigationLink"].endswith("/roster/members")
