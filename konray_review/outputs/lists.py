"""Classified household lists per review year, commune and village (XLSX + CSV).

What staff download after the review: everyone reviewed, and separate lists of poor,
near-poor, escaped (poverty or near-poverty) and newly poor (newly poor and re-poor,
flagged) households. Data shaping is vectorised (one labelled frame for the whole run);
files are written per unit. A commune file only ever holds that commune's households.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from konray_review.outputs import xlsx
from konray_review.outputs.manifest import ManifestEntry
from konray_review.outputs.sheet import Col, Heading, write_sheet
from konray_review.outputs.texts import UNIT_KIND, t
from konray_review.profile import Profile, slugify
from konray_review.schema import code_lists, is_ethnic_minority
from konray_review.standards import Standard

LIST_TYPES = ("all", "poor", "near_poor", "escaped", "newly_poor")
LEVELS = ("district", "commune", "village")
#: manifest kind of the one restricted file per year: the district list with full ID numbers
FULL_IDS_KIND = "list_full_ids"

_SELECT: dict[str, Callable[[pd.DataFrame], np.ndarray]] = {
    "all": lambda f: np.ones(len(f), dtype=bool),
    "poor": lambda f: (f["_category"] == "poor").to_numpy(),
    "near_poor": lambda f: (f["_category"] == "near_poor").to_numpy(),
    "escaped": lambda f: f["_transition"].isin(["escaped_poverty", "escaped_near_poverty"])
    .to_numpy(),
    "newly_poor": lambda f: f["_transition"].isin(["newly_poor", "re_poor"]).to_numpy(),
}
_HH_NEEDED = ("household_id", "commune", "village", "head_name", "head_id_number",
              "head_ethnicity", "area")


def label_map(list_name: str, lang: str) -> dict[str, str]:
    """``{code: label}`` of one code list, for vectorised ``Series.map``."""
    return {code: entry.get(lang) or entry["vi"] for code, entry in code_lists()[list_name].items()}


def mask_id(ids: pd.Series) -> pd.Series:
    """ID numbers with all but the last 4 characters hidden ("********1234"), vectorised.

    Why: the commune and village lists are posted publicly (niêm yết); a full CCCD number
    on a notice board invites identity fraud. The last 4 digits are enough for a household
    to recognise its line. An ID of 4 characters or fewer is hidden entirely; a blank stays
    blank.
    """
    text = ids.astype("object").fillna("").astype(str).str.strip()
    short = text.str.len() <= 4
    return text.str.replace(r".(?=.{4})", "*", regex=True).where(
        ~short, text.str.replace(r".", "*", regex=True))


def _as_codes(s: pd.Series) -> pd.Series:
    return s.astype("object").where(s.notna(), None)


def _canonical_communes(hh: pd.DataFrame, profile: Profile) -> pd.Series:
    uniq = pd.unique(hh["commune"].astype("object"))
    canon = {u: profile.canonical_unit(u) if isinstance(u, str) else None for u in uniq}
    out = hh["commune"].astype("object").map(canon)
    bad = out.isna()
    if bad.any():
        ids = hh.loc[bad, "household_id"].astype(str).head(5).tolist()
        raise ValueError(f"households {ids}: commune is not a unit of profile {profile.id} "
                         "(households.commune)")
    return out


_RESULT_NEEDED = ("household_id", "review_year", "category", "transition", "income_test",
                  "deprivation_count", "member_count")


def _join(households: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """Result rows with their household fields; every result row must have its household."""
    missing = [c for c in _HH_NEEDED if c not in households.columns]
    if missing:
        raise ValueError(f"households table lacks columns needed for the lists: {missing}")
    missing = [c for c in _RESULT_NEEDED if c not in result.columns]
    if missing:
        raise ValueError(f"classification result lacks columns needed for the lists: {missing}")
    extra = ["previous_category"] if "previous_category" in households.columns else []
    hh = households[list(_HH_NEEDED) + extra]
    dup = hh["household_id"].duplicated(keep=False)
    if dup.any():
        ids = hh.loc[dup, "household_id"].astype(str).unique()[:5].tolist()
        raise ValueError(f"households {ids}: household_id appears more than once "
                         "(households.household_id)")
    joined = result.merge(hh, on="household_id", how="left", indicator=True)
    orphan = joined["_merge"] != "both"
    if orphan.any():
        ids = joined.loc[orphan, "household_id"].astype(str).head(5).tolist()
        raise ValueError(f"households {ids}: classified but missing from the households table")
    blank = joined["village"].isna() | (joined["village"].astype("object").astype(str)
                                        .str.strip() == "")
    if blank.any():
        ids = joined.loc[blank, "household_id"].astype(str).head(5).tolist()
        raise ValueError(f"households {ids}: village is blank (households.village)")
    return joined.drop(columns="_merge")


def _notes(f: pd.DataFrame, lang: str) -> pd.Series:
    parts = [
        np.where(f["_transition"].eq("re_poor").to_numpy(), t("note_re_poor", lang), ""),
        np.where(f["income_test"].astype("object").eq("unknown").to_numpy(),
                 t("note_unknown", lang), ""),
    ]
    if "screened_out" in f.columns:
        parts.append(np.where(f["screened_out"].fillna(False).to_numpy(bool),
                              t("note_screened", lang), ""))
    joined = pd.Series(parts[0], index=f.index, dtype="object")
    for p in parts[1:]:
        joined = joined + "; " + p
    return joined.str.replace(r"(; )+", "; ", regex=True).str.strip("; ")


def _village_order(f: pd.DataFrame, profile: Profile) -> pd.Series:
    """Position of each village in the profile's village list (unknown ones last)."""
    try:
        vil = profile.villages()
    except (OSError, ValueError):
        return pd.Series(0, index=f.index)
    where = pd.MultiIndex.from_frame(vil[["commune", "village"]])
    key = pd.Series(np.arange(len(vil)), index=where)
    idx = pd.MultiIndex.from_arrays([f["commune"], f["village"].astype("object")])
    return pd.Series(key.reindex(idx).fillna(len(vil)).to_numpy(), index=f.index)


