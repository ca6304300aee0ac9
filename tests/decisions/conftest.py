"""A small classified review in a store (SQLite, and PostgreSQL when configured), and the
``Decisions`` over it with a fixed "today" (10 Dec 2023, inside the 2023 review window)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from konray_review import classify
from konray_review.decisions import Actor, Decisions
from konray_review.profile import load_profile
from konray_review.store import Store
from konray_review.synth import generate
from tests.store.backends import BACKENDS, open_store

YEAR = 2023
TODAY = date(2023, 12, 10)
REVIEW = "2023-annual"
CLERK = Actor("can-bo-xa", "cli", role="commune")


@dataclass(frozen=True)
class Review:
    households: pd.DataFrame
    members: pd.DataFrame
    result: pd.DataFrame


@pytest.fixture(scope="session")
def review() -> Review:
    syn = generate(260, year=YEAR, seed=21)
    bad = set(syn.defects["household_id"])
    hh = syn.households[~syn.households["household_id"].isin(bad)].reset_index(drop=True)
    mem = syn.members[syn.members["household_id"].isin(set(hh["household_id"]))]
    return Review(hh, mem.reset_index(drop=True), classify(hh, mem))


def fill(store: Store, review: Review) -> Store:
    store.start_run("r1", YEAR, "demo")
    store.commit_review("r1", YEAR, households=review.households, members=review.members,
                        classification=review.result)
    store.finish_run("r1", "succeeded")
    return store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path, review: Review) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield fill(s, review)


@pytest.fixture()
def sqlite_store(tmp_path, review: Review) -> Iterator[Store]:
    with open_store("sqlite", tmp_path) as s:
        yield fill(s, review)


def decisions(store: Store, today: date = TODAY, settings=None) -> Decisions:
    return Decisions(store, load_profile(), settings, today=lambda: today)


@pytest.fixture()
def d(store: Store) -> Decisions:
    return decisions(store)


@pytest.fixture()
def ds(sqlite_store: Store) -> Decisions:
    return decisions(sqlite_store)


def busiest_village(d: Decisions) -> tuple[str, str, pd.DataFrame]:
    """(commune, village, its classified households) with the most known categories."""
    cls = d.store.read_classification(YEAR)
    known = cls[cls["category"].notna()]
    (commune, village), _ = max(known.groupby(["commune", "village"]),
                                key=lambda kv: (len(kv[1]), kv[0]))
    rows = known[(known["commune"] == commune) & (known["village"] == village)]
    return commune, village, rows.sort_values("household_id").reset_index(drop=True)


def decide_village(d: Decisions, commune: str, village: str,
                   refusals: dict[str, str] | None = None, certify: bool = True) -> None:
    """Meeting 2/10, posting 3/10 (until 6/10), report 9/10, decision 10/10, certificates
    11/10/2023: the whole village agreed, nobody complained."""
    d.open_review(YEAR, CLERK)
    d.record_meeting(REVIEW, commune, village, date(2023, 10, 2), 12, CLERK, chair="Ông A")
    d.start_posting(REVIEW, commune, date(2023, 10, 3), CLERK, village=village)
    d.report(REVIEW, commune, date(2023, 10, 9), CLERK, village=village)
    d.decide(REVIEW, commune, date(2023, 10, 10), CLERK, number="07/QĐ-UBND",
             signer="Nguyễn Chủ Tịch", refusals=refusals, village=village)
    cur = d.states(REVIEW, communes=[commune], villages=[village])
    if certify and (cur["state"].eq("recognised")
                    & cur["category"].isin(["poor", "near_poor"])).any():
        d.certify(REVIEW, commune, date(2023, 10, 11), CLERK, village=village)


@dataclass
class Portal:
    """A portal over its own store (the decision steps change it): app, fixture, accounts."""

    app: object
    fx: object
    accounts: dict[str, str]

    def commune_with_villages(self) -> tuple[str, str, list[str]]:
        """(commune, slug, villages) of the commune with the most households."""
        hh = self.fx.households
        commune = hh["commune"].value_counts().index[0]
        return commune, self.fx.profile.unit(commune).slug, sorted(
            hh.loc[hh["commune"] == commune, "village"].unique())


def make_portal(root) -> Portal:
    from konray_review.portal.app import create_app
    from konray_review.portal.config import PortalConfig
    from tests.portal.builders import add_accounts, build

    fx = build(root, n=220, seed=5)
    accounts = add_accounts(fx)
    app = create_app(PortalConfig(secret="decisions-test-" + "y" * 40, max_failures_ip=10_000),
                     store=fx.store)
    return Portal(app, fx, accounts)
