"""Shared task settings. Tasks are made from the pipeline's plain functions at call time
(``as_task``), so the logic stays in ``konray_review`` and is tested without Prefect.

No task retries: the stages that talk to a server retry inside ``sources.http`` (the one
retry layer), within a bounded time per stage, and every retry is written to the run log.
Retrying the whole task on top of that multiplied the attempts (4 task runs x 6 requests:
31 s for one refused request) and re-ran work that had succeeded; a pull or a write-back
that gives up is simply resumed by the next run (watermark, write-back record). Caching is
off: inputs hold a database engine and DataFrames, and a review must always see the
server's current state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

#: stages that call a server: their retries live in ``sources.http`` (``retry_scope``)
NETWORK = {"pull", "write_back", "deploy_form"}
RETRY: dict[str, Any] = {"retries": 0}


def as_task(name: str, fn: Callable[..., Any]) -> Any:
    return task(fn, name=name, cache_policy=NO_CACHE, persist_result=False, **RETRY)


def run_as_task(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The ``runner`` given to ``run_review``: each stage becomes one task run."""
    return as_task(name, fn)(*args, **kwargs)
