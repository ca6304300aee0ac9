"""Login throttling that an attacker cannot turn against the account's owner.

Modelled on django-axes (lock-out by *account and address together*) and Keycloak's
brute-force detection (a wait that grows with each failure):

- **account + address**: after ``max_user`` failures for one account from one address, that
  address must wait before trying that account again, and the wait doubles with each
  further failure (30 s, 1 min, 2 min … capped at the window). The same account from any
  other address is not slowed at all, so five wrong passwords typed by someone else never
  lock the real user out. A success from that address ends its wait.
- **address**: ``max_ip`` failures from one address in the window (any accounts) refuse
  every login from it until the window has passed. A success does **not** reset it, so an
  insider with an account cannot guess forever by logging in between guesses.
- ``unlock(username)`` (``konray-review users unlock NAME``) ends every wait of an account.

A refused attempt costs no password hash and writes one audit entry per burst (the first
refusal of a lock), not one per request. Attempts for names that are not accounts are kept
under a keyed digest, so a password typed into the username field is never stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from konray_review.portal.tables import audit_log, login_attempts, users, utcnow, write

#: the "address" of the marker row ``unlock`` writes (never a real address: has no dots)
UNLOCK_MARK = "*unlock*"
#: the first wait once an account+address pair reached its limit, doubled per failure
BASE_DELAY_SECONDS = 30


@dataclass(frozen=True)
class Lock:
    """Why a login is refused now, and until when (naive UTC)."""

    scope: str  # "account" (this account from this address) or "address"
    until: datetime

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - utcnow()).total_seconds()) + 1)


def attempt_name(engine: sa.Engine, username: str) -> str:
    """The name an attempt is recorded under: the account's, or a digest for unknown names.

    Why: people type their password into the username field; it must not be stored.
    """
    with engine.connect() as conn:
        known = conn.execute(sa.select(users.c.id).where(users.c.username == username)).first()
    if known is not None:
        return username
    return "?" + hashlib.sha256(("konray-login:" + username).encode()).hexdigest()[:20]


def delay_for(failures: int, max_user: int, cap_minutes: int) -> timedelta:
    """The wait after ``failures`` consecutive failures of an account from one address."""
    if failures < max_user:
        return timedelta(0)
    seconds = BASE_DELAY_SECONDS * 2 ** min(failures - max_user, 20)
    return min(timedelta(seconds=seconds), timedelta(minutes=cap_minutes))


def _pair_failures(conn: sa.Connection, name: str, ip: str,
                   since: datetime) -> tuple[int, datetime | None]:
    """(failures of ``name`` from ``ip`` since its last success or unlock, last failure)."""
    la = login_attempts.c
    last_ok = conn.execute(
        sa.select(sa.func.max(la.at)).where(
            la.username == name, la.success.is_(True), la.at >= since,
            sa.or_(la.ip == ip, la.ip == UNLOCK_MARK))
    ).scalar_one()
    start = max(since, last_ok) if last_ok is not None else since
    n, last = conn.execute(
        sa.select(sa.func.count(), sa.func.max(la.at)).where(
            la.username == name, la.ip == ip, la.success.is_(False), la.at >= start)
    ).one()
    return int(n), last


def check(engine: sa.Engine, name: str, ip: str, *, max_user: int, max_ip: int,
          window_minutes: int) -> Lock | None:
    """The lock in force for this account (recorded ``name``) from ``ip``, else None."""
    now = utcnow()
    since = now - timedelta(minutes=window_minutes)
    la = login_attempts.c
    with engine.connect() as conn:
        n_ip, first_ip = conn.execute(
            sa.select(sa.func.count(), sa.func.min(la.at)).where(
                la.ip == ip, la.success.is_(False), la.at >= since)
        ).one()
        if int(n_ip) >= max_ip:
            # the oldest failure in the window must age out before the address may try again
            oldest = conn.execute(
                sa.select(la.at).where(la.ip == ip, la.success.is_(False), la.at >= since)
                .order_by(la.at.desc()).offset(max_ip - 1).limit(1)
            ).scalar_one_or_none() or first_ip
            return Lock("address", oldest + timedelta(minutes=window_minutes))
        n, last = _pair_failures(conn, name, ip, since)
    wait = delay_for(n, max_user, window_minutes)
    if wait and last is not None and last + wait > now:
        return Lock("account", last + wait)
    return None


def record_attempt(engine: sa.Engine, name: str, ip: str, success: bool) -> None:
    with write(engine) as conn:
        conn.execute(login_attempts.insert().values(
            at=utcnow(), username=name[:64], ip=ip[:64], success=success))


def first_of_burst(engine: sa.Engine, action: str, name: str | None, ip: str,
                   lock: Lock, window_minutes: int) -> bool:
    """True when no ``action`` entry for this account and address exists in this lock's burst.

    A burst is the time since the later of: the window's start, the last failure that
    started the lock. One audit row per burst keeps a flood of refused requests from
    flooding the log while the first one is still seen.
    """
    since = utcnow() - timedelta(minutes=window_minutes)
    cond = [audit_log.c.action == action, audit_log.c.ip == ip, audit_log.c.at >= since]
    cond.append(audit_log.c.username.is_(None) if name is None
                else audit_log.c.username == name)
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(audit_log.c.at)).where(*cond)).scalar_one()
        if last is None:
            return True
        la = login_attempts.c
        newer_failure = conn.execute(
            sa.select(sa.func.count()).where(la.ip == ip, la.success.is_(False), la.at > last)
        ).scalar_one()
    return int(newer_failure) > 0


def unlock(engine: sa.Engine, username: str) -> None:
    """End every wait of the account (from every address). Address limits stay."""
    record_attempt(engine, username, UNLOCK_MARK, True)


def prune(engine: sa.Engine, older_than_days: int = 30) -> int:
    """Drop attempts older than the retention period (they only serve throttling)."""
    with write(engine) as conn:
        res = conn.execute(login_attempts.delete()
                           .where(login_attempts.c.at < utcnow() - timedelta(days=older_than_days)))
    return res.rowcount or 0
