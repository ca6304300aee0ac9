"""PDF (and the same HTML) of a decision document, on the project's print foundation
(``outputs/printing.py``: WeasyPrint, A4, official header, page numbers).

Documents that repeat the official header (Appendix V's two copies, one certificate per
page) or sign before an annex (Mẫu 02) draw header and signatures themselves with the
macros of the print base (``print/_macros.html.j2``); the others let the base do it.
Every page carries the unconfirmed-layout line in its footer.
"""

from __future__ import annotations

from konray_review.decisions.documents.content import Doc
from konray_review.outputs import printing

#: documents whose header and signatures the template draws itself
_OWN_FRAME = frozenset({"appendix_v", "mau_02", "mau_03"})


def page_of(doc: Doc) -> printing.PrintPage:
    own = doc.kind in _OWN_FRAME
    return printing.PrintPage(
        title=doc.title, issuer=None if own else doc.issuer, place=doc.place, on=doc.on,
        orientation=doc.orientation,  # type: ignore[arg-type]
        signatures=[] if own else list(doc.signatures),
        recipients=[] if own else list(doc.recipients), footer_note=doc.unconfirmed)


def render_html(doc: Doc) -> str:
    return printing.render_html(f"decisions/{doc.kind}.html.j2", page_of(doc), doc=doc)


def render_pdf(doc: Doc) -> bytes:
    return printing.render_pdf(f"decisions/{doc.kind}.html.j2", page_of(doc), doc=doc)
