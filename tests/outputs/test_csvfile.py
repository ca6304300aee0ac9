"""The lists' CSV text is what Python's csv module writes (the independent oracle)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from konray_review.outputs import csvfile
from konray_review.outputs.lists import write_csv
from konray_review.outputs.sheet import Col

TRICKY = pd.DataFrame({
    "name": ["Nguyễn, Văn A", 'Y "Bơ"', "dòng\r\nmới", "", None, "=1+1", "  lề  "],
    "n": [1, 2, 3, 4, 5, 6, 7],
    "note": [None, np.nan, "x\ny", "a\rb", "ok", "", "'quoted'"],
})


def oracle(rows: list[list[object]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def test_fields_as_csv_writer_writes_them():
    headers = ["Họ, tên", 'Số "n"', "Ghi chú"]
    got = csvfile.csv_bytes(csvfile.CsvRows.of(TRICKY), list(TRICKY.columns), headers)
    cells = [["" if v is None or v != v else v for v in row]
             for row in TRICKY.astype(object).to_numpy().tolist()]
    assert got == oracle([headers, *cells])


def test_cut_rows_and_counter():
    fields = csvfile.Fields(TRICKY)
    got = csvfile.csv_bytes(csvfile.CsvRows(fields, np.array([6, 0, 2]), counter="stt"),
                            ["stt", "name", "missing"], ["STT", "Tên", "Trống"])
    assert got == oracle([["STT", "Tên", "Trống"], [1, "  lề  ", ""], [2, "Nguyễn, Văn A", ""],
                          [3, "dòng\r\nmới", ""]])


def test_write_csv_neutralises_formulas(tmp_path):
    cols = [Col("name", "Tên", 10), Col("n", "Số", 5)]
    path = write_csv(TRICKY, cols, tmp_path / "a.csv", "vi")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Tên", "Số"] and rows[6] == ["'=1+1", "6"]
    assert len(rows) == 1 + len(TRICKY)


def test_dates_must_be_text_first():
    frame = pd.DataFrame({"at": pd.to_datetime(["2023-01-02"])})
    with pytest.raises(TypeError, match="'at'"):
        csvfile.Fields(frame).column("at")
