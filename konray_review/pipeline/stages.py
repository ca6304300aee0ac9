"""The review job's stages as plain functions: pull -> validate -> quarantine -> classify ->
store -> publish -> write-back.

The Prefect flow (``flows/review.py``) wraps each in a thin task; the CLI and the tests call
them directly, so the whole job runs without Prefect. Each stage takes and returns plain
objects (DataFrames, dataclasses): no stage reaches into another's state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.pipeline.quarantine import Checked, merge_quarantine, problem_rows
from konray_review.profile import Profile
from konray_review.store import CommitStats, Store

SOURCE_KINDS = ("demo", "central", "kobo", "files")
Validator = Callable[..., Any]


def make_source(kind: str, path: str | None = None, *, year: int, profile: Profile,
                n_households: int = 7400, seed: int = 0, bad_share: float = 0.02,
                form: str | None = None) -> Any:
    """The configured source. ``demo`` needs nothing; ``files`` needs ``path``;
    ``central``/``kobo`` read the servers file or environment (``docs/servers.md``)."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"nguồn không hợp lệ {kind!r}; dùng {SOURCE_KINDS} (unknown source)")
    if kind == "demo":
        from konray_review.sources.demo import DemoSource

        return DemoSource(n_households, year=year, seed=seed, profile=profile,
                          bad_share=bad_share)
    if kind == "files" and not path:
        raise ValueError("nguồn 'files' cần đường dẫn tệp (source 'files' needs a PATH)")
    from konray_review.sources.cli import make_source as open_source

    return open_source(kind, path=Path(path) if path else None, form=form,
                       profile=profile.directory or profile.id)


# --- pull ----------------------------------------------------------------------------------
@dataclass
class Pulled:
    """The source's submissions on record for the year (live ones), after this pull.

    ``excluded`` names delivered submissions that are not reviewed in this run:
    ``deleted`` (deleted on the server) and ``other_year`` (their review year is another
    year's, whose run already holds them). Everything else the source delivered is in
    ``households``, whatever its review year: an out-of-year submission is quarantined by
    HH-006, never dropped.
    """

    households: pd.DataFrame
    members: pd.DataFrame
    problems: pd.DataFrame
    report: Any  # sources.pull.PullReport of the incremental pull
    excluded: dict[str, set[str]] = field(default_factory=dict)


