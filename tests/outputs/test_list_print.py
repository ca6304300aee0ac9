"""Posted lists checked the way a person reads them (issue 14): on paper, at a readable size.

The PDF is rendered to an image and its text is extracted with pypdfium2 (an independent
reader): page count, text size, every household code and category label whole on its line.
The XLSX is read with openpyxl: the printed columns fit an A4 landscape page at full size,
headers repeat, pages are numbered. Expected texts are written out by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from konray_review.outputs import read_manifest, write_lists
from konray_review.outputs.lists import printed_codes
from tests.outputs.conftest import RUN_INFO
from tests.outputs.helpers import FIRST_DATA, HEADER_ROW

#: the posted columns, as a person reads them on the village list (hand-written)
POSTED_HEADERS = ["STT", "Mã hộ", "Họ và tên chủ hộ", "Thôn, làng",
                  "Thu nhập / điểm B1 so với chuẩn", "Số chỉ số thiếu hụt",
                  "Các chỉ số thiếu hụt", "Phân loại", "Ghi chú"]
CATEGORY_LABELS = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo",
                   "middle": "Hộ có mức sống trung bình", "none": "Không thuộc diện"}
#: A4 landscape (842 pt) less the sheet's 0.4" margins
PRINTABLE_PT = 842 - 2 * 0.4 * 72


def _code(hid: str) -> str:
    """The short code written by hand from the rule: slug words' initials, number kept."""
    *prefix, number = hid.split("-")
    parts = ["".join(w if w.isdigit() else w[0].upper() for w in p.split("_")) for p in prefix]
    return "-".join([*parts, number])


def _entry(written, **kw):
    return next(e for e in read_manifest(written)
                if e.kind == "list" and all(getattr(e, k) == v for k, v in kw.items()))


def _pdf_text(path: Path) -> tuple[int, list[str], list[float]]:
    """(pages, text lines of all pages, font sizes of every character) from the PDF."""
    pdf = pdfium.PdfDocument(str(path))
    lines: list[str] = []
    sizes: list[float] = []
    for page in pdf:
        tp = page.get_textpage()
        lines += tp.get_text_range().splitlines()
        sizes += [pdfium.raw.FPDFText_GetFontSize(tp.raw, i) for i in range(tp.count_chars())
                  if not pdfium.raw.FPDFText_IsGenerated(tp.raw, i)
                  and not chr(pdfium.raw.FPDFText_GetUnicode(tp.raw, i)).isspace()]
    return len(pdf), lines, sizes


def _village_with_most_rows(written):
    return max((e for e in read_manifest(written) if e.kind == "list" and e.format == "pdf"
                and e.village is not None and e.list_type == "all"), key=lambda e: e.rows)


def test_printed_code_is_the_ids_initials_and_number():
    ids = pd.Series(["dak_ruong-thon_mau_3-0000012", "tan_lap-thon_mau_12-0000007",
                     "3f2a9c1e-0b1d-4e5f", "plain"])
    assert printed_codes(ids).tolist() == ["DR-TM3-0000012", "TL-TM12-0000007",
                                           "3f2a9c1e-0b1d-4e5f", "plain"]


def test_printed_codes_that_would_collide_are_printed_in_full():
    ids = pd.Series(["dak_ruong-thon_mau_3-0001", "dak_rve-thon_mau_3-0001",
                     "dak_koi-thon_mau_1-0002"])
    assert printed_codes(ids).tolist() == ["dak_ruong-thon_mau_3-0001",
                                           "dak_rve-thon_mau_3-0001", "DK-TM1-0002"]


def test_every_posted_list_has_a_pdf_beside_its_xlsx(written):
    """Commune and village lists are posted: each has its PDF. District lists are not."""
    lists = [e for e in read_manifest(written) if e.kind == "list"]
    assert not [e for e in lists if e.format == "pdf" and e.commune is None]
    lists = [e for e in lists if e.commune is not None]
    xlsx = {e.path[:-5] for e in lists if e.format == "xlsx"}
    pdf = {e.path[:-4] for e in lists if e.format == "pdf"}
    assert xlsx and xlsx == pdf
    assert all((written / f"{p}.pdf").read_bytes().startswith(b"%PDF") for p in pdf)
    restricted = [e for e in read_manifest(written) if e.kind == "list_full_ids"]
    assert "pdf" not in {e.format for e in restricted}  # never posted, never printed


