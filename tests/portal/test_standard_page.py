"""Issue 12 item 3: the page "Chuẩn nghèo đang áp dụng". Expected rows written by hand from
konray_review/data/standards/vn-2022.yaml and the Kon Rẫy profile (not from the code)."""

from __future__ import annotations

import html
import re

from tests.portal.builders import YEAR

ROW = re.compile(r'<tr id="rule-([^"]+)" class="status-(\w+)"><td>(.*?)</td><td>(.*?)</td>'
                 r"<td>(.*?)</td><td>(.*?)</td></tr>")


def _rows(text: str) -> dict[str, tuple[str, ...]]:
    return {m[0]: tuple(html.unescape(x) for x in m[1:]) for m in ROW.findall(text)}


def test_the_standard_in_force_with_sources_and_status(clients) -> None:
    r = clients[next(k for k in clients if k not in ("admin", "district", "two"))].get(
        f"/years/{YEAR}/standard")
    assert r.status_code == 200
    assert "<h1>Chuẩn nghèo đang áp dụng 2023</h1>" in r.text
    assert "Chuẩn nghèo đa chiều giai đoạn 2022–2025 (áp dụng cả năm 2026)" in r.text
    assert "17 quy tắc chưa được xác nhận đầy đủ." in r.text
    rows = _rows(r.text)
    assert rows["income_line.rural"] == (
        "confirmed", "Chuẩn nghèo về thu nhập (nông thôn)", "1.500.000 đ/người/tháng",
        "Đã xác nhận", "NĐ 07/2021 Điều 3")
    assert rows["middle_band_upper.urban"] == (
        "confirmed", "Mức thu nhập trần của hộ có mức sống trung bình (thành thị)",
        "3.000.000 đ/người/tháng", "Đã xác nhận", "NĐ 07/2021 Điều 3")
    assert rows["b1_cutoff.rural"] == (
        "partial", "Ngưỡng điểm Phiếu B1 (nông thôn)", "140",
        "Xác nhận một phần, theo nguồn thứ cấp", "TT 07/2021/TT-BLĐTBXH (thực tiễn áp dụng)")
    assert rows["poor_min_deprivations"] == (
        "confirmed", "Số chỉ số thiếu hụt để là hộ nghèo", "3", "Đã xác nhận",
        "NĐ 07/2021 Điều 3")
    assert rows["indicator.telecom"] == (
        "unconfirmed", "Chỉ số: Sử dụng dịch vụ viễn thông", "–", "Chưa xác nhận",
        "NĐ 07/2021 Điều 3 (tên chỉ số); điều kiện chưa xác nhận")
    assert rows["villages"][0] == "unconfirmed"
    assert sum(s[0] != "confirmed" for s in rows.values()) == 17


def test_the_standard_page_in_english(clients) -> None:
    c = clients["district"]
    c.cookies.set("krv_lang", "en")
    try:
        r = c.get(f"/years/{YEAR}/standard")
    finally:
        c.cookies.delete("krv_lang")
    rows = _rows(r.text)
    assert rows["income_line.urban"] == (
        "confirmed", "Income poverty line (urban)", "2,000,000 VND/person/month", "Confirmed",
        "NĐ 07/2021 Điều 3")


def test_no_standard_page_for_a_year_without_data(clients) -> None:
    assert clients["district"].get("/years/1999/standard").status_code == 404
