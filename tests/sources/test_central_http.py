"""Central's error answers, as recorded from a real server (v2026.2.2,
``fixtures/central/errors.json``), served to our client: the status and Central's own code
are kept, a hint says what to do, nothing is retried that should not be, and no secret
appears in a message. Answers of a proxy in front of Central (an nginx 502 page, a 429
with Retry-After) cannot come from the backend alone: those two are written by hand and
say so."""

from __future__ import annotations

import json

import pytest
import responses

from konray_review.sources.http import ServerError
from tests.sources.recording import exchanges, load_cassette, register
from tests.sources.test_central_replay_pull import PULL, source

ERRORS = load_cassette("errors")
BASE = ERRORS["meta"]["base_url"]
PID = PULL["meta"]["project_id"]
SVC = f"{BASE}/v1/projects/{PID}/forms/phieu_b_2026.svc/Submissions"
PROXY_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>\r\n"  # by hand


def recorded(label: str) -> tuple[int, dict]:
    """Status and body of the server's answer to probe ``label``."""
    e = exchanges(ERRORS, steps=(f"error-{label}",), actor="probe")[0]
    return e["response"]["status"], e["response"]["json"]


def _login(rsps, times: int = 1) -> None:
    ok = exchanges(PULL, steps=("pull-1-full",))[0]
    assert ok["request"]["path"].endswith("/sessions")
    for _ in range(times):
        register(rsps, [ok])


def _pull_source(profile, retries: int = 2):
    return source(PULL, profile, retries=retries)


def test_wrong_password_is_a_clear_401_without_the_secret(profile):
    status, body = recorded("401-wrong-password")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/v1/sessions", status=status, json=body)
        src = _pull_source(profile)
        with pytest.raises(ServerError) as err:
            src.pull()
        sent = json.loads(rsps.calls[0].request.body)
        assert len(rsps.calls) == 1  # a refused login is not retried
    assert err.value.status == 401 and err.value.is_code(401.2)
    assert "sai tài khoản" in str(err.value) and sent["password"] not in str(err.value)


def test_an_expired_session_logs_in_again_once(profile, tmp_path):
    status, body = recorded("401-bad-token")
    pages = exchanges(PULL, steps=("pull-1-full",))[1:]
    with responses.RequestsMock() as rsps:
        _login(rsps, times=2)
        rsps.add(responses.GET, SVC, status=status, json=body)
        register(rsps, pages)
        batch = _pull_source(profile).pull()
        logins = [c for c in rsps.calls if c.request.url.endswith("/sessions")]
    assert len(logins) == 2 and len(batch.households) == 7


@pytest.mark.parametrize(("label", "code", "hint"), [
    ("403-no-role", 403.1, "không có quyền"), ("404-project", 404.1, "không tìm thấy"),
    ("404-form", 404.1, "không tìm thấy"), ("501-select-expand", 501.11, ""),
    ("501-filter-field", 501.5, "review_year"),
])
def test_error_answers_are_not_retried_and_keep_centrals_code(profile, label, code, hint):
    status, body = recorded(label)
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=status, json=body)
        with pytest.raises(ServerError) as err:
            _pull_source(profile).pull()
        assert len([c for c in rsps.calls if "Submissions" in c.request.url]) == 1
    assert err.value.status == status and err.value.is_code(code) and hint in str(err.value)


def test_creating_a_form_that_exists_is_reported_with_its_code_and_not_repeated(
        profile, tmp_path):
    from konray_review.sources.central import CentralSource
    from tests.sources.xlsx import write_xlsform

    status, body = recorded("409-form-exists")
    xlsx = write_xlsform(tmp_path / "f.xlsx", form_id="phieu_b_2026", version="2")
    form = f"{BASE}/v1/projects/{PID}/forms/phieu_b_2026"
    _, missing = recorded("404-form")
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, form, status=404, json=missing)
        rsps.add(responses.POST, f"{BASE}/v1/projects/{PID}/forms", status=status, json=body)
        src: CentralSource = _pull_source(profile)
        with pytest.raises(ServerError) as err:
            src.deploy_form(xlsx)
        posts = [c.request for c in rsps.calls if c.request.method == "POST"
                 and "/forms" in c.request.url]
    assert err.value.is_code(409.3) and "xung đột" in str(err.value)
    assert len(posts) == 1 and posts[0].headers["X-XlsForm-FormId-Fallback"] == "phieu_b_2026"
    assert posts[0].headers["Content-Type"].endswith("spreadsheetml.sheet")


def test_received_is_refused_before_anything_is_sent(profile):
    status, body = recorded("400-received-state")  # what Central would answer
    assert status == 400 and body["code"] == 400.8
    with responses.RequestsMock(), pytest.raises(ValueError, match="received"):
        _pull_source(profile).set_review_state("uuid:x", "received")  # type: ignore[arg-type]


def test_a_comment_too_large_is_reported_and_not_repeated(profile):
    status, body = recorded("400-too-large")
    sub = f"{BASE}/v1/projects/{PID}/forms/phieu_b_2026/submissions/uuid%3Aabc"
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.POST, f"{sub}/comments", status=status, json=body)
        with pytest.raises(ServerError) as err:
            _pull_source(profile).add_comment("uuid:abc", "x" * 300_000)
        assert len([c for c in rsps.calls if c.request.url.endswith("/comments")]) == 1
    assert err.value.is_code(400.36) and "too large" in str(err.value)


def test_a_proxys_502_page_is_retried_then_given_up_with_the_attempts(profile):
    pages = exchanges(PULL, steps=("pull-1-full",))[1:]
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=502, body=PROXY_502, content_type="text/html")
        register(rsps, pages)
        assert len(_pull_source(profile).pull().households) == 7
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.GET, SVC, status=502, body=PROXY_502, content_type="text/html")
        with pytest.raises(ServerError) as err:
            _pull_source(profile, retries=2).pull()
    assert err.value.status == 502 and err.value.attempts == 3


def test_rate_limit_honours_retry_after_and_a_failed_comment_is_not_repeated(profile):
    waits: list[float] = []
    sub = f"{BASE}/v1/projects/{PID}/forms/phieu_b_2026/submissions/uuid%3Aabc"
    with responses.RequestsMock() as rsps:
        _login(rsps)
        rsps.add(responses.PATCH, sub, status=429, headers={"Retry-After": "3"},
                 json={"message": "Too many requests", "code": 429})  # a proxy's, by hand
        rsps.add(responses.PATCH, sub, json={"reviewState": "hasIssues"})
        rsps.add(responses.POST, f"{sub}/comments", status=502, body=PROXY_502)
        src = _pull_source(profile)
        src.sleep = waits.append
        src.set_review_state("uuid:abc", "has_issues")
        with pytest.raises(ServerError) as err:
            src.add_comment("uuid:abc", "Thiếu thẻ BHYT")
        comments = [c for c in rsps.calls if c.request.url.endswith("/comments")]
    assert waits == [3.0]
    # a 502 on a POST may have been processed: it is reported, not blindly repeated
    assert err.value.status == 502 and len(comments) == 1
