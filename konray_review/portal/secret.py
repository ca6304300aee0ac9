"""The key that signs session cookies: from the environment, else a file outside the repo.

A file is generated on first run in the user's config directory (``$XDG_CONFIG_HOME`` or
``~/.config``/konray-review/portal-secret, mode 0600) so restarts keep sessions valid and the
key never lands in the repository or the application log.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

MIN_SECRET_LENGTH = 32


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "konray-review"


def secret_file() -> Path:
    return Path(os.environ.get("KONRAY_PORTAL_SECRET_FILE") or config_dir() / "portal-secret")


def load_secret(explicit: str | None = None) -> str:
    """The signing key: ``explicit``, ``KONRAY_PORTAL_SECRET``, or the (created) secret file."""
    value = explicit or os.environ.get("KONRAY_PORTAL_SECRET")
    if value:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"KONRAY_PORTAL_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            )
        return value
    path = secret_file()
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= MIN_SECRET_LENGTH:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:  # O_EXCL: when several workers start at once, one writes and the others read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _wait_for(path)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def _wait_for(path: Path, tries: int = 50) -> str:
    """The secret another process is writing right now (or wrote, too short: an error)."""
    for _ in range(tries):
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= MIN_SECRET_LENGTH:
            return value
        time.sleep(0.1)
    raise ValueError(f"{path}: the portal secret is shorter than {MIN_SECRET_LENGTH} characters;"
                     " delete the file to generate a new one")
