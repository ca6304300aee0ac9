"""Column widths of a printed list: the page's width goes to the text that needs it.

The answers are worked out by hand from the layout rules (one character per width unit,
1.5 units of padding, ``row_heights``' line estimate, widths in proportion to each
column's text); the cases are small enough to check on paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from konray_review.outputs.sheet import Col, fit_widths, row_heights

#: a page whose budget is 70 width units for three shown columns:
#: budget = (pt / 0.75 - 5 * 3) / 7 * 0.97  =>  pt = 0.75 * (70 * 7 / 0.97 + 15)
PAGE_70_PT = 0.75 * (70.001 * 7 / 0.97 + 15)


def _printed_lines(cols: list[Col], widths: list[float], frame: pd.DataFrame) -> int:
    from konray_review.outputs.sheet import text_metrics

    heights = row_heights(cols, widths, text_metrics(frame, [c.key for c in cols]))
    return int(np.nansum(np.round((heights - 2.0) / 13.0)) + np.isnan(heights).sum())


#: every row's deprivation list, 4 words of 9 letters (39 characters); one row's note,
#: 8 such words (79 characters); a short code
DEP = " ".join(["abcdefghi"] * 4)
NOTE = " ".join(["klmnopqrs"] * 8)
FRAME = pd.DataFrame({"code": ["X1"] * 20, "dep": [DEP] * 20, "note": [""] * 19 + [NOTE]})
COLS = [Col("code", "Mã", 10), Col("dep", "Chỉ số", 50), Col("note", "Ghi chú", 90)]
#: a budget of 60 width units (a hair over, so rounding cannot take a quarter away)
PAGE_60_PT = 0.75 * (60.001 * 7 / 0.97 + 15)


def test_width_goes_to_the_column_that_fills_every_row():
    """Floors: code 3 ("X1", the capital half a letter more, rounded up; 3 at least) + 1.5
    = 4.5; dep and note their 9-letter words + 1.5 = 10.5 (their headers, 6 and 7 letters,
    are shorter). Natural widths: code 4.5, dep 39 + 1.5 = 40.5, note 79 + 1.5 = 81.5.
    The budget leaves dep + note 55.5 units.

    In proportion to their text (dep 20 x 39 = 780 characters, note 79), dep would get
    1.5 + 52.5 x 780 / 859 = 49.2: above its natural 40.5, so it stops there and the note
    takes the rest, 15: every dep row on one line, the note's row on ceil(79 / 13.5) = 6:
    19 + 6 = 25 lines. Cut to one common level (the rule before 4 Dec 2026) both get 27.75:
    39 letters on 26.25 a line is two lines in all 20 rows, the note four: 42 lines.
    """
    widths = fit_widths(COLS, FRAME, page_width_pt=PAGE_60_PT)
    assert widths == [4.5, 40.5, 15.0]
    assert _printed_lines(COLS, widths, FRAME) == 25
    assert _printed_lines(COLS, [4.5, 27.75, 27.75], FRAME) == 42  # the old level, by hand


def test_a_column_at_its_cap_leaves_the_rest_to_the_others():
    """Dep capped at 30 (its Col.width): in proportion it would get 49.2, so it stops at
    30 and the note takes the rest, 55.5 - 30 = 25.5 units (24 a line): its row on
    ceil(79 / 24) = 4 lines, dep's 39 letters on two (28.5 a line) everywhere:
    19 x 2 + 4 = 42 lines."""
    cols = [COLS[0], Col("dep", "Chỉ số", 30), COLS[2]]
    widths = fit_widths(cols, FRAME, page_width_pt=PAGE_60_PT)
    assert widths == [4.5, 30.0, 25.5]
    assert _printed_lines(cols, widths, FRAME) == 42


def test_widths_beyond_the_padding_are_in_proportion_to_the_text():
    """a: 10 rows of 29 characters (mass 290, natural 30.5); b: 10 rows of 9 (mass 90,
    natural 10.5); both floors 4 + 1.5 (words of 4 letters). A 25-unit budget:
    3 + 380 t = 25 gives t = 0.0579, a = 1.5 + 290 t = 18.28, b = 1.5 + 90 t = 6.71; in
    quarter units (rounded down) 18.25 and 6.5, both within their floors and natural
    widths."""
    frame = pd.DataFrame({"a": ["aaaa bbbb cccc dddd eeee ffff"] * 10, "b": ["gggg hhhh"] * 10})
    cols = [Col("a", "A", 40), Col("b", "B", 40)]
    pt = 0.75 * (25.001 * 7 / 0.97 + 10)
    assert fit_widths(cols, frame, page_width_pt=pt) == [18.25, 6.5]


def test_widths_never_below_the_longest_word_nor_above_the_cap():
    rng = np.random.default_rng(7)
    words = np.array(["Việc", "làm;", "Bảo", "hiểm", "y", "tế;", "Nguồn", "nước", "sinh",
                      "hoạt;", "Phương", "tiện"])
    text = [" ".join(rng.choice(words, rng.integers(1, 30))) for _ in range(200)]
    frame = pd.DataFrame({"a": text, "b": text[::-1], "c": ["Hộ có mức sống trung bình"] * 200})
    cols = [Col("a", "A", 40), Col("b", "B", 30), Col("c", "Phân loại", 25, whole=True)]
    widths = fit_widths(cols, frame, page_width_pt=PAGE_70_PT)
    assert widths[0] >= len("Phương") + 1.5 and widths[1] >= len("Phương") + 1.5
    assert widths[0] <= 40 and widths[1] <= 30
    assert widths[2] == 25 + 1.5  # a whole column is as wide as its longest value
    assert sum(widths) <= 70


def test_everything_on_one_line_is_left_untouched():
    frame = pd.DataFrame({"a": ["ngắn"], "b": ["cũng ngắn"]})
    cols = [Col("a", "Cột A", 20), Col("b", "Cột B", 20)]
    # natural: longest value + 1.5, but never below the header's floor (5 + 1.5)
    assert fit_widths(cols, frame) == [6.5, 10.5]


def test_an_empty_list_gets_its_header_widths():
    frame = pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=object)})
    cols = [Col("a", "Các chỉ số thiếu hụt", 40), Col("b", "Ghi chú", 30)]
    # header words: "Các chỉ số thiếu hụt" wraps (20 letters, its longest word 5): floor
    # max(5, 10) + 1.5 = 11.5; "Ghi chú" is kept whole: 7 + 1.5
    assert fit_widths(cols, frame) == [11.5, 8.5]
