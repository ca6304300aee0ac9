"""``konray-review pull`` end to end (demo and files), and ``forms deploy`` error output."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from konray_review.cli import app
from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES

runner = CliRunner()


def test_pull_demo_writes_canonical_tables_without_personal_data_in_output(tmp_path):
    out = tmp_path / "pulled"
    res = runner.invoke(app, ["pull", "--from", "demo", "--out", str(out),
                              "--demo-households", "40", "--demo-seed", "3"])
    assert res.exit_code == 0, res.output
    hh = pd.read_parquet(out / "households.parquet")
    mem = pd.read_parquet(out / "members.parquet")
    assert set(HOUSEHOLD_NAMES) <= set(hh.columns) and set(MEMBER_NAMES) <= set(mem.columns)
    assert len(hh) == 40 and (out / "households.csv").exists() and (out / "members.csv").exists()
    assert not any(name in res.output for name in hh["head_name"])
    again = runner.invoke(app, ["pull", "--from", "demo", "--out", str(out),
                                "--demo-households", "40", "--demo-seed", "3"])
    assert again.exit_code == 0 and len(pd.read_parquet(out / "households.parquet")) == 40


def test_pull_defaults_to_konray_home_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KONRAY_HOME", str(tmp_path / "home"))
    res = runner.invoke(app, ["pull", "--from", "demo", "--demo-households", "5"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "home" / "pulled" / "households.parquet").exists()
    monkeypatch.delenv("KONRAY_HOME")
    res = runner.invoke(app, ["pull", "--from", "demo", "--demo-households", "5"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "output" / "pulled" / "households.parquet").exists()
    assert not (tmp_path / "data").exists()


def test_pull_files_needs_a_path_and_reports_clearly(tmp_path):
    res = runner.invoke(app, ["pull", "--from", "files", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "PATH" in res.output
    res = runner.invoke(app, ["pull", "--from", "files", str(tmp_path / "nope.zip"),
                              "--out", str(tmp_path)])
    assert res.exit_code == 1 and "not found" in res.output


def _no_servers_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("KONRAY_SERVERS_FILE", "PYODK_CONFIG_FILE", "KONRAY_CENTRAL_PASSWORD",
                "KONRAY_CENTRAL_USERNAME", "KONRAY_CENTRAL_BASE_URL",
                "KONRAY_CENTRAL_PROJECT_ID", "KONRAY_CENTRAL_FORM_ID"):
        monkeypatch.delenv(var, raising=False)


def _central_env(monkeypatch, cassette) -> None:
    m = cassette["meta"]
    monkeypatch.setenv("KONRAY_CENTRAL_BASE_URL", m["base_url"])
    monkeypatch.setenv("KONRAY_CENTRAL_USERNAME", m["username"])
    monkeypatch.setenv("KONRAY_CENTRAL_PASSWORD", "<password>")
    monkeypatch.setenv("KONRAY_CENTRAL_PROJECT_ID", str(m["project_id"]))
    monkeypatch.setenv("KONRAY_ALLOW_HTTP", "1")


def test_deploy_without_credentials_fails_cleanly(tmp_path, monkeypatch):
    _no_servers_file(tmp_path, monkeypatch)
    res = runner.invoke(app, ["forms", "deploy", "--to", "central", "--year", "2026"])
    assert res.exit_code == 1 and "central.username" in res.output


def test_deploy_of_a_year_not_built_names_the_missing_file(tmp_path, monkeypatch):
    from tests.sources.test_central_replay_deploy import DEPLOY

    _no_servers_file(tmp_path, monkeypatch)
    _central_env(monkeypatch, DEPLOY)
    monkeypatch.chdir(tmp_path)
    # 2030: a valid review year (a standard covers it; 2031 is refused as a year) not built
    res = runner.invoke(app, ["forms", "deploy", "--to", "central", "--year", "2030"])
    assert res.exit_code == 1
    assert "build/forms/2030/phieu_a_2030.xlsx" in res.output and "forms build" in res.output


def test_forms_deploy_as_documented_replayed_against_central(tmp_path, monkeypatch):
    """The user guide's command, replayed: both forms, villages.csv, the Entity list."""
    from tests.sources.recording import replay
    from tests.sources.test_central_replay_deploy import DEPLOY, build_folder

    _no_servers_file(tmp_path, monkeypatch)
    _central_env(monkeypatch, DEPLOY)
    monkeypatch.chdir(tmp_path)
    build_folder(tmp_path / "build" / "forms" / "2026", "deploy-1-create")
    listed = tmp_path / "danh-sach-ho-nam-truoc.csv"
    listed.write_text(DEPLOY["meta"]["lists"]["12"], encoding="utf-8")
    with replay("deploy", steps=("deploy-1-create",)):
        res = runner.invoke(app, ["forms", "deploy", "--to", "central", "--year", "2026",
                                  "--households", str(listed)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("phieu_a_2026: đã công bố phiên bản ")
    assert "villages.csv" in lines[0] and "hộ trong danh sách: 12" in lines[1]


def test_run_as_documented_replayed_against_central(tmp_path, monkeypatch):
    """``konray-review run --source central --year 2026``: no form id typed anywhere."""
    from tests.sources.recording import replay
    from tests.sources.test_central_replay_run import RUN, _live_count

    _no_servers_file(tmp_path, monkeypatch)
    _central_env(monkeypatch, RUN)
    with replay("run", steps=("run-1",)):
        res = runner.invoke(app, ["run", "--source", "central", "--year", "2026",
                                  "--out", str(tmp_path / "out"), "--checks", "pandas",
                                  "--store", f"sqlite:///{tmp_path / 's.sqlite'}"])
    assert res.exit_code == 0, res.output
    assert f"Nhận {_live_count('run-1')} = " in res.output
    # the one household the recorder sent twice: both copies flagged, one comment each
    assert "Đã báo lỗi về máy chủ: 2 phiếu, 2 ghi chú" in res.output
