"""Several decision documents rendered at once, one per core (``outputs.parallel``).

Why: a PDF laid out by WeasyPrint takes seconds, and the season's documents are
independent; the decision record is read in the parent (``documents.build``), so workers
only lay out and write (no store connection crosses a process).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from konray_review.decisions.documents.content import Doc

#: rough cost of one file, for handing the biggest out first (a PDF lays out pages)
_COST = {"pdf": 10, "docx": 1, "html": 1}


@dataclass(frozen=True)
class DocJob:
    """One document in one format (``parallel.Job``)."""

    doc: Doc
    fmt: str

    @property
    def rel(self) -> str:
        return f"{self.doc.stem}.{self.fmt}"

    @property
    def size(self) -> int:
        return _COST.get(self.fmt, 1)


class DocWriter:
    """Renders ``DocJob``s into ``out`` (built once per process)."""

    def __init__(self, out: Path, profile_dir: str | None, documents_dir: str) -> None:
        self.out, self.profile_dir, self.documents_dir = out, profile_dir, documents_dir

    def __call__(self, job: DocJob) -> None:
        from konray_review.outputs.files import write_bytes

        if job.fmt == "docx":
            from konray_review.decisions.documents.docx import render_docx

            data = render_docx(job.doc, self.profile_dir, self.documents_dir)
        elif job.fmt == "html":
            from konray_review.decisions.documents.pdf import render_html

            data = render_html(job.doc).encode("utf-8")
        else:
            from konray_review.decisions.documents.pdf import render_pdf

            data = render_pdf(job.doc)
        write_bytes(self.out / job.rel, data)
