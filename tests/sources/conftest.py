"""Shared fixtures for the sources tests: one small synthetic review, its OData records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from konray_review.profile import load_profile
from konray_review.sources.config import CentralConfig, HttpSettings

FIXTURES = Path(__file__).parent / "fixtures"
#: tight timeouts, no back-off sleeps: faults cost milliseconds, not seconds
FAST = HttpSettings(connect_timeout=0.5, read_timeout=0.15, retries=3, backoff=0.0)


def load_fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def profile():
    return load_profile()


@pytest.fixture(scope="session")
def review(profile):
    from konray_review.synth import generate

    return generate(80, seed=11, profile=profile, bad_share=0.15)


@pytest.fixture(scope="session")
def records(review, profile):
    from konray_review.sources.demo import to_odata

    return to_odata(review.households, review.members, profile=profile)


def central_config(url: str, **kw) -> CentralConfig:
    values = {"username": "office@example.org", "password": "secret-pw", "project_id": 1,
              "form_id": "phieu_b_2023", "allow_http": True, "http": FAST, **kw}
    return CentralConfig(base_url=url, **values)
