"""Household lists: the right households in the right file, Vietnamese headers, CSV BOM."""

from __future__ import annotations

import pandas as pd
import pytest

from konray_review.outputs import read_manifest, write_lists
from tests.outputs.helpers import column, expected, read_list_xlsx

LIST_TYPES = ("all", "poor", "near_poor", "escaped", "newly_poor")


def _csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("list_type", LIST_TYPES)
def test_commune_xlsx_holds_exactly_that_communes_households(review, written, list_type):
    want = expected(review, list_type)
    entries = [e for e in read_manifest(written) if e.kind == "list" and e.format == "xlsx"
               and e.list_type == list_type and e.commune and e.village is None]
    assert {e.commune for e in entries} == set(review.profile.unit_names)
    for e in entries:
        top, _, data = read_list_xlsx(written / e.path)
        # the canonical id is the hidden last column; "Mã hộ" shows the short printed code
        ids = [r[column(top, "Mã hộ đầy đủ (trong cơ sở dữ liệu)")] for r in data]
        villages = {r[column(top, "Thôn, làng")] for r in data}
        mine = want[want["commune"] == e.commune]
        assert sorted(ids) == sorted(mine["household_id"])
        assert villages <= set(mine["village"])
        assert [r[0] for r in data] == list(range(1, len(data) + 1))  # STT numbered 1..n
        assert e.rows == len(data)


def test_village_csvs_partition_each_commune(review, written):
    entries = [e for e in read_manifest(written) if e.kind == "list" and e.format == "csv"
               and e.village is not None]
    for list_type in LIST_TYPES:
        want = expected(review, list_type)
        got = []
        for e in (x for x in entries if x.list_type == list_type):
            df = _csv(written / e.path)
            assert set(df["Thôn, làng"]) == {e.village}
            mine = want[(want["commune"] == e.commune) & (want["village"] == e.village)]
            assert sorted(df["Mã hộ"]) == sorted(mine["household_id"])
            got += list(df["Mã hộ"])
        assert sorted(got) == sorted(want["household_id"])  # no village file left out


def test_district_list_has_every_household_with_its_commune(review, written):
    e = next(x for x in read_manifest(written) if x.kind == "list" and x.commune is None
             and x.list_type == "all" and x.format == "csv")
    df = _csv(written / e.path)
    assert len(df) == len(review.result) == e.rows
    f = review.households.set_index("household_id")["commune"]
    assert (df["Xã, thị trấn"].to_numpy() == f.loc[df["Mã hộ"]].to_numpy()).all()


def _full_ids_xlsx(written):
    return next(x for x in read_manifest(written) if x.kind == "list_full_ids"
                and x.format == "xlsx")


def test_vietnamese_headers_and_indicator_names(review, written):
    """Every column (indicator marks included) is in the full-ID file; the posted lists
    carry the meeting's columns (tests/outputs/test_list_print.py)."""
    top, sub, _ = read_list_xlsx(written / _full_ids_xlsx(written).path)
    for h in ("STT", "Mã hộ", "Họ và tên chủ hộ", "Số CCCD/CMND của chủ hộ", "Dân tộc",
              "Hộ DTTS", "Thôn, làng", "Số nhân khẩu", "Tổng số chỉ số thiếu hụt",
              "Kết quả phân loại", "Biến động so với năm trước", "Ghi chú"):
        assert h in top
    names = [i.name.vi for i in review.standard.indicators]
    start = sub.index(names[0])
    assert sub[start:start + len(names)] == names
    assert top[start].startswith("Mức độ thiếu hụt")


def test_deprivation_marks_and_labels_match_the_classification(review, written):
    top, sub, data = read_list_xlsx(written / _full_ids_xlsx(written).path)
    res = review.result.set_index("household_id")
    id_col = column(top, "Mã hộ")
    for ind in review.standard.indicators:
        j = sub.index(ind.name.vi)
        marks = pd.Series([r[j] == "X" for r in data], index=[r[id_col] for r in data])
        assert (marks == res.loc[marks.index, f"dep_{ind.id}"].astype(bool)).all(), ind.id
    count = pd.Series([r[column(top, "Tổng số chỉ số thiếu hụt")] for r in data],
                      index=[r[id_col] for r in data])
    assert (count == res.loc[count.index, "deprivation_count"]).all()
    cats = {r[column(top, "Kết quả phân loại")] for r in data}
    assert cats <= {"Hộ nghèo", "Hộ cận nghèo", "Hộ có mức sống trung bình", "Không thuộc diện",
                    "Chưa phân loại (thiếu thông tin thu nhập)"}


