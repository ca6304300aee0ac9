"""Readers for the written files, independent of the writer's code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

HEADER_ROW = 8  # title block is rows 1-7, headers rows 8-9, column numbers row 10
FIRST_DATA = 11


def read_list_xlsx(path: Path) -> tuple[list, list, list[list]]:
    """(header row 8, header row 9, data rows) of a list sheet; data rows have an int STT."""
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    top, sub = rows[HEADER_ROW - 1], rows[HEADER_ROW]
    data = [r for r in rows[FIRST_DATA - 1:] if r and isinstance(r[0], int)]
    return top, sub, data


def column(top: list, name: str) -> int:
    return top.index(name)


def expected(review, list_type: str) -> pd.DataFrame:
    """Households of one list type, computed straight from the classifier output."""
    f = review.result.merge(review.households[["household_id", "commune", "village"]],
                            on="household_id")
    cat = f["category"].astype(object)
    tr = f["transition"].astype(object)
    mask = {"all": pd.Series(True, index=f.index), "poor": cat == "poor",
            "near_poor": cat == "near_poor",
            "escaped": tr.isin(["escaped_poverty", "escaped_near_poverty"]),
            "newly_poor": tr.isin(["newly_poor", "re_poor"])}[list_type]
    return f[mask.fillna(False).astype(bool)]
