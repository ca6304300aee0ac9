"""District profiles made for a test: the shipped Kon Rẫy profile copied and changed as a
district would change it (its own YAML, B1 table, Phiếu A signs, village list)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from konray_review.profile import Profile, load_profile

#: 2027–2030 B1 cut-offs a province might publish (invented for the tests)
CUTOFFS_2027 = {"vn-2027": {"b1_cutoff": {
    "rural": {"value": 150, "source": "Quyết định thử nghiệm của tỉnh", "status": "confirmed"},
    "urban": {"value": 180, "source": "Quyết định thử nghiệm của tỉnh", "status": "confirmed"},
}}}


def district_profile(folder: Path, *, changes: dict[str, Any] | None = None,
                     files: dict[str, str] | None = None) -> Profile:
    """A copy of the shipped profile in ``folder`` with ``changes`` merged into its YAML and
    ``files`` (name -> text) written beside it."""
    base = Path(load_profile().directory)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(base, folder, dirs_exist_ok=True)
    raw = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    raw.update(changes or {})
    (folder / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True),
                                         encoding="utf-8")
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_profile(str(folder))
