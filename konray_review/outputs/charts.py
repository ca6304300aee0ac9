"""Charts for the district report, as inline SVG (matplotlib) with stable bytes.

Only where a chart reads faster than a table: rates by commune, deprivation rates by
indicator, transitions, indicator contributions. SVG keeps text as text (searchable,
sharp when printed); the hash salt and the missing date make re-runs byte-identical.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

PALETTE = ("#c0392b", "#e67e22", "#2e86c1", "#27ae60", "#8e44ad", "#7f8c8d")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "konray-review", "svg.fonttype": "none",
                         "font.family": "DejaVu Sans", "font.size": 9})
    return plt


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str,
              percent: bool = True, target: float | None = None,
              target_label: str | None = None, decimal: str = ".", id_prefix: str = "") -> str:
    """Horizontal grouped bars (one group per label); returns an ``<svg>`` element.

    ``id_prefix`` keeps the element ids of several charts in one document apart (matplotlib
    numbers them from 1 in every figure; a PDF needs each anchor once)."""
    plt = _pyplot()
    n, k = len(labels), max(1, len(series))
    height = 1.3 + 0.32 * n * max(1, k * 0.7)
    fig, ax = plt.subplots(figsize=(7.2, height))
    bar = 0.8 / k
    for j, (name, values) in enumerate(series.items()):
        pos = [i + (j - (k - 1) / 2) * bar for i in range(n)]
        vals = [float(v) * (100 if percent else 1) for v in values]
        ax.barh(pos, vals, height=bar, label=name, color=PALETTE[j % len(PALETTE)])
        for p, v in zip(pos, vals, strict=True):
            text = f" {v:.1f}".replace(".", decimal) if percent else f" {v:.0f}"
            ax.text(v, p, text, va="center", fontsize=7)
    if target is not None:
        ax.axvline(target * (100 if percent else 1), color="#333", linestyle="--", linewidth=1,
                   label=target_label)
    ax.set_yticks(range(n), labels)
    ax.invert_yaxis()
    ax.set_xlabel("%" if percent else "")
    ax.set_title(title, loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    if k > 1 or target is not None:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5 / height - 0.08), ncol=3,
                  fontsize=7, frameon=False)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return _inline(buf.getvalue(), id_prefix)


def _inline(svg: str, id_prefix: str = "") -> str:
    """Strip the XML prolog and doctype so the SVG can sit inside HTML; prefix its ids."""
    start = svg.find("<svg")
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg[start:], flags=re.S)
    if id_prefix:
        svg = re.sub(r'(\bid="|href="#|url\(#)(?=[^"\)])', rf"\g<1>{id_prefix}-", svg)
    return svg
