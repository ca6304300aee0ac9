"""Which field names a submission may carry: the forms' own, and the renamed ones of older
form versions.

Why: a field the normaliser does not know is silently ignored, so an older form version
(the income question under another name) would lose its answers without a word. Every
field name of every form (all questions, calculations and notes, for each standard) is
known; a name listed in a form's version history (``forms/<form>/renamed.yaml``, beside the
form source) is read under its current name and reported (``SRC-008``); any other name that
carries a value is reported (``SRC-007``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES

RENAMED_FILE = "renamed.yaml"


@dataclass(frozen=True)
class Renamed:
    """A field an older form version named ``old`` that the current form names ``new``."""

    form: str
    old: str
    new: str
    until: str  # the last form version that used the old name (as written in the history)


@cache
def renamed_fields() -> tuple[Renamed, ...]:
    """Every rename of every form's version history (empty list when there is none)."""
    from konray_review.forms.source import FORMS, FormSourceError, default_source_dir, read_yaml

    folder = default_source_dir()
    out: list[Renamed] = []
    for form in FORMS:
        path = folder / form / RENAMED_FILE
        if not path.is_file():
            continue
        for i, row in enumerate(read_yaml(path) or []):
            if not isinstance(row, dict) or not row.get("old") or not row.get("new"):
                raise FormSourceError(f"{path} row {i + 1}: needs 'old' and 'new' names")
            out.append(Renamed(form, str(row["old"]), str(row["new"]),
                               str(row.get("until", ""))))
    return tuple(out)


@cache
def known_fields() -> frozenset[str]:
    """Names of every field of every form, for each standard, plus the canonical columns."""
    from konray_review.forms.build import make_sheets
    from konray_review.forms.source import FORMS, default_source_dir
    from konray_review.profile import load_profile
    from konray_review.standards import list_standards, load_standard

    names: set[str] = {*HOUSEHOLD_NAMES, *MEMBER_NAMES, "household_size"}
    profile, folder = load_profile(), default_source_dir()
    for sid in list_standards():
        year = load_standard(sid).review_years[0]
        for form in FORMS:
            book, _ = make_sheets(form, year, profile, folder)
            names |= {str(r["name"]) for r in book["survey"] if r.get("name")}
    return frozenset(names)


def apply_renames(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[Renamed, int]]]:
    """Read old field names as their current ones; returns the renames used and how many
    rows each filled. A current-name value, when both are present, is never overwritten."""
    used: list[tuple[Renamed, int]] = []
    for r in renamed_fields():
        if r.old not in frame.columns:
            continue
        frame = frame.copy()  # a column is added below: never on a fragmented frame
        old = frame[r.old]
        filled = old.notna() & old.astype(str).str.strip().ne("")
        if r.new in frame.columns:
            new = frame[r.new]
            blank = new.isna() | new.astype(str).str.strip().eq("")
            take = filled & blank
            frame[r.new] = new.astype(object).where(~take, old.astype(object))
        else:
            take = filled
            frame[r.new] = old.astype(object)
        frame = frame.drop(columns=[r.old])
        if take.any():
            used.append((r, int(take.sum())))
    return frame, used


def unknown_fields(frame: pd.DataFrame, ignore: set[str],
                   read: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """Columns the forms do not know that hold at least one value, with how many rows.

    ``read``: the field names the caller reads itself (every one is a form field, which
    ``tests/sources/test_fieldnames.py`` holds). Why: building every form of every
    standard for :func:`known_fields` costs about a second (pyxform's import, the form
    sources); a delivery whose every column is read or ignored does not need it.
    """
    names = [c for c in frame.columns
             if c not in ignore and c not in read and not str(c).startswith("__")]
    if not names:
        return []
    known = known_fields()
    out = []
    for col in names:
        if col in known:
            continue
        values = frame[col]
        filled = int((values.notna() & values.astype(str).str.strip().ne("")).sum())
        if filled:
            out.append((col, filled))
    return out
