"""User-facing words of the outputs, Vietnamese first, English second.

Kept in one place so a district can read (and correct) every heading the lists and the
report print. Code labels come from ``schema.label`` and indicator names from the standard;
only the wording of the documents themselves lives here.
"""

from __future__ import annotations

from typing import Any

T: dict[str, dict[str, str]] = {
    # column headers of the household lists
    "stt": {"vi": "STT", "en": "No."},
    "household_id": {"vi": "Mã hộ", "en": "Household ID"},
    "head_name": {"vi": "Họ và tên chủ hộ", "en": "Head of household"},
    "head_id_number": {"vi": "Số CCCD/CMND của chủ hộ", "en": "Head's ID number"},
    "ethnicity": {"vi": "Dân tộc", "en": "Ethnicity"},
    "dtts": {"vi": "Hộ DTTS", "en": "Ethnic minority"},
    "commune": {"vi": "Xã, thị trấn", "en": "Commune"},
    "village": {"vi": "Thôn, làng", "en": "Village"},
    "area": {"vi": "Khu vực", "en": "Area"},
    "member_count": {"vi": "Số nhân khẩu", "en": "Members"},
    "income_test": {"vi": "Thu nhập so với chuẩn nghèo", "en": "Income test"},
    "deprivations": {"vi": "Mức độ thiếu hụt dịch vụ xã hội cơ bản (X: thiếu hụt)",
                     "en": "Deprivation of basic social services (X: deprived)"},
    "deprivation_count": {"vi": "Tổng số chỉ số thiếu hụt", "en": "Number of deprivations"},
    "category": {"vi": "Kết quả phân loại", "en": "Category"},
    "previous_category": {"vi": "Phân loại năm trước", "en": "Previous category"},
    "transition": {"vi": "Biến động so với năm trước", "en": "Change since last year"},
    "note": {"vi": "Ghi chú", "en": "Notes"},
    "enumerator": {"vi": "Điều tra viên", "en": "Enumerator"},
    "rule_id": {"vi": "Mã lỗi", "en": "Rule"},
    "field": {"vi": "Trường dữ liệu", "en": "Field"},
    "message": {"vi": "Nội dung cần kiểm tra lại", "en": "What to check"},
    "value": {"vi": "Giá trị đã nhập", "en": "Value entered"},
    "submitted_at": {"vi": "Ngày gửi phiếu", "en": "Submitted"},
    "instance_id": {"vi": "Mã phiếu", "en": "Submission ID"},
    "households": {"vi": "Số hộ", "en": "Households"},
    "issues": {"vi": "Số lỗi", "en": "Issues"},
    # the posted (printed) lists: fewer columns, readable codes (issue 14)
    "household_code": {"vi": "Mã hộ", "en": "Household code"},
    "household_id_full": {"vi": "Mã hộ đầy đủ (trong cơ sở dữ liệu)",
                          "en": "Full household ID (in the database)"},
    "income_short": {"vi": "Thu nhập / điểm B1 so với chuẩn", "en": "Income / B1 score test"},
    "deprivation_count_short": {"vi": "Số chỉ số thiếu hụt", "en": "Deprivations"},
    "deprivation_names": {"vi": "Các chỉ số thiếu hụt", "en": "Deprived in"},
    "category_short": {"vi": "Phân loại", "en": "Category"},
    "page_of": {"vi": "Trang {page}/{pages}", "en": "Page {page}/{pages}"},
    "period_line": {"vi": "Kỳ rà soát năm {year}; danh sách lập ngày {day:02d} tháng {month:02d} "
                          "năm {made_year}",
                    "en": "Review of {year}; list made on {day:02d}/{month:02d}/{made_year}"},
    "date_line_place": {"vi": "{place}, ngày ..... tháng ..... năm {year}",
                        "en": "{place}, date ....../....../{year}"},
    "unconfirmed_intro": {
        "vi": "Lưu ý: kết quả phân loại áp dụng tạm các quy định dưới đây, chưa được xác nhận "
              "đầy đủ với văn bản gốc (tình trạng; nguồn):",
        "en": "Note: the classification applies the rules below provisionally; they are not "
              "fully confirmed against the official text (status; source):"},
    "unconfirmed_item": {"vi": "{n}. {name}{value} — {status}. Nguồn: {source}",
                         "en": "{n}. {name}{value} — {status}. Source: {source}"},
    "submitted_local": {"vi": "Thời điểm nộp phiếu (giờ Việt Nam)",
                        "en": "Submitted (Viet Nam time)"},
    # notes
    "note_re_poor": {"vi": "Tái nghèo (đã từng thoát nghèo)",
                     "en": "Re-poor (had escaped poverty before)"},
    "note_unknown": {"vi": "Chưa xác định thu nhập: cần rà soát bổ sung",
                     "en": "Income unknown: needs a follow-up visit"},
    "note_screened": {"vi": "Loại qua Phiếu A (đủ số dấu hiệu không nghèo)",
                      "en": "Screened out by Phiếu A"},
    "unclassified": {"vi": "Chưa phân loại (thiếu thông tin thu nhập)",
                     "en": "Not classified (income unknown)"},
    "yes_mark": {"vi": "X", "en": "X"},
    # title block
    "people_committee": {"vi": "ỦY BAN NHÂN DÂN", "en": "PEOPLE'S COMMITTEE"},
    "nation": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
               "en": "SOCIALIST REPUBLIC OF VIET NAM"},
    "motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
    "province": {"vi": "Tỉnh", "en": "Province"},
    "district": {"vi": "Huyện", "en": "District"},
    "all_villages": {"vi": "tất cả các thôn, làng", "en": "all villages"},
    "standard": {"vi": "Chuẩn áp dụng", "en": "Standard applied"},
    "total": {"vi": "Tổng cộng: {n} hộ", "en": "Total: {n} households"},
    "date_line": {"vi": "........., ngày ..... tháng ..... năm {year}",
                  "en": "........., date ....../....../{year}"},
    "sign_maker": {"vi": "NGƯỜI LẬP BIỂU\n(Ký, ghi rõ họ tên)",
                   "en": "PREPARED BY\n(Signature, full name)"},
    "sign_village": {"vi": "TRƯỞNG THÔN\n(Ký, ghi rõ họ tên)",
                     "en": "VILLAGE HEAD\n(Signature, full name)"},
    "sign_chair": {"vi": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n(Ký tên, đóng dấu)",
                   "en": "FOR THE PEOPLE'S COMMITTEE\nCHAIRPERSON\n(Signature, seal)"},
    "sign_enumerator": {"vi": "ĐIỀU TRA VIÊN\n(Ký, ghi rõ họ tên)",
                        "en": "ENUMERATOR\n(Signature, full name)"},
    "sign_supervisor": {"vi": "GIÁM SÁT VIÊN\n(Ký, ghi rõ họ tên)",
                        "en": "SUPERVISOR\n(Signature, full name)"},
    # list titles
    "title_all": {"vi": "DANH SÁCH KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}",
                  "en": "RESULTS OF THE POOR AND NEAR-POOR HOUSEHOLD REVIEW, {year}"},
    "title_full_ids": {"vi": "DANH SÁCH KẾT QUẢ RÀ SOÁT NĂM {year} (BẢN ĐẦY ĐỦ SỐ CCCD - MẬT, "
                             "KHÔNG NIÊM YẾT)",
                       "en": "RESULTS OF THE {year} REVIEW (FULL ID NUMBERS - RESTRICTED, "
                             "NOT FOR POSTING)"},
    "full_ids_note": {"vi": "Bản lưu hành nội bộ cấp huyện: có số CCCD/CMND đầy đủ. Không niêm "
                            "yết, không gửi qua kênh công khai.",
                      "en": "District internal copy with full ID numbers. Do not post or share "
                            "publicly."},
    "title_poor": {"vi": "DANH SÁCH HỘ NGHÈO SAU RÀ SOÁT NĂM {year}",
                   "en": "POOR HOUSEHOLDS AFTER THE {year} REVIEW"},
    "title_near_poor": {"vi": "DANH SÁCH HỘ CẬN NGHÈO SAU RÀ SOÁT NĂM {year}",
                        "en": "NEAR-POOR HOUSEHOLDS AFTER THE {year} REVIEW"},
    "title_escaped": {"vi": "DANH SÁCH HỘ THOÁT NGHÈO, THOÁT CẬN NGHÈO NĂM {year}",
                      "en": "HOUSEHOLDS THAT ESCAPED POVERTY OR NEAR-POVERTY, {year}"},
    "title_newly_poor": {"vi": "DANH SÁCH HỘ NGHÈO PHÁT SINH, HỘ TÁI NGHÈO NĂM {year}",
                         "en": "NEWLY POOR AND RE-POOR HOUSEHOLDS, {year}"},
    "title_quarantine": {"vi": "DANH SÁCH PHIẾU CẦN KIỂM TRA LẠI (CHƯA ĐƯỢC PHÂN LOẠI) NĂM {year}",
                         "en": "SUBMISSIONS TO CHECK AGAIN (NOT CLASSIFIED), {year}"},
    "quarantine_intro": {
        "vi": "Các phiếu dưới đây có lỗi dữ liệu nên chưa được phân loại. Điều tra viên kiểm "
              "tra lại với hộ, sửa phiếu và gửi lại.",
        "en": "These submissions have data errors and were not classified. Enumerators check "
              "with the household, correct the form and submit it again."},
    "summary_sheet": {"vi": "Tổng hợp", "en": "Summary"},
    "list_sheet": {"vi": "Danh sách", "en": "List"},
    "unknown_unit": {"vi": "(không xác định)", "en": "(unknown)"},
}

UNIT_KIND: dict[str, dict[str, str]] = {
    "xa": {"vi": "xã", "en": "commune"},
    "thi_tran": {"vi": "thị trấn", "en": "town"},
    "phuong": {"vi": "phường", "en": "ward"},
    "dac_khu": {"vi": "đặc khu", "en": "special zone"},
}


def t(key: str, lang: str = "vi", **fmt: Any) -> str:
    """The text for ``key`` in ``lang`` (Vietnamese when the language is unknown)."""
    entry = T[key]
    text = entry.get(lang) or entry["vi"]
    return text.format(**fmt) if fmt else text
