"""One official-looking list sheet: title block, two-row header, numbered data, signatures.

Why its own module: the household lists and the quarantine list share the layout of the
Appendix VI "list after review" form (TT 07/2021/TT-BLĐTBXH as amended by TT 02/2022): the
committee and national motto on top, a centred title with the year, the place line, a
header with numbered columns, then the date and signature lines at the foot.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from konray_review.outputs import xlsx
from konray_review.outputs.texts import t


@dataclass(frozen=True)
class Col:
    """A list column: key in the data frame, header text, width, optional group header."""

    key: str
    header: str
    width: float  # the widest it may grow to, in Excel character units
    group: str | None = None
    center: bool = False
    hidden: bool = False  # kept in the spreadsheet for look-ups, never printed
    number_format: str | None = None  # e.g. a date format: the column holds datetimes
    whole: bool = False  # not wrapped up to ``width`` (codes, category labels)


@dataclass(frozen=True)
class Heading:
    """The title block of one sheet."""

    committee: str  # e.g. "XÃ ĐĂK KÔI" (upper case, under "ỦY BAN NHÂN DÂN")
    title: str
    place: str
    note: str | None  # a line under the place line (the standard applied, or an intro)
    year: int
    signatures: Sequence[str]  # keys in texts.T, left to right
    period: str | None = None  # "Kỳ rà soát năm …; danh sách lập ngày …" under the note
    sign_place: str | None = None  # the place name that opens the date line
    footnotes: Sequence[str] = field(default_factory=tuple)  # printed under the signatures


#: printable width of A4 landscape with 0.4" side margins, in points (842 - 2 x 28.8)
A4_LANDSCAPE_WIDTH_PT = 784.0


def width_points(width: float) -> float:
    """Printed width of an Excel column ``width`` (character units of the 11 pt body font).

    Excel and LibreOffice draw a column ``w`` characters wide as ``w`` digit widths plus
    5 px padding; Times New Roman 11 pt has a 7 px digit at 96 dpi, so ``0.75 * (7w + 5)``.
    """
    return 0.75 * (7 * width + 5)


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "").astype(str)


#: capitals are wider than the digit that Excel's column unit counts (Times New Roman 11 pt:
#: "D", "M", "R" about 1.4 digits): a printed code such as DTR-TM1-0000237 counted as 15
#: digits was cut in LibreOffice's print; each capital counts half a character more
_CAPITALS = r"[A-ZĐ]"


def _printed_len(text: pd.Series) -> pd.Series:
    return text.str.len() + 0.5 * text.str.count(_CAPITALS)


@lru_cache(maxsize=512)
def _header_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def text_metrics(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per row and column: text length and longest word, computed once for a whole run.

    ``fit_widths`` then needs only a maximum over each file's rows (NumPy), instead of
    string operations on every small file: a run writes hundreds of files from one frame.
    Columns ``<key>`` (characters) and ``<key>~word`` (longest word).
    """
    out = {}
    for key in keys:
        if key not in frame.columns:
            continue
        text = _as_text(frame[key]).reset_index(drop=True)
        out[key] = np.ceil(_printed_len(text).to_numpy(float)).astype(int)
        words = _printed_len(text.str.split().explode().fillna(""))
        out[f"{key}~word"] = (np.ceil(words.groupby(level=0).max().reindex(text.index)
                                      .fillna(0).to_numpy(float)).astype(int)
                              if len(frame) else np.zeros(0, int))
    return pd.DataFrame(out, index=frame.index)


#: printed height of one wrapped line of the 11 pt body font, and the cell's padding (points)
LINE_PT = 13.0
ROW_PAD_PT = 2.0


