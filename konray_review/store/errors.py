"""Database errors as one or two plain lines, without the data that was being written.

Why: SQLAlchemy's error text ends with the statement's parameters, i.e. the rows being
written: member names and 12-digit ID numbers. That text reached the terminal and the run
log (``runs.message``, shown by the portal). Every ``Store`` method turns a database error
into :class:`StoreError`: a Vietnamese and an English line saying what happened and what to
do, and a ``detail`` for the log with the error classes, the driver's message with quoted
values and long numbers removed, and the statement without its parameters. The engine is
also made with ``hide_parameters=True`` (``store.engine``), so no other path prints them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

F = TypeVar("F", bound=Callable[..., Any])

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_KEY_VALUES = re.compile(r"=\([^)]*\)")
_LONG_NUMBER = re.compile(r"\d{6,}")


class StoreError(RuntimeError):
    """A database error, described without personal data; ``str()`` is two lines."""

    def __init__(self, vi: str, en: str, detail: str = "") -> None:
        super().__init__(f"{vi}\n{en}")
        self.vi, self.en, self.detail = vi, en, detail


def scrub(text: str) -> str:
    """Remove what could be data from an error text: quoted values, ``Key (…)=(…)``
    values, and runs of six or more digits (ID numbers, phone numbers)."""
    text = _QUOTED.sub("'…'", text)
    text = _KEY_VALUES.sub("=(…)", text)
    return _LONG_NUMBER.sub("…", text)


def _kind(text: str, exc: BaseException) -> str:
    low = text.lower()
    if "disk is full" in low or "no space left" in low or "diskfull" in low \
            or "disk full" in low or "could not extend file" in low:
        return "full"
    if "locked" in low or "deadlock" in low:
        return "locked"
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return "readonly"
    if isinstance(exc, sa.exc.IntegrityError):
        return "integrity"
    if "connect" in low or "connection" in low or "server closed" in low:
        return "connect"
    return "other"


_LINES = {
    "full": ("Lỗi kho dữ liệu: ổ đĩa đã đầy, không ghi được; dữ liệu đã lưu không thay đổi. "
             "Giải phóng dung lượng đĩa rồi chạy lại.",
             "Store error: the disk is full; nothing stored was changed. Free disk space and "
             "run again."),
    "locked": ("Lỗi kho dữ liệu: một tiến trình khác đang ghi (kho bị khoá); dữ liệu đã lưu "
               "không thay đổi. Chờ lần chạy kia xong rồi chạy lại.",
               "Store error: another process is writing (the store is locked); nothing "
               "stored was changed. Wait for it to finish, then run again."),
    "readonly": ("Lỗi kho dữ liệu: không có quyền ghi vào kho; dữ liệu đã lưu không thay "
                 "đổi. Kiểm tra quyền của tệp hoặc tài khoản cơ sở dữ liệu.",
                 "Store error: the store cannot be written (permissions); nothing stored was "
                 "changed."),
    "integrity": ("Lỗi kho dữ liệu: dữ liệu ghi vào vi phạm ràng buộc của kho; dữ liệu đã "
                  "lưu không thay đổi. Xem nhật ký lần chạy và báo cho người quản trị.",
                  "Store error: a constraint of the store was violated; nothing stored was "
                  "changed. See the run log and tell the administrator."),
    "connect": ("Lỗi kho dữ liệu: không kết nối được cơ sở dữ liệu. Kiểm tra KONRAY_STORE_URL "
                "và máy chủ cơ sở dữ liệu rồi chạy lại.",
                "Store error: cannot connect to the database. Check KONRAY_STORE_URL and the "
                "database server, then run again."),
    "other": ("Lỗi kho dữ liệu ({name}); dữ liệu đã lưu không thay đổi. Xem nhật ký lần chạy.",
              "Store error ({name}); nothing stored was changed. See the run log."),
}


def describe(exc: sa.exc.SQLAlchemyError) -> StoreError:
    """The :class:`StoreError` for a database error (no parameter, no value in it)."""
    orig = getattr(exc, "orig", None)
    driver = str(orig) if orig is not None else str(exc).split("\n[SQL", 1)[0]
    driver = scrub(driver.strip().splitlines()[0] if driver.strip() else "")
    statement = getattr(exc, "statement", None) or ""
    statement = scrub(" ".join(str(statement).split()))[:160]
    kind = _kind(driver, exc)
    name = type(orig).__name__ if orig is not None else type(exc).__name__
    vi, en = _LINES[kind]
    detail = f"{type(exc).__name__}/{name}: {driver}" + (f" — SQL: {statement}"
                                                         if statement else "")
    return StoreError(vi.format(name=name), en.format(name=name), detail)


def guarded(method: F) -> F:
    """A ``Store`` method whose database errors become :class:`StoreError` (raised
    ``from None``: the original, with its parameters, is not chained into tracebacks)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except sa.exc.SQLAlchemyError as exc:
            raise describe(exc) from None

    return wrapper  # type: ignore[return-value]
