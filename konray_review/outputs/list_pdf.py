"""The posted household list as PDF (niêm yết), beside its XLSX, drawn with ReportLab.

Why ReportLab and not WeasyPrint (``printing.render_pdf``, used for the report): a run
writes a few hundred list files, and a list is one long table. ReportLab draws it directly
(``RowsTable``, a platypus flowable that repeats the header rows on every page), embeds a
TrueType font with the Vietnamese glyphs, and is much faster than laying out HTML + CSS
(figures: ``docs/benchmarks.md``, "Publishing"). The layout is the XLSX's: A4 landscape, the
committee and motto, title, place, standard and period lines, the numbered header, the
rows, the total, date and signature lines, the unconfirmed rules, "Trang x/y" on every page.

Text is 9 pt DejaVu Sans Condensed (Debian ``fonts-dejavu-extra``; narrow, every
Vietnamese letter; DejaVu Sans of ``fonts-dejavu-core`` when it is missing). Column widths
are the XLSX's (``sheet.fit_widths``) scaled to the page; a value wider than its column is
broken into lines at spaces before drawing, so no text is cut.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from konray_review.outputs import files
from konray_review.outputs.pdf_text import split_lines, text_widths
from konray_review.outputs.sheet import Col, Heading, fit_widths
from konray_review.outputs.texts import t

FONT = "KonrayList"
FONT_BOLD = "KonrayList-Bold"
#: body text size; the brief of issue 14: nothing posted smaller than 9 pt
BODY_PT = 9.0
PAD = 2.5  # cell padding left/right, points
MARGIN = 12 * mm
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/local/share/fonts", "/usr/share/fonts/TTF")
#: two faces only: each embedded font subset costs time in every file; the condensed face
#: (Debian fonts-dejavu-extra) first, DejaVu Sans (fonts-dejavu-core) when it is missing
_FILES = {FONT: ("DejaVuSansCondensed.ttf", "DejaVuSans.ttf"),
          FONT_BOLD: ("DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf")}


def _find(names: tuple[str, ...]) -> Path:
    for name in names:
        for d in FONT_DIRS:
            p = Path(d) / name
            if p.is_file():
                return p
        root = Path("/usr/share/fonts")
        hits = sorted(root.rglob(name)) if root.is_dir() else []
        if hits:
            return hits[0]
    raise RuntimeError(f"Không tìm thấy phông chữ {' / '.join(names)} để in danh sách PDF: cài "
                       "gói Debian fonts-dejavu-extra hoặc fonts-dejavu-core (font not found; "
                       "install fonts-dejavu-extra or fonts-dejavu-core)")


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the list fonts once per process (ReportLab keeps them globally).

    Also turns off ReportLab's ASCII85 stream filter (``rl_config.useA85``, its documented
    switch; only these lists use ReportLab): compressed streams stay binary, a quarter
    smaller, and are not re-encoded as text by ReportLab's pure-Python codec, which was a
    tenth of saving a long list.
    """
    rl_config.useA85 = 0
    for name, paths in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(_find(paths))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                  boldItalic=FONT_BOLD)


def _style(name: str, *, font: str = FONT, size: float = BODY_PT,
           align: int = TA_CENTER) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.22,
                          alignment=align)


def _escape(text: Any) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br/>"))


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "").astype(str)


def point_widths(frame: pd.DataFrame, keys: Sequence[str], font: str = FONT,
                 size: float = BODY_PT) -> pd.DataFrame:
    """Drawn width (points) of every cell, ``<key>~pt``: each distinct value measured once.

    Computed once for a run's whole frame (labels and villages repeat; names are measured
    once each), so each file only compares these numbers with its column widths.
    """
    register_fonts()
    out = {}
    for key in keys:
        if key not in frame.columns:
            continue
        codes, uniq = pd.factorize(_text(frame[key]))
        out[f"{key}~pt"] = text_widths(np.asarray(uniq, dtype=object), font, size)[codes]
    return pd.DataFrame(out, index=frame.index)


