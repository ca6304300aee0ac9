"""``validate``: raw households + members -> accepted, quarantined, and why.

Pure apart from the optional Data Docs folder. The catalogue gives the rules, ``prepare``
builds the frames, an engine (Great Expectations by default) finds the failing rows, and
``quarantine`` turns them into the tables staff follow up.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from konray_review.quality.catalogue import (
    Catalogue,
    Check,
    Review,
    Table,
    checks,
    load_catalogue,
)
from konray_review.quality.prepare import (
    Prepared,
    QualityError,
    add_rule_columns,
    base_frame,
    datetime_columns,
    numeric_columns,
    require_columns,
)
from konray_review.quality.quarantine import split

Engine = Literal["gx", "pandas"]
_TABLES: tuple[Table, ...] = ("households", "members")


@dataclass
class QualityResult:
    """Outcome of validating one review's raw tables."""

    accepted_households: pd.DataFrame
    accepted_members: pd.DataFrame
    quarantined_households: pd.DataFrame
    quarantined_members: pd.DataFrame
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    failures: pd.DataFrame = field(repr=False)
    summary: dict[str, int] = field(default_factory=dict)
    docs_path: Path | None = None

    def counts_by(self, by: str | list[str] = "commune") -> pd.DataFrame:
        """Received, accepted and quarantined households per unit (always reconciling)."""
        by = [by] if isinstance(by, str) else list(by)
        acc = self.accepted_households.groupby(by, dropna=False).size().rename("accepted")
        qua = self.quarantined_households.groupby(by, dropna=False).size().rename("quarantined")
        out = pd.concat([acc, qua], axis=1).fillna(0).astype(np.int64)
        out.insert(0, "received", out["accepted"] + out["quarantined"])
        return out.reset_index()

    def rule_counts(self) -> pd.DataFrame:
        """How many quarantined households each rule and field caught."""
        q = self.quarantine
        return (q.groupby(["rule_id", "column"]).size().rename("households").reset_index()
                if len(q) else pd.DataFrame(columns=["rule_id", "column", "households"]))


def validate(
    households: pd.DataFrame,
    members: pd.DataFrame,
    *,
    year: int,
    profile: Any | None = None,
    docs_dir: str | os.PathLike[str] | None = None,
    engine: Engine = "gx",
    now: dt.datetime | None = None,
    catalogue: Catalogue | None = None,
) -> QualityResult:
    """Run the household and member suites; split the review into accepted and quarantined.

    ``docs_dir``: write Great Expectations Data Docs (HTML) there. ``engine="pandas"`` runs the
    same checks without GX (benchmarks, cross-checks). ``now`` fixes the clock for the
    "not in the future" rules. Raises ``QualityError`` when a required column is missing or
    a rule cannot run; data problems never raise, they quarantine.
    """
    catalogue = catalogue or load_catalogue()
    prepared, table_checks = prepare(households, members, year=year, profile=profile, now=now,
                                     catalogue=catalogue)
    failures = unshadow(run_engine(engine, prepared.frames, table_checks, docs_dir), catalogue)
    parts = split(households, members, failures, catalogue)
    bad_hh, bad_mem = parts["bad_households"], parts["bad_members"]
    result = QualityResult(
        accepted_households=households[~bad_hh],
        accepted_members=members[~bad_mem],
        quarantined_households=households[bad_hh],
        quarantined_members=members[bad_mem],
        quarantine=cast(pd.DataFrame, parts["quarantine"]),
        warnings=cast(pd.DataFrame, parts["warnings"]),
        failures=failures,
        docs_path=Path(docs_dir) / "index.html" if docs_dir is not None else None,
    )
    result.summary = _summary(result, len(households), len(members))
    return result


