"""Read the text source of a form (``forms/<form>/*.yaml``) into plain rows.

Why text: XLSForms are spreadsheets, which diff badly. The source is one YAML row per
XLSForm row; ``{include: file}`` pastes a shared block, ``{generate: name}`` marks where the
builder inserts rows made from data, and ``{{name}}`` placeholders are filled from the
standard and the district profile, so no threshold is ever typed into a form by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

Row = dict[str, Any]
Generator = Callable[[], list[Row]]

FORMS = ("phieu_a", "phieu_b")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


class FormSourceError(ValueError):
    """The form source is malformed; the message names the file and the row."""


#: environment variable naming the folder with the form sources (overrides the default)
FORMS_DIR_ENV = "KONRAY_FORMS_DIR"


def default_source_dir() -> Path:
    """``$KONRAY_FORMS_DIR``, else ``forms/`` next to the ``konray_review`` package: the
    repository root in a checkout or editable install, or inside the package when the wheel
    ships it (``konray_review/forms_src``). Raises :class:`FormSourceError` when none exists,
    rather than failing later on a missing file."""
    override = os.environ.get(FORMS_DIR_ENV)
    if override:
        candidates = [Path(override).expanduser()]
    else:
        package = Path(__file__).resolve().parents[1]
        candidates = [package.parent / "forms", package / "forms_src"]
    for folder in candidates:
        if (folder / "common").is_dir():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FormSourceError(
        f"không tìm thấy thư mục nguồn biểu mẫu (form sources not found; tried {tried}). "
        f"Đặt biến môi trường {FORMS_DIR_ENV} tới thư mục forms/ của kho mã "
        f"(set {FORMS_DIR_ENV} to the repository's forms/ folder).")


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormSourceError(f"{path}: cannot read form source: {exc}") from exc


def expand_rows(rows: list[Row], src_dir: Path, origin: str,
                generators: Mapping[str, Generator]) -> list[Row]:
    """Resolve ``include`` and ``generate`` rows, recursively, keeping order."""
    out: list[Row] = []
    for i, row in enumerate(rows or []):
        where = f"{origin} row {i + 1}"
        if not isinstance(row, dict):
            raise FormSourceError(f"{where}: a row must be a mapping, got {row!r}")
        if "include" in row:
            path = src_dir / row["include"]
            out += expand_rows(read_yaml(path), src_dir, str(path.name), generators)
        elif "generate" in row:
            name = row["generate"]
            if name not in generators:
                raise FormSourceError(f"{where}: unknown generator {name!r}")
            out += generators[name]()
        else:
            if "type" not in row:
                raise FormSourceError(f"{where}: row has no 'type': {row!r}")
            out.append(dict(row))
    return out


def fill(value: Any, params: Mapping[str, Any], where: str) -> Any:
    """Replace ``{{name}}`` placeholders in strings (recursively in mappings)."""
    if isinstance(value, dict):
        return {k: fill(v, params, where) for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in params:
            raise FormSourceError(f"{where}: unknown placeholder {{{{{key}}}}}")
        return str(params[key])

    return _PLACEHOLDER.sub(sub, value)


def keep_row(row: Row, indicator_ids: list[str]) -> bool:
    """Rows marked ``only_with_indicator`` exist only under standards that have it."""
    needed = row.get("only_with_indicator")
    return needed is None or needed in indicator_ids


def load_form_rows(form: str, src_dir: Path, params: Mapping[str, Any],
                   generators: Mapping[str, Generator],
                   indicator_ids: list[str]) -> tuple[list[Row], dict[str, Any]]:
    """(survey rows, settings) of one form, with includes, generators and placeholders done."""
    if form not in FORMS:
        raise FormSourceError(f"unknown form {form!r}; known: {list(FORMS)}")
    folder = src_dir / form
    raw = read_yaml(folder / "survey.yaml")
    rows = expand_rows(raw, src_dir, f"{form}/survey.yaml", generators)
    rows = [r for r in rows if keep_row(r, indicator_ids)]
    filled = [fill(r, params, f"{form}/survey.yaml row {r.get('name', r['type'])}")
              for r in rows]
    settings = fill(read_yaml(folder / "settings.yaml") or {}, params, f"{form}/settings.yaml")
    return filled, settings