def test_village_pdf_reads_whole_at_nine_points_or_more(review, written):
    e = _village_with_most_rows(written)
    pages, lines, sizes = _pdf_text(written / e.path)
    want = review.result.merge(review.households[["household_id", "commune", "village"]],
                               on="household_id")
    want = want[(want["commune"] == e.commune) & (want["village"] == e.village)]
    assert len(want) == e.rows and e.rows > 5
    assert min(sizes) >= 9.0
    text = "\n".join(lines)
    assert pages == len(re.findall(r"Trang \d+/\d+", text))
    assert f"Trang {pages}/{pages}" in text
    # every code and every category label whole on its line (never cut, never broken),
    # as often as the classifier says
    for hid in want["household_id"]:
        assert text.count(_code(hid)) == 1, hid
    cats = want["category"].astype(object).value_counts()
    for code, label in CATEGORY_LABELS.items():
        assert sum(ln.count(label) for ln in lines) == cats.get(code, 0), label
    for h in ("STT", "Mã hộ", "Phân loại", "Ghi chú"):  # short headers stay on one line
        assert h in text
    assert "DANH SÁCH KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2023" in text
    assert "TRƯỞNG THÔN" in text and "CHỦ TỊCH" in text


def test_commune_pdf_repeats_the_header_on_every_page(review, written):
    e = max((x for x in read_manifest(written) if x.kind == "list" and x.format == "pdf"
             and x.commune and x.village is None), key=lambda x: x.rows)
    pdf = pdfium.PdfDocument(str(written / e.path))
    assert len(pdf) >= 2
    with_rows = 0
    for page in pdf:
        text = page.get_textpage().get_text_range()
        if re.search(r"\b[A-Z]+-[A-Z]+\d+-\d+\b", text):  # a page with household rows
            with_rows += 1
            assert "Mã hộ" in text and "(1)" in text and "Phân loại" in text
    assert with_rows >= 2


def test_rendered_page_has_ink_inside_the_page_only(written):
    """Rendered to an image, the table stays inside the margins (nothing runs off)."""
    e = _village_with_most_rows(written)
    page = pdfium.PdfDocument(str(written / e.path))[0]
    w, h = page.get_size()
    assert w > h  # landscape
    img = page.render(scale=1).to_pil().convert("L")
    px = img.load()
    margin = int(8 / 25.4 * 72)  # nothing drawn in the outer 8 mm
    ink = [(x, y) for x in range(0, img.width, 2) for y in range(0, img.height, 2)
           if px[x, y] < 128]
    assert ink
    xs = [x for x, _ in ink]
    assert min(xs) >= margin and max(xs) <= img.width - margin


def test_xlsx_posted_columns_fit_a4_landscape_at_full_size(review, written):
    e = _entry(written, format="xlsx", list_type="all", commune=review.profile.unit_names[0],
               village=None)
    ws = load_workbook(written / e.path).worksheets[0]
    headers = [c.value for c in ws[HEADER_ROW]]
    letters = [get_column_letter(j) for j in range(1, len(headers) + 1)]
    hidden = [ws.column_dimensions[x].hidden for x in letters]
    assert [h for h, hide in zip(headers, hidden, strict=True) if not hide] == POSTED_HEADERS
    assert headers[-1] == "Mã hộ đầy đủ (trong cơ sở dữ liệu)" and hidden[-1]  # look-ups only
    widths = [ws.column_dimensions[x].width for x, hide in zip(letters, hidden, strict=True)
              if not hide]
    # Excel/LibreOffice: w characters = 7w + 5 px at 96 dpi = 0.75 (7w + 5) pt
    assert sum(0.75 * (7 * w + 5) for w in widths) <= PRINTABLE_PT
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$8:$10"
    assert ws.oddFooter.center.text == "Trang &P/&N"
    assert ws.cell(FIRST_DATA, 3).alignment.wrap_text  # long names wrap, never cut
    assert (ws.cell(FIRST_DATA, 3).font.sz or 11) >= 9


