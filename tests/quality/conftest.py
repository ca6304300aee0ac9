"""Shared, expensive fixtures: one synthetic review and one Great Expectations run on it."""

from __future__ import annotations

import datetime as dt

import pytest

from konray_review.quality import validate
from konray_review.synth import generate

YEAR = 2023
#: a fixed clock after the 2023 review window, so "not in the future" rules are stable
NOW = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def review():
    """1,500 households, 3 % deliberately bad (every defect kind occurs)."""
    return generate(1500, year=YEAR, seed=11, bad_share=0.03)


@pytest.fixture(scope="session")
def docs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data-docs")


@pytest.fixture(scope="session")
def gx_result(review, docs_dir):
    return validate(review.households, review.members, year=YEAR, docs_dir=docs_dir, now=NOW)


@pytest.fixture(scope="session")
def clean():
    """A small review with no bad record, to corrupt one cell at a time."""
    return generate(60, year=YEAR, seed=5, bad_share=0.0)
