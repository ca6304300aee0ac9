"""Quarantine lists as staff read them: no live formula, Vietnamese field names, local times.

Issue 15 found a live ``=HYPERLINK(...)`` in the "Tổng hợp" sheet, cell A2, taken from an
enumerator name. Expected values are written by hand (the time conversion: Viet Nam is
UTC+7 with no daylight saving).
"""

from __future__ import annotations

import zipfile
from datetime import datetime

import pandas as pd
from openpyxl import load_workbook

from konray_review.outputs.quarantine import write_quarantine_lists
from tests.outputs.helpers import FIRST_DATA, HEADER_ROW

EVIL = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def _one_household(review):
    q = review.quarantine.head(1).copy()
    q["enumerator"] = EVIL
    q["table"], q["column"] = "members", "age"
    raw = review.raw_households.copy()
    hid = q["household_id"].iloc[0]
    raw.loc[raw["household_id"] == hid, "submitted_at"] = pd.Timestamp(
        "2023-10-05 17:30:00", tz="UTC")
    raw.loc[raw["household_id"] == hid, "enumerator"] = EVIL
    return q, raw


def _district(entries, fmt):
    return next(e for e in entries if e.commune is None and e.format == fmt)


def test_enumerator_name_never_becomes_a_formula(review, tmp_path):
    q, raw = _one_household(review)
    entries = write_quarantine_lists(q, raw, tmp_path, profile=review.profile, year=2023)
    path = tmp_path / _district(entries, "xlsx").path
    wb = load_workbook(path)
    summary = wb["Tổng hợp"]
    assert summary["A2"].value == EVIL and summary["A2"].data_type == "s"
    assert summary["A3"].value == "Tổng cộng" and summary["C3"].value == 1
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    lst = wb.worksheets[0]
    enum_col = [c.value for c in lst[HEADER_ROW]].index("Điều tra viên") + 1
    assert lst.cell(FIRST_DATA, enum_col).value == EVIL
    assert lst.cell(FIRST_DATA, enum_col).data_type == "s"


def test_field_names_in_vietnamese_and_time_in_viet_nam(review, tmp_path):
    q, raw = _one_household(review)
    entries = write_quarantine_lists(q, raw, tmp_path, profile=review.profile, year=2023)
    ws = load_workbook(tmp_path / _district(entries, "xlsx").path).worksheets[0]
    headers = [c.value for c in ws[HEADER_ROW]]
    assert "Thời điểm nộp phiếu (giờ Việt Nam)" in headers
    when = ws.cell(FIRST_DATA, headers.index("Thời điểm nộp phiếu (giờ Việt Nam)") + 1)
    # 17:30 UTC on 5 October is 00:30 on 6 October in Viet Nam, stored as a date
    assert when.value == datetime(2023, 10, 6, 0, 30) and when.is_date
    assert "dd/mm/yyyy" in when.number_format
    assert ws.cell(FIRST_DATA, headers.index("Trường dữ liệu") + 1).value == "Nhân khẩu: Tuổi"
    csv = pd.read_csv(tmp_path / _district(entries, "csv").path, encoding="utf-8-sig",
                      dtype=str, keep_default_na=False)
    assert csv["Thời điểm nộp phiếu (giờ Việt Nam)"].tolist() == ["2023-10-06 00:30"]
    assert csv["Trường dữ liệu"].tolist() == ["Nhân khẩu: Tuổi"]
    # in the CSV the formula-like name is neutralised as before
    assert csv["Điều tra viên"].tolist() == ["'" + EVIL]


def test_unknown_field_is_printed_as_table_dot_column(review, tmp_path):
    q, raw = _one_household(review)
    q["table"], q["column"] = "households", "no_such_column"
    entries = write_quarantine_lists(q, raw, tmp_path, profile=review.profile, year=2023)
    csv = pd.read_csv(tmp_path / _district(entries, "csv").path, encoding="utf-8-sig",
                      dtype=str, keep_default_na=False)
    assert csv["Trường dữ liệu"].tolist() == ["households.no_such_column"]
