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

from konray_review.outputs import files, report_print, xlsx
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

    def kind(self, i: int, j: int) -> str:
        """The format of cell (row ``i``, column ``j``): per cell where rows differ."""
        cells = self.extra.get("cell_kinds")
        return cells[i][j] if cells else self.kinds[j]


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
    for col, key in (("village", "unknown_village"), ("commune", "unknown_commune")):
        if col in out.columns:  # a missing place is said in words, never "nan" or blank
            s = out[col].astype("object")
            blank = s.isna() | s.astype(str).str.strip().str.lower().isin(
                ["", "nan", "none", "<na>", "nat"])
            out[col] = s.where(~blank, word(WORDS, key, lang))
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
    out.insert(list(out.columns).index(col) + 1, "program_project", ids.map(proj))
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
    """Targets mix rates and percentage points: values stay numbers, and the kind of each
    row (``pct2`` for a rate, ``dec1`` for points) goes in the ``_kind`` column, which
    ``present`` turns into per-cell formats (so the XLSX holds numbers, not text)."""
    points = df["target"].astype(str).str.endswith("_pp") if "target" in df.columns \
        else pd.Series(False, index=df.index)

    def values(col: str) -> pd.Series:
        if col not in df.columns:
            return pd.Series(np.nan, index=df.index)
        return pd.to_numeric(df[col], errors="coerce")

    name = f"name_{lang}" if f"name_{lang}" in df.columns else "target"
    out = pd.DataFrame({"name": df[name].astype(object) if name in df.columns else "",
                        "target_value": values("target_value"), "actual": values("actual")})
    if "met" in df.columns:
        met = df["met"].astype(object)
        out["met"] = [("" if m is None or m != m else word(WORDS, "yes" if m else "no", lang))
                      for m in met]
    out["_kind"] = np.where(points.to_numpy(bool), "dec1", "pct2")
    return out.reset_index(drop=True)


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
    row_kinds: list[str] | None = None
    if "_kind" in df.columns:  # one format per row (targets: rates and points)
        row_kinds = [str(k) for k in df["_kind"]]
        df = df.drop(columns="_kind")
    df = _with_projects(df, standard) if key == "deprivation_rates" else df
    kinds = [_kind(str(c), df[c]) for c in df.columns]
    shown = _labels(df, standard, lang, total_label)
    kinds = ["text" if not pd.api.types.is_numeric_dtype(shown[c]) else k
             for c, k in zip(shown.columns, kinds, strict=True)]
    trans = label_map("transition", lang)
    headers = [trans[c] if c in trans else word(COLUMNS, str(c), lang) for c in shown.columns]
    rows = [[_plain(v) for v in r] for r in shown.astype(object).itertuples(index=False)]
    title = word(SECTIONS, key, lang) if key in SECTIONS else key
    extra: dict[str, Any] = {"columns": list(map(str, df.columns)), "total_rows": total_rows}
    if row_kinds is not None:
        extra["cell_kinds"] = [[rk if k != "text" else k for k in kinds] for rk in row_kinds]
    return Table(key, title, headers, rows, kinds, extra=extra)


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
                            id_prefix=f"chart-{t.key}",
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


