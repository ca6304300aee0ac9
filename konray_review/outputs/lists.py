"""Classified household lists per review year, commune and village (XLSX + PDF + CSV).

What staff download after the review: everyone reviewed, and separate lists of poor,
near-poor, escaped (poverty or near-poverty) and newly poor (newly poor and re-poor,
flagged) households. Data shaping is vectorised (one labelled frame for the whole run);
files are written per unit. A commune file only ever holds that commune's households.

The XLSX and its PDF are the *posted* list (niêm yết, read out at the village meeting):
only the columns the meeting reads (``posted_columns``), a short household code, wide
enough to print at full size on A4 landscape. The CSV and the restricted full-ID file keep
every column (``list_columns``) and the canonical ``household_id``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from konray_review.outputs import csvfile, files, list_pdf, spreadsheet
from konray_review.outputs.manifest import Format, ListType, ManifestEntry
from konray_review.outputs.parallel import run_jobs
from konray_review.outputs.shared_frame import SharedFrame, local, sharing
from konray_review.outputs.sheet import Col, Heading, text_metrics, write_sheet
from konray_review.outputs.texts import UNIT_KIND, t
from konray_review.profile import Profile, slugify
from konray_review.schema import code_lists, is_ethnic_minority
from konray_review.standards import STATUS_LABELS, Standard, unconfirmed_rules

LIST_TYPES = ("all", "poor", "near_poor", "escaped", "newly_poor")
LEVELS = ("district", "commune", "village")
#: the levels whose lists are posted (niêm yết) and so get a PDF beside the XLSX; the
#: district lists (thousands of rows, for district staff at a screen) are XLSX + CSV only
POSTED_LEVELS = ("commune", "village")
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


def _initials(prefix: str) -> str:
    """``dak_ruong-thon_mau_3`` -> ``DR-TM3``: each slug word's first letter, numbers whole."""
    parts = []
    for part in prefix.split("-"):
        if "_" not in part and not part.isalpha():
            parts.append(part)  # not a slug (an entity uuid piece): kept as it is
            continue
        parts.append("".join(w if w.isdigit() else w[:1].upper() for w in part.split("_") if w))
    return "-".join(parts)


def printed_codes(ids: pd.Series) -> pd.Series:
    """The household code printed on posted lists: short, with no slug underscores.

    Why: ``dak_ruong-thon_mau_3-0000012`` does not fit a printed column and reads badly
    aloud; ``DR-TM3-0000012`` (commune and village initials, the household number) does.
    Only the part before the last ``-`` is shortened, once per distinct prefix (one per
    village), and joined back vectorised. An id without ``-`` is printed as it is, and
    any id whose short form would collide with another id's is printed in full, so a
    printed code always names one household. The canonical id stays in the CSV and the
    full-ID file (and in a hidden column of the XLSX).
    """
    text = ids.astype(str)
    if text.empty:
        return text
    split = text.str.rpartition("-")
    has_prefix = split[1].eq("-")
    prefixes = pd.unique(split.loc[has_prefix, 0])
    short = {p: _initials(p) for p in prefixes}
    # ids without a prefix keep their text; their (missing) short prefix must still be text
    shortened = split[0].map(short).astype(object).fillna("").astype(str)
    code = text.where(~has_prefix, shortened + "-" + split[2])
    pairs = pd.DataFrame({"id": text, "code": code}).drop_duplicates()
    clash = pairs["code"].duplicated(keep=False)
    if clash.any():
        code = code.where(~code.isin(set(pairs.loc[clash, "code"])), text)
    return code


def _deprivation_names(f: pd.DataFrame, standard: Standard, lang: str) -> pd.Series:
    """``"Việc làm; Bảo hiểm y tế"``: the deprived indicators' names, vectorised per column."""
    out = pd.Series("", index=f.index, dtype="object")
    for ind in standard.indicators:
        col = f"dep_{ind.id}"
        if col not in f.columns:
            continue
        name = getattr(ind.name, lang, ind.name.vi)
        out = out + np.where(f[col].fillna(False).to_numpy(bool), name + "; ", "")
    return out.str.removesuffix("; ")


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
    out["household_code"] = printed_codes(out["household_id"])
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
    out["deprivation_names"] = _deprivation_names(f, standard, lang)
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


