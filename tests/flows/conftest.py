"""Shared, expensive fixtures: one reference pipeline run and one Prefect test harness.

The reference run is the plain pipeline (no Prefect) on a small demo source with the
pandas engine of the quality rules (same rules as the GX suites, seconds faster); the flow
tests reuse ONE session-scoped Prefect harness with its own temporary PREFECT_HOME. Every
run publishes its lists and report for real (no stand-in for ``publish``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from konray_review.pipeline import ReviewOutcome, make_source, run_review
from konray_review.profile import load_profile
from konray_review.store import Store

N_HOUSEHOLDS = 80
YEAR = 2023
STARTED = datetime(2023, 12, 20, 8, 0, tzinfo=UTC)


@dataclass
class Run:
    outcome: ReviewOutcome
    store: Store
    out_root: Path
    defects: pd.DataFrame


def demo_source():
    return make_source("demo", year=YEAR, profile=load_profile(), n_households=N_HOUSEHOLDS)


def review_once(store: Store, out_root: Path, **kwargs) -> ReviewOutcome:
    return run_review(demo_source(), year=YEAR, store=store, out_root=out_root,
                      profile=load_profile(), quality_engine="pandas",
                      started_at=STARTED, **kwargs)


def published_files(out_dir: Path) -> list[str]:
    """Every file the manifest of a run folder lists, after checking each one exists."""
    from konray_review.outputs.manifest import read_manifest

    entries = read_manifest(out_dir)
    missing = [e.path for e in entries if not (out_dir / e.path).is_file()]
    assert not missing, missing
    return sorted(e.path for e in entries)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    from konray_review.synth import generate

    root = tmp_path_factory.mktemp("reference")
    store = Store(f"sqlite:///{root / 'store.sqlite'}")
    outcome = review_once(store, root / "out")
    defects = generate(N_HOUSEHOLDS, year=YEAR, seed=0, profile=load_profile()).defects
    yield Run(outcome, store, root / "out", defects)
    store.dispose()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect.settings import PREFECT_HOME, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings({PREFECT_HOME: str(home)}), \
            prefect_test_harness(server_startup_timeout=90):
        yield
