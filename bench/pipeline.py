"""Benchmark: the whole review job on the demo source, time and peak memory per stage.

    .venv/bin/python bench/pipeline.py                     # 100,000 households (~450,000 members)
    .venv/bin/python bench/pipeline.py --households 20000 --checks pandas

Stages as in ``konray_review.pipeline``: pull (generate + Central-shaped records + parse +
commit to the store), validate (GX suites or the same rules in pandas), classify, store
(one transaction), publish (lists, quarantine lists, district report), write-back (skipped
by the demo source). Peak memory is the process's resident set size, sampled every 50 ms
(so it includes what earlier stages still hold). The store is a fresh SQLite file, unless
``--store`` names another database. Figures go to stdout as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """Peak resident memory per stage, from /proc/self/statm (Linux)."""

    def __init__(self) -> None:
        self.stage = "setup"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * PAGE
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)
            time.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--checks", default="gx", choices=["gx", "pandas"])
    ap.add_argument("--store", default=None, help="database URL (default: temp SQLite)")
    ap.add_argument("--out", default=None, help="output folder (default: temp)")
    args = ap.parse_args()

    from konray_review.pipeline import make_source, run_review
    from konray_review.profile import load_profile
    from konray_review.store import Store

    tmp = Path(args.out or tempfile.mkdtemp(prefix="konray-bench-"))
    store = Store(args.store or f"sqlite:///{tmp / 'bench.sqlite'}")
    profile = load_profile()
    source = make_source("demo", year=2023, profile=profile, n_households=args.households)
    with RssSampler() as rss:
        def progress(stage: str) -> None:
            rss.stage = stage
            print(f"… {stage}", flush=True)

        start = time.perf_counter()
        outcome = run_review(source, year=2023, store=store, out_root=tmp, profile=profile,
                             progress=progress, quality_engine=args.checks)
        total = time.perf_counter() - start
    members = len(store.read_members(2023))
    print(f"\n{args.households:,} households requested; received {outcome.received:,}, "
          f"accepted {outcome.accepted:,} ({members:,} members), quarantined "
          f"{outcome.quarantined:,}; checks={args.checks}; store={store.url}\n")
    print("| stage | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    for stage, secs in outcome.timings.items():
        print(f"| {stage} | {secs:.1f} | {rss.peaks.get(stage, 0) / 2**20:.0f} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| **total** | **{total:.1f}** | **{peak:.0f}** |")
    print(f"\nOutputs: {outcome.out_dir}")


if __name__ == "__main__":
    main()
