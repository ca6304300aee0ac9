"""Benchmark: the Great Expectations suites vs the same checks as plain pandas.

    .venv/bin/python bench/quality.py [--members 1000000] [--seed 0]

Generates a synthetic review with about ``--members`` member rows (2 % bad records),
prepares the frames once (shared by both engines: parsing, blank handling and the cross-row
rule columns, all pandas), then times each engine on the member suite, the household suite
and the whole ``validate`` call, checks that both engines report the same failing rows, and
prints a Markdown table. Timings are wall-clock seconds of one run (no warm-up beyond the
GX import, which is reported separately).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pandas as pd

from konray_review.quality import load_catalogue, validate
from konray_review.quality.validate import prepare, run_engine
from konray_review.synth import generate

YEAR = 2023
MEAN_MEMBERS = 4.5  # members per household in the generator (measured 4.50–4.52)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _, t_import = timed(__import__, "great_expectations")
    n_hh = int(args.members / MEAN_MEMBERS)
    review, t_gen = timed(generate, n_hh, year=YEAR, seed=args.seed, bad_share=0.02)
    hh, mem = review.households, review.members
    cat = load_catalogue()
    (prepared, checks), t_prep = timed(prepare, hh, mem, year=YEAR, profile=None, now=None,
                                       catalogue=cat)
    rows = []
    for table in ("members", "households"):
        only = {table: checks[table]}
        f_gx, t_gx = timed(run_engine, "gx", prepared.frames, only)
        f_pd, t_pd = timed(run_engine, "pandas", prepared.frames, only)
        key = ["table", "row", "rule_id", "column"]
        same = f_gx[key].sort_values(key).reset_index(drop=True).equals(
            f_pd[key].sort_values(key).reset_index(drop=True))
        rows.append({"step": f"{table} suite ({len(prepared.frames[table]):,} rows, "
                             f"{len(checks[table])} expectations)",
                     "gx_s": t_gx, "pandas_s": t_pd, "ratio": t_gx / t_pd,
                     "same_failures": same, "failing_rows": len(f_gx)})
    r_gx, t_vgx = timed(validate, hh, mem, year=YEAR, engine="gx")
    r_pd, t_vpd = timed(validate, hh, mem, year=YEAR, engine="pandas")
    rows.append({"step": "whole validate() incl. preparation and quarantine",
                 "gx_s": t_vgx, "pandas_s": t_vpd, "ratio": t_vgx / t_vpd,
                 "same_failures": r_gx.summary == r_pd.summary,
                 "failing_rows": r_gx.summary["quarantined"]})

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, pandas {pd.__version__}")
    print(f"households {len(hh):,}, members {len(mem):,}; generate {t_gen:.1f} s; "
          f"import great_expectations {t_import:.1f} s; shared preparation "
          f"(parsing + {sum(1 for r in cat.rules if r.rule)} pandas rules) {t_prep:.1f} s")
    print(f"summary: {r_gx.summary}")
    print()
    print("| step | GX (s) | pandas (s) | GX / pandas | same failures | failing rows / "
          "quarantined |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['step']} | {r['gx_s']:.2f} | {r['pandas_s']:.2f} | {r['ratio']:.1f}× | "
              f"{'yes' if r['same_failures'] else 'NO'} | {r['failing_rows']:,} |")


if __name__ == "__main__":
    main()
