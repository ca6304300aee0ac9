"""The posted PDF's text measures: ``text_widths`` is ReportLab's own ``stringWidth``
(the oracle) to the last bit, and ``wrap_column`` breaks exactly the too-wide cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics

from konray_review.outputs import list_pdf

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
    assert list_pdf.text_widths(TEXTS, font, size).tolist() == expected


def test_measured_in_chunks_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = list_pdf.text_widths(TEXTS)
    monkeypatch.setattr(list_pdf, "_WIDTH_CHUNK", 4)  # chunk edges inside the texts
    assert list_pdf.text_widths(TEXTS).tolist() == whole.tolist()
    assert list_pdf.text_widths(TEXTS[:0]).tolist() == []


def test_random_vietnamese_texts_equal_reportlab() -> None:
    rng = np.random.default_rng(7)
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữự ,.-0123")
    texts = np.asarray(["".join(rng.choice(letters, size=n)) for n in rng.integers(0, 80, 3000)],
                       dtype=object)
    expected = [pdfmetrics.stringWidth(t, list_pdf.FONT, 9.0) for t in texts]
    assert list_pdf.text_widths(texts).tolist() == expected


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
