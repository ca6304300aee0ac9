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
    # the summary: Vietnamese headings, percentages, never Python's True/False or fractions
    assert "Toàn huyện" in res.output and " %" in res.output
    assert not {"True", "False", "poor_rate", "meets_target"} & set(res.output.split())
    table = res.output[res.output.index("Rà soát"):res.output.index("Nhận =")]
    assert max(len(line) for line in table.splitlines()) <= 80
    files = published_files(Path(folder))  # the lists staff download, for real
    assert any(f.endswith(".xlsx") for f in files) and any(f.endswith(".html") for f in files)
    # the season's documents, laid out by worker processes: every one written, whole
    docs = Path(re.search(r"Giấy tờ \(documents\):\s+(\S+)", res.output).group(1))
    written = {p.name: p.read_bytes() for p in docs.iterdir()}
    for kind in ("appendix_i", "appendix_v", "posting_notice", "appendix_vi"):
        for ext in ("pdf", "docx"):
            assert any(n.endswith(f"_{kind}.{ext}") for n in written), (kind, sorted(written))
    assert all(b.startswith(b"%PDF-") and b.rstrip().endswith(b"%%EOF")
               for n, b in written.items() if n.endswith(".pdf"))
    assert all(b.startswith(b"PK") for n, b in written.items() if n.endswith(".docx"))


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


# ---- start-up, errors, years (issue 14, 16) -----------------------------------------------

def test_root_help_loads_no_command_module_and_no_heavy_library() -> None:
    """``konray-review --help`` imports none of pandas, prefect, GX, pyxform, SQLAlchemy."""
    import subprocess
    import sys

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom konray_review.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
            "heavy = {'pandas', 'prefect', 'great_expectations', 'pyxform', 'sqlalchemy',"
            " 'konray_review.pipeline', 'konray_review.decisions'} & set(sys.modules)\n"
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_root_help_lines_are_the_commands_own() -> None:
    """The help kept in cli.LAZY (so --help imports nothing) says what each command says."""
    from konray_review.cli import LAZY, load_command

    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for name, (_target, line) in LAZY.items():
        assert name in res.output
        own = load_command(name).help or ""
        assert " ".join(own.split("\n\n")[0].split()) == line, name


