"""The spliced data rows read back exactly: text escaped, numbers numeric, blanks empty."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from konray_review.outputs import xlsx
from konray_review.outputs.sheet import Col, Heading, write_sheet


def test_data_rows_round_trip(tmp_path):
    df = pd.DataFrame({"n": [1, 2, 3], "x": [0.5, np.nan, 2.25],
                       "s": ["Nguyễn & <Thị> \"A\"", "", None],
                       "ctl": ["a\x01b", "  lề  ", "Đăk Tơ Lung"]})
    wb = xlsx.new_workbook(xlsx.DEFAULT_STAMP, "t")
    ws = wb.create_sheet("a")
    cols = [Col(c, c, 8) for c in df.columns]
    splice = write_sheet(ws, Heading("XÃ A", "TIÊU ĐỀ", "Nơi", None, 2023, ["sign_maker"]),
                         cols, df, "vi")
    path = xlsx.save(wb, tmp_path / "f.xlsx", xlsx.DEFAULT_STAMP, {1: splice})
    sheet = load_workbook(path).active
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=11, max_row=13)]
    assert got == [[1, 0.5, "Nguyễn & <Thị> \"A\"", "ab"],
                   [2, None, None, "  lề  "],
                   [3, 2.25, None, "Đăk Tơ Lung"]]
    assert sheet["A14"].value == "Tổng cộng: 3 hộ"  # the footer follows the data rows
    assert sheet["C11"].font.name == xlsx.FONT_NAME
