"""The whole run with bad input (issue 11): a year with nothing accepted or nothing
delivered completes, every row is accounted for in the summary and the run log, edits are
ordered by the server's version, database errors carry no personal data, and a run whose
process died is marked failed.

Inputs are files shaped like real exports (``tests/sources/exports.py``); expected counts
and messages are written by hand.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from konray_review.pipeline import run_review, stages
from konray_review.pipeline.accounting import account
from konray_review.pipeline.quarantine import ReconciliationError
from konray_review.pipeline.runlog import fail_stale_runs
from konray_review.profile import load_profile
from konray_review.quality import validate
from konray_review.sources.files import FilesSource
from konray_review.store import Store
from tests.sources import exports as ex

YEAR = 2023
PROFILE = load_profile()
ZIP = "phieu_b_2023.csv.zip"


def _zip(folder: Path, subs, name: str = ZIP) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return ex.write_central_zip(ex.central_tables(subs), folder / name)


def _check(pulled):
    return stages.validate(pulled, year=YEAR, profile=PROFILE,
                           validator=partial(validate, engine="pandas"))


def _run(path: Path, tmp: Path, store: Store, **kw):
    return run_review(FilesSource(path, profile=PROFILE), year=YEAR, store=store,
                      out_root=tmp / "out", profile=PROFILE, quality_engine="pandas", **kw)


# --- finding 2 and 11: nothing accepted / nothing delivered, and a run that died -------------
def test_header_only_export_completes_and_the_next_run_fails_a_dead_one(tmp_path: Path) -> None:
    from konray_review.outputs.manifest import read_manifest

    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    died = subprocess.Popen([sys.executable, "-c", "pass"])
    died.wait()  # a process that is gone: its run stayed "running"
    dead_dir = tmp_path / "out" / "2023" / "dead-run"
    dead_dir.mkdir(parents=True)
    store.start_run("dead-run", YEAR, "files", "kon-ray", str(dead_dir),
                    host=socket.gethostname(), pid=died.pid)
    store.run_stage("dead-run", "validate")

    outcome = _run(_zip(tmp_path / "in", []), tmp_path, store)

    dead = store.get_run("dead-run")
    assert dead["status"] == "failed" and dead["stage"] == "validate"
    assert dead["message"].startswith("Tiến trình chạy đã dừng đột ngột ở bước «kiểm tra chất "
                                      "lượng»")
    assert (dead_dir / "KHONG_HOAN_TAT.txt").is_file()
    run = store.get_run(outcome.run_id)
    assert (run["status"], run["delivered"], run["accepted"], run["refused"]) == (
        "succeeded", 0, 0, 0)
    entries = read_manifest(outcome.out_dir)
    lists = [e for e in entries if e.kind == "list"]
    assert lists and all(e.rows == 0 for e in lists)
    communes = {e.commune for e in lists if e.commune}
    assert communes == {u.name for u in PROFILE.units}  # the empty list set, every commune
    assert {e.kind for e in entries} >= {"list", "quarantine", "report"}
    report = next(outcome.out_dir.rglob("*_report.html")).read_text(encoding="utf-8")
    assert "Chưa có hộ nào được phân loại cho năm 2023: 0 phiếu đang bị cách ly" in report
    assert "Nguồn giao 0 dòng = hợp lệ 0 + cách ly 0 + từ chối 0" in report
    log = outcome.log_path.read_text(encoding="utf-8")
    assert "Nguồn giao 0 dòng = hợp lệ 0 + cách ly 0 + từ chối 0" in log
    assert "dead-run" in log  # the stale run was marked by this one


def test_every_form_quarantined_still_publishes_and_writes_back(tmp_path: Path) -> None:
    """ODK Collect without a username: every form fails HH-001; no TypeError in publish."""
    subs = ex.make(8)
    for s in subs:
        s.set("username", None)
        s.set("deviceid", None)
    folder = ex.write_xml_folder(subs, tmp_path / "instances")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    outcome = _run(folder, tmp_path, store)
    assert (outcome.received, outcome.accepted, outcome.quarantined) == (8, 0, 8)
    assert outcome.accounting.line_vi() == "Nguồn giao 8 dòng = hợp lệ 0 + cách ly 8 + từ chối 0"
    quarantine = [e for e in json.loads((outcome.out_dir / "manifest.json").read_text())
                  ["files"] if e["kind"] == "quarantine" and e["commune"] is None]
    assert {e["rows"] for e in quarantine} == {8}
    assert "files" in outcome.write_back["reason"]  # tried, and said why it could not


# --- finding 10: an older export cannot revert a newer edit -----------------------------------
def test_older_export_does_not_revert_an_edit(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    newer = ex.make(3)
    newer[1].edits = 1
    newer[1].set("income/income_per_capita", "700000")
    older = ex.make(3)
    older[1].set("income/income_per_capita", "2861000")
    key = FilesSource(_zip(tmp_path / "a", newer), profile=PROFILE).key
    stages.pull(FilesSource(tmp_path / "a" / ZIP, profile=PROFILE), store, year=YEAR)
    pulled = stages.pull(FilesSource(_zip(tmp_path / "b", older), profile=PROFILE), store,
                         year=YEAR)
    stored, _ = store.load(key)
    row = stored.set_index("household_id").loc[newer[1].household_id]
    assert (row["income_per_capita"], row["edits"]) == (700000.0, 1)
    assert pulled.report.older == 1
    note = pulled.report.findings
    assert note["message_vi"].tolist() == [
        "1 phiếu là bản cũ hơn bản đã lưu (ít lần sửa hơn): giữ bản mới, không ghi đè."]
    checked = _check(pulled)
    acc = account(pulled, checked)
    assert (acc.delivered, acc.total("accepted"), acc.total("older")) == (3, 3, 1)


def test_same_export_under_two_names_is_one_source(tmp_path: Path) -> None:
    """finding 12: "phieu_b_2023 (1).csv.zip" does not double the submissions table."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    subs = ex.make(5)
    first = _zip(tmp_path / "a", subs)
    second = _zip(tmp_path / "b", subs, name="phieu_b_2023 (1).csv.zip")
    a, b = FilesSource(first, profile=PROFILE), FilesSource(second, profile=PROFILE)
    assert a.key == b.key == "files:central:phieu_b_2023"
    stages.pull(a, store, year=YEAR)
    stages.pull(b, store, year=YEAR)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from submissions")).scalar() == 5


