"""konray-review: the annual review of poor and near-poor households, as a library.

``classify`` is the entry point most callers need; everything the flows call lives here and
runs without Prefect. It is imported on first use (PEP 562), so importing a light module of
the package (the command line) does not load pandas.
"""

from typing import Any

__all__ = ["classify"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "classify":
        from konray_review.classifier import classify

        return classify
    raise AttributeError(f"module 'konray_review' has no attribute {name!r}")
