"""``unconfirmed_rules``: the one list of rules people are told are not confirmed.

The expected rows are written out by hand from the standard YAML, the B1 table, the Phiếu A
signs and the Kon Rẫy profile (not from the function), so a status or source that changes in
the data, or a rule the function stops listing, fails here.
"""

from __future__ import annotations

import pytest

from konray_review.profile import load_profile
from konray_review.standards import STATUS_LABELS, standard_for_year, unconfirmed_rules

SIGNS_SOURCE = "TT 07/2021/TT-BLĐTBXH, Phụ lục II (nội dung dấu hiệu chưa đối chiếu văn bản gốc)"
B1_SOURCE = ("TT 07/2021/TT-BLĐTBXH Phụ lục III, sửa đổi bởi TT 02/2022/TT-BLĐTBXH "
             "(nội dung và điểm số là MẪU, chưa đối chiếu)")
VILLAGES_SOURCE = "Danh sách MẪU: 49 tên thôn tự đặt, chưa phải danh sách thôn của huyện"
ND07 = "NĐ 07/2021 Điều 3"

#: (id, Vietnamese name, English name, value, status, source), in the function's order
EXPECTED_2023 = [
    ("b1_cutoff.rural", "Ngưỡng điểm Phiếu B1 (nông thôn)", "Phiếu B1 score cut-off (rural)",
     "140", "partial", "TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)"),
    ("b1_cutoff.urban", "Ngưỡng điểm Phiếu B1 (thành thị)", "Phiếu B1 score cut-off (urban)",
     "175", "partial", "TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)"),
    ("indicator.employment", "Chỉ số: Việc làm", "Indicator: Employment", "", "partial",
     "NĐ 07/2021 Điều 3 khoản 2; điều kiện chi tiết theo TT 07/2021"),
    ("indicator.dependants", "Chỉ số: Người phụ thuộc trong hộ gia đình",
     "Indicator: Dependants", "child_under=16, elderly_from=60, ratio_above=0.5", "partial",
     "NĐ 07/2021 Điều 3; danh sách người phụ thuộc chưa xác nhận"),
    ("indicator.nutrition", "Chỉ số: Dinh dưỡng", "Indicator: Nutrition", "child_under=16",
     "partial", ND07),
    ("indicator.health_insurance", "Chỉ số: Bảo hiểm y tế", "Indicator: Health insurance",
     "min_age=6", "partial", ND07),
    ("indicator.adult_education", "Chỉ số: Trình độ giáo dục của người lớn",
     "Indicator: Adult education", "", "partial", ND07),
    ("indicator.child_schooling", "Chỉ số: Tình trạng đi học của trẻ em",
     "Indicator: Child school attendance", "min_age=3, max_age=15", "partial", ND07),
    ("indicator.housing_quality", "Chỉ số: Chất lượng nhà ở", "Indicator: Housing quality",
     "min_non_durable=2", "partial", ND07),
    ("indicator.housing_area", "Chỉ số: Diện tích nhà ở bình quân đầu người",
     "Indicator: Living area per person", "min_m2_per_person=8", "partial",
     "NĐ 07/2021 Điều 3 (dưới 8 m²; < hay ≤ chưa xác nhận, dùng <)"),
    ("indicator.water", "Chỉ số: Nguồn nước sinh hoạt", "Indicator: Domestic water", "",
     "partial", ND07),
    ("indicator.sanitation", "Chỉ số: Nhà tiêu hợp vệ sinh", "Indicator: Hygienic latrine", "",
     "partial", ND07),
    ("indicator.telecom", "Chỉ số: Sử dụng dịch vụ viễn thông", "Indicator: Telecom services",
     "", "unconfirmed", "NĐ 07/2021 Điều 3 (tên chỉ số); điều kiện chưa xác nhận"),
    ("indicator.information_devices", "Chỉ số: Phương tiện phục vụ tiếp cận thông tin",
     "Indicator: Information devices", "", "unconfirmed",
     "NĐ 07/2021 Điều 3 (tên chỉ số); danh sách phương tiện chưa xác nhận"),
    ("phieu_a_signs", "Nội dung 9 dấu hiệu của Phiếu A", "Wording of the 9 Phiếu A signs", "9",
     "unconfirmed", SIGNS_SOURCE),
    ("b1_table", "Bảng điểm Phiếu B1", "Phiếu B1 scoring table", "tay_nguyen", "unconfirmed",
     B1_SOURCE),
    ("villages", "Danh sách thôn của địa bàn", "Village list of the area",
     "villages.sample.csv", "unconfirmed", VILLAGES_SOURCE),
]


