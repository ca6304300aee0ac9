"""``run_review``: the whole review job as one plain function (no Prefect needed).

Order: pull -> validate (+ quarantine) -> classify -> store (one transaction) -> publish ->
write-back. The run is logged in the store (running -> succeeded | failed); a failure before
the store step leaves the previous state untouched, and the next run redoes the batch
because the watermark only advances with the committed batch.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.decisions.recognised import recognised_history
from konray_review.pipeline import stages
from konray_review.pipeline.publish import Published, publish, run_dir
from konray_review.pipeline.quarantine import Checked
from konray_review.pipeline.summary import commune_summary
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


def new_run_id(year: int, now: datetime | None = None) -> str:
    """Sortable and unique: ``<year>-<UTC time>-<6 hex>``."""
    now = now or datetime.now(UTC)
    return f"{year}-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(name)
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 3)


def run_review(
    source: Any, *, year: int, store: Store, out_root: Path | str = "output",
    profile: Profile | None = None, validator: stages.Validator | None = None,
    progress: Progress | None = None, started_at: datetime | None = None,
    run_id: str | None = None, write_back: bool = True, runner: Runner | None = None,
    quality_engine: str = "gx",
) -> ReviewOutcome:
    """Run the whole review job for one source and year; see the module docstring."""
    profile = profile or load_profile()
    started_at = started_at or datetime.now(UTC)
    run_id = run_id or new_run_id(year, started_at)
    out_dir = run_dir(Path(out_root), year, run_id)
    store.start_run(run_id, year, getattr(source, "name", "?"), profile.id, str(out_dir))
    try:
        if validator is None and quality_engine != "gx":
            from functools import partial

            from konray_review.quality import validate as quality_validate

            validator = partial(quality_validate, engine=quality_engine)
        run_info = {"run_id": run_id, "started_at": started_at, "year": year,
                    "source": getattr(source, "name", "?")}
        outcome = _run(source, year, store, out_dir, profile, validator, progress,
                       run_info, write_back, runner or _direct)
    except BaseException as exc:
        with suppress(Exception):  # never hide the real error behind a logging failure
            store.finish_run(run_id, "failed", message=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    store.finish_run(run_id, "succeeded", received=outcome.received,
                     accepted=outcome.accepted, quarantined=outcome.quarantined,
                     changed=outcome.stats.households_written)
    return outcome


def _direct(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _run(source: Any, year: int, store: Store, out_dir: Path, profile: Profile,
         validator: stages.Validator | None, progress: Progress | None,
         run_info: dict[str, Any], do_write_back: bool, call: Runner) -> ReviewOutcome:
    t: dict[str, float] = {}
    run_id = run_info["run_id"]
    with _timed(t, "pull", progress):
        batch = call("pull", stages.pull, source, store, year=year)
    with _timed(t, "validate", progress):
        checked = call("validate", stages.validate, batch, year=year, profile=profile,
                       docs_dir=out_dir / "quality", validator=validator)
    with _timed(t, "classify", progress):
        result = call("classify", stages.classify, checked, year=year, profile=profile,
                      history=recognised_history(store, year))
    with _timed(t, "store", progress):
        stats = call("store", stages.store_batch, store, run_id, year, checked, result,
                     source.key)
    with _timed(t, "publish", progress):
        published = call("publish", publish, store, year=year, out_dir=out_dir,
                         profile=profile, run_info=run_info, received=batch.households,
                         docs_path=checked.docs_path)
    with _timed(t, "write_back", progress):
        wb = (call("write_back", stages.write_back, source, checked.quarantine,
                   batch.households)
              if do_write_back else {"flagged": 0, "skipped": "disabled"})
    summary = commune_summary(batch.households, checked.quarantine,
                              store.read_classification(year), profile, year)
    return _outcome(run_id, year, out_dir, checked, stats, summary, wb, t, published)


def _outcome(run_id: str, year: int, out_dir: Path, checked: Checked, stats: CommitStats,
             summary: pd.DataFrame, wb: dict[str, Any], timings: dict[str, float],
             published: Published) -> ReviewOutcome:
    return ReviewOutcome(run_id, year, out_dir, checked.received, checked.accepted,
                         checked.quarantined, stats, summary, wb, timings, published)
