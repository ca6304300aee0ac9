"""One settings object for the edges (command line, flow entry points): where outputs go,
which store and profile, which servers file; the review year and the time zone.

Read once at the edge (``Settings()`` reads ``KONRAY_*`` environment variables through
pydantic-settings) and passed down; library code takes plain arguments.

Which review year, when none is given (``docs/huong-dan-su-dung.md``): the review of year
Y runs in the profile's ``review_window`` of year Y (Kon Rẫy: 1 September – 14 December,
QĐ 24/2021) and its result is the list for the year after. Commands about the review that
has begun (``run``, ``pull``, ``report``, ``demo``) take the year of the latest window that
has started; commands preparing one (``forms build``, ``forms deploy``, ``forms
households``) take the year of the window in progress or the next one. "Today" is the
date in the profile's time zone (``timezone``), the one place the zone is written.

Valid years are those a poverty standard covers (``review_years`` in
``konray_review/data/standards/*.yaml``): a year outside them is refused before any work,
naming the valid years.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from konray_review.errors import UserError

if TYPE_CHECKING:
    from konray_review.profile import Profile

Purpose = Literal["current", "upcoming"]


class Settings(BaseSettings):
    """``KONRAY_HOME``, ``KONRAY_STORE_URL``, ``KONRAY_PROFILE``, ``KONRAY_SERVERS_FILE``."""

    model_config = SettingsConfigDict(env_prefix="KONRAY_", extra="ignore")

    home: Path = Path("output")
    store_url: str | None = None
    profile: str | None = None
    servers_file: Path | None = None

    def store(self, url: str | None = None) -> str:
        """``url``, else ``KONRAY_STORE_URL``, else an SQLite file under ``home``."""
        return url or self.store_url or f"sqlite:///{self.home / 'konray-review.sqlite'}"

    def load_profile(self, ref: str | None = None) -> Profile:
        from konray_review.profile import load_profile

        return load_profile(ref or self.profile)

    def review_year(self, year: int | None, profile: str | None = None,
                    purpose: Purpose = "current", now: dt.datetime | None = None) -> int:
        """``year`` checked (the profile is not even read), or today's review year."""
        if year is not None:
            return check_year(year)
        return resolve_year(None, self.load_profile(profile), purpose, now)


def timezone(profile: Profile) -> dt.tzinfo:
    """The district's time zone (``Profile.timezone``)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(profile.timezone)


def today(profile: Profile, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the district (not the server's zone: 23:30 UTC is already tomorrow
    in Vietnam)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(timezone(profile)).date()


def _window_day(year: int, month_day: str) -> dt.date:
    return dt.date.fromisoformat(f"{year}-{month_day}")


def year_of(day: dt.date, window: dict[str, str], purpose: Purpose = "current") -> int:
    """The review year for ``day``: ``current`` = the latest review whose window has
    started; ``upcoming`` = the review in progress or the next one."""
    if purpose == "current":
        return day.year if day >= _window_day(day.year, window["start"]) else day.year - 1
    return day.year if day <= _window_day(day.year, window["end"]) else day.year + 1


@cache
def valid_years() -> tuple[int, ...]:
    """Every year a shipped poverty standard covers."""
    from konray_review.standards import _raw_standards

    return tuple(sorted({int(y) for raw in _raw_standards().values()
                         for y in raw["review_years"]}))


def _ranges(years: tuple[int, ...]) -> str:
    """``2022–2030`` (or ``2022–2025, 2027``) for messages."""
    parts: list[str] = []
    start = prev = years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def check_year(year: int) -> int:
    """``year`` when a standard covers it, else a ``UserError`` listing the valid years."""
    years = valid_years()
    if int(year) not in years:
        raise UserError(f"Năm rà soát {year} không hợp lệ; các năm hợp lệ: {_ranges(years)}.",
                        f"Review year {year} is not valid; valid years: {_ranges(years)}.")
    return int(year)


def resolve_year(year: int | None, profile: Profile, purpose: Purpose = "current",
                 now: dt.datetime | None = None) -> int:
    """``year`` checked, or the year of today's date and the profile's review window."""
    if year is None:
        year = year_of(today(profile, now), profile.review_window, purpose)
    return check_year(year)