def row_heights(cols: Sequence[Col], widths: Sequence[float],
                metrics: pd.DataFrame) -> np.ndarray:
    """Height in points of each data row that wraps (NaN for a row of one line).

    Why: LibreOffice prints a wrapped cell in a row of the default height, so the second and
    third lines of a long name or of the deprivation list printed over the next row (seen
    on an A4 print of a village list). The number of lines is estimated from the text
    length over the column width (one character per width unit: Times lower case is narrower
    than the digit the unit counts, which pays for the room word breaks waste; checked on an
    A4 print from LibreOffice 7.4).
    """
    lines = np.ones(len(metrics), dtype=np.int64)
    for c, w in zip(cols, widths, strict=True):
        if c.hidden or c.key not in metrics.columns:
            continue
        per_line = max(float(w) - 1.5, 1.0)
        lines = np.maximum(lines, np.ceil(metrics[c.key].to_numpy(float) / per_line)
                           .astype(np.int64))
    return np.where(lines > 1, LINE_PT * lines + ROW_PAD_PT, np.nan)


def fit_widths(cols: Sequence[Col], data: pd.DataFrame,
               page_width_pt: float = A4_LANDSCAPE_WIDTH_PT,
               metrics: pd.DataFrame | None = None) -> list[float]:
    """Column widths from the content, shrunk to the page width by water-filling.

    Why: LibreOffice and Excel "fit to page width" shrink the font instead (a 28-column list
    printed at 5-6 pt, issue 14). Here every column starts at what its longest value needs
    (capped at ``Col.width``) and never below its longest single word (header or data), so
    no word is broken; when the total is wider than the page, the widest columns are cut
    down first to a common level (their text wraps) until the columns fit at 100 % scale.
    Hidden columns take no page width. ``metrics`` (``text_metrics`` of these rows, e.g.
    sliced from the run's) saves measuring the text again.
    """
    if metrics is None:
        metrics = text_metrics(data, [c.key for c in cols])
    longest = metrics.max() if len(metrics) else pd.Series(dtype=float)
    natural: list[float] = []
    floor: list[float] = []
    for c in cols:
        # a short header ("Ghi chú", "Phân loại") stays on one line; longer ones wrap
        word = max(_header_word(c.header), min(len(c.header), 10), _header_word(c.group or ""),
                   int(longest.get(f"{c.key}~word", 0)), 3)
        if c.whole:  # as wide as its longest value, up to Col.width; wraps only beyond
            word = max(word, min(int(longest.get(c.key, 0)), int(c.width)))
        floor.append(min(word + 1.5, c.width + 1.5))
        natural.append(max(min(int(longest.get(c.key, 0)) + 1.5, c.width), floor[-1]))
    shown = [i for i, c in enumerate(cols) if not c.hidden]
    budget = (page_width_pt / 0.75 - 5 * len(shown)) / 7 * 0.97  # 3 % slack for rounding
    widths = list(natural)
    if sum(natural[i] for i in shown) > budget:
        nat = np.array([natural[i] for i in shown])
        low = np.array([floor[i] for i in shown])
        lo, hi = 0.0, float(nat.max())
        for _ in range(40):  # bisection on the water level: sum(max(low, min(nat, L)))
            mid = (lo + hi) / 2
            if np.maximum(low, np.minimum(nat, mid)).sum() > budget:
                hi = mid
            else:
                lo = mid
        level = np.maximum(low, np.minimum(nat, lo))
        for i, w in zip(shown, level, strict=True):
            widths[i] = math.floor(float(w) * 4) / 4
    return widths


def _row(ws: Any, n: int, items: dict[int, Any]) -> list[Any]:
    row: list[Any] = [None] * n
    for col, value in items.items():
        row[col - 1] = value
    return row


TITLE_ROWS = 7


