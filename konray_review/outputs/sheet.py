"""One official-looking list sheet: title block, two-row header, numbered data, signatures.

Why its own module: the household lists and the quarantine list share the layout of the
Appendix VI "list after review" form (TT 07/2021/TT-BLĐTBXH as amended by TT 02/2022): the
committee and national motto on top, a centred title with the year, the place line, a
header with numbered columns, then the date and signature lines at the foot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from konray_review.outputs.spreadsheet import Block, Rows, Sheet, Style, text_style
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


#: capitals are wider than the digit that Excel's column unit counts (Times New Roman 11 pt:
#: "D", "M", "R" about 1.4 digits): a printed code such as DTR-TM1-0000237 counted as 15
#: digits was cut in LibreOffice's print; each capital counts half a character more
_CAPITALS = r"[A-ZĐ]"


def _printed_len(text: pd.Series) -> pd.Series:
    return text.str.len() + 0.5 * text.str.count(_CAPITALS)


@lru_cache(maxsize=512)
def _header_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _longest_word(text: pd.Series) -> np.ndarray:
    """Printed length of each text's longest word (split on white space, Arrow kernels)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pc.utf8_split_whitespace(pa.array(text.to_numpy(dtype=object, na_value=""),
                                              type=pa.string()))
    flat = pc.list_flatten(words)
    size = (pc.utf8_length(flat).to_numpy(zero_copy_only=False).astype(float)
            + 0.5 * pc.count_substring_regex(flat, _CAPITALS).to_numpy(zero_copy_only=False))
    best = np.zeros(len(text))
    np.maximum.at(best, pc.list_parent_indices(words).to_numpy(zero_copy_only=False), size)
    return best


