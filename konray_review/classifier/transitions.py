"""Transitions between last year's and this year's category (data-model.md), vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from konray_review.schema import CATEGORIES, TRANSITIONS

_P, _N = CATEGORIES.index("poor"), CATEGORIES.index("near_poor")


def transitions(result: pd.DataFrame, previous: np.ndarray,
                history: pd.DataFrame | None = None) -> pd.Categorical[str]:
    """Transition codes. ``previous`` holds positions in CATEGORIES (-1 = none on record)."""
    cur = result["category"].cat.codes.to_numpy()
    prev = previous.astype(np.int16).copy()
    years = result["review_year"].to_numpy()
    ever_poor = np.zeros(len(cur), dtype=bool)
    if history is not None and len(history):
        prev, ever_poor = _from_history(result["household_id"].to_numpy(), years, prev, history)
    was_poor, was_near = prev == _P, prev == _N
    is_poor, is_near = cur == _P, cur == _N
    out_of = (cur >= 0) & ~is_poor & ~is_near  # middle or none (unknown stays null)
    t = TRANSITIONS.index
    code = np.select(
        [
            was_poor & is_poor, was_poor & is_near, was_poor & out_of,
            was_near & is_poor, was_near & is_near, was_near & out_of,
            ~was_poor & ~was_near & is_poor & ever_poor,
            ~was_poor & ~was_near & is_poor,
            ~was_poor & ~was_near & is_near,
        ],
        [t("stayed_poor"), t("poor_to_near_poor"), t("escaped_poverty"),
         t("near_poor_to_poor"), t("stayed_near_poor"), t("escaped_near_poverty"),
         t("re_poor"), t("newly_poor"), t("newly_near_poor")],
        default=-1,
    )
    return pd.Categorical.from_codes(code, categories=pd.Index(list(TRANSITIONS)))


def _from_history(ids: np.ndarray, years: np.ndarray, prev: np.ndarray,
                  history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Fill a missing previous category from year-1 and flag households poor in any earlier year."""
    h = history[["household_id", "review_year", "category"]].copy()
    h["household_id"] = h["household_id"].astype(str)
    h["review_year"] = h["review_year"].astype(int)
    cur = pd.DataFrame({"household_id": ids.astype(str), "year": years, "pos": np.arange(len(ids))})
    joined = cur.merge(h, on="household_id", how="inner")
    earlier = joined[joined["review_year"] < joined["year"]]
    poor_pos = earlier.loc[earlier["category"].astype(str) == "poor", "pos"].unique()
    ever = np.zeros(len(ids), dtype=bool)
    ever[poor_pos] = True
    last = earlier[earlier["review_year"] == earlier["year"] - 1]
    cat_pos = pd.Index(list(CATEGORIES)).get_indexer(pd.Index(last["category"].astype(str)))
    fill = last["pos"].to_numpy()
    prev = prev.copy()
    missing = prev[fill] < 0
    prev[fill[missing]] = cat_pos[missing]
    return prev, ever
