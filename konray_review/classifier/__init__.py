"""The classifier: standard data in, one row per household out (see ``core.classify``)."""

from konray_review.classifier.core import classify
from konray_review.classifier.errors import InputError, Problem

__all__ = ["InputError", "Problem", "classify"]
