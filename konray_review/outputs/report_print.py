"""The official frame of the district report: who issues it, where and when, for which
period, who signs it, and the lines that say when and how it was made.

Why a module of its own: the province sends back a report without the national motto,
the issuing office, a number, a Vietnamese dateline and a signature block. Everything here
comes from the district profile (``profile.reporting``, with defaults built from the
profile's district and province) and from ``run_info``, never from text written into code
for one district. The PDF itself is made by the print foundation (``outputs/printing.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pandas as pd

from konray_review.outputs.printing import Issuer, PrintPage, Signature
from konray_review.outputs.report_text import WORDS, word
from konray_review.profile import Profile

#: Vietnam keeps UTC+7 all year (no daylight saving): a fixed offset is exact
VN_TIME = timezone(timedelta(hours=7))

#: keys of ``profile.reporting`` this module reads (all optional)
REPORTING_KEYS = ("place", "issuer_parent", "issuer_office", "number", "signer_capacity",
                  "signer_title", "signer_name", "recipients")


def _instant(value: Any) -> datetime | None:
    """A run time as an aware datetime (naive values are UTC, as ``files.run_stamp`` reads)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=VN_TIME)
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    instant = _instant(value)
    return instant.astimezone(VN_TIME).date() if instant else None


def dmy(on: date) -> str:
    """``02/12/2026``: dates inside running text."""
    return f"{on.day:02d}/{on.month:02d}/{on.year}"


def local_time(value: Any, lang: str) -> str:
    """``15:13 ngày 02/12/2026 (giờ Việt Nam)``: a run time as staff read clocks."""
    instant = _instant(value)
    if instant is None:
        return ""
    t = instant.astimezone(VN_TIME)
    return word(WORDS, "clock", lang, hm=f"{t.hour:02d}:{t.minute:02d}", day=dmy(t.date()))


def report_date(run_info: Mapping[str, Any] | None) -> date | None:
    """The dateline's date: ``report_date`` when given, else the day (Vietnam time) the
    run or the report was made; none when unknown (the date is then written by hand)."""
    info = run_info or {}
    return _day(info.get("report_date")) or _day(info.get("started_at"))


def period_text(run_info: Mapping[str, Any] | None, year: int, lang: str) -> str:
    """The reporting period in words, with the day the figures run to."""
    info = run_info or {}
    as_of = _day(info.get("as_of"))
    period = info.get("period")
    if period in ("half_year", "annual"):
        on_year = as_of.year if (as_of and period == "half_year") else year
        text = word(WORDS, f"period_{period}", lang, year=on_year)
    else:
        text = word(WORDS, "period_review", lang, year=year)
    if as_of is not None:
        return word(WORDS, "period_as_of", lang, period=text, day=dmy(as_of))
    made = local_time(info.get("started_at"), lang)
    return word(WORDS, "period_at_run", lang, period=text, at=made) if made else text


def place(profile: Profile) -> str:
    """The place of the dateline: the profile's ``reporting.place``, else its district,
    else its province."""
    return profile.reporting.get("place") or profile.district or profile.province


def issuer(profile: Profile) -> Issuer:
    """The issuing body: by default the People's Committee of the district (or of the
    province for a profile without a district), report number ``…/BC-UBND``."""
    r = profile.reporting
    unit = (f"huyện {profile.district}" if profile.district else f"tỉnh {profile.province}")
    return Issuer(office=r.get("issuer_office") or f"Ủy ban nhân dân {unit}".upper(),
                  parent=r.get("issuer_parent", ""),
                  number=r.get("number") or "Số:        /BC-UBND")


def signature(profile: Profile) -> Signature:
    """Signed for the committee by its chairman unless the profile names another signer."""
    r = profile.reporting
    return Signature(title=r.get("signer_title") or "CHỦ TỊCH",
                     capacity=r.get("signer_capacity", "TM. ỦY BAN NHÂN DÂN"),
                     name=r.get("signer_name", ""))


def recipients(profile: Profile) -> list[str]:
    """``reporting.recipients`` (separated by ``;``), else the province and the archive."""
    given = profile.reporting.get("recipients")
    if given:
        return [p.strip() for p in given.split(";") if p.strip()]
    return [f"UBND tỉnh {profile.province}", "Lưu: VT"]


def print_page(profile: Profile, title: str, run_info: Mapping[str, Any] | None,
               footer_note: str = "") -> PrintPage:
    return PrintPage(title=title, issuer=issuer(profile), place=place(profile),
                     on=report_date(run_info), orientation="portrait",
                     signatures=[signature(profile)], recipients=recipients(profile),
                     footer_note=footer_note)


def quarantine_counts(quarantine: pd.DataFrame | None) -> dict[str, int] | None:
    """Households, submissions and issues of the quarantine table (one row per issue): a
    household sent twice is one household and two submissions. A row without a household
    id counts as a household of its own."""
    if quarantine is None:
        return None
    out = {"issues": len(quarantine)}
    if "household_id" in quarantine.columns:
        ids = quarantine["household_id"].astype("object")
        out["households"] = int(ids.dropna().nunique()) + int(ids.isna().sum())
    if "instance_id" in quarantine.columns:
        out["submissions"] = int(quarantine["instance_id"].nunique())
    return out


#: run_info keys shown in the "run" section, in this order (others are not printed)
_RUN_KEYS = ("started_at", "run_id", "year", "period", "as_of", "source", "accounting",
             "note")


def run_lines(run_info: Mapping[str, Any] | None, lang: str,
              quarantine: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """The "run information" lines: labelled, dates in Vietnamese form, counts with what
    they count (households, issues)."""
    info = run_info or {}
    rows: list[tuple[str, str]] = []
    for key in _RUN_KEYS:
        value = info.get(key)
        if value is None or value == "":
            continue
        if key == "started_at":
            label = "made_at" if info.get("period") else "started_at"
            rows.append((word(WORDS, label, lang), local_time(value, lang)))
        elif key == "as_of":
            day = _day(value)
            rows.append((word(WORDS, key, lang), dmy(day) if day else str(value)))
        elif key == "period":
            rows.append((word(WORDS, key, lang), word(WORDS, str(value), lang)))
        else:
            rows.append((word(WORDS, key, lang), str(value)))
    counts = quarantine_counts(quarantine)
    if counts is not None:
        parts = [word(WORDS, f"count_{k}", lang, n=counts[k])
                 for k in ("submissions", "issues") if k in counts]
        one = counts.get("households") == 1
        head = (word(WORDS, "count_household" if one else "count_households", lang,
                     n=counts["households"])
                if "households" in counts else parts.pop(0))
        text = f"{head} ({', '.join(parts)})" if parts else head
        rows.append((word(WORDS, "quarantined", lang), text))
    return rows
