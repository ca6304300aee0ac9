"""Server-side sessions behind a signed cookie.

The cookie carries a random token signed with the portal secret (itsdangerous); the database
keeps only the token's SHA-256, the owner, the CSRF token and the expiry. Logging out,
disabling an account or changing its password deletes the rows, so a copied cookie dies too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, Signer

from konray_review.portal.tables import sessions, utcnow, write

COOKIE_NAME = "krv_session"
_TOUCH_EVERY = timedelta(seconds=60)  # how stale last_seen may get before we write it


@dataclass(frozen=True)
class Session:
    user_id: int
    csrf: str
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, engine: sa.Engine, secret: str, *, hours: int, idle_minutes: int):
        self.engine = engine
        self.signer = Signer(secret, salt="konray-portal-session")
        self.lifetime = timedelta(hours=hours)
        self.idle = timedelta(minutes=idle_minutes)

    @property
    def max_age(self) -> int:
        return int(self.lifetime.total_seconds())

    def create(self, user_id: int) -> tuple[str, Session]:
        """A new session (a fresh token at every login: no session fixation)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = utcnow()
        with write(self.engine) as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at < now))
            conn.execute(sessions.insert().values(
                token_hash=_hash(token), user_id=user_id, created_at=now, last_seen=now,
                expires_at=now + self.lifetime, csrf=csrf,
            ))
        return self.signer.sign(token).decode(), Session(user_id, csrf, _hash(token))

    def load(self, cookie: str | None) -> Session | None:
        """The live session for a cookie, or None (bad signature, expired, idle, deleted)."""
        if not cookie:
            return None
        try:
            token = self.signer.unsign(cookie).decode()
        except BadSignature:
            return None
        th = _hash(token)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.token_hash == th)).first()
        if row is None:
            return None
        now = utcnow()
        if row.expires_at <= now or row.last_seen + self.idle <= now:
            self.destroy(th)
            return None
        if now - row.last_seen >= _TOUCH_EVERY:
            with write(self.engine) as conn:
                conn.execute(sessions.update().where(sessions.c.token_hash == th)
                             .values(last_seen=now))
        return Session(row.user_id, row.csrf, th)

    def destroy(self, token_hash: str) -> None:
        with write(self.engine) as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))