def unconfirmed_table(standard: Standard, profile: Profile | None, lang: str) -> Table:
    """The rules the classification relied on that are not confirmed, by name and source,
    from ``standards.unconfirmed_rules`` (the one list forms, lists and portal show too).
    No rows once the district has replaced and confirmed them all."""
    from konray_review.standards import STATUS_LABELS, unconfirmed_rules

    rows = [[getattr(r.name, lang, r.name.vi), getattr(STATUS_LABELS[r.status], lang),
             r.source] for r in unconfirmed_rules(standard, profile)]
    cols = ["rule", "status", "source"]
    return Table("unconfirmed", word(WORDS, "unconfirmed", lang),
                 [word(COLUMNS, c, lang) for c in cols], rows, ["text"] * 3,
                 note=word(WORDS, "unconfirmed_intro", lang), extra={"columns": cols})


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
             year: int, run_info: Mapping[str, Any] | None, lang: str,
             quarantine: pd.DataFrame | None = None) -> dict[str, Any]:
    target = profile.target(year, "poor_rate_max")
    head = headline(summary)
    verdict = None
    if target is not None and head and not math.isnan(head["poor_rate"]):
        verdict = word(WORDS, "target_met" if head["poor_rate"] <= target else "target_missed",
                       lang)
    unit = profile.district or profile.province
    unconfirmed = unconfirmed_table(standard, profile, lang)
    title = word(WORDS, "report_title", lang, year=year)
    footer = (word(WORDS, "unconfirmed_footer", lang, n=len(unconfirmed.rows))
              if unconfirmed.rows else "")
    return {
        "lang": lang, "year": year, "unit": unit, "province": profile.province,
        "title": title,
        "standard": f"{word(WORDS, 'standard', lang)}: "
                    f"{getattr(standard.name, lang, standard.name.vi)}",
        "head": head, "target": target, "verdict": verdict,
        "target_text": (word(WORDS, "target_line", lang, target=fmt(target, "pct2", lang))
                        if target is not None else word(WORDS, "no_target", lang, year=year)),
        "tables": build_tables(summary, standard=standard, lang=lang, target=target,
                               total_label=profile.total_label(lang)),
        "unconfirmed": unconfirmed,
        "run": report_print.run_lines(run_info, lang, quarantine),
        "period": report_print.period_text(run_info, year, lang),
        "page": report_print.print_page(profile, title, run_info, footer),
    }


def _filters(env: Any, lang: str) -> Any:
    from markupsafe import Markup

    env.filters["fmt"] = lambda v, kind: fmt(v, kind, lang)
    env.filters["svg"] = Markup
    env.globals["w"] = lambda key, **kw: word(WORDS, key, lang, **kw)
    env.globals["households"] = lambda n: word(
        WORDS, "count_household" if n == 1 else "count_households", lang, n=fmt(n, "int", lang))
    return env


def render_html(ctx: dict[str, Any]) -> str:
    """The report as a web page (the portal's download, readable on a phone)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    return _filters(env, ctx["lang"]).get_template("report.html.j2").render(**ctx)


def render_print_html(ctx: dict[str, Any]) -> str:
    """The report as the print foundation's HTML: official header, signature, page numbers."""
    from konray_review.outputs import printing

    env = _filters(printing.environment(), ctx["lang"])
    return env.get_template("report_print.html.j2").render(**ctx)


def render_pdf(ctx: dict[str, Any]) -> bytes:
    """The report as an A4 PDF (WeasyPrint), the paper sent to the province."""
    from konray_review.outputs import printing

    return printing.html_to_pdf(render_print_html(ctx))


_XLSX_FORMATS = {"pct": "0.0%", "pct2": "0.00%", "int": "#,##0", "dec": "0.000", "dec1": "0.0"}


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
    for i, row in enumerate(t.rows):
        for j, v in enumerate(row):
            c = ws.cell(r + 1 + i, j + 1, v)
            c.border = xlsx.BORDER
            kind = t.kind(i, j)
            if kind in _XLSX_FORMATS:
                c.number_format = _XLSX_FORMATS[kind]
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


