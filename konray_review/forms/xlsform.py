"""Plain form rows -> XLSForm sheets (lists of dicts) -> XLSX bytes.

Pure functions: bilingual keys (``label: {vi, en}``) become the XLSForm language columns
(``label::Tiếng Việt (vi)``, ``label::English (en)``), Vietnamese first.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

Row = dict[str, Any]
Sheets = dict[str, list[dict[str, str]]]

LANGUAGES = {"vi": "Tiếng Việt (vi)", "en": "English (en)"}
DEFAULT_LANGUAGE = LANGUAGES["vi"]
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
SURVEY_COLUMNS = (
    "type", "name",
    *(f"{k}::{lang}" for k in ("label", "hint") for lang in LANGUAGES.values()),
    "required", *(f"required_message::{lang}" for lang in LANGUAGES.values()),
    "relevant", "constraint", *(f"constraint_message::{lang}" for lang in LANGUAGES.values()),
    "calculation", "choice_filter", "appearance", "parameters", "default", "read_only",
    "repeat_count",
)
CHOICE_COLUMNS = ("list_name", "name", *(f"label::{lang}" for lang in LANGUAGES.values()))
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language", "instance_name")
_DROP = {"only_with_indicator"}


def _cell(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False or value is None:
        return ""
    return str(value)


def survey_row(row: Row) -> dict[str, str]:
    """One source row as XLSForm cells; unknown keys are an error (typos must not vanish)."""
    out: dict[str, str] = {}
    for key, value in row.items():
        if key in _DROP:
            continue
        if key in TRANSLATED:
            if not isinstance(value, dict) or set(value) - set(LANGUAGES):
                raise ValueError(f"row {row.get('name')!r}: {key} needs {{vi, en}}, got {value!r}")
            for lang, text in value.items():
                out[f"{key}::{LANGUAGES[lang]}"] = _cell(text)
        elif key in SURVEY_COLUMNS:
            out[key] = _cell(value)
        else:
            raise ValueError(f"row {row.get('name')!r}: unknown column {key!r}")
    return out


def choice_rows(lists: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    return [
        {"list_name": name, "name": str(c["name"]),
         f"label::{LANGUAGES['vi']}": c["vi"], f"label::{LANGUAGES['en']}": c["en"]}
        for name, items in lists.items() for c in items
    ]


def used_lists(rows: Iterable[Row]) -> list[str]:
    """Choice lists referenced by ``select_one X`` / ``select_multiple X`` (not from file)."""
    out: list[str] = []
    for row in rows:
        parts = str(row["type"]).split()
        is_select = len(parts) == 2 and parts[0] in ("select_one", "select_multiple")
        if is_select and parts[1] not in out:
            out.append(parts[1])
    return out


def sheets(survey: list[Row], lists: dict[str, list[dict[str, str]]],
           settings: dict[str, Any]) -> Sheets:
    return {
        "survey": [survey_row(r) for r in survey],
        "choices": choice_rows(lists),
        "settings": [{k: _cell(settings.get(k)) for k in SETTINGS_COLUMNS if settings.get(k)}],
    }


def to_xlsx(book: Sheets) -> bytes:
    """The workbook with fixed column order (empty columns left out)."""
    wb = Workbook()
    wb.remove(wb.active)
    order = {"survey": SURVEY_COLUMNS, "choices": CHOICE_COLUMNS, "settings": SETTINGS_COLUMNS}
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        cols = [c for c in order[name] if any(r.get(c) for r in rows)]
        ws.append(cols)
        for r in rows:
            ws.append([r.get(c, "") for c in cols])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
