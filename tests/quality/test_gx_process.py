"""The review job's Great Expectations worker (``quality.gx_process``): the same failures
and Data Docs as in-process, GX never imported by the job's own process, errors raised
where the caller sees them, and a dead worker costs nothing but a log line."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from konray_review.quality import QualityError, gx_process, load_catalogue
from konray_review.quality.engines import run_gx
from konray_review.quality.validate import prepare

from .conftest import NOW, YEAR
from .test_gx_engine import _check

KEY = ["table", "row", "rule_id", "column"]


def _rows(found: pd.DataFrame) -> pd.DataFrame:
    return found[KEY].sort_values(KEY).reset_index(drop=True)


@pytest.fixture
def worker():
    gx_process.stop()
    assert gx_process.start(even_if_imported=True)
    yield gx_process
    gx_process.stop()


@pytest.fixture
def prepared(review):
    return prepare(review.households, review.members, year=YEAR, profile=None, now=NOW,
                   catalogue=load_catalogue())


def test_worker_finds_what_this_process_finds_and_writes_the_data_docs(
        worker, prepared, tmp_path):
    frames, checks = prepared[0].frames, prepared[1]
    remote = run_gx(frames, checks, tmp_path / "remote")
    worker.stop()
    here = run_gx(frames, checks, tmp_path / "here")
    assert len(here) > 50  # the review has defects to find
    pd.testing.assert_frame_equal(_rows(remote), _rows(here))
    pages = sorted(p.relative_to(tmp_path / "remote").as_posix()
                   for p in (tmp_path / "remote").rglob("*.html"))
    assert "index.html" in pages and len(pages) == len(list((tmp_path / "here").rglob("*.html")))


def test_a_rule_that_cannot_run_in_the_worker_raises_here(worker):
    frame = pd.DataFrame({"_row": [0, 1], "x": [1.0, None]})
    with pytest.raises(QualityError, match="HH-999"):  # GX itself reports the column missing
        run_gx({"households": frame}, {"households": [_check("not_there")]}, layout="checks")


def test_a_dead_worker_is_logged_and_the_checks_run_here(worker, caplog):
    pool = gx_process._POOL
    assert pool is not None
    pool.submit(int).result()  # the worker process exists
    for proc in list(pool._processes.values()):
        proc.kill()
        proc.join()
    frame = pd.DataFrame({"_row": [0, 1, 2], "x": [1.0, None, 3.0]})
    with caplog.at_level(logging.WARNING, logger="konray_review"):
        found = run_gx({"households": frame}, {"households": [_check("x")]})
    assert list(found["row"]) == [1]
    assert "Great Expectations worker stopped" in caplog.text
    assert gx_process._POOL is None


def test_the_review_job_never_imports_great_expectations_itself(tmp_path):
    """A whole run (pull, GX checks with Data Docs, publish) in a fresh interpreter: the
    checks ran (a quarantine), and GX was imported only by the worker."""
    code = textwrap.dedent(f"""
        import sys
        from konray_review.pipeline import make_source, run_review
        from konray_review.profile import load_profile
        from konray_review.store import Store

        if __name__ == "__main__":
            profile = load_profile()
            src = make_source("demo", year=2023, profile=profile, n_households=300)
            out = run_review(src, year=2023, store=Store("sqlite:///{tmp_path}/s.sqlite"),
                             out_root="{tmp_path}", profile=profile)
            print(out.quarantined, out.accepted, (out.out_dir / "quality" / "index.html")
                  .is_file(), "great_expectations" in sys.modules)
    """)
    script = tmp_path / "run.py"
    script.write_text(code)
    got = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    quarantined, accepted, docs, imported = got.stdout.split()
    assert int(quarantined) > 0 and int(accepted) > 0 and docs == "True"
    assert imported == "False"