def wrap_column(values: pd.Series, width_pt: float, drawn: pd.Series | None = None,
                font: str = FONT, size: float = BODY_PT) -> tuple[list[str], np.ndarray]:
    """Cell texts, a value wider than ``width_pt`` broken into lines (``\\n``) at spaces,
    and each cell's line count.

    ``drawn`` are the values' widths (``point_widths``); only the too-wide ones are split,
    each distinct one once, as ReportLab's ``simpleSplit`` would (``pdf_text.split_lines``).
    A single word wider than the column is not broken; ``sheet.fit_widths`` makes every
    column at least as wide as its longest word.
    """
    lines = np.ones(len(values), dtype=int)
    if pd.api.types.is_integer_dtype(values):
        return values.astype(str).tolist(), lines  # STT, counts: short, never wrapped
    arr = values.to_numpy(dtype=object)
    missing = pd.isna(arr)
    if missing.any():
        arr = np.where(missing, "", arr)
    if drawn is None:
        drawn = point_widths(pd.DataFrame({"v": pd.Series(arr).astype(str)}), ["v"], font,
                             size)["v~pt"]
    wide = np.flatnonzero(np.asarray(drawn, dtype=float) > width_pt)
    if len(wide):
        codes, uniq = pd.factorize(arr[wide])  # each distinct too-wide text split once
        texts, counts = split_lines(pd.Series(uniq, dtype=object).astype(str)
                                    .to_numpy(dtype=object), width_pt, font, size)
        split = np.asarray(texts, dtype=object)
        arr = arr.copy()
        arr[wide] = split[codes]
        lines[wide] = counts[codes]
    return arr.tolist(), lines


class _NumberedCanvas(Canvas):
    """Writes "Trang x/y" on every page once the page count is known (two-pass free)."""

    label = "Trang {page}/{pages}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, BODY_PT)
            text = self.label.format(page=self._pageNumber, pages=total)
            self.drawCentredString(self._pagesize[0] / 2, 7 * mm, text)
            super().showPage()
        super().save()


def _canvas_for(lang: str) -> type[_NumberedCanvas]:
    label = t("page_of", lang, page="{page}", pages="{pages}")
    return type("ListCanvas", (_NumberedCanvas,), {"label": label})


def _title(head: Heading, width: float, lang: str) -> list[Any]:
    bold = _style("b", font=FONT_BOLD, size=10)
    top = Table([[Paragraph(f"{t('people_committee', lang)}<br/>{_escape(head.committee)}",
                            bold),
                  Paragraph(f"{t('nation', lang)}<br/>{t('motto', lang)}", bold)]],
                colWidths=[width * 0.42, width * 0.58])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    italic = _style("i", size=BODY_PT + 1)
    out: list[Any] = [top, Spacer(1, 4 * mm),
                      Paragraph(_escape(head.title), _style("t", font=FONT_BOLD, size=13)),
                      Spacer(1, 1.5 * mm), Paragraph(_escape(head.place), italic)]
    note = "; ".join(x for x in (head.note, head.period) if x)
    if note:
        out.append(Paragraph(_escape(note), italic))
    out.append(Spacer(1, 3 * mm))
    return out


def _lines(text: str, width: float, font: str = FONT, size: float = BODY_PT) -> str:
    """Pre-broken text for a plain table cell (a Paragraph per cell is ~10x slower)."""
    return "\n".join(simpleSplit(text, font, size, width))


LEADING = BODY_PT * 1.22
PAD_TOP, PAD_BOTTOM = 1.5, 2.5
HEADER_FILL = colors.HexColor("#DDEBF7")


