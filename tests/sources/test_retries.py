"""One retry layer: per-request attempts, a total retry time per stage, every retry
reported; the review job writes each retry to its run log (replayed outage of a real
Central, ``fixtures/central/outage.json``)."""

from __future__ import annotations

import pytest
import requests
import responses

from konray_review.sources.config import HttpSettings
from konray_review.sources.http import ServerError, retry_scope, send

URL = "https://central.example.org/v1/projects/1/forms/f.svc/Submissions"


class Clock:
    """Time that moves only when someone sleeps (plus a fixed cost per attempt)."""

    def __init__(self, per_attempt: float = 0.0) -> None:
        self.now, self.per_attempt = 0.0, per_attempt

    def __call__(self) -> float:
        self.now += self.per_attempt / 2  # read twice per attempt (start, end)
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_stage_budget_bounds_the_total_retry_time_across_requests():
    clock = Clock(per_attempt=1.0)
    settings = HttpSettings(retries=10, backoff=2, backoff_max=8, stage_budget=20)
    seen = []
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, status=503, json={"message": "down", "code": 503})
        with retry_scope("pull", settings.stage_budget, on_retry=seen.append,
                         clock=clock) as scope, pytest.raises(ServerError) as err:
            send(requests.Session(), "GET", URL, settings=settings, sleep=clock.sleep)
        attempts = len(rsps.calls)
    # waits 2, 4, 8 (+0.5 s per failed attempt) fit in 20 s; the next 8 s wait would not
    assert [e.wait for e in seen] == [2, 4, 8] and attempts == 4
    assert scope.spent <= settings.stage_budget
    assert "Hết thời gian thử lại (20 s) của bước pull" in str(err.value)
    assert err.value.attempts == 4 and err.value.status == 503
    # a later request of the same stage gets no retries at all: the budget is spent
    with responses.RequestsMock() as rsps, retry_scope("pull", 20, clock=clock) as scope:
        scope.spent = 20
        rsps.add(responses.GET, URL, status=503)
        with pytest.raises(ServerError):
            send(requests.Session(), "GET", URL, settings=settings, sleep=clock.sleep)
        assert len(rsps.calls) == 1


def test_each_retry_is_reported_with_its_reason():
    seen = []
    settings = HttpSettings(retries=3, backoff=0)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, body=requests.ConnectionError("refused"))
        rsps.add(responses.GET, URL, status=502, body="<html>502</html>")
        rsps.add(responses.GET, URL, json={"value": []})
        with retry_scope("write_back", 60, on_retry=seen.append):
            assert send(requests.Session(), "GET", URL, settings=settings,
                        sleep=lambda s: None) == {"value": []}
    assert [(e.stage, e.attempt, e.reason) for e in seen] == [
        ("write_back", 1, "ConnectionError"), ("write_back", 2, "HTTP 502")]
    assert "thử lại lần 2" in seen[0].text() and "/v1/projects/1/forms" in seen[0].text()


def test_prefect_tasks_do_not_retry_on_top():
    from flows._tasks import NETWORK, as_task

    for name in (*NETWORK, "classify"):
        assert as_task(name, lambda: None).retries == 0


def test_the_review_job_writes_every_retry_to_its_run_log(profile, tmp_path):
    """The recorded outage (server killed after page 1) through ``run_review``: the run
    fails with the pull's error and its log holds one row per retry."""
    from konray_review.pipeline.review import run_review
    from konray_review.store import Store
    from konray_review.store.runlog import RunLog
    from tests.sources.recording import replay
    from tests.sources.test_central_replay_pull import OUTAGE, source

    http = OUTAGE["meta"]["http"]
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with replay("outage", steps=("outage-1-killed",)):
        src = source(OUTAGE, profile, **{**http, "backoff": 0})
        with pytest.raises(ServerError, match="không kết nối được"):
            run_review(src, year=2026, store=store, out_root=tmp_path, profile=profile,
                       quality_engine="pandas")
    run = store.list_runs(2026).iloc[0]
    log = RunLog(store).read(run["run_id"])
    assert run["status"] == "failed" and "ServerError" in run["message"]
    assert len(log) == http["retries"] and set(log["event"]) == {"retry"}
    assert set(log["stage"]) == {"pull"} and log["detail"].str.contains("ConnectionError").all()
    store.dispose()
