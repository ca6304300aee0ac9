"""The list workbooks written as SpreadsheetML text: a sheet model, its XML, the zip package.

Why not openpyxl (what the report uses) or XlsxWriter for the lists: a run writes hundreds of
small lists (the demo: 286 workbooks, most ~130 rows), and the libraries' cost is mostly per
file, their workbook, stylesheet and worksheet objects. ``bench/xlsx_writers.py`` writes one
148-row village list: XlsxWriter 20–38 ms, openpyxl ~120 ms (a cell object per value), this
module 4 ms once the run's cell markup is made (the lists had used openpyxl for everything
but the data rows: ~30 ms a file). The lists have one layout (``outputs.sheet``): a handful
of styles, a title block, a header, the data rows and a footer. So the layout is described
as data (``Sheet``: cells with a ``Style``, merges, widths, print set-up) and this module
writes the seven small XML parts of the package directly, the data rows from cell markup
made once per run for all the lists (``Cells``). Readers are the judges: the tests read
every part back with openpyxl and print the lists with LibreOffice (``tests/outputs``).

Stable bytes: every zip member and ``docProps/core.xml`` carry the run's timestamp, the
members and the styles come in a fixed order, so a re-run writes the same bytes.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from konray_review.outputs.files import write_bytes

FONT_NAME = "Times New Roman"
HEADER_FILL_RGB = "00DDEBF7"
#: characters a sheet name may not hold (Excel refuses the file)
_BAD_NAME = set("[]:*?/\\")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Style:
    """One cell format: the body font (Times New Roman) at ``size``, optionally bold/italic."""

    bold: bool = False
    italic: bool = False
    size: int = 11
    align: str | None = None  # horizontal: left, center, right
    valign: str | None = None  # vertical: top, center
    wrap: bool = False
    border: bool = False  # thin on all four sides
    fill: bool = False  # the header's light blue
    number_format: str | None = None


def text_style(*, bold: bool = False, italic: bool = False, size: int = 11,
               align: str | None = None, wrap: bool = False, border: bool = False,
               fill: bool = False) -> Style:
    """A title, header or footer cell: vertically centred whenever it is aligned or wrapped."""
    return Style(bold, italic, size, align, "center" if align or wrap else None, wrap, border,
                 fill)


@dataclass
class Block:
    """The data rows (``Rows``) from row ``first`` on, one style per column.

    ``heights`` gives each row's height in points (NaN: the default) for rows whose
    cells wrap.
    """

    first: int
    rows: Rows
    styles: Sequence[Style]
    heights: np.ndarray | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


@dataclass
class Sheet:
    """One worksheet as data: what ``sheet_xml`` writes.

    Rows and columns are 1-based like Excel's. ``print_titles`` (first, last row) repeat on
    every printed page; ``page_breaks`` are rows after which a new page starts; ``grid``
    (first row, last row, columns) draws thin borders over the data through one
    always-true conditional format instead of a border on every cell.
    """

    name: str
    cells: dict[int, dict[int, tuple[Any, Style]]] = field(default_factory=dict)
    widths: list[float] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None  # (first scrolling row, first scrolling column)
    print_titles: tuple[int, int] | None = None
    landscape: bool = True
    fit_width: bool = True
    page_label: str | None = None  # page footer, e.g. "Trang &P/&N"
    grid: tuple[int, int, int] | None = None
    page_breaks: list[int] = field(default_factory=list)
    data: Block | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 31 or _BAD_NAME & set(self.name):
            raise ValueError(f"sheet name {self.name!r}: 1 to 31 characters, none of []:*?/\\")

    def put(self, row: int, col: int, value: Any, style: Style) -> None:
        self.cells.setdefault(row, {})[col] = (value, style)

    def put_row(self, row: int, items: Mapping[int, tuple[Any, Style]]) -> None:
        for col, (value, style) in items.items():
            self.put(row, col, value, style)

    def merge(self, row: int, first_col: int, last_col: int, last_row: int | None = None) -> None:
        """Merge a range; a single cell is no merge and is skipped."""
        if last_col <= first_col and (last_row or row) == row:
            return
        self.merges.append((row, first_col, last_row or row, last_col))


@lru_cache(maxsize=256)
def col_letter(index: int) -> str:
    """Excel's column name of a 1-based index: 1 → A, 27 → AA."""
    name = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _num(value: float) -> str:
    """A number as the shortest text that reads back the same (14.0 → 14, 24.25 → 24.25)."""
    return format(float(value), ".15g")


