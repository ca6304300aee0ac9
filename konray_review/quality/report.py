"""The Vietnamese data-quality page (``chat-luong-du-lieu.html``): what to fix, where, by whom.

Why a page of its own: Great Expectations' Data Docs are English, developer-level and, by
default, styled from the internet; commune staff and enumerators need to see, per commune and
per enumerator, which rule failed (its Vietnamese name), how many households, and what to do,
with a link to the quarantine list that names the households. The page is one self-contained
HTML file (inline CSS, no script, no network), one for the district and one per commune, so it
opens from a USB stick in an office without internet.

Personal data: only household codes appear (no head names, no ID numbers); the quarantine
lists linked from the page are where names are shown, under the portal's access rules.
All counting is pandas group-bys over the quarantine table (no loop per household).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from konray_review.outputs.manifest import ManifestEntry
from konray_review.quality.catalogue import Catalogue, load_catalogue

PAGE_NAME = "chat-luong-du-lieu.html"
COMMUNE_DIR = "chat-luong-du-lieu"
#: household codes listed per enumerator and rule before "… và N hộ khác"
CODES_SHOWN = 30
UNKNOWN_COMMUNE = "(xã không xác định)"
UNKNOWN_ENUMERATOR = "(chưa ghi điều tra viên)"
_REQUIRED = ("household_id", "rule_id")


@dataclass(frozen=True)
class QualityTables:
    """The counts one page shows (one row per group; ``households`` = distinct submissions)."""

    communes: pd.DataFrame     # commune, households, problems
    rules: pd.DataFrame        # commune, rule_id, column, title, field, fix, households
    enumerators: pd.DataFrame  # commune, enumerator, rule_id, column, title, field, fix,
    #                            households, codes (household codes, at most CODES_SHOWN)
    total_households: int
    people: pd.DataFrame | None = None  # commune, enumerator, households (distinct)


def quality_tables(quarantine: pd.DataFrame, catalogue: Catalogue | None = None,
                   profile: Any | None = None) -> QualityTables:
    """Count quarantined households per commune, per rule+field and per enumerator.

    A household is one submission (``instance_id`` where known, else ``household_id``): two
    submissions sharing a household code are two households to fix. ``profile`` spells the
    commune names its way; a commune it does not know is shown as ``UNKNOWN_COMMUNE``.
    """
    catalogue = catalogue or load_catalogue()
    missing = [c for c in _REQUIRED if c not in quarantine.columns]
    if missing:
        raise ValueError(f"quarantine table lacks column(s) {', '.join(missing)}")
    q = pd.DataFrame({
        "household_id": _text(quarantine, "household_id"),
        "rule_id": _text(quarantine, "rule_id"),
        "column": _text(quarantine, "column").fillna(""),
        "commune": _communes(_text(quarantine, "commune"), profile),
        "enumerator": _text(quarantine, "enumerator").fillna(UNKNOWN_ENUMERATOR),
    })
    instance = _text(quarantine, "instance_id")
    q["_key"] = instance.where(instance.notna(), "hh:" + q["household_id"].fillna(""))
    q["household_id"] = q["household_id"].fillna("")

    communes = (q.groupby("commune", sort=False)
                .agg(households=("_key", "nunique"), problems=("rule_id", "size"))
                .reset_index())
    communes = _order_communes(communes, profile)
    rules = (q.groupby(["commune", "rule_id", "column"], sort=False)["_key"].nunique()
             .rename("households").reset_index())
    per_enum = q.drop_duplicates(["commune", "enumerator", "rule_id", "column", "_key"])
    per_enum = per_enum.sort_values("household_id", kind="stable")
    grouped = per_enum.groupby(["commune", "enumerator", "rule_id", "column"], sort=False)
    enumerators = grouped["_key"].size().rename("households").reset_index()
    shown = per_enum.assign(_n=grouped.cumcount())
    shown = shown[shown["_n"] < CODES_SHOWN]
    codes = (shown.groupby(["commune", "enumerator", "rule_id", "column"], sort=False)
             ["household_id"].agg(", ".join).rename("codes").reset_index())
    enumerators = enumerators.merge(codes, on=["commune", "enumerator", "rule_id", "column"],
                                    how="left")
    people = (q.groupby(["commune", "enumerator"], sort=False)["_key"].nunique()
              .rename("households").reset_index())
    rules = _describe(rules, catalogue).sort_values(
        ["commune", "households", "rule_id", "column"], ascending=[True, False, True, True],
        kind="stable")
    enumerators = _describe(enumerators, catalogue).sort_values(
        ["commune", "enumerator", "households", "rule_id"],
        ascending=[True, True, False, True], kind="stable")
    return QualityTables(communes, rules.reset_index(drop=True),
                         enumerators.reset_index(drop=True), int(q["_key"].nunique()), people)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), dtype=object)
    s = frame[column].reset_index(drop=True).astype(object)
    s = s.where(s.notna(), None)
    return s.map(lambda v: v if v is None else str(v)).astype(object) if len(s) else s


def _communes(s: pd.Series, profile: Any | None) -> pd.Series:
    """The profile's spelling of each commune (looked up once per distinct value)."""
    if profile is None:
        return s.fillna(UNKNOWN_COMMUNE)
    names = {v: profile.canonical_unit(v) for v in pd.unique(s.dropna())}
    return s.map(names).fillna(UNKNOWN_COMMUNE).astype(object)