class RowsTable(Flowable):
    """The list's table: header and column-number rows repeated on every page it spans.

    Why not platypus ``LongTable``: it resolves styles and draws cell by cell (about 1 ms
    a row; a commune list of 1,100 rows took 1.3 s), while here every cell is already plain,
    pre-broken text (``wrap_column``), so a row is a few ``drawString`` calls. Row heights
    come from the line counts (vectorised); ``split`` hands platypus the rows that fit the
    rest of the frame, so the title block above and the signatures below flow as usual.
    """

    def __init__(self, header: list[str], cells: list[list[str]], heights: np.ndarray,
                 widths: list[float], centred: list[bool]) -> None:
        super().__init__()
        self.header, self.cells, self.heights = header, cells, heights
        self.widths, self.centred = widths, centred
        self.header_h = (max(h.count("\n") + 1 for h in header) * LEADING + PAD_TOP
                         + PAD_BOTTOM)
        self.numbers_h = LEADING + PAD_TOP + PAD_BOTTOM

    def _top(self) -> float:
        return self.header_h + self.numbers_h

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = self._top() + float(self.heights.sum())
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room = avail_height - self._top()
        k = int(np.searchsorted(np.cumsum(self.heights), room, side="right"))
        if k == 0:
            return []  # not even one row fits: platypus starts a new page
        if k >= len(self.cells):
            return [self]
        return [RowsTable(self.header, self.cells[:k], self.heights[:k], self.widths,
                          self.centred),
                RowsTable(self.header, self.cells[k:], self.heights[k:], self.widths,
                          self.centred)]

    @staticmethod
    def _row(tx: CachedText, y: float, texts: list[str], lefts: list[str | None],
             centres: list[float], font: str) -> None:
        """One row's cells into the page's text object (one object per page, not per cell:
        a ``drawString`` per cell was most of a list's time).

        ``lefts``: a left-aligned column's x as PDF text (the same for every row), None for
        a centred one (its x depends on the text: ``centres`` holds the column's middle).
        The origin is written as ReportLab's ``setTextOrigin`` writes it (``fp_str``), one
        string per cell line instead of a method call, and each row's y is formatted once
        per line: at 100,000 households these calls were a third of the lists' drawing.
        """
        code = tx.code
        line_y = y - PAD_TOP - BODY_PT
        for text, left, middle in zip(texts, lefts, centres, strict=True):
            if not text:
                continue
            if "\n" not in text:
                x = left if left is not None else _centred_x(text, font, middle)
                code.append(f"1 0 0 1 {x} {_fp(line_y)} Tm")
                code.append(tx.encoded(text))
                continue
            ly = line_y
            for line in text.split("\n"):
                x = left if left is not None else _centred_x(line, font, middle)
                code.append(f"1 0 0 1 {x} {_fp(ly)} Tm")
                code.append(tx.encoded(line))
                ly -= LEADING

    def draw(self) -> None:
        canv = self.canv
        if not canv.bottomup:  # pragma: no cover - our canvases are bottom-up
            raise RuntimeError("RowsTable draws on bottom-up canvases only")
        width, top = sum(self.widths), self.height
        canv.setFillColor(HEADER_FILL)
        canv.rect(0, top - self.header_h, width, self.header_h, stroke=0, fill=1)
        canv.setFillColor(colors.black)
        edges = np.concatenate([[0.0], np.cumsum(self.widths)])
        middles = ((edges[:-1] + edges[1:]) / 2).tolist()
        lefts = [None if c else fp_str(x + PAD) for c, x in zip(self.centred,
                                                                edges[:-1].tolist(),
                                                                strict=True)]
        everywhere: list[str | None] = [None] * len(self.widths)
        tx = CachedText(canv)
        tx.setFont(FONT_BOLD, BODY_PT)
        self._row(tx, top, self.header, everywhere, middles, FONT_BOLD)
        tx.setFont(FONT, BODY_PT)
        y = top - self.header_h
        self._row(tx, y, [f"({k})" for k in range(1, len(self.widths) + 1)], everywhere,
                  middles, FONT)
        y -= self.numbers_h
        ys = [top, top - self.header_h, y]
        for cells, h in zip(self.cells, self.heights.tolist(), strict=True):
            self._row(tx, y, cells, lefts, middles, FONT)
            y -= h
            ys.append(y)
        canv.drawText(tx)
        canv.setLineWidth(0.5)
        canv.grid(edges.tolist(), ys)


class CachedText(PDFTextObject):
    """A text object that encodes each distinct cell text once per document.

    Why: ReportLab encodes every string for the embedded font subset (``splitString``,
    ``_formatText``), about half of a list's drawing time, while most cells repeat (labels,
    villages, marks, counts). The encoding of a text depends only on the document (its
    subsets), the font, size and current subset, so it is cached on the canvas under that
    key. ``textOut`` does not move a cursor: every cell sets its own origin.
    """

    def __init__(self, canv: Canvas) -> None:
        super().__init__(canv)
        self._cache: dict[tuple[Any, ...], tuple[str, Any]] = canv.__dict__.setdefault(
            "_konray_text_codes", {})

    def _formatText(self, text: str) -> str:
        state: Any = self.__dict__  # ReportLab's attributes, untyped
        key = (text, state["_fontname"], state["_fontsize"], state["_leading"],
               state["_curSubset"])
        hit = self._cache.get(key)
        if hit is None:
            code = super()._formatText(text)
            hit = self._cache[key] = (code, state["_curSubset"])
        else:
            state["_curSubset"] = hit[1]
        return hit[0]

    def textOut(self, text: str) -> None:
        self._code.append(self._formatText(text))

    @property
    def code(self) -> list[str]:
        """The object's operators so far (ReportLab's list, appended to by ``_row``)."""
        return self._code

    def encoded(self, text: str) -> str:
        """The show-text operators of ``text`` in the current font (``_formatText``)."""
        return self._formatText(text)


