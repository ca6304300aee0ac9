"""The ``report`` flow: half-year or annual district report for a date, from the store."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE


@task(name="district-report", cache_policy=NO_CACHE, persist_result=False)
def make_report(year: int, as_of: date | None, out: str, store_url: str | None,
                profile: str | None) -> Any:
    from konray_review.pipeline.report import run_report
    from konray_review.profile import load_profile
    from konray_review.store import Store

    store = Store(store_url)
    try:
        return run_report(store, year=year, as_of=as_of, out_root=out,
                          profile=load_profile(profile))
    finally:
        store.dispose()


@flow(name="report", log_prints=True)
def report(year: int | None = None, as_of: date | None = None, out: str = "output",
           store_url: str | None = None, profile: str | None = None) -> dict[str, Any]:
    """Report for review ``year`` (None: the latest begun) as of ``as_of`` (Jan–Jun:
    half-year; else annual)."""
    from konray_review.settings import Settings, resolve_year

    year = resolve_year(year, Settings().load_profile(profile))
    outcome = make_report(year, as_of, out, store_url, profile)
    create_link_artifact(key=f"district-report-{year}", link=outcome.out_dir.resolve().as_uri(),
                         link_text=f"Báo cáo {outcome.period} {outcome.as_of}")
    return {"out_dir": str(outcome.out_dir), "period": outcome.period,
            "households": outcome.households}