def test_xlsx_household_code_printed_and_full_id_kept(review, written):
    e = _entry(written, format="xlsx", list_type="all", commune=review.profile.unit_names[0],
               village=None)
    ws = load_workbook(written / e.path, read_only=True).worksheets[0]
    rows = [r for r in ws.iter_rows(min_row=FIRST_DATA, values_only=True)
            if isinstance(r[0], int)]
    assert rows and all(r[1] == _code(r[-1]) for r in rows)
    assert all("_" not in r[1] for r in rows)


def test_period_and_signature_date_in_vietnamese(review, written):
    e = _entry(written, format="xlsx", list_type="poor", commune=review.profile.unit_names[0],
               village=None)
    ws = load_workbook(written / e.path).worksheets[0]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    # run started 2026-11-29 08:00 UTC = 15:00 in Viet Nam, the same day
    assert any("Kỳ rà soát năm 2023; danh sách lập ngày 29 tháng 11 năm 2026" in x
               for x in texts)
    assert f"{e.commune}, ngày ..... tháng ..... năm 2023" in texts


EXPECTED_FOOTER_2023 = [
    "Lưu ý: kết quả phân loại áp dụng tạm các quy định dưới đây, chưa được xác nhận đầy đủ "
    "với văn bản gốc (tình trạng; nguồn):",
    "1. Ngưỡng điểm Phiếu B1 (nông thôn) = 140 — Xác nhận một phần, theo nguồn thứ cấp. "
    "Nguồn: TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)",
    "2. Ngưỡng điểm Phiếu B1 (thành thị) = 175 — Xác nhận một phần, theo nguồn thứ cấp. "
    "Nguồn: TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)",
    "3. Chỉ số: Việc làm — Xác nhận một phần, theo nguồn thứ cấp. Nguồn: NĐ 07/2021 Điều 3 "
    "khoản 2; điều kiện chi tiết theo TT 07/2021",
]
EXPECTED_FOOTER_LAST = ("17. Danh sách thôn của địa bàn = villages.sample.csv — Chưa xác "
                        "nhận. Nguồn: Danh sách MẪU: 49 tên thôn tự đặt, chưa phải danh sách "
                        "thôn của huyện")


def test_footer_names_each_unconfirmed_rule_and_its_source(review, written):
    e = _entry(written, format="xlsx", list_type="all", commune=review.profile.unit_names[0],
               village=None)
    ws = load_workbook(written / e.path).worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    start = texts.index(EXPECTED_FOOTER_2023[0])
    assert texts[start:start + 4] == EXPECTED_FOOTER_2023
    assert texts[start + 17] == EXPECTED_FOOTER_LAST
    assert len(texts) == start + 18  # nothing after the last rule
    pdf_lines = _pdf_text(written / e.path.replace(".xlsx", ".pdf"))[1]
    flat = " ".join(x.strip() for x in pdf_lines)
    assert EXPECTED_FOOTER_LAST in flat and EXPECTED_FOOTER_2023[3] in flat


def test_empty_commune_list_still_prints(review, tmp_path):
    nobody = review.result.iloc[0:0]
    entries = write_lists(review.households, nobody, tmp_path, standard=review.standard,
                          profile=review.profile, levels=("commune",), list_types=("poor",),
                          run_info={**RUN_INFO, "year": 2023}, formats=("xlsx", "pdf"))
    pdfs = [e for e in entries if e.format == "pdf"]
    assert len(pdfs) == len(review.profile.unit_names)
    pages, lines, _ = _pdf_text(tmp_path / pdfs[0].path)
    assert any("Tổng cộng: 0 hộ" in ln for ln in lines)
    assert any(f"Trang {pages}/{pages}" in ln for ln in lines)


def test_pdf_same_input_same_bytes(review, tmp_path):
    def once(out):
        return write_lists(review.households, review.result, out, standard=review.standard,
                           profile=review.profile, levels=("village",), list_types=("poor",),
                           run_info=RUN_INFO, formats=("pdf",))
    a, b = once(tmp_path / "a"), once(tmp_path / "b")
    assert [(tmp_path / "a" / e.path).read_bytes() for e in a] == \
        [(tmp_path / "b" / e.path).read_bytes() for e in b]


def test_ids_without_any_prefix_are_printed_as_they_are():
    """Central's Entity ids or typed codes with no '-' at all (a whole list of them)."""
    ids = pd.Series(["HK0001", "HK0002"])
    assert printed_codes(ids).tolist() == ["HK0001", "HK0002"]
