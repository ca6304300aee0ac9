"""Time the district report: its content (tables, charts), the XLSX, the HTML and the PDF.

    .venv/bin/python bench/report_pdf.py [--households 7400] [--repeat 3]

The report's size depends on the number of villages and indicators, not on households
(the aggregates are computed before), so the demo's size is the realistic case. Prints the
best of ``--repeat`` runs per step and the page count of the PDF.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=7400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import pypdfium2 as pdfium

    from konray_review import classify, synth
    from konray_review.aggregates import district_summary
    from konray_review.outputs import files, report
    from konray_review.profile import load_profile
    from konray_review.standards import standard_for_year

    profile = load_profile()
    s = synth.generate(args.households, year=2023, seed=7, profile=profile)
    good = ~s.households["household_id"].isin(s.defects["household_id"])  # accepted only
    hh = s.households[good].reset_index(drop=True)
    mem = s.members[s.members["household_id"].isin(hh["household_id"])].reset_index(drop=True)
    standard = standard_for_year(2023, profile)
    result = classify(hh, mem, profile=profile, history=s.history)
    summary = district_summary(hh, result, standard=standard, profile=profile, members=mem,
                               year=2023)
    run_info = {"run_id": "bench", "started_at": "2026-12-02T08:00:00+00:00"}
    best: dict[str, float] = {}
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            steps: dict[str, float] = {}
            t = time.perf_counter()
            ctx = report._context(summary, standard=standard, profile=profile, year=2023,
                                  run_info=run_info, lang="vi")
            steps["content (tables, SVG charts)"] = time.perf_counter() - t
            t = time.perf_counter()
            report.write_xlsx_report(ctx, Path(tmp) / "r.xlsx", files.run_stamp(run_info))
            steps["xlsx"] = time.perf_counter() - t
            t = time.perf_counter()
            report.render_html(ctx)
            steps["html"] = time.perf_counter() - t
            t = time.perf_counter()
            data = report.render_pdf(ctx)
            steps["pdf (WeasyPrint)"] = time.perf_counter() - t
            pages = len(pdfium.PdfDocument(data))
            for k, v in steps.items():
                best[k] = min(best.get(k, v), v)
    print(f"{args.households} households, {len(profile.villages())} villages; "
          f"PDF {pages} pages; best of {args.repeat}:")
    for k, v in best.items():
        print(f"  {k:32s} {v:6.2f} s")


if __name__ == "__main__":
    main()
