"""The posted PDF's text measures: ``text_widths`` is ReportLab's own ``stringWidth``
(the oracle) to the last bit, ``split_lines`` is ReportLab's ``simpleSplit`` (the oracle)
text for text, and ``wrap_column`` breaks exactly the too-wide cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics

from konray_review.outputs import list_pdf, pdf_text

TEXTS = np.asarray([
    "", " ", "Nguyễn Thị Hồng Nhung", "Y Blơng", "A Thút", "Đăk Tơ Lung", "thôn Kon Bỉ",
    "dak_koi-thon_mau_4-0001212", "Hộ nghèo (thiếu hụt 3 chỉ số)", "1.500.000",
    "😀 outside the font", "ﬁ ligature", "e\u0301 combining", "W" * 300, "Ỹỹ Ǹǹ ƠƯơư",
], dtype=object)


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> None:
    list_pdf.register_fonts()


@pytest.mark.parametrize("font", [list_pdf.FONT, list_pdf.FONT_BOLD])
@pytest.mark.parametrize("size", [9.0, 8.5, 7.25, 6.3, 11.0, 13.3])
def test_widths_equal_reportlab_bit_for_bit(font: str, size: float) -> None:
    expected = [pdfmetrics.stringWidth(t, font, size) for t in TEXTS]
    assert pdf_text.text_widths(TEXTS, font, size).tolist() == expected


def test_measured_in_chunks_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = pdf_text.text_widths(TEXTS, list_pdf.FONT, 9.0)
    monkeypatch.setattr(pdf_text, "_CHUNK", 4)  # chunk edges inside the texts
    assert pdf_text.text_widths(TEXTS, list_pdf.FONT, 9.0).tolist() == whole.tolist()
    assert pdf_text.text_widths(TEXTS[:0], list_pdf.FONT, 9.0).tolist() == []


def test_random_vietnamese_texts_equal_reportlab() -> None:
    rng = np.random.default_rng(7)
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữự ,.-0123")
    texts = np.asarray(["".join(rng.choice(letters, size=n)) for n in rng.integers(0, 80, 3000)],
                       dtype=object)
    expected = [pdfmetrics.stringWidth(t, list_pdf.FONT, 9.0) for t in texts]
    assert pdf_text.text_widths(texts, list_pdf.FONT, 9.0).tolist() == expected


def test_point_widths_per_cell_missing_values_blank() -> None:
    frame = pd.DataFrame({"name": ["Y Blơng", None, "Y Blơng", "A Thút"],
                          "village": ["Kon Bỉ", "Kon Bỉ", "Đăk Kôi", ""]}, index=[5, 6, 7, 8])
    got = list_pdf.point_widths(frame, ["name", "village", "not_there"])
    assert list(got.columns) == ["name~pt", "village~pt"]
    assert got.index.tolist() == [5, 6, 7, 8]
    w = lambda t: pdfmetrics.stringWidth(t, list_pdf.FONT, list_pdf.BODY_PT)  # noqa: E731
    assert got["name~pt"].tolist() == [w("Y Blơng"), 0.0, w("Y Blơng"), w("A Thút")]
    assert got["village~pt"].tolist() == [w("Kon Bỉ"), w("Kon Bỉ"), w("Đăk Kôi"), 0.0]


def test_wrap_column_breaks_only_the_too_wide_cells() -> None:
    long = "Nguyễn Thị Hồng Nhung Phương Thảo"
    values = pd.Series(["An", long, None, long, "Bình"], dtype="str")
    width = pdfmetrics.stringWidth("Nguyễn Thị Hồng", list_pdf.FONT, list_pdf.BODY_PT) + 1
    texts, lines = list_pdf.wrap_column(values, width)
    broken = "\n".join(simpleSplit(long, list_pdf.FONT, list_pdf.BODY_PT, width))
    assert texts == ["An", broken, "", broken, "Bình"]
    assert broken.count("\n") >= 1
    assert lines.tolist() == [1, broken.count("\n") + 1, 1, broken.count("\n") + 1, 1]
    assert values.tolist()[1] == long  # the input is not changed


def _simple_split(texts: list[str], width: float, font: str = list_pdf.FONT,
                  size: float = list_pdf.BODY_PT) -> list[str]:
    return ["\n".join(simpleSplit(t, font, size, width)) for t in texts]


def _check_split(texts: list[str], width: float, font: str = list_pdf.FONT,
                 size: float = list_pdf.BODY_PT) -> None:
    got, lines = pdf_text.split_lines(np.asarray(texts, dtype=object), width, font, size)
    expected = _simple_split(texts, width, font, size)
    assert got == expected
    assert lines.tolist() == [t.count("\n") + 1 for t in expected]


@pytest.mark.parametrize("width", [1.0, 20.0, 45.5, 80.0, 150.0, 2000.0])
def test_split_lines_equal_simple_split_on_odd_texts(width: float) -> None:
    odd = [*TEXTS.tolist(), "a  b", "  leading and trailing  ", "tab\tseparated\twords",
           "no\xa0break space", "ideographic\u3000space", "file\x1cseparator", "cr\rinside",
           "Việc làm; Bảo hiểm y tế; Trình độ giáo dục của người lớn; Nhà tiêu hợp vệ sinh",
           "dak_koi-thon_mau_7-0000039 ab", "x", "\ud800 lone surrogate"]
    _check_split(odd, width)


@pytest.mark.parametrize("font", [list_pdf.FONT, list_pdf.FONT_BOLD])
def test_split_lines_equal_simple_split_on_random_texts(font: str) -> None:
    rng = np.random.default_rng(11)
    words = ["Việc", "làm;", "Bảo", "hiểm", "y", "tế;", "Nguyễn", "Thị", "Hồng", "Y", "Blơng",
             "(thiếu", "hụt", "3", "chỉ", "số)", "1.500.000", "WWWWWWWWWWWWWWWWWWWW", "ﬁ"]
    gaps = [" ", " ", " ", "  ", "\t", "\xa0", "\u2003"]
    texts = ["".join(w + str(rng.choice(gaps)) for w in rng.choice(words, size=k)).strip()
             for k in rng.integers(0, 40, 2000)]
    for width in (30.0, 64.3, 120.0):
        _check_split(texts, width, font, 8.5)


def test_split_lines_at_the_exact_width() -> None:
    """A word that ends exactly at the width stays on the line (``<=``); a hair less
    breaks it."""
    text = "Nguyễn Thị Hồng Nhung"
    exact = pdfmetrics.stringWidth("Nguyễn Thị", list_pdf.FONT, list_pdf.BODY_PT)
    for width in (exact, np.nextafter(exact, 0.0), np.nextafter(exact, 1e9)):
        _check_split([text, text + " x"], float(width))
    got, _ = pdf_text.split_lines(np.asarray([text], dtype=object), exact, list_pdf.FONT,
                                  list_pdf.BODY_PT)
    assert got == ["Nguyễn Thị\nHồng\nNhung"]  # written out by hand


def test_split_lines_keeps_own_line_breaks_as_simple_split() -> None:
    texts = ["a\nb", "\n\n", "first line\n  \nthird line is longer than the column", "a\n",
             "ordinary text without breaks"]
    _check_split(texts, 40.0)


def test_split_lines_in_chunks_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Nguyễn Thị Hồng Nhung", "", "A Thút", "  ", "Đăk Tơ Lung thôn Kon Bỉ"] * 3
    whole = pdf_text.split_lines(np.asarray(texts, dtype=object), 35.0, list_pdf.FONT, 9.0)
    monkeypatch.setattr(pdf_text, "_CHUNK", 4)
    parts = pdf_text.split_lines(np.asarray(texts, dtype=object), 35.0, list_pdf.FONT, 9.0)
    assert parts[0] == whole[0] and parts[1].tolist() == whole[1].tolist()
    assert pdf_text.split_lines(np.asarray([], dtype=object), 35.0, list_pdf.FONT, 9.0)[0] == []


def test_no_white_space_above_the_table() -> None:
    """``str.split()`` splits at ``str.isspace`` characters; the table covers all of them."""
    above = [c for c in range(pdf_text._SPACE_LIMIT, 0x110000) if chr(c).isspace()]
    assert above == []
    assert pdf_text._is_space()[[9, 10, 32, 0xA0, 0x3000]].all()
    assert not pdf_text._is_space()[[ord("a"), ord("đ"), 0x200B]].any()
