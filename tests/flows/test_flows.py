"""The Prefect flows under one session-scoped test harness: the review flow runs the same
job as the pipeline, leaves a per-commune summary artifact and links to the outputs; the
report flow writes the district report; network stages have one retry layer (sources.http)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.flows.conftest import N_HOUSEHOLDS, YEAR, published_files

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's flows/


def test_network_stages_have_one_retry_layer() -> None:
    """Requests retry inside sources.http within a time budget per stage; tasks do not retry
    on top (that multiplied the attempts: 4 task runs x 6 requests)."""
    from flows._tasks import as_task

    for name in ("pull", "write_back", "deploy_form", "classify"):
        assert as_task(name, lambda: None).retries == 0


def test_prefect_yaml_schedules_pull_only_in_the_review_window() -> None:
    import yaml
    from prefect.client.schemas.schedules import CronSchedule

    conf = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text())
    review = next(d for d in conf["deployments"] if d["entrypoint"].endswith(":review"))
    assert {"source", "year"} <= set(review["parameters"])
    months: set[int] = set()
    for s in review["schedules"]:
        cron = CronSchedule(cron=s["cron"], timezone=s["timezone"])
        _minute, _hour, day, month, _dow = cron.cron.split()
        lo, hi = (int(x) for x in month.split("-")) if "-" in month else (int(month),) * 2
        months |= set(range(lo, hi + 1))
        if hi == 12:
            assert day == "1-14"  # stops on 14 December
    assert months == {9, 10, 11, 12}


@pytest.mark.usefixtures("prefect_harness")
def test_review_flow_runs_the_job_and_publishes_artifacts(tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.review import review

    store_url = f"sqlite:///{tmp_path / 'flow.sqlite'}"
    result = review(source="demo", year=YEAR, out=str(tmp_path / "out"), store_url=store_url,
                    demo_households=N_HOUSEHOLDS, quality_engine="pandas")
    assert result["received"] == result["accepted"] + result["quarantined"] > 0
    assert set(result["timings"]) == {"pull", "validate", "classify", "store", "publish",
                                      "write_back"}
    table = Artifact.get(f"review-summary-{YEAR}")
    assert table is not None and table.type == "table"
    rows = json.loads(table.data)
    total = next(r for r in rows if r["commune"] == "Toàn huyện")
    assert total["received"] == result["received"]
    assert total["quarantined"] == result["quarantined"]
    links = Artifact.get(f"review-outputs-{YEAR}")
    assert links is not None and Path(result["out_dir"]).resolve().as_uri() in links.data
    files = published_files(Path(result["out_dir"]))
    assert any(f.endswith(".xlsx") for f in files) and any(f.endswith(".html") for f in files)


@pytest.mark.usefixtures("prefect_harness")
def test_report_flow_writes_the_district_report(reference, tmp_path: Path) -> None:
    from flows.report import report
    from konray_review.outputs.manifest import read_manifest

    result = report(year=YEAR, as_of=date(2023, 12, 31), out=str(tmp_path),
                    store_url=str(reference.store.engine.url))
    assert result["period"] == "annual"
    assert result["households"] == reference.outcome.accepted
    entries = read_manifest(result["out_dir"])
    assert {e.kind for e in entries} == {"report"} and {e.format for e in entries} >= {"xlsx",
                                                                                      "html"}
