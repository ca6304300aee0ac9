"""Strict mode: in CI a missing tool is a failure, never a skip.

ONE definition, used by every conftest and by every test that needs a tool (the Node form
engine, Java for JavaRosa, Chromium, PostgreSQL): strict mode is on when ``CI`` is set to any
non-empty value other than ``0`` or ``false`` (any case). ``.ci/run`` sets ``CI=true``; GitHub
Actions, GitLab and most CI systems set ``CI`` themselves. Outside strict mode (the inner
loop, ``make test-fast``) a missing tool skips the test with a reason that names the tool,
and the run's summary lists them (``tests/conftest.py``).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

STRICT_ENV = "CI"
#: prefix of every skip reason this module writes (the summary groups skips by it)
MISSING = "missing tool"
#: test markers of the tools (pyproject.toml), with the words the summaries use
TOOL_MARKERS = {
    "node": "Node form engine (npm ci in forms/engine)",
    "java": "Java JDK (javac, JavaRosa harness)",
    "browser": "Chromium (KONRAY_CHROMIUM)",
    "postgres": "PostgreSQL (KONRAY_TEST_POSTGRES_URL)",
    "office": "LibreOffice (soffice, for printing XLSX as district offices do)",
}


def strict_value(value: str | None) -> bool:
    """Is this value of ``CI`` strict? Empty, ``0`` and ``false`` are not; anything else is."""
    text = (value or "").strip().lower()
    return text not in ("", "0", "false")


def strict() -> bool:
    """Strict mode of this process (``CI`` set, see :func:`strict_value`)."""
    return strict_value(os.environ.get(STRICT_ENV))


def missing_tool(tool: str, detail: str) -> NoReturn:
    """A tool the test needs is missing: fail in strict mode, else skip naming the tool."""
    if strict():
        pytest.fail(f"{MISSING}: {tool} ({detail}); strict mode ({STRICT_ENV}="
                    f"{os.environ.get(STRICT_ENV)!r}) needs it", pytrace=False)
    pytest.skip(f"{MISSING}: {tool} ({detail})")
