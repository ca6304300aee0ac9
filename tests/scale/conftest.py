"""Shared, expensive fixtures of the scale tests: one generated review, one reference run."""

from __future__ import annotations

import pytest

from konray_review.scale.generate import generate_partitioned
from konray_review.scale.single import run_single

YEAR = 2023
#: the plain vectorised rules (same catalogue as GX): GX itself is tested by tests/quality
ENGINE = "pandas"


@pytest.fixture(scope="session")
def review_dir(tmp_path_factory):
    """1,400 households with 3 % labelled bad records, one per commune: 7 partitions."""
    root = tmp_path_factory.mktemp("scale-review")
    generate_partitioned(1400, root, year=YEAR, seed=11, bad_share=0.03, chunk_size=1400)
    return root


@pytest.fixture(scope="session")
def single_run(review_dir, tmp_path_factory):
    """The single-machine reference: the whole review in one process."""
    out = tmp_path_factory.mktemp("scale-single")
    return run_single(review_dir, out, year=YEAR, engine=ENGINE)
