from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest

from konray_review import classify
from konray_review.store import Store
from konray_review.synth import generate
from tests.store.backends import BACKENDS, open_store


@dataclass(frozen=True)
class Review:
    households: pd.DataFrame
    members: pd.DataFrame
    result: pd.DataFrame
    quarantine: pd.DataFrame


@pytest.fixture(scope="session")
def review() -> Review:
    """A small classified review (good records) plus quarantine rows for the bad ones."""
    syn = generate(240, year=2023, seed=7)
    bad = set(syn.defects["household_id"])
    hh = syn.households[~syn.households["household_id"].isin(bad)].reset_index(drop=True)
    mem = syn.members[syn.members["household_id"].isin(set(hh["household_id"]))]
    q_src = syn.households[syn.households["household_id"].isin(bad)]
    quarantine = pd.DataFrame({
        "household_id": q_src["household_id"].to_numpy(),
        "instance_id": q_src["instance_id"].to_numpy(),
        "enumerator": q_src["enumerator"].to_numpy(),
        "commune": q_src["commune"].to_numpy(),
        "village": q_src["village"].to_numpy(),
        "rule_id": "HH-TEST",
        "column": "household_id",
        "message_vi": "lỗi thử",
        "message_en": "test error",
    })
    return Review(hh, mem.reset_index(drop=True), classify(hh, mem), quarantine)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield s
