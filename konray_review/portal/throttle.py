"""Login throttling: too many failures for one account, or from one address, lock logins.

Failures count inside a sliding window and only since the last success for that account or
address, so a colleague who mistyped twice and then logged in starts again from zero.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from konray_review.portal.tables import login_attempts, utcnow, write


def _failures(conn: sa.Connection, column: sa.Column, value: str, since) -> int:
    last_ok = conn.execute(
        sa.select(sa.func.max(login_attempts.c.at))
        .where(column == value, login_attempts.c.success.is_(True), login_attempts.c.at >= since)
    ).scalar_one()
    start = max(since, last_ok) if last_ok is not None else since
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(login_attempts)
        .where(column == value, login_attempts.c.success.is_(False), login_attempts.c.at >= start)
    ).scalar_one())


def is_locked(engine: sa.Engine, username: str, ip: str, *, max_user: int, max_ip: int,
              window_minutes: int) -> bool:
    """True when the account or the address has reached its failure limit in the window."""
    since = utcnow() - timedelta(minutes=window_minutes)
    with engine.connect() as conn:
        return (_failures(conn, login_attempts.c.username, username, since) >= max_user
                or _failures(conn, login_attempts.c.ip, ip, since) >= max_ip)


def record_attempt(engine: sa.Engine, username: str, ip: str, success: bool) -> None:
    with write(engine) as conn:
        conn.execute(login_attempts.insert().values(
            at=utcnow(), username=username[:64], ip=ip[:64], success=success))


def prune(engine: sa.Engine, older_than_days: int = 30) -> int:
    """Drop attempts older than the retention period (they only serve throttling)."""
    with write(engine) as conn:
        res = conn.execute(login_attempts.delete()
                           .where(login_attempts.c.at < utcnow() - timedelta(days=older_than_days)))
    return res.rowcount or 0
