"""Benchmark: ``classify`` on 1,000,000 households (~4.5 M member rows).

Reports wall time, peak memory and the speed-up over the row-by-row reference (measured on a
sample in the same run). Target (issue 2): <= 1.5 s and <= 2 GiB on a 2-core machine, and at
least 100x faster than the reference.

    .venv/bin/python bench/classify.py [--households 1000000] [--sample 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from konray_review import classify
from konray_review.synth import generate
from tests.classifier.reference import classify_rows

CODE_COLUMNS_HH = ("area", "water_source", "latrine_type", "waste_handling", "review_reason",
                   "previous_category")
CODE_COLUMNS_MEM = ("household_id", "sex", "employment", "disability", "education_level",
                    "relation")


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(field)


def reset_peak() -> None:
    """Reset the kernel's peak-RSS counter (VmHWM) so the next reading is this step's peak."""
    Path("/proc/self/clear_refs").write_text("5")


def as_categorical(h, m):
    h, m = h.copy(), m.copy()
    for c in CODE_COLUMNS_HH:
        h[c] = h[c].astype("category")
    for c in CODE_COLUMNS_MEM:
        m[c] = m[c].astype("category")
    return h, m


def timed(h, m, repeat: int) -> tuple[float, float, float]:
    times = []
    gc.collect()
    base = rss_kib("VmRSS")
    reset_peak()
    for _ in range(repeat):
        t = time.perf_counter()
        out = classify(h, m)
        times.append(time.perf_counter() - t)
        del out
    peak = rss_kib("VmHWM")
    return min(times), peak / 2**20, (peak - base) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", type=int, default=2023)
    args = ap.parse_args()

    t = time.perf_counter()
    r = generate(args.households, year=args.year, seed=1, bad_share=0)
    h, m = r.households, r.members
    print(f"generated {len(h):,} households, {len(m):,} members in "
          f"{time.perf_counter() - t:.1f} s")

    for label, (hh, mm) in (("string columns", (h, m)),
                            ("categorical code columns", as_categorical(h, m))):
        best, peak, extra = timed(hh, mm, args.repeat)
        print(f"classify [{label}]: best of {args.repeat}: {best:.3f} s; "
              f"peak RSS {peak:.2f} GiB (+{extra:.2f} GiB over the inputs)")
        if label == "string columns":
            fast_per_hh = best / len(h)

    hs = h.iloc[: args.sample]
    ms = m[m["household_id"].isin(set(hs["household_id"]))]
    t = time.perf_counter()
    classify_rows(hs, ms)
    ref = time.perf_counter() - t
    ref_per_hh = ref / len(hs)
    print(f"row-by-row reference: {len(hs):,} households in {ref:.2f} s "
          f"({ref_per_hh * 1e6:.0f} µs/household; 1 M would take ~{ref_per_hh * 1e6 / 60:.1f} min)")
    print(f"speed-up of classify over the reference: {ref_per_hh / fast_per_hh:,.0f}x")


if __name__ == "__main__":
    main()
