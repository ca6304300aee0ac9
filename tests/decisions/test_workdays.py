"""Working-day arithmetic across Tết, 30/4–1/5, 2/9 and weekends, for both review kinds.

Every expected date below was counted by hand on the official holiday calendars of each
year (government announcements of the Tết, 30/4 and 2/9 days off and their swaps), not
produced by the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from konray_review.decisions.settings import DayNote, DecisionSettings, RegularReview
from konray_review.decisions.workdays import (
    WorkCalendar,
    annual_period,
    regular_period,
    round_for_request,
)

CAL = WorkCalendar()
WINDOW = {"start": "09-01", "end": "12-14"}
D = date

# the official days off the package must know (Tết, 30/4–1/5 with swaps, 2/9)
OFF = [
    D(2023, 1, 20), D(2023, 1, 26), D(2023, 5, 2), D(2023, 5, 3), D(2023, 9, 1), D(2023, 9, 4),
    D(2024, 2, 8), D(2024, 2, 14), D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1),
    D(2024, 9, 2), D(2024, 9, 3),
    D(2025, 1, 27), D(2025, 1, 31), D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2),
    D(2026, 2, 16), D(2026, 2, 20),
]
# Saturdays worked in exchange for a bridge day, and ordinary days right after a holiday
WORKING = [D(2024, 5, 4), D(2025, 4, 26), D(2023, 1, 27), D(2024, 2, 15), D(2025, 2, 3),
           D(2024, 9, 4), D(2023, 9, 5)]


@pytest.mark.parametrize("day", OFF)
def test_public_holidays_and_substitute_days_are_off(day: date) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.holiday_name(day)


@pytest.mark.parametrize("day", WORKING)
def test_swapped_saturdays_and_days_after_holidays_are_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


# posting: 3 working days, the start day not counted (Civil Code Art. 147)
POSTING = [
    (D(2023, 10, 2), D(2023, 10, 5)),   # Mon -> Thu
    (D(2023, 10, 6), D(2023, 10, 11)),  # Fri -> over the weekend
    (D(2023, 10, 7), D(2023, 10, 11)),  # posted on a Saturday
    (D(2023, 1, 19), D(2023, 1, 31)),   # Tết 2023: 20–26 Jan off
    (D(2024, 2, 7), D(2024, 2, 19)),    # Tết 2024: 8–14 Feb off
    (D(2025, 1, 24), D(2025, 2, 5)),    # Tết 2025: 27 Jan – 1 Feb off
    (D(2023, 4, 28), D(2023, 5, 8)),    # 29/4–3/5/2023 off (Giỗ Tổ and 30/4 on a weekend)
    (D(2024, 4, 26), D(2024, 5, 4)),    # 27/4–1/5/2024 off, Saturday 4/5 worked
    (D(2025, 4, 25), D(2025, 4, 29)),   # Saturday 26/4/2025 worked, 30/4–4/5 off
    (D(2023, 8, 31), D(2023, 9, 7)),    # 1–4/9/2023 off
    (D(2024, 8, 30), D(2024, 9, 6)),    # 31/8–3/9/2024 off
    (D(2025, 8, 29), D(2025, 9, 5)),    # 30/8–2/9/2025 off
]


@pytest.mark.parametrize(("start", "end"), POSTING)
def test_posting_ends_after_three_working_days(start: date, end: date) -> None:
    assert CAL.period_end(start, 3) == end


# re-check: within 7 working days of the complaint
RECHECK = [
    (D(2023, 10, 4), D(2023, 10, 13)),
    (D(2024, 2, 1), D(2024, 2, 19)),    # across Tết 2024
    (D(2025, 4, 28), D(2025, 5, 12)),   # across 30/4–1/5/2025
    (D(2024, 8, 28), D(2024, 9, 10)),   # across 2/9/2024
]


@pytest.mark.parametrize(("complaint", "due"), RECHECK)
def test_recheck_due_seven_working_days_after_the_complaint(complaint: date, due: date) -> None:
    assert CAL.add_working_days(complaint, 7) == due


# the regular (mid-year) review: from the 15th, settled within 15 days; a deadline on a day
# off moves to the next working day (Civil Code Art. 148)
REGULAR = [
    (2023, 1, D(2023, 1, 15), D(2023, 1, 30)),
    (2023, 4, D(2023, 4, 15), D(2023, 5, 4)),    # 30/4 Sunday, 1–3/5 off
    (2024, 2, D(2024, 2, 15), D(2024, 3, 1)),    # a leap February
    (2024, 8, D(2024, 8, 15), D(2024, 8, 30)),
    (2025, 1, D(2025, 1, 15), D(2025, 2, 3)),    # 30/1/2025 is in Tết
    (2025, 8, D(2025, 8, 15), D(2025, 9, 3)),    # 30/8 Saturday, 1–2/9 off
]


@pytest.mark.parametrize(("year", "month", "start", "due"), REGULAR)
def test_regular_round_dates(year: int, month: int, start: date, due: date) -> None:
    p = regular_period(year, month, DecisionSettings(), CAL)
    assert (p.kind, p.review_id, p.starts_on, p.due_on) == ("regular", f"{year}-{month:02d}",
                                                            start, due)


def test_regular_round_counted_in_working_days_when_the_profile_says_so() -> None:
    settings = DecisionSettings(regular_review=RegularReview(settle_in="working"))
    # 17–28/4 ten days, 29/4–3/5 off, 4, 5, 8, 9, 10/5
    assert regular_period(2023, 4, settings, CAL).due_on == D(2023, 5, 10)


def test_annual_review_window_from_the_profile() -> None:
    p = annual_period(2023, WINDOW)
    assert (p.review_id, p.kind, p.starts_on, p.due_on) == ("2023-annual", "annual",
                                                            D(2023, 9, 1), D(2023, 12, 14))


@pytest.mark.parametrize(("received", "review_id", "due"), [
    (D(2024, 3, 10), "2024-03", D(2024, 4, 1)),      # 30/3/2024 Saturday -> Monday 1/4
    (D(2024, 3, 15), "2024-03", D(2024, 4, 1)),
    (D(2024, 3, 20), "2024-04", D(2024, 5, 2)),      # 30/4 -> 2/5 (29/4–1/5 off)
    (D(2024, 8, 20), "2024-annual", D(2024, 12, 14)),  # the 15 Sep round is the annual one
    (D(2024, 12, 10), "2024-12", D(2024, 12, 30)),
    (D(2024, 12, 20), "2025-01", D(2025, 2, 3)),
])
def test_which_review_takes_a_request(received: date, review_id: str, due: date) -> None:
    p = round_for_request(received, WINDOW, DecisionSettings(), CAL)
    assert (p.review_id, p.due_on) == (review_id, due)


def test_the_profile_adds_days_off_and_working_days_the_package_cannot_know() -> None:
    settings = DecisionSettings(days_off=[DayNote(date=D(2023, 10, 4), note="nghỉ đột xuất")],
                                working_days=[DayNote(date=D(2023, 10, 7))])
    cal = WorkCalendar.from_settings(settings)
    assert not cal.is_working_day(D(2023, 10, 4)) and cal.is_working_day(D(2023, 10, 7))
    assert cal.period_end(D(2023, 10, 2), 3) == D(2023, 10, 6)   # 3, 5, 6
    assert cal.period_end(D(2023, 10, 6), 3) == D(2023, 10, 10)  # Sat 7, 9, 10


def test_counting_the_posting_day_itself_when_the_profile_says_so() -> None:
    assert CAL.period_end(D(2023, 10, 2), 3, count_start=True) == D(2023, 10, 4)
    assert CAL.period_end(D(2024, 2, 7), 3, count_start=True) == D(2024, 2, 16)


def test_working_days_left() -> None:
    assert CAL.working_days_left(D(2024, 2, 7), D(2024, 2, 19)) == 3
    assert CAL.working_days_left(D(2024, 2, 20), D(2024, 2, 19)) == 0


def test_the_profiles_settings_file(tmp_path) -> None:
    from konray_review.decisions import DecisionError, load_settings
    from konray_review.profile import load_profile

    shipped = load_settings(load_profile().directory)
    assert shipped == DecisionSettings()  # the shipped file states the law's defaults
    assert load_settings(tmp_path) == DecisionSettings()  # no file: the defaults
    (tmp_path / "decisions.yaml").write_text("days_off: [{date: 2027-02-30}]\n")
    with pytest.raises(DecisionError, match=r"decisions\.yaml"):
        load_settings(tmp_path)
    (tmp_path / "decisions.yaml").write_text("posting_working_days: 4\nunknown_key: 1\n")
    with pytest.raises(DecisionError, match="không hợp lệ"):
        load_settings(tmp_path)
