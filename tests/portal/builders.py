"""A small but complete store for the portal tests: one demo run of a synthetic district.

Built the way a run builds it (synthetic review -> classify -> store -> lists + manifest),
but without the slow validation suite: records with labelled defects go to the quarantine
directly. Lists are written by the outputs package for the district and commune levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from konray_review import classify
from konray_review.outputs import ManifestEntry, read_manifest, write_lists, write_manifest
from konray_review.portal.accounts import add_user
from konray_review.portal.tables import ensure_tables
from konray_review.profile import Profile, load_profile, slugify
from konray_review.store import Store
from konray_review.synth import generate

YEAR = 2023
RUN_ID = "2023-20231201T000000Z-test01"
PASSWORD = "mật-khẩu-thử-nghiệm-1"


@dataclass(frozen=True)
class Fixture:
    store: Store
    profile: Profile
    out_dir: Path
    households: pd.DataFrame  # accepted, canonical
    classification: pd.DataFrame
    quarantine: pd.DataFrame
    manifest: list[ManifestEntry]

    @property
    def communes(self) -> list[str]:
        return sorted(self.households["commune"].unique())

    def households_of(self, commune: str) -> pd.DataFrame:
        return self.households[self.households["commune"] == commune]


def _quarantine(review, bad_ids: set[str]) -> pd.DataFrame:
    hh = review.households[review.households["household_id"].isin(bad_ids)]
    hh = hh.drop_duplicates("household_id")
    d = review.defects.drop_duplicates("household_id").merge(
        hh[["household_id", "instance_id", "enumerator", "commune", "village"]],
        on="household_id", how="left")
    return pd.DataFrame({
        "household_id": d["household_id"], "instance_id": d["instance_id"],
        "enumerator": d["enumerator"], "commune": d["commune"],
        "village": d["village"].replace("", None), "rule_id": d["defect"],
        "column": d["column"], "message_vi": "Lỗi: " + d["defect"],
        "message_en": "Defect: " + d["defect"],
    })


def _quarantine_files(q: pd.DataFrame, out: Path, profile: Profile) -> list[ManifestEntry]:
    """One CSV per commune plus the district file (until the outputs package writes them)."""
    entries = []
    for commune, part in [(None, q), *q.groupby("commune")]:
        name = "district" if commune is None else profile.unit(commune).slug
        rel = f"quarantine/{YEAR}_{name}_quarantine.csv"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        part[["household_id", "rule_id", "column"]].to_csv(out / rel, index=False)
        entries.append(ManifestEntry("quarantine", None, commune, None, "csv", rel, len(part),
                                     YEAR))
    return entries


def build(root: Path, *, n: int = 560, seed: int = 11, url: str | None = None) -> Fixture:
    """The store at ``url`` (default: an SQLite file in ``root``), outputs under ``root``."""
    profile = load_profile()
    store = Store(url or f"sqlite:///{root / 'store.sqlite'}")
    review = generate(n, year=YEAR, seed=seed, profile=profile, bad_share=0.03)
    bad = set(review.defects["household_id"])
    hh = review.households[~review.households["household_id"].isin(bad)].reset_index(drop=True)
    mem = review.members[review.members["household_id"].isin(set(hh["household_id"]))]
    result = classify(hh, mem, year=YEAR, profile=profile)
    q = _quarantine(review, bad)
    out = root / "out" / str(YEAR) / RUN_ID
    store.start_run(RUN_ID, YEAR, "demo", profile.id, str(out))
    store.commit_review(RUN_ID, YEAR, households=hh, members=mem, classification=result,
                        quarantine=q)
    from konray_review.standards import standard_for_year

    entries = write_lists(store.read_households(YEAR), result, out,
                          standard=standard_for_year(YEAR, profile), profile=profile,
                          run_info={"run_id": RUN_ID,
                                    "started_at": datetime(2023, 12, 1, tzinfo=UTC)},
                          levels=("district", "commune"), list_types=("all", "poor"))
    entries += _quarantine_files(q, out, profile)
    write_manifest(entries, out)
    store.finish_run(RUN_ID, "succeeded", received=len(review.households), accepted=len(hh),
                     quarantined=len(bad), changed=len(hh))
    store.start_run("2023-20231130T000000Z-failed", YEAR, "demo", profile.id, None)
    store.finish_run("2023-20231130T000000Z-failed", "failed", message="demo failure")
    return Fixture(store, profile, out, hh, result, q, read_manifest(out))


def commune_username(commune: str) -> str:
    return "xa-" + slugify(commune).replace("_", "-")


def add_accounts(fx: Fixture) -> dict[str, str]:
    """Role name -> username: admin, district, one commune user per commune, a two-commune user."""
    engine = fx.store.engine
    ensure_tables(engine)
    accounts = {"admin": "admin", "district": "huyen"}
    add_user(engine, "admin", PASSWORD, "admin")
    add_user(engine, "huyen", PASSWORD, "district")
    for c in fx.communes:
        add_user(engine, commune_username(c), PASSWORD, "commune", [c])
        accounts[c] = commune_username(c)
    add_user(engine, "hai-xa", PASSWORD, "commune", fx.communes[:2])
    accounts["two"] = "hai-xa"
    return accounts
