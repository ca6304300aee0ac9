"""The XLSX lists printed the way district offices print them: LibreOffice Calc to A4.

Issue 14 found the posted lists unreadable on paper; after the columns were fitted, a print
from LibreOffice still drew the second and third lines of wrapped cells (deprivation lists,
long names) over the next row, because a row keeps its default height unless the file gives
one. Here LibreOffice (an independent renderer, ``soffice --headless``) prints the village
list with the most households to PDF and pypdfium2 reads back where every run of text sits:
no two runs of text may overlap, every household code is printed whole, every page is A4
landscape.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from konray_review.outputs import read_manifest
from tests.strict import missing_tool

pytestmark = pytest.mark.office


def _soffice() -> str:
    exe = shutil.which("soffice")
    if exe is None:
        missing_tool("LibreOffice", "soffice not on PATH (Debian: libreoffice-calc-nogui)")
    return exe


def _print(xlsx: Path, out: Path) -> Path:
    profile = out / "lo-profile"  # a fresh LibreOffice user profile: no state between runs
    subprocess.run([_soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    return out / f"{xlsx.stem}.pdf"


def _overlapping_text(pdf: pdfium.PdfDocument) -> list[tuple[int, str, str]]:
    """Pairs of text runs on one page whose boxes overlap by more than a point each way."""
    found = []
    for number, page in enumerate(pdf, start=1):
        tp = page.get_textpage()
        rects = [tp.get_rect(i) for i in range(tp.count_rects())]
        for i, (l1, b1, r1, t1) in enumerate(rects):
            for l2, b2, r2, t2 in rects[i + 1:]:
                if min(r1, r2) - max(l1, l2) > 1 and min(t1, t2) - max(b1, b2) > 1:
                    found.append((number, tp.get_text_bounded(l1, b1, r1, t1),
                                  tp.get_text_bounded(l2, b2, r2, t2)))
    return found


def test_libreoffice_prints_the_village_list_without_overlapping_lines(written, tmp_path):
    entry = max((e for e in read_manifest(written) if e.kind == "list" and e.format == "xlsx"
                 and e.village is not None and e.list_type == "all"), key=lambda e: e.rows)
    pdf = pdfium.PdfDocument(str(_print(written / entry.path, tmp_path)))
    assert len(pdf) >= 1
    assert all(round(p.get_width()) == 842 and round(p.get_height()) == 595 for p in pdf)
    assert _overlapping_text(pdf) == []
    text = "\n".join(p.get_textpage().get_text_range() for p in pdf)
    # the printed code (second column of the posted list) of every household, on one line
    ws = load_workbook(written / entry.path, read_only=True).worksheets[0]
    codes = [r[1] for r in ws.iter_rows(values_only=True)
             if r and isinstance(r[0], int) and r[1]]
    assert len(codes) == entry.rows
    lines = set(text.split())
    assert [c for c in codes if c not in lines] == []
