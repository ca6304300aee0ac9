"""``run_review``: the whole review job as one plain function (no Prefect needed).

Order: pull -> validate (+ quarantine) -> classify -> store (one transaction) -> publish ->
write-back; the portal snapshot of the committed rows is made meanwhile, from the store
step on (``pipeline.portal_snapshot``). The run is logged in the store (running ->
succeeded | failed, with the stage reached and the process running it) and in
``<out>/<year>/<run_id>.log``; a failure before the store step leaves the previous state
untouched, and the next run redoes the batch because the watermark only advances with the
committed batch. Every delivered row is accounted for (``pipeline.accounting``) before
anything is stored; a run whose process died is marked failed by the next run
(``pipeline.runlog``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from konray_review.quality.validate import Engine

import pandas as pd

from konray_review.decisions.recognised import recognised_history
from konray_review.memory import release_memory
from konray_review.pipeline import runlog, stages
from konray_review.pipeline.accounting import Accounting, account
from konray_review.pipeline.portal_snapshot import snapshot_meanwhile
from konray_review.pipeline.publish import Published, publish, run_dir
from konray_review.pipeline.summary import commune_summary, log_accounting
from konray_review.profile import Profile, load_profile
from konray_review.store import CommitStats, Store

Progress = Callable[[str], None]
#: runs one stage: ``runner(name, fn, *args, **kwargs)``; the Prefect flow passes one that
#: wraps ``fn`` in a task (retries on network stages), the default just calls it
Runner = Callable[..., Any]
STAGES = ("pull", "validate", "classify", "store", "publish", "write_back")


@dataclass
class ReviewOutcome:
    """What one run did: counts (received = accepted + quarantined), where outputs are."""

    run_id: str
    year: int
    out_dir: Path
    received: int
    accepted: int
    quarantined: int
    stats: CommitStats
    summary: pd.DataFrame
    write_back: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    published: Published | None = None
    accounting: Accounting | None = None
    log_path: Path | None = None


def new_run_id(year: int, now: datetime | None = None) -> str:
    """Sortable and unique: ``<year>-<UTC time>-<6 hex>``."""
    now = now or datetime.now(UTC)
    return f"{year}-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: Progress | None,
           mark: Callable[[str], None] | None = None) -> Iterator[None]:
    if mark:
        mark(name)
    if progress:
        progress(name)
    start = time.perf_counter()
    yield
    release_memory()  # what the stage dropped, returned before the next one's peak
    timings[name] = round(time.perf_counter() - start, 3)
    runlog.log.info("bước %s xong: %.1f s (stage done)", name, timings[name])


def run_review(
    source: Any, *, year: int, store: Store, out_root: Path | str = "output",
    profile: Profile | None = None, validator: stages.Validator | None = None,
    progress: Progress | None = None, started_at: datetime | None = None,
    run_id: str | None = None, write_back: bool = True, runner: Runner | None = None,
    quality_engine: Engine = "gx", approve_accepted: bool = False,
    decisions_read: Callable[[Path], None] | None = None,
) -> ReviewOutcome:
    """Run the whole review job for one source and year; see the module docstring.

    ``decisions_read``: called by publishing once it has read the decision record
    (``pipeline.publish.publish``), with the run's output folder."""
    profile = profile or load_profile()
    started_at = started_at or datetime.now(UTC)
    run_id = run_id or new_run_id(year, started_at)
    out_dir = run_dir(Path(out_root), year, run_id)
    path = runlog.log_path(Path(out_root), year, run_id)
    with runlog.run_log(path):
        runlog.fail_stale_runs(store)
    host, pid = runlog.this_process()
    store.start_run(run_id, year, getattr(source, "name", "?"), profile.id, str(out_dir),
                    host=host, pid=pid)
    reached = {"stage": "start"}

    def mark(stage: str) -> None:
        reached["stage"] = stage
        with suppress(Exception):  # progress bookkeeping never stops a run
            store.run_stage(run_id, stage)

    with runlog.run_log(path):
        runlog.log.info("lần chạy %s: năm %s, nguồn %s, hồ sơ %s (run started)", run_id, year,
                        getattr(source, "key", "?"), profile.id)
        try:
            if validator is None and quality_engine != "gx":
                from functools import partial

                from konray_review.quality import validate as quality_validate

                validator = partial(quality_validate, engine=quality_engine)
            run_info = {"run_id": run_id, "started_at": started_at, "year": year,
                        "source": getattr(source, "name", "?")}
            outcome = _run(source, year, store, out_dir, profile, validator, progress,
                           run_info, write_back, runner or _direct, approve_accepted, mark,
                           decisions_read)
        except BaseException as exc:
            vi, en = runlog.failure_lines(exc, reached["stage"])
            runlog.log.error("lần chạy thất bại ở bước %s (run failed): %s", reached["stage"],
                             runlog.failure_detail(exc))
            with suppress(Exception):  # never hide the real error behind a logging failure
                store.finish_run(run_id, "failed", message=f"{vi}\n{en}"[:2000],
                                 stage=reached["stage"])
            raise
        acc = outcome.accounting
        store.finish_run(run_id, "succeeded", received=outcome.received,
                         accepted=outcome.accepted, quarantined=outcome.quarantined,
                         changed=outcome.stats.households_written, stage="done",
                         delivered=acc.delivered if acc else None,
                         refused=acc.refused if acc else None,
                         message=_note(acc))
        runlog.log.info("lần chạy %s xong (run succeeded)", run_id)
    outcome.log_path = path
    return outcome


