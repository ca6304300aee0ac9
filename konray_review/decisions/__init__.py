"""After the survey: village meeting, public posting, complaints and re-checks, the
commune chairman's decision and certificates, as an append-only record per household and
review; working-day deadlines; the documents; the recognised list reports count.

``Decisions(store)`` is the entry point; see ``docs/decisions.md``.

Its names load on first use (PEP 562): the command line imports its light modules without
pandas or SQLAlchemy (``konray-review --help`` and a command's start stay fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from konray_review.lazy import lazy_exports

if TYPE_CHECKING:
    from konray_review.decisions.errors import ConcurrentUpdate, DecisionError
    from konray_review.decisions.records import Actor
    from konray_review.decisions.settings import DecisionSettings, load_settings
    from konray_review.decisions.steps import Decisions, StepResult
    from konray_review.decisions.workdays import WorkCalendar, review_id_for

_EXPORTS = {
    "ConcurrentUpdate": "konray_review.decisions.errors",
    "DecisionError": "konray_review.decisions.errors",
    "Actor": "konray_review.decisions.records",
    "DecisionSettings": "konray_review.decisions.settings",
    "load_settings": "konray_review.decisions.settings",
    "Decisions": "konray_review.decisions.steps",
    "StepResult": "konray_review.decisions.steps",
    "WorkCalendar": "konray_review.decisions.workdays",
    "review_id_for": "konray_review.decisions.workdays",
}
__all__ = ["Actor", "ConcurrentUpdate", "DecisionError", "DecisionSettings", "Decisions",
           "StepResult", "WorkCalendar", "load_settings", "review_id_for"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
