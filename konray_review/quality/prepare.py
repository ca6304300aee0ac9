"""Prepared frames: what both engines validate, built once per run with vectorised pandas.

Why a prepared copy rather than the raw tables: (1) blank text counts as blank, (2) numbers
and dates arrive as text from some sources and must be compared as numbers and instants
(unreadable values are flagged by their own rule, not by a crash), (3) personal data never
reaches Great Expectations or Data Docs (names become a presence marker), (4) the
cross-row rules become boolean columns (``rule__<id>__<column>``) that a suite expects to be
all True. ``_row`` is the position of the row in the caller's table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from konray_review.quality.catalogue import Catalogue, Check, Review, Rule, rule_column
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, PII_COLUMNS

ROW = "_row"
#: columns that may be absent from a source (their rules then have nothing to compare)
OPTIONAL_COLUMNS = frozenset({"household_size"})
_PRESENT = "✓"
#: where blank may be null, "" is not a blank but a wrong value (the classifier rejects it)
_NULLABLE = frozenset(c.name for c in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS if c.nullable)


class QualityError(ValueError):
    """Validation could not run (a column is missing, or the engine failed on a rule)."""


@dataclass
class Prepared:
    """The frames the engines read, plus the per-column parse failures rules report."""

    frames: dict[str, pd.DataFrame]
    raw: dict[str, pd.DataFrame]
    review: Review | None
    catalogue: Catalogue
    context: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


def numeric_columns(catalogue: Catalogue) -> dict[str, set[str]]:
    return _columns_of_rule(catalogue, "is_number")


def datetime_columns(catalogue: Catalogue) -> dict[str, set[str]]:
    return _columns_of_rule(catalogue, "is_datetime")


def _columns_of_rule(catalogue: Catalogue, name: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in catalogue.rules:
        if r.rule == name:
            out.setdefault(r.table, set()).update(r.columns)
    return out


def require_columns(table: str, frame: pd.DataFrame, checks: list[Check],
                    extra: set[str]) -> None:
    """Missing columns are a source-mapping error: name them all, validate nothing."""
    wanted = {c.column for c in checks if c.target == c.column} | extra
    missing = sorted(wanted - set(frame.columns) - OPTIONAL_COLUMNS)
    if missing:
        raise QualityError(f"{table}: column(s) missing from the input: {', '.join(missing)}")


def base_frame(table: str, frame: pd.DataFrame, columns: set[str], numeric: set[str],
               dates: set[str]) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    """Normalised copy of ``columns`` (+ ``_row``); returns it and the unreadable masks.

    Blank text counts as blank only in required fields (stricter than the classifier, never
    looser); in a field that may be left blank, "" is reported as a wrong value.
    """
    data: dict[str, Any] = {ROW: np.arange(len(frame), dtype=np.int64)}
    unreadable: dict[tuple[str, str], np.ndarray] = {}
    for col in sorted(columns):
        if col not in frame.columns:
            continue
        s = frame[col].reset_index(drop=True)
        if col not in _NULLABLE:
            s = _blank_to_null(s)
        if col in numeric:
            s, bad = _as_number(s)
            unreadable[(table, col)] = bad
        elif col in dates:
            s, bad = _as_instant(s)
            unreadable[(table, col)] = bad
        elif col in PII_COLUMNS:
            present = np.where(s.notna().to_numpy(), np.asarray(_PRESENT, dtype=object),
                               np.asarray(None, dtype=object))
            s = pd.Series(present, dtype="object")
        data[col] = s.to_numpy() if not isinstance(s.dtype, pd.api.extensions.ExtensionDtype) \
            else s.reset_index(drop=True)
    return pd.DataFrame(data), unreadable


def _blank_to_null(s: pd.Series) -> pd.Series:
    """Empty or whitespace-only text is blank."""
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.StringDtype):
        blank = (s.str.strip() == "").fillna(False).to_numpy(dtype=bool)
    elif s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
        uniq = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else pd.unique(s)
        blanks = [u for u in np.asarray(uniq, dtype=object) if isinstance(u, str)
                  and not u.strip()]
        if not blanks:
            return s
        blank = s.isin(blanks).to_numpy()
    else:
        return s
    return s.mask(blank) if blank.any() else s


def _as_number(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        conv = pd.to_numeric(s.astype(object).where(~s.map(_is_bool, na_action="ignore")
                                                     .fillna(False).astype(bool)),
                             errors="coerce")
    else:
        conv = s
    conv = conv.astype("float64")
    return conv, (s.notna() & conv.isna()).to_numpy()


def _is_bool(v: object) -> bool:
    return isinstance(v, bool | np.bool_)


def _as_instant(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """UTC instants; a naive value is taken as UTC (the data model stores UTC)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        conv = s.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(s.dtype):
        conv = s.dt.tz_localize("UTC")
    else:
        conv = pd.to_datetime(s, errors="coerce", utc=True, format="mixed")
    return conv, (s.notna() & conv.isna()).to_numpy()


def add_rule_columns(prepared: Prepared, table: str, rules: list[Rule]) -> None:
    """Evaluate every named pandas rule of ``table`` into its boolean column."""
    from konray_review.quality.rules import RULES

    frame = prepared.frames[table]
    for rule in rules:
        if not rule.rule:
            continue
        fn = RULES.get(rule.rule)
        if fn is None:
            raise QualityError(f"rule {rule.id}: no pandas rule named {rule.rule!r}")
        for col in rule.columns:
            ok = np.asarray(fn(prepared, table, col), dtype=bool)
            frame[rule_column(rule.id, col)] = ok
