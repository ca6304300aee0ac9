"""Checking a password at login and at a password change: throttle, hash, audit, in one place.

Synchronous on purpose: the routes run it with ``run_in_threadpool``, because an argon2
verification takes tens of milliseconds of CPU and must never run on the event loop (it
would stall every other request, ``/healthz`` included).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from konray_review.portal import audit, throttle
from konray_review.portal.accounts import User, authenticate

T = TypeVar("T")
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary())


async def hashing(threads: int, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` (which hashes a password) in a worker thread, at most ``threads`` at once.

    Why a limit of its own: argon2id takes ~64 MiB and several cores for tens of ms. Twenty
    at once on a 2-core server starve everything (``/healthz`` p95 2.4 s in issue 15) and
    queue in the general thread pool ahead of ordinary pages. Waiting logins cost nothing.
    """
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(max(1, threads))
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=limiter)


@dataclass(frozen=True)
class Outcome:
    user: User | None
    lock: throttle.Lock | None = None


def check_password(st: Any, username: str, password: str, ip: str, *,
                   failed_action: str = "login_failed",
                   locked_action: str = "login_locked") -> Outcome:
    """The account when the password is right and no lock is in force; audits failures.

    Used by the login form and by the own-password form (current password), so both share
    the same throttle: a stolen session cannot be used to guess the account's password.
    """
    cfg = st.config
    name = throttle.attempt_name(st.engine, username)
    known = name == username
    lock = throttle.check(st.engine, name, ip, max_user=cfg.max_failures_user,
                          max_ip=cfg.max_failures_ip, window_minutes=cfg.throttle_minutes)
    who = username if known else None  # never an unknown name: it may be a password
    if lock is not None:
        if throttle.first_of_burst(st.engine, locked_action, who, ip, lock,
                                   cfg.throttle_minutes):
            audit.record(st.engine, locked_action, username=who, ip=ip, obj=lock.scope)
        return Outcome(None, lock)
    user = authenticate(st.engine, username, password) if username and password else None
    throttle.record_attempt(st.engine, name, ip, success=user is not None)
    if user is None:
        audit.record(st.engine, failed_action, username=who, ip=ip)
    return Outcome(user)