def _rows(year: int, profile=None) -> list[tuple[str, str, str, str, str, str]]:
    return [(r.id, r.name.vi, r.name.en, r.value, r.status, r.source)
            for r in unconfirmed_rules(standard_for_year(year, profile), profile)]


def test_2023_kon_ray_rules_as_written_by_hand():
    assert _rows(2023, load_profile()) == EXPECTED_2023


def test_2027_lists_the_unpublished_cutoffs_and_no_b1_table():
    """NĐ 351/2025 publishes no B1 cut-off or middle band; the B1 table then decides
    nothing, so it is not listed; the 4-of-9 screening rule is carried over, unconfirmed."""
    rows = _rows(2027, load_profile())
    head = [r[:5] for r in rows[:5]]
    assert head == [
        ("middle_band_upper.rural", "Mức thu nhập trần của hộ có mức sống trung bình "
         "(nông thôn)", "Income ceiling of the middle living standard (rural)", "",
         "unconfirmed"),
        ("middle_band_upper.urban", "Mức thu nhập trần của hộ có mức sống trung bình "
         "(thành thị)", "Income ceiling of the middle living standard (urban)", "",
         "unconfirmed"),
        ("b1_cutoff.rural", "Ngưỡng điểm Phiếu B1 (nông thôn)", "Phiếu B1 score cut-off (rural)",
         "", "unconfirmed"),
        ("b1_cutoff.urban", "Ngưỡng điểm Phiếu B1 (thành thị)", "Phiếu B1 score cut-off (urban)",
         "", "unconfirmed"),
        ("screening.screen_out_at", "Số dấu hiệu Phiếu A để loại khỏi rà soát",
         "Phiếu A signs that screen a household out", "4", "unconfirmed"),
    ]
    assert rows[2][5] == "chưa công bố"
    ids = [r[0] for r in rows]
    assert "b1_table" not in ids and "indicator.information_devices" not in ids
    assert ids[-3:] == ["indicator.waste", "phieu_a_signs", "villages"]


def test_without_a_profile_only_the_standard_and_its_signs():
    """The national standard names no B1 region (the profile does): no table, no villages."""
    ids = [r[0] for r in _rows(2023)]
    assert ids[-1] == "phieu_a_signs" and not {"villages", "b1_table"} & set(ids)


def test_status_words_shown_to_people():
    assert {k: (v.vi, v.en) for k, v in STATUS_LABELS.items()} == {
        "confirmed": ("Đã xác nhận", "Confirmed"),
        "partial": ("Xác nhận một phần, theo nguồn thứ cấp",
                    "Partly confirmed, from a secondary source"),
        "unconfirmed": ("Chưa xác nhận", "Unconfirmed"),
    }


@pytest.mark.parametrize("year", [2023, 2027])
def test_a_confirmed_override_leaves_the_list(year, tmp_path):
    from tests.forms.profiles import district_profile

    sid = standard_for_year(year).id
    confirmed = {"value": 150, "source": "Quyết định của UBND tỉnh (thử)", "status": "confirmed"}
    profile = district_profile(tmp_path / "p", changes={"overrides": {sid: {"b1_cutoff": {
        "rural": confirmed, "urban": {**confirmed, "value": 180}}}}})
    ids = [r[0] for r in _rows(year, profile)]
    assert "b1_cutoff.rural" not in ids and "b1_cutoff.urban" not in ids
    assert "b1_table" in ids  # the cut-offs now make the (placeholder) table count
