"""KoBoToolbox API v2 with recorded-shape bodies: import polling, deploy/redeploy, media,
paging with a time query, validation status; and the flat ``group/field`` row shape."""

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
    assert json.loads(q["query"][0]) == {"$or": [
        {"_submission_time": {"$gte": "2026-10-03T02:00:00"}},
        {"_last_edited": {"$gte": "2026-10-03T02:00:00"}}]}
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
    assert batch.watermark == datetime(2026, 10, 7, 2, 0, tzinfo=UTC)  # the edit
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
        imported = rsps.calls[0].request
        deploy = rsps.calls[-1].request
        polls = [c for c in rsps.calls if c.request.url == poll]
    assert result.form_id == UID and result.created and result.attachments == ["villages.csv"]
    assert b'name="library"' in imported.body and "Rà soát".encode() in imported.body
    assert b"destination" not in imported.body  # a new asset
    assert len(polls) == 2
    assert json.loads(deploy.body) == {"active": True}


def test_redeploy_patches_current_version(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "b.xlsx", form_id="phieu_b_2026", version="4")
    asset = f"{K}/api/v2/assets/{UID}/"
    deployed = load_fixture("kobo_asset.json") | {"has_deployment": True,
                                                   "deployment__active": True}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        done = load_fixture("kobo_import_complete.json")
        done["messages"] = {"updated": done["messages"]["created"]}
        rsps.add(responses.GET, f"{K}/api/v2/imports/iHf7Vb2kQmNp/", json=done)
        rsps.add(responses.GET, asset, json=deployed)
        rsps.add(responses.PATCH, f"{asset}deployment/", json={"active": True})
        result = _source(profile).deploy_form(xlsx)
        body = rsps.calls[0].request.body
        patch = json.loads(rsps.calls[-1].request.body)
    assert not result.created
    assert f"{asset}".encode() in body  # destination = the existing asset
    assert patch == {"active": True, "version_id": "vQy7nLJ3sWkP2RtdXz9aUe"}


def test_import_error_is_shown(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "b.xlsx", form_id="x", version="1")
    with responses.RequestsMock() as rsps:
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
        rsps.add(responses.POST, f"{K}/api/v2/imports/", status=201,
                 json=load_fixture("kobo_import_created.json"))
        rsps.add(responses.GET, f"{K}/api/v2/imports/iHf7Vb2kQmNp/",
                 json=load_fixture("kobo_import_processing.json"))
        with pytest.raises(SourceError, match="still processing"):
            _source(profile).deploy_form(xlsx)
        polls = [c for c in rsps.calls if "imports/iHf7" in c.request.url]
    assert len(polls) == 5
