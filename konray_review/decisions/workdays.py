"""Working days and review periods: Vietnam's public holidays plus the district's own days.

Public holidays (Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9, their substitute days and the
government's announced swaps it knows of) come from the maintained ``holidays`` package:
``holidays.country_holidays("VN")`` lists them year by year, and its ``is_working_day``
knows the Saturdays made working days by a swap (e.g. 4/5/2024, 26/4/2025). What it cannot
know: a swap announced after the installed version was released, a province's own day
off, a day off given at short notice. Those are data in the profile's ``decisions.yaml``
(``days_off``, ``working_days``), which win over the package.

Counting rules (Civil Code 2015, Art. 147–148): a period counted in days starts the day
after the event; when a period in calendar days ends on a day off, it ends at the end of
the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from konray_review.decisions.errors import DecisionError
from konray_review.decisions.settings import DecisionSettings

_DAY = timedelta(days=1)
_MAX_SCAN = 400  # a period longer than a year of days off means a broken calendar


class WorkCalendar:
    """Is a day a working day, and where does a period of N working days end."""

    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()
                 ) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)

    @classmethod
    def from_settings(cls, settings: DecisionSettings) -> WorkCalendar:
        return cls((d.date for d in settings.days_off), (d.date for d in settings.working_days))

    @cached_property
    def _holidays(self):
        import holidays  # only when a date is asked about

        return holidays.country_holidays("VN", language="vi")  # expands years on demand

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return bool(self._holidays.is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's Vietnamese name, the profile's note, or None."""
        if day in self.days_off:
            return "ngày nghỉ theo hồ sơ huyện"
        return self._holidays.get(day)

    def period_end(self, start: date, days: int, *, count_start: bool = False) -> date:
        """The last day of a period of ``days`` working days beginning at ``start``.

        ``count_start`` False (the Civil Code's rule): the period starts the next day.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        day = start if count_start else start + _DAY
        counted = 0
        for _ in range(days + _MAX_SCAN):
            if self.is_working_day(day):
                counted += 1
                if counted == days:
                    return day
            day += _DAY
        raise DecisionError("Lịch ngày làm việc không hợp lệ (quá nhiều ngày nghỉ liên tiếp).",
                            "The working-day calendar is broken (too many days off in a row).")

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
        return self.period_end(start, days, count_start=False)

    def calendar_deadline(self, start: date, days: int) -> date:
        """``start`` + ``days`` calendar days, moved to the next working day if that is off."""
        day = start + timedelta(days=days)
        for _ in range(_MAX_SCAN):
            if self.is_working_day(day):
                return day
            day += _DAY
        raise DecisionError("Lịch ngày làm việc không hợp lệ (quá nhiều ngày nghỉ liên tiếp).",
                            "The working-day calendar is broken (too many days off in a row).")

    def working_days_left(self, today: date, until: date) -> int:
        """Working days after ``today`` up to and including ``until`` (0 when past)."""
        n, day = 0, today + _DAY
        while day <= until:
            n += self.is_working_day(day)
            day += _DAY
        return n


# --- review periods ---------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewPeriod:
    """One review: the annual one of a year, or a monthly (regular) round."""

    review_id: str
    review_year: int
    kind: str  # "annual" | "regular"
    round_month: int | None
    starts_on: date
    due_on: date


def review_id_for(year: int, month: int | None = None) -> str:
    """``2023-annual`` or ``2024-03`` (the regular round of March 2024)."""
    return f"{int(year)}-annual" if month is None else f"{int(year)}-{int(month):02d}"


def _month_day(year: int, text: str) -> date:
    month, day = (int(p) for p in str(text).split("-"))
    return date(year, month, day)


def annual_period(year: int, window: dict[str, str]) -> ReviewPeriod:
    """The annual review: the profile's window (default 1/9–14/12); its end is the due date
    as the plan states it, not moved for a weekend."""
    return ReviewPeriod(review_id_for(year), int(year), "annual", None,
                        _month_day(year, window["start"]), _month_day(year, window["end"]))


def regular_period(year: int, month: int, settings: DecisionSettings,
                   calendar: WorkCalendar) -> ReviewPeriod:
    """The regular round of ``month``: starts on the 15th, settled within 15 days."""
    reg = settings.regular_review
    start = date(int(year), int(month), reg.start_day)
    if reg.settle_in == "working":
        due = calendar.add_working_days(start, reg.settle_days)
    else:
        due = calendar.calendar_deadline(start, reg.settle_days)
    return ReviewPeriod(review_id_for(year, month), int(year), "regular", int(month), start, due)


def round_for_request(received: date, window: dict[str, str], settings: DecisionSettings,
                      calendar: WorkCalendar) -> ReviewPeriod:
    """Which review takes a household's request received on ``received``.

    The next round start on or after the request (the 15th of this month, else of the next);
    a round that would start inside the annual window is the annual review instead (unless
    the profile runs regular rounds during it).
    """
    day = settings.regular_review.start_day
    year, month = received.year, received.month
    if received.day > day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = date(year, month, day)
    annual = annual_period(year, window)
    if (not settings.regular_review.during_annual_window
            and annual.starts_on <= start <= annual.due_on):
        return annual
    return regular_period(year, month, settings, calendar)
