"""Errors as users see them: one or two plain lines, Vietnamese then English, exit code 1.

The command line ends every failure here (``konray_review.cli.LazyGroup.invoke``). A
traceback is for developers: ``konray-review --debug …`` shows it. Messages carry file
names, fields and counts, never a household's data (the modules raising them keep to that).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import NoReturn

DEBUG_HINT = "chạy lại với --debug để xem chi tiết (run again with --debug for the traceback)"


class UserError(Exception):
    """An error worded for the user: ``vi`` first, ``en`` second."""

    def __init__(self, vi: str, en: str = "") -> None:
        super().__init__(f"{vi} ({en})" if en else vi)
        self.vi, self.en = vi, en


def _framework(exc: BaseException) -> bool:
    """Typer/click's own exits and usage errors: they print themselves."""
    return type(exc).__module__.split(".")[0] in {"typer", "click"}


def _file_in(tb: TracebackType | None, suffixes: tuple[str, ...]) -> str | None:
    """The innermost file path with one of ``suffixes`` among the failing frames' locals
    (a zip library's error does not say which file it was reading)."""
    found = None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, (str, Path)) and str(value).lower().endswith(suffixes):
                found = str(value)
        tb = tb.tb_next
    return found


def _first_line(text: object, limit: int = 300) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe(exc: BaseException) -> tuple[str, str]:
    """(Vietnamese line, English line) for ``exc``."""
    import zipfile

    if isinstance(exc, UserError):
        return exc.vi, exc.en or DEBUG_HINT
    if isinstance(exc, zipfile.BadZipFile):
        name = _file_in(exc.__traceback__, (".zip", ".xlsx", ".xls")) or "?"
        return (f"Tệp {name} bị hỏng hoặc không phải tệp nén/Excel hợp lệ.",
                f"File {name} is corrupt or not a valid zip/xlsx file; {DEBUG_HINT}")
    if isinstance(exc, FileNotFoundError):
        return (f"Không tìm thấy tệp {exc.filename}.", f"File not found: {exc.filename}")
    if isinstance(exc, PermissionError):
        return (f"Không có quyền đọc/ghi {exc.filename}.", f"Permission denied: {exc.filename}")
    if isinstance(exc, OverflowError | ValueError | RuntimeError | LookupError | OSError):
        return (f"Lỗi: {_first_line(exc)}",
                f"Error ({type(exc).__name__}); {DEBUG_HINT}")
    return (f"Lỗi không lường trước ({type(exc).__name__}): {_first_line(exc)}",
            f"Unexpected error, please report it; {DEBUG_HINT}")


def handle(exc: BaseException, *, debug: bool = False) -> NoReturn:
    """Print ``exc`` for the user and exit 1 (re-raise it under ``--debug``)."""
    if debug or _framework(exc):
        raise exc
    vi, en = describe(exc)
    print(vi, file=sys.stderr)
    print(en, file=sys.stderr)
    sys.exit(1)