def classified_frame(households: pd.DataFrame, result: pd.DataFrame, *, standard: Standard,
                     profile: Profile, lang: str = "vi") -> pd.DataFrame:
    """One labelled row per classified household, sorted by commune, village and id.

    Columns prefixed ``_`` hold codes for selection and grouping; the others are the
    printed values, keyed as in ``list_columns``.
    """
    f = _join(households, result)
    f["commune"] = _canonical_communes(f, profile)
    f["_category"] = _as_codes(f["category"])
    f["_transition"] = _as_codes(f["transition"])
    f["_commune_order"] = f["commune"].map({n: i for i, n in enumerate(profile.unit_names)})
    f["_village_order"] = _village_order(f, profile)
    f["_year"] = f["review_year"].astype(int)
    cat = label_map("category", lang)
    out = pd.DataFrame(index=f.index)
    for c in ("_category", "_transition", "_year", "_commune_order", "_village_order"):
        out[c] = f[c]
    out["household_id"] = f["household_id"].astype(str)
    out["head_name"] = f["head_name"].fillna("").astype(str)
    full_ids = f["head_id_number"].astype("object").fillna("").astype(str)
    out["_head_id_full"] = full_ids
    out["head_id_number"] = mask_id(full_ids)
    eth = f["head_ethnicity"].astype("object")
    out["ethnicity"] = eth.map(label_map("ethnicity", lang)).fillna(eth).fillna("")
    out["dtts"] = np.where(is_ethnic_minority(f["head_ethnicity"]).to_numpy(bool),
                           t("yes_mark", lang), "")
    out["commune"] = f["commune"]
    out["village"] = f["village"].astype(str)
    out["area"] = f["area"].astype("object").map(label_map("area", lang)).fillna("")
    out["member_count"] = f["member_count"].astype(int)
    out["income_test"] = f["income_test"].astype("object").map(label_map("income_test", lang))
    for ind in standard.indicators:
        col = f"dep_{ind.id}"
        flags = f[col].fillna(False).to_numpy(bool) if col in f.columns else np.zeros(len(f), bool)
        out[col] = np.where(flags, t("yes_mark", lang), "")
    out["deprivation_count"] = f["deprivation_count"].astype(int)
    out["category"] = f["_category"].map(cat).fillna(t("unclassified", lang))
    prev = (_as_codes(f["previous_category"]) if "previous_category" in f.columns
            else pd.Series(None, index=f.index, dtype="object"))
    out["previous_category"] = prev.map(cat).fillna("")
    out["transition"] = f["_transition"].map(label_map("transition", lang)).fillna("")
    out["note"] = _notes(f, lang)
    out = out.sort_values(["_year", "_commune_order", "_village_order", "village",
                           "household_id"], kind="stable")
    return out.reset_index(drop=True)


