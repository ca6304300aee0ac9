"""Publish: the year's lists, quarantine lists and district report into
``<out>/<year>/<run_id>/`` with a ``manifest.json``, written from the store.

Why from the store and not from the batch: a run may be one incremental pull among many;
the lists staff download must hold every household of the year on record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.profile import Profile
from konray_review.store import Store
from konray_review.store.schema import CLASSIFICATION_COLUMNS


@dataclass(frozen=True)
class Published:
    out_dir: Path
    manifest: Path
    files: int


def run_dir(out_root: Path, year: int, run_id: str) -> Path:
    return Path(out_root) / str(year) / run_id


def year_tables(store: Store, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """households, classification (classifier columns only), quarantine of a year.

    The classification is counted on the commune's recognised list where it has decided
    (``decisions.recognised.overlay``: ``category_basis`` says recognised / preliminary)."""
    from konray_review.decisions.recognised import overlay

    households = store.read_households(year)
    result = store.read_classification(year)
    result = result[[c for c in CLASSIFICATION_COLUMNS if c in result.columns
                     and c != "run_id"]]
    result = overlay(store, year, households, result)
    return households, result, store.read_quarantine(year)


def publish(store: Store, *, year: int, out_dir: Path, profile: Profile,
            run_info: dict[str, Any], received: pd.DataFrame,
            docs_path: str | None = None,
            decisions_read: Callable[[Path], None] | None = None) -> Published:
    """Write every output of the year and the manifest; returns where they are.

    ``received`` are the submissions as pulled (the quarantine list shows the head's name
    and submission time of households that never reached the accepted tables).
    ``decisions_read`` is called (with ``out_dir``) once the decision record has been read
    (the re-checks' corrections, the recognised tables of the report): nothing published
    after that reads it, so a caller may record decision steps from then on without
    changing this run's outputs (the demo runs its season meanwhile).
    """
    from konray_review.aggregates import district_summary
    from konray_review.decisions.recognised import report_tables
    from konray_review.outputs.lists import write_lists
    from konray_review.outputs.manifest import write_manifest
    from konray_review.outputs.parallel import MIN_PARALLEL_ROWS, background
    from konray_review.outputs.quarantine import write_quarantine_lists
    from konray_review.outputs.report import write_district_report
    from konray_review.progress import steps
    from konray_review.quality.report import write_quality_report
    from konray_review.standards import standard_for_year

    out_dir.mkdir(parents=True, exist_ok=True)
    standard = standard_for_year(year, profile)
    with steps("publish", 6, "Xuất: danh sách, cách ly, báo cáo, Data Docs, trang chất lượng, "
               "mục lục (publish parts)") as step:
        households, result, quarantine = year_tables(store, year)
        summary = district_summary(households, result, standard=standard, profile=profile,
                                   year=year)
        summary.update(report_tables(store, year, households, result))  # finished or not
        if decisions_read is not None:
            decisions_read(out_dir)
        # the report (one long PDF layout) is drawn by its own process while the lists
        # use every core; a small run draws it here, after the lists
        with background(write_district_report, summary, out_dir, standard=standard,
                        profile=profile, year=year, run_info=run_info,
                        quarantine=quarantine,
                        run=len(households) >= MIN_PARALLEL_ROWS) as report:
            entries = list(write_lists(households, result, out_dir, standard=standard,
                                       profile=profile, run_info=run_info))
            step()
            entries += write_quarantine_lists(quarantine, received, out_dir,
                                              profile=profile, year=year, run_info=run_info)
            step()
            entries += report()
            step()
        entries += _quality_docs(out_dir, docs_path, year)
        step()
        entries += write_quality_report(quarantine, out_dir, profile=profile, year=year,
                                        lists=entries, docs_path=docs_path, run_info=run_info)
        step()
        manifest = write_manifest(entries, out_dir)
        step()
    return Published(out_dir, manifest, len(entries))


def _quality_docs(out_dir: Path, docs_path: str | None, year: int) -> list[Any]:
    """The Data Docs page of this run's validation, when it lies inside the run folder."""
    from konray_review.outputs.manifest import ManifestEntry

    if not docs_path:
        return []
    path = Path(docs_path)
    try:
        rel = path.resolve().relative_to(out_dir.resolve())
    except ValueError:
        return []
    if not path.is_file():
        return []
    return [ManifestEntry("quality", None, None, None, "html", rel.as_posix(), None, year)]
