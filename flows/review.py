"""The ``review`` flow: pull -> validate -> quarantine -> classify -> store -> publish ->
write-back, one task per stage, plus artifacts (per-commune summary, links to outputs).

Run once:      python -m flows.review --source demo   (year: from today, or --year Y)
Deployment:    prefect.yaml (``review-window``: scheduled during 1 Sep – 14 Dec)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

try:  # run as ``flows.review`` (tests, CLI) or as a file entrypoint (prefect.yaml)
    from flows._tasks import run_as_task
except ImportError:  # pragma: no cover - Prefect loads entrypoints as plain modules
    from _tasks import run_as_task  # type: ignore[no-redef]


@flow(name="review", log_prints=True)
def review(source: str = "demo", year: int | None = None, path: str | None = None,
           out: str = "output", store_url: str | None = None, profile: str | None = None,
           demo_households: int = 7400, quality_engine: str = "gx",
           approve_accepted: bool = False) -> dict[str, Any]:
    """One review run for ``source`` (demo|central|kobo|files) and review ``year`` (None:
    the review under way by today's date and the profile's window, ``settings``);
    ``approve_accepted`` marks accepted submissions approved on the server (off by
    default: the district opts in)."""
    from konray_review.pipeline import make_source, run_review
    from konray_review.settings import Settings, resolve_year
    from konray_review.store import Store

    prof = Settings().load_profile(profile)
    year = resolve_year(year, prof)  # the edge: checked before any work
    src = make_source(source, path, year=year, profile=prof, n_households=demo_households)
    store = Store(store_url)
    try:
        outcome = run_review(src, year=year, store=store, out_root=Path(out), profile=prof,
                             runner=run_as_task, quality_engine=quality_engine,
                             approve_accepted=approve_accepted)
    finally:
        store.dispose()
    publish_artifacts(outcome)
    get_run_logger().info(
        "Nhận %s, hợp lệ %s, cách ly %s; kết quả: %s (received, accepted, quarantined)",
        outcome.received, outcome.accepted, outcome.quarantined, outcome.out_dir)
    return {"run_id": outcome.run_id, "out_dir": str(outcome.out_dir),
            "received": outcome.received, "accepted": outcome.accepted,
            "quarantined": outcome.quarantined, "timings": outcome.timings}


def publish_artifacts(outcome: Any) -> None:
    """Per-commune summary table and links to the run's outputs (keys: lower-case, dashes)."""
    year = outcome.year
    rows = outcome.summary.astype(object).where(outcome.summary.notna(), None)
    create_table_artifact(key=f"review-summary-{year}", table=rows.to_dict("records"),
                          description=f"Rà soát {year}: theo xã (per commune)")
    out = Path(outcome.out_dir).resolve()
    links = [f"- [{p.relative_to(out).as_posix()}]({p.as_uri()})"
             for p in sorted(out.rglob("*")) if p.is_file() and p.suffix in (".html", ".json")]
    create_markdown_artifact(
        key=f"review-outputs-{year}",
        markdown=(f"## Kết quả rà soát {year} — run `{outcome.run_id}`\n\n"
                  f"Nhận {outcome.received} · hợp lệ {outcome.accepted} · "
                  f"cách ly {outcome.quarantined}\n\nThư mục: `{out}`\n\n" + "\n".join(links)),
        description="Tệp kết quả (outputs)")
    create_link_artifact(key=f"review-manifest-{year}", link=(out / "manifest.json").as_uri(),
                         link_text="manifest.json")


if __name__ == "__main__":  # pragma: no cover
    import argparse

    ap = argparse.ArgumentParser(description="Run the review flow once.")
    ap.add_argument("--source", default="demo")
    ap.add_argument("--year", type=int, default=None)
    ap.add_argument("--path")
    ap.add_argument("--out", default="output")
    a = ap.parse_args()
    print(review(source=a.source, year=a.year, path=a.path, out=a.out))
