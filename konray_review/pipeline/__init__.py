"""The review job as plain functions (usable without Prefect): pull -> validate ->
quarantine -> classify -> store -> publish -> write-back. ``flows/`` wraps these in tasks.
"""

from konray_review.pipeline.quarantine import Checked, ReconciliationError, reconcile
from konray_review.pipeline.review import ReviewOutcome, new_run_id, run_review
from konray_review.pipeline.stages import SOURCE_KINDS, make_source

__all__ = ["SOURCE_KINDS", "Checked", "ReconciliationError", "ReviewOutcome", "make_source",
           "new_run_id", "reconcile", "run_review"]
