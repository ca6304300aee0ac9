"""Run JavaRosa, the form engine of ODK Collect, on cases (``forms/engine/javarosa``).

Why a second engine: enumerators fill the forms in ODK Collect, whose engine is JavaRosa;
the Web Forms engine (``engine.py``) is a different implementation. JavaRosa ships inside
``ODK_Validate.jar`` of the installed pyxform wheel (a fat jar), so no extra download is
needed: the project's own ``Harness.java`` is compiled against that jar into a build folder
(never committed) and run once per batch. Request and result shapes match the Node harness,
plus ``edits`` (see ``Harness.java``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from konray_review.forms.source import default_source_dir

HARNESS = "Harness"


class JavaRosaError(RuntimeError):
    """No JDK / jar, the harness did not compile, or it failed on a batch."""


def validate_jar() -> Path:
    """``ODK_Validate.jar`` of the installed pyxform (it holds org.javarosa.*)."""
    from pyxform.validators.odk_validate import ODK_VALIDATE_PATH

    jar = Path(ODK_VALIDATE_PATH)
    if not jar.is_file():
        raise JavaRosaError(f"ODK_Validate.jar not found at {jar} (is pyxform installed?)")
    return jar


def harness_source() -> Path:
    return default_source_dir() / "engine" / "javarosa" / f"{HARNESS}.java"


def check_java() -> tuple[str, str]:
    """Paths of ``javac`` and ``java``, or an error naming what to install."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        raise JavaRosaError("a Java JDK is needed (javac and java; Debian: "
                            "apt-get install default-jdk-headless)")
    return javac, java


def compile_harness(build_dir: Path) -> Path:
    """Compile ``Harness.java`` into ``build_dir`` (a temporary folder); returns it."""
    javac, _ = check_java()
    build_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([javac, "-nowarn", "-encoding", "UTF-8", "-cp", str(validate_jar()),
                           "-d", str(build_dir), str(harness_source())],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise JavaRosaError(f"javac failed: {proc.stderr[-2000:]}")
    return build_dir


def run_cases(form_xml: Path, attachments: Path, cases: list[dict[str, Any]],
              build_dir: Path | None = None, timeout: float = 900,
              reparse: bool = False) -> list[dict[str, Any]]:
    """Fill ``form_xml`` once per case with JavaRosa and return its results, in order.

    The form is parsed once and each case starts from a fresh copy of its main instance;
    ``reparse`` parses the XML again for every case instead (same results, slower)."""
    _, java = check_java()
    with tempfile.TemporaryDirectory(prefix="konray-javarosa-") as tmp:
        classes = build_dir if build_dir and (build_dir / f"{HARNESS}.class").exists() \
            else compile_harness(build_dir or Path(tmp) / "build")
        req = Path(tmp) / "request.json"
        req.write_text(json.dumps({"form": str(form_xml), "attachments": str(attachments),
                                   "cases": cases}, ensure_ascii=False), encoding="utf-8")
        cp = os.pathsep.join([str(classes), str(validate_jar())])
        env = {**os.environ, "KONRAY_JAVAROSA_REPARSE": "1" if reparse else "0"}
        proc = subprocess.run([java, "-Djava.awt.headless=true", "-cp", cp, HARNESS, str(req)],
                              capture_output=True, text=True, timeout=timeout, check=False,
                              env=env)
    if proc.returncode != 0:
        raise JavaRosaError(f"JavaRosa harness failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
