"""Phiếu B1 scoring table (data) -> questions and the ``b1_score`` calculate.

The item list and points are data (``konray_review/data/b1/<region>.yaml``), with source and
status, because the official table is not public here (the shipped one is a placeholder
marked ``unconfirmed``). Points differ by area; the form picks them with ``${area}``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from konray_review.standards import Status, _data_dir

Row = dict[str, Any]
SCORED_METHODS = ("b1", "both")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    id: str
    vi: str
    en: str
    rural: float
    urban: float


class Item(_Model):
    id: str
    kind: Literal["one", "multiple"]
    vi: str
    en: str
    options: list[Option]


class B1Table(_Model):
    id: str
    name: dict[str, str]
    source: str
    status: Status
    items: list[Item]


def b1_dir() -> Path:
    return _data_dir() / "b1"


@cache
def load_b1_table(region: str) -> B1Table:
    path = b1_dir() / f"{region}.yaml"
    if not path.exists():
        raise ValueError(f"no B1 scoring table for region {region!r} ({path} is missing)")
    try:
        return B1Table.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{path}: invalid B1 scoring table: {exc}") from exc


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


def b1_rows(table: B1Table) -> list[Row]:
    """The B1 questions (relevant when B1 is used), their points and ``b1_score``."""
    relevant = " or ".join(f"${{income_method}} = '{m}'" for m in SCORED_METHODS)
    rows: list[Row] = []
    for item in table.items:
        rows.append({
            "type": f"{'select_one' if item.kind == 'one' else 'select_multiple'} {item.id}",
            "name": item.id, "label": {"vi": f"B1. {item.vi}", "en": f"B1. {item.en}"},
            # a multiple-choice item may have nothing chosen (no asset at all)
            "relevant": relevant, "required": item.kind == "one",
        })
        rows.append({
            "type": "calculate", "name": f"{item.id}_points",
            "calculation": f"if(${{area}} = 'urban', {_points_expr(item, 'urban')}, "
                           f"{_points_expr(item, 'rural')})",
        })
    total = " + ".join(f"${{{item.id}_points}}" for item in table.items) or "0"
    rows.append({"type": "calculate", "name": "b1_score",
                 "calculation": f"if({relevant}, {total}, '')"})
    return rows


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
