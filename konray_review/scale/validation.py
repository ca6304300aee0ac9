"""Validation of one partition (or of a whole review) through the data-quality module.

The data-quality module (``konray_review.quality``) owns the rules; this adapter only calls
it and normalises what comes back, so that the partitioned and single-machine paths validate
the same way. ``engine`` picks how the rules run (see docs/scale.md): the Great Expectations
run with its Data Docs, or the same rules as plain vectorised checks for large runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from konray_review.quality.validate import Engine

import pandas as pd

from konray_review.scale.gate import quarantine_frame

#: "gx": Great Expectations (the default; Data Docs); "pandas": the same catalogue rules as
#: plain vectorised checks (no GX import, faster per partition)
ENGINES = ("gx", "pandas")


@dataclass
class Validated:
    households: pd.DataFrame
    members: pd.DataFrame
    quarantine: pd.DataFrame


def validate_tables(households: pd.DataFrame, members: pd.DataFrame, *, year: int,
                    profile: Any | None = None, engine: str = "gx") -> Validated:
    """Accepted households and members, and the quarantined records (never dropped silently)."""
    from konray_review.quality import validate  # data-quality helper; may import GX lazily

    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}: choose {' or '.join(ENGINES)}")
    report = validate(households, members, year=year, profile=profile,
                      engine=cast("Engine", engine))  # checked against ENGINES above
    return Validated(report.accepted_households, report.accepted_members,
                     quarantine_frame(report.quarantine, "validation"))
