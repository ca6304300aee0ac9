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
