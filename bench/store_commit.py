"""Benchmark: the store's two writes on their own, first and second time, and the reads.

    .venv/bin/python bench/store_commit.py --households 60000 [--store DATABASE_URL]

Demo households without bad records (so every one classifies) are committed twice as a
pull (``commit_batch``: the raw submissions) and as a run (``commit_review``); the second
time is the idempotent re-run (nothing changed, nothing written). Then ``load`` (the raw
submissions back) and the year's reads. Wall seconds per step; note ``uptime`` with it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=60_000)
    ap.add_argument("--store", default=None, help="database URL (default: temp SQLite)")
    args = ap.parse_args()

    from konray_review import classify
    from konray_review.profile import load_profile
    from konray_review.sources.demo import DemoSource
    from konray_review.store import Store

    profile = load_profile()
    source = DemoSource(args.households, year=2023, seed=0, profile=profile, bad_share=0.0)
    batch = source.pull()
    result = classify(batch.households, batch.members, year=2023, profile=profile)
    tmp = tempfile.mkdtemp(prefix="konray-store-")
    store = Store(args.store or f"sqlite:///{tmp}/store.sqlite")
    print(f"{len(batch.households):,} households, {len(batch.members):,} members; "
          f"store={store.url}\n\n| step | seconds |\n|---|---:|")
    for attempt in ("first", "second"):
        t0 = time.perf_counter()
        store.commit_batch(source.key, batch.households, batch.members, None,
                           problems=batch.problems)
        print(f"| commit_batch, {attempt} | {time.perf_counter() - t0:.2f} |")
        t0 = time.perf_counter()
        stats = store.commit_review(f"run-{attempt}", 2023, households=batch.households,
                                    members=batch.members, classification=result,
                                    source_key=source.key, full=True)
        print(f"| commit_review, {attempt} ({stats.households_written:,} written) | "
              f"{time.perf_counter() - t0:.2f} |")
    t0 = time.perf_counter()
    store.load(source.key)
    print(f"| load (raw back) | {time.perf_counter() - t0:.2f} |")
    t0 = time.perf_counter()
    store.read_households(2023)
    store.read_members(2023)
    store.read_classification(2023)
    print(f"| read the year | {time.perf_counter() - t0:.2f} |")
    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")


if __name__ == "__main__":
    main()
