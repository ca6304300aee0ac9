"""Build the review year's forms and deploy them to the server (``deploy_forms`` flow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from konray_review.profile import Profile


def build_forms(year: int, profile: Profile, out_dir: Path) -> list[tuple[Path, list[Path]]]:
    """Every form of the year, written to ``out_dir``: ``(xlsx path, attachment paths)``."""
    from konray_review.forms.build import build_all, write_built

    built = []
    for form in build_all(year, profile):
        paths = write_built(form, out_dir)
        attachments = [out_dir / name for name in form.attachments]
        built.append((paths[0], attachments))
    return built


def deploy_form(source: Any, xlsx: Path, attachments: list[Path]) -> dict[str, Any]:
    """Publish one form (new version when it changed); the source decides how."""
    result = source.deploy_form(xlsx, attachments)
    return {"form_id": result.form_id, "version": result.version, "url": result.url,
            "created": result.created}
