"""Benchmark: paper of the posted lists — PDF pages and printed lines, by column-width rule.

Builds a synthetic review (``--households``, default the demo's 7,400), writes every posted
PDF list (``write_lists``, PDF only, one process) with the column widths of ``--rule``:

* ``text`` — what the lists use (``sheet.share_out``: width in proportion to each column's
  text);
* ``level`` — the rule before 4 Dec 2026, kept here as the baseline: the widest columns cut
  to one common level (bisection on the water level), everything else as ``fit_widths``.

Reports files, pages, the XLSX's estimated printed lines (``sheet.row_heights`` at the same
widths) and the seconds the PDFs took.

    .venv/bin/python bench/list_pages.py [--households 7400] [--rule text|level]
"""

from __future__ import annotations

import argparse
import glob
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.publish import review
from konray_review.outputs import sheet, write_lists
from tests.outputs.conftest import RUN_INFO


def common_level(natural: np.ndarray, floor: np.ndarray, text: np.ndarray,
                 budget: float) -> np.ndarray:
    """The rule before 4 Dec 2026: ``max(floor, min(natural, L))`` for the largest level
    ``L`` within ``budget`` (40 bisection steps), in quarter units rounded down."""
    lo, hi = 0.0, float(natural.max())
    for _ in range(40):
        mid = (lo + hi) / 2
        if np.maximum(floor, np.minimum(natural, mid)).sum() > budget:
            hi = mid
        else:
            lo = mid
    return np.floor(np.maximum(floor, np.minimum(natural, lo)) * 4) / 4


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=7400)
    ap.add_argument("--rule", choices=("text", "level"), default="text")
    args = ap.parse_args()
    if args.rule == "level":
        sheet.share_out = common_level  # fit_widths looks it up in the module at each call
    lines = []
    fit = sheet.fit_widths

    def counted(cols, data, page_width_pt=sheet.A4_LANDSCAPE_WIDTH_PT, metrics=None):
        widths = fit(cols, data, page_width_pt, metrics)
        m = metrics if metrics is not None else sheet.text_metrics(data, [c.key for c in cols])
        heights = sheet.row_heights(cols, widths, m)
        lines.append(np.nansum(np.round((heights - sheet.ROW_PAD_PT) / sheet.LINE_PT))
                     + np.isnan(heights).sum())
        return widths

    import konray_review.outputs.list_pdf as list_pdf
    list_pdf.fit_widths = counted
    _, hh, result, standard, profile = review(args.households, 0)
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        write_lists(hh, result, out, standard=standard, profile=profile, run_info=RUN_INFO,
                    formats=("pdf",), workers=1)
        sec = time.perf_counter() - t
        pdfs = glob.glob(f"{out}/**/*.pdf", recursive=True)
        pages = sum(len(pdfium.PdfDocument(f)) for f in pdfs)
    print(f"rule {args.rule}: {len(pdfs)} PDF files, {pages} pages, "
          f"{int(sum(lines))} estimated printed lines, {sec:.1f} s")


if __name__ == "__main__":
    main()
