"""Interface texts of the decision pages (Vietnamese first, English second).

Kept apart from ``i18n.MESSAGES`` so the decision pages can grow without touching the rest
of the portal's texts; templates get them as ``dt(key)`` beside the portal's ``t(key)``.
State names come from ``konray_review.decisions.states``, step names from the dashboard.
"""

from __future__ import annotations

from konray_review.decisions import states as sm
from konray_review.decisions.dashboard import STEP_WORDS

MESSAGES: dict[str, tuple[str, str]] = {
    "title": ("Sau khảo sát: họp thôn, niêm yết, khiếu nại, quyết định",
              "After the survey: meetings, posting, complaints, decisions"),
    "link": ("Họp thôn, niêm yết, quyết định", "Meetings, posting, decisions"),
    "review": ("Đợt rà soát", "Review"),
    "not_open": ("Đợt rà soát hằng năm chưa mở: kết quả phân loại là kết quả sơ bộ. Bước đầu "
                 "tiên của xã (họp thôn) sẽ mở đợt.",
                 "The annual review is not open yet: the classification is the preliminary "
                 "result. The commune's first step (a meeting) opens it."),
    "open_review": ("Mở đợt rà soát", "Open the review"),
    "window": ("Thời gian", "Period"),
    "due": ("Đến hạn", "Due"),
    "overdue": ("Quá hạn", "Overdue"),
    "finished": ("Đã xong", "Finished"),
    "all_finished": ("Xã đã hoàn thành", "Commune finished"),
    "not_finished": ("Chưa hoàn thành", "Not finished"),
    "state": ("Bước hiện tại", "Current step"),
    "next_step": ("Việc tiếp theo", "Next step"),
    "due_on": ("Hạn", "Due date"),
    "posting_until": ("Niêm yết đến hết ngày", "Posted until"),
    "villages": ("Các thôn", "Villages"),
    "open_items": ("Việc còn lại", "Open items"),
    "meeting": ("Ghi kết quả họp thôn", "Record the village meeting"),
    "meeting_help": ("Ghi số người đồng ý cho từng hộ; để trống nghĩa là tất cả người dự họp "
                     "đồng ý. Hộ được thống nhất khi có ít nhất {quorum} số người dự họp đồng "
                     "ý; nếu không, hộ phải khảo sát lại.",
                     "Enter how many agreed for each household; blank means everyone present "
                     "agreed. A household is agreed with at least {quorum} of attendees; "
                     "otherwise it is re-surveyed."),
    "held_on": ("Ngày họp", "Meeting date"),
    "attendees": ("Số người dự họp", "Attendees"),
    "represented": ("Số hộ có đại diện dự họp", "Households represented"),
    "chair": ("Người chủ trì", "Chaired by"),
    "secretary": ("Thư ký", "Secretary"),
    "place": ("Địa điểm", "Place"),
    "notes": ("Ý kiến khác", "Other remarks"),
    "agree": ("Số người đồng ý", "Agreeing"),
    "save_meeting": ("Lưu kết quả họp thôn", "Save the meeting"),
    "resurveyed": ("Đã khảo sát lại (phiếu mới đã kéo về)", "Re-surveyed (new form pulled)"),
    "posting": ("Niêm yết công khai", "Public posting"),
    "posting_help": ("Niêm yết {days} ngày làm việc tại nhà văn hóa thôn và trụ sở UBND xã; "
                     "ngày bắt đầu không tính.",
                     "Posted for {days} working days at the village house and the commune "
                     "office; the start day is not counted."),
    "starts_on": ("Ngày bắt đầu niêm yết", "Posting starts"),
    "places": ("Nơi niêm yết", "Where posted"),
    "start_posting": ("Bắt đầu niêm yết", "Start posting"),
    "complaint": ("Tiếp nhận khiếu nại", "Register a complaint"),
    "received_on": ("Ngày nhận", "Received on"),
    "complainant": ("Người khiếu nại", "Complainant"),
    "content": ("Nội dung", "What about"),
    "save_complaint": ("Lưu khiếu nại", "Save the complaint"),
    "recheck": ("Phúc tra", "Re-check"),
    "recheck_help": ("Sửa câu trả lời sai, mỗi dòng một câu: tên_trường = giá trị (ví dụ "
                     "income_per_capita = 1.800.000; 3.has_health_insurance = có cho thành "
                     "viên số 3). Để trống: phân loại lại theo phiếu hiện có. Kết quả phúc "
                     "tra được niêm yết thêm {days} ngày làm việc.",
                     "Correct wrong answers, one per line: field = value (e.g. "
                     "income_per_capita = 1800000; 3.has_health_insurance = yes for member 3). "
                     "Blank: re-classify the stored answers. The result is posted for another "
                     "{days} working days."),
    "recheck_on": ("Ngày phúc tra", "Re-check date"),
    "corrections": ("Câu trả lời đã sửa", "Corrected answers"),
    "recheck_posting": ("Ngày niêm yết kết quả phúc tra", "Re-check posting starts"),
    "save_recheck": ("Lưu kết quả phúc tra", "Save the re-check"),
    "report": ("Báo cáo Chủ tịch UBND xã", "Report to the chairman"),
    "report_help": ("Các hộ đã hết thời gian niêm yết (không còn khiếu nại) được đưa vào danh "
                    "sách Phụ lục VI.",
                    "Households whose posting has ended (no open complaint) go on the "
                    "Appendix VI list."),
    "report_on": ("Ngày báo cáo", "Report date"),
    "decision": ("Quyết định của Chủ tịch UBND xã", "Chairman's decision"),
    "decision_help": ("Công nhận các hộ đã báo cáo theo kết quả rà soát. Hộ không được công "
                      "nhận: mỗi dòng «mã hộ = lý do».",
                      "Recognises the reported households in their category. Households "
                      "refused: one line each «household code = reasons»."),
    "signed_on": ("Ngày ký", "Signed on"),
    "number": ("Số quyết định", "Decision number"),
    "signer": ("Người ký", "Signed by"),
    "refusals": ("Không công nhận (mã hộ = lý do)", "Refused (household code = reasons)"),
    "save_decision": ("Lưu quyết định", "Save the decision"),
    "certify": ("Cấp giấy chứng nhận (Mẫu 03)", "Issue certificates (Mẫu 03)"),
    "issued_on": ("Ngày cấp", "Issued on"),
    "return": ("Trả lại danh sách để sửa (cấp huyện)", "Return the list for correction "
               "(district)"),
    "reason": ("Lý do", "Reason"),
    "return_on": ("Ngày trả lại", "Returned on"),
    "scope_village": ("Chỉ thôn", "Only village"),
    "whole_commune": ("Cả xã", "Whole commune"),
    "documents": ("Giấy tờ", "Documents"),
    "doc_appendix_i": ("Phụ lục I: danh sách hộ cần rà soát", "Appendix I: households to "
                       "review"),
    "doc_appendix_v": ("Phụ lục V: biên bản họp thôn (2 bản)", "Appendix V: meeting minutes "
                       "(2 copies)"),
    "doc_appendix_vi": ("Phụ lục VI: danh sách sau rà soát", "Appendix VI: list after review"),
    "doc_mau_02": ("Mẫu 02: quyết định công nhận", "Mẫu 02: recognition decision"),
    "doc_mau_03": ("Mẫu 03: giấy chứng nhận", "Mẫu 03: certificate"),
    "doc_posting_notice": ("Thông báo niêm yết", "Posting notice"),
    "history": ("Các bước đã ghi", "Steps recorded"),
    "when": ("Ngày", "Date"),
    "recorded": ("Ghi lúc", "Recorded at"),
    "by": ("Người ghi", "By"),
    "via": ("Qua", "Via"),
    "category": ("Phân loại", "Category"),
    "saved": ("Đã lưu: {event}, {n} hộ.", "Saved: {event}, {n} households."),
    "read_only": ("Cán bộ huyện chỉ xem và trả lại danh sách; các bước do cán bộ xã ghi.",
                  "District staff read and return lists; commune staff record the steps."),
    "households_of_village": ("Hộ của thôn", "Households of the village"),
    "no_households": ("Chưa có hộ nào.", "No households yet."),
    "done_open": ("mở đợt rà soát", "review opened"),
    "done_meeting": ("họp thôn", "village meeting"),
    "done_resurveyed": ("khảo sát lại", "re-survey"),
    "done_posting_started": ("niêm yết", "posting"),
    "done_complaint": ("khiếu nại", "complaint"),
    "done_rechecked": ("phúc tra", "re-check"),
    "done_reported": ("báo cáo Chủ tịch UBND xã", "report to the chairman"),
    "done_decided": ("quyết định", "decision"),
    "done_certified": ("giấy chứng nhận", "certificates"),
    "done_returned": ("trả lại danh sách", "list returned"),
}


def translate(key: str, lang: str = "vi", **fmt: object) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        if key.startswith("state_"):
            return sm.state_label(key.removeprefix("state_") or None, lang)
        if key.startswith("step_"):
            words = STEP_WORDS.get(key.removeprefix("step_"))
            return key if words is None else words[0 if lang == "vi" else 1]
        if key.startswith("event_"):
            return sm.event_label(key.removeprefix("event_"), lang)
        return key
    text = pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text
