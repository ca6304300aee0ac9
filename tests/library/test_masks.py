"""``masks.isin`` gives pandas' own answer (the oracle here), whatever the column and the
wanted values look like; only its speed on Arrow text differs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from konray_review.masks import isin

TEXT = pd.Series(["a", "b", None, "c", "a", "đăk kôi"], dtype="str")

WANTED = {
    "set": {"a", "đăk kôi"},
    "list with a missing value": ["b", None],
    "list with NaN": ["c", np.nan],
    "text series": pd.Series(["b", "c"], dtype="str"),
    "object index": pd.Index(["a", "zz"], dtype=object),
    "array": np.array(["c"], dtype=object),
    "empty": [],
    "numbers mixed in": ["a", 1, 2.5],
    "only numbers": [1, 2],
    "generator": (x for x in ["b"]),
}


@pytest.mark.parametrize("name", list(WANTED))
def test_text_column_answers_as_pandas(name: str) -> None:
    wanted = WANTED[name]
    if name == "generator":
        expected = TEXT.isin(["b"]).to_numpy()
    else:
        expected = TEXT.isin(list(wanted) if isinstance(wanted, set) else wanted).to_numpy()
    got = isin(TEXT, wanted)
    assert got.dtype == bool and got.flags.writeable
    assert got.tolist() == expected.tolist()


def test_hand_written_answers() -> None:
    # written out by hand, so the test does not only mirror pandas
    assert isin(TEXT, {"a", "c"}).tolist() == [True, False, False, True, True, False]
    assert isin(TEXT, ["b", None]).tolist() == [False, True, True, False, False, False]
    assert isin(TEXT, ["b", None], match_missing=False).tolist() == [
        False, True, False, False, False, False]


@pytest.mark.parametrize("column", [
    pd.Series([1, 2, 3, 2]),
    pd.Series(["x", "y", None, "x"], dtype=object),
    pd.Series([1.5, np.nan, 2.0]),
    pd.Series(["x", "y"], dtype="category"),
    pd.Series([], dtype="str"),
])
def test_other_columns_answer_as_pandas(column: pd.Series) -> None:
    wanted = [2, "x", None]
    assert isin(column, wanted).tolist() == column.isin(wanted).tolist()


def test_index_and_large_id_sets() -> None:
    ids = pd.Series([f"uuid:{i:06d}" for i in range(20_000)], dtype="str")
    wanted = set(ids.iloc[::3]) | {"uuid:not-there"}
    expected = np.arange(20_000) % 3 == 0
    assert isin(ids, wanted).tolist() == expected.tolist()
    assert isin(pd.Index(ids), wanted).tolist() == expected.tolist()
    # a sliced column (non-zero offset into its Arrow data)
    assert isin(ids.iloc[1:], wanted).tolist() == expected[1:].tolist()
    # a column of several Arrow chunks (as pd.concat leaves it), and wanted as such a column
    chunked = pd.concat([ids.iloc[:7], ids.iloc[7:]], ignore_index=True)
    assert isin(chunked, wanted).tolist() == expected.tolist()
    assert isin(ids, pd.concat([ids.iloc[:3], ids.iloc[9:12]])).sum() == 6
