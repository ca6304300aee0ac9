"""Who may see which unit. One place, so every route asks the same question.

District staff and administrators see every commune; commune staff see only the communes
on their account. A unit outside the scope answers 403 (its name is public); a household or
a file outside it answers 404, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException

from konray_review.portal.accounts import User
from konray_review.profile import normalise_name


def may_see(user: User, commune: str | None) -> bool:
    """``commune`` None means district-wide data: only district staff and admins see it."""
    if user.sees_all:
        return True
    if commune is None:
        return False
    own = {normalise_name(c) for c in user.communes}
    return normalise_name(commune) in own


def visible(user: User, communes: Iterable[str]) -> list[str]:
    """The communes among ``communes`` that the user may see, order kept."""
    return [c for c in communes if may_see(user, c)]


def require_unit(user: User, commune: str) -> None:
    if not may_see(user, commune):
        raise HTTPException(status_code=403)


def require_district(user: User) -> None:
    if not user.sees_all:
        raise HTTPException(status_code=403)


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise HTTPException(status_code=403)
