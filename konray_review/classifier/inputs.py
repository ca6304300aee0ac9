"""Column readers: turn a pandas column into a NumPy array, rejecting what the rules can't use.

Each reader checks one column in one vectorised pass and raises ``InputError`` naming every
offending household. Categorical columns take a fast path (codes are mapped once per category).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from konray_review.classifier.errors import InputError, Problem, raise_if


class Table:
    """A frame plus, per row, the household id to name in errors."""

    def __init__(self, name: str, frame: pd.DataFrame, household_ids: pd.Series):
        self.name = name
        self.frame = frame
        self.household_ids = household_ids

    def require(self, columns: Sequence[str]) -> None:
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            hid = str(self.household_ids[0]) if len(self.household_ids) else "<none>"
            raise InputError([Problem(hid, self.name, c, "column is missing") for c in missing])

    def booleans(self, column: str, *,
                 allow_null: np.ndarray | bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(values, is_null). Nulls are errors except where ``allow_null`` is true."""
        s = self.frame[column]
        if s.dtype == bool:
            return s.to_numpy(), np.zeros(len(s), dtype=bool)
        null = s.isna().to_numpy()
        bad_null = null & ~np.asarray(allow_null, dtype=bool) if np.ndim(allow_null) else (
            null if not allow_null else np.zeros(len(s), dtype=bool))
        raise_if(bad_null, self.household_ids, self.name, column, "is blank")
        if isinstance(s.dtype, pd.BooleanDtype):
            return s.to_numpy(dtype=bool, na_value=False), null
        if pd.api.types.is_numeric_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            raise_if(~null & (arr != 0) & (arr != 1), self.household_ids, self.name, column,
                     "is not true/false", s)
            return np.nan_to_num(arr) == 1, null
        obj = s.astype(object)
        ok = obj.isin([True, False]).to_numpy() | null
        raise_if(~ok, self.household_ids, self.name, column, "is not true/false", s)
        return (obj == True).to_numpy(dtype=bool), null  # noqa: E712  (object column)

    def numbers(self, column: str, *, allow_null: bool | np.ndarray = False,
                minimum: float | None = None) -> np.ndarray:
        """Float array (NaN for allowed nulls); below ``minimum`` is an error."""
        s = self.frame[column]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            conv = pd.to_numeric(s, errors="coerce")
            raise_if((conv.isna() & s.notna()).to_numpy(), self.household_ids, self.name,
                     column, "is not a number", s)
            s = conv
        arr = s.to_numpy(dtype=float, na_value=np.nan)
        null = np.isnan(arr)
        allowed = np.asarray(allow_null, dtype=bool)
        raise_if(null & ~allowed, self.household_ids, self.name, column, "is blank")
        if minimum is not None:
            raise_if(arr < minimum, self.household_ids, self.name, column,
                     f"is below {minimum:g}", arr)
        return arr

    def codes(self, column: str, allowed: Sequence[str], *,
              allow_null: bool | np.ndarray = False) -> np.ndarray:
        """Positions in ``allowed`` (int16), -1 for allowed nulls; unknown codes are errors."""
        pos, null = code_positions(self.frame[column], allowed)
        raise_if((pos == -1) & ~null, self.household_ids, self.name, column,
                 "has an unknown code", self.frame[column])
        raise_if(null & ~np.asarray(allow_null, dtype=bool), self.household_ids, self.name,
                 column, "is blank")
        return pos


def code_positions(s: pd.Series, allowed: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``allowed`` or -1, is_null) for a string or categorical column.

    Hashing runs in Arrow's C++ kernels (``index_in``); categoricals map each category once.
    """
    allowed_arr = pa.array(list(allowed), type=pa.string())
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pa.array(s.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
        cat_pos = pc.index_in(cats, value_set=allowed_arr).fill_null(-1).to_numpy()
        raw = s.cat.codes.to_numpy()
        null = raw < 0
        pos = np.where(null, -1, cat_pos[np.maximum(raw, 0)]).astype(np.int16)
        return pos, null
    arr = to_arrow_strings(s)
    null = arr.is_null().to_numpy(zero_copy_only=False)
    pos = pc.index_in(arr, value_set=allowed_arr).fill_null(-1).to_numpy(zero_copy_only=False)
    return pos.astype(np.int16), null


def to_arrow_strings(s: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as an Arrow string array (zero-copy for pandas' Arrow-backed strings)."""
    if isinstance(s.dtype, (pd.StringDtype, pd.ArrowDtype)):
        arr = pa.array(s.array) if not hasattr(s.array, "_pa_array") else s.array._pa_array
    else:
        arr = pa.array(s.astype(object).where(s.notna(), None), from_pandas=True)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    return arr


def member_of(codes: np.ndarray, allowed: Sequence[str], subset: Sequence[str]) -> np.ndarray:
    """Boolean array: the code at each position is in ``subset`` (vectorised lookup table)."""
    lookup = np.zeros(len(allowed) + 1, dtype=bool)  # last slot = null (-1)
    for code in subset:
        lookup[list(allowed).index(code)] = True
    return lookup[codes]
