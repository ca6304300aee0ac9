"""The list workbooks read back exactly (openpyxl as the independent reader)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from konray_review.outputs import spreadsheet
from konray_review.outputs.files import DEFAULT_STAMP
from konray_review.outputs.sheet import Col, Heading, write_sheet
from konray_review.outputs.spreadsheet import Block, Rows, Sheet, Style, text_style

HEAD = Heading("XÃ A", "TIÊU ĐỀ", "Nơi", None, 2023, ["sign_maker"])


def test_data_rows_round_trip(tmp_path):
    df = pd.DataFrame({"n": [1, 2, 3], "x": [0.5, np.nan, 2.25],
                       "s": ["Nguyễn & <Thị> \"A\"", "", None],
                       "ctl": ["a\x01b", "  lề  ", "Đăk Tơ Lung"]})
    cols = [Col(c, c, 8) for c in df.columns]
    sheet = write_sheet("a", HEAD, cols, df, "vi")
    path = spreadsheet.save([sheet], tmp_path / "f.xlsx", "t", DEFAULT_STAMP)
    ws = load_workbook(path).active
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=11, max_row=13)]
    assert got == [[1, 0.5, "Nguyễn & <Thị> \"A\"", "ab"],
                   [2, None, None, "  lề  "],
                   [3, 2.25, None, "Đăk Tơ Lung"]]
    assert ws["A14"].value == "Tổng cộng: 3 hộ"  # the footer follows the data rows
    assert ws["C11"].font.name == "Times New Roman"
    assert ws["C11"].alignment.wrap_text and ws["C11"].alignment.vertical == "top"


def test_layout_reads_back(tmp_path):
    """Styles, merges, widths, heights, panes and print set-up as a reader sees them."""
    sheet = Sheet("Danh sách 'A'", widths=[10, 22.25, 8], hidden={3}, freeze=(3, 2),
                  print_titles=(2, 2), page_label="Trang &P/&N", grid=(3, 4, 3),
                  page_breaks=[3], data=Block(3, Rows.of(pd.DataFrame({"a": ["x", "y"], "b": [1, 2],
                                                                       "c": ["k", None]})),
                                              [Style(valign="top", wrap=True)] * 3))
    sheet.put(1, 1, "TIÊU ĐỀ", text_style(bold=True, size=14, align="center"))
    sheet.merge(1, 1, 3)
    sheet.put(2, 2, "Cột", text_style(bold=True, border=True, fill=True, align="center"))
    sheet.heights[1] = 22
    sheet.put(5, 1, 7, text_style(italic=True))
    path = spreadsheet.save([sheet], tmp_path / "f.xlsx", "Tiêu đề", DEFAULT_STAMP)
    wb = load_workbook(path)
    ws = wb.active
    assert wb.sheetnames == ["Danh sách 'A'"] and wb.properties.title == "Tiêu đề"
    assert wb.properties.created == DEFAULT_STAMP
    assert ws["A1"].font.b and ws["A1"].font.sz == 14 and ws["A1"].alignment.horizontal == "center"
    assert ws["B2"].fill.fgColor.rgb == "00DDEBF7" and ws["B2"].border.left.style == "thin"
    assert [str(m) for m in ws.merged_cells.ranges] == ["A1:C1"]
    assert ws.column_dimensions["B"].width == 22.25 and ws.column_dimensions["C"].hidden
    assert ws.row_dimensions[1].height == 22
    assert ws.freeze_panes == "B3" and ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.oddFooter.center.text == "Trang &P/&N" and ws.oddFooter.center.size == 9
    assert [b.id for b in ws.row_breaks.brk] == [3]
    assert [str(r.sqref) for r in ws.conditional_formatting] == ["A3:C4"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_row=5)] == [
        ["x", 1, "k"], ["y", 2, None], [7, None, None]]


def test_same_input_same_bytes(tmp_path):
    def one(name):
        sheet = write_sheet("a", HEAD, [Col("s", "s", 8)], pd.DataFrame({"s": ["b", "a"]}), "vi")
        return spreadsheet.save([sheet], tmp_path / name, "t", DEFAULT_STAMP).read_bytes()
    assert one("1.xlsx") == one("2.xlsx")
    with zipfile.ZipFile(tmp_path / "1.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("name", ["", "a" * 32, "Thôn 1/2", "x[1]", "a:b"])
def test_sheet_name_excel_refuses_is_an_error(name):
    with pytest.raises(ValueError, match="sheet name"):
        Sheet(name)


def test_duplicate_sheet_names_and_unknown_values_are_errors(tmp_path):
    with pytest.raises(ValueError, match="share a name"):
        spreadsheet.workbook_bytes([Sheet("A"), Sheet("a")], "t", DEFAULT_STAMP)
    sheet = Sheet("A")
    sheet.put(1, 2, object(), Style())
    with pytest.raises(TypeError, match="cell B1"):
        spreadsheet.workbook_bytes([sheet], "t", DEFAULT_STAMP)
    clash = Sheet("A", data=Block(1, Rows.of(pd.DataFrame({"a": [1, 2]})), [Style()]))
    clash.put(2, 1, "footer", Style())
    with pytest.raises(ValueError, match="row 2 is both"):
        spreadsheet.workbook_bytes([clash], "t", DEFAULT_STAMP)


def test_run_cells_cut_for_a_file_match_the_file_written_from_its_rows(tmp_path):
    """The lists cut the run's cell markup per file: same bytes as from the file's own rows."""
    run = pd.DataFrame({"code": ["A-1", "B-2", "C-3", "D-4"], "n": [3, 0, 7, 1],
                        "note": ["x & y", None, "", "<z>"]})
    cols = [Col("stt", "STT", 4, center=True), Col("code", "Mã", 8), Col("n", "Số", 4),
            Col("note", "Ghi chú", 10)]
    positions = np.array([3, 1, 2])
    part = run.iloc[positions].assign(stt=np.arange(1, 4))
    from_rows = write_sheet("a", HEAD, cols, part, "vi")
    cut = Rows(spreadsheet.Cells(run), positions, [c.key for c in cols], counter="stt")
    from_cells = write_sheet("a", HEAD, cols, cut, "vi")
    a = spreadsheet.workbook_bytes([from_rows], "t", DEFAULT_STAMP)
    b = spreadsheet.workbook_bytes([from_cells], "t", DEFAULT_STAMP)
    assert a == b
    ws = load_workbook(io.BytesIO(b)).active
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=11, max_row=13)] == [
        [1, "D-4", 1, "<z>"], [2, "B-2", 0, None], [3, "C-3", 7, None]]
