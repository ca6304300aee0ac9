"""Workbook plumbing shared by the lists and the report: styles, page setup, stable bytes.

Why stable bytes: the idempotent re-run test compares outputs byte for byte. openpyxl stamps
the save time into ``docProps/core.xml`` and every zip member, so ``save`` rewrites both
from the run's timestamp. Why data rows bypass openpyxl: a cell object costs ~50 µs, so a
100,000-household list would take minutes; openpyxl writes only the title, header and
footer, and ``save`` streams the data rows' XML (``rows_xml``) into the gap left for them.
Their grid lines come from one conditional-format rule over the data range.
"""

from __future__ import annotations

import copy
import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

FONT_NAME = "Times New Roman"
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
#: a fixed stamp when no run timestamp is given, so output stays reproducible
DEFAULT_STAMP = datetime(2000, 1, 1)


def run_stamp(run_info: Mapping[str, Any] | None) -> datetime:
    """The run's start time (naive UTC) used for file metadata; fixed when unknown."""
    value = (run_info or {}).get("started_at") or (run_info or {}).get("timestamp")
    if value is None:
        return DEFAULT_STAMP
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def cell(ws: Any, value: Any, *, bold: bool = False, italic: bool = False, size: int = 11,
         align: str | None = None, wrap: bool = False, border: bool = False,
         fill: bool = False, number_format: str | None = None) -> WriteOnlyCell:
    """A styled write-only cell (titles, headers, footers; data rows stay unstyled).

    Styles are cached per workbook: building a Font/Border per cell costs more than
    writing the cell, so the first cell of each style is styled and later ones copy it.
    """
    c = WriteOnlyCell(ws, value=value)
    key = (bold, italic, size, align, wrap, border, fill, number_format)
    cache = ws.parent.__dict__.setdefault("_konray_styles", {})
    if key in cache:
        c._style = copy.copy(cache[key])
        return c
    c.font = Font(name=FONT_NAME, bold=bold, italic=italic, size=size)
    if align or wrap:
        c.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if border:
        c.border = BORDER
    if fill:
        c.fill = HEADER_FILL
    if number_format:
        c.number_format = number_format
    cache[key] = copy.copy(c._style)
    return c


def style_id(ws: Any, *, align: str | None = None, wrap: bool = False,
             valign: str | None = None, number_format: str | None = None) -> int:
    """Index of a cell format (body font) in the workbook, for the streamed data rows."""
    c = WriteOnlyCell(ws, value=None)
    c.alignment = Alignment(horizontal=align, vertical=valign, wrap_text=wrap)
    if number_format:
        c.number_format = number_format
    return int(c.style_id)


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def excel_serial(values: pd.Series) -> pd.Series:
    """Naive datetimes as Excel serial days (what a date cell stores), NaT as blank."""
    ts = pd.to_datetime(values, errors="coerce")
    return (ts - _EXCEL_EPOCH) / pd.Timedelta(days=1)


def setup_print(ws: Any, *, title_rows: str | None, landscape: bool = True,
                page_label: str | None = None, fit_width: bool = True) -> None:
    """A4, header rows repeated on every printed page, "Trang &P/&N" in the page footer.

    ``fit_width`` keeps "fit to one page wide" as a safety net; the posted lists' widths
    are chosen (``sheet.fit_widths``) so that it never has to shrink the text.
    """
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if page_label:
        ws.oddFooter.center.text = page_label
        ws.oddFooter.center.size = 9
        ws.evenFooter.center.text = page_label
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


