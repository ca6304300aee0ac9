"""District report: the HTML and XLSX carry every table, charts, targets, unconfirmed rules."""

from __future__ import annotations

import re

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


def test_html_numbers_match_the_summary(review, written):
    html = _report(written, "html").read_text(encoding="utf-8")
    total = review.summary["district_total"].iloc[0]
    poor = f"{int(total['poor']):,}".replace(",", ".")
    rate = f"{total['poor_rate'] * 100:.1f}".replace(".", ",")
    assert f"{poor} ({rate} %)" in _tables(html)["overview"]
    h = review.summary["alkire_foster"].iloc[0]["H"]
    assert f"{h * 100:.1f}".replace(".", ",") + " %" in _tables(html)["alkire_foster"]


def test_target_and_unconfirmed_rules(review, written):
    sections = _tables(_report(written, "html").read_text(encoding="utf-8"))
    target = review.profile.target(2023, "poor_rate_max")
    assert f"{target * 100:.2f}".replace(".", ",") in sections["overview"]
    rules = review.standard.unconfirmed_rules()
    assert rules
    for _, _, source in rules:
        assert source.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
            .replace('"', "&#34;") in sections["unconfirmed"] or source in sections["unconfirmed"]


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