def list_columns(standard: Standard, *, with_commune: bool, lang: str = "vi") -> list[Col]:
    """The printed columns, in order: identity, place, deprivation marks, result."""
    group = t("deprivations", lang)
    cols = [Col("stt", t("stt", lang), 6, center=True),
            Col("household_id", t("household_id", lang), 16),
            Col("head_name", t("head_name", lang), 24),
            Col("head_id_number", t("head_id_number", lang), 15),
            Col("ethnicity", t("ethnicity", lang), 10),
            Col("dtts", t("dtts", lang), 7, center=True)]
    if with_commune:
        cols.append(Col("commune", t("commune", lang), 14))
    cols += [Col("village", t("village", lang), 14),
             Col("area", t("area", lang), 10),
             Col("member_count", t("member_count", lang), 8, center=True),
             Col("income_test", t("income_test", lang), 16)]
    cols += [Col(f"dep_{i.id}", getattr(i.name, lang, i.name.vi), 7, group=group, center=True)
             for i in standard.indicators]
    cols += [Col("deprivation_count", t("deprivation_count", lang), 9, center=True),
             Col("category", t("category", lang), 14),
             Col("previous_category", t("previous_category", lang), 14),
             Col("transition", t("transition", lang), 16),
             Col("note", t("note", lang), 28)]
    return cols


def _csv_headers(cols: Sequence[Col], lang: str) -> list[str]:
    prefix = "Thiếu hụt" if lang == "vi" else "Deprived"
    return [f"{prefix}: {c.header}" if c.group else c.header for c in cols]


