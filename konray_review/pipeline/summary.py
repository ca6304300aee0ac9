"""The per-commune run summary shown as a Prefect artifact and printed by the CLI.

Received and quarantined count this run's batch; poor and near-poor count the whole year on
record (a run may be one incremental pull of many), with rates against the profile's
target when it has one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from konray_review.profile import Profile

SUMMARY_COLUMNS = ("commune", "received", "quarantined", "households", "poor", "near_poor",
                   "poor_rate", "near_poor_rate", "poor_rate_target", "meets_target")


def commune_summary(batch_households: pd.DataFrame, quarantine: pd.DataFrame,
                    classified: pd.DataFrame, profile: Profile, year: int) -> pd.DataFrame:
    """One row per commune plus a total row labelled by the profile (``total_label``)."""
    received = batch_households.groupby("commune", dropna=False).size()
    q = quarantine.drop_duplicates("instance_id")
    quarantined = q.groupby("commune", dropna=False).size()
    cat = classified["category"].astype(object)
    by = classified["commune"]
    counts = pd.DataFrame({"households": by.value_counts(),
                           "poor": (cat == "poor").groupby(by).sum(),
                           "near_poor": (cat == "near_poor").groupby(by).sum()})
    table = pd.concat([received.rename("received"), quarantined.rename("quarantined"), counts],
                      axis=1).fillna(0).astype(int)
    table.index = table.index.map(lambda c: "(trống)" if pd.isna(c) else c)
    table.loc[profile.total_label()] = table.sum()
    return _rates(table, profile, year).reset_index(names="commune")[list(SUMMARY_COLUMNS)]


def _rates(table: pd.DataFrame, profile: Profile, year: int) -> pd.DataFrame:
    n = table["households"].replace(0, np.nan)
    table["poor_rate"] = (table["poor"] / n).round(4)
    table["near_poor_rate"] = (table["near_poor"] / n).round(4)
    target = profile.target(year, "poor_rate_max")
    table["poor_rate_target"] = target
    table["meets_target"] = (table["poor_rate"] <= target) if target is not None else None
    return table


def to_markdown(summary: pd.DataFrame) -> str:
    """A small Markdown table (no extra dependency) for artifacts and logs."""
    cols = list(summary.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
              for row in summary.itertuples(index=False)]
    return "\n".join(lines)
