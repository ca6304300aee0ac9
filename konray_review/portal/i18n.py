"""Interface texts, Vietnamese first with an English switch.

Code labels (categories, transitions, ethnic groups...) come from the one code list
(``konray_review.schema.label``) and indicator names from the standard, never from here.
The whole-area label ("Toàn huyện" / "Toàn địa bàn") comes from the district profile
(``Profile.total_label``): a profile without a district must not read "huyện".
"""

from __future__ import annotations

LANGS = ("vi", "en")
LANG_COOKIE = "krv_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "app_title": ("Rà soát hộ nghèo, hộ cận nghèo", "Poor and near-poor household review"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_locked": ("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                     "Too many failed logins. Try again in {minutes} minutes."),
    "csrf_failed": ("Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
                    "The form has expired. Reload the page and try again."),
    "years": ("Năm rà soát", "Review years"),
    "year": ("Năm", "Year"),
    "runs": ("Các lần xử lý", "Runs"),
    "run": ("Lần xử lý", "Run"),
    "status": ("Trạng thái", "Status"),
    "status_succeeded": ("Hoàn thành", "Succeeded"),
    "status_failed": ("Lỗi", "Failed"),
    "status_running": ("Đang chạy", "Running"),
    "source": ("Nguồn dữ liệu", "Source"),
    "started": ("Bắt đầu", "Started"),
    "finished": ("Kết thúc", "Finished"),
    "received": ("Nhận", "Received"),
    "accepted": ("Hợp lệ", "Accepted"),
    "quarantined": ("Cần kiểm tra lại", "Quarantined"),
    "changed": ("Thay đổi", "Changed"),
    "no_years": ("Chưa có dữ liệu rà soát. Chạy `konray-review demo` để tạo dữ liệu mẫu.",
                 "No review data yet. Run `konray-review demo` to create demo data."),
    "dashboard": ("Tổng hợp", "Dashboard"),
    "district_dashboard": ("Tổng hợp toàn huyện", "District dashboard"),
    "commune": ("Xã", "Commune"),
    "communes": ("Các xã", "Communes"),
    "village": ("Thôn", "Village"),
    "villages": ("Các thôn", "Villages"),
    "all_villages": ("Tất cả các thôn", "All villages"),
    "households": ("Số hộ", "Households"),
    "poor": ("Hộ nghèo", "Poor"),
    "near_poor": ("Hộ cận nghèo", "Near-poor"),
    "poor_rate": ("Tỷ lệ hộ nghèo", "Poor rate"),
    "near_poor_rate": ("Tỷ lệ hộ cận nghèo", "Near-poor rate"),
    "unknown_income": ("Chưa xác định thu nhập", "Income unknown"),
    "target": ("Chỉ tiêu kế hoạch", "Plan target"),
    "target_poor_rate": ("Chỉ tiêu tỷ lệ hộ nghèo tối đa {value}",
                         "Target: poor rate at most {value}"),
    "meets_target": ("Đạt", "Met"),
    "misses_target": ("Chưa đạt", "Not met"),
    "no_target": ("Kế hoạch năm này chưa có chỉ tiêu.", "The plan has no target for this year."),
    "total_visible": ("Tổng các xã được xem", "Total of visible communes"),
    "deprivation_table": ("Thiếu hụt dịch vụ xã hội cơ bản", "Deprivation in basic services"),
    "indicator": ("Chỉ số", "Indicator"),
    "deprived_households": ("Số hộ thiếu hụt", "Households deprived"),
    "deprived_rate": ("Tỷ lệ", "Rate"),
    "among_poor": ("Trong hộ nghèo", "Among poor households"),
    "project": ("Dự án", "Project"),
    "transitions": ("Biến động so với năm trước", "Changes since last year"),
    "transition": ("Biến động", "Change"),
    "count": ("Số hộ", "Count"),
    "chart_poor_rate": ("Tỷ lệ hộ nghèo theo xã", "Poor rate by commune"),
    "list": ("Danh sách hộ", "Household list"),
    "category": ("Phân loại", "Category"),
    "all": ("Tất cả", "All"),
    "ethnic_minority": ("Dân tộc thiểu số", "Ethnic minority"),
    "em_yes": ("Hộ DTTS", "Ethnic-minority households"),
    "em_no": ("Hộ dân tộc Kinh", "Kinh households"),
    "search": ("Tìm theo tên chủ hộ hoặc mã hộ", "Search by head's name or household number"),
    "filter": ("Lọc", "Filter"),
    "reset": ("Bỏ lọc", "Clear filters"),
    "results": ("{n} hộ", "{n} households"),
    "household_id": ("Mã hộ", "Household number"),
    "head_name": ("Chủ hộ", "Head of household"),
    "ethnicity": ("Dân tộc", "Ethnicity"),
    "deprivations": ("Số chỉ số thiếu hụt", "Deprivations"),
    "income_test": ("Thu nhập", "Income"),
    "page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "previous": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "household": ("Hộ gia đình", "Household"),
    "explanation": ("Vì sao hộ được phân loại như vậy", "Why the household has this category"),
    "members": ("Thành viên", "Members"),
    "member_no": ("STT", "No."),
    "name": ("Họ tên", "Name"),
    "sex": ("Giới tính", "Sex"),
    "age": ("Tuổi", "Age"),
    "relation": ("Quan hệ với chủ hộ", "Relation to head"),
    "deprived": ("Thiếu hụt", "Deprived"),
    "not_deprived": ("Không thiếu hụt", "Not deprived"),
    "downloads": ("Tải danh sách, báo cáo", "Downloads"),
    "no_downloads": ("Chưa có tệp nào để tải cho đơn vị của bạn.",
                     "No files to download for your units yet."),
    "kind_list": ("Danh sách hộ", "Household list"),
    "kind_list_full_ids": ("Danh sách đầy đủ số CCCD (mật, chỉ cấp huyện)",
                           "List with full ID numbers (restricted, district only)"),
    "kind_quarantine": ("Danh sách cần kiểm tra lại", "Records to follow up"),
    "kind_report": ("Báo cáo", "Report"),
    "kind_quality": ("Báo cáo chất lượng dữ liệu", "Data-quality report"),
    "list_all": ("Tất cả các hộ", "All households"),
    "list_poor": ("Hộ nghèo", "Poor households"),
    "list_near_poor": ("Hộ cận nghèo", "Near-poor households"),
    "list_escaped": ("Hộ thoát nghèo, thoát cận nghèo", "Escaped households"),
    "list_newly_poor": ("Hộ nghèo, cận nghèo phát sinh", "Newly poor and near-poor"),
    "file": ("Tệp", "File"),
    "rows": ("Số dòng", "Rows"),
    "format": ("Định dạng", "Format"),
    "unit": ("Đơn vị", "Unit"),
    "kind": ("Loại", "Kind"),
    "admin": ("Quản trị", "Administration"),
    "users": ("Tài khoản", "Accounts"),
    "role": ("Vai trò", "Role"),
    "role_admin": ("Quản trị viên", "Administrator"),
    "role_district": ("Cán bộ huyện", "District staff"),
    "role_commune": ("Cán bộ xã", "Commune staff"),
    "active": ("Đang hoạt động", "Active"),
    "disabled": ("Đã khoá", "Disabled"),
    "disable": ("Khoá", "Disable"),
    "enable": ("Mở khoá", "Enable"),
    "add_user": ("Thêm tài khoản", "Add account"),
    "set_password": ("Đặt mật khẩu mới", "Set new password"),
    "saved": ("Đã lưu.", "Saved."),
    "audit": ("Nhật ký truy cập", "Audit log"),
    "when": ("Thời điểm", "When"),
    "who": ("Người dùng", "Who"),
    "action": ("Thao tác", "Action"),
    "object": ("Đối tượng", "Object"),
    "ip": ("Địa chỉ IP", "IP address"),
    "change_password": ("Đổi mật khẩu", "Change password"),
    "current_password": ("Mật khẩu hiện tại", "Current password"),
    "new_password": ("Mật khẩu mới", "New password"),
    "wrong_password": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "forbidden": ("Bạn không có quyền xem trang này.", "You may not see this page."),
    "not_found": ("Không tìm thấy trang hoặc dữ liệu.", "Page or record not found."),
    "back": ("Quay lại", "Back"),
    "language": ("English", "Tiếng Việt"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "latest_run": ("Lần xử lý gần nhất", "Latest run"),
    "standard": ("Chuẩn nghèo", "Poverty standard"),
    "signed_in_as": ("Đăng nhập: {user}", "Signed in: {user}"),
    "quarantine_note": (
        "Hồ sơ có lỗi dữ liệu, chưa được phân loại: cần điều tra viên kiểm tra lại.",
        "Records with data errors, not yet classified: enumerators must follow up.",
    ),
    "rule": ("Quy tắc", "Rule"),
    "message": ("Nội dung", "Message"),
    "enumerator": ("Điều tra viên", "Enumerator"),
    "income_basis": ("Căn cứ", "Basis"),
    "basis_income": ("Thu nhập bình quân", "Income per person"),
    "basis_b1": ("Điểm Phiếu B1", "B1 score"),
    "standard_in_force": ("Chuẩn nghèo đang áp dụng", "Poverty standard in force"),
    "standard_intro": (
        "Mỗi ngưỡng và chỉ số mà phần mềm dùng để phân loại năm này, với văn bản làm căn cứ "
        "và mức độ đã đối chiếu với văn bản gốc.",
        "Every threshold and indicator the software classifies this year by, with the text "
        "it rests on and how far it has been checked against the official text."),
    "standard_unconfirmed": ("{n} quy tắc chưa được xác nhận đầy đủ.",
                             "{n} rules are not fully confirmed."),
    "rule_value": ("Giá trị", "Value"),
    "rule_source": ("Căn cứ (văn bản)", "Source (legal text)"),
    "rule_status": ("Mức xác nhận", "Status"),
}


def normalise_lang(value: str | None) -> str:
    return value if value in LANGS else "vi"


#: keys answered by the profile's whole-area label (passed in as ``total_label``)
PROFILE_KEYS = ("total", "district_wide")


def translate(key: str, lang: str = "vi", total_label: str | None = None,
              **fmt: object) -> str:
    """The text for ``key`` in ``lang``; an unknown key shows itself (visible, not hidden)."""
    if key in PROFILE_KEYS and total_label is not None:
        return total_label
    pair = MESSAGES.get(key)
    text = key if pair is None else pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


#: audit log actions as staff read them (the stored code stays the filter's value)
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("Đăng nhập", "Login"),
    "login_failed": ("Đăng nhập sai", "Failed login"),
    "login_locked": ("Đăng nhập bị tạm khoá", "Login locked"),
    "logout": ("Đăng xuất", "Logout"),
    "view_household": ("Xem hộ", "Household viewed"),
    "download": ("Tải tệp", "Download"),
    "user_add": ("Thêm tài khoản", "Account added"),
    "user_disable": ("Khoá tài khoản", "Account disabled"),
    "user_enable": ("Mở tài khoản", "Account enabled"),
    "user_passwd": ("Đặt lại mật khẩu", "Password reset"),
    "password_change": ("Đổi mật khẩu", "Password changed"),
    "password_change_failed": ("Đổi mật khẩu sai", "Password change failed"),
    "password_change_locked": ("Đổi mật khẩu bị tạm khoá", "Password change locked"),
    "user_unlock": ("Mở khoá đăng nhập", "Login unlocked"),
    "access_denied": ("Bị từ chối truy cập", "Access refused"),
    "decision_open": ("Mở đợt rà soát", "Review opened"),
    "decision_meeting": ("Họp thôn", "Village meeting"),
    "decision_resurvey": ("Khảo sát lại", "Re-survey"),
    "decision_posting": ("Niêm yết", "Posting"),
    "decision_complaint": ("Khiếu nại", "Complaint"),
    "decision_recheck": ("Phúc tra", "Re-check"),
    "decision_return": ("Trả lại", "Returned"),
    "decision_report": ("Báo cáo kết quả", "Result reported"),
    "decision_decide": ("Quyết định công nhận", "Recognition decided"),
    "decision_certify": ("Cấp giấy chứng nhận", "Certificates"),
    "decision_document": ("In giấy tờ", "Document printed"),
}


def audit_action(action: str, lang: str = "vi") -> str:
    """The action's words; an unknown code shows itself (visible, not hidden)."""
    pair = AUDIT_ACTIONS.get(action)
    return action if pair is None else pair[0 if lang == "vi" else 1]

