"""Central against a local fake server: incremental pulls, edits, deletions, late rows,
review write-back; and fault injection over many seeded schedules. The fake is checked
first against the recordings of a real Central (``test_fake_speaks_what_central_sent``)."""

from __future__ import annotations

import copy
from collections import Counter

import pandas as pd
import pytest

from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES
from konray_review.sources.central import CentralSource
from konray_review.sources.config import HttpSettings
from konray_review.sources.http import ServerError, SourceError
from konray_review.sources.normalise import flatten_odata, to_canonical
from konray_review.sources.pull import live_tables, pull_into
from konray_review.sources.state import FileStateStore
from tests.sources.conftest import central_config
from tests.sources.fake_central import FAULTS, FakeCentral, FaultPlan

EDIT_AT, DELETE_AT = "2024-02-01T03:00:00.000Z", "2024-02-02T04:00:00.000Z"


def _source(fake: FakeCentral, profile, **kw) -> CentralSource:
    return CentralSource(central_config(fake.url, **kw), profile=profile, page_size=7,
                         sleep=lambda s: None)


def _split(records):
    """Phase 1 / phase 2 by submission time, plus one phase-2 row stamped *before* the
    phase-1 watermark (a row whose transaction committed late)."""
    rows = sorted(copy.deepcopy(records), key=lambda r: r["__system"]["submissionDate"])
    cut = int(len(rows) * 0.6)
    first, second = rows[:cut], rows[cut:]
    latest = pd.Timestamp(first[-1]["__system"]["submissionDate"])
    late = (latest - pd.Timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    second[0]["__system"]["submissionDate"] = late
    return first, second


def _change_server(fake: FakeCentral, first, second) -> None:
    for rec in second:
        fake.add(rec)
    for rec in first[:4]:
        fake.edit(rec["__id"], EDIT_AT, {"housing": {"living_area_m2": 99.5},
                                         "income": {"income_per_capita": 1234567.0}})
    for rec in first[4:7] + second[-2:]:
        fake.delete(rec["__id"], DELETE_AT)


def _expected(fake: FakeCentral, profile):
    return to_canonical(flatten_odata(list(fake.rows.values())), profile=profile,
                        source="central", form_id=fake.form_id)


def assert_store_equals_server(store, key, fake, profile, exp=None) -> None:
    """Nothing lost, nothing doubled, current versions, deletions marked, values intact."""
    hh, mem = store.load(key)
    assert hh["instance_id"].is_unique
    assert set(hh["instance_id"]) == set(fake.rows)
    gone = {k for k, v in fake.rows.items() if v["__system"]["deletedAt"]}
    assert set(hh.loc[hh["deleted"].astype(bool), "instance_id"]) == gone
    current = {k: v["meta"]["instanceID"] for k, v in fake.rows.items()}
    assert dict(zip(hh["instance_id"], hh["current_instance_id"], strict=True)) == current
    exp = exp or _expected(fake, profile)
    cols = [*HOUSEHOLD_NAMES, "edits", "deleted"]
    got_hh = hh[cols].sort_values("instance_id").reset_index(drop=True)
    exp_hh = exp.households[cols].sort_values("instance_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got_hh, exp_hh, check_dtype=False)
    key_cols = ["instance_id", "member_no", "name", "age"]
    got_m = mem[[*MEMBER_NAMES, "instance_id"]].sort_values(key_cols).reset_index(drop=True)
    exp_m = exp.members[[*MEMBER_NAMES, "instance_id"]].sort_values(key_cols).reset_index(
        drop=True)
    pd.testing.assert_frame_equal(got_m, exp_m, check_dtype=False)


def _recorded(name: str, step: str, path_end: str, method: str = "GET",
              actor: str = "client") -> list[dict]:
    from tests.sources.recording import exchanges, load_cassette

    return [e["response"]["json"] for e in exchanges(load_cassette(name), steps=(step,),
                                                     actor=actor)
            if e["request"]["method"] == method and e["request"]["path"].endswith(path_end)]


def test_fake_speaks_what_central_sent(records, profile):
    """Key for key, the fake's answers have the shape of the recorded ones (v2026.2.2)."""
    import requests

    real_page = _recorded("pull", "pull-1-full", ".svc/Submissions")[0]
    real_row = real_page["value"][0]
    real_patch = _recorded("run", "run-1", "", "PATCH")[0]
    real_comment = _recorded("run", "run-1", "/comments", "POST")[0]
    real_listed = _recorded("run", "run-4-repair", "/comments")[0]
    errors = {k: _recorded("errors", f"error-{k}", "", m, "probe")[0] for k, m in (
        ("401-wrong-password", "POST"), ("404-form", "GET"),
        ("400-received-state", "PATCH"), ("501-filter-field", "GET"))}
    with FakeCentral(records[:5]) as fake:
        api = f"{fake.url}/v1/projects/1/forms/phieu_b_2023"
        s = requests.Session()
        assert s.post(f"{fake.url}/v1/sessions", json={"email": "x", "password": "no"}
                      ).json() == errors["401-wrong-password"]
        token = s.post(f"{fake.url}/v1/sessions", json={"email": "x", "password": "secret-pw"}
                       ).json()
        assert set(token) == set(_recorded("pull", "pull-1-full", "/sessions", "POST")[0])
        s.headers["Authorization"] = f"Bearer {token['token']}"
        page = s.get(f"{api}.svc/Submissions", params={"$expand": "*", "$top": 2,
                                                       "$count": "true"}).json()
        row = page["value"][0]
        iid = row["__id"]
        patch = s.patch(f"{api}/submissions/{iid}", json={"reviewState": "hasIssues"}).json()
        comment = s.post(f"{api}/submissions/{iid}/comments", json={"body": "b"}).json()
        listed = s.get(f"{api}/submissions/{iid}/comments").json()
        wrong_state = s.patch(f"{api}/submissions/{iid}", json={"reviewState": "received"})
        wrong_filter = s.get(f"{api}.svc/Submissions", params={"$filter": "review_year eq 1"})
        missing = s.get(f"{fake.url}/v1/projects/1/forms/no_such_form.svc/Submissions")
    assert set(page) == set(real_page)
    assert page["@odata.nextLink"].startswith(fake.url) and "%24skiptoken=" in page[
        "@odata.nextLink"] and real_page["@odata.nextLink"].split("?")[0].endswith(
        ".svc/Submissions")
    assert {k for k in row if "@odata" in k} == {k for k in real_row if "@odata" in k}
    assert set(row["__system"]) == set(real_row["__system"])
    assert list(row).index("members@odata.navigationLink") < list(row).index("members")
    assert set(patch) == set(real_patch) and set(comment) == set(real_comment)
    assert real_listed == [] and listed and set(listed[0]) == set(real_comment)
    for got, label in ((wrong_state, "400-received-state"), (wrong_filter, "501-filter-field"),
                       (missing, "404-form")):
        want = errors[label]
        assert got.json()["code"] == want["code"] and set(got.json()) == set(want)


def test_incremental_pull_edits_deletions_and_late_rows(records, profile, tmp_path):
    first, second = _split(records)
    with FakeCentral(first) as fake:
        source, store = _source(fake, profile), FileStateStore(tmp_path)
        report = pull_into(source, store)
        assert report.new == len(first) and report.deleted == 0
        mark = store.get_watermark(source.key)
        assert mark == pd.Timestamp(first[-1]["__system"]["submissionDate"]).to_pydatetime()
        _change_server(fake, first, second)
        report = pull_into(source, store)
        assert report.new == len(second) and report.updated == 4
        assert report.deleted == 5
        assert_store_equals_server(store, source.key, fake, profile)
        hh, _ = store.load(source.key)
        edited = hh.set_index("instance_id").loc[[r["__id"] for r in first[:4]]]
        assert (edited["living_area_m2"] == 99.5).all() and (edited["edits"] == 1).all()
        assert store.get_watermark(source.key) > mark
        # the second pull asked only for what changed since the watermark (minus overlap)
        filters = [p for m, p in fake.requests if p.endswith(".svc/Submissions")]
        assert filters  # and the live tables hide deleted submissions from the classifier
        live_hh, live_m = live_tables(*store.load(source.key))
        assert len(live_hh) == len(fake.live())
        assert set(live_m["instance_id"]) <= set(live_hh["instance_id"])


def test_overlap_window_is_what_catches_a_late_row(records, profile, tmp_path):
    first, second = _split(records)
    with FakeCentral(first) as fake:
        source, store = _source(fake, profile), FileStateStore(tmp_path)
        pull_into(source, store)
        fake.add(second[0])  # stamped 5 minutes before the watermark
        from datetime import timedelta
        pull_into(source, store, overlap=timedelta(0))
        assert second[0]["__id"] not in set(store.load(source.key)[0]["instance_id"])
        pull_into(source, store)  # default 10-minute overlap
        assert second[0]["__id"] in set(store.load(source.key)[0]["instance_id"])


def _pull_with_resume(source, store, attempts: int = 40):
    failures = 0
    for _ in range(attempts):
        try:
            return pull_into(source, store), failures
        except SourceError:
            failures += 1  # the watermark did not move: the next try starts from the same point
    raise AssertionError("pull never completed")


def test_faults_over_seeded_schedules_lose_and_double_nothing(records, profile, tmp_path):
    records = records[:30]
    """500/502/503, timeouts, resets, truncated bodies, short pages at seeded points."""
    seen: Counter[str] = Counter()
    resumed, expected = 0, None
    for seed in range(6):
        first, second = _split(records)
        with FakeCentral(first) as fake:
            fake.faults = FaultPlan(seed, rate=0.4)
            source = _source(fake, profile)
            store = FileStateStore(tmp_path / f"s{seed}")
            _, failed = _pull_with_resume(source, store)
            resumed += failed
            _change_server(fake, first, second)
            _, failed = _pull_with_resume(source, store)
            resumed += failed
            seen.update(fake.faults.log)
            fake.faults = None
            expected = expected or _expected(fake, profile)  # same server state every time
            assert_store_equals_server(store, source.key, fake, profile, expected)
    assert set(seen) == set(FAULTS), seen  # every kind of fault was exercised
    assert resumed > 0  # some pulls gave up after their retries and were resumed


def test_retry_budget_is_bounded(records, profile):
    with FakeCentral(records[:3]) as fake:
        fake.faults = FaultPlan(0, rate=1.0, kinds=("502",))
        source = _source(fake, profile, http=HttpSettings(read_timeout=1, retries=2, backoff=0))
        with pytest.raises(ServerError) as err:
            source.pull()
        assert err.value.status == 502 and err.value.attempts == 3
        odata_calls = [p for m, p in fake.requests if p.endswith("Submissions")]
        assert len(odata_calls) == 3


def test_review_state_and_vietnamese_comment(records, profile):
    with FakeCentral(records[:2]) as fake:
        source = _source(fake, profile)
        iid = records[0]["__id"]
        source.set_review_state(iid, "has_issues", "Thiếu nhà vệ sinh: quy tắc sanitation")
        assert fake.rows[iid]["__system"]["reviewState"] == "hasIssues"
        assert fake.comments[iid] == ["Thiếu nhà vệ sinh: quy tắc sanitation"]
        source.set_review_state(iid, "approved")
        assert fake.rows[iid]["__system"]["reviewState"] == "approved"
        with pytest.raises(ValueError):
            source.set_review_state(iid, "received")
        with pytest.raises(ServerError) as err:
            source.set_review_state("uuid:missing", "approved")
        assert err.value.is_code(404.1)


def test_review_state_comments_read_back_and_updated_at_moves(records, profile):
    """As recorded: a PATCH moves the submission's updatedAt (so the next incremental pull
    sees the new state), and the comments read back are the ones posted."""
    with FakeCentral(records[:1]) as fake:
        source = _source(fake, profile)
        iid = records[0]["__id"]
        source.set_review_state(iid, "has_issues")
        source.add_comment(iid, "HH-010: trùng mã hộ")
        assert source.comments(iid) == ["HH-010: trùng mã hộ"]
        assert fake.rows[iid]["__system"]["updatedAt"] is not None
        assert source.pull().households["review_state"].tolist() == ["hasIssues"]


def test_wrong_password_is_a_clear_401_without_the_secret(records, profile):
    with FakeCentral(records[:1]) as fake:
        source = CentralSource(central_config(fake.url, password="wrong-pw"), profile=profile,
                               sleep=lambda s: None)
        with pytest.raises(ServerError) as err:
            source.pull()
        assert err.value.status == 401 and err.value.is_code(401.2)
        assert "wrong-pw" not in str(err.value) and "sai tài khoản" in str(err.value)


def test_entity_list_has_the_columns_of_the_forms_households_csv(review):
    """Phiếu B reads household_id from the households.csv slot: the Entity list linked there
    and the file the builder makes must have the same columns; bad ids are refused."""
    import io

    from konray_review.forms.household_list import households_csv
    from konray_review.sources.central import entity_rows

    last = review.households.head(6)
    built = pd.read_csv(io.BytesIO(households_csv(last)), dtype=str, keep_default_na=False)
    rows = pd.DataFrame(entity_rows(last))
    assert list(built.columns) == ["name", *rows.columns]
    assert built.drop(columns="name").equals(rows)
    with pytest.raises(SourceError, match="household_id"):
        entity_rows(pd.concat([last, last.head(1)]))


def test_empty_form_and_quiet_server_pulls_change_nothing(records, profile, tmp_path):
    with FakeCentral([]) as fake:
        source, store = _source(fake, profile), FileStateStore(tmp_path)
        report = pull_into(source, store)
        assert report.received == 0 and store.get_watermark(source.key) is None
        assert store.load(source.key)[0].empty
        fake.add(records[0])
        pull_into(source, store)
        mark = store.get_watermark(source.key)
        before = store.load(source.key)[0]
        report = pull_into(source, store)  # nothing new: the overlap re-reads, nothing changes
        assert report.new == report.updated == report.deleted == 0
        assert store.get_watermark(source.key) == mark
        pd.testing.assert_frame_equal(store.load(source.key)[0], before)


def test_engine_submissions_through_central_odata_give_the_expected_rows(profile):
    """Engine-made submission XML, shaped as Central's OData would serve it, pulled over
    HTTP: every canonical value equals the forms work's expected.json."""
    import json
    from pathlib import Path

    from tests.sources.fake_central import odata_row, xform_types
    from tests.sources.test_files import _compare

    subs = Path(__file__).parents[1] / "fixtures" / "submissions"
    expected = json.loads((subs / "expected.json").read_text(encoding="utf-8"))
    types = xform_types((subs / "forms" / "phieu_b_2023.xml").read_bytes())
    files = sorted((subs / "phieu_b_2023").glob("*.xml"))
    assert files, "forms fixtures missing"
    rows = [odata_row(f.read_bytes(), types, f"2023-10-{i + 1:02d}T02:00:00.000Z")
            for i, f in enumerate(files)]
    with FakeCentral(rows, form_id="phieu_b_2023") as fake:
        batch = _source(fake, profile).pull()
    assert batch.problems.empty and len(batch.households) == len(files)
    for f in files:
        case = expected[f"phieu_b_2023/{f.name}"]
        hid = case["household"]["household_id"]
        row = batch.households[batch.households["household_id"] == hid].iloc[0]
        assert not _compare(row, case["household"]), (f.name, _compare(row, case["household"]))
        mem = batch.members[batch.members["household_id"] == hid].sort_values("member_no")
        assert len(mem) == len(case["members"])
        for i, want in enumerate(case["members"]):
            assert not _compare(mem.iloc[i], want), (f.name, _compare(mem.iloc[i], want))
