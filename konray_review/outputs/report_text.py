"""Words of the district report: section titles, column headers, value labels (vi, en).

Column names are those of ``konray_review.aggregates``; a column this table does not know
is shown under its own name, so a new aggregate column never breaks the report.
"""

from __future__ import annotations

SECTIONS: dict[str, dict[str, str]] = {
    "by_commune": {"vi": "Số hộ và tỷ lệ hộ nghèo, cận nghèo theo xã, thị trấn",
                   "en": "Households and poverty rates by commune"},
    "by_area": {"vi": "Theo khu vực thành thị, nông thôn", "en": "By urban / rural area"},
    "ethnic_minority": {"vi": "Hộ dân tộc thiểu số (DTTS)", "en": "Ethnic-minority households"},
    "deprivation_rates": {
        "vi": "Tỷ lệ thiếu hụt theo chỉ số (trong hộ nghèo, cận nghèo) và dự án của Chương "
              "trình MTQG giảm nghèo bền vững",
        "en": "Deprivation rates by indicator (poor and near-poor) and the national "
              "programme project each maps to"},
    "by_village": {"vi": "Theo thôn, làng", "en": "By village"},
    "transitions": {"vi": "Biến động so với năm trước", "en": "Changes since last year"},
    "transitions_by_commune": {"vi": "Biến động theo xã, thị trấn",
                               "en": "Changes by commune"},
    "alkire_foster": {"vi": "Chỉ số nghèo đa chiều Alkire–Foster (H, A, M0)",
                      "en": "Alkire–Foster measures (H, A, M0)"},
    "alkire_foster_by_commune": {"vi": "Alkire–Foster theo xã, thị trấn",
                                 "en": "Alkire–Foster by commune"},
    "alkire_foster_by_ethnic_minority": {"vi": "Alkire–Foster theo nhóm dân tộc",
                                         "en": "Alkire–Foster by ethnic group"},
    "af_contributions": {"vi": "Đóng góp của từng chỉ số vào M0",
                         "en": "Contribution of each indicator to M0"},
    "target_check": {"vi": "Tiến độ so với mục tiêu kế hoạch",
                     "en": "Progress against the plan's targets"},
    # the steps after the survey (konray_review/decisions/recognised.py)
    "decision_progress": {
        "vi": "Tiến độ công nhận theo xã (số liệu trên đã tính theo danh sách được Chủ tịch "
              "UBND xã công nhận; hộ chưa có quyết định tính theo kết quả sơ bộ)",
        "en": "Recognition progress by commune (the figures above count the chairman's "
              "recognised list; households without a decision count their preliminary "
              "result)"},
    "preliminary_by_commune": {
        "vi": "Kết quả sơ bộ (chưa công nhận) của các xã chưa hoàn thành",
        "en": "Preliminary (not yet recognised) figures of communes not finished"},
}

SHEET_NAMES: dict[str, dict[str, str]] = {
    "overview": {"vi": "Tổng quan", "en": "Overview"},
    "by_commune": {"vi": "Theo xã", "en": "By commune"},
    "by_area": {"vi": "Thành thị - nông thôn", "en": "Urban - rural"},
    "ethnic_minority": {"vi": "Hộ DTTS", "en": "Ethnic minority"},
    "deprivation_rates": {"vi": "Thiếu hụt theo chỉ số", "en": "Deprivations"},
    "by_village": {"vi": "Theo thôn", "en": "By village"},
    "transitions": {"vi": "Biến động", "en": "Transitions"},
    "transitions_by_commune": {"vi": "Biến động theo xã", "en": "Transitions by commune"},
    "alkire_foster_by_commune": {"vi": "AF theo xã", "en": "AF by commune"},
    "alkire_foster_by_ethnic_minority": {"vi": "AF theo dân tộc", "en": "AF by ethnic group"},
    "alkire_foster": {"vi": "Alkire-Foster", "en": "Alkire-Foster"},
    "af_contributions": {"vi": "Đóng góp chỉ số", "en": "AF contributions"},
    "target_check": {"vi": "Mục tiêu", "en": "Targets"},
    "unconfirmed": {"vi": "Quy tắc chưa xác nhận", "en": "Unconfirmed rules"},
    "decision_progress": {"vi": "Tiến độ công nhận", "en": "Recognition progress"},
    "preliminary_by_commune": {"vi": "Sơ bộ chưa công nhận", "en": "Preliminary"},
}