def posted_columns(*, with_commune: bool, list_type: str = "all", lang: str = "vi",
                   hidden_id: bool = True) -> list[Col]:
    """What the village meeting reads, in order; the rest stays in the CSV / full-ID file.

    STT, household code, head, (commune on district lists), village, income / B1 test,
    number and names of the deprivations, category, the change since last year on the
    escaped and newly-poor lists, notes. ``Col.width`` is the widest a column may grow;
    ``sheet.fit_widths`` sets the printed widths from the content. With ``hidden_id`` the
    canonical household id follows as a hidden column (for look-ups; never printed).
    """
    cols = [Col("stt", t("stt", lang), 5, center=True),
            Col("household_code", t("household_code", lang), 38, whole=True),
            Col("head_name", t("head_name", lang), 24)]
    if with_commune:
        cols.append(Col("commune", t("commune", lang), 14))
    cols += [Col("village", t("village", lang), 14),
             Col("income_test", t("income_short", lang), 14, whole=True),
             Col("deprivation_count", t("deprivation_count_short", lang), 10, center=True),
             Col("deprivation_names", t("deprivation_names", lang), 40),
             Col("category", t("category_short", lang), 25, whole=True)]
    if list_type in ("escaped", "newly_poor"):
        cols.append(Col("transition", t("transition", lang), 16))
    cols.append(Col("note", t("note", lang), 30))
    if hidden_id:
        cols.append(Col("household_id", t("household_id_full", lang), 30, hidden=True))
    return cols


def unconfirmed_footnotes(standard: Standard, profile: Profile | None,
                          lang: str = "vi") -> list[str]:
    """The list footer: each rule the classification relied on that is not confirmed.

    From ``standards.unconfirmed_rules`` (the one list the forms, report and portal show,
    so they never disagree): an introduction, then one numbered line per rule with its
    value, status and source. Empty when every rule is confirmed.
    """
    rules = unconfirmed_rules(standard, profile)
    if not rules:
        return []
    lines = [t("unconfirmed_intro", lang)]
    for n, r in enumerate(rules, start=1):
        status = STATUS_LABELS[r.status]
        lines.append(t("unconfirmed_item", lang, n=n, name=getattr(r.name, lang, r.name.vi),
                       value=f" = {r.value}" if r.value else "",
                       status=getattr(status, lang, status.vi), source=r.source))
    return lines


def _period(year: int, run_info: Mapping[str, Any] | None, lang: str,
            zone: str) -> str | None:
    """"Kỳ rà soát năm 2023; danh sách lập ngày 29 tháng 11 năm 2026" (Viet Nam date)."""
    value = (run_info or {}).get("started_at") or (run_info or {}).get("timestamp")
    if value is None:
        return None
    made = pd.Timestamp(value)
    made = (made.tz_localize("UTC") if made.tzinfo is None else made).tz_convert(zone)
    return t("period_line", lang, year=year, day=made.day, month=made.month,
             made_year=made.year)


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
    per column. The other columns are the frame's own (a shallow copy: copy-on-write keeps
    the frame as it was).
    """
    return frame.assign(**formula_fixes(frame))


def formula_fixes(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Only the columns ``neutralise_formulas`` changes, neutralised (usually none).

    Why: the list workers are sent the frame and these, not a second copy of the frame
    (84 MiB fewer per process at 100,000 households); ``frame.assign(**fixes)`` is the
    neutralised frame.
    """
    fixes = {}
    for name in frame.columns:
        col = frame[name]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        text = col.astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False).astype(bool)
        if risky.any():
            fixes[str(name)] = col.astype("object").where(~risky, "'" + text.astype("object"))
    return fixes


