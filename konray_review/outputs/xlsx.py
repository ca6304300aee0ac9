"""openpyxl plumbing for the district report: styles, page setup, stable bytes.

The lists are written by ``outputs.spreadsheet`` (SpreadsheetML text, hundreds of files a
run); the report is one workbook with native charts, which openpyxl draws.

Why stable bytes: the idempotent re-run test compares outputs byte for byte. openpyxl stamps
the save time into ``docProps/core.xml`` and every zip member, so ``save`` rewrites both
from the run's timestamp.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side

from konray_review.outputs.files import write_bytes
from konray_review.outputs.spreadsheet import FONT_NAME, HEADER_FILL_RGB

__all__ = ["BORDER", "FONT_NAME", "HEADER_FILL", "Alignment", "save", "setup_print"]

_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor=HEADER_FILL_RGB)


def setup_print(ws: Any, *, title_rows: str | None, landscape: bool = True) -> None:
    """A4 fitted to one page wide, header rows repeated on every printed page."""
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def save(wb: Workbook, path: str | os.PathLike[str], stamp: datetime) -> Path:
    """Save with every timestamp set to ``stamp``, atomically (temp file + rename)."""
    buf = io.BytesIO()
    wb.save(buf)
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
            zout.writestr(zi, data)
    return write_bytes(path, out.getvalue())
