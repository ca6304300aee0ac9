"""Central over HTTPS with recorded response bodies (``responses``): paging, $count, the
filters sent, error codes 401/403/404.1/409.3/501.11/502 and the retry rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from konray_review.sources.central import CentralSource
from konray_review.sources.config import HttpSettings
from konray_review.sources.http import ServerError, SourceError
from tests.sources.conftest import central_config, load_fixture

BASE = "https://central.example.org"
SVC = f"{BASE}/v1/projects/3/forms/phieu_b_2026.svc/Submissions"
ERRORS = load_fixture("central_errors.json")


def _source(profile, retries: int = 2) -> CentralSource:
    cfg = central_config(BASE, project_id=3, form_id="phieu_b_2026", allow_http=False,
                         http=HttpSettings(retries=retries, backoff=0))
    return CentralSource(cfg, profile=profile, page_size=2, sleep=lambda s: None)


def _login(rsps) -> None:
    rsps.add(responses.POST, f"{BASE}/v1/sessions", json={
        "token": "k" * 64, "createdAt": "2026-11-29T00:00:00.000Z",
        "expiresAt": "2026-11-30T00:00:00.000Z"})


def _odata(rsps, deleted: list | None = None) -> None:
    page1, page2 = load_fixture("central_odata_page1.json"), load_fixture(
        "central_odata_page2.json")

    def answer(request):
        q = parse_qs(urlsplit(request.url).query)
        if "deletedAt" in q.get("$filter", [""])[0]:
            return 200, {}, json.dumps({"value": deleted or [], "@odata.count": len(
                deleted or [])})
        if "$skiptoken" in q:
            return 200, {}, json.dumps(page2)
        return 200, {}, json.dumps(page1)

    rsps.add_callback(responses.GET, SVC, callback=answer)


def test_pages_follow_next_link_and_filters_use_system_fields(profile):
    since = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    with responses.RequestsMock() as rsps:
        _login(rsps)
        _odata(rsps)
        batch = _source(profile).pull(since)
        calls = [parse_qs(urlsplit(c.request.url).query) for c in rsps.calls
                 if "Submissions" in c.request.url]
    assert len(batch.households) == 3 and len(batch.members) == 5
    first, nxt, gone = calls
    assert first["$expand"] == ["*"] and first["$count"] == ["true"] and "$select" not in first
    assert first["$filter"] == ["__system/submissionDate ge 2026-10-01T12:00:00.000Z or "
                                "__system/updatedAt ge 2026-10-01T12:00:00.000Z"]
    assert "$skiptoken" in nxt
    assert gone["$filter"] == ["__system/deletedAt ne null and "
                               "__system/deletedAt ge 2026-10-01T12:00:00.000Z"]
    # watermark: newest server change seen (an edit's updatedAt here)
    assert batch.watermark == datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
    assert not batch.full_snapshot


def test_missing_rows_against_count_fail_the_pull(profile):
    page1 = load_fixture("central_odata_page1.json")
    page1.pop("@odata.nextLink")  # the server "forgot" the last page: 2 of 3
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, json=page1)
        with pytest.raises(SourceError, match="2/3"):
            _source(profile).pull()


def test_deleted_submissions_arrive_marked(profile):
    gone = load_fixture("central_odata_page2.json")["value"][0] | {}
    gone = json.loads(json.dumps(gone))
    gone["__id"] = "uuid:deleted-0000"
    gone["__system"]["deletedAt"] = "2026-10-06T00:00:00.000Z"
    with responses.RequestsMock() as rsps:
        _login(rsps)
        _odata(rsps, deleted=[gone])
        batch = _source(profile).pull()
    hh = batch.households.set_index("instance_id")
    assert bool(hh.loc["uuid:deleted-0000", "deleted"]) and hh["deleted"].sum() == 1
    assert batch.watermark == datetime(2026, 10, 6, tzinfo=UTC)


@pytest.mark.parametrize(("status", "code", "hint"), [
    (403, 403.1, "không có quyền"), (404, 404.1, "không tìm thấy"),
    (501, 501.11, ""),
])
def test_error_bodies_are_not_retried_and_keep_the_code(profile, status, code, hint):
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=status, json=ERRORS[str(status)])
        with pytest.raises(ServerError) as err:
            _source(profile).pull()
        assert len([c for c in rsps.calls if "Submissions" in c.request.url]) == 1
    assert err.value.is_code(code) and hint in str(err.value)


def test_expired_session_logs_in_again_once(profile):
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=401, json=ERRORS["401"])
        _odata(rsps)
        batch = _source(profile).pull()
        logins = [c for c in rsps.calls if c.request.url.endswith("/sessions")]
    assert len(batch.households) == 3 and len(logins) == 2
    assert json.loads(logins[0].request.body)["email"] == "office@example.org"


def test_gateway_502_html_is_retried_then_succeeds_or_gives_up(profile):
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=502, body=ERRORS["502"],
                 content_type="text/html")
        _odata(rsps)
        assert len(_source(profile).pull().households) == 3
    with responses.RequestsMock() as rsps:
        _login(rsps)
        for _ in range(3):
            rsps.add(responses.GET, SVC, status=502, body=ERRORS["502"])
        with pytest.raises(ServerError) as err:
            _source(profile, retries=2).pull()
    assert err.value.status == 502 and err.value.attempts == 3


def test_create_conflict_409_3_is_reported_with_its_code(profile, tmp_path):
    from tests.sources.xlsx import write_xlsform

    xlsx = write_xlsform(tmp_path / "f.xlsx", form_id="phieu_b_2026", version="2")
    form = f"{BASE}/v1/projects/3/forms/phieu_b_2026"
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, form, status=404, json=ERRORS["404"])
        rsps.add(responses.POST, f"{BASE}/v1/projects/3/forms", status=409,
                 json=ERRORS["409"])
        with pytest.raises(ServerError) as err:
            _source(profile).deploy_form(xlsx)
        post = rsps.calls[-1].request
        posts = [c for c in rsps.calls if c.request.method == "POST"
                 and c.request.url.startswith(f"{BASE}/v1/projects/3/forms")]
    assert err.value.is_code(409.3) and "xung đột" in str(err.value)
    assert post.headers["Content-Type"].endswith("spreadsheetml.sheet")
    assert post.headers["X-XlsForm-FormId-Fallback"] == "phieu_b_2026"
    assert parse_qs(urlsplit(post.url).query)["publish"] == ["false"]
    # a non-idempotent POST is not blindly repeated
    assert len(posts) == 1


def test_rate_limit_honours_retry_after_and_comments_are_not_doubled(profile):
    waits: list[float] = []
    sub = f"{BASE}/v1/projects/3/forms/phieu_b_2026/submissions/uuid%3Aabc"
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.PATCH, sub, status=429, headers={"Retry-After": "3"},
                 json={"message": "Too many requests", "code": 429})
        rsps.add(responses.PATCH, sub, json={"reviewState": "hasIssues"})
        rsps.add(responses.POST, f"{sub}/comments", status=502, body=ERRORS["502"])
        source = _source(profile)
        source.sleep = waits.append
        with pytest.raises(ServerError) as err:
            source.set_review_state("uuid:abc", "has_issues", "Thiếu thẻ BHYT")
        comments = [c for c in rsps.calls if c.request.url.endswith("/comments")]
        patch = json.loads(rsps.calls[2].request.body)
    assert waits == [3.0] and patch == {"reviewState": "hasIssues"}
    # a 502 on a POST may have been processed: it is reported, not blindly repeated
    assert err.value.status == 502 and len(comments) == 1