class _KeepProblems:
    """Lets ``pull_into`` hand the batch's parse problems to ``Store.commit_batch``, so
    they are committed in the same transaction as the submissions and the watermark."""

    def __init__(self, source: Any, store: Store) -> None:
        self.source, self.store, self.problems = source, store, None
        self.key, self.name = source.key, getattr(source, "name", "?")
        self.old: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self.committed: tuple[pd.DataFrame, pd.DataFrame] | None = None

    def pull(self, since: datetime | None = None) -> Any:
        batch = self.source.pull(since)
        self.problems = batch.problems
        return batch

    def get_watermark(self, key: str) -> datetime | None:
        return self.store.get_watermark(key)

    def load(self, key: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        self.old = self.store.load(key)
        return self.old

    def commit_batch(self, key: str, households: pd.DataFrame, members: pd.DataFrame,
                     new_watermark: datetime | None) -> None:
        self.store.commit_batch(key, households, members, new_watermark,
                                problems=self.problems)
        self.committed = (households, members)

    def state_after_commit(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """What the store now holds for this source, without reading it back: the same
        upsert (``merge_batch``) the store applied, on the tables read before the commit."""
        from konray_review.sources.state import merge_batch

        if self.old is None or self.committed is None:
            return self.store.load(self.key)
        hh, mem = merge_batch(*self.old, self.key, *self.committed)
        if hh.empty:
            return hh, mem
        hh = hh.sort_values("instance_id", kind="stable").reset_index(drop=True)
        mem = mem.sort_values("instance_id", kind="stable").reset_index(drop=True)
        return hh, mem


def pull(source: Any, store: Store, *, year: int) -> Pulled:
    """Incremental pull committed to the store (watermark moves with it), then the
    submissions this run reviews: the source's live ones of the year, and every other one
    no other year's run holds (an out-of-year or year-less submission is quarantined, not
    dropped). An empty delivery (a header-only export) gives typed empty tables."""
    from konray_review.sources.pull import live_tables, pull_into

    keep = _KeepProblems(source, store)
    report = pull_into(keep, keep)
    stored, stored_mem = keep.state_after_commit()
    hh, mem = live_tables(stored, stored_mem)
    claimed = store.claimed_elsewhere(source.key, year) if len(hh) else set()
    hh, mem = in_scope(hh, mem, year, claimed)
    if hh.empty:
        hh, mem = empty_tables()
    problems = store.load_problems(source.key)
    problems = problems[problems["instance_id"].isin(set(hh["instance_id"]))]
    delivered = set(report.delivery["instance_id"].dropna()) if len(report.delivery) else set()
    live = set(live_tables(stored, stored_mem)[0]["instance_id"]) if len(stored) else set()
    excluded = {"deleted": delivered - live, "other_year": (delivered & live) - set(
        hh["instance_id"])}
    return Pulled(hh.drop(columns=["source_key"], errors="ignore"),
                  mem.drop(columns=["source_key"], errors="ignore"),
                  problems.reset_index(drop=True), report, excluded)


def in_scope(hh: pd.DataFrame, mem: pd.DataFrame, year: int, claimed: set[str]
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's submissions, plus those of another (or no) review year that no other
    year's run holds: they reach validation, so HH-006 / HH-001 report them."""
    if hh.empty:
        return hh, mem
    years = pd.to_numeric(hh["review_year"], errors="coerce")
    keep = (years == year).fillna(False) | ~hh["instance_id"].isin(claimed)
    hh = hh[keep.to_numpy()].reset_index(drop=True)
    return hh, mem[mem["instance_id"].isin(set(hh["instance_id"]))].reset_index(drop=True)


def empty_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed, empty canonical tables (every column the quality suites read)."""
    from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES
    from konray_review.sources.normalise import HOUSEHOLD_EXTRA, MEMBER_EXTRA, canonical_dtypes

    hh = pd.DataFrame({c: pd.Series(dtype=object) for c in [*HOUSEHOLD_NAMES,
                                                           *HOUSEHOLD_EXTRA]})
    mem = pd.DataFrame({c: pd.Series(dtype=object) for c in [*MEMBER_NAMES, *MEMBER_EXTRA]})
    return canonical_dtypes(hh, "households"), canonical_dtypes(mem, "members")


# --- validate + quarantine -------------------------------------------------------------------
def validate(batch: Any, *, year: int, profile: Profile, docs_dir: Path | None = None,
             validator: Validator | None = None) -> Checked:
    """Run the data-quality suites; failing submissions (and parse problems) go to quarantine.

    Raises ``ReconciliationError`` if received != accepted + quarantined.
    """
    if validator is None:
        from konray_review.quality import validate as validator
    result = validator(batch.households, batch.members, year=year, profile=profile,
                       docs_dir=docs_dir)
    parse = problem_rows(getattr(batch, "problems", None), batch.households)
    docs = getattr(result, "docs_path", None)
    return merge_quarantine(result.accepted_households, result.accepted_members,
                            result.quarantine, parse, received=len(batch.households),
                            docs_path=str(docs) if docs else None,
                            households=batch.households)


# --- classify --------------------------------------------------------------------------------
def classify(checked: Checked, *, year: int, profile: Profile,
             history: pd.DataFrame | None) -> pd.DataFrame:
    """Classify the accepted households; earlier years on record decide re-poor."""
    from konray_review import classify as classify_households

    if checked.households.empty:
        return pd.DataFrame(columns=["household_id", "category"])
    return classify_households(checked.households, checked.members, year=year,
                               profile=profile, history=history)


# --- store -----------------------------------------------------------------------------------
def store_batch(store: Store, run_id: str, year: int, checked: Checked,
                result: pd.DataFrame, source_key: str | None) -> CommitStats:
    """One transaction: the year's accepted households, members, classification and
    quarantine for this source; what the source no longer has is removed (``full``)."""
    return store.commit_review(run_id, year, households=checked.households,
                               members=checked.members, classification=result,
                               quarantine=checked.quarantine, source_key=source_key,
                               full=True)


# --- write-back ------------------------------------------------------------------------------
def write_back(source: Any, quarantine: pd.DataFrame,
               households: pd.DataFrame | None = None) -> dict[str, Any]:
    """Flag quarantined submissions "has issues" on the server with their messages.

    Submissions already flagged (``review_state`` hasIssues in the pull) are not re-sent, so a
    re-run does not repeat the requests. A source without a server (demo, files) is skipped.
    """
    from konray_review.sources.base import NotSupported

    if quarantine.empty:
        return {"flagged": 0, "skipped": 0}
    messages = (quarantine.dropna(subset=["instance_id"])
                .assign(line=lambda d: d["rule_id"].astype(str) + ": "
                        + d["message_vi"].fillna("").astype(str))
                .groupby("instance_id")["line"].agg(lambda s: "\n".join(dict.fromkeys(s))))
    done = _already_flagged(households)
    todo = messages[~messages.index.isin(done)]
    flagged = 0
    for instance_id, comment in todo.items():  # one HTTP request per flagged submission
        try:
            source.set_review_state(instance_id, "has_issues", comment_vi=comment)
        except NotSupported as exc:
            return {"flagged": flagged, "skipped": len(todo) - flagged, "reason": str(exc)}
        flagged += 1
    return {"flagged": flagged, "skipped": len(messages) - len(todo)}


def _already_flagged(households: pd.DataFrame | None) -> set[str]:
    if households is None or "review_state" not in households.columns:
        return set()
    state = households["review_state"].astype(object)
    return set(households.loc[state.isin(["hasIssues", "has_issues"]), "instance_id"])
