"""The one error the decision steps raise: a refused step, Vietnamese first, English second.

Messages name the household by its household code (never a person's name or ID number), so
they are safe to show on the portal and in the terminal.
"""

from __future__ import annotations


class DecisionError(ValueError):
    """A step that cannot be recorded. ``str()`` is two lines: Vietnamese, then English."""

    def __init__(self, vi: str, en: str, *, household_id: str | None = None) -> None:
        self.vi, self.en, self.household_id = vi, en, household_id
        super().__init__(f"{vi}\n{en}")


class ConcurrentUpdate(DecisionError):
    """Someone else recorded a step for the same household at the same moment."""

    def __init__(self) -> None:
        super().__init__(
            "Dữ liệu vừa được người khác cập nhật. Vui lòng tải lại trang rồi thử lại.",
            "The record was just changed by someone else. Reload and try again.")
