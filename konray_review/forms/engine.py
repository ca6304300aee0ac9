"""Run ODK's own form engine (``@getodk/xforms-engine`` in Node, ``forms/engine``) on cases.

One Node process per batch (the engine loads the form once), JSON in and out: see
``forms/engine/harness.mjs`` for the request and result shapes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from konray_review.forms.source import default_source_dir


class EngineError(RuntimeError):
    """The Node harness could not run (missing Node / npm packages) or failed."""


def engine_dir() -> Path:
    return default_source_dir() / "engine"


def check_engine() -> Path:
    """The harness folder, or a clear error saying how to install it."""
    folder = engine_dir()
    if shutil.which("node") is None:
        raise EngineError("node is not installed (Node 20 is needed for forms/engine)")
    if not (folder / "node_modules" / "@getodk" / "xforms-engine").exists():
        raise EngineError(f"npm packages missing: run `npm ci` in {folder}")
    return folder


def run_cases(form_xml: Path, attachments: Path, cases: list[dict[str, Any]],
              timeout: float = 900) -> list[dict[str, Any]]:
    """Fill ``form_xml`` once per case with the engine and return its results, in order."""
    folder = check_engine()
    with tempfile.TemporaryDirectory(prefix="konray-engine-") as tmp:
        req = Path(tmp) / "request.json"
        req.write_text(json.dumps({"form": str(form_xml), "attachments": str(attachments),
                                   "cases": cases}, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run(["node", "harness.mjs", str(req)], cwd=folder,
                              capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise EngineError(f"harness failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
