"""The run's ``manifest.json``: every file the outputs wrote, with its unit and size.

Why a manifest: the portal serves downloads filtered by unit (commune, village) and the
flows link to outputs from Prefect artifacts; both read this one file instead of guessing
from file names. A commune file only ever holds that commune's households, so filtering by
``commune`` never leaks another commune's names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["list", "list_full_ids", "quarantine", "report", "quality"]
ListType = Literal["all", "poor", "near_poor", "escaped", "newly_poor"]
Format = Literal["xlsx", "csv", "html", "pdf"]

MANIFEST_NAME = "manifest.json"
KINDS = ("list", "list_full_ids", "quarantine", "report", "quality")
#: kinds holding full ID numbers: district-wide only, never served to commune staff
RESTRICTED_KINDS = ("list_full_ids",)
LIST_TYPES = ("all", "poor", "near_poor", "escaped", "newly_poor")
FORMATS = ("xlsx", "csv", "html", "pdf")


@dataclass(frozen=True)
class ManifestEntry:
    """One output file. ``commune``/``village`` None means district-wide / whole commune."""

    kind: Kind
    list_type: ListType | None
    commune: str | None
    village: str | None
    format: Format
    path: str  # relative to the run's output folder, POSIX separators
    rows: int | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"manifest entry {self.path}: unknown kind {self.kind!r}")
        if self.kind in RESTRICTED_KINDS and self.commune is not None:
            raise ValueError(f"manifest entry {self.path}: a {self.kind} file is district-wide "
                             "only (commune must be null)")
        if self.list_type is not None and self.list_type not in LIST_TYPES:
            raise ValueError(f"manifest entry {self.path}: unknown list_type {self.list_type!r}")
        if self.format not in FORMATS:
            raise ValueError(f"manifest entry {self.path}: unknown format {self.format!r}")
        if self.village is not None and self.commune is None:
            raise ValueError(f"manifest entry {self.path}: a village needs its commune")
        if Path(self.path).is_absolute() or ".." in Path(self.path).parts:
            raise ValueError(f"manifest entry {self.path}: path must be relative, inside the run")


def _sort_key(e: ManifestEntry) -> tuple:
    return (e.path, e.kind)


def write_manifest(entries: Iterable[ManifestEntry], out_dir: str | os.PathLike[str], *,
                   replace_kinds: Iterable[str] = ()) -> Path:
    """Write ``manifest.json`` (merged with entries already there, sorted by path).

    Merging lets the lists, the quarantine, the report and the quality docs be written by
    separate steps; a later entry for the same path replaces the earlier one. Existing
    entries of ``replace_kinds`` are dropped first (a re-run into the same folder). Written
    atomically (temp file + rename) so a reader never sees half a manifest.
    """
    out = Path(out_dir)
    drop = set(replace_kinds)
    by_path = {e.path: e for e in read_manifest(out) if e.kind not in drop}
    for e in entries:
        by_path[e.path] = e
    missing = [p for p in by_path if not (out / p).is_file()]
    if missing:
        raise FileNotFoundError(f"manifest lists files that do not exist in {out}: {missing[:5]}")
    data = {"version": 1,
            "files": [asdict(e) for e in sorted(by_path.values(), key=_sort_key)]}
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path = out / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(out_dir: str | os.PathLike[str]) -> list[ManifestEntry]:
    """Entries of the run's manifest; an empty list when none was written yet."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [ManifestEntry(**item) for item in data.get("files", [])]


def select(entries: Iterable[ManifestEntry], **where: object) -> list[ManifestEntry]:
    """Entries whose fields equal every ``where`` value (e.g. ``commune="Đăk Kôi"``)."""
    return [e for e in entries if all(getattr(e, k) == v for k, v in where.items())]