@pytest.mark.parametrize("args", [
    ["run", "--source", "demo", "--year", "2019"],
    ["demo", "--year", "2019"],
    ["report", "--year", "2019"],
    ["pull", "--from", "demo", "--year", "2019"],
    ["forms", "build", "--year", "2019"],
    ["forms", "households", "--year", "2019"],
])
def test_a_bad_year_is_refused_before_any_work_listing_the_valid_years(
        args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import konray_review.pipeline.stages as stages
    import konray_review.sources.demo as demo

    def no_work(*a: object, **k: object) -> None:
        raise AssertionError("work started before the year was checked")

    monkeypatch.setattr(stages, "make_source", no_work)
    monkeypatch.setattr(demo.DemoSource, "__init__", no_work)
    monkeypatch.setenv("KONRAY_HOME", str(tmp_path))
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert lines == ["Năm rà soát 2019 không hợp lệ; các năm hợp lệ: 2022–2030.",
                     "Review year 2019 is not valid; valid years: 2022–2030."]


def test_an_unexpected_error_is_two_lines_and_debug_shows_the_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import konray_review.pipeline.report as report

    def broken(*a: object, **k: object) -> None:
        raise KeyError("some_column")

    monkeypatch.setattr(report, "run_report", broken)
    args = ["report", "--year", "2023", "--store", f"sqlite:///{tmp_path / 's.sqlite'}"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 2 and lines[0].startswith("Lỗi:") and "some_column" in lines[0]
    assert "--debug" in lines[1] and "Traceback" not in res.output
    res = runner.invoke(app, ["--debug", *args])
    assert isinstance(res.exception, KeyError)  # --debug lets it through, traceback and all


def test_a_corrupt_zip_read_outside_the_sources_names_the_file(tmp_path: Path) -> None:
    import zipfile

    from konray_review.errors import describe

    bad = tmp_path / "phieu.csv.zip"
    bad.write_bytes(b"not a zip at all")
    try:
        zipfile.ZipFile(bad)
    except zipfile.BadZipFile as exc:
        vi, en = describe(exc)
    assert str(bad) in vi and str(bad) in en


@pytest.mark.parametrize(("day", "current", "upcoming"), [
    ("2026-08-31", 2025, 2026),  # before the window: last year's review, this year's next
    ("2026-09-01", 2026, 2026),  # the window opens
    ("2026-12-02", 2026, 2026),  # in the window
    ("2026-12-15", 2026, 2027),  # after it: forms are for next year's review
    ("2027-03-10", 2026, 2027),  # a half-year report is about the 2026 review
])
def test_review_year_from_the_date_and_the_profile_window(day: str, current: int,
                                                          upcoming: int) -> None:
    from datetime import date

    from konray_review.settings import year_of

    window = load_profile_window()
    assert year_of(date.fromisoformat(day), window, "current") == current
    assert year_of(date.fromisoformat(day), window, "upcoming") == upcoming


def load_profile_window() -> dict[str, str]:
    from konray_review.profile import load_profile

    return load_profile().review_window


def test_today_is_the_district_date_not_the_server_date() -> None:
    from datetime import UTC, date, datetime

    from konray_review.profile import load_profile
    from konray_review.settings import today

    # 18:00 UTC on 31 December is 01:00 on 1 January in Vietnam (UTC+7)
    assert today(load_profile(), datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_prefect_schedules_use_the_profile_time_zone_and_no_fixed_year() -> None:
    import yaml

    from konray_review.profile import load_profile

    conf = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text())
    for dep in conf["deployments"]:
        assert dep["parameters"].get("year") is None, dep["name"]
        for s in dep.get("schedules", []):
            assert s["timezone"] == load_profile().timezone


def test_demo_of_the_review_under_way_has_no_submission_after_now() -> None:
    """The synthetic dates stay inside the window (local time) and before the clock, so a
    demo of the current year quarantines only the defects it plants."""
    import pandas as pd

    from konray_review.profile import load_profile
    from konray_review.settings import resolve_year
    from konray_review.synth import generate

    profile = load_profile()
    year = resolve_year(None, profile)
    review = generate(300, year=year, profile=profile)
    planted = set(review.defects.loc[review.defects["column"] == "submitted_at",
                                     "household_id"])
    hh = review.households[~review.households["household_id"].isin(planted)]
    at = pd.to_datetime(hh["submitted_at"], utc=True)
    start = pd.Timestamp(f"{year}-{profile.review_window['start']}", tz=profile.timezone)
    assert (at <= pd.Timestamp.now(tz="UTC")).all()
    assert (at >= start).all()


# ---- the terminal summary ----------------------------------------------------------------

def test_terminal_summary_is_vietnamese_percent_co_khong_within_80_columns() -> None:
    import pandas as pd
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from konray_review.pipeline.summary import terminal_summary

    summary = pd.DataFrame({
        "commune": ["Đăk Tơ Lung", "Đăk Kôi", "Toàn huyện"], "received": [1234, 987, 2221],
        "quarantined": [12, 0, 12], "households": [1222, 987, 2209], "poor": [250, 80, 330],
        "near_poor": [100, 51, 151], "poor_rate": [0.2046, 0.0811, 0.1494],
        "near_poor_rate": [0.0818, 0.0517, 0.0684], "poor_rate_target": [0.15] * 3,
        "meets_target": [False, True, True]})
    shown, caption = terminal_summary(summary)
    assert list(shown["% cận\nnghèo"]) == ["8,2 %", "5,2 %", "6,8 %"]
    assert list(shown["%\nnghèo"]) == ["20,5 %", "8,1 %", "14,9 %"]
    assert list(shown["Đạt\nmục tiêu"]) == ["Không", "Có", "Có"]
    assert caption == "Mục tiêu tỷ lệ nghèo (poverty-rate target): ≤ 15,0 %"
    table = Table(box=box.SIMPLE_HEAD, caption=caption)
    for col in shown.columns:
        table.add_column(col, no_wrap=col == "Xã")
    for row in shown.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console = Console(width=80, record=True)
    console.print(table)
    text = console.export_text()
    assert "Đăk Tơ Lung" in text  # the longest commune name is not wrapped
    assert max(len(line) for line in text.splitlines()) <= 80


# ---- forms households (issue 12 item 6) ---------------------------------------------------

def test_forms_households_exports_the_list_forms_build_accepts(reference,
                                                               tmp_path: Path) -> None:
    from konray_review.forms.household_list import households_csv, read_household_list

    out = tmp_path / "ho.csv"
    res = runner.invoke(app, ["forms", "households", "--year", "2023", "--store",
                              str(reference.store.engine.url), "--out", str(out)])
    assert res.exit_code == 0, res.output
    listed = read_household_list(out)
    classified = reference.store.read_classification(2023)
    expected = set(classified.loc[classified["category"].isin(["poor", "near_poor"]),
                                  "household_id"])
    assert set(listed["household_id"]) == expected and len(expected) > 0
    assert set(listed["previous_category"]) <= {"poor", "near_poor"}
    assert households_csv(listed).startswith(b"name,label,household_id")
    assert "forms build --year 2024 --households" in res.output


def test_a_published_list_is_accepted_and_a_wrong_file_names_the_command(
        reference, tmp_path: Path) -> None:
    from konray_review.forms.household_list import HouseholdListError, read_household_list

    published = next(Path(reference.outcome.out_dir).rglob("*_kon-ray_all.csv"))
    listed = read_household_list(published)
    classified = reference.store.read_classification(2023)
    expected = classified.loc[classified["category"].isin(["poor", "near_poor"])]
    assert set(listed["household_id"]) == set(expected["household_id"])
    assert {"household_id", "head_name", "village", "previous_category"} <= set(listed.columns)
    wrong = tmp_path / "x.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(HouseholdListError, match="forms households"):
        read_household_list(wrong)


# ---- progress (issue 14, item 6) ---------------------------------------------------------

class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, key: str, label: str, total: int | None) -> None:
        self.events.append(("start", key, total))

    def advance(self, key: str, done: int, total: int | None) -> None:
        self.events.append(("advance", key, done, total))

    def finish(self, key: str) -> None:
        self.events.append(("finish", key))


def test_progress_counts_reach_the_installed_reporter_and_nothing_without_one() -> None:
    from konray_review.progress import steps, track, use

    with steps("forms", 2) as step:  # no reporter: a no-op, the count still kept
        step()
    assert step.done == 1
    rec = Recorder()
    with use(rec):
        with steps("pull", None) as step:
            step.set_total(250)
            step(100)
            step(150)
        assert list(track(["a", "b"], "publish")) == ["a", "b"]
    assert rec.events == [("start", "pull", None), ("advance", "pull", 0, 250),
                          ("advance", "pull", 100, 250), ("advance", "pull", 250, 250),
                          ("finish", "pull"), ("start", "publish", 2),
                          ("advance", "publish", 1, 2), ("advance", "publish", 2, 2),
                          ("finish", "publish")]


def test_the_terminal_reporter_is_quiet_when_output_is_not_a_terminal(capsys) -> None:
    from konray_review.progress import steps, terminal_reporter, use

    with terminal_reporter() as reporter, use(reporter), steps("forms", 2, "Dựng") as step:
        step()
        step()
    assert not reporter.enabled
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_publish_reports_its_parts(reference, tmp_path: Path) -> None:
    from konray_review.pipeline.publish import publish
    from konray_review.profile import load_profile
    from konray_review.progress import use

    rec = Recorder()
    received = reference.store.read_households(2023)
    with use(rec):
        publish(reference.store, year=2023, out_dir=tmp_path / "out", profile=load_profile(),
                run_info={"run_id": "test-progress"}, received=received)
    done = [e[2] for e in rec.events if e[0] == "advance" and e[1] == "publish"]
    assert done == [1, 2, 3, 4, 5, 6] and ("finish", "publish") in rec.events


def test_a_mistyped_option_starts_with_a_vietnamese_line() -> None:
    """click reports a bad option value in English: a Vietnamese line comes first."""
    from typer.testing import CliRunner

    from konray_review.cli import app

    res = CliRunner().invoke(app, ["demo", "--year", "abc"])
    assert res.exit_code == 2
    lines = res.output.splitlines()
    assert lines[0] == ("Câu lệnh chưa đúng (thiếu tuỳ chọn hoặc giá trị sai): xem "
                        "«konray-review demo --help».")
    assert "--year" in res.output