COLUMNS: dict[str, dict[str, str]] = {
    "commune": {"vi": "Xã, thị trấn", "en": "Commune"},
    "village": {"vi": "Thôn, làng", "en": "Village"},
    "area": {"vi": "Khu vực", "en": "Area"},
    "ethnic_minority": {"vi": "Nhóm hộ", "en": "Group"},
    "dtts": {"vi": "Nhóm hộ", "en": "Group"},
    "group": {"vi": "Nhóm", "en": "Group"},
    "households": {"vi": "Tổng số hộ", "en": "Households"},
    "classified": {"vi": "Số hộ đã phân loại", "en": "Classified"},
    "finished": {"vi": "Đã hoàn thành", "en": "Finished"},
    "decided": {"vi": "Số hộ đã có quyết định", "en": "Decided"},
    "pending": {"vi": "Số hộ chưa có quyết định", "en": "Not decided yet"},
    "recognised_poor": {"vi": "Hộ nghèo đã công nhận", "en": "Recognised poor"},
    "recognised_near_poor": {"vi": "Hộ cận nghèo đã công nhận", "en": "Recognised near-poor"},
    "refused": {"vi": "Không công nhận", "en": "Refused"},
    "poor": {"vi": "Hộ nghèo", "en": "Poor"},
    "near_poor": {"vi": "Hộ cận nghèo", "en": "Near-poor"},
    "middle": {"vi": "Hộ có mức sống trung bình", "en": "Middle living standard"},
    "none": {"vi": "Không thuộc diện", "en": "None of these"},
    "unknown": {"vi": "Chưa xác định thu nhập", "en": "Income unknown"},
    "unclassified": {"vi": "Chưa phân loại", "en": "Not classified"},
    "poor_rate": {"vi": "Tỷ lệ hộ nghèo", "en": "Poor rate"},
    "near_poor_rate": {"vi": "Tỷ lệ hộ cận nghèo", "en": "Near-poor rate"},
    "poor_and_near_poor_rate": {"vi": "Tỷ lệ nghèo và cận nghèo", "en": "Poor + near-poor rate"},
    "middle_rate": {"vi": "Tỷ lệ hộ có mức sống trung bình", "en": "Middle rate"},
    "indicator": {"vi": "Chỉ số thiếu hụt", "en": "Indicator"},
    "dimension": {"vi": "Chiều thiếu hụt", "en": "Dimension"},
    "program_project": {"vi": "Dự án (CTMTQG)", "en": "Programme project"},
    "poor_deprived": {"vi": "Số hộ nghèo thiếu hụt", "en": "Poor deprived"},
    "near_poor_deprived": {"vi": "Số hộ cận nghèo thiếu hụt", "en": "Near-poor deprived"},
    "poor_deprived_rate": {"vi": "Tỷ lệ thiếu hụt (hộ nghèo)", "en": "Rate among poor"},
    "near_poor_deprived_rate": {"vi": "Tỷ lệ thiếu hụt (hộ cận nghèo)",
                                "en": "Rate among near-poor"},
    "deprived": {"vi": "Số hộ thiếu hụt", "en": "Deprived"},
    "rate": {"vi": "Tỷ lệ", "en": "Rate"},
    "transition": {"vi": "Biến động", "en": "Change"},
    "count": {"vi": "Số hộ", "en": "Households"},
    "n": {"vi": "Số hộ", "en": "Households"},
    "k": {"vi": "Ngưỡng k (số chỉ số)", "en": "Cut-off k (indicators)"},
    "H": {"vi": "Tỷ lệ nghèo đa chiều H", "en": "Headcount ratio H"},
    "A": {"vi": "Cường độ thiếu hụt A", "en": "Intensity A"},
    "M0": {"vi": "Chỉ số M0 = H × A", "en": "Adjusted headcount M0 = H × A"},
    "multidim_poor": {"vi": "Số hộ nghèo đa chiều (≥ k)", "en": "Multidimensionally poor (≥ k)"},
    "censored_headcount": {"vi": "Tỷ lệ thiếu hụt kiểm duyệt", "en": "Censored headcount"},
    "contribution": {"vi": "Đóng góp vào M0", "en": "Contribution to M0"},
    "weight": {"vi": "Trọng số", "en": "Weight"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "target_name": {"vi": "Chỉ tiêu", "en": "Target"},
    "name": {"vi": "Chỉ tiêu", "en": "Target"},
    "actual": {"vi": "Thực hiện", "en": "Actual"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "met": {"vi": "Đạt", "en": "Met"},
    "gap": {"vi": "Chênh lệch", "en": "Gap"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "status": {"vi": "Mức xác nhận", "en": "Status"},
    "rule": {"vi": "Quy định", "en": "Rule"},
    "parameter": {"vi": "Tham số / chỉ số", "en": "Parameter / indicator"},
    "review_year": {"vi": "Năm rà soát", "en": "Review year"},
    "ethnic_minority_households": {"vi": "Số hộ DTTS", "en": "Ethnic-minority households"},
    "ethnic_minority_poor": {"vi": "Hộ nghèo DTTS", "en": "Ethnic-minority poor"},
    "ethnic_minority_near_poor": {"vi": "Hộ cận nghèo DTTS", "en": "Ethnic-minority near-poor"},
    "ethnic_minority_poor_rate": {"vi": "Tỷ lệ hộ nghèo DTTS",
                                  "en": "Poor rate (ethnic minority)"},
    "deprived_all": {"vi": "Số hộ thiếu hụt (tất cả)", "en": "Deprived (all)"},
    "rate_all": {"vi": "Tỷ lệ (tất cả hộ)", "en": "Rate (all)"},
    "deprived_poor": {"vi": "Số hộ nghèo thiếu hụt", "en": "Poor deprived"},
    "rate_poor": {"vi": "Tỷ lệ trong hộ nghèo", "en": "Rate among poor"},
    "deprived_near_poor": {"vi": "Số hộ cận nghèo thiếu hụt", "en": "Near-poor deprived"},
    "rate_near_poor": {"vi": "Tỷ lệ trong hộ cận nghèo", "en": "Rate among near-poor"},
    "deprived_poor_and_near_poor": {"vi": "Số hộ nghèo, cận nghèo thiếu hụt",
                                    "en": "Poor + near-poor deprived"},
    "rate_poor_and_near_poor": {"vi": "Tỷ lệ trong hộ nghèo và cận nghèo",
                                "en": "Rate among poor + near-poor"},
    "ethnic_minority_count": {"vi": "Trong đó hộ DTTS", "en": "Of which ethnic minority"},
    "target_value": {"vi": "Mục tiêu", "en": "Target"},
    "kind": {"vi": "Loại chỉ tiêu", "en": "Kind"},
}

WORDS: dict[str, dict[str, str]] = {
    "report_title": {"vi": "BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}",
                     "en": "POOR AND NEAR-POOR HOUSEHOLD REVIEW REPORT, {year}"},
    "overview": {"vi": "Tổng quan", "en": "Overview"},
    "unconfirmed": {"vi": "Các quy định chưa được xác nhận",
                    "en": "Unconfirmed rules"},
    "unconfirmed_intro": {
        "vi": "Việc phân loại trong báo cáo này đã dựa vào các quy định dưới đây, lấy từ nguồn "
              "thứ cấp hoặc chưa đối chiếu được với văn bản gốc. Khi huyện thay bằng số liệu "
              "chính thức và đánh dấu đã xác nhận trong hồ sơ địa bàn (profile), quy định đó "
              "không còn ở đây.",
        "en": "The classification in this report relied on the rules below, taken from "
              "secondary sources or not checked against the official text. Once the district "
              "replaces one with official data marked confirmed in its profile, it leaves "
              "this list."},
    "unconfirmed_footer": {
        "vi": "Báo cáo dựa vào {n} quy định chưa được xác nhận (xem mục \u201cCác quy định "
              "chưa được xác nhận\u201d).",
        "en": "This report relies on {n} unconfirmed rules (see \u201cUnconfirmed rules\u201d)."},
    "unknown_village": {"vi": "(chưa rõ thôn)", "en": "(village unknown)"},
    "unknown_commune": {"vi": "(chưa rõ xã)", "en": "(commune unknown)"},
    "clock": {"vi": "{hm} ngày {day} (giờ Việt Nam)", "en": "{hm} on {day} (Vietnam time)"},
    "period_half_year": {"vi": "6 tháng đầu năm {year}", "en": "first half of {year}"},
    "period_annual": {"vi": "cả năm {year}", "en": "the whole of {year}"},
    "period_review": {"vi": "rà soát năm {year}", "en": "review year {year}"},
    "period_as_of": {"vi": "Kỳ báo cáo: {period}, số liệu đến hết ngày {day}",
                     "en": "Reporting period: {period}, figures up to the end of {day}"},
    "period_at_run": {"vi": "Kỳ báo cáo: {period}, số liệu đến {at}",
                      "en": "Reporting period: {period}, figures as of {at}"},
    "made_at": {"vi": "Thời điểm lập báo cáo", "en": "Report made at"},
    "count_households": {"vi": "{n} hộ", "en": "{n} households"},
    "count_household": {"vi": "{n} hộ", "en": "{n} household"},
    "count_submissions": {"vi": "{n} phiếu", "en": "{n} submissions"},
    "count_issues": {"vi": "{n} lỗi cần sửa", "en": "{n} issues to fix"},
    "run": {"vi": "Thông tin lần chạy", "en": "Run information"},
    "target_line": {"vi": "Mục tiêu kế hoạch: tỷ lệ hộ nghèo ≤ {target}",
                    "en": "Plan target: poor rate ≤ {target}"},
    "target_met": {"vi": "Đạt mục tiêu", "en": "Target met"},
    "target_missed": {"vi": "Chưa đạt mục tiêu", "en": "Target not met"},
    "no_target": {"vi": "Hồ sơ địa phương không có mục tiêu tỷ lệ hộ nghèo cho năm {year}",
                  "en": "The district profile has no poor-rate target for {year}"},
    "standard": {"vi": "Chuẩn áp dụng", "en": "Standard applied"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "dtts_yes": {"vi": "Hộ DTTS", "en": "Ethnic minority"},
    "dtts_no": {"vi": "Hộ dân tộc Kinh", "en": "Kinh"},
    "project": {"vi": "Dự án {n}", "en": "Project {n}"},
    "empty": {"vi": "(không có số liệu)", "en": "(no data)"},
    "chart_rates": {"vi": "Tỷ lệ hộ nghèo, cận nghèo theo xã (%)",
                    "en": "Poor and near-poor rate by commune (%)"},
    "chart_deprivation": {"vi": "Tỷ lệ thiếu hụt theo chỉ số (%)",
                          "en": "Deprivation rate by indicator (%)"},
    "chart_transitions": {"vi": "Số hộ theo loại biến động", "en": "Households by change"},
    "chart_contrib": {"vi": "Đóng góp của từng chỉ số vào M0 (%)",
                      "en": "Contribution of each indicator to M0 (%)"},
    "generated": {"vi": "Lập bởi konray-review", "en": "Produced by konray-review"},
    "kpi_households": {"vi": "Số hộ đã phân loại", "en": "Households classified"},
    "kpi_poor": {"vi": "Hộ nghèo", "en": "Poor households"},
    "kpi_near_poor": {"vi": "Hộ cận nghèo", "en": "Near-poor households"},
    "run_id": {"vi": "Mã lần chạy", "en": "Run id"},
    "source": {"vi": "Nguồn dữ liệu", "en": "Data source"},
    "started_at": {"vi": "Thời điểm chạy", "en": "Run started"},
    "year": {"vi": "Năm rà soát", "en": "Review year"},
    "period": {"vi": "Kỳ báo cáo", "en": "Reporting period"},
    "half_year": {"vi": "6 tháng", "en": "Half-year"},
    "annual": {"vi": "Cả năm", "en": "Annual"},
    "as_of": {"vi": "Số liệu đến hết ngày", "en": "Figures up to the end of"},
    "profile": {"vi": "Hồ sơ địa phương", "en": "District profile"},
    "received": {"vi": "Số phiếu nhận", "en": "Submissions received"},
    "accepted": {"vi": "Số hộ được phân loại", "en": "Households accepted"},
    "quarantined": {"vi": "Hộ cần kiểm tra lại (chưa phân loại)",
                    "en": "Households held for checking (not classified)"},
    "accounting": {"vi": "Đối chiếu số dòng nguồn giao", "en": "Rows delivered, reconciled"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "lang_other": {"vi": "English version", "en": "Bản tiếng Việt"},
}


def word(table: dict[str, dict[str, str]], key: str, lang: str, **fmt: object) -> str:
    entry = table.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["vi"]
    return text.format(**fmt) if fmt else text
