"""The web portal: district and commune staff read results and download lists by unit.

``create_app`` is imported lazily so ``import konray_review.portal.cli`` stays light.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from konray_review.portal.app import create_app as _create

    return _create(*args, **kwargs)


__all__ = ["create_app"]
