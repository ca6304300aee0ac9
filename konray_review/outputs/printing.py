"""Printable documents: HTML + CSS (Jinja2) rendered to PDF by WeasyPrint.

One print foundation for every paper the project produces (lists posted at the village
house, the district report, the decision documents): A4 pages, Times New Roman (Liberation
Serif where it is not installed), the official header (Quốc hiệu, tiêu ngữ, issuing office,
number, place and date in Vietnamese form), repeated table headers, wrapped cells, a
signature block and "Trang x/y" on every page. Templates extend ``print/base.html.j2``.

WeasyPrint is imported only when a PDF is made, so the CLI and the library stay light.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from konray_review.outputs.texts import T

TEMPLATES = Path(__file__).parent / "templates"
Orientation = Literal["portrait", "landscape"]

#: Quốc hiệu and tiêu ngữ, from the one table of the outputs' words (the lists use it too)
NATIONAL_MOTTO = (T["nation"]["vi"], T["motto"]["vi"])


@dataclass(frozen=True)
class Issuer:
    """Who issues a document: the parent body above the office (``UBND HUYỆN KON RẪY``),
    the office itself, and the number line (``Số: …/BC-LĐTBXH``, blank for the hand)."""

    office: str
    parent: str = ""
    number: str = "Số:       /"


@dataclass(frozen=True)
class Signature:
    """A signature block: the capacity line (``KT. CHỦ TỊCH``), title and the signer's name
    (left blank when the document is printed for signing by hand)."""

    title: str
    capacity: str = ""
    name: str = ""


@dataclass
class PrintPage:
    """What the base template needs besides the document's own content."""

    title: str
    issuer: Issuer | None = None
    place: str = ""
    on: date | None = None
    orientation: Orientation = "portrait"
    signatures: list[Signature] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    footer_note: str = ""  # e.g. the unconfirmed-rules line, printed on every page


def vietnamese_date(on: date, place: str = "") -> str:
    """``Kon Rẫy, ngày 02 tháng 12 năm 2026`` — the dateline of official documents.

    Nghị định 30/2020/NĐ-CP (Phụ lục I, thể thức văn bản): a day below 10 and the months
    1 and 2 take a leading zero (``ngày 05 tháng 3``, ``ngày 27 tháng 01``), so a hand
    cannot add a digit in front; other months are written as they are.
    """
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    text = f"ngày {on.day:02d} tháng {month} năm {on.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


def environment() -> Environment:
    """The Jinja2 environment of printable templates (autoescaped: names come from the field)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["vn_date"] = vietnamese_date
    env.globals["NATIONAL_MOTTO"] = NATIONAL_MOTTO
    return env


def render_html(template: str, page: PrintPage, **context: Any) -> str:
    """The document as HTML (kept beside the PDF for the portal and for tests)."""
    return environment().get_template(template).render(page=page, **context)


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF bytes of an HTML document (fonts from the system, no network access)."""
    from weasyprint import HTML  # heavy: only for a PDF

    return HTML(string=html, base_url=base_url or str(TEMPLATES)).write_pdf()


def render_pdf(template: str, page: PrintPage, **context: Any) -> bytes:
    """Render ``template`` (extending ``print/base.html.j2``) to PDF bytes."""
    return html_to_pdf(render_html(template, page, **context))
