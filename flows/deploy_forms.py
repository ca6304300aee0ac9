"""The ``deploy_forms`` flow: build the year's forms and publish them to Central / KoBo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

try:
    from flows._tasks import RETRY
except ImportError:  # pragma: no cover
    from _tasks import RETRY  # type: ignore[no-redef]


@task(name="build-forms", cache_policy=NO_CACHE, persist_result=False)
def build(year: int, profile: str | None, out_dir: str) -> list[tuple[Path, list[Path]]]:
    from konray_review.pipeline.forms import build_forms
    from konray_review.profile import load_profile

    return build_forms(year, load_profile(profile), Path(out_dir))


@task(name="deploy-form", cache_policy=NO_CACHE, persist_result=False, **RETRY)
def deploy(source: str, xlsx: Path, attachments: list[Path], year: int,
           profile: str | None) -> dict[str, Any]:
    from konray_review.pipeline import make_source
    from konray_review.pipeline.forms import deploy_form
    from konray_review.profile import load_profile

    src = make_source(source, year=year, profile=load_profile(profile))
    return deploy_form(src, xlsx, attachments)


@flow(name="deploy_forms", log_prints=True)
def deploy_forms(source: str = "central", year: int = 2023, profile: str | None = None,
                 out: str = "output/forms") -> list[dict[str, Any]]:
    """Build every form of ``year`` and deploy each to ``source`` (central|kobo)."""
    built = build(year, profile, f"{out}/{year}")
    return [deploy(source, xlsx, att, year, profile) for xlsx, att in built]
