"""Which form on the server holds a review year's submissions: found from the year.

Why: the build names every form from its source (``forms/<form>/settings.yaml``:
``form_id: "phieu_b_{{year}}"``), so the year alone says which form to pull (Central form id)
or which asset to look for (KoBo: the asset named with the form's title). Nobody has to type
a form id, and one servers file serves every season.
"""

from __future__ import annotations

from pathlib import Path

from konray_review.forms.source import default_source_dir, fill, read_yaml

#: the form whose submissions the review job reads (Phiếu A only screens households in)
REVIEW_FORM = "phieu_b"


def _setting(form: str, year: int, key: str, src_dir: Path | None) -> str:
    settings = read_yaml((src_dir or default_source_dir()) / form / "settings.yaml") or {}
    return str(fill(settings[key], {"year": int(year)}, f"{form}/settings.yaml"))


def form_id_of_year(year: int, form: str = REVIEW_FORM, src_dir: Path | None = None) -> str:
    """The form id the build gives ``form`` for ``year`` (e.g. ``phieu_b_2026``)."""
    return _setting(form, year, "form_id", src_dir)


def form_title_of_year(year: int, form: str = REVIEW_FORM, src_dir: Path | None = None) -> str:
    """The form title the build gives ``form`` for ``year`` (the KoBo asset's name)."""
    return _setting(form, year, "form_title", src_dir)
