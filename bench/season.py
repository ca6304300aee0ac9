"""Benchmark: the demo's season after the survey (decision steps, then its documents).

Runs a demo review (``--households``, default 7,400) into a SQLite store in a temporary
folder once, then ``--repeat`` times on a fresh copy of that store: ``run_season`` without
its documents (the steps: reads of the record and the classification, appends), and once
more with them (the PDFs and DOCX on the document workers). Prints wall and main-process
CPU seconds of each, and the machine load before and after (``/proc/loadavg``).

    .venv/bin/python bench/season.py [--households 7400] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=7400)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--year", type=int, default=2026)
    args = ap.parse_args()

    from konray_review.decisions.demo import run_season
    from konray_review.pipeline import make_source, run_review
    from konray_review.profile import load_profile
    from konray_review.store import Store

    profile = load_profile()
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.sqlite"
        store = Store(f"sqlite:///{pre}")
        try:
            run_review(make_source("demo", year=args.year, profile=profile,
                                   n_households=args.households, seed=0),
                       year=args.year, store=store, out_root=Path(tmp) / "out", profile=profile)
        finally:
            store.dispose()
        runs = [False] * args.repeat + [True]
        for documents in runs:
            copy = Path(tmp) / "season.sqlite"
            for part in ("", "-wal", "-shm"):  # the last run's copy, then a fresh one
                Path(f"{copy}{part}").unlink(missing_ok=True)
                if Path(f"{pre}{part}").exists():
                    shutil.copy(f"{pre}{part}", f"{copy}{part}")
            store = Store(f"sqlite:///{copy}")
            try:
                t, c = time.perf_counter(), time.process_time()
                season = run_season(store, year=args.year, profile=profile,
                                    out_dir=Path(tmp) / "docs", documents=documents)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
            finally:
                store.dispose()
            what = f"steps + {len(season.documents)} documents" if documents else "steps"
            print(f"season ({what:22s}) {wall:6.2f} s wall {cpu:6.2f} CPU-s main process")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
