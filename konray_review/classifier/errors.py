"""Input errors that name the household and the column, never silently dropping a row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: how many offending records the message itself lists (all are kept on the exception)
_SHOWN = 5


@dataclass(frozen=True)
class Problem:
    household_id: str
    table: str
    column: str
    problem: str
    value: object = None


class InputError(ValueError):
    """Malformed classifier input. ``problems`` lists every offending record."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        shown = "; ".join(
            f"household {p.household_id!r}: {p.table}.{p.column} {p.problem}"
            + ("" if p.value is None else f" (value {p.value!r})")
            for p in problems[:_SHOWN]
        )
        more = f" … and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        super().__init__(f"{len(problems)} invalid record(s): {shown}{more}")
        self.household_id = first.household_id
        self.column = first.column

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems])


def raise_if(
    mask: np.ndarray, household_ids: pd.Series | np.ndarray, table: str, column: str,
    problem: str, values: np.ndarray | pd.Series | None = None,
) -> None:
    """Raise ``InputError`` for every row where ``mask`` is true (vectorised check).

    Ids and values are only materialised for the offending rows, so the common, clean case
    costs one ``any()``.
    """
    if not mask.any():
        return
    idx = np.flatnonzero(mask)
    ids = _take(household_ids, idx)
    vals = None if values is None else _take(values, idx)
    raise InputError([
        Problem(str(ids[k]), table, column, problem, None if vals is None else _plain(vals[k]))
        for k in range(len(idx))
    ])


def _take(values: pd.Series | np.ndarray, idx: np.ndarray) -> list[object]:
    if isinstance(values, pd.Series):
        return values.iloc[idx].astype(object).tolist()
    return np.asarray(values, dtype=object)[idx].tolist()


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
