"""KoBoToolbox API v2 with response bodies shaped from KPI's own source (no KPI server can
run here; ``fixtures/README.md`` names the KPI file behind each fixture): import polling,
deploy/redeploy, media, paging with a time query, the asset found from the review year,
validation status written back once; and the flat ``group/field`` row shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import responses

from konray_review.sources.config import HttpSettings, KoboConfig
from konray_review.sources.http import ServerError, SourceError
from konray_review.sources.kobo import KoboSource
from tests.sources.conftest import load_fixture

K = "https://kf.kobotoolbox.org"
UID = "aXk3mP9qRtLwZ2vB8nC4dE"
DATA = f"{K}/api/v2/assets/{UID}/data/"
ASSETS = f"{K}/api/v2/assets/"
TITLE_2026 = "Phiếu B – Rà soát hộ nghèo, hộ cận nghèo (2026)"  # forms/phieu_b/settings.yaml


def _source(profile, uid: str | None = UID) -> KoboSource:
    cfg = KoboConfig(base_url=K, token="tok-" + "x" * 36, asset_uid=uid,
                     http=HttpSettings(retries=2, backoff=0))
    return KoboSource(cfg, profile=profile, page_size=2, poll_every=0, max_polls=5,
                      sleep=lambda s: None)


def _pages(rsps) -> None:
    rsps.add(responses.GET, DATA, json=load_fixture("kobo_data_page1.json"),
             match=[responses.matchers.query_param_matcher({"start": "0"}, strict_match=False)])
    rsps.add(responses.GET, DATA, json=load_fixture("kobo_data_page2.json"),
             match=[responses.matchers.query_param_matcher({"start": "2"}, strict_match=False)])


def test_pull_pages_with_token_and_time_query(profile):
    since = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)
    with responses.RequestsMock() as rsps:
        _pages(rsps)
        batch = _source(profile).pull(since)
        first = rsps.calls[0].request
    q = parse_qs(urlsplit(first.url).query)
    assert first.headers["Authorization"].startswith("Token ")
    assert first.headers["Accept"] == "application/json"
    # KPI keeps no "last edited" time; an edit carries meta/deprecatedID (kpi/utils/
    # mongo_helper.py allows $exists)
    assert json.loads(q["query"][0]) == {"$or": [
        {"_submission_time": {"$gte": "2026-10-03T02:00:00"}},
        {"meta/deprecatedID": {"$exists": True}}]}
    hh = batch.households.set_index("instance_id")
    assert len(hh) == 3 and len(batch.members) == 4
    # the root uuid is the id across edits; KoBo _id kept for write-back
    edited = hh.loc["uuid:1a2b3c4d-0000-4000-8000-000000000002"]
    assert edited["current_instance_id"] == "uuid:77777777-0000-4000-8000-000000000002"
    assert edited["edits"] == 1 and edited["source_record_id"] == "102"
    approved = hh.loc["uuid:1a2b3c4d-0000-4000-8000-000000000001"]
    assert approved["review_state"] == "validation_status_approved"
    assert approved["commune"] == "Đăk Pne" and approved["village"] == "Thôn mẫu 2"
    assert approved["submitted_at"] == pd.Timestamp("2026-10-03T01:40:10Z")
    assert approved["income_per_capita"] == 1450000.0 and approved["wall_durable"]
    assert approved["gps_latitude"] == 14.4021
    assert batch.watermark == datetime(2026, 10, 4, 9, 0, tzinfo=UTC)  # newest receipt
    assert batch.problems.empty


def test_short_listing_against_count_fails(profile):
    with responses.RequestsMock() as rsps:
        page = load_fixture("kobo_data_page1.json") | {"next": None}
        rsps.add(responses.GET, DATA, json=page)
        with pytest.raises(SourceError, match="2/3"):
            _source(profile).pull()


def test_import_is_polled_then_deployed_with_media(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "phieu_b.xlsx", form_id="phieu_b_2026", version="3",
                         title="Phiếu B – Rà soát hộ (2026)")
    villages = tmp_path / "villages.csv"
    villages.write_text("name,label\na,A\n", encoding="utf-8")
    asset = f"{K}/api/v2/assets/{UID}/"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        poll = f"{K}/api/v2/imports/iHf7Vb2kQmNp/"
        rsps.add(responses.GET, poll, json=load_fixture("kobo_import_processing.json"))
        rsps.add(responses.GET, poll, json=load_fixture("kobo_import_complete.json"))
        rsps.add(responses.GET, f"{asset}files/", json={"count": 1, "results": [
            {"uid": "afOld1", "file_type": "form_media",
             "metadata": {"filename": "villages.csv"}}]})
        rsps.add(responses.DELETE, f"{asset}files/afOld1/", status=204)
        rsps.add(responses.POST, f"{asset}files/", status=201, json={"uid": "afNew1"})
        rsps.add(responses.GET, asset, json=load_fixture("kobo_asset.json"))
        rsps.add(responses.POST, f"{asset}deployment/", json={"active": True})
        result = _source(profile, uid=None).deploy_form(xlsx, [villages])
        imported = rsps.calls[1].request
        deploy = rsps.calls[-1].request
        polls = [c for c in rsps.calls if c.request.url == poll]
    assert result.form_id == UID and result.created and result.attachments == ["villages.csv"]
    assert b'name="library"' in imported.body and "Rà soát".encode() in imported.body
    assert b"destination" not in imported.body  # a new asset
    assert len(polls) == 2
    assert json.loads(deploy.body) == {"active": True}


def test_redeploy_patches_current_version(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "b.xlsx", form_id="phieu_b_2026", version="4",
                         title=TITLE_2026)
    asset = f"{K}/api/v2/assets/{UID}/"
    deployed = load_fixture("kobo_asset.json") | {"has_deployment": True,
                                                   "deployment__active": True}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        done = load_fixture("kobo_import_complete.json")
        done["messages"] = {"updated": done["messages"]["created"]}
        rsps.add(responses.GET, f"{K}/api/v2/imports/iHf7Vb2kQmNp/", json=done)
        rsps.add(responses.GET, asset, json=deployed)
        rsps.add(responses.PATCH, f"{asset}deployment/", json={"active": True})
        result = _source(profile, uid=None).deploy_form(xlsx)
        body = rsps.calls[1].request.body
        patch = json.loads(rsps.calls[-1].request.body)
    assert not result.created
    assert f"{asset}".encode() in body  # destination = the existing asset
    assert patch == {"active": True, "version_id": "vQy7nLJ3sWkP2RtdXz9aUe"}


def test_import_error_is_shown(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "b.xlsx", form_id="x", version="1")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        rsps.add(responses.GET, f"{K}/api/v2/imports/iHf7Vb2kQmNp/",
                 json=load_fixture("kobo_import_error.json"))
        with pytest.raises(SourceError, match="commun"):
            _source(profile).deploy_form(xlsx)


def test_validation_status_write_back(profile):
    url = f"{DATA}102/validation_status/"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.PATCH, url, json={"uid": "validation_status_on_hold"})
        _source(profile).set_review_state("102", "has_issues", "Thiếu thẻ BHYT")
        body = json.loads(rsps.calls[0].request.body)
    assert body == {"validation_status.uid": "validation_status_on_hold"}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.PATCH, url, status=403, json={"detail": "You do not have "
                 "permission to perform this action."})
        with pytest.raises(ServerError, match="permission"):
            _source(profile).set_review_state("102", "approved")


def test_import_that_never_finishes_stops_after_bounded_polls(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "b.xlsx", form_id="x", version="1")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        rsps.add(responses.GET, f"{K}/api/v2/imports/iHf7Vb2kQmNp/",
                 json=load_fixture("kobo_import_processing.json"))
        with pytest.raises(SourceError, match="still processing"):
            _source(profile).deploy_form(xlsx)
        polls = [c for c in rsps.calls if "imports/iHf7" in c.request.url]
    assert len(polls) == 5


def test_the_asset_is_found_from_the_review_year(profile):
    """No asset uid configured: the year's Phiếu B title names the asset (KPI sets an
    asset's name from the XLSForm's form_title, kpi/models/asset.py)."""
    cfg = KoboConfig(base_url=K, token="tok-" + "x" * 36, http=HttpSettings(retries=0))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        _pages(rsps)
        src = KoboSource(cfg, year=2026, profile=profile, page_size=2, sleep=lambda s: None)
        batch = src.pull()
        listing = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert listing["q"] == ["asset_type:survey"]
    assert src.asset_uid == UID and len(batch.households) == 3
    assert src.key.endswith("/phieu_b_2026")  # the watermark follows the year's form
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, ASSETS, json=load_fixture("kobo_assets_list.json"))
        with pytest.raises(SourceError, match="forms deploy --to kobo"):
            KoboSource(cfg, year=2027, profile=profile).pull()


def test_write_back_to_kobo_happens_once_and_is_recorded(profile, tmp_path):
    """KoBo keeps no comments: the state is the write-back. It is sent only when the
    server's (the pulled ``_validation_status``) differs; the store keeps what was set."""
    from konray_review.pipeline.stages import write_back
    from konray_review.store import Store
    from konray_review.store.writeback import WritebackLog

    with responses.RequestsMock() as rsps:
        _pages(rsps)
        batch = _source(profile).pull()
    hh = batch.households
    flagged = hh["instance_id"].iloc[1]
    quarantine = pd.DataFrame({"instance_id": [flagged], "rule_id": ["HH-012"],
                               "message_vi": ["Số thành viên khác số nhân khẩu."]})
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    on_hold = load_fixture("kobo_validation_status.json")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.PATCH, f"{DATA}{flagged.removeprefix('uuid:')}/validation_status/",
                 json=on_hold)
        result = write_back(_source(profile), quarantine, hh, store=store, run_id="r1")
        sent = [json.loads(c.request.body) for c in rsps.calls]
    assert sent == [{"validation_status.uid": "validation_status_on_hold"}]
    assert result["flagged"] == 1 and result["commented"] == 0
    log = WritebackLog(store, _source(profile).key).table()
    assert log.values.tolist() == [[flagged, "state", "has_issues", "done"]]
    # the next pull shows the server's state: nothing is sent again
    again = hh.assign(review_state=hh["review_state"].where(hh["instance_id"] != flagged,
                                                             on_hold["uid"]))
    with responses.RequestsMock() as rsps:
        assert write_back(_source(profile), quarantine, again, store=store)["flagged"] == 0
        assert not rsps.calls
    # approval only when asked, never over a supervisor's approval already there
    approved_before = hh.loc[hh["review_state"] == "validation_status_approved", "instance_id"]
    others = set(hh["instance_id"]) - {flagged} - set(approved_before)
    with responses.RequestsMock() as rsps:
        for iid in others:
            rsps.add(responses.PATCH, f"{DATA}{iid.removeprefix('uuid:')}/validation_status/",
                     json=on_hold | {"uid": "validation_status_approved"})
        result = write_back(_source(profile), quarantine, again, store=store,
                            approve_accepted=True)
        assert len(rsps.calls) == len(others) == result["approved"]
    store.dispose()


