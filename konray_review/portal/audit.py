"""The audit log: who did what, when, on which unit. Read by administrators in the portal.

It records list downloads, household views and account events. It holds household ids and
file names, never names or ID numbers, and it is separate from the application log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from konray_review.portal.tables import audit_log, utcnow, write

ACTIONS = (
    "login", "login_failed", "login_locked", "logout", "view_household", "download",
    "user_add", "user_disable", "user_enable", "user_passwd", "password_change",
    "password_change_failed", "password_change_locked", "user_unlock", "access_denied",
    # the steps after the survey (portal/routes/decisions.py)
    "decision_open", "decision_meeting", "decision_resurvey", "decision_posting",
    "decision_complaint", "decision_recheck", "decision_return", "decision_report",
    "decision_decide", "decision_certify", "decision_document",
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str | None
    role: str | None
    action: str
    review_year: int | None
    unit: str | None
    object: str | None
    ip: str | None


def record(engine: sa.Engine, action: str, *, username: str | None = None,
           role: str | None = None, review_year: int | None = None, unit: str | None = None,
           obj: str | None = None, ip: str | None = None) -> None:
    """Append one entry (the log is append-only: nothing in the portal edits or deletes it)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with write(engine) as conn:
        conn.execute(audit_log.insert().values(
            at=utcnow(), username=username, role=role, action=action,
            review_year=review_year, unit=unit, object=(obj or None) and obj[:512], ip=ip,
        ))


def read(engine: sa.Engine, *, limit: int = 200, offset: int = 0, action: str | None = None,
         username: str | None = None) -> list[AuditEntry]:
    """Newest first."""
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if action:
        q = q.where(audit_log.c.action == action)
    if username:
        q = q.where(audit_log.c.username == username)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [AuditEntry(r.at, r.username, r.role, r.action, r.review_year, r.unit, r.object, r.ip)
            for r in rows]
