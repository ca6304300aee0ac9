"""The district report on paper: the PDF a district sends to the province, read back the
way a person reads it (text of page 1 and of the last page, the page images), and the XLSX
overview sheet as it prints.

Five households written out by hand (the classifier decides, the report is read); the
expected text below is written by hand from the Kon Rẫy profile, not from the code:

h0 Đăk Kôi (rural) income 1.0 M, no insurance, no internet, 5 m² → 3 deprivations: poor
h1 Đăk Kôi         income 1.0 M, no internet → 1 deprivation: near-poor
h2 Đăk Kôi         income 3.0 M: none
h3 Đăk Rve (urban) income 1.5 M, no insurance, no internet, 5 m², surface water → 4: poor
h4 Đăk Rve         income 5.0 M, Kinh head, village not given: none
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from konray_review.outputs.report import write_district_report
from tests.outputs.helpers import five_households

RUN_INFO = {"run_id": "r-2023-11", "started_at": "2023-11-16T01:30:00+00:00", "year": 2023,
            "period": "annual", "as_of": "2023-11-15", "source": "demo"}


@dataclass
class Written:
    pdf: Path
    html: str
    xlsx: Path
    pages: list[str]  # text of each PDF page, whitespace collapsed


def _small_review(profile=None):
    return five_households(profile, last_village_unknown=True)


def _pdf_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return [" ".join(pdf[i].get_textpage().get_text_range().split())
                for i in range(len(pdf))]
    finally:
        pdf.close()


def _write(out: Path, profile=None, quarantine=None) -> Written:
    summary, standard, profile = _small_review(profile)
    entries = write_district_report(summary, out, standard=standard,
                                    profile=profile, year=2023, run_info=RUN_INFO,
                                    quarantine=quarantine)
    paths = {e.format: out / e.path for e in entries}
    return Written(paths["pdf"], paths["html"].read_text(encoding="utf-8"), paths["xlsx"],
                   _pdf_text(paths["pdf"]))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Written:
    import pandas as pd

    # 3 households held for checking with 5 issues between them (one row per issue); q1
    # was sent twice, so 4 submissions
    quarantine = pd.DataFrame({"household_id": ["q1", "q1", "q2", "q3", "q3"],
                               "instance_id": ["u1", "u1b", "u2", "u3", "u3"],
                               "rule_id": ["R1", "R2", "R1", "R3", "R4"]})
    return _write(tmp_path_factory.mktemp("report-pdf"), quarantine=quarantine)


def test_vietnamese_dateline_follows_decree_30():
    """NĐ 30/2020 Phụ lục I: a day below 10 and the months 1 and 2 take a leading zero."""
    from datetime import date

    from konray_review.outputs.printing import vietnamese_date

    assert vietnamese_date(date(2026, 12, 2), "Kon Rẫy") == "Kon Rẫy, ngày 02 tháng 12 năm 2026"
    assert vietnamese_date(date(2026, 3, 5), "Kon Rẫy") == "Kon Rẫy, ngày 05 tháng 3 năm 2026"
    assert vietnamese_date(date(2021, 1, 27)) == "Ngày 27 tháng 01 năm 2021"
    assert vietnamese_date(date(2021, 7, 16)) == "Ngày 16 tháng 7 năm 2021"


def test_page_one_carries_the_official_header_and_the_period_in_words(written):
    assert len(written.pages) == 5
    first = written.pages[0]
    for text in ("ỦY BAN NHÂN DÂN HUYỆN KON RẪY", "/BC-UBND",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Kon Rẫy, ngày 16 tháng 11 năm 2023",  # 01:30 UTC = 08:30 in Vietnam
                 "BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2023",
                 "Kỳ báo cáo: cả năm 2023, số liệu đến hết ngày 15/11/2023",
                 # 2 poor of 5 = 40,0 %; 1 near-poor of 5 = 20,0 %
                 "Số hộ đã phân loại: 5 hộ; hộ nghèo: 2 hộ (40,0 %); hộ cận nghèo: 1 hộ (20,0 %)",
                 "Trang 1/5"):
        assert text in first, text
    assert re.search(r"Số:\s*/BC-UBND", first)


def test_last_page_carries_the_signature_and_the_run_lines(written):
    last = written.pages[-1]
    for text in ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký, ghi rõ họ tên, đóng dấu)",
                 "Nơi nhận:", "UBND tỉnh Kon Tum", "Lưu: VT", "Trang 5/5",
                 "Thời điểm lập báo cáo 08:30 ngày 16/11/2023 (giờ Việt Nam)",
                 "Kỳ báo cáo Cả năm", "Số liệu đến hết ngày 15/11/2023",
                 "Hộ cần kiểm tra lại (chưa phân loại) 3 hộ (4 phiếu, 5 lỗi cần sửa)"):
        assert text in last, text
    assert "CHỦ TỊCH" not in " ".join(written.pages[:-1])


def test_no_raw_codes_ids_or_nan_anywhere(written):
    """Names of the standard and of rules instead of ids; a missing village in words."""
    text = " ".join(written.pages)
    for raw in ("vn-2022", "b1_cutoff", "indicator.", "annual", "half_year", "nan", "None",
                "T08:30", "+00:00"):
        assert raw not in text, raw
    assert "Chuẩn nghèo đa chiều giai đoạn 2022–2025" in text
    assert "Ngưỡng điểm Phiếu B1 (nông thôn)" in text
    assert "Đăk Rve (chưa rõ thôn) 1 0 0,0 %" in text  # h4: one household, not poor


def test_every_page_says_the_report_relies_on_unconfirmed_rules(written):
    note = ("Báo cáo dựa vào 17 quy định chưa được xác nhận (xem mục “Các quy định chưa được "
            "xác nhận”).")
    assert all(note in page for page in written.pages)


def test_pages_are_a4_portrait_images_with_ink(written, tmp_path):
    """Rendered to PNG (pypdfium2) as a reader would see them; A4 is 210 × 297 mm."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(written.pdf)
    try:
        for i in range(len(pdf)):
            width, height = pdf[i].get_size()  # points
            assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
            image = pdf[i].render(scale=1).to_pil().convert("L")
            image.save(tmp_path / f"page{i + 1}.png")
            top = image.crop((0, 0, image.width, image.height // 8))
            assert top.getextrema()[0] < 80, f"page {i + 1}: nothing printed at the top"
    finally:
        pdf.close()


#: the "Các quy định chưa được xác nhận" rows for Kon Rẫy 2023 (name, status, source),
#: written out by hand from vn-2022.yaml, the B1 table, the Phiếu A signs and the profile
PARTIAL = "Xác nhận một phần, theo nguồn thứ cấp"
ND07 = "NĐ 07/2021 Điều 3"
UNCONFIRMED_2023 = [
    ["Ngưỡng điểm Phiếu B1 (nông thôn)", PARTIAL, "TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)"],
    ["Ngưỡng điểm Phiếu B1 (thành thị)", PARTIAL, "TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)"],
    ["Chỉ số: Việc làm", PARTIAL,
     "NĐ 07/2021 Điều 3 khoản 2; điều kiện chi tiết theo TT 07/2021"],
    ["Chỉ số: Người phụ thuộc trong hộ gia đình", PARTIAL,
     "NĐ 07/2021 Điều 3; danh sách người phụ thuộc chưa xác nhận"],
    ["Chỉ số: Dinh dưỡng", PARTIAL, ND07],
    ["Chỉ số: Bảo hiểm y tế", PARTIAL, ND07],
    ["Chỉ số: Trình độ giáo dục của người lớn", PARTIAL, ND07],
    ["Chỉ số: Tình trạng đi học của trẻ em", PARTIAL, ND07],
    ["Chỉ số: Chất lượng nhà ở", PARTIAL, ND07],
    ["Chỉ số: Diện tích nhà ở bình quân đầu người", PARTIAL,
     "NĐ 07/2021 Điều 3 (dưới 8 m²; &lt; hay ≤ chưa xác nhận, dùng &lt;)"],
    ["Chỉ số: Nguồn nước sinh hoạt", PARTIAL, ND07],
    ["Chỉ số: Nhà tiêu hợp vệ sinh", PARTIAL, ND07],
    ["Chỉ số: Sử dụng dịch vụ viễn thông", "Chưa xác nhận",
     "NĐ 07/2021 Điều 3 (tên chỉ số); điều kiện chưa xác nhận"],
    ["Chỉ số: Phương tiện phục vụ tiếp cận thông tin", "Chưa xác nhận",
     "NĐ 07/2021 Điều 3 (tên chỉ số); danh sách phương tiện chưa xác nhận"],
    ["Nội dung 9 dấu hiệu của Phiếu A", "Chưa xác nhận",
     "TT 07/2021/TT-BLĐTBXH, Phụ lục II (nội dung dấu hiệu chưa đối chiếu văn bản gốc)"],
    ["Bảng điểm Phiếu B1", "Chưa xác nhận", "TT 07/2021/TT-BLĐTBXH Phụ lục III, sửa đổi bởi "
     "TT 02/2022/TT-BLĐTBXH (nội dung và điểm số là MẪU, chưa đối chiếu)"],
    ["Danh sách thôn của địa bàn", "Chưa xác nhận",
     "Danh sách MẪU: 49 tên thôn tự đặt, chưa phải danh sách thôn của huyện"],
]


def _section(html: str, key: str) -> str | None:
    found = re.search(rf'<section id="{key}">(.*?)</section>', html, flags=re.S)
    return found.group(1) if found else None


def _rows(section: str) -> list[list[str]]:
    body = section.split("<tbody>", 1)[1]
    return [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)]


def test_unconfirmed_rules_section_names_each_rule_and_its_source(written):
    section = _section(written.html, "unconfirmed")
    assert "<h2>Các quy định chưa được xác nhận</h2>" in section
    assert _rows(section) == UNCONFIRMED_2023
    assert "Các quy định chưa được xác nhận" in written.pages[-1]
    wb = load_workbook(written.xlsx)
    ws = wb["Quy tắc chưa xác nhận"]
    assert [c.value for c in ws[3]] == ["Quy định", "Mức xác nhận", "Nguồn"]
    assert [c.value for c in ws[4]] == UNCONFIRMED_2023[0]


def _confirmed_district(folder: Path, *, everything: bool = True):
    """A district that put its official B1 table, Phiếu A signs and village list in its
    profile (and, with ``everything``, confirmed every cut-off and indicator of the
    2022–2025 standard)."""
    import yaml

    from konray_review.profile import load_profile
    from konray_review.standards import b1_dir, standard_for_year, standards_dir
    from tests.forms.profiles import district_profile

    ok = {"source": "Quyết định của UBND tỉnh (thử)", "status": "confirmed"}
    table = yaml.safe_load((b1_dir() / "tay_nguyen.yaml").read_text(encoding="utf-8"))
    table.update(id="huyen_thu", name={"vi": "Bảng điểm B1 của huyện", "en": "District B1"},
                 **ok)
    signs = yaml.safe_load((standards_dir() / "phieu_a_signs.yaml").read_text(encoding="utf-8"))
    signs.update(ok)
    villages = load_profile().villages()[["commune", "village"]]
    indicators = [{"id": i.id, **ok} for i in standard_for_year(2023).indicators]
    changes = {"b1_table": "b1.yaml", "phieu_a_signs": "signs.yaml",
               "villages_csv": "villages.csv", "villages_are_sample": False,
               "villages_source": "Danh sách thôn của UBND huyện (thử)"}
    if everything:
        changes["overrides"] = {"vn-2022": {"b1_cutoff": {"rural": {"value": 140, **ok},
                                                          "urban": {"value": 175, **ok}},
                                            "indicators": indicators}}
    return district_profile(folder, changes=changes, files={
        "b1.yaml": yaml.safe_dump(table, allow_unicode=True),
        "signs.yaml": yaml.safe_dump(signs, allow_unicode=True),
        "villages.csv": villages.to_csv(index=False)})


def test_the_section_goes_once_the_district_confirms_its_data(tmp_path):
    profile = _confirmed_district(tmp_path / "district")
    w = _write(tmp_path / "out", profile=profile)
    assert _section(w.html, "unconfirmed") is None
    text = " ".join(w.pages)
    assert "quy định chưa được xác nhận" not in text.lower()
    assert "Quy tắc chưa xác nhận" not in load_workbook(w.xlsx).sheetnames
    assert "TM. ỦY BAN NHÂN DÂN" in w.pages[-1]  # still a whole, signed report


def test_replacing_the_tables_removes_their_rows_only(tmp_path):
    """Its own B1 table, Phiếu A signs and villages, confirmed: those three rows go, the
    standard's 14 partial or unconfirmed rules stay."""
    w = _write(tmp_path / "out", profile=_confirmed_district(tmp_path / "d", everything=False))
    assert _rows(_section(w.html, "unconfirmed")) == UNCONFIRMED_2023[:14]
    assert "Báo cáo dựa vào 14 quy định chưa được xác nhận" in w.pages[0]


def test_xlsx_overview_fits_one_a4_page_and_targets_are_numbers(written):
    wb = load_workbook(written.xlsx)
    ws = wb["Tổng quan"]
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == \
        (9, "portrait", 1, 1)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["B1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN HUYỆN KON RẪY"
    assert ws["B3"].value == "Kon Rẫy, ngày 16 tháng 11 năm 2023"
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    assert values["Tổng số hộ (hộ)"].value == 5
    assert values["Tỷ lệ hộ nghèo"].value == pytest.approx(0.4)
    assert values["Tỷ lệ hộ nghèo"].number_format == "0.0%"
    # targets: poor rate ≤ 10,28 % (a rate) and a cut of 6,6 points (points); actual 40 % and
    # 0 − 40 = −40 points (no household was poor last year: previous_category is empty)
    t = wb["Mục tiêu"]
    rows = {t.cell(r, 1).value: (t.cell(r, 2), t.cell(r, 3)) for r in range(3, t.max_row + 1)}
    target, actual = rows["Tỷ lệ hộ nghèo"]
    assert (target.value, target.number_format) == (pytest.approx(0.1028), "0.00%")
    assert (actual.value, actual.number_format) == (pytest.approx(0.4), "0.00%")
    target, actual = rows["Mức giảm tỷ lệ hộ nghèo (điểm %)"]
    assert (target.value, target.number_format) == (pytest.approx(6.6), "0.0")
    assert (actual.value, actual.number_format) == (pytest.approx(-40.0), "0.0")


def test_period_words_for_a_half_year_report():
    from konray_review.outputs.report_print import period_text

    info = {"period": "half_year", "as_of": "2024-06-10"}
    assert period_text(info, 2024, "vi") == ("Kỳ báo cáo: 6 tháng đầu năm 2024, số liệu đến "
                                             "hết ngày 10/06/2024")
    assert period_text({"started_at": "2024-10-01T17:05:00+00:00"}, 2024, "vi") == (
        "Kỳ báo cáo: rà soát năm 2024, số liệu đến 00:05 ngày 02/10/2024 (giờ Việt Nam)")


def test_the_report_issuer_and_signer_come_from_the_profile(tmp_path):
    """A district names its own office, number, place and signer in ``reporting``."""
    from tests.forms.profiles import district_profile

    profile = district_profile(tmp_path / "p", changes={"reporting": {
        "place": "Đăk Rve", "issuer_parent": "UBND HUYỆN KON RẪY",
        "issuer_office": "PHÒNG NỘI VỤ", "number": "Số: 12/BC-PNV",
        "signer_capacity": "KT. TRƯỞNG PHÒNG", "signer_title": "PHÓ TRƯỞNG PHÒNG",
        "signer_name": "Người Ký Thử", "recipients": "Sở Nội vụ tỉnh Kon Tum; Lưu: VT"}})
    w = _write(tmp_path / "out", profile=profile)
    first, last = w.pages[0], w.pages[-1]
    for text in ("UBND HUYỆN KON RẪY", "PHÒNG NỘI VỤ", "Số: 12/BC-PNV",
                 "Đăk Rve, ngày 16 tháng 11 năm 2023"):
        assert text in first, text
    for text in ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Người Ký Thử",
                 "Sở Nội vụ tỉnh Kon Tum"):
        assert text in last, text
    assert "UBND tỉnh Kon Tum" not in last
