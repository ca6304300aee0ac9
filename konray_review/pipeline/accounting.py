"""Every delivered row accounted for: the rule each run enforces and reports.

    delivered = accepted + quarantined + refused + deleted + other_year

per file and per form, where

* **delivered**: rows the source gave in this run (a file's data rows, an XML folder's
  files, a server's records), refused files included, counted as far as they can be;
* **accepted**: rows whose submission passed every rule (classified and listed);
* **quarantined**: rows whose submission is held back with rule ids (the quarantine list);
* **refused**: rows of a file that could not be read at all, named with the reason;
* **deleted**: rows that tell of a submission deleted on the server (not reviewed);
* **other_year**: rows of a submission another review year's run already holds.

An older copy of a stored submission (an old export imported again) and an earlier version
of an edited XML submission count with their submission. Roster lines refused because they
belong to no submission (``SRC-011``) are counted on their own (``members_refused``). If a
delivered row has no outcome, :class:`ReconciliationError` stops the run before anything is
stored: a lost row is a bug, never a silent result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from konray_review.masks import isin
from konray_review.pipeline.quarantine import Checked, ReconciliationError

OUTCOMES = ("accepted", "quarantined", "refused", "deleted", "other_year")
FILE_COLUMNS = ("file", "form_id", "delivered", *OUTCOMES, "older", "members_refused")


@dataclass(frozen=True)
class Accounting:
    """Per file and form counts (``FILE_COLUMNS``) and what the readers noted or refused."""

    files: pd.DataFrame
    findings: pd.DataFrame

    def total(self, column: str) -> int:
        return int(self.files[column].sum()) if len(self.files) else 0

    @property
    def delivered(self) -> int:
        return self.total("delivered")

    @property
    def refused(self) -> int:
        return self.total("refused")

    @property
    def refusals(self) -> pd.DataFrame:
        f = self.findings
        return f[f["scope"] == "refused"] if len(f) else f

    @property
    def notes(self) -> pd.DataFrame:
        f = self.findings
        return f[f["scope"] == "note"] if len(f) else f

    def line_vi(self) -> str:
        """``Nguồn giao 60 dòng = hợp lệ 57 + cách ly 2 + từ chối 1`` (+ the other terms
        when they are not zero)."""
        t = {c: self.total(c) for c in ("delivered", *OUTCOMES)}
        text = (f"Nguồn giao {t['delivered']} dòng = hợp lệ {t['accepted']} + cách ly "
                f"{t['quarantined']} + từ chối {t['refused']}")
        if t["deleted"]:
            text += f" + đã xoá trên máy chủ {t['deleted']}"
        if t["other_year"]:
            text += f" + thuộc năm rà soát khác {t['other_year']}"
        return text

    def line_en(self) -> str:
        t = {c: self.total(c) for c in ("delivered", *OUTCOMES)}
        text = (f"delivered {t['delivered']} = accepted {t['accepted']} + quarantined "
                f"{t['quarantined']} + refused {t['refused']}")
        if t["deleted"]:
            text += f" + deleted on the server {t['deleted']}"
        if t["other_year"]:
            text += f" + of another review year {t['other_year']}"
        return text


def account(pulled: Any, checked: Checked) -> Accounting:
    """Give every delivered row its outcome; raise if one has none."""
    report = pulled.report
    delivery = _delivery(report, getattr(pulled, "households", None))
    findings = report.findings.reset_index(drop=True) if len(report.findings) else \
        report.findings
    excluded = getattr(pulled, "excluded", {}) or {}
    accepted = set(checked.households["instance_id"])
    quarantined = set(checked.quarantine["instance_id"].dropna())
    ids = delivery["instance_id"]
    outcome = pd.Series(None, index=delivery.index, dtype=object)
    for name, members in (("accepted", accepted), ("quarantined", quarantined),
                          ("deleted", excluded.get("deleted", set())),
                          ("other_year", excluded.get("other_year", set()))):
        outcome = outcome.where(outcome.notna().to_numpy() | ~isin(ids, members), name)
    lost = delivery[outcome.isna()]
    if len(lost):
        raise ReconciliationError(
            f"{len(lost)} dòng đã nhận không có kết quả (đầu tiên: tệp {lost['file'].iloc[0]}, "
            f"dòng {lost['row'].iloc[0]}) ({len(lost)} delivered row(s) have no outcome)")
    delivery = delivery.assign(outcome=outcome)
    result = Accounting(_per_file(delivery, findings), findings)
    check(result)
    return result


def _delivery(report: Any, households: pd.DataFrame | None) -> pd.DataFrame:
    d = report.delivery
    if d is None or not len(d):
        return pd.DataFrame({"file": pd.Series(dtype=object), "row": pd.Series(dtype=object),
                             "instance_id": pd.Series(dtype=object),
                             "form_id": pd.Series(dtype=object)})
    d = d.reindex(columns=["file", "row", "instance_id", "form_id"]).copy()
    name = str(report.key)
    d["file"] = d["file"].astype(object).where(d["file"].notna(), name)
    return d


def _per_file(delivery: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per (file, form): rows delivered (counted from the delivery itself plus the
    rows of refused files) and each outcome (counted from the outcomes)."""
    key = [delivery["file"], delivery["form_id"].fillna("")]
    counts = (pd.crosstab(key, delivery["outcome"]) if len(delivery) else pd.DataFrame())
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
    if len(delivery):
        counts["delivered"] = delivery.groupby(key).size()
        counts.index = counts.index.set_names(["file", "form_id"])
    refused = _rows(findings, "SRC-013")
    extra = pd.DataFrame({"file": refused["file"].astype(object),
                          "form_id": refused["form_id"].fillna("").astype(object),
                          "refused": refused["n"], "delivered": refused["n"]})
    table = pd.concat([counts.reset_index() if len(delivery) else None, extra],
                      ignore_index=True)
    table = table.reindex(columns=list(FILE_COLUMNS), fill_value=0)
    numbers = ["delivered", *OUTCOMES]
    table[numbers] = table[numbers].apply(pd.to_numeric, errors="coerce").fillna(0)
    table = table.groupby(["file", "form_id"], as_index=False, sort=False)[numbers].sum()
    table[numbers] = table[numbers].astype(int)
    table["older"] = _by_file(table, _rows(findings, "SRC-012"))
    table["members_refused"] = _by_file(table, _rows(findings, "SRC-011"))
    table["form_id"] = table["form_id"].replace("", None)
    return table[list(FILE_COLUMNS)]


def _rows(findings: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    """Findings of one rule with their row counts (unknown counts as 0: a file that could
    not be opened has no rows to count)."""
    if not len(findings):
        return pd.DataFrame({"file": pd.Series(dtype=object), "form_id": pd.Series(dtype=object),
                             "n": pd.Series(dtype=int)})
    part = findings[findings["rule_id"] == rule_id]
    return part.assign(n=pd.to_numeric(part["rows"], errors="coerce").fillna(0).astype(int))


def _by_file(table: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    if not len(rows) or not len(table):
        return pd.Series(0, index=table.index, dtype=int)
    return table["file"].map(rows.groupby("file")["n"].sum()).fillna(0).astype(int)


def check(accounting: Accounting) -> None:
    """delivered = accepted + quarantined + refused + deleted + other_year, per file."""
    f = accounting.files
    if not len(f):
        return
    bad = f[f["delivered"] != f[list(OUTCOMES)].sum(axis=1)]
    if len(bad):
        raise ReconciliationError(f"số dòng không khớp ở tệp {bad['file'].iloc[0]} "
                                  f"(rows do not add up in {bad['file'].iloc[0]})")
