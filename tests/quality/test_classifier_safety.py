"""Whatever the classifier rejects, a suite rejects first: accepted data always classifies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from konray_review import classify
from konray_review.quality import validate
from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES, PII_COLUMNS
from konray_review.synth import generate

from .conftest import NOW, YEAR

BASE = generate(25, year=YEAR, seed=21, bad_share=0.0)
JUNK = [None, "", " ", "xyz", "yes", -1, -0.5, 0, 1.5, 2, 10, 130, 1e12, True, False,
        np.nan, pd.NA, "12", "01", "head", "poor", dt.date(2031, 1, 1),
        pd.Timestamp("2010-01-01", tz="UTC")]
HH_COLS = [c for c in (*HOUSEHOLD_NAMES, "household_size") if c not in PII_COLUMNS]
MEM_COLS = [c for c in MEMBER_NAMES if c not in PII_COLUMNS]

cell = st.tuples(st.sampled_from(["households", "members"]), st.integers(0, 10_000),
                 st.integers(0, len(JUNK) - 1), st.integers(0, 10_000))


# no shrinking phase: each example validates a whole review, and shrinking could take minutes
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(cell, min_size=1, max_size=4))
def test_accepted_records_always_classify(cells):
    hh, mem = BASE.households.copy(), BASE.members.copy()
    for table, row, junk, col_pick in cells:
        frame = hh if table == "households" else mem
        cols = HH_COLS if table == "households" else MEM_COLS
        col = cols[col_pick % len(cols)]
        frame[col] = frame[col].astype(object)
        frame.iloc[row % len(frame), frame.columns.get_loc(col)] = JUNK[junk]
    r = validate(hh, mem, year=YEAR, engine="pandas", now=NOW)
    s = r.summary
    assert s["received"] == s["accepted"] + s["quarantined"]
    assert s["members_received"] == s["members_accepted"] + s["members_quarantined"]
    if len(r.accepted_households):
        classify(r.accepted_households, r.accepted_members, year=YEAR)
