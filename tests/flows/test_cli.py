"""``konray-review demo | run | report`` from the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from konray_review.cli import app
from tests.flows.conftest import published_files

runner = CliRunner()


def test_demo_runs_without_a_server_and_prints_the_output_folder(tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", "--households", "60", "--out", str(tmp_path),
                              "--checks", "pandas"])
    assert res.exit_code == 0, res.output
    folder = re.search(r"output folder\): (.+)", res.output).group(1).strip()
    assert Path(folder).is_dir() and Path(folder).is_relative_to(tmp_path)
    received, accepted, quarantined = (int(x) for x in re.search(
        r"Nhận (\d+) = hợp lệ (\d+) \+ cách ly (\d+)", res.output).groups())
    assert received == accepted + quarantined and quarantined > 0
    assert (tmp_path / "konray-review.sqlite").is_file()
    files = published_files(Path(folder))  # the lists staff download, for real
    assert any(f.endswith(".xlsx") for f in files) and any(f.endswith(".html") for f in files)


def test_report_for_a_date(reference, tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--year", "2023", "--date", "2024-06-30",
                              "--store", str(reference.store.engine.url), "--out",
                              str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "half_year" in res.output and "report-half_year-2024-06-30" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--source", "files", "--year", "2023"], "PATH"),
    (["run", "--source", "ftp", "--year", "2023"], "unknown source"),
    (["report", "--year", "2023", "--date", "30/06/2024"], "YYYY-MM-DD"),
])
def test_bad_arguments_fail_with_a_clear_message(args: list[str], message: str,
                                                 tmp_path: Path) -> None:
    res = runner.invoke(app, [*args, "--store", f"sqlite:///{tmp_path / 's.sqlite'}"])
    assert res.exit_code == 1
    assert message in res.output
