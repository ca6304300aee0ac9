"""Benchmark: the whole review job on the demo source, time and peak memory per stage.

    .venv/bin/python bench/pipeline.py                     # 100,000 households (~450,000 members)
    .venv/bin/python bench/pipeline.py --households 20000 --checks pandas

Stages as in ``konray_review.pipeline``: pull (generate + Central-shaped records + parse +
commit to the store), validate (GX suites or the same rules in pandas), classify, store (one
transaction), publish (lists, quarantine lists, district report), write-back (skipped by the
demo source). Peak memory is the resident set size, sampled every 50 ms (so it includes what
earlier stages still hold), summed over this process and the worker processes it starts
(publishing writes files on every core), and the proportional set size summed the same way
every 250 ms (what the run really occupies: pages the workers share count once). CPU
seconds per stage are this process's (user + system, ``time.process_time``; not the
workers'): on a machine shared with other jobs they vary far less than wall times. The
store is a fresh SQLite file, unless ``--store`` names another database. ``--rerun`` runs
the same review a second time on the same store (the idempotent re-run: nothing changed,
nothing rewritten) and reports it too. Figures go to stdout as a Markdown table, with the
load average at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []  # the process ended while we looked


def _tree(read: Callable[[int], int]) -> int:
    """``read(pid)`` summed over this process and every process it started (the publish
    workers, their fork server), from /proc (Linux)."""
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        try:
            total += read(pid)
        except (OSError, ValueError):
            continue
    return total


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum
    over the tree is the memory the run really occupies (the workers share the fork
    server's imported modules, which an RSS sum counts once per worker)."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


class RssSampler:
    """Peak memory per stage, of this process and its workers together: the RSS sum every
    50 ms, the PSS sum every 250 ms (reading it walks the page tables, so less often)."""

    def __init__(self) -> None:
        self.stage = "setup"
        self.peaks: dict[str, int] = {}
        self.pss_peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        tick = 0
        while not self._stop.is_set():
            stage = self.stage
            self.peaks[stage] = max(self.peaks.get(stage, 0), _tree(_rss))
            if tick % 5 == 0:
                self.pss_peaks[stage] = max(self.pss_peaks.get(stage, 0), _tree(_pss))
            tick += 1
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
    ap.add_argument("--rerun", action="store_true", help="run a second time on the same store")
    args = ap.parse_args()
    load0 = os.getloadavg()

    from konray_review.pipeline import make_source
    from konray_review.profile import load_profile
    from konray_review.store import Store

    tmp = Path(args.out or tempfile.mkdtemp(prefix="konray-bench-"))
    store = Store(args.store or f"sqlite:///{tmp / 'bench.sqlite'}")
    profile = load_profile()
    source = make_source("demo", year=2023, profile=profile, n_households=args.households)
    for attempt in range(2 if args.rerun else 1):
        label = "first run" if attempt == 0 else "re-run, same input"
        _one(source, store, tmp, profile, args, label)
    load = os.getloadavg()
    print(f"\nload average at start {load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f}, at end "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; {os.cpu_count()} cores")


def _mib(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**20:.0f}"  # a stage shorter than one PSS sample


def _one(source, store, tmp: Path, profile, args: argparse.Namespace, label: str) -> None:
    from konray_review.pipeline import run_review

    cpu: dict[str, float] = {}
    with RssSampler() as rss:
        def progress(stage: str) -> None:
            rss.stage = stage
            cpu[stage] = time.process_time()
            print(f"… {stage}", flush=True)

        start, cpu0 = time.perf_counter(), time.process_time()
        outcome = run_review(source, year=2023, store=store, out_root=tmp, profile=profile,
                             progress=progress, quality_engine=args.checks)
        total, cpu_end = time.perf_counter() - start, time.process_time()
    members = len(store.read_members(2023))
    print(f"\n{label}: {args.households:,} households requested; received "
          f"{outcome.received:,}, accepted {outcome.accepted:,} ({members:,} members), "
          f"quarantined {outcome.quarantined:,}, written {outcome.stats.households_written:,}; "
          f"checks={args.checks}; store={store.url}\n")
    stages = list(outcome.timings)
    ends = [*(cpu[s] for s in stages[1:]), cpu_end]
    print("| stage | seconds | CPU s | peak RSS (MiB) | peak PSS (MiB) |\n"
          "|---|---:|---:|---:|---:|")
    for stage, end in zip(stages, ends, strict=True):
        print(f"| {stage} | {outcome.timings[stage]:.1f} | {end - cpu[stage]:.1f} | "
              f"{rss.peaks.get(stage, 0) / 2**20:.0f} | "
              f"{_mib(rss.pss_peaks.get(stage))} |")
    mine = [s for s in stages if s not in ("validate", "publish")]
    print(f"| pull+classify+store+write_back | {sum(outcome.timings[s] for s in mine):.1f} | "
          f"{sum(e - cpu[s] for s, e in zip(stages, ends, strict=True) if s in mine):.1f} | | |")
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
               *rss.peaks.values()) / 2**20
    pss = max(rss.pss_peaks.values(), default=0) / 2**20
    print(f"| **total** | **{total:.1f}** | **{cpu_end - cpu0:.1f}** | **{peak:.0f}** | "
          f"**{pss:.0f}** |")
    print("\nCPU s: this process only (the publish workers' CPU is not in it); peak RSS: "
          "this process and its workers together, sampled every 50 ms (a page the workers "
          "share counts once per process); peak PSS: the same processes' proportional "
          "share (shared pages counted once in all), every 250 ms.")
    print(f"\nOutputs: {outcome.out_dir}")


if __name__ == "__main__":
    main()
