"""The rule catalogue as a Markdown table for docs/quality.md (generated, never hand-edited).

``python -m konray_review.quality.docs`` rewrites the table between the markers in
docs/quality.md; a test fails when the page and expectations/rules.yaml disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from konray_review.quality.catalogue import Catalogue, load_catalogue

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_table(catalogue: Catalogue | None = None) -> str:
    catalogue = catalogue or load_catalogue()
    lines = ["| id | table | fields | check | severity | message (vi) | message (en) |",
             "|---|---|---|---|---|---|---|"]
    for r in catalogue.rules:
        fields = ", ".join(f"`{c}`" for c in r.columns)
        check = r.expectation or f"pandas rule `{r.rule}`"
        if r.kwargs:
            check += " " + ", ".join(f"{k}={_short(v)}" for k, v in r.kwargs.items())
        lines.append(f"| {r.id} | {r.field_table or r.table} | {fields} | {check} | "
                     f"{r.severity} | {_cell(r.message_vi)} | {_cell(r.message_en)} |")
    for s in catalogue.source_rules:
        lines.append(f"| {s.id} | source | — | reader ({s.scope}) | {s.severity} | "
                     f"{_cell(s.message_vi)} | {_cell(s.message_en)} |")
    return "\n".join(lines)


def _short(value: object) -> str:
    return str(value).replace("|", "\\|")


def _cell(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "…", text.replace("|", "\\|"))


def page_with_table(page: str, table: str) -> str:
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(path: str = "docs/quality.md") -> None:
    p = Path(path)
    p.write_text(page_with_table(p.read_text(encoding="utf-8"), rule_table()), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(*sys.argv[1:])
