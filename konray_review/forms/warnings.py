"""Warning notes for rules that are not confirmed, where the enumerator sees their effect.

Why: the B1 point table, the Phiếu A signs and the sample village list are placeholders
until a district replaces them, yet the forms used to show them without a word. The notes
are built from :func:`konray_review.standards.unconfirmed_rules` (the one list every surface
shows), so a district that puts a confirmed table in its profile sees the note go away.
A rule that depends on the area (``….rural`` / ``….urban``) is shown only in that area.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from konray_review.standards import STATUS_LABELS, RuleStatus

Row = dict[str, Any]

#: what a warning says follows from an unconfirmed rule, by where it is shown
CONSEQUENCE = {
    "b1": ("Điểm B1 và kết quả thu nhập theo B1 chỉ để tham khảo cho đến khi huyện thay "
           "bằng văn bản chính thức.",
           "The B1 score and a B1-based income result are indicative only until the district "
           "replaces it with the official text."),
    "summary": ("Kết quả thu nhập của hộ này dựa trên điểm B1 nên chưa chắc chắn.",
                "This household's income result rests on the B1 score, so it is not certain."),
    "signs": ("Hỏi theo nội dung trong văn bản chính thức nếu khác với câu hỏi dưới đây.",
              "Ask as the official text words it where it differs from the questions below."),
    "signs_result": ("Kết quả nhận diện chỉ là sơ bộ.", "The screening result is preliminary."),
    "villages": ("Nếu không thấy thôn đúng, báo cho cán bộ huyện trước khi gửi phiếu.",
                 "If the right village is missing, tell the district office before sending."),
}


def _area_condition(rule: RuleStatus) -> str | None:
    area = rule.id.rsplit(".", 1)[-1]
    return f"${{area}} = '{area}'" if area in ("rural", "urban") else None


def warning_text(rule: RuleStatus, consequence: tuple[str, str]) -> dict[str, str]:
    """The note label of one rule (status words from ``STATUS_LABELS``)."""
    status = STATUS_LABELS[rule.status]
    return {
        "vi": f"⚠ LƯU Ý: {rule.name.vi} – {status.vi.lower()} (nguồn: {rule.source}). "
              f"{consequence[0]}",
        "en": f"⚠ NOTE: {rule.name.en} – {status.en.lower()} (source: {rule.source}). "
              f"{consequence[1]}",
    }


def warning_notes(rules: Iterable[RuleStatus], ids: Iterable[str], where: str,
                  relevant: str | None = None) -> list[Row]:
    """One note per listed rule id that is in ``rules`` (i.e. not confirmed), in order."""
    by_id = {r.id: r for r in rules}
    out: list[Row] = []
    for rid in ids:
        rule = by_id.get(rid)
        if rule is None:
            continue
        conds = [c for c in (relevant, _area_condition(rule)) if c]
        row: Row = {"type": "note", "name": f"warn_{where}_{rid.replace('.', '_')}",
                    "label": warning_text(rule, CONSEQUENCE[where])}
        if conds:
            row["relevant"] = " and ".join(f"({c})" for c in conds)
        out.append(row)
    return out
