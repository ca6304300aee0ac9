"""A minimal XLSForm written with openpyxl (deploy tests only need its settings sheet)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def write_xlsform(path: Path, *, form_id: str, version: str, title: str = "Phiếu B") -> Path:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Tiếng Việt (vi)"])
    survey.append(["select_one_from_file villages.csv", "village", "Thôn"])
    survey.append(["select_one_from_file households.csv", "household", "Hộ"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, version, title])
    book.save(path)
    return path
