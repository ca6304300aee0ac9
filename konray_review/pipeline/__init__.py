"""The review job as plain functions (usable without Prefect): pull -> validate ->
quarantine -> classify -> store -> publish -> write-back. ``flows/`` wraps these in tasks.

Its names load on first use (PEP 562): the command line imports its light modules without
pandas or SQLAlchemy (``konray-review --help`` and a command's start stay fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from konray_review.lazy import lazy_exports

if TYPE_CHECKING:
    from konray_review.pipeline.quarantine import Checked, ReconciliationError, reconcile
    from konray_review.pipeline.review import ReviewOutcome, new_run_id, run_review
    from konray_review.pipeline.stages import SOURCE_KINDS, make_source

_EXPORTS = {
    "Checked": "konray_review.pipeline.quarantine",
    "ReconciliationError": "konray_review.pipeline.quarantine",
    "reconcile": "konray_review.pipeline.quarantine",
    "ReviewOutcome": "konray_review.pipeline.review",
    "new_run_id": "konray_review.pipeline.review",
    "run_review": "konray_review.pipeline.review",
    "SOURCE_KINDS": "konray_review.pipeline.stages",
    "make_source": "konray_review.pipeline.stages",
}
__all__ = ["SOURCE_KINDS", "Checked", "ReconciliationError", "ReviewOutcome", "make_source",
           "new_run_id", "reconcile", "run_review"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
