"""The source interface every implementation (central, kobo, files, demo) provides.

Why a Protocol: the pull logic (watermarks, de-duplication, commit) and the CLI are written
once against ``pull(since)``, ``deploy_form(...)`` and ``set_review_state(...)``; which
server is behind them is configuration. A server that keeps comments (Central) also has
``add_comment`` / ``comments`` (:class:`Commenting`): the write-back posts each comment once
and reads them back to repair a run that stopped half way (``pipeline.stages.write_back``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import pandas as pd

from konray_review.sources.http import SourceError

#: review outcomes written back to the server
ReviewState = Literal["has_issues", "approved", "rejected"]
REVIEW_STATES: tuple[str, ...] = ("has_issues", "approved", "rejected")


class NotSupported(SourceError):
    """The source cannot do this (e.g. files cannot deploy forms)."""


@dataclass
class Batch:
    """One pull: canonical tables (with the extra columns of ``normalise``) and problems.

    ``watermark`` is the newest server change time seen; ``full_snapshot`` says the batch
    holds every live submission, so a stored submission absent from it was deleted.
    ``delivery`` (file, row, instance_id, form_id) says which submission each delivered row
    became and ``findings`` lists what was refused or noted per file (``sources.problems``);
    sources that deliver one row per submission may leave them empty.
    """

    households: pd.DataFrame
    members: pd.DataFrame
    problems: pd.DataFrame
    watermark: datetime | None
    full_snapshot: bool = False
    delivery: pd.DataFrame | None = None
    findings: pd.DataFrame | None = None


@dataclass
class DeployResult:
    form_id: str
    version: str | None
    url: str | None = None
    attachments: list[str] = field(default_factory=list)
    entities: int = 0
    created: bool = False
    changed: bool = True  # False: the server already had exactly this form; nothing published


@runtime_checkable
class Pullable(Protocol):
    """What an incremental pull needs of a source (``sources.pull.pull_into``)."""

    name: str
    key: str  # identifies the form on the server: the watermark key

    def pull(self, since: datetime | None = None) -> Batch: ...


class Source(Pullable, Protocol):

    def deploy_form(self, xlsx_path: Path, attachments: list[Path] | None = None,
                    **kwargs: Any) -> DeployResult: ...

    def set_review_state(self, instance_id: str, state: ReviewState,
                         comment_vi: str | None = None) -> None: ...


@runtime_checkable
class Commenting(Protocol):
    """A source whose server keeps per-submission comments."""

    def add_comment(self, instance_id: str, body: str) -> None: ...

    def comments(self, instance_id: str) -> list[str]: ...


def check_state(state: str) -> str:
    if state not in REVIEW_STATES:
        raise ValueError(f"trạng thái không hợp lệ {state!r}; dùng {REVIEW_STATES}")
    return state
