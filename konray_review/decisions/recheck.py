"""The re-check (phúc tra) of a complaint: the household's answers as stored, corrected where
the re-check found them wrong, run through the same classifier as the survey.

Corrections are ``{"field": value}`` for the household and ``{"<member_no>.<field>": value}``
for a member, in the canonical data model's names. Only answers the classifier reads may be
corrected here; a different roster (a member more or less) needs a new survey on the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from konray_review.decisions.errors import DecisionError
from konray_review.schema import Column, codes, column

#: never corrected in a re-check: identity, units, PII and submission metadata
_FIXED = frozenset({
    "household_id", "review_year", "province", "commune", "village", "head_name",
    "head_id_number", "instance_id", "submitted_at", "enumerator", "member_no", "name",
    "id_number", "birth_date",
})
_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng"}
_FALSE = {"0", "false", "no", "n", "không", "khong", "sai"}
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.500.000 (Vietnamese thousands)


@dataclass(frozen=True)
class Recheck:
    """The classifier's answer on the corrected household."""

    category: str | None
    deprivation_count: int | None
    income_test: str | None
    corrections: dict[str, Any]


def _fail(field: str, vi: str, en: str) -> DecisionError:
    return DecisionError(f"Sửa «{field}»: {vi}", f"Correction «{field}»: {en}")


def parse_value(col: Column, text: Any) -> Any:
    """One corrected answer as the type of its column (clear error naming the field)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        if col.nullable:
            return None
        raise _fail(col.name, "không được để trống.", "may not be blank.")
    if not isinstance(text, str):
        return text
    value = text.strip()
    if col.kind == "bool":
        low = value.casefold()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise _fail(col.name, "cần «có» hoặc «không».", "must be yes or no.")
    if col.kind in ("int", "float"):
        number = value.replace(".", "") if _GROUPED.match(value) else value.replace(",", ".")
        try:
            parsed = float(number)
        except ValueError:
            raise _fail(col.name, "cần một số.", "must be a number.") from None
        if col.kind == "int":
            if parsed != int(parsed):
                raise _fail(col.name, "cần số nguyên.", "must be a whole number.")
            return int(parsed)
        return parsed
    if col.kind == "code" and col.codes and value not in codes(col.codes):
        raise _fail(col.name, f"mã không hợp lệ, dùng một trong {list(codes(col.codes))}.",
                    f"unknown code, use one of {list(codes(col.codes))}.")
    return value


def parse_corrections(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """``{"field": v, "3.has_health_insurance": v}`` -> household and per-member changes."""
    household: dict[str, Any] = {}
    members: dict[int, dict[str, Any]] = {}
    for key, value in raw.items():
        key = str(key).strip()
        no, _, name = key.partition(".") if "." in key else ("", "", key)
        table: Literal["households", "members"] = "members" if no else "households"
        if name in _FIXED:
            raise _fail(key, "không sửa được trong phúc tra.", "cannot be corrected here.")
        try:
            col = column(table, name)
        except KeyError:
            raise _fail(key, "không có câu trả lời này.", "no such answer.") from None
        parsed = parse_value(col, value)
        if no:
            if not no.isdigit():
                raise _fail(key, "số thứ tự thành viên không hợp lệ.", "bad member number.")
            members.setdefault(int(no), {})[name] = parsed
        else:
            household[name] = parsed
    return household, members


def apply_corrections(households: pd.DataFrame, members: pd.DataFrame,
                      raw: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies of one household's row and roster with the corrections applied."""
    hh_changes, mem_changes = parse_corrections(raw)
    hh, mem = households.copy(), members.copy()
    for name, value in hh_changes.items():
        hh[name] = pd.Series([value] * len(hh), index=hh.index, dtype=object)
    known = set(pd.to_numeric(mem["member_no"]).astype(int)) if len(mem) else set()
    for no, changes in mem_changes.items():
        if no not in known:
            raise _fail(f"{no}", "hộ không có thành viên số này (thêm, bớt thành viên cần "
                        "khảo sát lại).", "no such member (a changed roster needs a "
                        "re-survey).")
        at = pd.to_numeric(mem["member_no"]).astype(int) == no
        for name, value in changes.items():
            mem[name] = mem[name].astype(object)
            mem.loc[at, name] = value
    return hh, mem


def reclassify(households: pd.DataFrame, members: pd.DataFrame, corrections: Mapping[str, Any],
               *, year: int, profile: Any, history: pd.DataFrame | None) -> Recheck:
    """Classify one household after applying ``corrections`` (an empty mapping re-runs it
    on the stored answers, e.g. after a new submission from the re-survey)."""
    from konray_review import classify
    from konray_review.classifier.errors import InputError

    if households.empty:
        raise DecisionError("Không tìm thấy phiếu của hộ trong kho để phúc tra.",
                            "The household's answers are not in the store.")
    hh, mem = apply_corrections(households, members, corrections)
    try:
        result = classify(hh, mem, year=year, profile=profile, history=history)
    except InputError as exc:
        first = str(exc).splitlines()[0][:300]
        raise DecisionError(f"Câu trả lời sau khi sửa không hợp lệ: {first}",
                            f"The corrected answers are invalid: {first}") from None
    row = result.iloc[0]
    category = None if pd.isna(row["category"]) else str(row["category"])
    count = None if pd.isna(row["deprivation_count"]) else int(row["deprivation_count"])
    income = None if pd.isna(row["income_test"]) else str(row["income_test"])
    return Recheck(category, count, income, dict(corrections))
