"""The half-year and annual district report for a date, from the store (``report`` flow).

Why a date: district staff report at fixed deadlines (half-year in June, annual in
November; ``profile.reporting``). The report counts the households of the review year on
record whose submission came in by that date, so a report re-made later for the same date
gives the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pandas as pd

from konray_review.masks import isin
from konray_review.pipeline.publish import year_tables
from konray_review.profile import Profile, load_profile
from konray_review.store import Store


@dataclass(frozen=True)
class ReportOutcome:
    out_dir: Path
    manifest: Path
    period: str  # "half_year" | "annual"
    as_of: date
    households: int

    @property
    def period_words(self) -> str:
        """``6 tháng`` / ``cả năm``: the period as the report and the CLI say it."""
        from konray_review.outputs.report_text import WORDS, word

        return word(WORDS, self.period, "vi")


def period_of(as_of: date) -> str:
    """January–June: the half-year report; otherwise the annual one."""
    return "half_year" if as_of.month <= 6 else "annual"


def as_of_tables(store: Store, year: int, as_of: date, timezone: str = "UTC"
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households and classification of ``year`` submitted by the end of ``as_of`` in the
    district's ``timezone`` (a phone's 23:30 in Viet Nam is that day, not the next UTC one)."""
    households, result, _ = year_tables(store, year)
    end = pd.Timestamp(datetime.combine(as_of, time.max), tz=timezone).tz_convert(UTC)
    keep = households["submitted_at"].isna() | (households["submitted_at"] <= end)
    households = households[keep].reset_index(drop=True)
    result = result[isin(result["household_id"], households["household_id"])]
    return households, result.reset_index(drop=True)


def run_report(store: Store, *, year: int, as_of: date | None = None,
               out_root: Path | str = "output", profile: Profile | None = None
               ) -> ReportOutcome:
    """Write the district report (XLSX, HTML, PDF) for ``year`` as of ``as_of`` (default
    today).

    The run time printed is the moment this report is made (``started_at``, now); the day
    the figures run to is ``as_of``. Households held for checking (quarantined) are counted
    as households, beside the number of their issues.
    """
    from konray_review.aggregates import district_summary
    from konray_review.decisions.recognised import report_tables
    from konray_review.outputs.manifest import write_manifest
    from konray_review.outputs.report import write_district_report
    from konray_review.standards import standard_for_year

    profile = profile or load_profile()
    from konray_review.settings import today

    as_of = as_of or today(profile)
    households, result = as_of_tables(store, year, as_of, profile.timezone)
    if households.empty:
        raise ValueError(f"chưa có dữ liệu rà soát năm {year} trong kho "
                         f"(no stored households for review year {year} by {as_of})")
    period = period_of(as_of)
    out_dir = Path(out_root) / str(year) / f"report-{period}-{as_of.isoformat()}"
    standard = standard_for_year(year, profile)
    summary = district_summary(households, result, standard=standard, profile=profile,
                               year=year)
    summary.update(report_tables(store, year, households, result))  # finished or not
    run_info = {"started_at": datetime.now(UTC).replace(microsecond=0), "year": year,
                "period": period, "as_of": as_of.isoformat()}
    entries = write_district_report(summary, out_dir, standard=standard, profile=profile,
                                    year=year, run_info=run_info,
                                    quarantine=store.read_quarantine(year))
    manifest = write_manifest(entries, out_dir)
    return ReportOutcome(out_dir, manifest, period, as_of, len(households))
