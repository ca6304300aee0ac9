"""Benchmark: breaking cell texts into lines for the list PDFs (issue 16) — ReportLab's
``simpleSplit`` one text at a time against ``outputs.pdf_text.split_lines`` on all at once.

Random cell texts from the words of the lists (deprivation names, names, labels); each
width is timed ``--repeat`` times for both, and the two answers are compared text for text
(the benchmark fails if they differ). Prints the best time of each and the machine load.

    .venv/bin/python bench/pdf_text.py [--texts 35000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

WORDS = ["Việc", "làm;", "Bảo", "hiểm", "y", "tế;", "Trình", "độ", "giáo", "dục", "của",
         "người", "lớn;", "Nhà", "tiêu", "hợp", "vệ", "sinh", "Nguyễn", "Thị"]


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    from reportlab.lib.utils import simpleSplit

    from konray_review.outputs import list_pdf, pdf_text

    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=35_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print("load before:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    list_pdf.register_fonts()
    rng = np.random.default_rng(args.seed)
    texts = np.array([" ".join(rng.choice(WORDS, size=k))
                      for k in rng.integers(5, 45, args.texts)], dtype=object)
    font, size = list_pdf.FONT, list_pdf.BODY_PT
    for width in (60.0, 110.0):
        t_rl, expected = _best(lambda w=width: ["\n".join(simpleSplit(x, font, size, w))
                                                for x in texts], args.repeat)
        t_np, (got, _) = _best(lambda w=width: pdf_text.split_lines(texts, w, font, size),
                               args.repeat)
        if got != expected:
            raise SystemExit(f"split_lines differs from simpleSplit at width {width}")
        print(f"{len(texts)} texts, width {width:5.1f} pt: simpleSplit {t_rl:.3f} s, "
              f"split_lines {t_np:.3f} s (same lines)")
    print("load after:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))


if __name__ == "__main__":
    main()
