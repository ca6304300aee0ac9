"""How far a long step has got: a tiny callback API that library code calls and the command
line shows (a ``rich`` progress bar on the terminal, nothing when output is piped).

Library code (pulls, validation, publishing, form builds) says what it is doing and how
much is left, and knows nothing of terminals::

    from konray_review.progress import steps

    with steps("forms", total=len(FORMS), label="Dựng biểu mẫu (build forms)") as step:
        for form in FORMS:
            ...
            step()                      # one more done

With no reporter installed (library use, tests, Prefect flows) every call is a no-op. The
edge installs one: ``with use(terminal_reporter()): …``. Counts only: a label never carries
a household's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol


class Reporter(Protocol):
    """What the edge implements: a task starts (``total`` may be unknown), advances, ends."""

    def start(self, key: str, label: str, total: int | None) -> None: ...

    def advance(self, key: str, done: int, total: int | None) -> None: ...

    def finish(self, key: str) -> None: ...


_reporter: ContextVar[Reporter | None] = ContextVar("konray_progress", default=None)


@contextmanager
def use(reporter: Reporter | None) -> Iterator[Reporter | None]:
    """Install ``reporter`` for the code run inside the block."""
    token = _reporter.set(reporter)
    try:
        yield reporter
    finally:
        _reporter.reset(token)


class Step:
    """The handle ``steps`` yields: call it to count work done; ``total`` may be set late
    (a pull learns the number of submissions from its first page)."""

    def __init__(self, key: str, total: int | None, reporter: Reporter | None) -> None:
        self.key, self.total, self.done, self._reporter = key, total, 0, reporter

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self._reporter is not None:
            self._reporter.advance(self.key, self.done, self.total)

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self._reporter is not None:
            self._reporter.advance(self.key, self.done, total)


@contextmanager
def steps(key: str, total: int | None = None, label: str | None = None) -> Iterator[Step]:
    """Report ``key``'s progress to the installed reporter (none: nothing happens)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.start(key, label or key, total)
    step = Step(key, total, reporter)
    try:
        yield step
    finally:
        if reporter is not None:
            reporter.finish(key)


def track(items: list[Any], key: str, label: str | None = None) -> Iterator[Any]:
    """``for x in track(items, "publish"): …`` — the same for a list of known length."""
    with steps(key, len(items), label) as step:
        for item in items:
            yield item
            step()


class TerminalReporter:
    """A ``rich`` bar per task on stderr: label, bar, done/total, elapsed; a line with the
    time when the task ends. Disabled (prints nothing) when stderr is not a terminal."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        on = self.console.is_terminal if enabled is None else enabled
        self.enabled = bool(on)
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 BarColumn(bar_width=20), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.console, transient=True,
                                 disable=not self.enabled)
        self.tasks: dict[str, Any] = {}
        self.labels: dict[str, str] = {}

    def __enter__(self) -> TerminalReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, key: str, label: str, total: int | None) -> None:
        self.labels[key] = label
        self.tasks[key] = self.progress.add_task(label, total=total)

    def advance(self, key: str, done: int, total: int | None) -> None:
        if key in self.tasks:
            self.progress.update(self.tasks[key], completed=done, total=total)

    def finish(self, key: str) -> None:
        task_id = self.tasks.pop(key, None)
        if task_id is None:
            return
        task = self.progress.tasks[[t.id for t in self.progress.tasks].index(task_id)]
        elapsed = task.elapsed or 0.0
        count = f" {task.completed:.0f}/{task.total:.0f}," if task.total else ""
        self.progress.remove_task(task_id)
        if self.enabled:
            self.console.print(f"  ✓ {self.labels.pop(key, key)}:{count} {elapsed:.1f} s",
                               highlight=False)


def terminal_reporter(enabled: bool | None = None) -> TerminalReporter:
    """The command line's reporter (quiet unless stderr is a terminal)."""
    return TerminalReporter(enabled=enabled)
