"""Benchmark: one list sheet written by our SpreadsheetML writer, XlsxWriter and openpyxl.

Why it exists: ``outputs/spreadsheet.py`` writes the lists' workbooks itself instead of
through a library; this is the measurement behind that choice. The same ``Sheet`` (a
village-sized list and the largest commune list of a synthetic review, built by
``sheet.write_sheet`` exactly as a run builds it) is written ``--repeat`` times by

- ``spreadsheet``: ``spreadsheet.workbook_bytes`` (what the lists use), with the cell markup
  made afresh for each file, and with it made already (a run makes it once for all its files:
  the second is the cost of one more file in a run);
- ``xlsxwriter``: XlsxWriter 3 (``Workbook(in_memory)``, one ``write`` per data cell, the same
  merges, formats, widths, heights, panes, print set-up and conditional format);
- ``openpyxl``: openpyxl 3.1 (a ``Workbook``, one cell object per value, the same layout).

It prints the best time per file of each. Layout details (footers, page breaks) that do not
change the cost are left out of the two library versions.

    .venv/bin/python bench/xlsx_writers.py [--households 7400] [--repeat 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.publish import YEAR, review
from konray_review.outputs import spreadsheet
from konray_review.outputs.files import DEFAULT_STAMP
from konray_review.outputs.lists import classified_frame, posted_columns
from konray_review.outputs.sheet import Heading, write_sheet
from konray_review.outputs.spreadsheet import Sheet, Style, col_letter


def sheets(n: int) -> dict[str, Sheet]:
    _s, hh, result, standard, profile = review(n, 0)  # the planted defects left out
    frame = classified_frame(hh, result, standard=standard, profile=profile)
    cols = posted_columns(with_commune=False)
    head = Heading("XÃ", "DANH SÁCH (bench)", "Nơi", None, YEAR, ["sign_maker", "sign_chair"])
    commune = frame["commune"].value_counts().index[0]
    sizes = frame.groupby(["commune", "village"]).size().sort_values()
    c, village = sizes.index[len(sizes) // 2]  # a village of median size
    out = {}
    for label, mask in ((f"village ({village})", (frame["commune"] == c)
                         & (frame["village"] == village)),
                        (f"commune ({commune})", frame["commune"] == commune)):
        part = frame[mask.to_numpy()].reset_index(drop=True)
        part = part.assign(stt=np.arange(1, len(part) + 1))
        out[label] = write_sheet("Danh sách", head, cols, part, "vi")
    return out


def _values(sheet: Sheet) -> list[list[object]]:
    block = sheet.data
    assert block is not None
    rows = block.rows
    return rows.cells.frame.iloc[rows.positions][list(rows.keys)].astype(object).where(
        lambda f: f.notna(), None).to_numpy().tolist()


def with_xlsxwriter(sheet: Sheet) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": "bench", "author": "konray-review", "created": DEFAULT_STAMP})
    ws = wb.add_worksheet(sheet.name)
    formats: dict[Style, object] = {}

    def fmt(style: Style) -> object:
        if style not in formats:
            formats[style] = wb.add_format({
                "font_name": "Times New Roman", "font_size": style.size, "bold": style.bold,
                "italic": style.italic, "align": style.align or "general",
                "valign": {"center": "vcenter", "top": "top"}.get(style.valign or "", "bottom"),
                "text_wrap": style.wrap, "border": 1 if style.border else 0,
                **({"bg_color": "#DDEBF7"} if style.fill else {})})
        return formats[style]

    for i, w in enumerate(sheet.widths):
        ws.set_column(i, i, w, None, {"hidden": i + 1 in sheet.hidden})
    for r, h in sheet.heights.items():
        ws.set_row(r - 1, h)
    merged = {(r1, c1) for r1, c1, _r2, _c2 in sheet.merges}
    for r1, c1, r2, c2 in sheet.merges:
        value, style = sheet.cells.get(r1, {}).get(c1, (None, Style()))
        ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, value or "", fmt(style))
    for r, row in sheet.cells.items():
        for c, (value, style) in row.items():
            if (r, c) not in merged:
                ws.write(r - 1, c - 1, value, fmt(style))
    block = sheet.data
    assert block is not None
    styles = [fmt(s) for s in block.styles]
    for i, values in enumerate(_values(sheet), start=block.first - 1):
        for j, v in enumerate(values):
            if v is not None and v != "":
                ws.write(i, j, v, styles[j])
    ws.conditional_format(block.first - 1, 0, block.last - 1, len(sheet.widths) - 1,
                          {"type": "formula", "criteria": "TRUE",
                           "format": wb.add_format({"border": 1})})
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(0.4, 0.4, 0.5, 0.5)
    if sheet.print_titles:
        ws.repeat_rows(sheet.print_titles[0] - 1, sheet.print_titles[1] - 1)
    wb.close()
    return buf.getvalue()


def with_openpyxl(sheet: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = sheet.name
    thin = Side(style="thin")
    cache: dict[Style, tuple[object, ...]] = {}

    def apply(cell: object, style: Style) -> None:
        if style not in cache:
            cache[style] = (Font(name="Times New Roman", size=style.size, bold=style.bold,
                                 italic=style.italic),
                            Alignment(horizontal=style.align, vertical=style.valign,
                                      wrap_text=style.wrap),
                            Border(thin, thin, thin, thin) if style.border else Border(),
                            PatternFill("solid", fgColor="DDEBF7") if style.fill
                            else PatternFill())
        cell.font, cell.alignment, cell.border, cell.fill = cache[style]  # type: ignore[attr-defined]

    for i, w in enumerate(sheet.widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
        ws.column_dimensions[col_letter(i)].hidden = i in sheet.hidden
    for r, h in sheet.heights.items():
        ws.row_dimensions[r].height = h
    for r, row in sheet.cells.items():
        for c, (value, style) in row.items():
            apply(ws.cell(r, c, value), style)
    for r1, c1, r2, c2 in sheet.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    block = sheet.data
    assert block is not None
    for i, values in enumerate(_values(sheet), start=block.first):
        for j, v in enumerate(values, start=1):
            if v is not None and v != "":
                apply(ws.cell(i, j, v), block.styles[j - 1])
    if sheet.freeze:
        ws.freeze_panes = f"{col_letter(sheet.freeze[1])}{sheet.freeze[0]}"
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cold(sheet: Sheet) -> bytes:
    """Our writer with the cell markup made afresh (a run makes it once for all its files)."""
    block = sheet.data
    assert block is not None
    rows = dataclasses.replace(block.rows, cells=spreadsheet.Cells(block.rows.cells.frame))
    fresh = dataclasses.replace(sheet, data=dataclasses.replace(block, rows=rows))
    return spreadsheet.workbook_bytes([fresh], "bench", DEFAULT_STAMP)


def best(fn: Callable[[], bytes], repeat: int) -> float:
    fn()  # warm-up: imports
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=7400)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    for label, sheet in sheets(args.households).items():
        n = len(sheet.data.rows) if sheet.data else 0
        for name, fn in (
                ("spreadsheet", lambda s=sheet: cold(s)),
                ("spreadsheet, markup made", lambda s=sheet: spreadsheet.workbook_bytes(
                    [s], "bench", DEFAULT_STAMP)),
                ("xlsxwriter", lambda s=sheet: with_xlsxwriter(s)),
                ("openpyxl", lambda s=sheet: with_openpyxl(s))):
            sec = best(fn, args.repeat)
            print(f"{label:22s} {n:5d} rows  {name:25s} best {sec * 1000:7.1f} ms "
                  f"of {args.repeat}")


if __name__ == "__main__":
    main()
