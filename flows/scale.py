"""Prefect flow entry point: a partitioned review on Dask (``konray_review.scale.flow``).

Deploy or run this file like any Prefect flow; the flow itself lives in the package so Dask
workers can import the task code. Examples:

    python flows/scale.py --input data/review --year 2023 --workers 2
    python flows/scale.py --input data/review --year 2023 --dask-address tcp://10.0.0.5:8786

(the CLI equivalent is ``konray-review scale run``; docs/scale.md explains both.)
"""

from __future__ import annotations

import argparse

from konray_review.scale.flow import run_flow, scale_review

__all__ = ["main", "scale_review"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Partitioned review on Dask (konray-review)")
    parser.add_argument("--input", required=True, help="partitioned Parquet input folder")
    parser.add_argument("--year", required=True, type=int, help="review year")
    parser.add_argument("--out", default=None, help="output folder (default: --input)")
    parser.add_argument("--dask-address", default=None, help="existing scheduler, tcp://…")
    parser.add_argument("--workers", type=int, default=1, help="local workers (no address)")
    parser.add_argument("--engine", default="gx", help="validation engine")
    parser.add_argument("--profile", default=None, help="district profile")
    args = parser.parse_args(argv)
    summary = run_flow(args.input, args.out or args.input, year=args.year,
                       profile=args.profile, engine=args.engine,
                       dask_address=args.dask_address, workers=args.workers)
    print(summary.text())
    return 2 if summary.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
