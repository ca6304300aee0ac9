"""What a reader found wrong, as rows that name the record, the field and the value.

Two kinds, both worded by the catalogue's source rules (``SRC-…`` in
``expectations/rules.yaml``):

* **problems**: one per submission (and member) and field; the submission goes to
  quarantine with the rule id. Columns ``PROBLEM_COLUMNS``: ``problem`` is the Vietnamese
  message, ``problem_en`` the English one, ``value`` the value as typed (blank for names and
  ID numbers, which never appear in a message), ``member_no`` the member's number as typed.
* **findings**: per file: a note (a field the form does not have, an older form version) or
  a refusal (a file, or a member row, that cannot be read). Columns ``FINDING_COLUMNS``;
  ``rows`` is how many rows it concerns (None when a file could not be counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import pandas as pd

from konray_review.schema import PII_COLUMNS

PROBLEM_COLUMNS = ("instance_id", "table", "column", "value", "problem", "rule_id",
                   "member_no", "problem_en")
FINDING_COLUMNS = ("file", "form_id", "rule_id", "scope", "column", "value", "rows",
                   "message_vi", "message_en")
#: longest value quoted in a message (a pasted paragraph is cut, never the record)
MAX_VALUE = 60


@cache
def _catalogue() -> Any:
    from konray_review.quality.catalogue import load_catalogue

    return load_catalogue()


def shown_value(value: Any, column: str | None) -> str:
    """The value as typed, for a message: never a name or an ID number, never a paragraph."""
    if column in PII_COLUMNS or value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip()
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def message(rule_id: str, *, column: str | None = None, value: str | None = None,
            detail: tuple[str, str] | None = None) -> tuple[str, str]:
    """(Vietnamese, English) text of a source rule."""
    cat = _catalogue()
    vi_detail, en_detail = detail or ("", "")
    return (cat.source_message(rule_id, "vi", column=column, value=value, detail=vi_detail),
            cat.source_message(rule_id, "en", column=column, value=value, detail=en_detail))


def submission_problems(rule_id: str, ids: pd.Series, vi: pd.Series, en: pd.Series
                        ) -> pd.DataFrame:
    """Problems about a whole submission (SRC-005, SRC-006): one per id, the rule's text
    around a per-row detail (built with string operations, not one format per row)."""
    mark = "\x00"
    t_vi, t_en = message(rule_id, detail=(mark, mark))
    (a, b), (c, d) = t_vi.split(mark, 1), t_en.split(mark, 1)
    return pd.DataFrame({"instance_id": ids.astype(object).to_numpy(), "table": "households",
                         "column": "instance_id", "value": "",
                         "problem": (a + vi.astype(str) + b).to_numpy(),
                         "rule_id": rule_id, "member_no": None,
                         "problem_en": (c + en.astype(str) + d).to_numpy()})[
        list(PROBLEM_COLUMNS)]


def problems_for(mask: pd.Series, ids: pd.Series, table: str, column: str, raw: pd.Series,
                 rule_ids: pd.Series | str, member_no: pd.Series | None = None
                 ) -> pd.DataFrame:
    """Problem rows where ``mask`` holds; messages rendered once per distinct value.

    Vectorised: the catalogue text is built per (rule, value) pair, then mapped.
    """
    if not mask.any():
        return empty_problems()
    m = mask.to_numpy(dtype=bool)
    rules = (pd.Series(rule_ids, index=mask.index) if isinstance(rule_ids, str)
             else rule_ids)[m].astype(object).to_numpy()
    values = raw[m].map(lambda v: shown_value(v, column)).astype(object).to_numpy()
    frame = pd.DataFrame({"instance_id": ids[m].astype(object).to_numpy(), "table": table,
                          "column": column, "value": values, "rule_id": rules,
                          "member_no": (member_no[m].astype(object).to_numpy()
                                        if member_no is not None else None)})
    texts = {(r, v): message(r, column=column, value=v)
             for r, v in frame[["rule_id", "value"]].drop_duplicates().itertuples(index=False)}
    pairs = list(zip(frame["rule_id"], frame["value"], strict=True))
    frame["problem"] = [texts[p][0] for p in pairs]
    frame["problem_en"] = [texts[p][1] for p in pairs]
    return frame[list(PROBLEM_COLUMNS)]


def empty_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})


def concat_problems(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return empty_problems()
    return pd.concat(parts, ignore_index=True)[list(PROBLEM_COLUMNS)]


def finding(file: str | None, rule_id: str, *, form_id: str | None = None,
            column: str | None = None, value: str | None = None, rows: int | None = None,
            detail: tuple[str, str] | None = None) -> dict[str, Any]:
    """One finding row (a note or a refusal) with its catalogue text."""
    vi, en = message(rule_id, column=column, value=value, detail=detail)
    scope = _catalogue().source_rule(rule_id).scope
    return {"file": file, "form_id": form_id, "rule_id": rule_id, "scope": scope,
            "column": column, "value": value, "rows": rows, "message_vi": vi,
            "message_en": en}


def findings_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = list(rows)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    return pd.DataFrame(rows).reindex(columns=list(FINDING_COLUMNS)).astype(object)


def refusal(file: str, reason: tuple[str, str], *, form_id: str | None = None,
            rows: int | None = None) -> dict[str, Any]:
    """A whole file refused (``SRC-013``), named with why and what to do."""
    return finding(file, "SRC-013", form_id=form_id, rows=rows, detail=reason)
