"""The portal's own tables (accounts, sessions, audit log, login attempts), SQLAlchemy Core.

They live in the store's database so one backup holds everything, but in their own metadata:
the store never needs to know about them. Timestamps are naive UTC, like the store's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()

ROLES = ("admin", "district", "commune")

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
)

user_communes = sa.Table(
    "user_communes", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("commune", sa.String(128), primary_key=True),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie token
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("username", sa.String(64)),  # who (None: not logged in)
    sa.Column("role", sa.String(16)),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("review_year", sa.Integer),
    sa.Column("unit", sa.String(128)),  # commune (None: district-wide)
    sa.Column("object", sa.String(512)),  # household id, file name, account name
    sa.Column("ip", sa.String(64)),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("ip", sa.String(64), nullable=False, index=True),
    sa.Column("success", sa.Boolean, nullable=False),
)


def utcnow() -> datetime:
    """Naive UTC now (the store's convention; SQLite keeps no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_tables(engine: sa.Engine) -> None:
    """Create the portal's tables when missing (idempotent; never touches the store's)."""
    with write(engine) as conn:
        metadata.create_all(conn)


@contextmanager
def write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction; on SQLite it takes the write lock up front (store convention)."""
    try:
        from konray_review.store.engine import WRITE_OPTION
    except ImportError:  # pragma: no cover - the store module ships with the package
        WRITE_OPTION = "konray_write"
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        yield conn