def _order_communes(communes: pd.DataFrame, profile: Any | None) -> pd.DataFrame:
    order = {n: i for i, n in enumerate(profile.unit_names)} if profile is not None else {}
    rank = communes["commune"].map(order).fillna(len(order)).to_numpy()
    return communes.iloc[np.lexsort((communes["commune"].to_numpy(dtype=str), rank))] \
        .reset_index(drop=True)


def _describe(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Vietnamese rule name, field label and fix hint, looked up once per distinct pair."""
    pairs = frame[["rule_id", "column"]].drop_duplicates()
    rows = []
    for rid, col in pairs.itertuples(index=False):
        title, fix = catalogue.describe(rid)
        label = catalogue.fields.get(col, {}).get("vi", col) if col else ""
        rows.append((rid, col, title, label, fix))
    texts = pd.DataFrame(rows, columns=["rule_id", "column", "title", "field", "fix"])
    return frame.merge(texts, on=["rule_id", "column"], how="left")


# ------------------------------------------------------------------ HTML
def render_page(tables: QualityTables, *, title: str, place: str, year: int,
                communes: list[str] | None = None, links: Mapping[str, list[tuple[str, str]]]
                | None = None, page_links: Mapping[str, str] | None = None,
                docs_link: str | None = None, run_info: Mapping[str, Any] | None = None,
                timezone: str | None = None) -> str:
    """One page: a summary per commune, then per commune its rules and its enumerators.

    ``communes`` limits the page to those communes (a commune's own page); ``links`` gives,
    per commune ("" = district), the (label, relative path) of its quarantine lists;
    ``page_links`` the relative path of each commune's own page (district page only).
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["n"] = lambda v: f"{int(v):,}".replace(",", ".")
    keep = tables.communes["commune"].isin(communes) if communes is not None else \
        np.ones(len(tables.communes), dtype=bool)
    sections = []
    for row in tables.communes[keep].itertuples(index=False):  # one per commune, not per row
        c = str(row.commune)
        sections.append({
            "commune": c, "households": row.households, "problems": row.problems,
            "rules": tables.rules[tables.rules["commune"] == c].to_dict("records"),
            "enumerators": _by_enumerator(tables, c),
            "links": (links or {}).get(c, []),
            "page": (page_links or {}).get(c),
        })
    info = dict(run_info or {})
    return env.get_template("chat_luong.html.j2").render(
        title=title, place=place, year=year, sections=sections,
        total=sum(s["households"] for s in sections),
        top_links=(links or {}).get("" if communes is None else communes[0], []),
        district=communes is None,
        docs_link=docs_link, run_id=info.get("run_id"), shown=CODES_SHOWN,
        made=_made(info, timezone))


def _made(info: Mapping[str, Any], timezone: str | None = None) -> str | None:
    """The run's start, Việt Nam time (the same stamp as the lists; a re-run of the same run
    writes the same page). None when the caller gives no run time."""
    if not (info.get("started_at") or info.get("timestamp")):
        return None
    from zoneinfo import ZoneInfo

    from konray_review.outputs.files import run_stamp
    from konray_review.profile import DEFAULT_TIMEZONE

    utc = run_stamp(info).replace(tzinfo=dt.UTC)
    return utc.astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).strftime("%d/%m/%Y %H:%M")


def _by_enumerator(tables: QualityTables, commune: str) -> list[dict[str, Any]]:
    frame = tables.enumerators[tables.enumerators["commune"] == commune]
    people = tables.people if tables.people is not None else pd.DataFrame(
        columns=["commune", "enumerator", "households"])
    totals = people[people["commune"] == commune].set_index("enumerator")["households"]
    return [{"name": name, "households": int(totals.get(name, 0)),
             "rows": part.to_dict("records")}
            for name, part in frame.groupby("enumerator", sort=True)]  # one per enumerator


def write_quality_report(
    quarantine: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    profile: Any,
    year: int,
    lists: Iterable[ManifestEntry] = (),
    docs_path: str | os.PathLike[str] | None = None,
    run_info: Mapping[str, Any] | None = None,
    catalogue: Catalogue | None = None,
) -> list[ManifestEntry]:
    """Write the district page and one page per commune of the profile; return their entries.

    ``lists`` are the quarantine-list entries of the same run (the pages link to them);
    ``docs_path`` the Data Docs index, linked from the district page when it lies in the run.
    Written even when nothing is quarantined, so staff see that.
    """
    out = Path(out_dir)
    tables = quality_tables(quarantine, catalogue, profile)
    by_commune: dict[str, list[tuple[str, str]]] = {}
    for e in lists:
        if e.kind == "quarantine":
            by_commune.setdefault(e.commune or "", []).append(
                (f"Danh sách cách ly ({e.format.upper()})", e.path))
    slugs = {name: profile.unit(name).slug for name in profile.unit_names}
    place = f"{profile.name.vi}, tỉnh {profile.province}"
    title = f"Chất lượng dữ liệu rà soát hộ nghèo, hộ cận nghèo năm {year}"
    docs_link = _inside(docs_path, out)
    pages = {c: f"{COMMUNE_DIR}/{slugs[c]}.html" for c in slugs}
    (out / COMMUNE_DIR).mkdir(parents=True, exist_ok=True)
    district = render_page(tables, title=title, place=place, year=year, links=by_commune,
                           timezone=profile.timezone,
                           page_links=pages, docs_link=docs_link, run_info=run_info)
    (out / PAGE_NAME).write_text(district, encoding="utf-8")
    entries = [ManifestEntry("quality", None, None, None, "html", PAGE_NAME,
                             tables.total_households, year)]
    counts = dict(zip(tables.communes["commune"], tables.communes["households"], strict=True))
    for commune, rel in pages.items():
        up = {commune: [(label, _relative(path, rel)) for label, path in
                        by_commune.get(commune, [])]}
        html = render_page(tables, title=title, place=f"Xã {commune}, {profile.name.vi}", year=year,
                           timezone=profile.timezone,
                           communes=[commune], links=up, run_info=run_info)
        (out / rel).write_text(html, encoding="utf-8")
        entries.append(ManifestEntry("quality", None, commune, None, "html", rel,
                                     int(counts.get(commune, 0)), year))
    return entries


def _inside(path: str | os.PathLike[str] | None, out: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return None


def _relative(target: str, page: str) -> str:
    """``target`` (relative to the run folder) as seen from ``page`` (also relative to it)."""
    depth = len(PurePosixPath(page).parts) - 1
    return "../" * depth + target