def test_posted_list_names_the_deprivations_of_each_household(review, written):
    commune = review.profile.unit_names[0]
    e = next(x for x in read_manifest(written) if x.list_type == "all" and x.format == "xlsx"
             and x.commune == commune and x.village is None)
    top, _, data = read_list_xlsx(written / e.path)
    res = review.result.set_index("household_id")
    names = {f"dep_{i.id}": i.name.vi for i in review.standard.indicators}
    for r in data:
        hid = r[column(top, "Mã hộ đầy đủ (trong cơ sở dữ liệu)")]
        want = [n for col, n in names.items() if bool(res.loc[hid, col])]
        got = r[column(top, "Các chỉ số thiếu hụt")]
        assert (got.split("; ") if got else []) == want, hid
        assert r[column(top, "Số chỉ số thiếu hụt")] == res.loc[hid, "deprivation_count"]


def test_newly_poor_list_flags_re_poor(review, written):
    want = expected(review, "newly_poor")
    assert (want["transition"].astype(object) == "re_poor").any(), "fixture needs re-poor"
    e = next(x for x in read_manifest(written) if x.list_type == "newly_poor"
             and x.commune is None and x.format == "csv")
    df = _csv(written / e.path)
    re_poor = df["Biến động so với năm trước"] == "Tái nghèo"
    assert re_poor.sum() == (want["transition"].astype(object) == "re_poor").sum()
    assert df.loc[re_poor, "Ghi chú"].str.contains("Tái nghèo").all()
    assert not df.loc[~re_poor, "Ghi chú"].str.contains("Tái nghèo").any()


