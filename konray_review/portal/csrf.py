"""CSRF tokens for every POST form.

Logged-in forms carry the session's random token. The login form, before any session,
carries an HMAC of a random pre-session cookie (double submit), so a cross-site page can
neither read nor forge it. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PRE_COOKIE = "krv_pre"
FIELD = "csrf_token"


def new_pre_value() -> str:
    return secrets.token_urlsafe(24)


def pre_token(secret: str, pre_value: str) -> str:
    return hmac.new(secret.encode(), b"login:" + pre_value.encode(), hashlib.sha256).hexdigest()


def matches(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
