"""District report: the HTML and XLSX carry every table, charts, targets, unconfirmed rules."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from konray_review.outputs import read_manifest
from konray_review.outputs.report import write_district_report


def _report(written, fmt):
    (e,) = [x for x in read_manifest(written) if x.kind == "report" and x.format == fmt]
    return written / e.path


def _tables(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', html, flags=re.S))


def test_html_has_every_summary_table(review, written):
    html = _report(written, "html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="vi">' in html
    sections = _tables(html)
    for key in ("by_commune", "by_area", "ethnic_minority", "deprivation_rates", "transitions",
                "alkire_foster", "af_contributions", "target_check", "unconfirmed"):
        assert key in sections and "<table>" in sections[key], key
    for commune in review.profile.unit_names:
        assert commune in sections["by_commune"]
    assert "Toàn huyện" in sections["by_commune"]
    assert "Nông thôn" in sections["by_area"] and "Thành thị" in sections["by_area"]
    assert "Hộ DTTS" in sections["ethnic_minority"]
    for ind in review.standard.indicators:
        assert ind.name.vi in sections["deprivation_rates"]
        assert f"Dự án {ind.program_project}" in sections["deprivation_rates"]
    assert "Tái nghèo" in sections["transitions"]
    assert "<svg" in sections["by_commune"] and "<svg" in sections["deprivation_rates"]


def _cells(section: str) -> list[list[str]]:
    """Text of every body row's cells (header row left out)."""
    body = section.split("<tbody>", 1)[1]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)]


@pytest.fixture(scope="module")
def small_report(tmp_path_factory) -> dict[str, str]:
    """Five households written out by hand (the classifier decides, the report is read):

    h0 Đăk Kôi (rural) income 1.0 M, no insurance, no internet, 5 m² → 3 deprivations: poor
    h1 Đăk Kôi         income 1.0 M, no internet → 1 deprivation: near-poor
    h2 Đăk Kôi         income 3.0 M (above the 2.25 M middle band): none
    h3 Đăk Rve (urban) income 1.5 M, no insurance, no internet, 5 m², surface water → 4: poor
    h4 Đăk Rve         income 5.0 M, Kinh head ("01"): none
    Heads h0–h3 are ethnic minority (code 12).
    """
    from tests.outputs.helpers import five_households

    summary, standard, profile = five_households()
    out = tmp_path_factory.mktemp("small-report")
    entries = write_district_report(summary, out, standard=standard, profile=profile,
                                    year=2023)
    return _tables((out / next(e.path for e in entries if e.format == "html"))
                   .read_text(encoding="utf-8"))


def test_headline_figures_computed_by_hand(small_report):
    """2 poor of 5 = 40,0 %; 1 near-poor of 5 = 20,0 %."""
    overview = small_report["overview"]
    assert "<b>5</b>" in overview
    assert "2 (40,0 %)" in overview and "1 (20,0 %)" in overview


def test_per_commune_table_computed_by_hand(small_report):
    """Columns: households, poor, rate, near-poor, rate, middle, none, unknown, DTTS
    households, DTTS poor, rate, DTTS near-poor."""
    assert _cells(small_report["by_commune"]) == [
        ["Đăk Kôi", "3", "1", "33,3 %", "1", "33,3 %", "0", "1", "0", "3", "1", "33,3 %", "1"],
        ["Đăk Rve", "2", "1", "50,0 %", "0", "0,0 %", "0", "1", "0", "1", "1", "100,0 %", "0"],
        ["Toàn huyện", "5", "2", "40,0 %", "1", "20,0 %", "0", "2", "0", "4", "2", "50,0 %",
         "1"],
    ]


def test_alkire_foster_computed_by_hand(small_report):
    """k = 3 of d = 12: h0 (3) and h3 (4) are multidimensionally poor, so H = 2/5 = 40,0 %;
    A = (3/12 + 4/12) / 2 = 7/24 = 29,2 %; M0 = H × A = 7/60 = 0,117."""
    assert _cells(small_report["alkire_foster"]) == [["5", "40,0 %", "29,2 %", "0,117", "3"]]