def _overview_sheet(ws: Any, ctx: dict[str, Any]) -> None:
    """The first sheet: official header, title, period, headline figures, run lines;
    printed on one A4 portrait page (fit to one page wide and tall)."""
    from openpyxl.styles import Alignment, Font

    lang, page = ctx["lang"], ctx["page"]

    def put(row: int, col: int, value: Any, *, bold: bool = False, italic: bool = False,
            size: int = 11, center: bool = False, fmt_: str | None = None) -> None:
        c = ws.cell(row, col, value)
        c.font = Font(name=xlsx.FONT_NAME, bold=bold, italic=italic, size=size)
        c.alignment = Alignment(horizontal="center" if center else None, wrap_text=True,
                                vertical="top")
        if fmt_:
            c.number_format = fmt_

    from konray_review.outputs.printing import NATIONAL_MOTTO, vietnamese_date

    iss = page.issuer
    put(1, 1, iss.parent or iss.office, bold=not iss.parent, center=True)
    put(1, 2, NATIONAL_MOTTO[0], bold=True, center=True)
    put(2, 1, iss.office if iss.parent else iss.number, bold=bool(iss.parent), center=True)
    put(2, 2, NATIONAL_MOTTO[1], bold=True, center=True)
    if iss.parent:
        put(3, 1, iss.number, center=True)
    if page.on:
        put(3, 2, vietnamese_date(page.on, page.place), italic=True, center=True)
    r = 5
    for text, bold, size in ((ctx["title"], True, 13), (ctx["period"], False, 11),
                             (f"{ctx['unit']} — {ctx['province']}", False, 11),
                             (ctx["standard"], False, 11)):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        put(r, 1, text, bold=bold, size=size, center=True)
        r += 1
    r += 1
    head = ctx["head"] or {}
    for key, kind in (("households", "int"), ("poor", "int"), ("poor_rate", "pct"),
                      ("near_poor", "int"), ("near_poor_rate", "pct")):
        if key in head and head[key] == head[key]:
            put(r, 1, word(COLUMNS, key, lang) + (" (hộ)" if kind == "int" and lang == "vi"
                                                   else ""))
            put(r, 2, _plain(head[key]), fmt_=_XLSX_FORMATS[kind])
            r += 1
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    put(r, 1, ctx["target_text"] + (f" — {ctx['verdict']}" if ctx["verdict"] else ""))
    r += 2
    if ctx["run"]:
        put(r, 1, word(WORDS, "run", lang), bold=True)
        r += 1
    for label, text in ctx["run"]:
        put(r, 1, label)
        put(r, 2, text)
        r += 1
    if ctx["unconfirmed"].rows:
        r += 1
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        put(r, 1, page.footer_note, italic=True)
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 50
    xlsx.setup_print(ws, title_rows=None, landscape=False)
    ws.page_setup.fitToHeight = 1  # the overview is one page: fit it tall as well as wide


def write_xlsx_report(ctx: dict[str, Any], path: Path, stamp: Any) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = ctx["lang"]
    wb = Workbook()
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "konray-review"
    wb.properties.title = ctx["title"]
    ws = wb.active
    ws.title = word(SHEET_NAMES, "overview", lang)[:31]
    _overview_sheet(ws, ctx)
    unconfirmed = [ctx["unconfirmed"]] if ctx["unconfirmed"].rows else []
    for t in [*ctx["tables"], *unconfirmed]:
        sheet = wb.create_sheet(word(SHEET_NAMES, t.key, lang)[:31] if t.key in SHEET_NAMES
                                else t.key[:31])
        header_row = _xlsx_table(sheet, t, 1)
        for j, h in enumerate(t.headers, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = max(12, min(45, len(h) + 4))
        if t.key == "unconfirmed":
            sheet.column_dimensions["A"].width = 50
            sheet.column_dimensions["C"].width = 70
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
    quarantine: pd.DataFrame | None = None,
) -> list[ManifestEntry]:
    """Write the district report as XLSX, HTML and PDF; returns their manifest entries.

    ``quarantine`` (one row per issue, as the quality step makes it), when given, adds the
    number of households held for checking and of their issues to the run lines.
    """
    ctx = _context(summary, standard=standard, profile=profile, year=int(year),
                   run_info=run_info, lang=lang, quarantine=quarantine)
    suffix = "" if lang == "vi" else f"_{lang}"
    stem = f"report/{year}/{year}_{profile.id}_report{suffix}"
    out = Path(out_dir)
    stamp = files.run_stamp(run_info)
    write_xlsx_report(ctx, out / f"{stem}.xlsx", stamp)
    files.write_bytes(out / f"{stem}.html", render_html(ctx).encode("utf-8"))
    files.write_bytes(out / f"{stem}.pdf", render_pdf(ctx))
    return [ManifestEntry("report", None, None, None, fmt_, f"{stem}.{fmt_}", None, int(year))
            for fmt_ in ("xlsx", "html", "pdf")]
