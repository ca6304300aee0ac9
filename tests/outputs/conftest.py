"""One small synthetic review, classified and written once per session (outputs are slow)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from konray_review import classify, synth
from konray_review.aggregates import district_summary
from konray_review.outputs import write_lists, write_manifest
from konray_review.outputs.quarantine import write_quarantine_lists
from konray_review.outputs.report import write_district_report
from konray_review.profile import Profile, load_profile
from konray_review.standards import Standard, standard_for_year

YEAR = 2023
RUN_INFO = {"run_id": "test-run", "source": "demo", "started_at": "2026-11-29T08:00:00+00:00"}


@dataclass
class Review:
    households: pd.DataFrame  # accepted (good) households
    members: pd.DataFrame
    raw_households: pd.DataFrame  # everything received, bad records included
    result: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict[str, pd.DataFrame]
    standard: Standard
    profile: Profile


def fake_quarantine(raw: pd.DataFrame, defects: pd.DataFrame) -> pd.DataFrame:
    """A quarantine table shaped like the quality step's, one row per labelled defect."""
    ctx = raw.drop_duplicates("household_id")[["household_id", "instance_id", "enumerator",
                                               "commune", "village"]]
    q = defects.merge(ctx, on="household_id", how="left")
    return pd.DataFrame({
        "household_id": q["household_id"], "instance_id": q["instance_id"],
        "enumerator": q["enumerator"], "commune": q["commune"], "village": q["village"],
        "rule_id": "T-" + q["defect"], "table": q["table"], "column": q["column"],
        "member_nos": "", "severity": "error",
        "message_vi": "Kiểm tra lại: " + q["defect"], "message_en": "Check: " + q["defect"]})


def build_review(n: int = 400, seed: int = 7) -> Review:
    profile = load_profile()
    s = synth.generate(n, year=YEAR, seed=seed, profile=profile)
    good = ~s.households["household_id"].isin(s.defects["household_id"])
    hh = s.households[good].reset_index(drop=True)
    mem = s.members[s.members["household_id"].isin(hh["household_id"])].reset_index(drop=True)
    standard = standard_for_year(YEAR, profile)
    result = classify(hh, mem, profile=profile, history=s.history)
    summary = district_summary(hh, result, standard=standard, profile=profile, members=mem,
                               year=YEAR)
    return Review(hh, mem, s.households, result, fake_quarantine(s.households, s.defects),
                  summary, standard, profile)


def write_all(review: Review, out: Path, levels=("district", "commune", "village")) -> list:
    entries = write_lists(review.households, review.result, out, standard=review.standard,
                          profile=review.profile, run_info=RUN_INFO, levels=levels)
    entries += write_quarantine_lists(review.quarantine, review.raw_households, out,
                                      profile=review.profile, run_info=RUN_INFO)
    entries += write_district_report(review.summary, out, standard=review.standard,
                                     profile=review.profile, year=YEAR, run_info=RUN_INFO)
    write_manifest(entries, out)
    return entries


@pytest.fixture(scope="session")
def review() -> Review:
    return build_review()


@pytest.fixture(scope="session")
def written(review: Review, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    write_all(review, out)
    return out
