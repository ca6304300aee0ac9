"""The per-commune run summary shown as a Prefect artifact and printed by the CLI, and the
accounting of every delivered file (the same lines go to the run log).

Received and quarantined count this run's batch; poor and near-poor count the whole year on
record (a run may be one incremental pull of many), with rates against the profile's
target when it has one. The accounting (``pipeline.accounting``) says, per file and form,
what became of every row the source delivered.
"""

from __future__ import annotations

from typing import Any

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


#: the accounting table's columns, with their Vietnamese headings (``ACCOUNTING_LEGEND``
#: gives the English)
ACCOUNTING_HEADINGS = {
    "file": "Tệp", "form_id": "Biểu mẫu", "delivered": "Giao", "accepted": "Hợp lệ",
    "quarantined": "Cách ly", "refused": "Từ chối", "deleted": "Đã xoá",
    "other_year": "Năm khác", "older": "Bản cũ", "members_refused": "Dòng TV từ chối",
}
ACCOUNTING_LEGEND = ("Tệp = file, Biểu mẫu = form, Giao = delivered, Hợp lệ = accepted, "
                     "Cách ly = quarantined, Từ chối = refused, Đã xoá = deleted on the "
                     "server, Năm khác = of another review year, Bản cũ = older than stored, "
                     "Dòng TV từ chối = member rows refused")


def accounting_table(files: pd.DataFrame) -> pd.DataFrame:
    """Per file and form, with a total row when there are several; columns that are zero
    everywhere are left out (except the three of the rule: accepted, quarantined,
    refused)."""
    files = files.reindex(columns=list(ACCOUNTING_HEADINGS)).copy()
    numbers = list(ACCOUNTING_HEADINGS)[2:]
    files[numbers] = files[numbers].fillna(0).astype(int)
    files["form_id"] = files["form_id"].fillna("")
    if len(files) > 1:
        files.loc[len(files)] = {"file": "Tổng", "form_id": "",
                                 **files[numbers].sum().to_dict()}
    keep = ["file", "form_id", "delivered", "accepted", "quarantined", "refused"]
    keep += [c for c in ("deleted", "other_year", "older", "members_refused")
             if len(files) and files[c].sum()]
    return files[keep].rename(columns=ACCOUNTING_HEADINGS)


def log_accounting(acc: Any, checked: Any) -> None:
    """Write the accounting, refusals and notes to the run log (counts, files, rules and
    field names only: never a value from a submission)."""
    from konray_review.pipeline.runlog import log

    log.info("%s (%s)", acc.line_vi(), acc.line_en())
    for row in acc.files.itertuples(index=False):
        log.info("tệp %s [%s]: giao %d, hợp lệ %d, cách ly %d, từ chối %d, đã xoá %d, năm khác "
                 "%d, bản cũ %d, dòng thành viên từ chối %d", row.file, row.form_id or "-",
                 row.delivered, row.accepted, row.quarantined, row.refused, row.deleted,
                 row.other_year, row.older, row.members_refused)
    for f in acc.findings.itertuples(index=False):
        level = log.warning if f.scope == "refused" else log.info
        level("%s %s: %s | %s", f.rule_id, f.file, f.message_vi, f.message_en)
    q = checked.quarantine
    if len(q):
        by_rule = q.drop_duplicates(["instance_id", "rule_id"]).groupby("rule_id").size()
        log.info("cách ly theo quy tắc (quarantined submissions by rule): %s",
                 ", ".join(f"{k} {v}" for k, v in by_rule.items()))


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


#: the summary's columns as the terminal shows them (two-line headings keep the table
#: inside 80 columns; ``SUMMARY_LEGEND`` gives the English)
SUMMARY_HEADINGS = {
    "commune": "Xã", "received": "Nhận", "quarantined": "Cách\nly", "households": "Số hộ",
    "poor": "Nghèo", "near_poor": "Cận\nnghèo", "poor_rate": "%\nnghèo",
    "near_poor_rate": "% cận\nnghèo", "meets_target": "Đạt\nmục tiêu",
}
SUMMARY_LEGEND = ("Nhận = received, Cách ly = quarantined, Số hộ = households on record, "
                  "Nghèo = poor, Cận nghèo = near-poor, % = share of households, Đạt mục "
                  "tiêu = meets the poverty-rate target")


def percent(rate: float | None) -> str:
    """``0.1234`` -> ``12,3 %`` (Vietnamese decimal comma); missing -> ``—``."""
    if rate is None or pd.isna(rate):
        return "—"
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def yes_no(value: object) -> str:
    """``Có`` / ``Không``; no target -> ``—``."""
    if value is None or (not isinstance(value, bool | np.bool_)
                         and bool(pd.isna(value))):  # type: ignore[call-overload]
        return "—"
    return "Có" if bool(value) else "Không"


def terminal_summary(summary: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The summary as the terminal shows it: Vietnamese headings, rates as percentages,
    Có/Không; the target (one number for the whole area) goes in the caption, not a
    column, so the table fits 80 columns."""
    shown = summary.reindex(columns=list(SUMMARY_HEADINGS)).copy()
    for col in ("received", "quarantined", "households", "poor", "near_poor"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    for col in ("poor_rate", "near_poor_rate"):
        shown[col] = shown[col].map(percent)
    shown["meets_target"] = shown["meets_target"].map(yes_no)
    target = (summary["poor_rate_target"].dropna() if "poor_rate_target" in summary
              else pd.Series(dtype=float))
    caption = (f"Mục tiêu tỷ lệ nghèo (poverty-rate target): ≤ {percent(target.iloc[0])}"
               if len(target) else None)
    return shown.rename(columns=SUMMARY_HEADINGS), caption
