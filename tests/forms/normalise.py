"""A minimal normaliser for one engine result (test helper; the real one is the sources work).

Engine instance strings -> canonical values: ``yes``/``no`` -> bool, numbers -> int/float,
commune slug / village code -> profile names, blank -> ``NOT_ASKED`` default (or None).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from konray_review.forms.fields import MEMBER_REPEAT, NOT_ASKED, FormField
from konray_review.profile import Profile
from konray_review.schema import column

_NUMERIC = {"int": int, "float": float}
_ADDED_KINDS = {"household_size": "int"}  # households columns the forms add


def value_of(field: FormField, raw: str, table: str) -> Any:
    if raw == "":
        return NOT_ASKED[table].get(field.column)
    if field.yes_no:
        return raw == "yes"
    kind = _ADDED_KINDS.get(field.column) or column(table, field.column).kind
    if kind in _NUMERIC:
        return _NUMERIC[kind](float(raw))
    return raw


def normalise(result: dict[str, Any], fields: tuple[FormField, ...], profile: Profile
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    villages = profile.villages().set_index("village_code")["village"]
    hh = {f.column: value_of(f, result["values"][f.name], "households")
          for f in fields if f.table == "households"}
    hh["commune"] = profile.unit_by_slug(hh["commune"]).name
    hh["village"] = villages[hh["village"]]
    members = []
    for row in result["repeats"][MEMBER_REPEAT]:
        m = {f.column: value_of(f, row[f.name], "members") for f in fields if f.table == "members"}
        m["household_id"] = hh["household_id"]
        members.append(m)
    return hh, members


def tables(rows: list[tuple[dict[str, Any], list[dict[str, Any]]]]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    hh = pd.DataFrame([h for h, _ in rows])
    mem = pd.DataFrame([m for _, ms in rows for m in ms])
    return hh, mem