def text_metrics(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per row and column: text length and longest word, computed once for a whole run.

    ``fit_widths`` then needs only a maximum over each file's rows (NumPy), instead of
    string operations on every small file: a run writes hundreds of files from one frame.
    Each distinct value is measured once (most repeat: labels, "X" marks). Columns
    ``<key>`` (characters) and ``<key>~word`` (longest word); a missing value measures 0.
    """
    out = {}
    for key in keys:
        if key not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[key])
        text = pd.Series(uniques, dtype=object).astype(str)
        length = np.append(np.ceil(_printed_len(text).to_numpy(float)), 0).astype(int)
        word = np.append(np.ceil(_longest_word(text)), 0).astype(int)
        out[key] = length[codes]  # code -1 (missing): the appended 0
        out[f"{key}~word"] = word[codes]
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


def share_out(natural: np.ndarray, floor: np.ndarray, text: np.ndarray,
              budget: float) -> np.ndarray:
    """Widths between ``floor`` and ``natural`` within ``budget``: ``1.5 + t * text`` (the
    padding, then width in proportion to the text each column carries, the sum of its
    cells' lengths), the largest ``t`` that fits, in quarter units rounded down.

    Why proportional: a column's printed lines fall as its text over its width, so the text
    of a list is spread over few lines when each column's width follows its text
    (``docs/benchmarks.md``: the demo's lists against the common level of before and a
    greedy search over the columns' line breaks). Handing a capped column's unused width
    on (a deprivation list is two lines deep at 21 units as at its cap of 40) was tried
    and left out: it counts lines at one character a unit, wider than the PDF's font, and
    took the income column from two printed lines to three.

    ``t`` is exact: the widths' sum is piecewise linear in it, so it is evaluated at every
    column's two break points (where it leaves its floor, where it reaches its natural
    width) and interpolated between.
    """
    grows = text > 0
    if not grows.any():
        return floor.astype(float)
    mass = np.where(grows, text, 0.0)
    per = np.where(grows, text, 1.0)
    breaks = np.unique(np.concatenate([(floor - 1.5) / per, (natural - 1.5) / per])[
        np.concatenate([grows, grows])].clip(min=0))
    sums = np.clip(1.5 + breaks[:, None] * mass, floor, natural).sum(axis=1)
    k = int(np.searchsorted(sums, budget, side="right"))
    if k == 0:
        return floor.astype(float)
    t = breaks[-1] if k == len(breaks) else (
        breaks[k - 1] + (breaks[k] - breaks[k - 1]) * (budget - sums[k - 1])
        / (sums[k] - sums[k - 1]))
    return np.floor(np.clip(1.5 + t * mass, floor, natural) * 4 + 1e-9) / 4


def fit_widths(cols: Sequence[Col], data: pd.DataFrame | None,
               page_width_pt: float = A4_LANDSCAPE_WIDTH_PT,
               metrics: pd.DataFrame | None = None) -> list[float]:
    """Column widths from the content, shared out in proportion to the text they carry.

    Why: LibreOffice and Excel "fit to page width" shrink the font instead (a 28-column list
    printed at 5-6 pt, issue 14). Here every column starts at what its longest value needs
    (capped at ``Col.width``) and never below its longest single word (header or data), so
    no word is broken; when the total is wider than the page, the width goes to the
    columns in proportion to the text they carry (``share_out``). Cutting the widest
    columns to one common level instead (before 4 Dec 2026) gave a note column, empty in
    most rows, as much width as the deprivation names beside it, which then wrapped to ten
    lines: seven to nine households a page.
    Hidden columns take no page width. ``metrics`` (``text_metrics`` of these rows, e.g.
    sliced from the run's) saves measuring the text again; ``data`` is then not read.
    """
    if metrics is None:
        if data is None:
            raise ValueError("fit_widths needs the rows or their text metrics")
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
        keys = [cols[i].key for i in shown]
        total = metrics[[k for k in dict.fromkeys(keys) if k in metrics.columns]].sum()
        shared = share_out(np.array([natural[i] for i in shown]),
                           np.array([floor[i] for i in shown]),
                           np.array([float(total.get(k, 0)) for k in keys]), budget)
        for i, w in zip(shown, shared, strict=True):
            widths[i] = float(w)  # share_out's quarter units
    return widths


TITLE_ROWS = 7


def _title_block(sh: Sheet, head: Heading, n: int, lang: str) -> None:
    """Rows 1 to ``TITLE_ROWS``: committee, motto, title, place, standard."""
    left = max(1, min(4, n // 2))
    right = min(n, max(left + 1, n - 7))
    bold = text_style(bold=True, align="center")
    sh.put(1, 1, t("people_committee", lang), bold)
    sh.put(2, 1, head.committee, bold)
    if right > left:  # room for the national motto on the right
        sh.put(1, right, t("nation", lang), bold)
        sh.put(2, right, t("motto", lang), bold)
    for r in (1, 2):
        sh.merge(r, 1, left)
        if right > left:
            sh.merge(r, right, n)
    sh.heights[4] = 22
    sh.put(4, 1, head.title, text_style(bold=True, size=14, align="center"))
    sh.put(5, 1, head.place, text_style(italic=True, align="center"))
    note = head.note if head.period is None else "; ".join(
        x for x in (head.note, head.period) if x)
    sh.put(6, 1, note, text_style(italic=True, align="center", wrap=True))
    for r in (4, 5, 6):
        sh.merge(r, 1, n)


HEADER = text_style(bold=True, align="center", wrap=True, border=True, fill=True)
HEADER_EMPTY = text_style(border=True, fill=True)


def _header(sh: Sheet, cols: Sequence[Col], first: int) -> int:
    """Two header rows (group over members) and a numbering row; returns the data row."""
    n = len(cols)
    i = 0
    while i < n:
        c = cols[i]
        if c.group is None:
            sh.put(first, i + 1, c.header, HEADER)
            sh.put(first + 1, i + 1, None, HEADER_EMPTY)
            sh.merge(first, i + 1, i + 1, first + 1)
            i += 1
            continue
        j = i
        while j < n and cols[j].group == c.group:
            sh.put(first + 1, j + 1, cols[j].header, HEADER)
            sh.put(first, j + 1, None, HEADER_EMPTY)
            j += 1
        sh.put(first, i + 1, c.group, HEADER)
        sh.merge(first, i + 1, j)
        i = j
    grouped = any(c.group for c in cols)
    sh.heights[first] = 30
    sh.heights[first + 1] = 75 if grouped else 30
    number = text_style(italic=True, size=9, align="center", border=True)
    for k in range(1, n + 1):
        sh.put(first + 2, k, f"({k})", number)
    return first + 3


def _footer(sh: Sheet, head: Heading, n: int, first: int, n_rows: int, lang: str,
            widths: Sequence[float] | None = None) -> None:
    sh.put(first, 1, t("total", lang, n=n_rows), text_style(bold=True))
    sh.merge(first, 1, min(n, 6))
    right = max(1, n - 7) if n > 10 else max(1, n - n // 3)
    date = (t("date_line_place", lang, place=head.sign_place, year=head.year)
            if head.sign_place else t("date_line", lang, year=head.year))
    sh.put(first + 2, right, date, text_style(italic=True, align="center"))
    sh.merge(first + 2, right, n)
    spans = _spans(n, len(head.signatures))
    signature = text_style(bold=True, align="center", wrap=True)
    for key, (a, _b) in zip(head.signatures, spans, strict=True):
        sh.put(first + 3, a, t(key, lang), signature)
    sh.heights[first + 3] = 50
    for a, b in spans:
        sh.merge(first + 3, a, b)
    # unconfirmed rules: one merged, wrapped row each, tall enough for its lines (merged
    # cells are not auto-fitted); 9 pt Times is ~4.1 pt a character on average
    line_pt = sum(width_points(w) for w in (widths or [10.0] * n))
    for k, text in enumerate(head.footnotes):
        row = first + 5 + k
        sh.put(row, 1, text, text_style(italic=k == 0, size=9, align="left", wrap=True))
        sh.merge(row, 1, n)
        lines = max(1, math.ceil(len(text) * 4.3 / max(line_pt, 1.0)))
        sh.heights[row] = 12.5 * lines + 2


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


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def excel_serial(values: pd.Series) -> pd.Series:
    """Naive datetimes as Excel serial days (what a date cell stores), NaT as blank."""
    ts = pd.to_datetime(values, errors="coerce")
    return (ts - _EXCEL_EPOCH) / pd.Timedelta(days=1)


def _data_style(c: Col) -> Style:
    return Style(align="center" if c.center else None, valign="top",
                 wrap=c.number_format is None, number_format=c.number_format)


def write_sheet(name: str, head: Heading, cols: Sequence[Col], data: pd.DataFrame | Rows,
                lang: str, *, freeze_cols: int = 3, page_breaks: Sequence[int] = (),
                fit: bool = True, metrics: pd.DataFrame | None = None) -> Sheet:
    """One list sheet: title, header, the data rows and the footer under them.

    ``data`` is a frame with the columns' keys, or ``Rows`` of the run's cells (the lists:
    the run's markup cut for this file, ``metrics`` then sliced to the same rows; dated
    columns must then hold Excel serial days already). With ``fit`` (the posted lists)
    column widths come from the content (``fit_widths``) so the sheet prints one page wide
    at full size; without it (the wide full-ID file) the ``Col.width`` values are used and
    the sheet prints across pages at full size. Data cells wrap and sit at the top of their
    row, so a long name or note grows the row instead of being cut; dated columns hold
    Excel serial days shown by their format.
    """
    n = len(cols)
    keys = [c.key for c in cols]
    if isinstance(data, pd.DataFrame):
        if metrics is None:  # of the text as read, before dates become serial days
            metrics = text_metrics(data, keys)
        dated = [c.key for c in cols if c.number_format and c.key in data.columns]
        if dated:
            data = data.assign(**{k: excel_serial(data[k]) for k in dated})
        rows = Rows.of(data.reindex(columns=keys))
    else:
        rows = data
    if metrics is None:
        metrics = text_metrics(rows.cells.frame.iloc[rows.positions], keys)
    widths = fit_widths(cols, None, metrics=metrics) if fit else [c.width for c in cols]
    first_header = TITLE_ROWS + 1
    first_data = first_header + 3
    sh = Sheet(name, widths=list(widths),
               hidden={i for i, c in enumerate(cols, start=1) if c.hidden},
               freeze=(first_data, freeze_cols + 1), print_titles=(first_header, first_data - 1),
               fit_width=fit, page_label=t("page_of", lang, page="&P", pages="&N"))
    _title_block(sh, head, n, lang)
    _header(sh, cols, first_header)
    n_rows = len(rows)
    last_data = first_data + n_rows - 1
    sh.grid = (first_data, last_data, n)
    sh.page_breaks = [first_data + k - 1 for k in page_breaks]  # new page after these rows
    _footer(sh, head, n, last_data + 1, n_rows, lang,
            [0.0 if c.hidden else w for c, w in zip(cols, widths, strict=True)])
    sh.data = Block(first_data, rows, [_data_style(c) for c in cols],
                    row_heights(cols, widths, metrics))
    return sh
