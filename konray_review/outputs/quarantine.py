"""Quarantine lists: the submissions held back, per commune, grouped by enumerator.

Why per enumerator: the person who fixes a record is the enumerator who collected it, so
rows are sorted by enumerator and each enumerator starts a new printed page; a summary
sheet counts households and issues per enumerator. Messages are the quality rules'
Vietnamese (or English) texts. Rows whose commune is not a unit of the profile (a blank or
misspelt commune is itself a reason for quarantine) appear in the district-wide file only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from konray_review.outputs import csvfile, files, spreadsheet
from konray_review.outputs.lists import _committee, _place, neutralise_formulas, write_csv
from konray_review.outputs.manifest import ManifestEntry
from konray_review.outputs.sheet import Col, Heading, excel_serial, text_metrics, write_sheet
from konray_review.outputs.spreadsheet import Block, Rows, Sheet, Style, text_style
from konray_review.outputs.texts import t
from konray_review.profile import DEFAULT_TIMEZONE, Profile, load_profile

_REQUIRED = ("household_id", "rule_id")
_CONTEXT = ("instance_id", "enumerator", "commune", "village")


def quarantine_columns(*, with_commune: bool, lang: str = "vi") -> list[Col]:
    cols = [Col("stt", t("stt", lang), 6, center=True),
            Col("enumerator", t("enumerator", lang), 18),
            Col("household_id", t("household_id", lang), 22),
            Col("head_name", t("head_name", lang), 22)]
    if with_commune:
        cols.append(Col("commune", t("commune", lang), 14))
    cols += [Col("village", t("village", lang), 14),
             Col("rule_id", t("rule_id", lang), 9, center=True),
             Col("field", t("field", lang), 22),
             Col("member_nos", "Dòng nhân khẩu" if lang == "vi" else "Member lines", 10),
             Col("message", t("message", lang), 50),
             Col("submitted_at", t("submitted_local", lang), 17,
                 number_format="dd/mm/yyyy hh:mm"),
             Col("instance_id", t("instance_id", lang), 20)]
    return cols


_TABLES = {"households": {"vi": "Hộ", "en": "Household"},
           "members": {"vi": "Nhân khẩu", "en": "Member"}}


def _catalogue() -> Any:
    """The rule catalogue (field names, time zone), or None where it cannot be found."""
    from konray_review.quality.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue()
    except (CatalogueError, OSError):
        return None


def _field_labels(table: pd.Series, column: pd.Series, lang: str) -> pd.Series:
    """``members.age`` -> ``Nhân khẩu: Tuổi``: the catalogue's field names, per distinct pair.

    A column the catalogue does not name is printed as ``table.column`` (never dropped).
    """
    cat = _catalogue()
    fields = cat.fields if cat is not None else {}
    pairs = pd.DataFrame({"table": table.astype(str), "column": column.astype(str)})
    uniq = pairs.drop_duplicates()
    labels = {}
    for tb, col in uniq.itertuples(index=False, name=None):
        name = fields.get(col, {}).get(lang) or fields.get(col, {}).get("vi")
        if not name:
            labels[(tb, col)] = f"{tb}.{col}".strip(".")
            continue
        tname = _TABLES.get(tb, {}).get(lang)
        labels[(tb, col)] = f"{tname}: {name}" if tname and tb != "households" else name
    return pd.Series([labels[k] for k in zip(pairs["table"], pairs["column"], strict=True)],
                     index=table.index, dtype="object") if len(pairs) else \
        pd.Series([], index=table.index, dtype="object")


def _message(q: pd.DataFrame, lang: str) -> pd.Series:
    for name in (f"message_{lang}", "message_vi", "message"):
        if name in q.columns:
            return q[name].astype("object").fillna("")
    raise ValueError("quarantine table has no message column (message_vi / message)")


def _context(q: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows with head name, submission time and any missing place/enumerator."""
    hh = households
    key = "instance_id" if "instance_id" in q.columns and "instance_id" in hh.columns \
        else "household_id"
    wanted = [c for c in ("head_name", "submitted_at", "review_year", *_CONTEXT, "household_id")
              if c in hh.columns and c != key]
    side = hh[[key, *wanted]].drop_duplicates(subset=key, keep="first")
    side = side.rename(columns={c: f"_hh_{c}" for c in wanted})
    out = q.merge(side, on=key, how="left")
    for c in (*_CONTEXT, "head_name", "submitted_at", "review_year"):
        fill = out.get(f"_hh_{c}")
        base = out[c] if c in out.columns else None
        if base is None:
            out[c] = fill if fill is not None else None
        elif fill is not None:
            out[c] = base.astype("object").where(base.notna(), fill.astype("object"))
    return out