def _title_block(ws: Any, head: Heading, n: int, lang: str) -> None:
    """Rows 1 to ``TITLE_ROWS``: committee, motto, title, place, standard."""
    left = max(1, min(4, n // 2))
    right = min(n, max(left + 1, n - 7))
    top = {1: xlsx.cell(ws, t("people_committee", lang), bold=True, align="center")}
    second = {1: xlsx.cell(ws, head.committee, bold=True, align="center")}
    if right > left:  # room for the national motto on the right
        top[right] = xlsx.cell(ws, t("nation", lang), bold=True, align="center")
        second[right] = xlsx.cell(ws, t("motto", lang), bold=True, align="center")
    ws.append(_row(ws, n, top))
    ws.append(_row(ws, n, second))
    for r in (1, 2):
        xlsx.merge(ws, r, 1, left)
        if right > left:
            xlsx.merge(ws, r, right, n)
    ws.append([])
    ws.row_dimensions[4].height = 22
    ws.append(_row(ws, n, {1: xlsx.cell(ws, head.title, bold=True, size=14, align="center")}))
    ws.append(_row(ws, n, {1: xlsx.cell(ws, head.place, italic=True, align="center")}))
    note = head.note if head.period is None else "; ".join(
        x for x in (head.note, head.period) if x)
    ws.append(_row(ws, n, {1: xlsx.cell(ws, note, italic=True, align="center",
                                        wrap=True)}))
    for r in (4, 5, 6):
        xlsx.merge(ws, r, 1, n)
    ws.append([])


def _header(ws: Any, cols: Sequence[Col], first: int) -> int:
    """Two header rows (group over members) and a numbering row; returns the data row."""
    n = len(cols)
    top: dict[int, Any] = {}
    bottom: dict[int, Any] = {}
    i = 0
    while i < n:
        c = cols[i]
        if c.group is None:
            top[i + 1] = xlsx.cell(ws, c.header, bold=True, align="center", wrap=True,
                                   border=True, fill=True)
            bottom[i + 1] = xlsx.cell(ws, None, border=True, fill=True)
            xlsx.merge(ws, first, i + 1, i + 1, first + 1)
            i += 1
            continue
        j = i
        while j < n and cols[j].group == c.group:
            bottom[j + 1] = xlsx.cell(ws, cols[j].header, bold=True, align="center", wrap=True,
                                      border=True, fill=True)
            top[j + 1] = xlsx.cell(ws, None, border=True, fill=True)
            j += 1
        top[i + 1] = xlsx.cell(ws, c.group, bold=True, align="center", wrap=True, border=True,
                               fill=True)
        xlsx.merge(ws, first, i + 1, j)
        i = j
    grouped = any(c.group for c in cols)
    ws.row_dimensions[first].height = 30
    ws.row_dimensions[first + 1].height = 75 if grouped else 30
    ws.append(_row(ws, n, top))
    ws.append(_row(ws, n, bottom))
    ws.append([xlsx.cell(ws, f"({k})", italic=True, size=9, align="center", border=True)
               for k in range(1, n + 1)])
    return first + 3


def put_cells(ws: Any, row: int, items: dict[int, Any]) -> None:
    """Write styled cells at ``row`` (below the data block, whose rows come at save)."""
    for col, c in items.items():
        target = ws.cell(row=row, column=col)
        target.value = c.value
        target._style = copy.copy(c._style)


def _footer(ws: Any, head: Heading, n: int, first: int, n_rows: int, lang: str,
            widths: Sequence[float] | None = None) -> None:
    put_cells(ws, first, {1: xlsx.cell(ws, t("total", lang, n=n_rows), bold=True)})
    xlsx.merge(ws, first, 1, min(n, 6))
    right = max(1, n - 7) if n > 10 else max(1, n - n // 3)
    date = (t("date_line_place", lang, place=head.sign_place, year=head.year)
            if head.sign_place else t("date_line", lang, year=head.year))
    put_cells(ws, first + 2, {right: xlsx.cell(ws, date, italic=True, align="center")})
    xlsx.merge(ws, first + 2, right, n)
    spans = _spans(n, len(head.signatures))
    put_cells(ws, first + 3, {a: xlsx.cell(ws, t(key, lang), bold=True, align="center", wrap=True)
                         for key, (a, _b) in zip(head.signatures, spans, strict=True)})
    ws.row_dimensions[first + 3].height = 50
    for a, b in spans:
        xlsx.merge(ws, first + 3, a, b)
    # unconfirmed rules: one merged, wrapped row each, tall enough for its lines (merged
    # cells are not auto-fitted); 9 pt Times is ~4.1 pt a character on average
    line_pt = sum(width_points(w) for w in (widths or [10.0] * n))
    for k, text in enumerate(head.footnotes):
        row = first + 5 + k
        put_cells(ws, row, {1: xlsx.cell(ws, text, italic=k == 0, size=9, align="left",
                                    wrap=True)})
        xlsx.merge(ws, row, 1, n)
        lines = max(1, math.ceil(len(text) * 4.3 / max(line_pt, 1.0)))
        ws.row_dimensions[row].height = 12.5 * lines + 2


def _spans(n: int, k: int) -> list[tuple[int, int]]:
    """``k`` column ranges for signature blocks spread across ``n`` columns."""
    if k <= 0:
        return []
    width = max(1, n // k)
    out = []
    for i in range(k):
        a = i * width + 1
        b = n if i == k - 1 else min(n, a + width - 1)
        out.append((min(a, n), b))
    return out


def write_sheet(ws: Any, head: Heading, cols: Sequence[Col], data: pd.DataFrame,
                lang: str, *, freeze_cols: int = 3, page_breaks: Sequence[int] = (),
                fit: bool = True,
                metrics: pd.DataFrame | None = None
                ) -> tuple[int, pd.DataFrame, list[int], np.ndarray]:
    """Write the title, header and footer; return the data rows' splice for ``xlsx.save``.

    With ``fit`` (the posted lists) column widths come from the content (``fit_widths``) so
    the sheet prints one page wide at full size; without it (the wide full-ID file) the
    ``Col.width`` values are used and the sheet prints across pages at full size. Data
    cells wrap and sit at the top of their row, so a long name or note grows the row
    instead of being cut.

    The data rows are left out of the openpyxl sheet (a cell object each would cost more
    than everything else): the footer is placed below where they will be, and the
    returned (first data row, data) lets ``xlsx.save`` stream their XML into that gap.
    """
    n = len(cols)
    if metrics is None:
        metrics = text_metrics(data, [c.key for c in cols])
    widths = fit_widths(cols, data, metrics=metrics) if fit else [c.width for c in cols]
    xlsx.set_widths(ws, widths)
    for i, c in enumerate(cols, start=1):
        if c.hidden:
            ws.column_dimensions[get_column_letter(i)].hidden = True
    first_header = TITLE_ROWS + 1
    first_data = first_header + 3
    ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{first_data}"
    xlsx.setup_print(ws, title_rows=f"{first_header}:{first_data - 1}",
                     page_label=t("page_of", lang, page="&P", pages="&N"),
                     fit_width=fit)
    _title_block(ws, head, n, lang)
    _header(ws, cols, first_header)
    n_rows = len(data)
    last_data = first_data + n_rows - 1
    xlsx.grid(ws, first_data, last_data, n)
    for k in page_breaks:  # data-row positions after which a new printed page starts
        ws.row_breaks.append(Break(id=first_data + k - 1))
    _footer(ws, head, n, last_data + 1, n_rows, lang,
            [0.0 if c.hidden else w for c, w in zip(cols, widths, strict=True)])
    wrap = xlsx.style_id(ws, wrap=True, valign="top")
    centred = xlsx.style_id(ws, align="center", wrap=True, valign="top")
    styles = [xlsx.style_id(ws, align="center" if c.center else None, valign="top",
                            number_format=c.number_format) if c.number_format
              else centred if c.center else wrap for c in cols]
    dated = [c.key for c in cols if c.number_format and c.key in data.columns]
    if dated:  # datetimes are stored as Excel serial days, shown by the column's format
        data = data.assign(**{k: xlsx.excel_serial(data[k]) for k in dated})
    return first_data, data, styles, row_heights(cols, widths, metrics)
