"""The documents of the steps after the survey, filled from the decision record:
Appendix I, V, VI, Mẫu 02, Mẫu 03 and the posting notice, as PDF (WeasyPrint on the
project's print base) and DOCX (docxtpl templates a district can edit)."""

from __future__ import annotations

from typing import Any

from konray_review.decisions.documents.content import BUILDERS, KINDS, TITLES, Doc
from konray_review.decisions.errors import DecisionError

FORMATS = ("pdf", "docx", "html")
MEDIA_TYPES = {
    "pdf": "application/pdf", "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def build(decisions: Any, kind: str, review_id: str, commune: str, **scope: Any) -> Doc:
    """The filled document (``scope``: village, household_id, meeting_id, act_id)."""
    if kind not in BUILDERS:
        raise DecisionError(f"Không có mẫu {kind!r}; dùng {', '.join(KINDS)}.",
                            f"No document {kind!r}; use {', '.join(KINDS)}.")
    return BUILDERS[kind](decisions, review_id, commune,
                          **{k: v for k, v in scope.items() if v is not None})


def render(decisions: Any, kind: str, fmt: str, review_id: str, commune: str,
           **scope: Any) -> tuple[str, bytes]:
    """``(file name, bytes)`` of one document in ``fmt`` (pdf, docx or html)."""
    if fmt not in FORMATS:
        raise DecisionError(f"Định dạng {fmt!r} không hỗ trợ; dùng pdf, docx.",
                            f"Format {fmt!r} is not supported; use pdf or docx.")
    doc = build(decisions, kind, review_id, commune, **scope)
    if fmt == "docx":
        from konray_review.decisions.documents.docx import render_docx

        return f"{doc.stem}.docx", render_docx(doc, decisions.profile.directory,
                                               decisions.settings.documents_dir)
    from konray_review.decisions.documents import pdf

    if fmt == "html":
        return f"{doc.stem}.html", pdf.render_html(doc).encode("utf-8")
    return f"{doc.stem}.pdf", pdf.render_pdf(doc)


__all__ = ["FORMATS", "KINDS", "MEDIA_TYPES", "TITLES", "Doc", "build", "render"]