#: a cell starting with one of these is run as a formula by Excel / LibreOffice
_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with a single quote.

    Why: names, messages and ids come from field forms; a value such as ``=HYPERLINK(...)``
    or ``@SUM(...)`` in a CSV opened in Excel is executed (CSV/formula injection). The quote
    makes it plain text. Only text columns are touched (numbers keep their sign); vectorised
    per column.
    """
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        text = col.astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False).astype(bool)
        if risky.any():
            out[name] = col.astype("object").where(~risky, "'" + text.astype("object"))
    return out


def write_csv(frame: pd.DataFrame, cols: Sequence[Col], path: Path, lang: str) -> Path:
    """UTF-8 with a byte-order mark (so Excel reads Vietnamese), CRLF line ends.

    Formula-like text is neutralised (``neutralise_formulas``) before writing.
    """
    data = neutralise_formulas(frame.reindex(columns=[c.key for c in cols]))
    data.columns = _csv_headers(cols, lang)
    text = data.to_csv(index=False, lineterminator="\r\n")
    return xlsx.write_bytes(path, text.encode("utf-8-sig"))


def write_xlsx(frame: pd.DataFrame, cols: Sequence[Col], path: Path, head: Heading,
               stamp: Any, lang: str, sheet_title: str) -> Path:
    wb = xlsx.new_workbook(stamp, head.title)
    ws = wb.create_sheet(sheet_title[:31])
    splice = write_sheet(ws, head, cols, frame.reindex(columns=[c.key for c in cols]), lang)
    return xlsx.save(wb, path, stamp, {1: splice})


def _committee(profile: Profile, commune: str | None, lang: str) -> str:
    if commune is None:
        if profile.district:
            return f"{t('district', lang)} {profile.district}".upper()
        return f"{t('province', lang)} {profile.province}".upper()
    kind = UNIT_KIND.get(profile.unit(commune).kind, UNIT_KIND["xa"])
    return f"{kind.get(lang, kind['vi'])} {commune}".upper()


def _place(profile: Profile, commune: str | None, village: str | None, lang: str) -> str:
    parts = [f"{t('province', lang)}: {profile.province}"]
    if profile.district:
        parts.append(f"{t('district', lang)}: {profile.district}")
    if commune is not None:
        kind = UNIT_KIND.get(profile.unit(commune).kind, UNIT_KIND["xa"])
        parts.append(f"{kind.get(lang, kind['vi']).capitalize()}: {commune}")
        parts.append(f"{t('village', lang)}: {village or t('all_villages', lang)}")
    return " - ".join(parts)


def _signatures(level: str) -> list[str]:
    return ["sign_maker", "sign_village", "sign_chair"] if level == "village" \
        else ["sign_maker", "sign_chair"]


def _units(frame: pd.DataFrame, level: str) -> list[tuple[tuple[str | None, str | None],
                                                          pd.DataFrame]]:
    if level == "district":
        return [((None, None), frame)]
    if level == "commune":
        return [((c, None), g) for c, g in frame.groupby("commune", sort=False)]
    return [((c, v), g) for (c, v), g in frame.groupby(["commune", "village"], sort=False)]


def _rel_path(profile: Profile, year: int, commune: str | None, village: str | None,
              list_type: str, ext: str) -> str:
    if list_type == FULL_IDS_KIND:
        return f"lists/{year}/{year}_{profile.id}_all_full_ids.{ext}"
    if commune is None:
        return f"lists/{year}/{year}_{profile.id}_{list_type}.{ext}"
    cslug = profile.unit(commune).slug
    if village is None:
        return f"lists/{year}/{cslug}/{year}_{cslug}_{list_type}.{ext}"
    vslug = slugify(village) or "thon"
    return f"lists/{year}/{cslug}/{vslug}/{year}_{cslug}_{vslug}_{list_type}.{ext}"


def write_lists(
    households: pd.DataFrame,
    result: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    standard: Standard,
    profile: Profile,
    lang: str = "vi",
    run_info: Mapping[str, Any] | None = None,
    levels: Sequence[str] = LEVELS,
    list_types: Sequence[str] = LIST_TYPES,
    formats: Sequence[str] = ("xlsx", "csv"),
    full_ids: bool = True,
) -> list[ManifestEntry]:
    """Write every list for every unit; returns their manifest entries (not yet saved).

    District and commune files are written even when empty (an empty list is an answer);
    a village gets a file for a list type only when it has such households. Every list
    shows masked ID numbers (they are posted publicly). With ``full_ids``, the district
    level and the "all" list, one restricted file per year (manifest kind
    ``list_full_ids``: all households, full ID numbers) is written for district staff, who
    need the numbers to match other registers; the portal serves it to district users only.
    """
    unknown = set(levels) - set(LEVELS) | set(list_types) - set(LIST_TYPES)
    if unknown:
        raise ValueError(f"unknown list levels or types: {sorted(unknown)}")
    frame = classified_frame(households, result, standard=standard, profile=profile, lang=lang)
    stamp = xlsx.run_stamp(run_info)
    out = Path(out_dir)
    entries: list[ManifestEntry] = []
    years = list(frame.groupby("_year", sort=True))
    if not years and run_info and run_info.get("year") is not None:
        years = [(int(run_info["year"]), frame)]  # nothing accepted: the empty list set
    for year, yframe in years:
        masks = {lt: _SELECT[lt](yframe) for lt in list_types}
        for level in levels:
            cols = list_columns(standard, with_commune=level == "district", lang=lang)
            units = _units(yframe, level) if len(yframe) or level != "commune" else [
                ((u.name, None), yframe) for u in profile.units]
            for (commune, village), unit in units:
                for lt in list_types:
                    part = unit[masks[lt][yframe.index.get_indexer(unit.index)]]
                    if level == "village" and part.empty:
                        continue
                    part = part.assign(stt=np.arange(1, len(part) + 1))
                    head = Heading(_committee(profile, commune, lang),
                                   t(f"title_{lt}", lang, year=year),
                                   _place(profile, commune, village, lang),
                                   f"{t('standard', lang)}: "
                                   f"{getattr(standard.name, lang, standard.name.vi)}",
                                   int(year), _signatures(level))
                    for fmt in formats:
                        rel = _rel_path(profile, int(year), commune, village, lt, fmt)
                        if fmt == "xlsx":
                            write_xlsx(part, cols, out / rel, head, stamp, lang,
                                       t("list_sheet", lang))
                        else:
                            write_csv(part, cols, out / rel, lang)
                        entries.append(ManifestEntry("list", lt, commune, village, fmt, rel,
                                                     len(part), int(year)))
        if full_ids and "district" in levels and "all" in list_types:
            entries += _write_full_ids(yframe, out, int(year), standard=standard,
                                       profile=profile, lang=lang, stamp=stamp, formats=formats)
    return entries


def _write_full_ids(frame: pd.DataFrame, out: Path, year: int, *, standard: Standard,
                    profile: Profile, lang: str, stamp: Any,
                    formats: Sequence[str]) -> list[ManifestEntry]:
    """The restricted district list: every household, ID numbers in full (not for posting)."""
    cols = list_columns(standard, with_commune=True, lang=lang)
    part = frame.assign(stt=np.arange(1, len(frame) + 1), head_id_number=frame["_head_id_full"])
    head = Heading(_committee(profile, None, lang), t("title_full_ids", lang, year=year),
                   _place(profile, None, None, lang), t("full_ids_note", lang), year,
                   _signatures("district"))
    entries = []
    for fmt in formats:
        rel = _rel_path(profile, year, None, None, FULL_IDS_KIND, fmt)
        if fmt == "xlsx":
            write_xlsx(part, cols, out / rel, head, stamp, lang, t("list_sheet", lang))
        else:
            write_csv(part, cols, out / rel, lang)
        entries.append(ManifestEntry(FULL_IDS_KIND, "all", None, None, fmt, rel, len(part), year))
    return entries
