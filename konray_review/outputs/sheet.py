"""One official-looking list sheet: title block, two-row header, numbered data, signatures.

Why its own module: the household lists and the quarantine list share the layout of the
Appendix VI "list after review" form (TT 07/2021/TT-BLĐTBXH as amended by TT 02/2022): the
committee and national motto on top, a centred title with the year, the place line, a
header with numbered columns, then the date and signature lines at the foot.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    width: float
    group: str | None = None
    center: bool = False


@dataclass(frozen=True)
class Heading:
    """The title block of one sheet."""

    committee: str  # e.g. "XÃ ĐĂK KÔI" (upper case, under "ỦY BAN NHÂN DÂN")
    title: str
    place: str
    note: str | None  # a line under the place line (the standard applied, or an intro)
    year: int
    signatures: Sequence[str]  # keys in texts.T, left to right


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
    ws.append(_row(ws, n, {1: xlsx.cell(ws, head.note, italic=True, align="center",
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
    ws.row_dimensions[first].height = 30
    ws.row_dimensions[first + 1].height = 75
    ws.append(_row(ws, n, top))
    ws.append(_row(ws, n, bottom))
    ws.append([xlsx.cell(ws, f"({k})", italic=True, size=9, align="center", border=True)
               for k in range(1, n + 1)])
    return first + 3


def _put(ws: Any, row: int, items: dict[int, Any]) -> None:
    """Write styled cells at ``row`` (below the data block, whose rows come at save)."""
    for col, c in items.items():
        target = ws.cell(row=row, column=col)
        target.value = c.value
        target._style = copy.copy(c._style)


def _footer(ws: Any, head: Heading, n: int, first: int, n_rows: int, lang: str) -> None:
    _put(ws, first, {1: xlsx.cell(ws, t("total", lang, n=n_rows), bold=True)})
    xlsx.merge(ws, first, 1, min(n, 6))
    right = max(1, n - 7)
    _put(ws, first + 2, {right: xlsx.cell(ws, t("date_line", lang, year=head.year),
                                          italic=True, align="center")})
    xlsx.merge(ws, first + 2, right, n)
    spans = _spans(n, len(head.signatures))
    _put(ws, first + 3, {a: xlsx.cell(ws, t(key, lang), bold=True, align="center", wrap=True)
                         for key, (a, _b) in zip(head.signatures, spans, strict=True)})
    ws.row_dimensions[first + 3].height = 50
    for a, b in spans:
        xlsx.merge(ws, first + 3, a, b)


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
                lang: str, *, freeze_cols: int = 3,
                page_breaks: Sequence[int] = ()) -> tuple[int, pd.DataFrame]:
    """Write the title, header and footer; return the data rows' splice for ``xlsx.save``.

    The data rows are left out of the openpyxl sheet (a cell object each would cost more
    than everything else): the footer is placed below where they will be, and the
    returned (first data row, data) lets ``xlsx.save`` stream their XML into that gap.
    """
    n = len(cols)
    xlsx.set_widths(ws, [c.width for c in cols])
    first_header = TITLE_ROWS + 1
    first_data = first_header + 3
    ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{first_data}"
    xlsx.setup_print(ws, title_rows=f"{first_header}:{first_data - 1}")
    _title_block(ws, head, n, lang)
    _header(ws, cols, first_header)
    n_rows = len(data)
    last_data = first_data + n_rows - 1
    xlsx.grid(ws, first_data, last_data, n)
    for k in page_breaks:  # data-row positions after which a new printed page starts
        ws.row_breaks.append(Break(id=first_data + k - 1))
    _footer(ws, head, n, last_data + 1, n_rows, lang)
    return first_data, data
