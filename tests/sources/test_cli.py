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


def test_deploy_without_credentials_fails_cleanly(tmp_path, monkeypatch):
    from tests.sources.xlsx import write_xlsform

    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("KONRAY_SERVERS_FILE", "PYODK_CONFIG_FILE", "KONRAY_CENTRAL_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    xlsx = write_xlsform(tmp_path / "f.xlsx", form_id="phieu_b_2026", version="1")
    res = runner.invoke(app, ["forms", "deploy", str(xlsx), "--to", "central"])
    assert res.exit_code == 1 and "central.username" in res.output
