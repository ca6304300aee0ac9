"""Unconfirmed rules are visible on the forms, and go away when a district confirms them.

The note texts below are written out by hand: they are what an enumerator reads.
"""

from __future__ import annotations

import yaml

from konray_review.forms.build import build_form, make_sheets
from konray_review.forms.source import default_source_dir
from konray_review.forms.xlsform import LANGUAGES
from konray_review.profile import load_profile
from konray_review.standards import b1_dir, standards_dir
from tests.forms.profiles import district_profile

VI, EN = (f"label::{lang}" for lang in LANGUAGES.values())
B1_NOTE_VI = (
    "⚠ LƯU Ý: Bảng điểm Phiếu B1 – chưa xác nhận (nguồn: TT 07/2021/TT-BLĐTBXH Phụ lục III, "
    "sửa đổi bởi TT 02/2022/TT-BLĐTBXH (nội dung và điểm số là MẪU, chưa đối chiếu)). Điểm B1 "
    "và kết quả thu nhập theo B1 chỉ để tham khảo cho đến khi huyện thay bằng văn bản chính "
    "thức.")
B1_NOTE_EN = (
    "⚠ NOTE: Phiếu B1 scoring table – unconfirmed (source: TT 07/2021/TT-BLĐTBXH Phụ lục III, "
    "sửa đổi bởi TT 02/2022/TT-BLĐTBXH (nội dung và điểm số là MẪU, chưa đối chiếu)). The B1 "
    "score and a B1-based income result are indicative only until the district replaces it "
    "with the official text.")
CUTOFF_NOTE_VI = (
    "⚠ LƯU Ý: Ngưỡng điểm Phiếu B1 (nông thôn) – xác nhận một phần, theo nguồn thứ cấp "
    "(nguồn: TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)). Kết quả thu nhập của hộ này dựa trên "
    "điểm B1 nên chưa chắc chắn.")
SIGNS_NOTE_VI = (
    "⚠ LƯU Ý: Nội dung 9 dấu hiệu của Phiếu A – chưa xác nhận (nguồn: TT 07/2021/TT-BLĐTBXH, "
    "Phụ lục II (nội dung dấu hiệu chưa đối chiếu văn bản gốc)). Hỏi theo nội dung trong văn "
    "bản chính thức nếu khác với câu hỏi dưới đây.")
VILLAGES_NOTE_EN = (
    "⚠ NOTE: Village list of the area – unconfirmed (source: Danh sách MẪU: 49 tên thôn tự "
    "đặt, chưa phải danh sách thôn của huyện). If the right village is missing, tell the "
    "district office before sending.")
B1_USED = "${income_method} = 'b1' or ${income_method} = 'both'"
B1_DECIDED = "string-length(${income_per_capita}) = 0 and string-length(${b1_score}) > 0"


def _rows(form: str, year: int, profile=None) -> dict[str, dict[str, str]]:
    book, _ = make_sheets(form, year, profile or load_profile(), default_source_dir())
    return {r["name"]: r for r in book["survey"] if r.get("name")}


def _notes(rows: dict[str, dict[str, str]]) -> list[str]:
    return [n for n in rows if n.startswith("warn_")]


def _order(rows: dict[str, dict[str, str]]) -> list[str]:
    return list(rows)


def test_b1_section_opens_with_the_placeholder_warning():
    rows = _rows("phieu_b", 2023)
    note = rows["warn_b1_b1_table"]
    assert note["type"] == "note" and note[VI] == B1_NOTE_VI and note[EN] == B1_NOTE_EN
    assert note["relevant"] == f"({B1_USED})"
    order = _order(rows)
    assert order.index("warn_b1_b1_table") < order.index("b1_household_size")
    assert rows["warn_b1_b1_cutoff_urban"]["relevant"] == f"({B1_USED}) and (${{area}} = 'urban')"


