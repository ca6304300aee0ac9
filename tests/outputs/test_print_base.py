"""The print base (``outputs/printing.py``, ``print/base.html.j2``) as pages: where a long
table ends near a page's foot, the signature still stands under some of its rows."""

from __future__ import annotations

import pypdfium2 as pdfium

from konray_review.outputs.printing import PrintPage, Signature, environment, html_to_pdf

DOC = """{% extends "print/base.html.j2" %}
{% block content %}
<table class="grid"><thead><tr><th style="width:12mm">STT</th><th>Mã hộ</th></tr></thead>
<tbody>{% for i in range(1, rows + 1) %}<tr><td>{{ i }}</td><td>ROW-{{ i }}</td></tr>
{% endfor %}</tbody></table>
<p>Tổng số: {{ rows }} hộ.</p>
{% endblock %}"""


def _pages(rows: int) -> list[str]:
    page = PrintPage(title="Danh sách", signatures=[Signature("Người lập biểu"),
                                                    Signature("Trưởng ban", "TM. BAN CHỈ ĐẠO")])
    html = environment().from_string(DOC).render(page=page, rows=rows)
    pdf = pdfium.PdfDocument(html_to_pdf(html))
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def test_the_signature_never_stands_alone_on_the_last_page():
    # one page holds some 40 of these rows; every count from one page to two and a bit is
    # laid out, so some table ends at the foot of a page whatever the exact row height
    alone = []
    for rows in range(30, 95, 2):
        pages = _pages(rows)
        last = pages[-1]
        assert "TRƯỞNG BAN" in last.upper() and f"ROW-{rows}" in "".join(pages)
        if "ROW-" not in last or "Tổng số" not in last:
            alone.append((rows, len(pages)))
    assert alone == []


def _boxes(text_page, *needles: str) -> dict[str, tuple[float, float, float, float]]:
    """Each text's box on the page: left, bottom, right, top (points)."""
    out = {}
    for needle in needles:
        found = text_page.search(needle).get_next()
        assert found is not None, needle
        first, count = found
        left, bottom, _, top = text_page.get_charbox(first)
        _, _, right, _ = text_page.get_charbox(first + count - 1)
        out[needle] = (left, bottom, right, top)
    return out


HEADED = DOC.replace("{% block content %}", "{% block content %}<p>Căn cứ kết quả rà soát.</p>")


def _one_page(page: PrintPage) -> tuple[float, object]:
    html = environment().from_string(HEADED).render(page=page, rows=3)
    pdf = pdfium.PdfDocument(html_to_pdf(html))
    assert len(pdf) == 1
    return pdf[0].get_width(), pdf[0].get_textpage()


def test_header_sits_side_by_side_and_two_signatures_at_the_quarters():
    """The official header: the issuer in the left 42 % and the national motto in the
    right 56 %, their first lines on one level; two signatures centred at a quarter and
    three quarters of the text width, on one level; recipients left of a closing
    signature. (Laid out with floats and tables rather than flex boxes, issue 16.)"""
    from datetime import date

    from konray_review.outputs.printing import Issuer

    margin_left, margin_right = 15 * 72 / 25.4, 12 * 72 / 25.4  # the base's @page margins
    width, tp = _one_page(PrintPage(
        title="Danh sách", issuer=Issuer("ỦY BAN NHÂN DÂN XÃ ĐĂK KÔI"), place="Đăk Kôi",
        on=date(2026, 10, 20),
        signatures=[Signature("Người lập biểu"), Signature("Trưởng ban", "TM. BAN CHỈ ĐẠO")]))
    text = width - margin_left - margin_right
    b = _boxes(tp, "ỦY BAN NHÂN DÂN XÃ ĐĂK KÔI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
               "NGƯỜI LẬP BIỂU", "TRƯỞNG BAN", "ngày 20 tháng 10 năm 2026", "Căn cứ")
    issuer, nation = b["ỦY BAN NHÂN DÂN XÃ ĐĂK KÔI"], b["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert abs(issuer[3] - nation[3]) < 4  # one level (glyph tops differ by their marks)
    # the text starts below the whole header (its height holds both columns)
    assert b["Căn cứ"][3] < b["ngày 20 tháng 10 năm 2026"][1]
    middle = lambda box: (box[0] + box[2]) / 2 - margin_left  # noqa: E731
    assert abs(middle(issuer) - 0.21 * text) < 3 and abs(middle(nation) - 0.72 * text) < 3
    maker, head = b["NGƯỜI LẬP BIỂU"], b["TRƯỞNG BAN"]
    assert abs(middle(maker) - 0.25 * text) < 3 and abs(middle(head) - 0.75 * text) < 3

    width, tp = _one_page(PrintPage(title="Quyết định", signatures=[Signature("Chủ tịch")],
                                    recipients=["Như Điều 3", "Lưu: VT"]))
    b = _boxes(tp, "Nơi nhận:", "CHỦ TỊCH")
    assert abs(b["Nơi nhận:"][3] - b["CHỦ TỊCH"][3]) < 3  # the closing on one level
    assert b["Nơi nhận:"][2] < 0.45 * text + margin_left < b["CHỦ TỊCH"][0]
    assert abs(middle(b["CHỦ TỊCH"]) - 0.75 * text) < 3  # centred in the right half
