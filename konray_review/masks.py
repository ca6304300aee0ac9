"""Row masks: "is this value one of those?" for a whole column at once.

Why a helper: pandas 3 keeps text as Arrow (the ``str`` dtype), and its ``isin`` on such a
column builds one Arrow scalar per *wanted* value in Python — about 0.9 s for 100,000
submission ids, and a 100,000-household run asks it dozens of times (live submissions,
quarantine, accounting, the store's upserts, the decisions' report tables).
``pyarrow.compute.is_in`` takes the wanted values as one array and hashes them in C
(0.07 s for the same test). Everything else goes to pandas as before.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def isin(values: pd.Series | pd.Index, wanted: Iterable[object], *,
         match_missing: bool = True) -> np.ndarray:
    """``values.isin(wanted)`` as a NumPy boolean array, by Arrow's hash kernel for text.

    The answer is pandas' own (a missing value matches when ``wanted`` holds a missing
    value), unless ``match_missing`` is false: then a missing value never matches, as the
    quality rules want ("unknown" is another rule's finding). ``wanted`` may be any
    iterable, a set included. The array is the caller's to change.
    """
    col = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    items = _listlike(wanted)
    out = _arrow_isin(col, items) if _arrow_text(col.dtype) and len(col) else None
    if out is None:
        out = np.array(col.isin(items), dtype=bool)
    if not match_missing:
        out = out & col.notna().to_numpy()
    return out


def _listlike(wanted: Iterable[object]) -> pd.Series | pd.Index | np.ndarray | list:
    if isinstance(wanted, (pd.Series, pd.Index, np.ndarray, list)):
        return wanted
    return list(wanted)  # sets, dict keys, generators


def _arrow_text(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _arrow_isin(col: pd.Series, items: pd.Series | pd.Index | np.ndarray | list
                ) -> np.ndarray | None:
    """None when ``items`` are not all text (or missing): pandas then answers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    data = pa.array(col.array)  # the column's own Arrow data, no copy
    if isinstance(items, (pd.Series, pd.Index)) and _arrow_text(items.dtype):
        want = pa.array(items.array)
    else:
        try:
            want = pa.array(np.asarray(items, dtype=object), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    if not (pa.types.is_string(want.type) or pa.types.is_large_string(want.type)
            or pa.types.is_null(want.type)):
        return None
    if isinstance(want, pa.ChunkedArray):
        want = want.combine_chunks()
    hit = pc.is_in(data, value_set=want.cast(data.type)).fill_null(False)
    return np.array(hit, dtype=bool)  # a writable copy, as pandas gives