_XML_TEXT = str.maketrans({**{chr(c): None for c in (*range(0, 9), 11, 12, *range(14, 32))},
                           "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(value: Any) -> str:
    """XML text: & < > escaped, control characters XML cannot hold dropped.

    ``Cells.column`` does the same to whole columns with pandas (``_CONTROL``, then the
    three entities); change both together.
    """
    return str(value).translate(_XML_TEXT)


def _attr(value: str) -> str:
    return escape(value).replace('"', "&quot;")


# ---------------------------------------------------------------------------------- styles

class Styles:
    """The workbook's cell formats, numbered in the order they are first asked for.

    Format 0 is the default (body font, no border): unstyled data cells use it.
    """

    def __init__(self) -> None:
        self._xf: dict[Style, int] = {Style(): 0}
        self._fonts: dict[tuple[bool, bool, int], int] = {(False, False, 11): 0}
        self._formats: dict[str, int] = {}

    def id(self, style: Style) -> int:
        found = self._xf.get(style)
        if found is None:
            found = self._xf[style] = len(self._xf)
            self._fonts.setdefault((style.bold, style.italic, style.size), len(self._fonts))
            if style.number_format:
                self._formats.setdefault(style.number_format, 164 + len(self._formats))
        return found

    def xml(self) -> str:
        fonts = "".join(
            f'<font><name val="{FONT_NAME}"/><family val="1"/>{"<b/>" if b else ""}'
            f'{"<i/>" if i else ""}<sz val="{sz}"/></font>' for b, i, sz in self._fonts)
        formats = "".join(f'<numFmt numFmtId="{k}" formatCode="{_attr(code)}"/>'
                          for code, k in self._formats.items())
        thin = '<left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>'
        xfs = "".join(self._xf_xml(s) for s in self._xf)
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            f'<numFmts count="{len(self._formats)}">{formats}</numFmts>'
            f'<fonts count="{len(self._fonts)}">{fonts}</fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill><fill><patternFill '
            f'patternType="solid"><fgColor rgb="{HEADER_FILL_RGB}"/></patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            f"<border>{thin}<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(self._xf)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            f'<dxfs count="1"><dxf><border>{thin}</border></dxf></dxfs>'
            '<tableStyles count="0"/></styleSheet>')

    def _xf_xml(self, s: Style) -> str:
        fmt = self._formats.get(s.number_format, 0) if s.number_format else 0
        attrs = (f'numFmtId="{fmt}" fontId="{self._fonts[(s.bold, s.italic, s.size)]}" '
                 f'fillId="{2 if s.fill else 0}" borderId="{1 if s.border else 0}" xfId="0"')
        if fmt:
            attrs += ' applyNumberFormat="1"'
        if s.fill:
            attrs += ' applyFill="1"'
        if s.border:
            attrs += ' applyBorder="1"'
        if (s.bold, s.italic, s.size) != (False, False, 11):
            attrs += ' applyFont="1"'
        align = "".join((f' horizontal="{s.align}"' if s.align else "",
                         f' vertical="{s.valign}"' if s.valign else "",
                         ' wrapText="1"' if s.wrap else ""))
        if not align:
            return f"<xf {attrs}/>"
        return f'<xf {attrs} applyAlignment="1"><alignment{align}/></xf>'


# ---------------------------------------------------------------------------------- sheet

def _cell_xml(ref: str, value: Any, sid: int) -> str:
    s = f' s="{sid}"' if sid else ""
    if value is None or (isinstance(value, float) and value != value):
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool | np.bool_):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | np.integer | np.floating):
        return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'
    if isinstance(value, str):
        return (f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(value)}'
                "</t></is></c>")
    raise TypeError(f"cell {ref}: cannot write a {type(value).__name__} ({value!r})")