def _note(acc: Accounting | None) -> str | None:
    """What a succeeded run's log line says besides the counts: refusals, by file."""
    if acc is None or not len(acc.refusals):
        return None
    lines = [f"{r.file}: {r.message_vi}" for r in acc.refusals.itertuples()]
    return "\n".join(lines)[:2000]


def _direct(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


@dataclass(frozen=True)
class _Stored:
    """What the stages after ``store`` need of the run's first four. The pulled and checked
    tables and the classification are not in it: publishing reads the year back from the
    store, so holding them would only add their memory to publishing's peak (about 300 MiB
    at 100,000 households)."""

    received: pd.DataFrame  # the submissions as pulled (quarantine lists, write-back)
    quarantine: pd.DataFrame
    docs_path: str | None
    counts: tuple[int, int, int]  # received, accepted, quarantined
    stats: CommitStats
    accounting: Accounting
    large: bool


def _run(source: Any, year: int, store: Store, out_dir: Path, profile: Profile,
         validator: stages.Validator | None, progress: Progress | None,
         run_info: dict[str, Any], do_write_back: bool, call: Runner,
         approve_accepted: bool = False,
         mark: Callable[[str], None] | None = None,
         decisions_read: Callable[[Path], None] | None = None) -> ReviewOutcome:
    t: dict[str, float] = {}
    run_id = run_info["run_id"]
    done = _pull_to_store(source, year, store, out_dir, profile, validator, progress,
                          run_id, call, t, mark)
    release_memory()  # the tables of the stages above are gone now
    with snapshot_meanwhile(store, run_id, year, background=done.large):
        with _timed(t, "publish", progress, mark):
            info = {**run_info, **_report_lines(done.accounting, done.counts, store, year)}
            published = call("publish", publish, store, year=year, out_dir=out_dir,
                             profile=profile, run_info=info, received=done.received,
                             docs_path=done.docs_path, decisions_read=decisions_read)
        with _timed(t, "write_back", progress, mark), _retries(store, run_id, "write_back",
                                                               source):
            wb = (call("write_back", stages.write_back, source, done.quarantine,
                       done.received, store=store, run_id=run_id,
                       approve_accepted=approve_accepted)
                  if do_write_back else {"flagged": 0, "skipped": "disabled"})
        summary = commune_summary(done.received, done.quarantine,
                                  store.read_classification(year), profile, year)
    return ReviewOutcome(run_id, year, out_dir, *done.counts, done.stats, summary, wb, t,
                         published, accounting=done.accounting)


def _pull_to_store(source: Any, year: int, store: Store, out_dir: Path, profile: Profile,
                   validator: stages.Validator | None, progress: Progress | None,
                   run_id: str, call: Runner, t: dict[str, float],
                   mark: Callable[[str], None] | None) -> _Stored:
    """Pull, validate, classify and store; returns only what the later stages use."""
    from konray_review.quality import gx_process

    if validator is None:  # the default checks (GX): imported on the idle core meanwhile
        gx_process.start()
    with _timed(t, "pull", progress, mark), _retries(store, run_id, "pull", source):
        batch = call("pull", stages.pull, source, store, year=year)
    from konray_review.outputs.parallel import MIN_PARALLEL_ROWS, warm_up

    large = len(batch.households) >= MIN_PARALLEL_ROWS
    if large:  # publishing will use every core
        warm_up()
    with _timed(t, "validate", progress, mark):
        checked = call("validate", stages.validate, batch, year=year, profile=profile,
                       docs_dir=out_dir / "quality", validator=validator)
        if large and validator is None:  # its memory is not held through publishing
            gx_process.stop(wait=False)
        accounting = account(batch, checked)
        log_accounting(accounting, checked)
    with _timed(t, "classify", progress, mark):
        result = call("classify", stages.classify, checked, year=year, profile=profile,
                      history=recognised_history(store, year))
    with _timed(t, "store", progress, mark):
        stats = call("store", stages.store_batch, store, run_id, year, checked, result,
                     source.key)
        store.save_accounting(run_id, accounting.files, accounting.findings)
    return _Stored(batch.households, checked.quarantine, checked.docs_path,
                   (checked.received, checked.accepted, checked.quarantined), stats,
                   accounting, large)


def _report_lines(acc: Accounting, counts: tuple[int, int, int], store: Store, year: int
                  ) -> dict[str, str]:
    """The accounting line (and, for a year with nothing classified, why) for the report's
    "run" section; ``counts``: received, accepted, quarantined."""
    lines = {"accounting": acc.line_vi()}
    if counts[1] == 0 and store.read_classification(year).empty:
        lines["note"] = (f"Chưa có hộ nào được phân loại cho năm {year}: "
                         f"{counts[2]} phiếu đang bị cách ly (xem danh sách cách ly)"
                         + (f", {len(acc.refusals)} tệp/dòng bị từ chối" if len(acc.refusals)
                            else "") + ".")
    return lines


def _retries(store: Store, run_id: str, stage: str, source: Any) -> Any:
    """The stage's one retry budget (``sources.http``); every retry goes to the run log."""
    from konray_review.sources.http import retry_scope
    from konray_review.store.runlog import RunLog

    http = getattr(getattr(source, "config", None), "http", None)
    return retry_scope(stage, getattr(http, "stage_budget", None),
                       RunLog(store).retry_recorder(run_id))
