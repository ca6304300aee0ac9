"""Shared task settings: retries with exponential back-off for stages that talk to a server.

Tasks are made from the pipeline's plain functions at call time (``as_task``), so the logic
stays in ``konray_review`` and is tested without Prefect. Caching is off: inputs hold a
database engine and DataFrames, and a review must always see the server's current state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

#: stages that call a server (pull, write-back, deploy): retried 3 times, 10 s, 20 s, 40 s
NETWORK = {"pull", "write_back", "deploy_form"}
RETRY: dict[str, Any] = {"retries": 3, "retry_delay_seconds": exponential_backoff(10),
                         "retry_jitter_factor": 0.5}


def as_task(name: str, fn: Callable[..., Any]) -> Any:
    options = RETRY if name in NETWORK else {}
    return task(fn, name=name, cache_policy=NO_CACHE, persist_result=False, **options)


def run_as_task(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The ``runner`` given to ``run_review``: each stage becomes one task run."""
    return as_task(name, fn)(*args, **kwargs)
