"""Read the few XLSForm settings a deploy needs (form id, title, version) from the XLSX."""

from __future__ import annotations

from pathlib import Path

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_settings(path: Path) -> dict[str, str]:
    """The ``settings`` sheet as ``{column: value}`` (empty when the sheet is absent)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if "settings" not in book.sheetnames:
            return {}
        rows = list(book["settings"].iter_rows(min_row=1, max_row=2, values_only=True))
    finally:
        book.close()
    if len(rows) < 2:
        return {}
    return {str(k).strip(): str(v).strip() for k, v in zip(rows[0], rows[1], strict=False)
            if k is not None and v is not None}