def test_validation_status_is_read_back_in_our_words(profile):
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, f"{DATA}102/validation_status/",
                 json=load_fixture("kobo_validation_status.json"))
        rsps.add(responses.GET, f"{DATA}103/validation_status/", json={})
        src = _source(profile)
        assert src.validation_status("102") == "has_issues"
        assert src.validation_status("103") == "received"


def test_an_incremental_pull_ends_at_its_first_short_page(profile):
    """KPI answers a filtered listing with the form's TOTAL ``count`` and ``next`` links
    computed from it (kpi/views/v2/data.py, DataViewSet.list paginates a dummy list of
    ``deployment.current_submission_count``): neither says the filtered rows are done."""
    since = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)
    page = load_fixture("kobo_data_page2.json") | {
        "count": 7400, "next": f"{DATA}?format=json&limit=2&start=2"}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, DATA, json=page)
        batch = _source(profile).pull(since)
        assert len(rsps.calls) == 1
    assert len(batch.households) == 1 and not batch.full_snapshot


def _one_page(rows: list[dict]) -> dict:
    return {"count": len(rows), "next": None, "previous": None, "results": rows}


def test_a_uuid_stored_twice_and_a_bad_time_stay_with_their_own_submission(profile):
    """KPI really stores one ``_uuid`` twice (a phone re-sending it gets a new ``_id``), and
    an imported record can carry an unreadable ``_submission_time``: each is a problem of
    that submission, reported by rule, while the other submissions of the pull go on."""
    first, second = load_fixture("kobo_data_page1.json")["results"]
    again = first | {"_id": 901}  # the same submission, same answers, another KoBo _id
    changed = second | {"_id": 902, "household/household_size": "3"}  # same uuid, differs
    third = load_fixture("kobo_data_page2.json")["results"][0] | {
        "_submission_time": "03/10/2026 ??"}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, DATA, json=_one_page([first, second, again, changed, third]))
        batch = _source(profile).pull()
    hh = batch.households.set_index("instance_id")
    assert set(hh.index) == {f"uuid:1a2b3c4d-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)}
    rules = batch.problems.groupby("instance_id")["rule_id"].agg(set)
    # copies that differ: the submission is quarantined, the rows named
    assert rules["uuid:1a2b3c4d-0000-4000-8000-000000000002"] == {"SRC-005"}
    # one unreadable receipt time is a problem of that submission only
    assert rules["uuid:1a2b3c4d-0000-4000-8000-000000000003"] == {"SRC-004"}
    # an identical copy is one submission, no problem
    assert "uuid:1a2b3c4d-0000-4000-8000-000000000001" not in rules.index


def test_full_pull_reports_rows_received_against_kpis_count(profile):
    """The terminal shows how far a pull is: 2 of 3 after the first page, 3 of 3 at the end
    (KPI's ``count`` on the fixture's first page is 3)."""
    from konray_review.progress import use
    from tests.flows.test_cli import Recorder

    rec = Recorder()
    with responses.RequestsMock() as rsps, use(rec):
        _pages(rsps)
        _source(profile).pull(None)
    assert [e for e in rec.events if e[1] == "pull"] == [
        ("start", "pull", None), ("advance", "pull", 0, 3), ("advance", "pull", 2, 3),
        ("advance", "pull", 3, 3), ("finish", "pull")]
