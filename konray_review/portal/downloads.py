"""Which output files a user may download, and where they are on disk.

Only files listed in the run's manifest are served, only after their path resolves inside
the run's output folder, and only for the user's units: a commune file to that commune's
staff, a district-wide file (commune null) to district staff and administrators. Files of a
restricted kind (``list_full_ids``: full ID numbers) go to district staff and administrators
only, whatever unit the manifest names.
"""

from __future__ import annotations

from pathlib import Path

from konray_review.outputs.manifest import RESTRICTED_KINDS, ManifestEntry, read_manifest
from konray_review.portal.access import may_see
from konray_review.portal.accounts import User


def _usable(output_dir: object) -> bool:
    """The run log holds NaN/None for runs that wrote nothing (failed runs)."""
    return isinstance(output_dir, str) and bool(output_dir) and Path(output_dir).is_dir()


def may_download(user: User, entry: ManifestEntry) -> bool:
    """The one download rule: the user's units, and restricted kinds for district users only."""
    if entry.kind in RESTRICTED_KINDS:
        return user.sees_all
    return may_see(user, entry.commune)


def visible_entries(user: User, output_dir: str | None) -> list[ManifestEntry]:
    if output_dir is None or not _usable(output_dir):
        return []
    entries = read_manifest(output_dir)
    return sorted((e for e in entries if may_download(user, e)),
                  key=lambda e: (e.commune is not None, e.commune or "", e.village or "",
                                 e.kind, e.list_type or "", e.format))


def grouped(entries: list[ManifestEntry]) -> list[dict]:
    """One row per unit and list (XLSX and CSV side by side), in the order given."""
    rows: dict[tuple, dict] = {}
    for e in entries:
        key = (e.commune, e.village, e.kind, e.list_type)
        row = rows.setdefault(key, {"commune": e.commune, "village": e.village, "kind": e.kind,
                                    "list_type": e.list_type, "rows": e.rows, "files": []})
        row["files"].append(e)
    return list(rows.values())


def resolve(user: User, output_dir: str | None, path: str) -> tuple[ManifestEntry, Path] | None:
    """The entry and file for ``path`` when the user may have it; None otherwise (404)."""
    if not _usable(output_dir):
        return None
    root = Path(str(output_dir)).resolve()
    entry = next((e for e in read_manifest(root) if e.path == path), None)
    if entry is None or not may_download(user, entry):
        return None
    target = (root / entry.path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return entry, target


MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
