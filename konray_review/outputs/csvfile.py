"""The lists' CSV files: each column's field text made once per run, cut for every file.

Why not ``DataFrame.to_csv`` per file: a run writes ~300 CSVs, most of them ~130 rows, and
pandas spends ~8 ms a file taking the rows of ~30 Arrow-backed columns and formatting
them, the same households again for the village, the commune and the district. Here every
column is quoted once for the whole run with pandas string methods, a file takes its rows
(NumPy) and joins them. The text is what ``csv.writer`` (and so ``to_csv``) writes with
its defaults: a field holding a comma, a double quote or a line break is quoted, its
quotes doubled; missing values are empty; CRLF line ends; UTF-8 with a byte-order mark
(so Excel reads Vietnamese). ``tests/outputs/test_csvfile.py`` holds it to ``csv.writer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_NEEDS_QUOTES = r'[",\r\n]'


def quote(text: pd.Series) -> pd.Series:
    """CSV fields of a text column: quoted (quotes doubled) where ``csv.writer`` would."""
    risky = text.str.contains(_NEEDS_QUOTES, regex=True).to_numpy(dtype=bool, na_value=False)
    if not risky.any():
        return text
    return text.where(~risky, '"' + text.str.replace('"', '""', regex=False) + '"')


class Fields:
    """Every column of ``frame`` as CSV field text (object arrays), made on first use."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._columns: dict[str, np.ndarray] = {}

    def column(self, key: str) -> np.ndarray:
        found = self._columns.get(key)
        if found is not None:
            return found
        if key not in self.frame.columns:
            found = np.full(len(self.frame), "", dtype=object)
        else:
            values = self.frame[key]
            kind = values.dtype.kind
            if kind in "mM" or isinstance(values.dtype, pd.DatetimeTZDtype):
                raise TypeError(f"CSV column {key!r}: format dates as text before writing")
            # each distinct value quoted once; rows share its string (memory, see Cells)
            codes, uniques = pd.factorize(values)
            text = quote(pd.Series(uniques).astype(str))
            found = np.append(text.to_numpy(dtype=object, na_value=""), "")[codes]
        self._columns[key] = found
        return found


@dataclass
class CsvRows:
    """Which rows of ``fields`` a file holds, in order; ``counter`` is numbered 1, 2, …"""

    fields: Fields
    positions: np.ndarray
    counter: str | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> CsvRows:
        return cls(Fields(frame), np.arange(len(frame)))


def csv_bytes(rows: CsvRows, keys: Sequence[str], headers: Sequence[str]) -> bytes:
    """The file: a header line, then one line per row, the columns ``keys`` in order."""
    head = ",".join(quote(pd.Series(list(headers), dtype=object).astype(str)).tolist())
    lines: np.ndarray | None = None
    for key in keys:
        if key == rows.counter:
            field = np.arange(1, len(rows.positions) + 1).astype(str).astype(object)
        else:
            field = rows.fields.column(key)[rows.positions]
        lines = field if lines is None else lines + "," + field
    body = "" if lines is None or not len(lines) else "\r\n".join(lines.tolist()) + "\r\n"
    return (head + "\r\n" + body).encode("utf-8-sig")
