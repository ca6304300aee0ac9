"""Load benchmark of the portal: locust (headless) against uvicorn on loopback.

Builds a district-sized store (synthetic, ``--households``, default 7,000) with its lists,
starts the portal (``uvicorn --factory konray_review.portal.app:create_app``, ``--workers``)
and runs three scenarios, printing locust's figures per request kind:

1. ``browse``: ``--users`` (50) staff browsing for ``--minutes`` (2): lists, households, XLSX;
2. ``crowd``: 200 staff, same mix, ``--crowd-minutes`` (1);
3. ``logins``: 20 users logging in back to back, 2 polling ``/healthz``, 1 minute.

Targets (issue 15): browse 0 errors and p95 < 500 ms; crowd p95 < 2 s; logins: /healthz
p95 ≤ 100 ms. Figures go to docs/benchmarks.md with the command and ``uptime``.

    .venv/bin/python bench/portal.py [--households 7000] [--workers 2] [--only browse]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "bench-mat-khau-dai-7Qz"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(work: Path, households: int) -> dict:
    """The store, lists and accounts; the plan the locust users read."""
    sys.path.insert(0, str(ROOT))
    from konray_review.portal.accounts import add_user
    from konray_review.portal.tables import ensure_tables
    from tests.portal.builders import RUN_ID, YEAR
    from tests.portal.builders import build as build_store

    fx = build_store(work, n=households, seed=3)
    ensure_tables(fx.store.engine)
    add_user(fx.store.engine, "huyen", PASSWORD, "district")
    files = [e.path for e in fx.manifest if e.format == "xlsx" and e.commune is not None]
    plan = {
        "username": "huyen", "password": PASSWORD, "year": YEAR, "run_id": RUN_ID,
        "slugs": [fx.profile.unit(c).slug for c in fx.communes],
        "households": fx.households["household_id"].sample(500, random_state=1).tolist(),
        "files": files,
        "store_url": fx.store.url,
    }
    fx.store.dispose()
    return plan


def _wait_up(port: int, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("portal did not start")


def scenario(name: str, port: int, plan_file: Path, out: Path, *, users: int, seconds: int,
             spawn_rate: float, env: dict[str, str]) -> list[dict]:
    prefix = out / name
    cmd = [str(Path(sys.executable).parent / "locust"), "-f", str(HERE / "portal_locust.py"),
           "--headless", "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s",
           "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
           "--stop-timeout", "5", "--loglevel", "WARNING"]
    subprocess.run(cmd, env={**os.environ, **env, "KONRAY_BENCH_PLAN": str(plan_file)},
                   check=False, capture_output=True, text=True)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def report(name: str, rows: list[dict]) -> None:
    print(f"\n## {name}")
    print("| request | count | failures | median ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
              f"{r['50%']} | {r['95%']} | {r['99%']} | {float(r['Max Response Time']):.0f} | "
              f"{float(r['Requests/s']):.1f} |")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=7000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--minutes", type=float, default=2)
    p.add_argument("--crowd", type=int, default=200)
    p.add_argument("--crowd-minutes", type=float, default=1)
    p.add_argument("--only", nargs="*", default=["browse", "crowd", "logins"])
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="konray-bench-portal-"))
    t0 = time.time()
    plan = build(work, args.households)
    print(f"store built in {time.time() - t0:.0f} s: {args.households} households, "
          f"{len(plan['files'])} commune XLSX files")
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "KONRAY_STORE_URL": str(plan["store_url"]),
           "KONRAY_PORTAL_SECRET": "bench-secret-" + "b" * 40,
           "KONRAY_PORTAL_MAX_FAILURES_IP": "100000"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "uvicorn"), "--factory",
         "konray_review.portal.app:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--no-server-header", "--log-level", "warning",
         "--no-access-log"], env=env, cwd=str(work))
    try:
        _wait_up(port)
        print("uptime before:", subprocess.run(["uptime"], capture_output=True,
                                               text=True).stdout.strip())
        if "browse" in args.only:
            rows = scenario("browse", port, plan_file, work, users=args.users,
                            seconds=int(args.minutes * 60), spawn_rate=10,
                            env={"KONRAY_BENCH_BROWSER": "1"})
            report(f"browse: {args.users} users, {args.minutes} min", rows)
        if "crowd" in args.only:
            rows = scenario("crowd", port, plan_file, work, users=args.crowd,
                            seconds=int(args.crowd_minutes * 60), spawn_rate=20,
                            env={"KONRAY_BENCH_BROWSER": "1"})
            report(f"crowd: {args.crowd} users, {args.crowd_minutes} min", rows)
        if "logins" in args.only:
            rows = scenario("logins", port, plan_file, work, users=22, seconds=60,
                            spawn_rate=22, env={"KONRAY_BENCH_BROWSER": "0",
                                                "KONRAY_BENCH_LOGIN": "1",
                                                "KONRAY_BENCH_HEALTH": "2"})
            report("logins: 20 users logging in back to back + /healthz", rows)
        print("uptime after:", subprocess.run(["uptime"], capture_output=True,
                                              text=True).stdout.strip())
    finally:
        server.terminate()
        server.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
