"""Quarantine lists: every held-back household listed, per commune, grouped by enumerator."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from konray_review.outputs import read_manifest
from tests.outputs.helpers import read_list_xlsx


def _entries(written, **kw):
    return [e for e in read_manifest(written) if e.kind == "quarantine"
            and all(getattr(e, k) == v for k, v in kw.items())]


def test_district_file_lists_every_quarantine_row(review, written):
    (e,) = _entries(written, commune=None, format="csv")
    df = pd.read_csv(written / e.path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(df) == len(review.quarantine) == e.rows
    assert sorted(df["Mã hộ"]) == sorted(review.quarantine["household_id"])
    assert set(df["Mã lỗi"]) == set(review.quarantine["rule_id"])
    assert df["Nội dung cần kiểm tra lại"].str.startswith("Kiểm tra lại: ").all()


def test_commune_files_hold_only_their_commune_sorted_by_enumerator(review, written):
    q = review.quarantine
    canon = q["commune"].map(lambda c: review.profile.canonical_unit(c) if isinstance(c, str)
                             else None)
    total = 0
    for e in _entries(written, format="xlsx"):
        if e.commune is None:
            continue
        top, _, data = read_list_xlsx(written / e.path)
        ids = [r[top.index("Mã hộ")] for r in data]
        assert sorted(ids) == sorted(q.loc[canon == e.commune, "household_id"])
        enum = [r[top.index("Điều tra viên")] for r in data]
        assert enum == sorted(enum)
        total += len(data)
    # rows whose commune is not a profile unit are in the district file only
    assert total == int(canon.notna().sum())


def test_page_break_per_enumerator_and_summary_sheet(review, written):
    e = max(_entries(written, format="xlsx"), key=lambda x: (x.commune is not None, x.rows))
    wb = load_workbook(written / e.path)
    ws, summary = wb.worksheets
    _, _, data = read_list_xlsx(written / e.path)
    enumerators = {r[1] for r in data}
    assert len(ws.row_breaks.brk) == len(enumerators) - 1
    counts = {r[0].value: r[2].value for r in summary.iter_rows(min_row=2)}
    total = counts.pop("Tổng cộng")  # the total row under the enumerators
    assert sum(counts.values()) == len(data) == total


def test_empty_quarantine_still_writes_files(review, tmp_path):
    from konray_review.outputs.quarantine import write_quarantine_lists

    empty = review.quarantine.iloc[0:0]
    entries = write_quarantine_lists(empty, review.raw_households, tmp_path,
                                     profile=review.profile, year=2023)
    assert entries and all(e.rows == 0 for e in entries)
    assert all((tmp_path / e.path).is_file() for e in entries)


def test_quarantine_csv_neutralises_formula_like_text(review, tmp_path):
    """Messages and names come from the field: a leading = + - @ must not run in Excel."""
    from konray_review.outputs.quarantine import write_quarantine_lists

    q = review.quarantine.head(3).copy()
    q["message_vi"] = ["=1+1", "@cmd", "-danger"]
    entries = write_quarantine_lists(q, review.raw_households, tmp_path, profile=review.profile)
    e = next(x for x in entries if x.commune is None and x.format == "csv")
    df = pd.read_csv(tmp_path / e.path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sorted(df["Nội dung cần kiểm tra lại"]) == sorted(["'=1+1", "'@cmd", "'-danger"])
