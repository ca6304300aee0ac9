"""Benchmark of the partitioned review: 1 M, 5 M, 10 M households, one machine vs Dask.

For each size the generator writes partitioned Parquet (timed); then each mode runs the
whole review (validation, classification, aggregates) in a fresh process:

- ``single``: the embedded single-machine path (whole tables in one process);
- ``daskN``: Dask directly (``scale.cluster``) on a new local cluster of N worker processes
  (forked from a warm fork server);
- ``prefectN``: the Prefect flow on a new local Dask cluster of N worker processes;
- ``address``: Dask directly on the existing scheduler given by ``--dask-address`` (what
  ``konray-review scale run --dask-address`` does); ``start_s`` is then connecting to it.

Reported per run: wall time of the process, time of the work itself (without Prefect's
temporary server and the cluster start), peak resident memory of the driver and of each
worker, and seconds per million households (close to constant = linear growth).

    .venv/bin/python bench/scale.py --sizes 1000000 --modes single dask1 dask2 \\
        --engine pandas --work /tmp/konray-bench --report bench/scale-results.md
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

YEAR = 2023


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 10_000_000])
    p.add_argument("--modes", nargs="+", default=["single", "dask1", "dask2"],
                   help="single | daskN (Dask directly) | prefectN (the Prefect flow)")
    p.add_argument("--engine", default="pandas", help="validation engine: pandas or gx")
    p.add_argument("--chunk-size", type=int, default=250_000)
    p.add_argument("--work", default="/tmp/konray-bench", help="scratch folder (large)")
    p.add_argument("--report", default=None, help="append a Markdown table here")
    p.add_argument("--keep", action="store_true", help="keep generated data between runs")
    p.add_argument("--dask-address", default=None,
                   help="existing scheduler for the 'address' mode, tcp://host:8786")
    args = p.parse_args()
    work = Path(args.work)
    rows = []
    for n in args.sizes:
        data = work / f"n{n}"
        if not (data / "households").exists():
            rows.append(_child(["generate", str(n), str(data), str(args.chunk_size)], work))
        for mode in args.modes:
            rows.append(_child(["run", mode, str(data), str(work / f"out-{n}-{mode}"),
                                args.engine, args.dask_address or ""], work))
            print(json.dumps(rows[-1]), flush=True)
        if not args.keep:
            subprocess.run(["rm", "-rf", str(data)], check=False)
    table = _markdown(rows, args.engine)
    print(table)
    if args.report:
        with open(args.report, "a", encoding="utf-8") as f:
            f.write(table + "\n")
    return 0


def _child(argv: list[str], work: Path) -> dict:
    """Run one measurement in a fresh process (clean peak-memory figures)."""
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "_child", *argv], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"step": " ".join(argv[:2]), "error": proc.stderr[-2000:], "wall_s": wall}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(wall, 1)
    return out


def _child_main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "generate":
        from konray_review.scale.generate import generate_partitioned

        n, data, chunk = int(argv[1]), argv[2], int(argv[3])
        t0 = time.perf_counter()
        s = generate_partitioned(n, data, year=YEAR, seed=1, chunk_size=chunk)
        res = {"step": "generate", "households": n, "partitions": s.partitions,
               "members": s.members, "work_s": round(time.perf_counter() - t0, 1)}
    else:
        mode, data, out, engine, address = argv[1:6]
        res = _run(mode, data, out, engine, address or None)
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    res["driver_peak_mib"] = round(me.ru_maxrss / 1024)
    # CPU seconds of this process and every process it started and reaped (Dask workers,
    # Prefect's temporary server): comparable even when other jobs share the cores
    res["cpu_s"] = round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 1)
    print(json.dumps(res))


def _run(mode: str, data: str, out: str, engine: str, address: str | None = None) -> dict:
    import pandas as pd

    from konray_review.scale.layout import list_partitions

    n_parts = len(list_partitions(data, YEAR))
    if mode == "single":
        from konray_review.scale.single import run_single

        summary = run_single(data, out, year=YEAR, engine=engine)
        workers: list[float] = []
        worker_cpu: list[float] = []
    start = None
    if mode.startswith("dask") or mode == "address":
        from konray_review.scale.cluster import run_dask

        if mode == "address" and not address:
            raise SystemExit("mode 'address' needs --dask-address")
        local = 0 if mode == "address" else int(mode.removeprefix("dask"))
        summary, info = run_dask(data, out, year=YEAR, engine=engine,
                                 dask_address=address if mode == "address" else None,
                                 workers=local)
        start = round(info.start_seconds, 1)
    elif mode.startswith("prefect"):
        from konray_review.scale.flow import run_flow

        summary = run_flow(data, out, year=YEAR, engine=engine,
                           workers=int(mode.removeprefix("prefect")))
    if mode != "single":
        status = pd.read_parquet(Path(out) / "aggregates" / "partitions.parquet")
        workers = status.groupby("pid")["peak_rss_mib"].max().round().tolist()
        # CPU seconds per worker process over its partitions (the workers are not this
        # process's children when forked by a fork server: RUSAGE_CHILDREN misses them)
        worker_cpu = status.groupby("pid")["cpu_seconds"].sum().round(1).tolist()
    return {"step": mode, "engine": engine, "households": summary.households_in,
            "partitions": n_parts, "accepted": summary.accepted,
            "failed": len(summary.failed), "work_s": round(summary.seconds, 1),
            "start_s": start, "worker_peak_mib": workers,
            "worker_cpu_s": worker_cpu}


def _markdown(rows: list[dict], engine: str) -> str:
    load = os.getloadavg()
    lines = [f"\nengine={engine}; {os.cpu_count()} cores; load average at end "
             f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; {time.strftime('%Y-%m-%d %H:%M')}",
             "", "| step | households | partitions | wall s | cluster start s | work s "
             "| s per M (work) | CPU s (driver + reaped children) | worker CPU s "
             "| driver peak MiB | worker peak MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['step']} | FAILED: {r['error'][-200:]!r} | | | | | | | | | |")
            continue
        n = r.get("households", 0) or 1
        lines.append(
            f"| {r['step']} | {n:,} | {r.get('partitions', '')} | {r['wall_s']} | "
            f"{r.get('start_s') or ''} | {r['work_s']} | {r['work_s'] / (n / 1e6):.1f} | "
            f"{r.get('cpu_s', '')} | "
            f"{', '.join(str(c) for c in r.get('worker_cpu_s', []))} | "
            f"{r['driver_peak_mib']} | "
            f"{', '.join(str(int(w)) for w in r.get('worker_peak_mib', []))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child_main(sys.argv[2:])
    else:
        raise SystemExit(main())
