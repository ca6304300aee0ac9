"""Accounts: create, list, disable, change password, authenticate. Argon2id hashes only.

Roles: ``admin`` (manages accounts, reads the audit log, sees every unit), ``district`` (sees
every commune), ``commune`` (sees only the communes listed for the account).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from konray_review.portal.tables import ROLES, sessions, user_communes, users, utcnow, write

MIN_PASSWORD_LENGTH = 10
#: the least zxcvbn score (0–4) a new password needs
MIN_PASSWORD_SCORE = 3
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: argon2id with OWASP's Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1), one of
#: its equivalent-strength settings: ~7x less CPU per login than argon2-cffi's default
#: (RFC 9106 low-memory: 64 MiB, t=3, p=4), which on a 2-core server made 200 staff logging in
#: at once wait a minute (issue 15). Older hashes are upgraded at their next login
#: (``check_needs_rehash`` in ``authenticate``).
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# verified against when the account does not exist, so timing does not reveal which names exist
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be met (message is safe to show)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    active: bool
    communes: tuple[str, ...]

    @property
    def sees_all(self) -> bool:
        """District staff and administrators see every commune."""
        return self.role in ("admin", "district")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str, username: str | None = None) -> str:
    check_password_strength(password, username)
    return _hasher.hash(password)


def check_password_strength(password: str, username: str | None = None) -> None:
    """Refuse short or guessable passwords: length, then zxcvbn's estimate.

    zxcvbn (Dropbox's estimator) scores 0–4 from dictionaries, keyboard walks, repeats and
    sequences; the account name and its parts count as known words, so "huyenhuyen" fails.
    A score of 3 means about 10^8 guesses: with the login throttle that is out of reach.
    """
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự, không tính khoảng trắng "
            f"(password must have at least {MIN_PASSWORD_LENGTH} characters, spaces aside)"
        )
    from zxcvbn import zxcvbn  # ships no type hints

    inputs = [username, *re.split(r"[._-]", username)] if username else []
    score = zxcvbn(password[:100], user_inputs=[i for i in inputs if i])["score"]
    if score < MIN_PASSWORD_SCORE:
        raise AccountError(
            "mật khẩu quá dễ đoán (dãy số, lặp lại, tên tài khoản, từ thông dụng): "
            "hãy dùng một câu dài hoặc --generate "
            "(password too easy to guess: use a long phrase or --generate)"
        )


def generate_password() -> str:
    """A random password that is easy to read out (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))


def _check_new(username: str, role: str, communes: list[str]) -> None:
    if not _USERNAME.match(username):
        raise AccountError(
            "tên đăng nhập chỉ gồm chữ thường không dấu, số, '.', '_', '-' (2–64 ký tự) "
            "(username: lower-case letters, digits, '.', '_', '-')"
        )
    if role not in ROLES:
        raise AccountError(f"vai trò không hợp lệ / unknown role {role!r}; one of {ROLES}")
    if role == "commune" and not communes:
        raise AccountError("tài khoản cấp xã cần ít nhất một xã (a commune user needs a commune)")
    if role != "commune" and communes:
        raise AccountError("chỉ tài khoản cấp xã mới gắn với xã (only commune users have communes)")


def add_user(engine: sa.Engine, username: str, password: str, role: str,
             communes: list[str] | None = None) -> User:
    """Create an account; the password is stored only as an argon2 hash."""
    communes = list(dict.fromkeys(communes or []))
    _check_new(username, role, communes)
    pw_hash = hash_password(password, username)
    now = utcnow()
    with write(engine) as conn:
        exists = conn.execute(sa.select(users.c.id).where(users.c.username == username)).first()
        if exists:
            raise AccountError(f"tài khoản đã có / account exists: {username}")
        key = conn.execute(users.insert().values(
            username=username, role=role, password_hash=pw_hash, active=True,
            created_at=now, password_changed_at=now,
        )).inserted_primary_key
        assert key is not None  # an INSERT into a table with an integer primary key
        uid = int(key[0])
        if communes:
            conn.execute(user_communes.insert(), [{"user_id": uid, "commune": c} for c in communes])
    return User(uid, username, role, True, tuple(communes))


def _communes_of(conn: sa.Connection, ids: list[int]) -> dict[int, tuple[str, ...]]:
    rows = conn.execute(
        sa.select(user_communes.c.user_id, user_communes.c.commune)
        .where(user_communes.c.user_id.in_(ids)).order_by(user_communes.c.commune)
    ).all()
    out: dict[int, list[str]] = {}
    for uid, commune in rows:
        out.setdefault(uid, []).append(commune)
    return {k: tuple(v) for k, v in out.items()}


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(users.c.id, users.c.username, users.c.role, users.c.active)
            .order_by(users.c.role, users.c.username)
        ).all()
        communes = _communes_of(conn, [r.id for r in rows]) if rows else {}
    return [User(r.id, r.username, r.role, bool(r.active), communes.get(r.id, ())) for r in rows]


def get_user(engine: sa.Engine, *, user_id: int | None = None,
             username: str | None = None) -> User | None:
    cond = users.c.id == user_id if user_id is not None else users.c.username == username
    with engine.connect() as conn:
        r = conn.execute(
            sa.select(users.c.id, users.c.username, users.c.role, users.c.active).where(cond)
        ).first()
        if r is None:
            return None
        communes = _communes_of(conn, [r.id]).get(r.id, ())
    return User(r.id, r.username, r.role, bool(r.active), communes)


def count_users(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())


def _require(engine: sa.Engine, username: str) -> User:
    user = get_user(engine, username=username)
    if user is None:
        raise AccountError(f"không có tài khoản / no such account: {username}")
    return user


def set_active(engine: sa.Engine, username: str, active: bool) -> User:
    """Disable (or re-enable) an account; disabling ends its sessions at once."""
    user = _require(engine, username)
    with write(engine) as conn:
        conn.execute(users.update().where(users.c.id == user.id).values(active=active))
        if not active:
            conn.execute(sessions.delete().where(sessions.c.user_id == user.id))
    return _require(engine, username)


def set_password(engine: sa.Engine, username: str, password: str) -> None:
    """Change a password; every open session of the account ends."""
    user = _require(engine, username)
    pw_hash = hash_password(password, username)
    with write(engine) as conn:
        conn.execute(users.update().where(users.c.id == user.id)
                     .values(password_hash=pw_hash, password_changed_at=utcnow()))
        conn.execute(sessions.delete().where(sessions.c.user_id == user.id))


def authenticate(engine: sa.Engine, username: str, password: str) -> User | None:
    """The active account matching the credentials, else None (same cost either way)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.id, users.c.password_hash, users.c.active)
            .where(users.c.username == username)
        ).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(stored):
        with write(engine) as conn:
            conn.execute(users.update().where(users.c.id == row.id)
                         .values(password_hash=_hasher.hash(password)))
    return get_user(engine, user_id=row.id)