def prepare(households: pd.DataFrame, members: pd.DataFrame, *, year: int,
            profile: Any | None, now: dt.datetime | None,
            catalogue: Catalogue) -> tuple[Prepared, dict[str, list[Check]]]:
    """Prepared frames with every rule column, and the checks per table."""
    from konray_review.classifier.rules import RULE_COLUMNS
    from konray_review.profile import load_profile
    from konray_review.standards import standard_for_year

    profile = profile or load_profile()
    standard = standard_for_year(int(year), profile)
    review = Review.of(year, profile.review_window, profile.timezone, now)
    raw = {"households": households, "members": members}
    rules = {t: catalogue.for_table(t) for t in _TABLES}
    table_checks: dict[str, list[Check]] = {t: checks(rules[t], review) for t in _TABLES}
    numeric, dates = numeric_columns(catalogue), datetime_columns(catalogue)
    frames: dict[str, pd.DataFrame] = {}
    unreadable: dict[tuple[str, str], np.ndarray] = {}
    for t in _TABLES:
        wanted = _columns_needed(rules[t], t)
        require_columns(t, raw[t], table_checks[t], wanted - {"household_size"})
        wanted |= {"instance_id"} & set(raw[t].columns)  # rosters checked per submission
        frames[t], bad = base_frame(t, raw[t], wanted, numeric.get(t, set()),
                                    dates.get(t, set()))
        unreadable.update(bad)
    params = {ind.rule: dict(ind.params) for ind in standard.indicators}
    used = {c for ind in standard.indicators for part in RULE_COLUMNS[ind.rule] for c in part}
    prepared = Prepared(frames, raw, review, catalogue, unreadable=unreadable, context={
        "profile": profile, "standard": standard, "params": _with_defaults(params),
        "standard_columns": used})
    for t in _TABLES:
        add_rule_columns(prepared, t, rules[t])
    return prepared, table_checks


def _columns_needed(rules: list, table: str) -> set[str]:
    """Every column a rule of ``table`` names, plus what the cross-row rules read."""
    cols = {c for r in rules if r.field_table is None for c in r.columns}
    cols |= {"household_id"}
    if table == "households":
        cols |= {"review_year", "commune", "has_dwelling"}
    else:
        cols |= {"age", "relation", "member_no"}
    return cols


def _with_defaults(params: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {"nutrition": {"child_under": 16}, "child_schooling": {"min_age": 3, "max_age": 15}}
    for key, value in params.items():
        out[key] = {**out.get(key, {}), **value}
    return out


def run_engine(engine: Engine, frames: dict[str, pd.DataFrame],
               table_checks: dict[str, list[Check]],
               docs_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    from konray_review.quality import engines

    if engine == "gx":
        return engines.run_gx(frames, table_checks, docs_dir)
    if engine == "pandas":
        return engines.run_pandas(frames, table_checks)
    raise ValueError(f"unknown engine {engine!r} (gx or pandas)")


def unshadow(failures: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """An unreadable number or date is reported as such, not also as blank.

    (The prepared frame holds it as null, so the required-field expectation fails too.)
    """
    readers = {r.id for r in catalogue.rules if r.rule in ("is_number", "is_datetime")}
    required = {r.id for r in catalogue.rules if r.expectation == "ExpectColumnValuesToNotBeNull"
                or r.rule in ("required_if_dwelling", "required_by_standard")}
    key = ["table", "row", "column"]
    unreadable = failures.loc[failures["rule_id"].isin(readers), key].drop_duplicates()
    if unreadable.empty:
        return failures
    marked = failures.merge(unreadable.assign(_unreadable=True), on=key, how="left")
    shadowed = marked["rule_id"].isin(required) & marked["_unreadable"].eq(True)
    return failures[~shadowed.to_numpy()].reset_index(drop=True)


def _summary(result: QualityResult, n_hh: int, n_mem: int) -> dict[str, int]:
    out = {
        "received": n_hh,
        "accepted": len(result.accepted_households),
        "quarantined": len(result.quarantined_households),
        "members_received": n_mem,
        "members_accepted": len(result.accepted_members),
        "members_quarantined": len(result.quarantined_members),
        "households_with_warnings": int(result.warnings["instance_id"].nunique())
        if len(result.warnings) else 0,
    }
    for prefix in ("", "members_"):
        if out[f"{prefix}received"] != out[f"{prefix}accepted"] + out[f"{prefix}quarantined"]:
            raise QualityError(f"counts do not reconcile: {out}")  # a bug, never data
    return out