@lru_cache(maxsize=65536)
def _width(text: str, font: str) -> float:
    """Drawn width of a body-size line (labels, marks and numbers repeat on every row)."""
    return float(pdfmetrics.stringWidth(text, font, BODY_PT))


@lru_cache(maxsize=65536)
def _centred_x(text: str, font: str, middle: float) -> str:
    """The x (PDF text) that centres a body-size line on ``middle``."""
    return fp_str(middle - _width(text, font) / 2)


@lru_cache(maxsize=4096)
def _fp(value: float) -> str:
    """``fp_str`` of a row's y (rows of one height repeat the same few values per page)."""
    return fp_str(value)


def _table(data: pd.DataFrame, cols: Sequence[Col], widths: list[float], lang: str,
           metrics: pd.DataFrame | None) -> RowsTable:
    header = [_lines(c.header, w - 2 * PAD, FONT_BOLD) for c, w in zip(cols, widths,
                                                                        strict=True)]
    body = []
    lines = np.ones(len(data), dtype=int)
    for c, w in zip(cols, widths, strict=True):
        values = data[c.key] if c.key in data.columns else pd.Series("", index=data.index)
        drawn = metrics[f"{c.key}~pt"] if metrics is not None and f"{c.key}~pt" in metrics \
            else None
        texts, n_lines = wrap_column(values, w - 2 * PAD, drawn)
        body.append(texts)
        lines = np.maximum(lines, n_lines)
    rows = [list(r) for r in zip(*body, strict=True)] if len(data) else []
    heights = lines * LEADING + PAD_TOP + PAD_BOTTOM
    return RowsTable(header, rows, heights.astype(float), widths, [c.center for c in cols])


def _foot(head: Heading, n_rows: int, width: float, lang: str) -> list[Any]:
    """Total, date and signature lines, then the unconfirmed rules (plain, pre-broken text)."""
    date = (t("date_line_place", lang, place=head.sign_place, year=head.year)
            if head.sign_place else t("date_line", lang, year=head.year))
    k = max(1, len(head.signatures))
    rows = [[t("total", lang, n=n_rows)] + [""] * (k - 1), [""] * (k - 1) + [date],
            [t(key, lang) for key in head.signatures] or [""], [""] * k]
    block = Table(rows, colWidths=[width / k] * k, rowHeights=[None, None, None, 22 * mm])
    block.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                               ("FONTSIZE", (0, 0), (-1, -1), BODY_PT),
                               ("LEADING", (0, 0), (-1, -1), BODY_PT * 1.22),
                               ("FONTNAME", (0, 0), (0, 0), FONT_BOLD),
                               ("FONTNAME", (0, 2), (-1, 2), FONT_BOLD),
                               ("ALIGN", (0, 1), (-1, 2), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 1), (-1, 1), 8),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    out: list[Any] = [Spacer(1, 2 * mm), KeepTogether([block])]  # date with its signatures
    if head.footnotes:
        notes = Table([[_lines(x, width)] for x in head.footnotes], colWidths=[width])
        notes.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                   ("FONTSIZE", (0, 0), (-1, -1), BODY_PT),
                                   ("LEADING", (0, 0), (-1, -1), BODY_PT * 1.22),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))
        out += [Spacer(1, 3 * mm), notes]
    return out


def list_pdf_bytes(data: pd.DataFrame, cols: Sequence[Col], head: Heading,
                   lang: str = "vi", metrics: pd.DataFrame | None = None) -> bytes:
    """The PDF of one list; same input, same bytes (ReportLab's invariant mode).

    ``metrics``: ``sheet.text_metrics`` and ``point_widths`` of these rows (sliced from the
    run's), so the text is not measured again per file.
    """
    register_fonts()
    shown = [c for c in cols if not c.hidden]
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    units = fit_widths(shown, data, metrics=metrics)  # the XLSX's, so both read alike
    scale = width / sum(units)
    widths = [u * scale for u in units]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=10 * mm, bottomMargin=13 * mm, title=head.title,
                            author="konray-review", creator="konray-review", invariant=1)
    story = [*_title(head, width, lang), _table(data, shown, widths, lang, metrics),
             *_foot(head, len(data), width, lang)]
    doc.build(story, canvasmaker=_canvas_for(lang))
    return buf.getvalue()


def write_list_pdf(data: pd.DataFrame, cols: Sequence[Col], path: str | Path, head: Heading,
                   lang: str = "vi", metrics: pd.DataFrame | None = None) -> Path:
    """Write one list's PDF atomically (temp file + rename), like every other output."""
    return files.write_bytes(path, list_pdf_bytes(data, cols, head, lang, metrics))