def quarantine_frame(quarantine: pd.DataFrame, households: pd.DataFrame, *, profile: Profile,
                     lang: str = "vi") -> pd.DataFrame:
    """Printed quarantine rows, sorted by commune, enumerator, household and rule."""
    missing = [c for c in _REQUIRED if c not in quarantine.columns]
    if missing:
        raise ValueError(f"quarantine table lacks columns {missing}")
    f = _context(quarantine, households)
    raw = f["commune"].astype("object")
    canon = {u: profile.canonical_unit(u) for u in pd.unique(raw) if isinstance(u, str)}
    out = pd.DataFrame(index=f.index)
    out["_commune"] = raw.map(canon)
    out["commune"] = out["_commune"].fillna(raw.fillna(t("unknown_unit", lang)))
    for c in ("enumerator", "household_id", "head_name", "village", "rule_id", "instance_id"):
        out[c] = f[c].astype("object").fillna("").astype(str) if c in f.columns else ""
    table = (f["table"].astype("object").fillna("") if "table" in f.columns
             else pd.Series("", index=f.index, dtype="object"))
    column = (f["column"] if "column" in f.columns else f.get("field", pd.Series("", f.index)))
    out["field"] = _field_labels(table, column.astype("object").fillna(""), lang)
    out["member_nos"] = (f["member_nos"].astype("object").fillna("").astype(str)
                         if "member_nos" in f.columns else "")
    out["message"] = _message(f, lang)
    sub = pd.to_datetime(f["submitted_at"], errors="coerce", utc=True) \
        if "submitted_at" in f.columns \
        else pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns, UTC]")
    zone = getattr(profile, "timezone", None) or DEFAULT_TIMEZONE
    # Viet Nam time, naive: a date cell in the XLSX, "YYYY-MM-DD HH:MM" in the CSV
    out["submitted_at"] = sub.dt.tz_convert(zone).dt.tz_localize(None).dt.floor("min")
    years = pd.to_numeric(f["review_year"], errors="coerce") if "review_year" in f.columns \
        else pd.Series(np.nan, index=f.index)
    out["_year"] = years
    order = {n: i for i, n in enumerate(profile.unit_names)}
    out["_order"] = out["_commune"].map(order).fillna(len(order))
    out = out.sort_values(["_order", "commune", "enumerator", "household_id", "instance_id",
                           "rule_id", "field"], kind="stable")
    return out.reset_index(drop=True)


def _breaks(frame: pd.DataFrame) -> list[int]:
    """Positions (1-based data rows) after which the next enumerator's page begins."""
    change = frame["enumerator"].ne(frame["enumerator"].shift()).to_numpy()
    return [int(i) for i in np.flatnonzero(change)[1:]]


