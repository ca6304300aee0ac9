"""Output files: written atomically, stamped with the run's start time.

Why a module of its own: every writer (XLSX, PDF, CSV, the report) needs both, and none
of them should import another writer's library to get them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: a fixed stamp when no run timestamp is given, so output stays reproducible
DEFAULT_STAMP = datetime(2000, 1, 1)


def run_stamp(run_info: Mapping[str, Any] | None) -> datetime:
    """The run's start time (naive UTC) used for file metadata; fixed when unknown."""
    value = (run_info or {}).get("started_at") or (run_info or {}).get("timestamp")
    if value is None:
        return DEFAULT_STAMP
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write a file atomically so a killed run never leaves half a file under the real name."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, p)
    return p
