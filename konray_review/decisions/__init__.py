"""After the survey: village meeting, public posting, complaints and re-checks, the
commune chairman's decision and certificates, as an append-only record per household and
review; working-day deadlines; the documents; the recognised list reports count.

``Decisions(store)`` is the entry point; see ``docs/decisions.md``.
"""

from konray_review.decisions.errors import ConcurrentUpdate, DecisionError
from konray_review.decisions.records import Actor
from konray_review.decisions.settings import DecisionSettings, load_settings
from konray_review.decisions.steps import Decisions, StepResult
from konray_review.decisions.workdays import WorkCalendar, review_id_for

__all__ = ["Actor", "ConcurrentUpdate", "DecisionError", "DecisionSettings", "Decisions",
           "StepResult", "WorkCalendar", "load_settings", "review_id_for"]
