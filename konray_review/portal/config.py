"""Portal settings, read from environment variables so a deployment needs no code edits.

Every setting has a safe default for a single machine (``konray-review serve`` on loopback);
production sets them in the service unit or container (see docs/portal.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


@dataclass(frozen=True)
class PortalConfig:
    """What the portal needs to run. ``from_env()`` is the normal way to build one."""

    store_url: str | None = None  # None: the store's own default (KONRAY_STORE_URL / KONRAY_HOME)
    secret: str | None = None  # None: KONRAY_PORTAL_SECRET or the secret file
    https: bool = False  # force the Secure cookie flag (TLS ends at a proxy we trust)
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    session_hours: int = 8  # absolute lifetime of a session
    idle_minutes: int = 60  # a session unused this long ends
    max_failures_user: int = 5  # failed logins per account within the window before lockout
    max_failures_ip: int = 20  # failed logins per client address within the window
    throttle_minutes: int = 15
    hash_threads: int = 1  # password hashes at once per worker process (argon2 is heavy)
    page_size: int = 100
    profile: str | None = None  # district profile id or path (default: KONRAY_PROFILE / kon-ray)

    @classmethod
    def from_env(cls, **overrides: object) -> PortalConfig:
        """Settings from ``KONRAY_PORTAL_*`` variables; keyword overrides win (tests, CLI)."""
        values: dict[str, object] = {
            "store_url": os.environ.get("KONRAY_STORE_URL") or None,
            "secret": os.environ.get("KONRAY_PORTAL_SECRET") or None,
            "https": _env_bool("KONRAY_PORTAL_HTTPS"),
            "trusted_proxies": _env_list("KONRAY_PORTAL_TRUSTED_PROXIES"),
            "session_hours": _env_int("KONRAY_PORTAL_SESSION_HOURS", 8),
            "idle_minutes": _env_int("KONRAY_PORTAL_IDLE_MINUTES", 60),
            "max_failures_user": _env_int("KONRAY_PORTAL_MAX_FAILURES_USER", 5),
            "max_failures_ip": _env_int("KONRAY_PORTAL_MAX_FAILURES_IP", 20),
            "throttle_minutes": _env_int("KONRAY_PORTAL_THROTTLE_MINUTES", 15),
            "hash_threads": _env_int("KONRAY_PORTAL_HASH_THREADS", 1),
            "profile": os.environ.get("KONRAY_PROFILE") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
