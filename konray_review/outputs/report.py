"""The district report (XLSX + HTML) from ``aggregates.district_summary``.

Vietnamese first (``lang="en"`` for English). Each summary table becomes a report section:
codes turned into labels, rates shown as percentages, a chart where a chart reads faster
than a table (inline SVG in the HTML, a native bar chart in the XLSX), then the plan-target
check and the unconfirmed rules the classification relied on. Columns are rendered
generically, so a new aggregate column shows up without code changes here.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from konray_review.outputs import xlsx
from konray_review.outputs.lists import label_map
from konray_review.outputs.manifest import ManifestEntry
from konray_review.outputs.report_text import COLUMNS, SECTIONS, SHEET_NAMES, WORDS, word
from konray_review.profile import Profile
from konray_review.schema import TRANSITIONS
from konray_review.standards import Standard

_RATE = re.compile(r"(rate|share|ratio|contribution|censored|^h$|^a$|intensity|pct|percent)",
                   re.I)
_DECIMAL = {"M0", "m0", "weight"}
_STATUS = {"partial": {"vi": "Một phần (nguồn thứ cấp)", "en": "Partial (secondary source)"},
           "unconfirmed": {"vi": "Chưa xác nhận", "en": "Unconfirmed"},
           "confirmed": {"vi": "Đã xác nhận", "en": "Confirmed"}}


@dataclass
class Table:
    """One report section ready to print: headers, raw row values and how to format them."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    kinds: list[str]  # text | int | pct | dec
    chart_svg: str | None = None
    chart: tuple[int, list[int], bool] | None = None  # label col, value cols, percent
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _labels(df: pd.DataFrame, standard: Standard, lang: str,
            total_label: str = "") -> pd.DataFrame:
    """Codes to the words staff read (areas, transitions, indicators, projects, groups)."""
    out = df.copy()
    simple = {"area": "area", "transition": "transition", "category": "category",
              "income_test": "income_test"}
    for col, lst in simple.items():
        if col in out.columns and not pd.api.types.is_numeric_dtype(out[col]):
            s = out[col].astype("object")
            out[col] = s.map(label_map(lst, lang)).fillna(s)
    names = {i.id: getattr(i.name, lang, i.name.vi) for i in standard.indicators}
    for col in ("indicator", "indicator_id"):
        if col in out.columns:
            s = out[col].astype("object").astype(str).str.removeprefix("dep_")
            out[col] = s.map(names).fillna(s)
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda v: _STATUS.get(v, {}).get(lang, v))
    if "dimension" in out.columns:
        dims = {k: getattr(v, lang, v.vi) for k, v in standard.dimensions.items()}
        out["dimension"] = out["dimension"].astype("object").map(dims).fillna(out["dimension"])
    if "program_project" in out.columns:
        p = pd.to_numeric(out["program_project"], errors="coerce")
        out["program_project"] = [word(WORDS, "project", lang, n=int(v)) if v == v else ""
                                  for v in p]
    for col in ("ethnic_minority", "dtts"):
        if col in out.columns and out[col].dropna().isin([True, False, 0, 1]).all():
            flag = out[col].astype("object")
            out[col] = np.where(flag.isna(), total_label,
                                np.where(flag.astype(bool), word(WORDS, "dtts_yes", lang),
                                         word(WORDS, "dtts_no", lang)))
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = np.where(out[col], word(WORDS, "yes", lang), word(WORDS, "no", lang))
    return out


