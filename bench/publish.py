"""Benchmark: writing the household lists (issue 16) — rows per second, per format.

Builds a synthetic review (``--households``, default the demo's 7,400), classifies it, then
times ``write_lists`` once per format (XLSX, PDF, CSV) and for all three together, and the
quarantine lists. Reports files, data rows, seconds and rows/s for each, and the machine
load (``/proc/loadavg``) before and after, since the machine is shared. With
``--compare-pdf`` it also renders the largest commune list both with ReportLab (what the
lists use, ``outputs.list_pdf``) and as an HTML table through WeasyPrint
(``outputs.printing.html_to_pdf``, what the report uses), ``--repeat`` times each.

    .venv/bin/python bench/publish.py [--households 7400] [--seed 0] [--compare-pdf]
                                      [--workers N]
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from konray_review import classify, synth
from konray_review.outputs import list_pdf, write_lists
from konray_review.outputs.lists import classified_frame, posted_columns
from konray_review.outputs.parallel import default_workers
from konray_review.outputs.quarantine import write_quarantine_lists
from konray_review.outputs.sheet import Heading
from konray_review.profile import load_profile
from konray_review.standards import standard_for_year
from tests.outputs.conftest import RUN_INFO, fake_quarantine

YEAR = 2023


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def review(n: int, seed: int):
    profile = load_profile()
    s = synth.generate(n, year=YEAR, seed=seed, profile=profile)
    good = ~s.households["household_id"].isin(s.defects["household_id"])
    hh = s.households[good].reset_index(drop=True)
    mem = s.members[s.members["household_id"].isin(hh["household_id"])]
    result = classify(hh, mem, profile=profile, history=s.history)
    return s, hh, result, standard_for_year(YEAR, profile), profile


def timed_lists(hh, result, standard, profile, formats,
                workers=None) -> tuple[int, int, float]:
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        entries = write_lists(hh, result, out, standard=standard, profile=profile,
                              run_info=RUN_INFO, formats=formats, workers=workers)
        sec = time.perf_counter() - t
    return len(entries), sum(e.rows or 0 for e in entries), sec


def html_table(frame, cols, head: Heading) -> str:
    """The same list as an HTML table (header repeated by the browser engine)."""
    shown = [c for c in cols if not c.hidden]
    th = "".join(f"<th>{html.escape(c.header)}</th>" for c in shown)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in frame[[c.key for c in shown]].astype(str).to_numpy().tolist())
    return (f"<html><head><meta charset='utf-8'><style>@page {{size: A4 landscape; "
            f"margin: 12mm; @bottom-center {{content: 'Trang ' counter(page) '/' "
            f"counter(pages); font-size: 9pt}}}} body {{font: 9pt 'DejaVu Sans Condensed'}} "
            f"table {{border-collapse: collapse; width: 100%}} td, th {{border: .5pt solid; "
            f"padding: 1pt 2pt; vertical-align: top}}</style></head><body>"
            f"<h3 style='text-align:center'>{html.escape(head.title)}</h3>"
            f"<table><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table></body></html>")


def compare_pdf(hh, result, standard, profile, repeat: int) -> None:
    from konray_review.outputs.printing import html_to_pdf

    frame = classified_frame(hh, result, standard=standard, profile=profile)
    commune = frame["commune"].value_counts().index[0]
    part = frame[frame["commune"] == commune].reset_index(drop=True)
    part = part.assign(stt=range(1, len(part) + 1))
    cols = posted_columns(with_commune=False)
    head = Heading(commune.upper(), "DANH SÁCH (bench)", commune, None, YEAR,
                   ["sign_maker", "sign_chair"])
    for name, fn in (("reportlab", lambda: list_pdf.list_pdf_bytes(part, cols, head)),
                     ("weasyprint", lambda: html_to_pdf(html_table(part, cols, head)))):
        fn()  # warm-up: fonts, imports
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        print(f"pdf {name:10s} commune {commune} ({len(part)} rows): "
              f"best {min(times):.2f} s of {repeat}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=7400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare-pdf", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None,
                    help="processes writing the lists (default: as a run does, every core "
                    "for a large run)")
    args = ap.parse_args()
    print(f"load before: {load()}")
    s, hh, result, standard, profile = review(args.households, args.seed)
    print(f"{len(hh)} accepted households; list writers: "
          f"{args.workers or f'default ({default_workers()} cores when large)'}")
    for formats in (("xlsx",), ("pdf",), ("csv",), ("xlsx", "pdf", "csv")):
        files, rows, sec = timed_lists(hh, result, standard, profile, formats, args.workers)
        print(f"lists {'+'.join(formats):13s} {files:4d} files {rows:7d} rows {sec:6.2f} s "
              f"{rows / sec:8.0f} rows/s {sec / files * 1000:6.1f} ms/file")
    with tempfile.TemporaryDirectory() as out:
        q = fake_quarantine(s.households, s.defects)
        t = time.perf_counter()
        entries = write_quarantine_lists(q, s.households, out, profile=profile, year=YEAR)
        sec = time.perf_counter() - t
        print(f"quarantine    {len(entries):4d} files {sum(e.rows for e in entries):7d} rows "
              f"{sec:6.2f} s")
    if args.compare_pdf:
        compare_pdf(hh, result, standard, profile, args.repeat)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
