"""Small inline SVG charts (no JavaScript, no external library): horizontal bars.

SVG is built as text with every label escaped; it renders in any browser and prints.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str,
              target: float | None = None, target_label: str = "",
              percent: bool = True, width: int = 640) -> Markup:
    """Horizontal bars, one per label, with an optional vertical target line."""
    bar_h, gap, right, top = 22, 8, 70, 28
    # room for the longest label (about 7 px a character at 12 px), within reason
    left = min(max(80, 12 + 7 * max((len(x) for x in labels), default=0)), width // 2)
    height = top + len(labels) * (bar_h + gap) + 24
    vmax = max([*values, target or 0.0, 1e-9])
    scale = (width - left - right) / vmax

    def fmt(v: float) -> str:
        return f"{v * 100:.1f} %" if percent else f"{v:,.0f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f'<title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_h + gap)
        w = max(value * scale, 0.0)
        over = target is not None and value > target
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" '
            f'class="chart-label">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'class="bar{" bar-over" if over else ""}"><title>{escape(label)}: {fmt(value)}'
            f'</title></rect>'
            f'<text x="{left + w + 4:.1f}" y="{y + bar_h * 0.7:.1f}" class="chart-value">'
            f'{fmt(value)}</text>'
        )
    if target is not None:
        x = left + target * scale
        bottom = top + len(labels) * (bar_h + gap)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" class="target"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" class="chart-label">'
            f'{escape(target_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
