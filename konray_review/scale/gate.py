"""Classifier gate: classify what is valid, quarantine what the classifier rejects.

Why: validation should catch bad records first, but a partition must never be lost because
one record slipped through. ``classify`` raises ``InputError`` naming every bad household of
the first failing check; the gate moves those households to quarantine and classifies the
rest again (one round per kind of problem). It also applies the review-wide duplicate rule
the same way on every path, so partitioned and single-machine runs agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from konray_review.classifier import InputError, classify

#: quarantine at rest: the data-quality module's rule/field/message, plus which stage held
#: the record back; no values (they may be personal data)
QUARANTINE_COLUMNS = ["household_id", "rule_id", "table", "column", "member_nos", "message_vi",
                      "message_en", "stage"]
_MAX_ROUNDS = 25


@dataclass
class Gated:
    result: pd.DataFrame
    households: pd.DataFrame
    members: pd.DataFrame
    quarantine: pd.DataFrame


def quarantine_frame(rows: pd.DataFrame | None = None, stage: str = "") -> pd.DataFrame:
    """Normalise quarantine records to QUARANTINE_COLUMNS (all text)."""
    if rows is None or rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in QUARANTINE_COLUMNS})
    rows = rows.rename(columns={"problem": "message_en"})
    out = pd.DataFrame(index=rows.index)
    for c in QUARANTINE_COLUMNS:
        out[c] = rows[c] if c in rows.columns else None
    if stage:
        out["stage"] = out["stage"].fillna(stage)
        out["rule_id"] = out["rule_id"].fillna(stage)
    out["message_vi"] = out["message_vi"].fillna(out["message_en"])
    return out.astype({c: "str" for c in QUARANTINE_COLUMNS}).reset_index(drop=True)


def drop_duplicate_ids(households: pd.DataFrame, members: pd.DataFrame,
                       duplicate_ids: set[str] | frozenset[str] | pd.Index,
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Quarantine every row of a household id used more than once in the review.

    We cannot tell which submission is the real household, so none is classified; the
    duplicate ids come from the whole review (``duplicate_household_ids``), not one partition.
    """
    dup = households["household_id"].isin(duplicate_ids)
    if not dup.any():
        return households, members, quarantine_frame()
    q = pd.DataFrame({"household_id": households.loc[dup, "household_id"].unique(),
                      "table": "households", "column": "household_id",
                      "problem": "appears more than once in one review",
                      "message_vi": "mã hộ xuất hiện nhiều lần trong một kỳ rà soát",
                      "rule_id": "duplicate_household_id"})
    keep_mem = ~members["household_id"].isin(q["household_id"])
    return households[~dup], members[keep_mem], quarantine_frame(q, "duplicates")


def classify_gated(households: pd.DataFrame, members: pd.DataFrame, *, year: int,
                   profile: object | None = None, history: pd.DataFrame | None = None,
                   ) -> Gated:
    """``classify`` on the valid households; rejected households go to quarantine."""
    quarantined = []
    for _ in range(_MAX_ROUNDS):
        try:
            result = classify(households, members, year=year, profile=profile,
                              history=history)
        except InputError as err:
            problems = err.to_frame().drop(columns="value", errors="ignore")
            _refuse_table_level(problems)
            quarantined.append(problems)
            bad = set(problems["household_id"].astype(str))
            households = households[~households["household_id"].astype(str).isin(bad)]
            members = members[~members["household_id"].astype(str).isin(bad)]
            continue
        q = (quarantine_frame(pd.concat(quarantined, ignore_index=True), "classifier")
             if quarantined else quarantine_frame())
        return Gated(result.reset_index(drop=True), households, members, q)
    raise RuntimeError(f"classifier gate: still failing after {_MAX_ROUNDS} rounds")


def _refuse_table_level(problems: pd.DataFrame) -> None:
    """A missing column or blank id is a problem of the whole table, not of a household."""
    ids = problems["household_id"].astype(str)
    if ids.str.startswith("<").any():
        first = problems[ids.str.startswith("<")].iloc[0]
        raise ValueError(f"{first['table']}.{first['column']}: {first['problem']} "
                         f"({first['household_id']})")
