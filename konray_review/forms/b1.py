"""Phiếu B1 scoring table (data) -> questions and the ``b1_score`` calculate.

The item list and points are data (``konray_review/data/b1/<region>.yaml``, or the district
profile's own ``b1_table`` file; model and loader in ``konray_review.standards``), with source
and status, because the official table is not public here (the shipped one is a placeholder
marked ``unconfirmed``). Points differ by area; the form picks them with ``${area}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from konray_review.standards import (
    B1Item,
    B1Table,
    Standard,
    b1_dir,
    has_b1_cutoff,
    load_b1_table,
)

__all__ = ["B1Table", "b1_choices", "b1_dir", "b1_rows", "b1_score", "income_method_choices",
           "income_method_rows", "load_b1_table"]

Row = dict[str, Any]
SCORED_METHODS = ("b1", "both")
Item = B1Item  # the name this module used before the model moved to standards


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _points_expr(item: Item, area: str) -> str:
    ref = f"${{{item.id}}}"
    if item.kind == "multiple":
        return "(" + " + ".join(
            f"if(selected({ref}, '{o.id}'), {_num(getattr(o, area))}, 0)" for o in item.options
        ) + ")"
    expr = "0"
    for o in reversed(item.options):
        expr = f"if({ref} = '{o.id}', {_num(getattr(o, area))}, {expr})"
    return expr


#: the B1 questions are asked when the income method uses the score
B1_RELEVANT = " or ".join(f"${{income_method}} = '{m}'" for m in SCORED_METHODS)
NO_B1_SCORE: Row = {"type": "calculate", "name": "b1_score", "calculation": "''"}


def b1_rows(table: B1Table, standard: Standard, notes: Sequence[Row] = ()) -> list[Row]:
    """The B1 questions (relevant when B1 is used), their points and ``b1_score``.

    Under a standard with no B1 cut-off in any area (2027–2030 as published) the score
    decides nothing, so no B1 question is asked: only a blank ``b1_score`` stays, so the
    submission keeps the canonical column. ``notes`` (warnings) open the section.
    """
    if not has_b1_cutoff(standard):
        return [dict(NO_B1_SCORE)]
    rows: list[Row] = [dict(n) for n in notes]
    for item in table.items:
        rows.append({
            "type": f"{'select_one' if item.kind == 'one' else 'select_multiple'} {item.id}",
            "name": item.id, "label": {"vi": f"B1. {item.vi}", "en": f"B1. {item.en}"},
            # a multiple-choice item may have nothing chosen (no asset at all)
            "relevant": B1_RELEVANT, "required": item.kind == "one",
        })
        rows.append({
            "type": "calculate", "name": f"{item.id}_points",
            "calculation": f"if(${{area}} = 'urban', {_points_expr(item, 'urban')}, "
                           f"{_points_expr(item, 'rural')})",
        })
    total = " + ".join(f"${{{item.id}_points}}" for item in table.items) or "0"
    rows.append({"type": "calculate", "name": "b1_score",
                 "calculation": f"if({B1_RELEVANT}, {total}, '')"})
    return rows


def income_method_rows(standard: Standard) -> list[Row]:
    """The ``income_method`` question. Where only some areas have a B1 cut-off, the B1
    methods are refused in the others (the score would decide nothing there)."""
    row: Row = {"type": "select_one income_method", "name": "income_method",
                "label": {"vi": "Cách xác định thu nhập", "en": "How income is assessed"},
                "required": True}
    cut = {a: standard.b1_cutoff.get(a) is not None for a in ("rural", "urban")}
    if any(cut.values()) and not all(cut.values()):
        row["constraint"] = ". = 'direct' or . = 'not_assessed' or " \
                            "string-length(${pre_b1_cutoff}) > 0"
        row["constraint_message"] = {
            "vi": "Khu vực này chưa có ngưỡng điểm B1: hãy ước tính thu nhập trực tiếp hoặc "
                  "chọn “Chưa xác định được thu nhập”.",
            "en": "This area has no B1 cut-off: estimate income directly or choose “Income "
                  "could not be assessed”."}
    return [row]


def income_method_choices(choices: list[dict[str, str]], standard: Standard
                          ) -> list[dict[str, str]]:
    """The income methods offered: without any B1 cut-off, not the B1 ones."""
    if has_b1_cutoff(standard):
        return list(choices)
    return [c for c in choices if c["name"] not in SCORED_METHODS]


def b1_choices(table: B1Table) -> dict[str, list[dict[str, str]]]:
    return {item.id: [{"name": o.id, "vi": o.vi, "en": o.en} for o in item.options]
            for item in table.items}


def b1_score(table: B1Table, answers: dict[str, Any], area: str) -> float:
    """The score the form's ``b1_score`` calculate gives for these B1 answers."""
    total = 0.0
    for item in table.items:
        chosen = answers.get(item.id)
        picked = chosen if isinstance(chosen, list | tuple) else [chosen]
        total += sum(getattr(o, area) for o in item.options if o.id in picked)
    return total
