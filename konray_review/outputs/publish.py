"""Every output of one review run in one call: lists, quarantine lists, report, manifest.

For the demo and the flows' publish step. A re-run into the same folder replaces the
previous run's outputs and removes files the new run no longer produces, so the manifest
always describes exactly what is on disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.outputs.lists import LEVELS, write_lists
from konray_review.outputs.manifest import ManifestEntry, read_manifest, write_manifest
from konray_review.outputs.quarantine import write_quarantine_lists
from konray_review.outputs.report import write_district_report
from konray_review.profile import Profile
from konray_review.standards import Standard

_KINDS = ("list", "list_full_ids", "quarantine", "report")


def write_outputs(
    households: pd.DataFrame,
    result: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    standard: Standard,
    profile: Profile,
    year: int,
    summary: Mapping[str, pd.DataFrame] | None = None,
    members: pd.DataFrame | None = None,
    quarantine: pd.DataFrame | None = None,
    received_households: pd.DataFrame | None = None,
    run_info: Mapping[str, Any] | None = None,
    langs: Sequence[str] = ("vi",),
    levels: Sequence[str] = LEVELS,
) -> list[ManifestEntry]:
    """Write lists, quarantine lists (when a quarantine table is given), report, manifest.

    ``households``/``result`` are the accepted, classified households; ``quarantine`` and
    ``received_households`` (all received, for names of held-back households) come from
    the quality step. ``summary`` defaults to ``aggregates.district_summary``.
    """
    out = Path(out_dir)
    if summary is None:
        from konray_review.aggregates import district_summary

        summary = district_summary(households, result, standard=standard, profile=profile,
                                   members=members, year=year)
    entries: list[ManifestEntry] = []
    for i, lang in enumerate(langs):
        if i == 0:  # lists are for the commune: one language, the first asked for
            entries += write_lists(households, result, out, standard=standard,
                                   profile=profile, lang=lang, run_info=run_info,
                                   levels=levels)
            if quarantine is not None:
                src = received_households if received_households is not None else households
                entries += write_quarantine_lists(quarantine, src, out, profile=profile,
                                                  year=year, lang=lang, run_info=run_info)
        entries += write_district_report(summary, out, standard=standard, profile=profile,
                                         year=year, run_info=run_info, lang=lang)
    _remove_stale(out, {e.path for e in entries})
    write_manifest(entries, out, replace_kinds=_KINDS)
    return entries


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Delete files an earlier run listed that this run did not write again."""
    for e in read_manifest(out):
        if e.kind in _KINDS and e.path not in keep:
            (out / e.path).unlink(missing_ok=True)
