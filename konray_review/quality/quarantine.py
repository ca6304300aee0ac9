"""From failing rows to the quarantine: who is held back, why, and counts that reconcile.

A household with any error-level failure, on its own row or on one of its members, is
quarantined with all its members; a member whose household was not received is quarantined
on its own. Every quarantined household has at least one quarantine row naming the rule, the
field and the message, so nothing is dropped silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from konray_review.masks import isin
from konray_review.quality.catalogue import Catalogue

QUARANTINE_COLUMNS = ["household_id", "instance_id", "enumerator", "commune", "village",
                      "rule_id", "table", "column", "member_nos", "severity", "message_vi",
                      "message_en"]
_CONTEXT = ["instance_id", "enumerator", "commune", "village"]


def split(households: pd.DataFrame, members: pd.DataFrame, failures: pd.DataFrame,
          catalogue: Catalogue) -> dict[str, pd.DataFrame | np.ndarray]:
    """Quarantine and warning tables plus the row masks of the held-back records."""
    severity = failures["rule_id"].map({r.id: r.severity for r in catalogue.rules})
    errors, warnings = failures[severity == "error"], failures[severity == "warning"]
    hh_ids = households["household_id"]
    mem_ids = members["household_id"]

    bad_hh = np.zeros(len(households), dtype=bool)
    bad_hh[errors.loc[errors["table"] == "households", "row"].to_numpy()] = True
    mem_err_rows = errors.loc[errors["table"] == "members", "row"].to_numpy()
    bad_hh |= isin(hh_ids, mem_ids.iloc[mem_err_rows], match_missing=False)
    bad_mem = isin(mem_ids, hh_ids[bad_hh], match_missing=False)
    bad_mem[mem_err_rows] = True
    return {
        "bad_households": bad_hh,
        "bad_members": bad_mem,
        "quarantine": _table(households, members, errors, catalogue),
        "warnings": _table(households, members, warnings, catalogue),
    }


def _table(households: pd.DataFrame, members: pd.DataFrame, failures: pd.DataFrame,
           catalogue: Catalogue) -> pd.DataFrame:
    """One row per household (submission) × rule × field, member lines listed together."""
    if not len(failures):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
    hh_part = failures[failures["table"] == "households"]
    hh_rows = pd.DataFrame({"hh_row": hh_part["row"].to_numpy(),
                            "rule_id": hh_part["rule_id"].to_numpy(),
                            "column": hh_part["column"].to_numpy(), "member_no": np.nan})
    mem_part = failures[failures["table"] == "members"]
    key = "instance_id" if "instance_id" in members.columns and "instance_id" in \
        households.columns and members["instance_id"].notna().all() else "household_id"
    mem_rows = pd.DataFrame({
        "household_id": members["household_id"].to_numpy()[mem_part["row"].to_numpy()],
        "_key": members[key].to_numpy()[mem_part["row"].to_numpy()],
        "member_no": pd.to_numeric(members["member_no"].iloc[mem_part["row"].to_numpy()],
                                   errors="coerce").to_numpy(dtype=float),
        "rule_id": mem_part["rule_id"].to_numpy(), "column": mem_part["column"].to_numpy()})
    positions = pd.DataFrame({"_key": households[key].to_numpy(),
                              "hh_row": np.arange(len(households))}).dropna()
    mem_rows = mem_rows.merge(positions, on="_key", how="left").drop(columns="_key")
    mem_rows["hh_row"] = mem_rows["hh_row"].fillna(-1).astype(np.int64)
    rows = pd.concat([hh_rows, mem_rows.drop(columns="household_id")], ignore_index=True)
    rows["orphan_id"] = pd.concat([pd.Series([None] * len(hh_rows), dtype=object),
                                   mem_rows["household_id"].astype(object)], ignore_index=True)
    rows["orphan_id"] = rows["orphan_id"].where(rows["hh_row"] < 0)
    keys = ["hh_row", "orphan_id", "rule_id", "column"]
    rows = rows.sort_values("member_no", kind="stable")
    no = rows["member_no"].to_numpy(dtype=float)
    rows["member_no"] = np.where(np.isnan(no), "", np.nan_to_num(no).astype(np.int64).astype(str))
    rows = rows.drop_duplicates([*keys, "member_no"])
    grouped = rows.groupby(keys, dropna=False, sort=False)["member_no"].agg(_join)
    out = grouped.reset_index().rename(columns={"member_no": "member_nos"})
    return _decorate(out, households, catalogue)


def _join(nos: pd.Series) -> str:
    return ", ".join(n for n in nos if n)


def _decorate(out: pd.DataFrame, households: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    pos = out["hh_row"].to_numpy()
    known = pos >= 0
    safe = np.where(known, pos, 0)
    for col in ["household_id", *_CONTEXT]:
        vals = households[col].to_numpy(dtype=object)[safe] if col in households.columns \
            and len(households) else np.full(len(out), None, dtype=object)
        out[col] = np.where(known, vals, np.asarray(None, dtype=object))
    out["household_id"] = np.where(known, out["household_id"], out["orphan_id"])
    rules = {r.id: r for r in catalogue.rules}
    pairs = out[["rule_id", "column"]].drop_duplicates()
    texts = pd.DataFrame(
        [(rid, col, rules[rid].field_table or rules[rid].table, rules[rid].severity,
          catalogue.message(rules[rid], col, "vi"), catalogue.message(rules[rid], col, "en"))
         for rid, col in pairs.itertuples(index=False)],  # distinct (rule, field) pairs only
        columns=["rule_id", "column", "table", "severity", "message_vi", "message_en"])
    out = out.merge(texts, on=["rule_id", "column"], how="left")
    out = out.sort_values(["commune", "village", "enumerator", "household_id", "instance_id",
                           "rule_id", "column"], na_position="last", kind="stable")
    return out[QUARANTINE_COLUMNS].reset_index(drop=True)
