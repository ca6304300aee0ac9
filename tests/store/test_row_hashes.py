"""The stored row hashes (``frames.row_hashes``) are pandas' ``hash_pandas_object`` with
``categorize=False``, bit for bit: a store written by any earlier version keeps seeing its
unchanged households as unchanged (the idempotent re-run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from konray_review.profile import load_profile
from konray_review.store import frames
from konray_review.store.schema import households, members
from konray_review.synth import generate


def _pandas(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    return pd.util.hash_pandas_object(frame[cols].astype(object), index=False,
                                      categorize=False).to_numpy(np.uint64)


SMALL = pd.DataFrame({"household_id": ["dak_koi-01", "dak_koi-02", "dak_koi-01", None],
                      "head_name": ["Nguyễn Văn A", "", "Y Blúp", "Nguyễn Văn A"],
                      "size": [4, None, 4, 2], "income": [1.5, float("nan"), 2.0, 1.5],
                      "poor": [True, False, None, True]}).astype(object)


def test_the_hashes_stores_hold_are_unchanged() -> None:
    # recorded with pandas 3.1.1's hash_pandas_object(SMALL, index=False, categorize=False)
    assert frames.row_hashes(SMALL, SMALL.columns).tolist() == [
        679076289467962740, 5392294044644381034, 2663934379238143256, 2177751697688990988]


@pytest.mark.parametrize("column", [
    ["a", "a", "b", None, "a"],                      # text with a gap
    [1, 2, 1, None, 3],                              # numbers in an object column
    [1.5, float("nan"), 1.5, None, 2.0],             # NaN and None both missing
    [0.0, -0.0, 0.0, 1e-300, 0.1 + 0.2],             # equal, but printed apart
    [np.float64(2.5), 2.5, np.float32(0.1), 0.1, None],
    [True, False, None, True, True],
    [pd.Timestamp("2026-01-01", tz="UTC"), pd.NaT, None, pd.Timestamp("2026-01-01",
                                                                      tz="UTC"), pd.NaT],
    ["1", 1, 1.0, True, "True"],                     # the same text from other types
    [None, None, None, None, None],
    ["", " ", "\u2028", "Đăk Tờ Re", ""],
])
def test_mixed_and_missing_values_hash_as_pandas_does(column: list[object]) -> None:
    frame = pd.DataFrame({"x": pd.Series(column, dtype=object), "y": "k"})
    assert frames.row_hashes(frame, ["x", "y"]).tolist() == _pandas(frame,
                                                                   ["x", "y"]).tolist()


def test_no_rows_and_no_columns() -> None:
    empty = SMALL.iloc[:0]
    assert frames.row_hashes(empty, empty.columns).tolist() == _pandas(
        empty, list(empty.columns)).tolist() == []
    assert frames.row_hashes(SMALL, []).tolist() == _pandas(SMALL, []).tolist()


def test_a_generated_district_hashes_as_pandas_does() -> None:
    data = generate(600, year=2023, seed=3, profile=load_profile())
    hh = frames.normalise(data.households, households, review_year=2023, run_id="r",
                          source_key="k")
    mem = frames.normalise(data.members, members, review_year=2023)
    for frame in (hh, mem):
        cols = [c for c in frame.columns if c != "run_id"]
        assert np.array_equal(frames.row_hashes(frame, cols), _pandas(frame, cols))