def set_widths(ws: Any, widths: list[float]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def grid(ws: Any, first_row: int, last_row: int, n_cols: int) -> None:
    """Thin borders on the data block via one always-true conditional format."""
    if last_row < first_row:
        return
    ref = f"A{first_row}:{get_column_letter(n_cols)}{last_row}"
    ws.conditional_formatting.add(ref, FormulaRule(formula=["TRUE"], border=BORDER,
                                                   stopIfTrue=False))


def merge(ws: Any, row: int, first_col: int, last_col: int, last_row: int | None = None) -> None:
    if last_col <= first_col and (last_row or row) == row:
        return
    ref = (f"{get_column_letter(first_col)}{row}:"
           f"{get_column_letter(last_col)}{last_row or row}")
    ws.merged_cells.add(ref)


def new_workbook(stamp: datetime, title: str) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    # unstyled data cells use font 0: make it the font of the title and header cells
    wb._fonts = IndexedList([Font(name=FONT_NAME, sz=11, family=1)])
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "konray-review"
    wb.properties.title = title
    return wb


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


_XML_TEXT = str.maketrans({**{chr(c): None for c in (*range(0, 9), 11, 12, *range(14, 32))},
                           "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _escape(value: Any) -> str:
    """XML text: & < > escaped, control characters XML cannot hold dropped."""
    return str(value).translate(_XML_TEXT)


def rows_xml(frame: pd.DataFrame, first_row: int, chunk: int = 2000,
             styles: list[int] | None = None,
             heights: np.ndarray | None = None) -> Iterator[str]:
    """Sheet XML for a block of data rows, written straight as text, ``chunk`` rows at a time.

    openpyxl builds an object per cell (~50 µs each); a 100,000-household list has millions
    of cells. Here each cell is one f-string: text as inline strings (what openpyxl's
    write-only mode writes too), numbers as ``t="n"``, empty values (None, NaN, "") no
    cell at all. Escaped texts are cached: most values repeat (labels, "X" marks).
    Measured faster than building the strings with pandas or NumPy string operations;
    yielded in chunks so a large list never sits in memory as one string. ``styles`` gives
    each column's cell format (``style_id``: wrap, alignment); ``heights`` each row's
    height in points (NaN: the default), for rows whose cells wrap.
    """
    letters = [get_column_letter(j) for j in range(1, frame.shape[1] + 1)]
    attrs = [f' s="{k}"' for k in styles] if styles else [""] * frame.shape[1]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in frame.columns]
    cols = list(zip(letters, attrs, numeric, strict=True))
    escaped: dict[Any, str] = {}
    if heights is None:
        opening = np.full(len(frame), "", dtype=object)
    else:
        h = np.asarray(heights, dtype=float)
        opening = np.where(np.isnan(h), "", np.char.add(np.char.add(
            ' ht="', np.round(np.nan_to_num(h), 1).astype(str)), '" customHeight="1"'))
    for start in range(0, len(frame), chunk):
        values = frame.iloc[start:start + chunk].astype(object).to_numpy().tolist()
        opens = opening[start:start + chunk].tolist()
        out: list[str] = []
        for i, (row, ht) in enumerate(zip(values, opens, strict=True), start=first_row + start):
            r = str(i)
            out.append(f'<row r="{r}"{ht}>')
            for (letter, attr, is_num), v in zip(cols, row, strict=True):
                if v is None or v is pd.NA or v == "" or v != v:
                    continue
                if is_num:
                    out.append(f'<c r="{letter}{r}"{attr} t="n"><v>{v}</v></c>')
                    continue
                text = escaped.get(v)
                if text is None:
                    text = escaped[v] = _escape(v)
                out.append(f'<c r="{letter}{r}"{attr} t="inlineStr"><is><t xml:space="preserve">'
                           f"{text}</t></is></c>")
            out.append("</row>")
        yield "".join(out)


def _gap(xml: bytes, first: int, n: int) -> int:
    """Byte offset where data rows ``first`` .. ``first + n - 1`` belong (before the footer)."""
    pos = xml.find(f'<row r="{first + n}"'.encode())
    if pos < 0:
        raise RuntimeError(f"footer row {first + n} not found in the sheet XML")
    return pos


def save(wb: Workbook, path: str | os.PathLike[str], stamp: datetime,
         splices: Mapping[int, tuple[Any, ...]] | None = None) -> Path:
    """Save with every timestamp set to ``stamp``, atomically (temp file + rename).

    ``splices`` maps a sheet number (1-based) to (first data row, data frame): the
    frame's rows are streamed (``rows_xml``) into the gap left for them above the footer;
    an optional third item lists each column's cell format, a fourth each row's height.
    """
    buf = io.BytesIO()
    wb.save(buf)
    sheets = {f"xl/worksheets/sheet{k}.xml": v for k, v in (splices or {}).items()
              if len(v[1])}
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = max(stamp, datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:modified\1>" + iso + rb"</dcterms:modified>",
                                     data)
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            if info.filename not in sheets:
                zout.writestr(zi, data)
                continue
            first, frame, *rest = sheets[info.filename]
            gap = _gap(data, first, len(frame))
            with zout.open(zi, "w", force_zip64=len(frame) > 200_000) as fh:
                fh.write(data[:gap])
                for part in rows_xml(frame, first, styles=rest[0] if rest else None,
                                     heights=rest[1] if len(rest) > 1 else None):
                    fh.write(part.encode("utf-8"))
                fh.write(data[gap:])
    return write_bytes(path, out.getvalue())


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write a file atomically so a killed run never leaves half a file under the real name."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, p)
    return p
