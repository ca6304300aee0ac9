"""The default DOCX templates, built with python-docx (the docxtpl templates a district edits).

Why built by code and not committed as binary .docx files: a .docx is a zip whose diff says
nothing, so a reviewer could not see what a template change does, and a template drifting
from the fields the code fills would only show when a commune prints it. Built here, the
default template and the fields it uses change in the same reviewed commit, and a test
renders every one. A district that wants its own wording runs
``konray-review decisions templates --out <profile>/documents`` once and edits the copies in
Word or LibreOffice: the renderer prefers them (``docx.template_for``).

Template language: docxtpl (Jinja2 inside Word). ``{{ … }}`` fills a value; a table row
holding ``{%tr for r in … %}`` repeats the row below it; ``{%p … %}`` paragraphs repeat or
hide whole blocks (the two copies of Appendix V, one certificate per page).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"
_CENTER = WD_ALIGN_PARAGRAPH.CENTER


def _new(landscape: bool = False):
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
    # margins of Nghị định 30/2020/NĐ-CP (administrative documents): 20-25 / 30-35 / 15-20
    sec.top_margin = sec.bottom_margin = Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(3)
    return doc


def _para(container, text: str = "", *, bold: bool = False, italic: bool = False,
          align=None, size: float | None = None, upper: bool = False):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    run = p.add_run(text.upper() if upper else text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return p


def _cell_text(cell, text: str, *, bold: bool = False, italic: bool = False, align=None,
               size: float = 12) -> None:
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)


def _cell_para(cell, text: str, **kw) -> None:
    p = cell.add_paragraph()
    p.alignment = kw.pop("align", _CENTER)
    run = p.add_run(text)
    run.bold, run.italic = kw.get("bold", False), kw.get("italic", False)
    run.font.size = Pt(kw.get("size", 12))


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _header(doc) -> None:
    """Issuer left, Quốc hiệu and tiêu ngữ right, the dateline under them."""
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    _cell_text(left, "{{ doc.issuer.parent }}", align=_CENTER)
    _cell_para(left, "{{ doc.issuer.office }}", bold=True)
    _cell_para(left, "{{ doc.issuer.number }}")
    _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=_CENTER)
    _cell_para(right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    _cell_para(right, "{{ doc.dateline }}", italic=True)


def _title(doc) -> None:
    _para(doc, "{{ doc.unconfirmed }}", italic=True, size=9)
    _para(doc, "{{ doc.title_upper }}", bold=True, align=_CENTER, size=14)
    _para(doc, "{{ doc.subtitle }}", italic=True, align=_CENTER)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _grid(doc, loop: str, columns: list[tuple[str, str]]) -> None:
    """A bordered table: header row (repeated on every page), one row per item of ``loop``."""
    t = doc.add_table(rows=4, cols=len(columns))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, (head, field) in enumerate(columns):
        _cell_text(t.rows[0].cells[i], head, bold=True, align=_CENTER)
        _cell_text(t.rows[2].cells[i], f"{{{{ r.{field} }}}}")
    _repeat_header(t.rows[0])
    t.rows[1].cells[0].paragraphs[0].add_run(f"{{%tr for r in {loop} %}}")
    t.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")


def _signatures(doc, n: int, stamp: bool = False) -> None:
    t = doc.add_table(rows=1, cols=n)
    _no_borders(t)
    hint = "(Ký, ghi rõ họ tên, đóng dấu)" if stamp else "(Ký, ghi rõ họ tên)"
    for i, cell in enumerate(t.rows[0].cells):
        s = f"doc.signatures[{i}]"
        _cell_text(cell, f"{{{{ {s}.capacity_upper }}}}", bold=True, align=_CENTER)
        _cell_para(cell, f"{{{{ {s}.title_upper }}}}", bold=True)
        _cell_para(cell, hint, italic=True, size=11)
        for _ in range(3):
            _cell_para(cell, "")
        _cell_para(cell, f"{{{{ {s}.name }}}}", bold=True)


def _recipients(doc) -> None:
    _para(doc, "Nơi nhận:", bold=True, italic=True, size=11)
    _para(doc, "{%p for r in doc.recipients %}", size=11)
    _para(doc, "- {{ r }};", size=11)
    _para(doc, "{%p endfor %}", size=11)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _footer(doc) -> None:
    """The unconfirmed line and "Trang x/y" on every page (Word fields PAGE / NUMPAGES)."""
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run("{{ doc.unconfirmed }} — Trang ")
    run.font.size = Pt(8)
    for i, code in enumerate(("PAGE", "NUMPAGES")):
        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), code)
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = "1"
        r.append(t)
        fld.append(r)
        p._p.append(fld)
        if i == 0:
            p._p.append(p.add_run("/")._r)


# --- one builder per document ----------------------------------------------------------------
def _appendix_i():
    doc = _new(landscape=True)
    _header(doc)
    _title(doc)
    _para(doc, "{%p for v in doc.data.villages %}")
    _para(doc, "{{ v.name }}", bold=True)
    _grid(doc, "v.rows", [("STT", "no"), ("Mã hộ", "household_id"),
                          ("Họ và tên chủ hộ", "head_name"), ("Dân tộc", "ethnicity"),
                          ("Hộ DTTS", "dtts_mark"), ("Hộ nghèo (năm trước)", "on_list_poor"),
                          ("Hộ cận nghèo (năm trước)", "on_list_near_poor"),
                          ("Hộ có giấy đề nghị rà soát", "requested")])
    _para(doc, "{%p endfor %}")
    _para(doc, "Tổng số hộ cần rà soát: {{ doc.data.total }} hộ.")
    _signatures(doc, 2)
    return doc


def _appendix_v():
    doc = _new()
    _para(doc, "{%p for copy in doc.data.copies %}")
    _para(doc, "{{ copy }}", italic=True, size=10, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _header(doc)
    _title(doc)
    for text in (
        "Hôm nay, ngày {{ doc.data.held_on }}, tại {{ doc.data.place }}, {{ doc.data.village }} "
        "({{ doc.data.commune_unit }}) đã tổ chức cuộc họp thống nhất kết quả rà soát hộ "
        "nghèo, hộ cận nghèo năm {{ doc.data.year }}.",
        "- Chủ trì cuộc họp: {{ doc.data.chair }}",
        "- Thư ký cuộc họp: {{ doc.data.secretary }}",
        "- Số người dự họp: {{ doc.data.attendees }} người{% if doc.data.households_represented "
        "%}, đại diện {{ doc.data.households_represented }} hộ gia đình{% endif %}",
        "Kết quả rà soát được thống nhất khi có ít nhất {{ doc.data.quorum }} số người dự họp "
        "đồng ý; hộ không đạt được khảo sát lại và đưa ra họp lại. Kết quả biểu quyết từng hộ:",
    ):
        _para(doc, text)
    _grid(doc, "doc.data.rows", [("STT", "no"), ("Họ và tên chủ hộ", "head_name"),
                                 ("Mã hộ", "household_id"), ("Kết quả rà soát", "category"),
                                 ("Số người đồng ý / dự họp", "votes"), ("Tỷ lệ", "share"),
                                 ("Kết luận", "outcome")])
    _para(doc, "Tổng hợp: {{ doc.data.agreed }} hộ thống nhất; {{ doc.data.resurvey }} hộ không "
          "thống nhất, cần khảo sát lại.")
    _para(doc, "{% if doc.data.notes %}Ý kiến khác: {{ doc.data.notes }}{% endif %}")
    _para(doc, "Biên bản lập thành 02 bản: 01 bản lưu tại thôn, 01 bản gửi Ban chỉ đạo rà soát "
          "cấp xã.")
    _signatures(doc, 3)
    _para(doc, "{%p if not loop.last %}")
    _page_break(doc)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    return doc


def _groups_table(doc, columns: list[tuple[str, str]]) -> None:
    _para(doc, "{%p for g in doc.data.groups %}")
    _para(doc, "{{ loop.index }}. {{ g.name }} ({{ g.count }} hộ)", bold=True)
    _grid(doc, "g.rows", columns)
    _para(doc, "{%p endfor %}")


_LIST = [("STT", "no"), ("Họ và tên chủ hộ", "head_name"), ("Mã hộ", "household_id"),
         ("Thôn", "village"), ("Dân tộc", "ethnicity"), ("Hộ DTTS", "dtts_mark")]


def _appendix_vi():
    doc = _new(landscape=True)
    _header(doc)
    _title(doc)
    _grid(doc, "doc.data.summary", [("Nhóm hộ", "name"), ("Số hộ", "count")])
    _para(doc, "Tổng số: {{ doc.data.total }} hộ.")
    _groups_table(doc, [*_LIST, ("Năm trước", "previous_label"),
                        ("Sau rà soát", "category_label"), ("Ghi chú", "note")])
    _signatures(doc, 2)
    return doc


def _mau_02():
    doc = _new()
    _header(doc)
    _para(doc, "{{ doc.unconfirmed }}", italic=True, size=9)
    _para(doc, "QUYẾT ĐỊNH", bold=True, align=_CENTER, size=14)
    _para(doc, "Về việc công nhận hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo "
          "năm {{ doc.data.year }}", bold=True, align=_CENTER)
    _para(doc, "{{ doc.data.chair_title_upper }}", bold=True, align=_CENTER)
    for text in (
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
        "Căn cứ Nghị định số 07/2021/NĐ-CP ngày 27 tháng 01 năm 2021 của Chính phủ quy định "
        "chuẩn nghèo đa chiều;",
        "Căn cứ Quyết định số 24/2021/QĐ-TTg ngày 16 tháng 7 năm 2021 của Thủ tướng Chính phủ "
        "quy định quy trình rà soát hộ nghèo, hộ cận nghèo hằng năm;",
        "Theo đề nghị của Ban chỉ đạo rà soát hộ nghèo, hộ cận nghèo {{ doc.data.kind }}.",
    ):
        _para(doc, text, italic=True)
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=_CENTER)
    for text in (
        "Điều 1. Công nhận {{ doc.data.poor }} hộ nghèo, {{ doc.data.near_poor }} hộ cận nghèo, "
        "{{ doc.data.escaped_poverty }} hộ thoát nghèo, {{ doc.data.escaped_near_poverty }} hộ "
        "thoát cận nghèo trên địa bàn {{ doc.data.unit }} theo kết quả rà soát năm "
        "{{ doc.data.year }} (tổng số {{ doc.data.total }} hộ, có danh sách kèm theo).",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 3. Ban chỉ đạo rà soát hộ nghèo, hộ cận nghèo {{ doc.data.kind }}, các thôn và các "
        "hộ gia đình có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
    ):
        _para(doc, text)
    _signatures(doc, 1, stamp=True)
    _recipients(doc)
    _page_break(doc)
    _para(doc, "DANH SÁCH KÈM THEO", bold=True, align=_CENTER)
    _para(doc, "Quyết định {{ doc.data.number }} ngày {{ doc.data.signed_on }} của "
          "{{ doc.data.chair_title }}", italic=True, align=_CENTER)
    _groups_table(doc, _LIST)
    return doc


def _mau_03():
    doc = _new()
    _para(doc, "{%p for c in doc.data.certificates %}")
    _header(doc)
    _para(doc, "{{ doc.unconfirmed }}", italic=True, size=9)
    _para(doc, "GIẤY CHỨNG NHẬN {{ c.category_upper }}", bold=True, align=_CENTER, size=14)
    _para(doc, "Năm {{ doc.data.year }}{% if c.number %} — Số: {{ c.number }}{% endif %}",
          italic=True, align=_CENTER)
    for text in (
        "Ủy ban nhân dân {{ doc.data.unit }} chứng nhận:",
        "Hộ gia đình ông/bà (chủ hộ): {{ c.head_name }}",
        "Mã hộ: {{ c.household_id }}",
        "Địa chỉ: {{ c.address }}",
        "Là: {{ c.category }} năm {{ doc.data.year }}",
        "Theo Quyết định: {{ c.decision }} của Chủ tịch Ủy ban nhân dân {{ doc.data.unit }}",
        "Thành viên hộ gia đình:",
    ):
        _para(doc, text)
    _grid(doc, "c.members", [("STT", "no"), ("Họ và tên", "name"),
                             ("Quan hệ với chủ hộ", "relation"), ("Giới tính", "sex"),
                             ("Năm sinh", "birth_year")])
    _signatures(doc, 1, stamp=True)
    _para(doc, "{%p if not loop.last %}")
    _page_break(doc)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    return doc


def _posting_notice():
    doc = _new()
    _header(doc)
    _title(doc)
    for text in (
        "Ban chỉ đạo rà soát hộ nghèo, hộ cận nghèo thông báo niêm yết công khai "
        "{% if doc.data.recheck %}kết quả phúc tra{% else %}kết quả rà soát{% endif %} năm "
        "{{ doc.data.year }} của {{ doc.data.address }}:",
        "- Thời gian niêm yết: {{ doc.data.days }} ngày làm việc, từ ngày {{ doc.data.from }} "
        "đến hết ngày {{ doc.data.until }}.",
        "- Địa điểm niêm yết: {{ doc.data.places }}.",
        "Trong thời gian niêm yết, người dân có ý kiến, khiếu nại về kết quả rà soát gửi Ban chỉ "
        "đạo rà soát cấp xã hoặc Ủy ban nhân dân cấp xã. Khiếu nại được phúc tra trong "
        "{{ doc.data.recheck_days }} ngày làm việc; kết quả phúc tra được niêm yết công khai "
        "thêm {{ doc.data.days }} ngày làm việc.",
    ):
        _para(doc, text)
    _grid(doc, "doc.data.rows", [("STT", "no"), ("Họ và tên chủ hộ", "head_name"),
                                 ("Mã hộ", "household_id"), ("Dân tộc", "ethnicity"),
                                 ("Năm trước", "previous_label"),
                                 ("Kết quả", "category_label")])
    _signatures(doc, 1)
    return doc


BUILDERS = {"appendix_i": _appendix_i, "appendix_v": _appendix_v,
            "appendix_vi": _appendix_vi, "mau_02": _mau_02, "mau_03": _mau_03,
            "posting_notice": _posting_notice}


@cache
def default_template(kind: str) -> bytes:
    """The built-in template of ``kind`` as .docx bytes (built once per process)."""
    doc = BUILDERS[kind]()
    _footer(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_templates(out_dir: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write every default template to ``out_dir`` for a district to edit (an existing
    file is kept unless ``overwrite``: it may hold the district's own changes)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in BUILDERS:
        path = out / f"{kind}.docx"
        if path.exists() and not overwrite:
            continue
        path.write_bytes(default_template(kind))
        written.append(path)
    return written