def test_csv_has_bom_and_reads_back_vietnamese(written):
    e = next(x for x in read_manifest(written) if x.format == "csv" and x.kind == "list")
    raw = (written / e.path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Họ và tên chủ hộ" in raw[3:].decode("utf-8").splitlines()[0]


def test_xlsx_print_setup_and_frozen_header(review, written):
    from openpyxl import load_workbook

    e = next(x for x in read_manifest(written) if x.list_type == "poor" and x.format == "xlsx"
             and x.commune is not None and x.village is None)
    ws = load_workbook(written / e.path).worksheets[0]
    assert ws.freeze_panes == "D11"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$8:$10"
    assert ws["A4"].value == f"DANH SÁCH HỘ NGHÈO SAU RÀ SOÁT NĂM {2023}"
    assert e.commune in ws["A5"].value
    assert any("CHỦ TỊCH" in str(c.value) for row in ws.iter_rows(min_row=ws.max_row - 25)
               for c in row)


def test_english_headers(review, tmp_path):
    entries = write_lists(review.households, review.result, tmp_path, standard=review.standard,
                          profile=review.profile, lang="en", levels=("district",),
                          list_types=("poor",), formats=("csv",))
    df = _csv(tmp_path / entries[0].path)
    assert {"Head of household", "Category", "Deprived: Employment"} <= set(df.columns)


def test_classified_household_missing_from_households_is_an_error(review, tmp_path):
    hh = review.households.iloc[1:]
    missing = review.households["household_id"].iloc[0]
    with pytest.raises(ValueError, match=missing):
        write_lists(hh, review.result, tmp_path, standard=review.standard,
                    profile=review.profile, levels=("district",))


def test_unknown_commune_is_an_error_naming_the_household(review, tmp_path):
    hh = review.households.copy()
    hh.loc[0, "commune"] = "Xã Không Có"
    with pytest.raises(ValueError, match=f"{hh.loc[0, 'household_id']}.*commune"):
        write_lists(hh, review.result, tmp_path, standard=review.standard,
                    profile=review.profile, levels=("district",))


def test_profile_without_district_level(review, tmp_path):
    """After the 2025 reform a profile has no district: titles name the province instead."""
    from openpyxl import load_workbook

    profile = review.profile.model_copy(update={"district": None})
    (entry,) = write_lists(review.households, review.result, tmp_path, standard=review.standard,
                           profile=profile, levels=("district",), list_types=("poor",),
                           formats=("xlsx",))
    ws = load_workbook(tmp_path / entry.path).worksheets[0]
    assert ws["A2"].value == "TỈNH KON TUM"
    assert "Huyện" not in ws["A5"].value and "Kon Tum" in ws["A5"].value


# --- ID numbers: masked on posted lists, full only in the restricted district file ----------

def _id_col(df):
    return df["Số CCCD/CMND của chủ hộ"]


def test_mask_id_keeps_only_the_last_four_characters():
    from konray_review.outputs.lists import mask_id

    got = mask_id(pd.Series(["062123451234", "1234", "12", None, ""], dtype="object"))
    assert got.tolist() == ["********1234", "****", "**", "", ""]


def test_posted_lists_show_masked_ids(review, written):
    """Commune and village lists are posted publicly: no full ID number appears in them."""
    full = review.households.set_index("household_id")["head_id_number"].astype(str)
    posted = [e for e in read_manifest(written) if e.kind == "list" and e.format == "csv"]
    assert any(e.village for e in posted) and any(e.commune for e in posted)
    checked = 0
    for e in posted:
        df = _csv(written / e.path)
        if df.empty:
            continue
        ids = _id_col(df)
        want = full.loc[df["Mã hộ"]].to_numpy()
        assert not (ids.to_numpy() == want).any(), e.path
        assert (ids.str[-4:].to_numpy() == [w[-4:] for w in want]).all(), e.path
        assert ids.str[:-4].str.fullmatch(r"\*+").all(), e.path
        checked += 1
    assert checked


def test_full_ids_only_in_one_restricted_district_file_per_format(review, written):
    restricted = [e for e in read_manifest(written) if e.kind == "list_full_ids"]
    assert sorted(e.format for e in restricted) == ["csv", "xlsx"]
    assert all(e.commune is None and e.village is None for e in restricted)
    e = next(x for x in restricted if x.format == "csv")
    df = _csv(written / e.path)
    assert len(df) == len(review.result) == e.rows
    full = review.households.set_index("household_id")["head_id_number"].astype(str)
    assert (_id_col(df).to_numpy() == full.loc[df["Mã hộ"]].to_numpy()).all()


def test_ethnic_minority_mark_uses_the_shared_definition(review, tmp_path):
    """Missing ethnicity is not counted as DTTS (schema.is_ethnic_minority)."""
    hh = review.households.copy()
    kinh = hh.index[:3]
    hh.loc[kinh[0], "head_ethnicity"] = "01"
    hh.loc[kinh[1], "head_ethnicity"] = None
    hh.loc[kinh[2], "head_ethnicity"] = "02"
    (entry,) = write_lists(hh, review.result, tmp_path, standard=review.standard,
                           profile=review.profile, levels=("district",), list_types=("all",),
                           formats=("csv",), full_ids=False)
    df = _csv(tmp_path / entry.path).set_index("Mã hộ")
    assert df.loc[hh.loc[kinh, "household_id"], "Hộ DTTS"].tolist() == ["", "", "X"]


# --- CSV formula injection -----------------------------------------------------------------

def test_formula_like_text_is_neutralised_in_csv(review, tmp_path):
    hh = review.households.copy()
    evil = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    rows = hh.index[:len(evil)]
    hh.loc[rows, "head_name"] = evil
    (entry,) = write_lists(hh, review.result, tmp_path, standard=review.standard,
                           profile=review.profile, levels=("district",), list_types=("all",),
                           formats=("csv",), full_ids=False)
    df = _csv(tmp_path / entry.path).set_index("Mã hộ")
    got = df.loc[hh.loc[rows, "household_id"], "Họ và tên chủ hộ"].tolist()
    assert got == ["'" + v for v in evil]
    # ordinary names are untouched, numbers keep their form
    plain = df.drop(index=hh.loc[rows, "household_id"])
    assert not plain["Họ và tên chủ hộ"].str.startswith("'").any()
    assert plain["STT"].str.fullmatch(r"\d+").all()


def test_neutralise_formulas_leaves_numbers_and_safe_text():
    from konray_review.outputs.lists import neutralise_formulas

    df = pd.DataFrame({"n": [-1, 2], "t": ["a-b", "=1"], "s": pd.array(["@x", None],
                                                                       dtype="string")})
    out = neutralise_formulas(df)
    assert out["n"].tolist() == [-1, 2]
    assert out["t"].tolist() == ["a-b", "'=1"]
    assert out["s"].iloc[0] == "'@x" and pd.isna(out["s"].iloc[1])
    assert df["t"].tolist() == ["a-b", "=1"] and df["s"].iloc[0] == "@x"  # input as it was


def test_formula_fixes_are_only_the_changed_columns():
    # the list workers get the frame and these instead of a neutralised copy of the frame
    from konray_review.outputs.lists import formula_fixes, neutralise_formulas

    df = pd.DataFrame({"n": [-1, 2], "plain": ["a", "b"], "t": ["x", "+1"]})
    fixes = formula_fixes(df)
    assert list(fixes) == ["t"] and fixes["t"].tolist() == ["x", "'+1"]
    pd.testing.assert_frame_equal(df.assign(**fixes), neutralise_formulas(df))
    assert formula_fixes(df[["n", "plain"]]) == {}