# --- finding 7: member numbers and values to the quarantine table and the comment -------------
class Recorder:
    """A source that records the comments write-back would post to the server."""

    name, key = "recorder", "recorder:1"

    def __init__(self) -> None:
        self.posted: dict[str, list[str]] = {}
        self.states: dict[str, str] = {}

    def set_review_state(self, instance_id, state, comment_vi=None) -> None:
        self.states[instance_id] = state

    def add_comment(self, instance_id: str, body: str) -> None:
        self.posted.setdefault(instance_id, []).append(body)

    def comments(self, instance_id: str) -> list[str]:
        return self.posted.get(instance_id, [])


def test_member_failures_keep_member_number_and_value_to_the_comment(tmp_path: Path) -> None:
    subs = ex.make(4)
    subs[1].xml.findall("members")[1].find("age").text = "abc"  # member 2 of household 901
    subs[2].xml.findall("members")[2].find("age").text = "150"  # member 3 of household 902
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    pulled = stages.pull(FilesSource(_zip(tmp_path / "in", subs), profile=PROFILE), store,
                         year=YEAR)
    checked = _check(pulled)
    stages.store_batch(store, "r1", YEAR, checked, pd.DataFrame(columns=["household_id"]),
                       "files:central:phieu_b_2023")
    stored = store.read_quarantine(YEAR)
    first = stored[stored["household_id"] == subs[1].household_id]
    assert first["message_vi"].tolist() == [  # unreadable, not also "blank" or "cannot tell"
        "Thành viên số 2: «Tuổi» phải là một con số, nhưng đã điền «abc»."]
    second = stored[stored["household_id"] == subs[2].household_id]
    assert "Thành viên số 3: Tuổi phải từ 0 đến 120." in set(second["message_vi"])
    recorder = Recorder()
    stages.write_back(recorder, checked.quarantine, pulled.households)
    (first_body,) = recorder.posted[subs[1].instance_id]  # one comment, posted once
    lines = first_body.splitlines()
    assert "SRC-001: Thành viên số 2: «Tuổi» phải là một con số, nhưng đã điền «abc»." in lines
    assert lines[-1].startswith("[konray-review #")  # the marker write-back reconciles on
    (second_body,) = recorder.posted[subs[2].instance_id]
    assert "MB-005: Thành viên số 3: Tuổi phải từ 0 đến 120." in second_body.splitlines()
    assert recorder.states[subs[1].instance_id] == "has_issues"


def test_duplicated_household_id_names_both_submissions_not_roster_errors(tmp_path) -> None:
    subs = ex.make(4)
    subs[3].set("household/household_id", subs[1].household_id)  # another family, same id
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    pulled = stages.pull(FilesSource(_zip(tmp_path / "in", subs), profile=PROFILE), store,
                         year=YEAR)
    checked = _check(pulled)
    q = checked.quarantine
    assert set(q["rule_id"]) == {"HH-010"}  # no HH-011/012/013 or MB-007 from mixed rosters
    both = ", ".join(sorted([subs[1].instance_id, subs[3].instance_id]))
    assert set(q["message_vi"]) == {
        f"Mã hộ bị trùng với một phiếu khác trong cùng năm rà soát. Các phiếu dùng mã hộ "
        f"này: {both}. (đã điền «{subs[1].household_id}»)"}
    assert set(q["instance_id"]) == {subs[1].instance_id, subs[3].instance_id}