def test_summary_warns_when_b1_decided_the_income():
    rows = _rows("phieu_b", 2023)
    note = rows["warn_summary_b1_cutoff_rural"]
    assert note[VI] == CUTOFF_NOTE_VI
    assert note["relevant"] == f"({B1_DECIDED}) and (${{area}} = 'rural')"
    assert rows["warn_summary_b1_table"]["relevant"] == f"({B1_DECIDED})"
    order = _order(rows)
    assert order.index("sum_income") < order.index("warn_summary_b1_table") \
        < order.index("sum_category")


def test_phieu_a_warns_on_the_signs_and_the_result():
    rows = _rows("phieu_a", 2023)
    assert rows["warn_signs_phieu_a_signs"][VI] == SIGNS_NOTE_VI
    assert "relevant" not in rows["warn_signs_phieu_a_signs"]  # always shown
    assert rows["warn_signs_result_phieu_a_signs"][VI].endswith("Kết quả nhận diện chỉ là sơ bộ.")
    order = _order(rows)
    assert order.index("warn_signs_phieu_a_signs") < order.index("sign_a01")
    assert order.index("result_count") > order.index("warn_signs_result_phieu_a_signs")


def test_sample_villages_are_flagged_in_both_forms():
    for form in ("phieu_a", "phieu_b"):
        rows = _rows(form, 2023)
        assert rows["warn_villages_villages"][EN] == VILLAGES_NOTE_EN


def test_2027_form_has_no_b1_warning_because_it_asks_no_b1():
    assert _notes(_rows("phieu_b", 2027)) == ["warn_villages_villages"]


def _confirmed_district(tmp_path, *, cutoffs: bool):
    """A district that put its official B1 table, Phiếu A signs and villages in its profile."""
    table = yaml.safe_load((b1_dir() / "tay_nguyen.yaml").read_text(encoding="utf-8"))
    table.update(id="huyen_thu", status="confirmed", source="Quyết định của huyện (thử)",
                 name={"vi": "Bảng điểm B1 của huyện", "en": "District B1 table"})
    table["items"][0]["vi"] = "Số nhân khẩu thực tế của hộ"
    signs = yaml.safe_load((standards_dir() / "phieu_a_signs.yaml").read_text(encoding="utf-8"))
    signs.update(status="confirmed", source="Phụ lục II, bản gốc (thử)")
    villages = load_profile().villages()[["commune", "village"]]
    changes = {"b1_table": "b1.yaml", "phieu_a_signs": "signs.yaml",
               "villages_csv": "villages.csv", "villages_are_sample": False,
               "villages_source": "Danh sách thôn của UBND huyện (thử)"}
    if cutoffs:
        ok = {"source": "Quyết định của UBND tỉnh (thử)", "status": "confirmed"}
        changes["overrides"] = {"vn-2022": {"b1_cutoff": {"rural": {"value": 140, **ok},
                                                          "urban": {"value": 175, **ok}}}}
    return district_profile(tmp_path / "district", changes=changes, files={
        "b1.yaml": yaml.safe_dump(table, allow_unicode=True),
        "signs.yaml": yaml.safe_dump(signs, allow_unicode=True),
        "villages.csv": villages.to_csv(index=False)})


def test_a_district_that_confirms_its_tables_sees_the_warnings_go(tmp_path):
    profile = _confirmed_district(tmp_path, cutoffs=False)
    rows = _rows("phieu_b", 2023, profile)
    # its own table is the one asked, and only the (partial) cut-off is still flagged
    assert rows["b1_household_size"][VI] == "B1. Số nhân khẩu thực tế của hộ"
    assert _notes(rows) == ["warn_b1_b1_cutoff_rural", "warn_b1_b1_cutoff_urban",
                            "warn_summary_b1_cutoff_rural", "warn_summary_b1_cutoff_urban"]
    assert _notes(_rows("phieu_a", 2023, profile)) == []


def test_with_confirmed_cutoffs_too_no_warning_is_left(tmp_path):
    profile = _confirmed_district(tmp_path, cutoffs=True)
    assert _notes(_rows("phieu_b", 2023, profile)) == []
    b = build_form("phieu_b", 2023, profile)  # still a clean ODK Validate build
    assert "warn_" not in b.xform and "Số nhân khẩu thực tế của hộ" in b.xform