def test_deprivation_rates_computed_by_hand(small_report):
    """Counts and rates among all (5), poor (2), near-poor (1), poor and near-poor (3)."""
    rows = {r[0]: r[4:] for r in _cells(small_report["deprivation_rates"])}
    assert rows["Bảo hiểm y tế"] == ["2", "40,0 %", "2", "100,0 %", "0", "0,0 %", "2", "66,7 %"]
    assert rows["Sử dụng dịch vụ viễn thông"] == ["3", "60,0 %", "2", "100,0 %", "1",
                                                  "100,0 %", "3", "100,0 %"]
    assert rows["Nguồn nước sinh hoạt"] == ["1", "20,0 %", "1", "50,0 %", "0", "0,0 %", "1",
                                            "33,3 %"]
    assert rows["Việc làm"] == ["0", "0,0 %"] * 4


def test_target_and_unconfirmed_rules(written):
    """The 2023 target (10,28 %, Kon Rẫy plan) and the rules the 2022–2026 standard marks
    partial or unconfirmed, with their sources, written out by hand."""
    sections = _tables(_report(written, "html").read_text(encoding="utf-8"))
    assert "10,28 %" in sections["overview"]
    unconfirmed = sections["unconfirmed"]
    for source in ("TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)",  # the B1 cut-offs
                   "NĐ 07/2021 Điều 3 (tên chỉ số); điều kiện chưa xác nhận",  # telecom
                   "NĐ 07/2021 Điều 3 (tên chỉ số); danh sách phương tiện chưa xác nhận",
                   "NĐ 07/2021 Điều 3; danh sách người phụ thuộc chưa xác nhận"):
        assert source in unconfirmed, source
    for name in ("Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin"):
        assert name in unconfirmed, name
    assert "Chuẩn nghèo" not in unconfirmed  # the confirmed income lines are not listed


def test_xlsx_report_sheets_and_native_chart(review, written):
    wb = load_workbook(_report(written, "xlsx"))
    assert wb.sheetnames[0] == "Tổng quan"
    assert {"Theo xã", "Thiếu hụt theo chỉ số", "Biến động", "Alkire-Foster", "Mục tiêu",
            "Quy tắc chưa xác nhận"} <= set(wb.sheetnames)
    ws = wb["Theo xã"]
    firsts = [c.value for c in ws["A"]]
    assert set(review.profile.unit_names) <= set(firsts)
    assert ws._charts, "per-commune rates should carry a native bar chart"


def test_english_report(review, tmp_path):
    entries = write_district_report(review.summary, tmp_path, standard=review.standard,
                                    profile=review.profile, year=2023, lang="en")
    html = (tmp_path / next(e.path for e in entries if e.format == "html")).read_text("utf-8")
    assert '<html lang="en">' in html
    assert "POOR AND NEAR-POOR HOUSEHOLD REVIEW REPORT, 2023" in html
    assert "Rate among poor" in html and "Unconfirmed rules" in html


def test_total_row_label_comes_from_the_profile_and_is_found_by_its_flag(review, tmp_path):
    """A profile without a district says "Toàn địa bàn"; the total row is bold, not charted."""
    from konray_review.aggregates import district_summary
    from konray_review.outputs.report import headline

    profile = review.profile.model_copy(update={"district": None})
    summary = district_summary(review.households, review.result, standard=review.standard,
                               profile=profile, members=review.members, year=2023)
    entries = write_district_report(summary, tmp_path, standard=review.standard,
                                    profile=profile, year=2023)
    html = (tmp_path / next(e.path for e in entries if e.format == "html")).read_text("utf-8")
    section = _tables(html)["by_commune"]
    assert "Toàn huyện" not in html
    total = re.findall(r'<tr class="total">(.*?)</tr>', section, flags=re.S)
    assert len(total) == 1 and "Toàn địa bàn" in total[0]
    # the headline reads the flagged row, whatever its label says
    relabelled = dict(summary)
    relabelled["district_total"] = summary["district_total"].assign(commune="anything")
    head = headline(relabelled)
    assert head["households"] == len(review.result)
    assert head["poor"] == int((review.result["category"].astype(object) == "poor").sum())
