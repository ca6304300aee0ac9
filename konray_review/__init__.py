"""konray-review: the annual review of poor and near-poor households, as a library.

``classify`` is the entry point most callers need; everything the flows call lives here and
runs without Prefect.
"""

from konray_review.classifier import classify

__all__ = ["classify"]
__version__ = "0.1.0"