def write_csv(data: pd.DataFrame | csvfile.CsvRows, cols: Sequence[Col], path: Path,
              lang: str, *, neutralised: bool = False) -> Path:
    """UTF-8 with a byte-order mark (so Excel reads Vietnamese), CRLF line ends.

    Formula-like text is neutralised (``neutralise_formulas``) before writing, unless the
    caller did it already for the whole run (``neutralised``: once, not once per file;
    always so for ``CsvRows``, the run's fields cut to this file's rows).
    """
    keys = [c.key for c in cols]
    if isinstance(data, pd.DataFrame):
        frame = data.reindex(columns=keys)
        data = csvfile.CsvRows.of(frame if neutralised else neutralise_formulas(frame))
    return files.write_bytes(path, csvfile.csv_bytes(data, keys, _csv_headers(cols, lang)))


def write_xlsx(data: pd.DataFrame | spreadsheet.Rows, cols: Sequence[Col], path: Path,
               head: Heading, stamp: Any, lang: str, sheet_title: str, *, fit: bool = True,
               metrics: pd.DataFrame | None = None) -> Path:
    """One list workbook; ``data`` a frame or the run's cells cut to this file's rows."""
    sheet = write_sheet(sheet_title[:31], head, cols, data, lang, fit=fit, metrics=metrics)
    return spreadsheet.save([sheet], path, head.title, stamp)


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


def _sign_place(profile: Profile, commune: str | None) -> str | None:
    return commune if commune is not None else (profile.district or None)


def _signatures(level: str) -> list[str]:
    return ["sign_maker", "sign_village", "sign_chair"] if level == "village" \
        else ["sign_maker", "sign_chair"]


def _units(frame: pd.DataFrame, level: str) -> list[tuple[tuple[str | None, str | None],
                                                          pd.DataFrame]]:
    if level == "district":
        return [((None, None), frame)]
    if level == "commune":
        return [((str(c), None), g) for c, g in frame.groupby("commune", sort=False)]
    return [((str(c), str(v)), g) for (c, v), g in frame.groupby(["commune", "village"],
                                                                 sort=False)]


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


def _posted_keys(lang: str) -> list[str]:
    """Every column any posted list shows (the widest variant: district, escaped list)."""
    return [c.key for c in posted_columns(with_commune=True, list_type="escaped", lang=lang)]


@dataclass(frozen=True)
class ListJob:
    """One list file to write (``parallel.Job``): planned by the parent, written anywhere.

    ``positions`` are the file's rows in the run's classified frame, in printed order;
    ``head`` and ``cols`` say how it looks. ``kind``: ``posted`` (XLSX / PDF of a posted
    list), ``csv`` (every column, formula-neutralised), ``full_ids`` (the restricted file).
    """

    kind: str
    fmt: str
    rel: str
    positions: np.ndarray
    cols: tuple[Col, ...]
    head: Heading | None = None

    @property
    def size(self) -> int:
        return len(self.positions)


