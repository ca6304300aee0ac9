"""``konray-review decisions …`` from the command line, on an SQLite store."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from konray_review.cli import app
from tests.decisions.conftest import busiest_village, decisions, fill
from tests.store.backends import open_store

runner = CliRunner()


def _run(store_url: str, *args: str):
    return runner.invoke(app, ["decisions", *args, "--store", store_url])


def test_a_village_season_from_the_command_line(sqlite_store, tmp_path: Path) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    d = decisions(sqlite_store)
    commune, village, hh = busiest_village(d)
    ids = hh["household_id"].tolist()
    res = _run(url, "open", "--year", "2023", "--by", "huyen")
    assert res.exit_code == 0, res.output
    assert "2023-annual: 2023-09-01 – 2023-12-14" in res.output
    votes = tmp_path / "votes.csv"
    with votes.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["household_id", "agree"])
        w.writerows([[ids[0], "2"], *[[h, ""] for h in ids[1:]]])
    res = _run(url, "meeting", "--year", "2023", "--commune", commune, "--village", village,
               "--date", "2023-10-02", "--attendees", "10", "--votes", str(votes))
    assert res.exit_code == 0, res.output
    assert f"agreed={len(ids) - 1}, resurvey=1" in res.output
    res = _run(url, "post", "--year", "2023", "--commune", commune, "--village", village,
               "--date", "2023-10-02")
    assert res.exit_code == 0 and "hạn / hết (until) 2023-10-05" in res.output
    res = _run(url, "report", "--year", "2023", "--commune", commune, "--date", "2023-10-04")
    assert res.exit_code == 1
    assert "chưa hết thời gian niêm yết" in res.output and "posting runs until" in res.output
    res = _run(url, "report", "--year", "2023", "--commune", commune, "--date", "2023-10-06")
    assert res.exit_code == 0, res.output
    res = _run(url, "decide", "--year", "2023", "--commune", commune.replace("Đăk", "Đắk"),
               "--date", "2023-10-09", "--number", "03/QĐ-UBND")
    assert res.exit_code == 0, res.output  # spelling variants of the commune are accepted
    ev = d.records.events("2023-annual", communes=[commune])
    meeting = ev[ev["event"].isin(["meeting_agreed", "meeting_not_agreed"])]
    assert set(meeting["source"]) == {"import"} and set(ev["recorded_by"]) >= {"huyen"}
    res = _run(url, "status", "--year", "2023", "--commune", commune)
    assert res.exit_code == 0 and commune in res.output
    res = _run(url, "documents", "--year", "2023", "--commune", commune, "--kind",
               "appendix_vi", "--format", "docx", "--out", str(tmp_path / "docs"))
    assert res.exit_code == 0, res.output
    assert next((tmp_path / "docs").glob("*appendix_vi.docx")).stat().st_size > 0
    res = _run(url, "next-year", "--year", "2023", "--out", str(tmp_path / "next.csv"))
    assert res.exit_code == 1 and "--allow-preliminary" in res.output
    res = _run(url, "next-year", "--year", "2023", "--out", str(tmp_path / "next.csv"),
               "--allow-preliminary")
    assert res.exit_code == 0 and "forms build --year 2024 --households" in res.output
    listed = pd.read_csv(tmp_path / "next.csv", dtype=str)
    assert set(listed["previous_category"]) <= {"poor", "near_poor"}


def test_templates_are_written_for_the_district_to_edit(tmp_path: Path) -> None:
    res = runner.invoke(app, ["decisions", "templates", "--out", str(tmp_path)])
    assert res.exit_code == 0 and "6 mẫu" in res.output
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == sorted(
        f"{k}.docx" for k in ("appendix_i", "appendix_v", "appendix_vi", "mau_02", "mau_03",
                              "posting_notice"))
    (tmp_path / "mau_03.docx").write_bytes(b"edited by the district")
    res = runner.invoke(app, ["decisions", "templates", "--out", str(tmp_path)])
    assert "0 mẫu" in res.output  # an edited template is never overwritten
    assert (tmp_path / "mau_03.docx").read_bytes() == b"edited by the district"


def test_an_unknown_commune_is_a_clear_error(sqlite_store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    res = _run(url, "post", "--year", "2023", "--commune", "Xã Không Có", "--date",
               "2023-10-02")
    assert res.exit_code == 1 and "không có trong hồ sơ huyện" in res.output


def test_opening_a_year_nobody_classified_says_what_to_run(tmp_path, review) -> None:
    """An annual review opened before any run: zero households and the next step, not a
    silent empty review; opening again after the run takes the run's households."""
    with open_store("sqlite", tmp_path) as store:
        url = store.engine.url.render_as_string(hide_password=False)
        res = _run(url, "open", "--year", "2023")
        assert res.exit_code == 0, res.output
        assert "2023-annual" in res.output and "; 0 hộ" in res.output
        assert "Chưa có hộ nào được phân loại cho năm 2023" in res.output
        assert "konray-review run --source central --year 2023" in res.output
        fill(store, review)  # the run classifies the year
        res = _run(url, "open", "--year", "2023")
        assert res.exit_code == 0, res.output
        assert f"; {len(review.households)} hộ" in res.output
        assert "Chưa có hộ nào" not in res.output


def test_a_regular_round_from_the_command_line(sqlite_store) -> None:
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    d = decisions(sqlite_store)
    commune, village, hh = busiest_village(d)
    res = _run(url, "open", "--year", "2023", "--month", "4")
    assert res.exit_code == 0 and "2023-04: 2023-04-15 – 2023-05-04; 0 hộ" in res.output
    res = _run(url, "add", "--year", "2023", "--month", "4", "--household",
               hh["household_id"].iloc[0], "--household", hh["household_id"].iloc[1])
    assert res.exit_code == 0 and "preliminary: 2 hộ" in res.output
    res = _run(url, "meeting", "--year", "2023", "--month", "4", "--commune", commune,
               "--village", village, "--date", "2023-04-17", "--attendees", "6")
    assert res.exit_code == 0 and "meeting: 2 hộ" in res.output  # only the round's households
    res = _run(url, "add", "--year", "2023", "--month", "4", "--household", "khong-co")
    assert res.exit_code == 1 and "chưa có kết quả phân loại" in res.output


def test_next_year_from_a_store_without_that_review_writes_nothing(tmp_path: Path) -> None:
    """An empty list would build next year's forms with no household to pick (the guide's
    walk-through found one written with a 'next' hint)."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    out = tmp_path / "next.csv"
    res = _run(url, "next-year", "--year", "2026", "--out", str(out), "--allow-preliminary")
    assert res.exit_code == 1 and "không có hộ nào" in res.output
    assert not out.exists()
