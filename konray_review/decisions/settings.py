"""The district's settings for the steps after the survey: ``decisions.yaml`` in the profile.

Why a file beside ``profile.yaml`` and not more fields in it: these settings change on a
different rhythm (the government announces swapped days off every year; a district turns
write-back on once its server is ready) and a missing file must mean "the law's defaults".
Every number here has its legal source in ``docs/decisions.md``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from konray_review.decisions.errors import DecisionError

SETTINGS_FILE = "decisions.yaml"


class DayNote(BaseModel):
    """One dated exception to the calendar, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    date: date
    note: str = ""


class RegularReview(BaseModel):
    """The mid-year (regular) review: monthly from the 15th, settled within 15 days."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start_day: int = Field(15, ge=1, le=28)
    settle_days: int = Field(15, ge=1)
    #: "calendar": the law says "ngày" (calendar days; a deadline on a day off moves to the
    #: next working day, Civil Code 2015 Art. 148); "working": count working days instead
    settle_in: Literal["calendar", "working"] = "calendar"
    #: a request whose round would start inside the annual window joins the annual review
    during_annual_window: bool = False


class DecisionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    posting_working_days: int = Field(3, ge=1)
    recheck_working_days: int = Field(7, ge=1)
    #: False: the day posting starts is not counted (Civil Code 2015 Art. 147: a period in
    #: days starts the day after the event), so 3 full working days are always posted
    posting_counts_start_day: bool = False
    quorum_share: float = Field(0.5, gt=0, le=1)
    regular_review: RegularReview = Field(default_factory=RegularReview)
    #: extra days off the `holidays` package cannot know (a province's own day, a swap
    #: announced late); and Saturdays/Sundays made working days by a swap
    days_off: list[DayNote] = Field(default_factory=list)
    working_days: list[DayNote] = Field(default_factory=list)
    #: mark a recognised household's submission approved on the server (ODK Central review
    #: state / KoBo validation status), with the decision named in the comment
    write_back_approved: bool = False
    #: folder (relative to the profile) with the district's own DOCX templates
    documents_dir: str = "documents"
    #: who signs the commune's documents (printed under the signature line; blank = by hand)
    chairman_name: str = ""


def load_settings(profile_dir: str | Path | None) -> DecisionSettings:
    """``<profile>/decisions.yaml`` or the defaults when the file is absent."""
    if not profile_dir:
        return DecisionSettings()
    path = Path(profile_dir) / SETTINGS_FILE
    if not path.is_file():
        return DecisionSettings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return DecisionSettings.model_validate(raw)
    except (yaml.YAMLError, ValueError) as exc:  # ValidationError, or a date like 02-30
        first = str(exc).splitlines()[:3]
        raise DecisionError(f"Tệp {path} không hợp lệ: {' '.join(first)}",
                            f"{path} is not valid: {' '.join(first)}") from None