def _summary_rows(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame.groupby("enumerator", sort=True)
    return pd.DataFrame({"households": g["household_id"].nunique(), "issues": g.size()}) \
        .reset_index()


def _write_xlsx(frame: pd.DataFrame, cells: Rows, cols: list[Col], path: Path, head: Heading,
                stamp: Any, lang: str, metrics: pd.DataFrame) -> None:
    sheet = write_sheet(t("list_sheet", lang), head, cols, cells, lang, freeze_cols=3,
                        page_breaks=_breaks(frame), metrics=metrics)
    summary = _summary_rows(frame)
    last = len(summary) + 2
    total = t("total", lang, n=int(frame["household_id"].nunique())).split(":")[0]
    head_style = text_style(bold=True, border=True, fill=True, align="center")
    bold = text_style(bold=True, border=True)
    # the rows are data like the list's (inline strings): an enumerator "name" such as
    # =HYPERLINK(...) stays text, never a live formula (issue 15); the total row under them
    second = Sheet(t("summary_sheet", lang), widths=[24, 12, 12], landscape=False,
                   grid=(2, last, 3), data=Block(2, Rows.of(summary), [Style()] * 3))
    second.put_row(1, {k: (t(key, lang), head_style)
                       for k, key in enumerate(("enumerator", "households", "issues"), start=1)})
    second.put_row(last, {1: (total, bold), 2: (int(frame["household_id"].nunique()), bold),
                          3: (len(frame), bold)})
    spreadsheet.save([sheet, second], path, head.title, stamp)


def write_quarantine_lists(
    quarantine: pd.DataFrame,
    households: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    profile: Profile | None = None,
    year: int | None = None,
    lang: str = "vi",
    run_info: Mapping[str, Any] | None = None,
) -> list[ManifestEntry]:
    """District-wide and per-commune quarantine lists (XLSX + CSV), grouped by enumerator.

    ``quarantine`` is the quality step's table (one row per household x rule x field, with
    ``message_vi``/``message_en``); ``households`` are the received (raw) households, used
    for the head's name and the submission time. Written even when empty, so staff see that
    nothing was held back.
    """
    profile = profile or load_profile()
    frame = quarantine_frame(quarantine, households, profile=profile, lang=lang)
    if year is None:
        known = frame["_year"].dropna()
        year = int(known.mode().iloc[0]) if len(known) else int((run_info or {}).get("year", 0))
    stamp = files.run_stamp(run_info)
    out = Path(out_dir)
    entries: list[ManifestEntry] = []
    # measured, neutralised and marked up (XLSX cells) once for all the files, each a slice
    # of the district's: per file, the string work on every column cost more than the rest
    keys = [c.key for c in quarantine_columns(with_commune=True, lang=lang)]
    metrics = text_metrics(frame, keys)
    text = frame.assign(submitted_at=frame["submitted_at"].dt.strftime("%Y-%m-%d %H:%M"))
    fields = csvfile.Fields(neutralise_formulas(text.reindex(columns=keys[1:])))
    cells = spreadsheet.Cells(frame.reindex(columns=keys[1:]).assign(
        submitted_at=excel_serial(frame["submitted_at"])))
    commune_of = frame["_commune"].to_numpy(dtype=object)
    units: list[tuple[str | None, np.ndarray]] = [(None, np.arange(len(frame)))]
    units += [(c, np.flatnonzero(commune_of == c)) for c in profile.unit_names]
    for commune, rows in units:
        part = frame.iloc[rows].assign(stt=np.arange(1, len(rows) + 1))
        cols = quarantine_columns(with_commune=commune is None, lang=lang)
        head = Heading(_committee(profile, commune, lang), t("title_quarantine", lang, year=year),
                       _place(profile, commune, None, lang), t("quarantine_intro", lang), year,
                       ["sign_enumerator", "sign_supervisor"])
        stem = (f"quarantine/{year}/{year}_{profile.id}_quarantine" if commune is None else
                f"quarantine/{year}/{profile.unit(commune).slug}/"
                f"{year}_{profile.unit(commune).slug}_quarantine")
        _write_xlsx(part, Rows(cells, rows, [c.key for c in cols], counter="stt"), cols,
                    out / f"{stem}.xlsx", head, stamp, lang,
                    metrics.iloc[rows].assign(stt=len(str(len(rows)))))
        write_csv(csvfile.CsvRows(fields, rows, counter="stt"), cols, out / f"{stem}.csv", lang)
        for fmt in ("xlsx", "csv"):
            entries.append(ManifestEntry("quarantine", None, commune, None, fmt,
                                         f"{stem}.{fmt}", len(part), year))
    return entries
