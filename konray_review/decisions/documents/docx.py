"""DOCX of a decision document: docxtpl fills the district's template (its own copy under
``<profile>/<documents_dir>/<kind>.docx`` when present, else the built-in one)."""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

from konray_review.decisions.documents.builder import default_template
from konray_review.decisions.documents.content import Doc
from konray_review.outputs.printing import vietnamese_date


def template_for(kind: str, profile_dir: str | None, documents_dir: str) -> bytes | Path:
    """The district's template if it has one, else the built-in template's bytes."""
    if profile_dir:
        own = Path(profile_dir) / documents_dir / f"{kind}.docx"
        if own.is_file():
            return own
    return default_template(kind)


def _upper_first(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**item, **{f"{k}_upper": str(item.get(k, "")).upper() for k in keys}}
            for item in items]


def context(doc: Doc) -> dict[str, Any]:
    """What a template sees: ``doc`` (title, issuer, dateline, signatures, data …)."""
    data = dict(doc.data)
    if "chair_title" in data:
        data["chair_title_upper"] = data["chair_title"].upper()
    if "certificates" in data:
        data["certificates"] = _upper_first(data["certificates"], ("category",))
    return {"doc": {
        "kind": doc.kind, "title": doc.title, "title_upper": doc.title.upper(),
        "subtitle": doc.subtitle, "unconfirmed": doc.unconfirmed,
        "issuer": {"parent": doc.issuer.parent.upper(), "office": doc.issuer.office.upper(),
                   "number": doc.issuer.number},
        "dateline": vietnamese_date(doc.on, doc.place) if doc.on else "",
        "signatures": _upper_first([asdict(s) for s in doc.signatures], ("capacity", "title")),
        "recipients": list(doc.recipients), "data": data,
    }}


def render_docx(doc: Doc, profile_dir: str | None = None,
                documents_dir: str = "documents") -> bytes:
    from docxtpl import DocxTemplate

    source = template_for(doc.kind, profile_dir, documents_dir)
    tpl = DocxTemplate(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    tpl.render(context(doc), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
