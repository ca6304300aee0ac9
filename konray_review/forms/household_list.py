"""Last year's list of households: how Phiếu B knows a listed household's persistent id.

Why: ``household_id`` must stay the same across years (data-model.md), but this year's
position on the village list and the village's name (its slug) both change. So for a
household already on the list (``review_reason = on_list``) the enumerator picks it from
last year's list, the ``households.csv`` choice file, and the form copies that row's
``household_id``. Only new (requesting) households get a new id, made from the village code
and their number on this year's list.

The same ``households.csv`` slot is filled either by the builder (from a list CSV given to
``forms build --households``) or, on ODK Central, by the ``households`` Entity list
(``sources.central`` links it): both carry the columns of :func:`list_rows`, so the form's
lookup ``instance('households')/root/item[name = …]/household_id`` works with both (on
Central ``name`` is the entity UUID, in the built file it is the household_id itself).
Without a list the enumerator types last year's code, checked by :data:`CODE_PATTERN`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

HOUSEHOLDS_FILE = "households.csv"
#: columns (Entity properties) of every list row besides ``name`` and ``label``
LIST_PROPERTIES = ("household_id", "commune", "village", "head_name", "previous_category")
#: a generated household id: village code (slug) + "__" + number on that year's list
CODE_PATTERN = "^[a-z0-9_]+__[0-9]{1,4}$"
_ON_LIST = "${review_reason} = 'on_list'"


class HouseholdListError(ValueError):
    """The previous-year list cannot be used; the message names the row or the column."""


def list_rows(households: pd.DataFrame) -> pd.DataFrame:
    """``label`` (head – village) plus the :data:`LIST_PROPERTIES` as text, one row per
    household; ``category`` of last year's result is taken as ``previous_category``."""
    frame = households.copy()
    if "previous_category" not in frame.columns and "category" in frame.columns:
        frame["previous_category"] = frame["category"]
    missing = {"household_id", "head_name", "village"} - set(frame.columns)
    if missing:
        raise HouseholdListError(f"danh sách hộ thiếu cột {sorted(missing)} "
                                 f"(the household list lacks columns)")
    cols = [c for c in LIST_PROPERTIES if c in frame.columns]
    out = frame[cols].astype(object).where(frame[cols].notna(), "").astype(str)
    ids = out["household_id"].str.strip()
    bad = ids.eq("") | ids.duplicated(keep=False)
    if bad.any():
        rows = [int(i) + 2 for i in bad[bad].index[:5]]  # CSV line numbers (header = 1)
        raise HouseholdListError(f"mã hộ trống hoặc trùng ở dòng {rows} "
                                 f"(blank or duplicated household_id at lines {rows})")
    out.insert(0, "label", out["head_name"] + " – " + out["village"])
    return out.reset_index(drop=True)


def write_household_list(frame: pd.DataFrame, path: Path) -> Path:
    """Write a year's household list where ``forms build --households`` will read it
    (Parquet for a ``.parquet`` name, UTF-8 CSV otherwise); used by ``forms households``
    and ``decisions next-year``, which differ only in whether undecided households count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8")
    return path


def read_household_list(path: Path) -> pd.DataFrame:
    """A list file: CSV (text) or Parquet: what ``konray-review forms households`` writes,
    last year's ``households`` table, or a published list CSV (``lists/…_all.csv``, its
    poor and near-poor households)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise HouseholdListError(f"{path}: không đọc được danh sách hộ "
                                 f"(cannot read the household list): {exc}") from exc
    frame = from_published_list(frame)
    missing = {"household_id", "head_name", "village"} - set(frame.columns)
    if missing:
        raise HouseholdListError(
            f"{path}: danh sách hộ thiếu cột {sorted(missing)}; tạo tệp đúng bằng `konray-"
            "review forms households --year <năm trước>` (the household list lacks columns; "
            "make it with `konray-review forms households`)")
    return frame


#: published list headings (outputs.texts) -> list columns
_PUBLISHED = ("household_id", "head_name", "commune", "village", "category")


def from_published_list(frame: pd.DataFrame) -> pd.DataFrame:
    """A published list (Vietnamese or English headings, category labels) as list rows:
    its poor and near-poor households, ``previous_category`` their category code."""
    from konray_review.outputs.lists import label_map
    from konray_review.outputs.texts import t

    for lang in ("vi", "en"):
        headings = {t(key, lang): key for key in _PUBLISHED}
        if not {t("household_id", lang), t("category", lang)} <= set(frame.columns):
            continue
        renamed = frame.rename(columns=headings)
        out = renamed[[k for k in _PUBLISHED if k in renamed.columns]]
        codes = {label: code for code, label in label_map("category", lang).items()}
        out = out.assign(previous_category=out["category"].map(codes)).drop(
            columns="category")
        return out[out["previous_category"].isin(["poor", "near_poor"])].reset_index(
            drop=True)
    return frame


def households_csv(households: pd.DataFrame) -> bytes:
    """The ``households.csv`` attachment: ``name`` (= household_id), label, properties."""
    rows = list_rows(households)
    rows.insert(0, "name", rows["household_id"])
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def listed_household_rows(with_list: bool) -> list[dict[str, Any]]:
    """The question that gives a listed household its persistent id (``listed_household_id``):
    a choice from ``households.csv`` when a list was given, else the code typed in."""
    label = {"vi": "Hộ trong danh sách năm trước", "en": "Household on last year's list"}
    if with_list:
        return [
            {"type": f"select_one_from_file {HOUSEHOLDS_FILE}", "name": "listed_household",
             "label": label, "relevant": _ON_LIST, "required": True,
             "appearance": "minimal autocomplete",
             "hint": {"vi": "Tìm theo tên chủ hộ hoặc thôn.",
                      "en": "Search by the head's name or the village."}},
            {"type": "calculate", "name": "listed_household_id",
             "calculation": "instance('households')/root/item[name = ${listed_household}]"
                            "/household_id"},
        ]
    return [{
        "type": "text", "name": "listed_household_id",
        "label": {"vi": "Mã hộ trong danh sách năm trước", "en": "Household code on last "
                  "year's list"},
        "hint": {"vi": "Ghi đúng mã hộ như trên danh sách năm trước (ví dụ thon_a__12).",
                 "en": "Copy the code from last year's list (e.g. thon_a__12)."},
        "relevant": _ON_LIST, "required": True,
        "constraint": f"regex(., '{CODE_PATTERN}')",
        "constraint_message": {
            "vi": "Mã hộ gồm mã thôn, hai dấu gạch dưới và số thứ tự (ví dụ thon_a__12).",
            "en": "A household code is the village code, two underscores and a number "
                  "(e.g. thon_a__12)."},
    }]
