"""Session-wide guards: in strict mode (CI) no test may skip; every run says what it left out.

A skip that hides a failure is a defect. In strict mode (``tests/strict.py``) any skipped
test turns the run into a failure, whatever its reason, so a new ``pytest.skip`` cannot make
CI look greener than it is. Outside strict mode the summary names each missing tool and how
many tests skipped for it, and ``make test-fast`` says which tool groups it deselected.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.strict import MISSING, STRICT_ENV, TOOL_MARKERS, strict

_skipped: list[tuple[str, str]] = []
_deselected: Counter[str] = Counter()


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append((report.nodeid, _reason(report)))


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Count tests left out by a ``-m "not <tool>"`` expression (not by ``-k``)."""
    for item in items:
        expr = item.config.getoption("markexpr", "") or ""
        for marker in TOOL_MARKERS:
            if f"not {marker}" in expr and item.get_closest_marker(marker):
                _deselected[marker] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    tw = terminalreporter
    if _deselected:
        tw.section("tools left out (deselected by -m)")
        for marker, n in sorted(_deselected.items()):
            tw.line(f"{TOOL_MARKERS[marker]}: {n} tests not run")
    tools = Counter(r.split(":", 1)[1].split("(")[0].strip()
                    for _, r in _skipped if r.startswith(MISSING))
    if tools:
        tw.section("tools missing (tests skipped)")
        for tool, n in sorted(tools.items()):
            tw.line(f"{tool}: {n} tests skipped")
    if strict() and _skipped:
        tw.section(f"strict mode ({STRICT_ENV} set): skips are failures")
        for nodeid, reason in _skipped:
            tw.line(f"SKIPPED {nodeid}: {reason}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if strict() and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