def _rows_xml(sheet: Sheet, rows: Sequence[int], styles: Styles) -> str:
    out: list[str] = []
    for r in rows:
        ht = sheet.heights.get(r)
        out.append(f'<row r="{r}"' + (f' ht="{_num(ht)}" customHeight="1">' if ht else ">"))
        for c, (value, style) in sorted(sheet.cells.get(r, {}).items()):
            out.append(_cell_xml(f"{col_letter(c)}{r}", value, styles.id(style)))
        out.append("</row>")
    return "".join(out)


_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _is_number(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values))


class Cells:
    """The data cells of one frame as XML pieces, made once and cut for many sheets.

    Why: a run writes each household into five or more lists (village, commune, district,
    by category). Each column is escaped and wrapped in its cell markup once per run, with
    pandas string methods over the whole frame (pyarrow kernels), and a sheet only takes
    its rows (NumPy ``take``) and adds the cell references: no Python work per cell.
    Text is an inline string (what openpyxl's write-only mode writes too), numbers
    ``t="n"``; empty values (None, NaN, "") get no cell at all.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._columns: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}

    def column(self, key: str, sid: int) -> tuple[np.ndarray, np.ndarray]:
        """(empty mask, cell markup after the reference) of column ``key`` in format ``sid``."""
        found = self._columns.get((key, sid))
        if found is not None:
            return found
        attr = f' s="{sid}"' if sid else ""
        if key not in self.frame.columns:
            n = len(self.frame)
            found = (np.ones(n, dtype=bool), np.full(n, "", dtype=object))
        else:
            values = self.frame[key]
            # each distinct value wrapped once; rows share its string (memory: 100,000 rows
            # of a dozen columns would otherwise hold over a million strings per process)
            codes, uniques = pd.factorize(values)
            text = pd.Series(uniques).astype(str)
            if _is_number(values):
                tail = f'"{attr} t="n"><v>' + text + "</v></c>"
            else:
                text = (text.str.replace(_CONTROL, "", regex=True)
                        .str.replace("&", "&amp;", regex=False)
                        .str.replace("<", "&lt;", regex=False)
                        .str.replace(">", "&gt;", regex=False))
                tail = (f'"{attr} t="inlineStr"><is><t xml:space="preserve">' + text
                        + "</t></is></c>")
            empty = np.append(text.eq("").to_numpy(dtype=bool, na_value=True), True)
            shared = np.append(tail.to_numpy(dtype=object, na_value=""), "")
            found = (empty[codes], shared[codes])  # code -1 (missing): the last, empty
        self._columns[(key, sid)] = found
        return found


@dataclass
class Rows:
    """Which rows of ``cells`` a sheet shows, in order, and under which columns.

    ``counter`` names the column numbered 1, 2, … down the sheet (the lists' STT).
    """

    cells: Cells
    positions: np.ndarray
    keys: Sequence[str]
    counter: str | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Rows:
        return cls(Cells(frame), np.arange(len(frame)), list(frame.columns))

    def __len__(self) -> int:
        return len(self.positions)


def rows_xml(rows: Rows, first_row: int, styles: Sequence[int],
             heights: np.ndarray | None = None, chunk: int = 2000) -> Iterator[str]:
    """Sheet XML of the data rows from ``first_row`` on, ``chunk`` rows at a time.

    ``styles`` gives each column's cell format number; ``heights`` each row's height in
    points (NaN: the default), for rows whose cells wrap. Yielded in chunks so a
    100,000-row list never sits in memory as one string.
    """
    letters = [f'<c r="{col_letter(j)}' for j in range(1, len(rows.keys) + 1)]
    h = None if heights is None else np.round(np.asarray(heights, dtype=float), 1)
    for start in range(0, len(rows), chunk):
        pos = rows.positions[start:start + chunk]
        ref = np.arange(first_row + start, first_row + start + len(pos)).astype(str).astype(object)
        if h is None:
            out = '<row r="' + ref + '">'
        else:
            part = h[start:start + chunk]
            ht = np.where(np.isnan(part), "", ' ht="' + part.astype(str).astype(object)
                          + '" customHeight="1"')
            out = '<row r="' + ref + '"' + ht + ">"
        for open_, key, sid in zip(letters, rows.keys, styles, strict=True):
            if key == rows.counter:
                count = np.arange(start + 1, start + len(pos) + 1).astype(str).astype(object)
                attr = f' s="{sid}"' if sid else ""
                out = out + (open_ + ref + f'"{attr} t="n"><v>' + count + "</v></c>")
                continue
            empty, tail = rows.cells.column(key, sid)
            out = out + np.where(empty[pos], "", open_ + ref + tail[pos])
        yield "".join((out + "</row>").tolist())


def _pane(row: int, col: int) -> str:
    x, y = col - 1, row - 1
    if not x and not y:
        return ""
    pane = "bottomRight" if x and y else "bottomLeft" if y else "topRight"
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    selections = "".join(f'<selection pane="{p}"/>' for p in ("topRight", "bottomLeft")
                         if x and y) + f'<selection pane="{pane}" activeCell="A1" sqref="A1"/>'
    return (f'<pane{split} topLeftCell="{col_letter(col)}{row}" activePane="{pane}" '
            f'state="frozen"/>{selections}')


def _head_xml(sheet: Sheet, last_row: int, last_col: int, selected: bool) -> str:
    pr = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if sheet.fit_width else ""
    pane = _pane(*sheet.freeze) if sheet.freeze else ""
    tab = ' tabSelected="1"' if selected else ""
    hide = ' hidden="1"'
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_num(w)}" customWidth="1"'
        f'{hide if i in sheet.hidden else ""}/>' for i, w in enumerate(sheet.widths, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">{pr}'
            f'<dimension ref="A1:{col_letter(max(last_col, 1))}{max(last_row, 1)}"/>'
            f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>")


def _tail_xml(sheet: Sheet) -> str:
    parts = ["</sheetData>"]
    if sheet.merges:
        refs = "".join(f'<mergeCell ref="{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"/>'
                       for r1, c1, r2, c2 in sheet.merges)
        parts.append(f'<mergeCells count="{len(sheet.merges)}">{refs}</mergeCells>')
    if sheet.grid and sheet.grid[1] >= sheet.grid[0]:
        first, last, n = sheet.grid
        parts.append(f'<conditionalFormatting sqref="A{first}:{col_letter(n)}{last}">'
                     '<cfRule type="expression" dxfId="0" priority="1" stopIfTrue="0">'
                     "<formula>TRUE</formula></cfRule></conditionalFormatting>")
    parts.append('<printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" '
                 'top="0.5" bottom="0.5" header="0.5" footer="0.5"/>')
    fit = ' fitToWidth="1" fitToHeight="0"' if sheet.fit_width else ""
    parts.append(f'<pageSetup paperSize="9" orientation='
                 f'"{"landscape" if sheet.landscape else "portrait"}"{fit}/>')
    if sheet.page_label:
        label = escape(sheet.page_label)
        parts.append(f"<headerFooter><oddFooter>&amp;C&amp;9 {label}</oddFooter>"
                     f"<evenFooter>&amp;C{label}</evenFooter></headerFooter>")
    if sheet.page_breaks:
        brk = "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in sheet.page_breaks)
        n = len(sheet.page_breaks)
        parts.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">{brk}</rowBreaks>')
    parts.append("</worksheet>")
    return "".join(parts)


def _write_sheet(fh: Any, sheet: Sheet, styles: Styles, selected: bool) -> None:
    """Stream one worksheet part: rows above the data, the data in chunks, rows below."""
    block = sheet.data if sheet.data is not None and len(sheet.data.rows) else None
    rows = sorted(set(sheet.cells) | set(sheet.heights))
    last_row = max([*rows, block.last if block else 0])
    last_col = max([len(sheet.widths), *(max(c) for c in sheet.cells.values() if c),
                    len(block.rows.keys) if block else 0])
    if block is not None:
        overlap = [r for r in rows if block.first <= r <= block.last]
        if overlap:
            raise ValueError(f"sheet {sheet.name!r}: row {overlap[0]} is both a data row and a "
                             "title/footer row")
    fh.write(_head_xml(sheet, last_row, last_col, selected).encode())
    split = block.first if block else last_row + 1
    fh.write(_rows_xml(sheet, [r for r in rows if r < split], styles).encode())
    if block is not None:
        ids = [styles.id(s) for s in block.styles]
        for part in rows_xml(block.rows, block.first, ids, block.heights):
            fh.write(part.encode())
    fh.write(_rows_xml(sheet, [r for r in rows if r >= split], styles).encode())
    fh.write(_tail_xml(sheet).encode())


# ---------------------------------------------------------------------------------- package

def _quoted(name: str) -> str:
    """A sheet name inside a quoted reference: apostrophes doubled."""
    return escape(name).replace("'", "''")


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    names = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{k}" r:id="rId{k}"/>'
                    for k, s in enumerate(sheets, start=1))
    defined = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">'
        f"'{_quoted(s.name)}'!${s.print_titles[0]}:"
        f"${s.print_titles[1]}</definedName>"
        for k, s in enumerate(sheets) if s.print_titles)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{names}</sheets>'
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')


def _content_types(n: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                     f'ContentType="{_CT}.worksheet+xml"/>' for k in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>{sheets}'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.'
            'openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.extended-properties'
            '+xml"/></Types>')


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" '
                   f'Target="worksheets/sheet{k}.xml"/>' for k in range(1, n + 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">{rels}<Relationship Id="rId{n + 1}" '
            f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>")

_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
        'schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>konray-review</Application></Properties>")


def _core(title: str, stamp: datetime) -> str:
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    when = f'xsi:type="dcterms:W3CDTF">{iso}'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>konray-review</dc:creator><dc:title>{escape(title)}</dc:title>"
            f"<dcterms:created {when}</dcterms:created><dcterms:modified {when}"
            "</dcterms:modified></cp:coreProperties>")


def workbook_bytes(sheets: Sequence[Sheet], title: str, stamp: datetime) -> bytes:
    """The whole ``.xlsx`` file: sheets in order, the first one selected and shown."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    names = [s.name.casefold() for s in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"two sheets share a name: {[s.name for s in sheets]}")
    date_time = max(stamp, datetime(1980, 1, 1)).timetuple()[:6]
    big = sum(len(s.data.rows) for s in sheets if s.data is not None) > 200_000
    styles = Styles()
    out = io.BytesIO()

    def member(name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=date_time)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o600 << 16
        return zi

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member("[Content_Types].xml"), _content_types(len(sheets)))
        z.writestr(member("_rels/.rels"), _ROOT_RELS)
        z.writestr(member("docProps/app.xml"), _APP)
        z.writestr(member("docProps/core.xml"), _core(title, stamp))
        z.writestr(member("xl/workbook.xml"), _workbook_xml(sheets))
        z.writestr(member("xl/_rels/workbook.xml.rels"), _workbook_rels(len(sheets)))
        for k, sheet in enumerate(sheets, start=1):
            with z.open(member(f"xl/worksheets/sheet{k}.xml"), "w", force_zip64=big) as fh:
                _write_sheet(fh, sheet, styles, selected=k == 1)
        z.writestr(member("xl/styles.xml"), styles.xml())  # last: the sheets named its formats
    return out.getvalue()


def save(sheets: Sequence[Sheet], path: str | os.PathLike[str], title: str,
         stamp: datetime) -> Path:
    """Write the workbook atomically (temp file + rename)."""
    return write_bytes(path, workbook_bytes(sheets, title, stamp))