class ListWriter:
    """Writes ``ListJob`` files from one run's classified frame (in any process).

    Built once per process (``parallel.run_jobs``) from the run's frame, the columns that
    formula neutralising changes (``formula_fixes``; the CSVs read the frame with them) and
    text metrics, so a job carries only row positions.
    """

    def __init__(self, frame: pd.DataFrame | SharedFrame, fixes: dict[str, pd.Series],
                 metrics: pd.DataFrame | SharedFrame, out: Path, stamp: Any,
                 lang: str) -> None:
        frame = local(frame)  # a worker gets frames (unpickled), this process SharedFrames
        self.frame, self.metrics = frame, local(metrics)
        self.out, self.stamp, self.lang = out, stamp, lang
        # the posted lists read a dozen of the frame's ~35 columns: slice only those per file
        self.posted = frame[[k for k in _posted_keys(lang) if k in frame.columns]]
        self.cells = spreadsheet.Cells(self.posted)  # their XLSX markup, made once a process
        # every column's CSV text, made once a process
        self.fields = csvfile.Fields(frame.assign(**fixes))

    def __call__(self, job: ListJob) -> None:
        rows, path, lang = job.positions, self.out / job.rel, self.lang
        stt = np.arange(1, len(rows) + 1)  # STT of the frame-written files (full IDs, PDF)
        if job.kind == "csv":
            write_csv(csvfile.CsvRows(self.fields, rows, counter="stt"), job.cols, path, lang)
            return
        if job.kind == "full_ids":
            part = self.frame.iloc[rows]
            part = part.assign(stt=stt, head_id_number=part["_head_id_full"])
            if job.fmt == "xlsx":
                write_xlsx(part, job.cols, path, cast(Heading, job.head), self.stamp, lang,
                           t("list_sheet", lang), fit=False)
            else:
                write_csv(part, job.cols, path, lang)
            return
        m = self.metrics.iloc[rows].assign(stt=len(str(len(rows))))
        if job.fmt == "xlsx":
            cut = spreadsheet.Rows(self.cells, rows, [c.key for c in job.cols], counter="stt")
            write_xlsx(cut, job.cols, path, cast(Heading, job.head), self.stamp, lang,
                       t("list_sheet", lang), metrics=m)
        else:
            part = self.posted.iloc[rows].assign(stt=stt)
            list_pdf.write_list_pdf(part, job.cols, path, cast(Heading, job.head), lang, m)


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
    formats: Sequence[str] = ("xlsx", "pdf", "csv"),
    full_ids: bool = True,
    workers: int | None = None,
) -> list[ManifestEntry]:
    """Write every list for every unit; returns their manifest entries (not yet saved).

    District and commune files are written even when empty (an empty list is an answer);
    a village gets a file for a list type only when it has such households. Every list
    shows masked ID numbers (they are posted publicly). With ``full_ids``, the district
    level and the "all" list, one restricted file per year (manifest kind
    ``list_full_ids``: all households, full ID numbers) is written for district staff, who
    need the numbers to match other registers; the portal serves it to district users only.

    ``pdf`` writes the posted list as PDF beside its XLSX (same columns, ``list_pdf``) for
    the posted levels (``POSTED_LEVELS``: commune and village); district lists and the
    restricted full-ID file have none (not posted; a 7,000-row district PDF would be most of
    the publish time). Formula-like text is
    neutralised once for the whole run (``neutralise_formulas``) before the CSVs are cut.

    Every file is planned here (``ListJob``, in manifest order) and then written by
    ``parallel.run_jobs`` on ``workers`` processes (``None``: every core for a large run,
    in-process for a small one); the files are the same whichever way.
    """
    unknown = (set(levels) - set(LEVELS) | set(list_types) - set(LIST_TYPES)
               | set(formats) - {"xlsx", "pdf", "csv"})
    if unknown:
        raise ValueError(f"unknown list levels, types or formats: {sorted(unknown)}")
    frame = classified_frame(households, result, standard=standard, profile=profile, lang=lang)
    fixes = formula_fixes(frame) if "csv" in formats else {}
    keys = _posted_keys(lang)
    metrics = text_metrics(frame, keys)
    if "pdf" in formats:
        metrics = metrics.join(list_pdf.point_widths(frame, keys))
    jobs, entries = plan_lists(frame, standard=standard, profile=profile, lang=lang,
                               run_info=run_info, levels=levels, list_types=list_types,
                               formats=formats, full_ids=full_ids)
    with sharing() as share:  # workers map the two frames from one file each
        run_jobs(jobs, ListWriter, (share(frame), fixes, share(metrics), Path(out_dir),
                                    files.run_stamp(run_info), lang), workers=workers)
    return entries


