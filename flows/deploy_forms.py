"""The ``deploy_forms`` flow: build the year's forms and publish them to Central / KoBo,
each with every attachment its XForm declares (the same as ``konray-review forms deploy``).

No task retries: requests retry inside ``sources.http`` within the stage's time budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE


@task(name="build-forms", cache_policy=NO_CACHE, persist_result=False)
def build(year: int, profile: str | None, out_dir: str) -> str:
    from konray_review.pipeline.forms import build_forms
    from konray_review.profile import load_profile

    build_forms(year, load_profile(profile), Path(out_dir))
    return out_dir


@task(name="deploy-forms", cache_policy=NO_CACHE, persist_result=False)
def deploy(source: str, year: int, profile: str | None, build_dir: str,
           households: str | None) -> list[dict[str, Any]]:
    from konray_review.forms.household_list import read_household_list
    from konray_review.pipeline import make_source
    from konray_review.pipeline.forms import deploy_year
    from konray_review.profile import load_profile
    from konray_review.sources.http import retry_scope

    src = make_source(source, year=year, profile=load_profile(profile))
    listed = read_household_list(Path(households)) if households else None
    logger = get_run_logger()
    with retry_scope("deploy", src.config.http.stage_budget,
                     on_retry=lambda e: logger.warning(e.text())):
        results = deploy_year(src, year, Path(build_dir), listed)
    return [{"form_id": r.form_id, "version": r.version, "url": r.url, "created": r.created,
             "changed": r.changed, "attachments": r.attachments, "entities": r.entities}
            for r in results]


@flow(name="deploy_forms", log_prints=True)
def deploy_forms(source: str = "central", year: int | None = None,
                 profile: str | None = None, out: str = "output/forms",
                 households: str | None = None) -> list[dict[str, Any]]:
    """Build every form of ``year`` (None: the review in progress or next, by today's date)
    and deploy them to ``source`` (central|kobo)."""
    from konray_review.settings import Settings, resolve_year

    year = resolve_year(year, Settings().load_profile(profile), "upcoming")
    built = build(year, profile, f"{out}/{year}")
    return deploy(source, year, profile, built, households)
