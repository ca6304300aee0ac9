"""Quarantine bookkeeping: parse problems become quarantine rows, counts must reconcile.

Why here and not in the quality suites: a value the source could not even type (``"abc"``
in a number field) is reported by the normaliser, before any rule runs. Such a submission
is quarantined like a rule failure, so ``received = accepted + quarantined`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PARSE_RULE = "SRC-001"
QUARANTINE_COLUMNS = ("household_id", "instance_id", "enumerator", "commune", "village",
                      "rule_id", "column", "message_vi", "message_en")


class ReconciliationError(RuntimeError):
    """received != accepted + quarantined: a submission was lost or counted twice."""


@dataclass(frozen=True)
class Checked:
    """A batch after the quality gate: what goes on, what stays in quarantine."""

    households: pd.DataFrame
    members: pd.DataFrame
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS, one row per failed rule and field
    received: int
    docs_path: str | None = None

    @property
    def accepted(self) -> int:
        return len(self.households)

    @property
    def quarantined(self) -> int:
        return int(self.quarantine["instance_id"].nunique())


def problem_rows(problems: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Normaliser problems (instance_id, table, column, value, problem) as quarantine rows."""
    if problems is None or problems.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    units = households.drop_duplicates("instance_id").set_index("instance_id")
    ids = problems["instance_id"].astype(object)
    out = pd.DataFrame({
        "household_id": ids.map(units["household_id"]),
        "instance_id": ids,
        "enumerator": ids.map(units["enumerator"]),
        "commune": ids.map(units["commune"]),
        "village": ids.map(units["village"]),
        "rule_id": PARSE_RULE,
        "column": problems["column"].astype(object),
        "message_vi": problems["problem"].astype(object),
        "message_en": "value could not be read (" + problems["column"].astype(str) + ")",
    })
    return out.reset_index(drop=True)


def merge_quarantine(accepted_hh: pd.DataFrame, accepted_mem: pd.DataFrame,
                     rule_rows: pd.DataFrame, parse_rows: pd.DataFrame,
                     received: int, docs_path: str | None = None) -> Checked:
    """Move parse-problem submissions out of the accepted set, then reconcile the counts."""
    q = pd.concat([_columns(rule_rows), _columns(parse_rows)], ignore_index=True)
    bad = set(q["instance_id"].dropna())
    keep = ~accepted_hh["instance_id"].isin(bad)
    hh = accepted_hh[keep].reset_index(drop=True)
    mem = accepted_mem[accepted_mem["household_id"].isin(set(hh["household_id"]))]
    checked = Checked(hh, mem.reset_index(drop=True), q, received, docs_path)
    reconcile(checked)
    return checked


def reconcile(checked: Checked) -> None:
    """Raise unless every received submission is either accepted or quarantined, not both."""
    both = set(checked.households["instance_id"]) & set(checked.quarantine["instance_id"])
    total = checked.accepted + checked.quarantined
    if both or total != checked.received:
        raise ReconciliationError(
            f"số bản ghi không khớp: nhận {checked.received}, hợp lệ {checked.accepted}, "
            f"cách ly {checked.quarantined} (received != accepted + quarantined; "
            f"{len(both)} submission(s) both accepted and quarantined)")


def _columns(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    missing = [c for c in ("instance_id", "rule_id") if c not in frame.columns]
    if missing:
        raise ValueError(f"quarantine rows lack column(s) {missing}")
    out = frame.reindex(columns=list(QUARANTINE_COLUMNS))
    return out.astype(object).where(out.notna(), None)
