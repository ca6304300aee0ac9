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

from konray_review.masks import isin
from konray_review.pipeline.quarantine import Checked, merge_quarantine, problem_rows
from konray_review.profile import Profile
from konray_review.sources.base import Batch
from konray_review.store import CommitStats, Store

SOURCE_KINDS = ("demo", "central", "kobo", "files")
Validator = Callable[..., Any]


def make_source(kind: str, path: str | None = None, *, year: int, profile: Profile,
                n_households: int = 7400, seed: int = 0, bad_share: float = 0.02,
                form: str | None = None) -> Any:
    """The configured source. ``demo`` needs nothing; ``files`` needs ``path``;
    ``central``/``kobo`` read the servers file or environment (``docs/servers.md``) and
    use the form of ``year`` unless ``form`` names another."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"nguồn không hợp lệ {kind!r}; dùng {' | '.join(SOURCE_KINDS)} "
                         "(unknown source)")
    if kind == "demo":
        from konray_review.sources.demo import DemoSource

        return DemoSource(n_households, year=year, seed=seed, profile=profile,
                          bad_share=bad_share)
    if kind == "files" and not path:
        raise ValueError("nguồn 'files' cần đường dẫn tệp (source 'files' needs a PATH)")
    from konray_review.sources.cli import make_source as open_source

    return open_source(kind, path=Path(path) if path else None, form=form, year=year,
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

    def pull(self, since: datetime | None = None) -> Batch:
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
    problems = problems[isin(problems["instance_id"], hh["instance_id"])]
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
    keep = (years == year).fillna(False).to_numpy(bool) | ~isin(hh["instance_id"], claimed)
    hh = hh[keep].reset_index(drop=True)
    return hh, mem[isin(mem["instance_id"], hh["instance_id"])].reset_index(drop=True)


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
        from konray_review.quality import validate as default_validator

        validator = default_validator
    result = validator(batch.households, batch.members, year=year, profile=profile,
                       docs_dir=docs_dir)
    problems = getattr(batch, "problems", None)
    parse = problem_rows(problems if problems is not None else pd.DataFrame(), batch.households)
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
#: consecutive failed requests after which the write-back stops (the server is down)
WRITE_BACK_GIVE_UP = 10


class WriteBackIncomplete(RuntimeError):
    """Some writes failed; what succeeded is recorded and the next run completes the rest."""


def comment_marker(problems_hash: str) -> str:
    """The last line of our comments: how a later run recognises a comment it posted."""
    return f"[konray-review #{problems_hash}]"


def flag_comments(quarantine: pd.DataFrame) -> pd.DataFrame:
    """One row per quarantined submission: ``instance_id``, the hash of its set of problems
    and the comment (one line per failed rule, then the marker)."""
    import hashlib

    q = quarantine.dropna(subset=["instance_id"])
    if q.empty:
        return pd.DataFrame(columns=["instance_id", "hash", "body"])
    lines = (q.assign(line=q["rule_id"].astype(str) + ": " + q["message_vi"].fillna("")
                      .astype(str))
             .groupby("instance_id")["line"].agg(lambda s: "\n".join(sorted(dict.fromkeys(s)))))
    hashes = lines.map(lambda t: hashlib.sha256(t.encode()).hexdigest()[:12])
    bodies = lines + "\n" + hashes.map(comment_marker)
    return pd.DataFrame({"instance_id": lines.index.astype(str), "hash": hashes.to_numpy(),
                         "body": bodies.to_numpy()})


def write_back(source: Any, quarantine: pd.DataFrame, households: pd.DataFrame | None = None,
               *, store: Store | None = None, run_id: str | None = None,
               approve_accepted: bool = False) -> dict[str, Any]:
    """Flag quarantined submissions "has issues" with one comment naming their problems;
    with ``approve_accepted``, mark the accepted ones "approved" (the district's choice:
    to supervisors approval means "agreed at the meeting").

    Exactly once and resumable (``store.writeback``): a state is only set when the server's
    (``review_state`` of this pull) differs; a comment for a submission and its set of
    problems is recorded ``pending`` before it is posted and ``done`` after, and a run that
    finds ``pending`` rows (or an unrecorded "has issues" flag) reads that submission's
    comments first. Approval never overrides a supervisor: only never-reviewed, edited, or
    our own "has issues" submissions are approved. A source without a server (demo,
    files) is skipped; failed writes raise :class:`WriteBackIncomplete` after the rest.
    """
    from konray_review.sources.base import Commenting, NotSupported
    from konray_review.store.writeback import COMMENT, DONE, PENDING, STATE, WritebackLog

    flags = flag_comments(quarantine)
    server = _server_states(source, households)
    log = WritebackLog(store, source.key, run_id)
    done = _Tally(commenting=isinstance(source, Commenting))
    try:
        if done.commenting:
            done.repaired = _reconcile(source, log, flags, server)
            log.mark([(i, COMMENT, h) for i, h in zip(flags["instance_id"], flags["hash"],
                                                      strict=True)
                      if log.status(i, COMMENT, h) is None], PENDING)
        for iid, h, body in flags.itertuples(index=False):
            if server.get(iid) != "has_issues" and done.send(
                    source.set_review_state, iid, "has_issues"):
                log.mark([(iid, STATE, "has_issues")], DONE, now=False)
                done.flagged += 1
            if done.commenting and log.status(iid, COMMENT, h) != DONE and done.send(
                    source.add_comment, iid, body):
                log.mark([(iid, COMMENT, h)], DONE, now=False)
                done.commented += 1
        if approve_accepted:
            for iid in _approvable(households, flags, server, log):
                if done.send(source.set_review_state, iid, "approved"):
                    log.mark([(iid, STATE, "approved")], DONE, now=False)
                    done.approved += 1
    except NotSupported as exc:
        return {"flagged": 0, "skipped": len(flags), "reason": str(exc)}
    finally:
        log.flush()
    return done.result(len(flags))


class _Tally:
    """Counts of one write-back, and the rule for failed requests (go on, up to a point)."""

    def __init__(self, commenting: bool) -> None:
        self.commenting = commenting
        self.flagged = self.commented = self.approved = self.repaired = 0
        self.failed: list[str] = []
        self.in_a_row = 0

    def send(self, call: Callable[..., Any], *args: Any) -> bool:
        from konray_review.sources.base import NotSupported
        from konray_review.sources.http import SourceError

        try:
            call(*args)
        except NotSupported:
            raise
        except SourceError as exc:
            self.failed.append(str(exc))
            self.in_a_row += 1
            if self.in_a_row >= WRITE_BACK_GIVE_UP:
                raise WriteBackIncomplete(self._message()) from exc
            return False
        self.in_a_row = 0
        return True

    def _message(self) -> str:
        return (f"ghi kết quả về máy chủ chưa xong: {len(self.failed)} yêu cầu lỗi; chạy lại để "
                f"hoàn tất (write-back incomplete: {len(self.failed)} requests failed; run "
                f"again to finish). {self.failed[-1]}")

    def result(self, flags: int) -> dict[str, Any]:
        if self.failed:
            raise WriteBackIncomplete(self._message())
        return {"flagged": self.flagged, "commented": self.commented,
                "approved": self.approved, "repaired": self.repaired,
                "skipped": flags - self.flagged}


def _server_states(source: Any, households: pd.DataFrame | None) -> dict[str, str]:
    """instance_id -> the server's review state in our words (from this run's pull)."""
    if households is None or households.empty or "review_state" not in households.columns:
        return {}
    word = getattr(source, "server_state", None) or _plain_state
    states = households["review_state"].astype(object)
    return {str(i): word(v) for i, v in zip(households["instance_id"], states, strict=True)}


def _plain_state(value: Any) -> str:
    if value is None or value != value:
        return "received"
    return {"hasIssues": "has_issues"}.get(str(value), str(value))


def _reconcile(source: Any, log: Any, flags: pd.DataFrame, server: dict[str, str]) -> int:
    """Settle comments a previous run may or may not have posted: read the server's.

    Checked: ``pending`` rows, and submissions flagged "has issues" on the server for
    which we hold no record (a lost store, an earlier version). Returns how many were
    found already posted."""
    from konray_review.sources.http import ServerError
    from konray_review.store.writeback import COMMENT, DONE, PENDING

    wanted = dict(zip(flags["instance_id"], flags["hash"], strict=True))
    check: dict[str, set[str]] = {}
    for iid, _, h in log.pending(COMMENT):
        check.setdefault(iid, set()).add(h)
    for iid, h in wanted.items():
        if server.get(iid) == "has_issues" and log.status(iid, COMMENT, h) is None:
            check.setdefault(iid, set()).add(h)
    found = 0
    for iid, hashes in check.items():
        try:
            bodies = "\n".join(source.comments(iid))
        except ServerError as exc:
            if exc.status != 404:
                raise
            log.mark([(iid, COMMENT, h) for h in hashes], "void")
            continue
        for h in hashes:
            if comment_marker(h) in bodies:
                log.mark([(iid, COMMENT, h)], DONE)
                found += 1
            elif wanted.get(iid) != h and log.status(iid, COMMENT, h) == PENDING:
                log.mark([(iid, COMMENT, h)], "void")  # problems changed: no longer due
    return found


def _approvable(households: pd.DataFrame | None, flags: pd.DataFrame,
                server: dict[str, str], log: Any) -> list[str]:
    """Accepted live submissions whose state a district may set to approved."""
    if households is None or households.empty:
        return []
    flagged = set(flags["instance_id"])
    out = []
    for iid in households["instance_id"].astype(str):
        state = server.get(iid, "received")
        if iid in flagged or state == "approved":
            continue
        if state in ("received", "edited") or (
                state == "has_issues" and "has_issues" in log.states_done(iid)):
            out.append(iid)
    return out
