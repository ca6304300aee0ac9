"""The review job replayed against a real ODK Central (v2026.2.2, ``fixtures/central/
run.json``): pull -> checks -> store -> publish -> write-back, four times, as recorded.

1. first run: every quarantined submission is flagged "has issues" once, with one comment;
2. the same run again: nothing is written back (the server already has it all);
3. two more submissions arrive; the process dies after the first PATCH, before its comment;
4. the next run (approval on) finds the comments missing on the server (it reads them),
   posts each exactly once, and approves only the accepted submissions.

Expected values come from the recording (what the recorder posted, the server's answers)
and from hand-written facts of the scenario (a household sent twice is quarantined)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from konray_review.pipeline.review import run_review
from konray_review.store import Store
from konray_review.store.writeback import WritebackLog
from tests.sources.record_central import CrashAtFirstComment, SimulatedCrash
from tests.sources.recording import exchanges, load_cassette, replay
from tests.sources.test_central_replay_pull import source

RUN = load_cassette("run")
DUPLICATES = ("uuid:d0d0d0d0-0000-4000-8000-000000000001",
              "uuid:d0d0d0d0-0000-4000-8000-000000000002")


def _writes(calls, method: str, suffix: str = "") -> list[tuple[str, dict]]:
    out = []
    for c in calls:
        req = c.request
        if req.method != method or "/submissions/" not in req.url:
            continue
        if suffix and not req.url.endswith(suffix):
            continue
        if not suffix and req.url.endswith("/comments"):
            continue
        iid = req.url.split("/submissions/")[1].split("/")[0].replace("%3A", ":")
        out.append((iid, json.loads(req.body) if req.body else {}))
    return out


def _live_count(step: str) -> int:
    pages = [e["response"]["json"] for e in exchanges(RUN, steps=(step,))
             if e["request"]["path"].endswith(".svc/Submissions")
             and "deletedAt" not in e["request"]["query"].get("$filter", "")]
    return pages[-1]["@odata.count"]


@pytest.fixture(scope="module")
def replayed(profile, tmp_path_factory):
    """Run the four recorded runs once; keep what each sent and what the store holds."""
    tmp = tmp_path_factory.mktemp("run-replay")
    store = Store(f"sqlite:///{tmp / 'store.sqlite'}")
    steps = ("run-1", "run-2-again", "run-3-crash", "run-4-repair")
    sent, outcomes, quarantine = {}, {}, {}
    with replay("run", steps=steps) as rsps:
        for step in steps:
            before = len(rsps.calls)
            src = source(RUN, profile)
            kwargs = {"approve_accepted": True} if step == "run-4-repair" else {}
            try:
                outcomes[step] = run_review(
                    CrashAtFirstComment(src) if step == "run-3-crash" else src, year=2026,
                    store=store, out_root=tmp / "out", profile=profile,
                    quality_engine="pandas", **kwargs)
            except SimulatedCrash:
                outcomes[step] = None
            sent[step] = list(rsps.calls)[before:]
            quarantine[step] = store.read_quarantine(2026)
    yield store, sent, outcomes, quarantine
    store.dispose()


def test_first_run_flags_each_quarantined_submission_once_with_one_comment(replayed):
    _, sent, outcomes, quarantine = replayed
    first = outcomes["run-1"]
    assert first.received == _live_count("run-1") == first.accepted + first.quarantined
    flagged = _writes(sent["run-1"], "PATCH")
    comments = _writes(sent["run-1"], "POST", "/comments")
    quarantined = set(quarantine["run-1"]["instance_id"])
    assert {i for i, _ in flagged} == {i for i, _ in comments} == quarantined
    assert all(body == {"reviewState": "hasIssues"} for _, body in flagged)
    assert len(flagged) == len(comments) == len(quarantined)
    assert DUPLICATES[0] in quarantined  # the household the recorder sent twice
    rules = quarantine["run-1"].groupby("instance_id")["rule_id"].agg(set)
    for iid, body in comments:
        lines = body["body"].splitlines()
        assert lines[-1].startswith("[konray-review #") and lines[-1].endswith("]")
        assert {line.split(":")[0] for line in lines[:-1]} == rules[iid]


def test_the_same_run_again_writes_nothing_back(replayed):
    _, sent, outcomes, _ = replayed
    assert not _writes(sent["run-2-again"], "PATCH")
    assert not _writes(sent["run-2-again"], "POST", "/comments")
    assert outcomes["run-2-again"].write_back["flagged"] == 0


def test_a_crash_between_the_state_and_the_comment_is_repaired_once(replayed, profile):
    store, sent, outcomes, quarantine = replayed
    assert outcomes["run-3-crash"] is None
    crashed = _writes(sent["run-3-crash"], "PATCH")
    assert len(crashed) == 1 and not _writes(sent["run-3-crash"], "POST", "/comments")
    runs = store.list_runs(2026)
    assert (runs["status"] == "failed").sum() == 1
    # the next run reads the comments of what was left pending, and the server had none
    read = [c.request.url for c in sent["run-4-repair"] if c.request.method == "GET"
            and c.request.url.endswith("/comments")]
    repaired = _writes(sent["run-4-repair"], "POST", "/comments")
    assert {u.split("/submissions/")[1].split("/")[0].replace("%3A", ":") for u in read} == {
        i for i, _ in repaired}
    assert crashed[0][0] in {i for i, _ in repaired}
    assert DUPLICATES[1] in {i for i, _ in repaired}
    # across all runs: exactly one comment per flagged submission, and each state set once
    all_comments = Counter(i for s in sent.values() for i, _ in _writes(s, "POST", "/comments"))
    assert set(all_comments.values()) == {1}
    assert set(all_comments) == set(quarantine["run-4-repair"]["instance_id"])
    has_issues = Counter(i for s in sent.values() for i, b in _writes(s, "PATCH")
                         if b == {"reviewState": "hasIssues"})
    assert set(has_issues.values()) == {1}
    log = WritebackLog(store, source(RUN, profile).key).table()
    comments = log[log["action"] == "comment"]
    assert set(comments["status"]) == {"done"}


def test_approval_only_for_accepted_submissions_when_asked(replayed):
    _, sent, outcomes, quarantine = replayed
    approved = {i for i, b in _writes(sent["run-4-repair"], "PATCH")
                if b == {"reviewState": "approved"}}
    quarantined = set(quarantine["run-4-repair"]["instance_id"])
    assert approved and not approved & quarantined
    assert len(approved) == outcomes["run-4-repair"].accepted
    assert all(b != {"reviewState": "approved"} for s in ("run-1", "run-2-again")
               for _, b in _writes(sent[s], "PATCH"))  # off unless the district opts in