def plan_lists(frame: pd.DataFrame, *, standard: Standard, profile: Profile, lang: str,
               run_info: Mapping[str, Any] | None, levels: Sequence[str],
               list_types: Sequence[str], formats: Sequence[str],
               full_ids: bool) -> tuple[list[ListJob], list[ManifestEntry]]:
    """Every list file of the run (``classified_frame``) and its manifest entry, in order."""
    notes = unconfirmed_footnotes(standard, profile, lang)
    jobs: list[ListJob] = []
    entries: list[ManifestEntry] = []
    years = list(frame.groupby("_year", sort=True))
    if not years and run_info and run_info.get("year") is not None:
        years = [(int(run_info["year"]), frame)]  # nothing accepted: the empty list set
    for year_key, yframe in years:
        year = int(cast(int, year_key))
        masks = {lt: _SELECT[lt](yframe) for lt in list_types}
        for level in levels:
            cols = tuple(list_columns(standard, with_commune=level == "district", lang=lang))
            units = _units(yframe, level) if len(yframe) or level != "commune" else [
                ((u.name, None), yframe) for u in profile.units]
            for (commune, village), unit in units:
                for lt in list_types:
                    posted = tuple(posted_columns(with_commune=level == "district",
                                                  list_type=lt, lang=lang))
                    sel = masks[lt][yframe.index.get_indexer(unit.index)]
                    positions = frame.index.get_indexer(unit.index[sel])
                    if level == "village" and not len(positions):
                        continue
                    head = Heading(_committee(profile, commune, lang),
                                   t(f"title_{lt}", lang, year=year),
                                   _place(profile, commune, village, lang),
                                   f"{t('standard', lang)}: "
                                   f"{getattr(standard.name, lang, standard.name.vi)}",
                                   int(year), _signatures(level),
                                   period=_period(int(year), run_info, lang,
                                                  profile.timezone),
                                   sign_place=_sign_place(profile, commune), footnotes=notes)
                    for fmt in formats:
                        if fmt == "pdf" and level not in POSTED_LEVELS:
                            continue
                        rel = _rel_path(profile, int(year), commune, village, lt, fmt)
                        jobs.append(ListJob("csv", fmt, rel, positions, cols) if fmt == "csv"
                                    else ListJob("posted", fmt, rel, positions, posted, head))
                        entries.append(ManifestEntry("list", cast(ListType, lt), commune,
                                                     village, cast(Format, fmt), rel,
                                                     len(positions), year))
        if full_ids and "district" in levels and "all" in list_types:
            full_jobs, full_entries = _plan_full_ids(
                frame.index.get_indexer(yframe.index), year, standard=standard,
                profile=profile, lang=lang, formats=formats)
            jobs += full_jobs
            entries += full_entries
    return jobs, entries


def _plan_full_ids(positions: np.ndarray, year: int, *, standard: Standard, profile: Profile,
                   lang: str, formats: Sequence[str]
                   ) -> tuple[list[ListJob], list[ManifestEntry]]:
    """The restricted district list: every household, ID numbers in full (not for posting)."""
    cols = list_columns(standard, with_commune=True, lang=lang)
    cols.insert(2, Col("household_code", t("household_code", lang) + (
        " (trên danh sách niêm yết)" if lang == "vi" else " (on posted lists)"), 16))
    head = Heading(_committee(profile, None, lang), t("title_full_ids", lang, year=year),
                   _place(profile, None, None, lang), t("full_ids_note", lang), year,
                   _signatures("district"), sign_place=_sign_place(profile, None))
    jobs, entries = [], []
    for fmt in formats:
        if fmt == "pdf":
            continue  # restricted: never posted, so never printed as a notice
        rel = _rel_path(profile, year, None, None, FULL_IDS_KIND, fmt)
        jobs.append(ListJob("full_ids", fmt, rel, positions, tuple(cols), head))
        entries.append(ManifestEntry("list_full_ids", "all", None, None, cast(Format, fmt), rel,
                                     len(positions), year))
    return jobs, entries
