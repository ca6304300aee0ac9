"""Benchmark: the Great Expectations suites vs the same checks as plain pandas (issue 16).

    .venv/bin/python bench/quality.py [--members 1000000] [--seed 0] [--repeat 1]

Generates a synthetic review with about ``--members`` member rows (2 % bad records),
prepares the frames once (shared by every engine: parsing, blank handling and the cross-row
rule columns, all pandas), then times, per table suite, each way of running it:

- ``pandas``: the plain pandas engine (the reference, ratio 1);
- ``gx checks``: GX, one expectation per rule x field on the prepared frame (the layout before
  issue 16), failing values and row ids in the result;
- ``gx rules, values kept``: GX, one expectation per rule over vectorised boolean rule
  columns (a narrow frame), failing values still in the result;
- ``gx rules``: the same without the failing values (only row ids): the production layout;
- ``… + Data Docs``: the same writing Data Docs (offline assets included), as the pipeline does.

Every GX variant's failing rows are compared with the pandas engine's (``same failures``).
Then the whole ``validate`` call (preparation + suites + quarantine) with each engine, and
GX's own costs measured apart: the import and the whole-frame fingerprint GX computes for
every pandas batch (``hash_pandas_dataframe``; it cannot be switched off without patching GX).
Timings are wall-clock seconds, the best of ``--repeat`` runs; the machine is shared, so the
load (``os.getloadavg``) is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import pandas as pd

from konray_review.quality import load_catalogue, validate
from konray_review.quality.engines import _rule_frames, run_gx, run_pandas
from konray_review.quality.validate import prepare
from konray_review.synth import generate

YEAR = 2023
MEAN_MEMBERS = 4.5  # members per household in the generator (measured 4.50–4.52)
KEY = ["table", "row", "rule_id", "column"]


def timed(fn, *args, repeat: int = 1, **kwargs):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return out, best


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a[KEY].sort_values(KEY).reset_index(drop=True).equals(
        b[KEY].sort_values(KEY).reset_index(drop=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    rep = args.repeat

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _, t_import = timed(__import__, "great_expectations")
    from great_expectations.execution_engine.pandas_execution_engine import (
        hash_pandas_dataframe,
    )

    n_hh = int(args.members / MEAN_MEMBERS)
    review, t_gen = timed(generate, n_hh, year=YEAR, seed=args.seed, bad_share=0.02)
    hh, mem = review.households, review.members
    cat = load_catalogue()
    (prepared, checks), t_prep = timed(prepare, hh, mem, year=YEAR, profile=None, now=None,
                                       catalogue=cat)
    frames = prepared.frames
    rows, notes = [], []
    for table in ("members", "households"):
        only = {table: checks[table]}
        n_rules = len({c.rule.id for c in checks[table]})
        ref, t_pd = timed(run_pandas, frames, only, repeat=rep)
        variants = [
            (f"gx checks ({len(checks[table])} expectations)", {"layout": "checks"}, False),
            (f"gx rules, values kept ({n_rules} expectations)",
             {"layout": "rules", "exclude_values": False}, False),
            (f"gx rules ({n_rules} expectations)", {"layout": "rules"}, False),
            ("gx checks + Data Docs", {"layout": "checks"}, True),
            ("gx rules + Data Docs", {"layout": "rules"}, True),
        ]
        rows.append((table, len(frames[table]), "pandas", t_pd, True, len(ref)))
        for name, kw, docs in variants:
            with tempfile.TemporaryDirectory() as d:
                found, t = timed(run_gx, frames, only, d if docs else None, repeat=rep, **kw)
            rows.append((table, len(frames[table]), name, t, same(found, ref), len(found)))
        _, gx_frames = _rule_frames(frames, only)
        _, t_fp_wide = timed(hash_pandas_dataframe, frames[table])
        _, t_fp_narrow = timed(hash_pandas_dataframe, gx_frames[table])
        notes.append(f"{table}: GX fingerprint of the prepared frame ({frames[table].shape[1]} "
                     f"columns) {t_fp_wide:.2f} s, of the rule-column frame "
                     f"({gx_frames[table].shape[1]} columns) {t_fp_narrow:.2f} s")
    r_gx, t_vgx = timed(validate, hh, mem, year=YEAR, engine="gx")
    r_pd, t_vpd = timed(validate, hh, mem, year=YEAR, engine="pandas")

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, pandas {pd.__version__}; load average at the end "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"households {len(hh):,}, members {len(mem):,}; generate {t_gen:.1f} s; "
          f"import great_expectations {t_import:.1f} s; shared preparation "
          f"(parsing + {sum(1 for r in cat.rules if r.rule)} pandas rules) {t_prep:.1f} s")
    for n in notes:
        print(n)
    print(f"summary: {r_gx.summary}")
    print()
    print("| suite | engine | seconds | × pandas | same failures | failing rows |")
    print("|---|---|---|---|---|---|")
    base = {}
    for table, n, name, t, ok, found in rows:
        base.setdefault(table, t)
        print(f"| {table} ({n:,} rows) | {name} | {t:.2f} | {t / base[table]:.1f}× | "
              f"{'yes' if ok else 'NO'} | {found:,} |")
    print(f"| whole validate() | pandas | {t_vpd:.2f} | 1.0× | yes | "
          f"{r_pd.summary['quarantined']:,} quarantined |")
    print(f"| whole validate() | gx (rules) | {t_vgx:.2f} | {t_vgx / t_vpd:.1f}× | "
          f"{'yes' if r_gx.summary == r_pd.summary else 'NO'} | "
          f"{r_gx.summary['quarantined']:,} quarantined |")


if __name__ == "__main__":
    main()