def test_a_delivered_row_without_outcome_stops_the_run(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    pulled = stages.pull(FilesSource(_zip(tmp_path / "in", ex.make(3)), profile=PROFILE),
                         store, year=YEAR)
    checked = _check(pulled)
    lost = pulled.report.delivery.iloc[[0]].assign(instance_id="uuid:nowhere")
    pulled.report.delivery = pd.concat([pulled.report.delivery, lost], ignore_index=True)
    with pytest.raises(ReconciliationError, match="không có kết quả"):
        account(pulled, checked)


# --- finding 8: a database error prints no personal data --------------------------------------
NAME, MEMBER, ID_HEAD, ID_MEMBER = "Nguyễn Thị Bí Mật", "Trần Văn Riêng", "079123456789", \
    "079987654321"


def test_disk_full_error_shows_no_names_or_id_numbers(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite really runs out of room (``max_page_count``) while the pulled submissions are
    written; the terminal, the run log and ``runs.message`` must not show the row data."""
    from sqlalchemy import event

    import konray_review.store.store as store_module
    from konray_review.cli import app

    subs = ex.make(6)
    for s in subs:
        s.set("household/head_name", NAME)
        s.set("household/head_id_number", ID_HEAD)
        s.xml.find("members/name").text = MEMBER
        s.xml.find("members/id_number").text = ID_MEMBER
    path = _zip(tmp_path / "in", subs)
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    Store(url).dispose()  # the tables exist; now the disk is (almost) full
    real = store_module.make_engine

    def full_disk(u=None):
        engine = real(u)

        @event.listens_for(engine, "connect")
        def _limit(dbapi, _record) -> None:
            cur = dbapi.cursor()
            pages = cur.execute("PRAGMA page_count").fetchone()[0]
            cur.execute(f"PRAGMA max_page_count = {pages + 2}")
            cur.close()

        return engine

    monkeypatch.setattr(store_module, "make_engine", full_disk)
    result = CliRunner().invoke(app, ["run", "--source", "files", str(path), "--year", "2023",
                                      "--out", str(tmp_path / "out"), "--store", url,
                                      "--checks", "pandas", "--no-prefect", "--no-write-back"])
    monkeypatch.setattr(store_module, "make_engine", real)
    terminal = result.output  # stdout and stderr, as the terminal shows them
    assert result.exit_code == 1, terminal
    assert "ổ đĩa đã đầy" in terminal and "the disk is full" in terminal
    assert len(terminal.strip().splitlines()) <= 3, terminal
    run = Store(url).list_runs().iloc[0]
    log = next((tmp_path / "out" / "2023").glob("*.log")).read_text(encoding="utf-8")
    assert run["status"] == "failed" and "ổ đĩa đã đầy" in run["message"]
    assert "database or disk is full" in log  # the detail is kept, scrubbed
    for text in (terminal, log, run["message"]):
        for secret in (NAME, MEMBER, ID_HEAD, ID_MEMBER, "Bí Mật", "079123"):
            assert secret not in text, (secret, text[:400])


# --- finding 11: `konray-review runs` -------------------------------------------------------
def test_runs_command_marks_dead_runs_and_keeps_live_ones(tmp_path: Path) -> None:
    from konray_review.cli import app

    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    store = Store(url)
    host = socket.gethostname()
    died = subprocess.Popen([sys.executable, "-c", "pass"])
    died.wait()
    store.start_run("killed", YEAR, "central", host=host, pid=died.pid)
    store.run_stage("killed", "store")
    store.start_run("alive", YEAR, "central", host=host, pid=os.getpid())
    store.start_run("far-old", YEAR, "kobo", host="other-machine", pid=1)
    store.start_run("far-recent", YEAR, "kobo", host="other-machine", pid=1)
    old = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=13)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update runs set heartbeat_at = :t where run_id = 'far-old'"),
                     {"t": old})
    result = CliRunner().invoke(app, ["runs", "--store", url])
    assert result.exit_code == 0, result.output
    assert "killed" in result.output and "thất bại" in result.output
    # an 80-column terminal (CliRunner's width): one block per run, no line cut or wrapped
    assert max(len(line) for line in result.output.splitlines()) <= 80
    status = store.list_runs().set_index("run_id")["status"].to_dict()
    assert status == {"killed": "failed", "alive": "running", "far-old": "failed",
                      "far-recent": "running"}
    assert "«lưu kho»" in store.get_run("killed")["message"]
    assert fail_stale_runs(store) == []  # once marked, not again


def test_runs_start_time_is_shown_in_the_district_time_zone() -> None:
    """The store keeps UTC; 16:45 UTC is 23:45 in Viet Nam (UTC+7), written by hand."""
    import pandas as pd

    from konray_review.pipeline.runs_cli import HEADINGS, runs_table

    frame = pd.DataFrame({"run_id": ["r1"], "review_year": [2026], "source": ["demo"],
                          "started_at": [pd.Timestamp("2026-12-02 16:45")],
                          "status": ["succeeded"], "stage": ["done"], "message": [None]})
    shown = runs_table(frame, "Asia/Ho_Chi_Minh")
    assert shown[HEADINGS["started_at"]].tolist() == ["2026-12-02 23:45"]
    assert shown[HEADINGS["status"]].tolist() == ["xong"]