def _with_projects(df: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Add the national programme project of each indicator when the table lacks it."""
    col = next((c for c in ("indicator", "indicator_id") if c in df.columns), None)
    if col is None or "program_project" in df.columns:
        return df
    proj = {i.id: i.program_project for i in standard.indicators}
    ids = df[col].astype("object").astype(str).str.removeprefix("dep_")
    out = df.copy()
    out.insert(out.columns.get_loc(col) + 1, "program_project", ids.map(proj))
    return out


def _kind(name: str, s: pd.Series) -> str:
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return "text"
    vals = pd.to_numeric(s, errors="coerce").dropna()
    if name in _DECIMAL:
        return "dec"
    if _RATE.search(name) and (vals.empty or vals.abs().max() <= 1.0000001):
        return "pct"
    if vals.empty or (np.mod(vals, 1) == 0).all():
        return "int"
    return "dec"


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


_AF_COLUMNS = ("households", "k", "H", "A", "M0")


def _shape(key: str, df: pd.DataFrame, summary: Mapping[str, pd.DataFrame],
           lang: str, total_label: str = "") -> pd.DataFrame:
    """Pick and reshape the columns of one aggregate table for reading (not computing)."""
    if key == "target_check":
        return _targets(df, lang)
    df = df.drop(columns=[c for c in ("name_vi", "name_en") if c in df.columns])
    if key == "by_commune" and isinstance(summary.get("district_total"), pd.DataFrame):
        total = summary["district_total"].copy()
        total[df.columns[0]] = total_label
        total["is_total"] = True
        keep = [c for c in (*df.columns, "is_total") if c in total.columns]
        df = pd.concat([df, total[keep]], ignore_index=True)
    elif key == "transitions":
        row = df.iloc[0] if len(df) else pd.Series(dtype=float)
        df = pd.DataFrame({
            "transition": [t for t in TRANSITIONS if t in row.index],
            "households": [row[t] for t in TRANSITIONS if t in row.index],
            "ethnic_minority_count": [row.get(f"{t}_ethnic_minority") for t in TRANSITIONS
                                      if t in row.index]})
    elif key == "transitions_by_commune":
        df = df[[c for c in df.columns if c not in TRANSITIONS_EM]]
    elif key.startswith("alkire_foster"):
        df = df[[c for c in df.columns if not c.startswith(("censored_", "contribution_"))
                 and (c in _AF_COLUMNS or df[c].dtype == object or df[c].dtype == bool
                      or isinstance(df[c].dtype, pd.StringDtype))]]
    return _count_order(df)


TRANSITIONS_EM = {f"{t}_ethnic_minority" for t in TRANSITIONS}
#: reading order of a headcount table: totals, then poor, near-poor, the rest, DTTS
_COUNT_ORDER = ("households", "poor", "poor_rate", "near_poor", "near_poor_rate", "middle",
                "none", "unknown", "ethnic_minority_households", "ethnic_minority_poor",
                "ethnic_minority_poor_rate", "ethnic_minority_near_poor")


def _count_order(df: pd.DataFrame) -> pd.DataFrame:
    if not {"households", "poor"} <= set(df.columns):
        return df
    known = [c for c in _COUNT_ORDER if c in df.columns]
    rest = [c for c in df.columns if c not in known]
    labels = [c for c in rest if not pd.api.types.is_numeric_dtype(df[c])
              or pd.api.types.is_bool_dtype(df[c])]
    return df[labels + known + [c for c in rest if c not in labels]]


def _targets(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Targets mix rates and percentage points, so values are formatted row by row."""
    points = df["target"].astype(str).str.endswith("_pp") if "target" in df.columns \
        else pd.Series(False, index=df.index)

    def show(col: str) -> list[str]:
        if col not in df.columns:
            return [""] * len(df)
        return [fmt(_plain(v), "dec1" if p else "pct2", lang)
                for v, p in zip(df[col], points, strict=True)]

    name = f"name_{lang}" if f"name_{lang}" in df.columns else "target"
    out = pd.DataFrame({"name": df[name].astype(object) if name in df.columns else "",
                        "target_value": show("target_value"), "actual": show("actual")})
    if "met" in df.columns:
        met = df["met"].astype(object)
        out["met"] = [("" if m is None or m != m else word(WORDS, "yes" if m else "no", lang))
                      for m in met]
    return out


def present(key: str, df: pd.DataFrame, *, standard: Standard, lang: str,
            total_label: str = "") -> Table:
    """A summary frame as a printable table (labels, kinds), without its chart yet.

    Rows flagged ``is_total`` (``aggregates.total_row``) are remembered by position in
    ``extra["total_rows"]`` (bold in print, left out of charts); the flag is not printed.
    """
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    total_rows: list[int] = []
    if "is_total" in df.columns:
        flag = df["is_total"].astype("boolean").fillna(False).to_numpy(bool)
        total_rows = [int(i) for i in np.flatnonzero(flag)]
        df = df.drop(columns="is_total")
    df = _with_projects(df, standard) if key == "deprivation_rates" else df
    kinds = [_kind(str(c), df[c]) for c in df.columns]
    shown = _labels(df, standard, lang, total_label)
    kinds = ["text" if not pd.api.types.is_numeric_dtype(shown[c]) else k
             for c, k in zip(shown.columns, kinds, strict=True)]
    trans = label_map("transition", lang)
    headers = [trans[c] if c in trans else word(COLUMNS, str(c), lang) for c in shown.columns]
    rows = [[_plain(v) for v in r] for r in shown.astype(object).itertuples(index=False)]
    title = word(SECTIONS, key, lang) if key in SECTIONS else key
    return Table(key, title, headers, rows, kinds,
                 extra={"columns": list(map(str, df.columns)), "total_rows": total_rows})


def fmt(v: Any, kind: str, lang: str) -> str:
    """A value as text for HTML (Vietnamese: 1.234,5 ; English: 1,234.5)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if kind == "text" or not isinstance(v, (int, float)):
        return str(v)
    if kind == "pct":
        text = f"{v * 100:,.1f} %"
    elif kind == "int":
        text = f"{v:,.0f}"
    elif kind == "dec1":
        text = f"{v:,.1f}"
    elif kind == "pct2":
        text = f"{v * 100:,.2f} %"
    else:
        text = f"{v:,.3f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


# --- charts -------------------------------------------------------------------------------

_CHART_PREFS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool, str]] = {
    # key: (label columns, value columns preferred, percent, chart title word)
    "by_commune": (("commune",), ("poor_rate", "near_poor_rate"), True, "chart_rates"),
    "deprivation_rates": (("indicator", "indicator_id"),
                          ("rate_poor", "rate_near_poor"), True, "chart_deprivation"),
    "transitions": (("transition",), ("households", "count", "n"), False, "chart_transitions"),
    "af_contributions": (("indicator", "indicator_id"), ("contribution",), True,
                         "chart_contrib"),
}


def _chart_spec(t: Table) -> tuple[int, list[int], bool, str] | None:
    prefs = _CHART_PREFS.get(t.key)
    if prefs is None or not t.rows:
        return None
    cols = t.extra["columns"]
    label = next((cols.index(c) for c in prefs[0] if c in cols), None)
    want = "pct" if prefs[2] else "int"
    values = [cols.index(c) for c in prefs[1] if c in cols and t.kinds[cols.index(c)] == want]
    if not values:
        values = [i for i, k in enumerate(t.kinds) if k == want][:2]
    if label is None or not values:
        return None
    return label, values[:2], prefs[2], prefs[3]


def _add_chart(t: Table, lang: str, target: float | None) -> None:
    spec = _chart_spec(t)
    if spec is None:
        return
    from konray_review.outputs.charts import bar_chart

    label, values, percent, title = spec
    skip = set(t.extra.get("total_rows", ()))
    rows = [r for i, r in enumerate(t.rows) if i not in skip and r[label] not in (None, "")
            and all(r[v] is not None for v in values)]
    if not rows:
        return
    series = {t.headers[v]: [r[v] for r in rows] for v in values}
    tline = target if t.key == "by_commune" and target is not None else None
    t.chart_svg = bar_chart([str(r[label]) for r in rows], series, title=word(WORDS, title, lang),
                            percent=percent, target=tline, decimal="," if lang == "vi" else ".",
                            target_label=word(WORDS, "target_line", lang,
                                              target=fmt(target, "pct2", lang)) if tline else None)
    t.chart = (label, values, percent)


# --- headline, target, unconfirmed rules ----------------------------------------------------

def headline(summary: Mapping[str, pd.DataFrame]) -> dict[str, float] | None:
    """District totals (households, poor, near-poor, rates) from the per-commune table."""
    for key in ("district_total", "by_commune", "by_area"):
        df = summary.get(key)
        if df is None or not {"households", "poor"} <= set(map(str, df.columns)):
            continue
        body = df
        if "is_total" in df.columns:  # the flag of ``aggregates.total_row``, never the label
            flag = df["is_total"].astype("boolean").fillna(False).to_numpy(bool)
            body = df[flag] if key == "district_total" else df[~flag]
        hh = float(body["households"].sum())
        poor = float(body["poor"].sum())
        near = float(body["near_poor"].sum()) if "near_poor" in body.columns else float("nan")
        return {"households": hh, "poor": poor, "near_poor": near,
                "poor_rate": poor / hh if hh else float("nan"),
                "near_poor_rate": near / hh if hh else float("nan")}
    return None


def unconfirmed_table(standard: Standard, lang: str) -> Table:
    names = {f"indicator.{i.id}": i for i in standard.indicators}
    rows = []
    for param, status, source in standard.unconfirmed_rules():
        ind = names.get(param)
        shown = (f"{word(COLUMNS, 'indicator', lang)}: {getattr(ind.name, lang, ind.name.vi)}"
                 if ind else param)
        rows.append([shown, _STATUS.get(status, {}).get(lang, status), source])
    return Table("unconfirmed", word(WORDS, "unconfirmed", lang),
                 [word(COLUMNS, c, lang) for c in ("parameter", "status", "source")], rows,
                 ["text"] * 3, note=word(WORDS, "unconfirmed_intro", lang),
                 extra={"columns": ["parameter", "status", "source"]})


def _run_rows(run_info: Mapping[str, Any] | None, lang: str) -> list[tuple[str, str]]:
    rows = []
    for key, value in (run_info or {}).items():
        if isinstance(value, (str, int, float)) or hasattr(value, "isoformat"):
            text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            if key == "period" and text in WORDS:
                text = word(WORDS, text, lang)
            rows.append((word(WORDS, key, lang) if key in WORDS else key, text))
    return rows


# --- writers ----------------------------------------------------------------------------------

_FOLDED = {"district_total"}  # shown as the last row of the per-commune table


def build_tables(summary: Mapping[str, pd.DataFrame], *, standard: Standard, lang: str,
                 target: float | None, total_label: str = "") -> list[Table]:
    order = [k for k in SECTIONS if k in summary] + [k for k in summary if k not in SECTIONS]
    tables = []
    for key in order:
        df = summary[key]
        if not isinstance(df, pd.DataFrame) or key in _FOLDED:
            continue
        t = present(key, _shape(key, df, summary, lang, total_label), standard=standard,
                    lang=lang, total_label=total_label)
        _add_chart(t, lang, target)
        tables.append(t)
    return tables


def _context(summary: Mapping[str, pd.DataFrame], *, standard: Standard, profile: Profile,
             year: int, run_info: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
    target = profile.target(year, "poor_rate_max")
    head = headline(summary)
    verdict = None
    if target is not None and head and not math.isnan(head["poor_rate"]):
        verdict = word(WORDS, "target_met" if head["poor_rate"] <= target else "target_missed",
                       lang)
    unit = profile.district or profile.province
    return {
        "lang": lang, "year": year, "unit": unit, "province": profile.province,
        "title": word(WORDS, "report_title", lang, year=year),
        "standard": f"{word(WORDS, 'standard', lang)}: "
                    f"{getattr(standard.name, lang, standard.name.vi)}",
        "head": head, "target": target, "verdict": verdict,
        "target_text": (word(WORDS, "target_line", lang, target=fmt(target, "pct2", lang))
                        if target is not None else word(WORDS, "no_target", lang, year=year)),
        "tables": build_tables(summary, standard=standard, lang=lang, target=target,
                               total_label=profile.total_label(lang)),
        "unconfirmed": unconfirmed_table(standard, lang),
        "run": _run_rows(run_info, lang),
    }


def render_html(ctx: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    lang = ctx["lang"]
    env.filters["fmt"] = lambda v, kind: fmt(v, kind, lang)
    env.filters["svg"] = Markup
    env.globals["w"] = lambda key, **kw: word(WORDS, key, lang, **kw)
    return env.get_template("report.html.j2").render(**ctx)


def _xlsx_table(ws: Any, t: Table, start_row: int) -> int:
    from openpyxl.styles import Font

    ws.cell(start_row, 1, t.title).font = Font(name=xlsx.FONT_NAME, bold=True, size=12)
    r = start_row + 1
    if t.note:
        ws.cell(r, 1, t.note).font = Font(name=xlsx.FONT_NAME, italic=True)
        r += 1
    for j, h in enumerate(t.headers, start=1):
        c = ws.cell(r, j, h)
        c.font = Font(name=xlsx.FONT_NAME, bold=True)
        c.fill = xlsx.HEADER_FILL
        c.border = xlsx.BORDER
        c.alignment = xlsx.Alignment(wrap_text=True, vertical="center", horizontal="center")
    formats = {"pct": "0.0%", "int": "#,##0", "dec": "0.000"}
    for i, row in enumerate(t.rows, start=r + 1):
        for j, (v, kind) in enumerate(zip(row, t.kinds, strict=True), start=1):
            c = ws.cell(i, j, v)
            c.border = xlsx.BORDER
            if kind in formats:
                c.number_format = formats[kind]
    return r


def _native_chart(ws: Any, t: Table, header_row: int, anchor: str) -> None:
    from openpyxl.chart import BarChart, Reference

    label, values, percent = t.chart  # type: ignore[misc]
    n = min(t.extra.get("total_rows") or [len(t.rows)])  # total rows come last: not charted
    ch = BarChart()
    ch.type = "bar"
    ch.title = t.title[:80]
    ch.height = max(6, 0.6 * n + 2)
    ch.width = 16
    for v in values:
        ch.add_data(Reference(ws, min_col=v + 1, min_row=header_row, max_row=header_row + n),
                    titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=label + 1, min_row=header_row + 1,
                                max_row=header_row + n))
    ch.y_axis.number_format = "0%" if percent else "#,##0"
    ch.x_axis.scaling.orientation = "maxMin"
    ws.add_chart(ch, anchor)


def write_xlsx_report(ctx: dict[str, Any], path: Path, stamp: Any) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    lang = ctx["lang"]
    wb = Workbook()
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "konray-review"
    wb.properties.title = ctx["title"]
    ws = wb.active
    ws.title = word(SHEET_NAMES, "overview", lang)[:31]
    lines = [ctx["title"], f"{ctx['unit']} — {ctx['province']}", ctx["standard"],
             ctx["target_text"] + (f" — {ctx['verdict']}" if ctx["verdict"] else "")]
    for i, text in enumerate(lines, start=1):
        ws.cell(i, 1, text).font = Font(name=xlsx.FONT_NAME, bold=i == 1, size=14 if i == 1 else 11)
    r = len(lines) + 2
    head = ctx["head"] or {}
    for key, kind in (("households", "int"), ("poor", "int"), ("poor_rate", "pct"),
                      ("near_poor", "int"), ("near_poor_rate", "pct")):
        if key in head:
            ws.cell(r, 1, word(COLUMNS, key, lang))
            c = ws.cell(r, 2, _plain(head[key]))
            c.number_format = "0.0%" if kind == "pct" else "#,##0"
            r += 1
    r += 1
    for label, text in ctx["run"]:
        ws.cell(r, 1, label)
        ws.cell(r, 2, text)
        r += 1
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 30
    for t in [*ctx["tables"], ctx["unconfirmed"]]:
        sheet = wb.create_sheet(word(SHEET_NAMES, t.key, lang)[:31] if t.key in SHEET_NAMES
                                else t.key[:31])
        header_row = _xlsx_table(sheet, t, 1)
        for j, h in enumerate(t.headers, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = max(12, min(45, len(h) + 4))
        sheet.freeze_panes = f"A{header_row + 1}"
        xlsx.setup_print(sheet, title_rows=f"{header_row}:{header_row}")
        if t.chart:
            _native_chart(sheet, t, header_row,
                          f"{get_column_letter(len(t.headers) + 2)}{header_row}")
    return xlsx.save(wb, path, stamp)


def write_district_report(
    summary: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    *,
    standard: Standard,
    profile: Profile,
    year: int,
    run_info: Mapping[str, Any] | None = None,
    lang: str = "vi",
) -> list[ManifestEntry]:
    """Write the district report as XLSX and HTML; returns their manifest entries."""
    ctx = _context(summary, standard=standard, profile=profile, year=int(year),
                   run_info=run_info, lang=lang)
    suffix = "" if lang == "vi" else f"_{lang}"
    stem = f"report/{year}/{year}_{profile.id}_report{suffix}"
    out = Path(out_dir)
    stamp = xlsx.run_stamp(run_info)
    write_xlsx_report(ctx, out / f"{stem}.xlsx", stamp)
    xlsx.write_bytes(out / f"{stem}.html", render_html(ctx).encode("utf-8"))
    return [ManifestEntry("report", None, None, None, fmt_, f"{stem}.{fmt_}", None, int(year))
            for fmt_ in ("xlsx", "html")]
