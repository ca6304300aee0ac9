"""Review pages: years and runs, the dashboard, commune lists, households, follow-up list."""

from __future__ import annotations

import math

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from konray_review.portal import audit, household
from konray_review.portal.access import require_unit, visible
from konray_review.portal.charts import bar_chart
from konray_review.portal.data import (
    ListFilter,
    YearData,
    apply_filter,
    deprivation_table,
    transition_table,
)
from konray_review.portal.downloads import visible_entries
from konray_review.portal.i18n import translate
from konray_review.portal.web import client_ip, lang_of, render, require_user, state
from konray_review.schema import CATEGORIES, TRANSITIONS

router = APIRouter()


def _year_data(request: Request, year: int) -> YearData:
    data = state(request).data.year(year)
    if data is None:
        raise HTTPException(status_code=404)
    return data


#: run-log counts over the whole district: shown to district staff only
RUN_COUNTS = ("received", "accepted", "quarantined", "changed")


def _runs_records(runs: pd.DataFrame, user) -> list[dict]:
    """The run log's rows; commune staff get no district-wide counts (the run log has no
    per-commune figures, and another commune's numbers are not theirs to see)."""
    if runs.empty:
        return []
    if not user.sees_all:
        runs = runs.drop(columns=[c for c in RUN_COUNTS if c in runs.columns])
    return runs.to_dict("records")


def _latest_output_run(request: Request, yd: YearData) -> dict | None:
    """The run the page's snapshot is of (its files go with its numbers), when it has output."""
    if yd.run_id is None:
        return None
    run = state(request).data.run(yd.run_id)
    return run if run is not None and run.get("output_dir") else None


@router.get("/years")
def years(request: Request) -> Response:
    user = require_user(request)
    data = state(request).data
    items = [{"year": y, "runs": _runs_records(data.runs(y), user)}
             for y in reversed(data.years())]
    return render(request, "years.html", user=user, years=items)


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str) -> Response:
    user = require_user(request)
    run = state(request).data.run(run_id)
    if run is None:
        raise HTTPException(status_code=404)
    if not user.sees_all:
        run = {k: v for k, v in run.items() if k not in RUN_COUNTS}
    entries = visible_entries(user, run.get("output_dir"))
    return render(request, "run.html", user=user, run=run, entries=entries)


@router.get("/years/{year}")
def year_page(request: Request, year: int) -> Response:
    user = require_user(request)
    yd = _year_data(request, year)
    communes = visible(user, yd.communes)
    summary = yd.summary(communes, None)
    rows = summary[~summary["is_total"]].to_dict("records")
    latest = _latest_output_run(request, yd)
    return render(request, "year.html", user=user, year=year, rows=rows, slug=yd.slug_of,
                  latest=latest,
                  entries=visible_entries(user, latest["output_dir"]) if latest else [])


@router.get("/years/{year}/dashboard")
def dashboard(request: Request, year: int) -> Response:
    user = require_user(request)
    yd = _year_data(request, year)
    lang = lang_of(request)
    communes = visible(user, yd.communes)
    # the snapshot never changes: the tables of one view (units seen, language) are computed
    # once per snapshot, not per request
    ctx = yd.memo(("dashboard", tuple(communes), lang, user.sees_all),
                  lambda: _dashboard_context(request, yd, year, communes, lang, user.sees_all))
    return render(request, "dashboard.html", user=user, year=year, slug=yd.slug_of, **ctx)


def _dashboard_context(request: Request, yd: YearData, year: int, communes: list[str],
                       lang: str, sees_all: bool) -> dict:
    st = state(request)
    frame = yd.frame[yd.frame["commune"].isin(communes)]
    target = st.profile.target(year, "poor_rate_max")
    summary = yd.summary(communes, target)
    rows = summary[~summary["is_total"]]
    total = summary[summary["is_total"]].iloc[0].to_dict()
    total_label = (st.profile.total_label(lang) if sees_all
                   else translate("total_visible", lang))
    chart = bar_chart(
        [*rows["commune"], total_label],
        [*rows["poor_rate"].astype(float), float(total["poor_rate"])],
        title=translate("chart_poor_rate", lang), target=target,
        target_label=(translate("target", lang) if target is not None else ""),
    )
    from konray_review.standards import standard_for_year

    std = standard_for_year(year, st.profile)
    names = {i.id: (getattr(i.name, lang), i.program_project) for i in std.indicators}
    deps = deprivation_table(frame, tuple(i for i in yd.indicators if i in names), std)
    dep_chart = bar_chart([names[i][0] for i in deps["indicator"]],
                          [float(v) for v in deps["rate"]],
                          title=translate("deprivation_table", lang))
    return {"rows": rows.to_dict("records"), "total": total, "target": target,
            "chart": chart, "dep_chart": dep_chart, "deps": deps.to_dict("records"),
            "names": names,
            "transitions": transition_table(frame, TRANSITIONS).to_dict("records"),
            "standard": std.id}


def _parse_filter(request: Request, yd: YearData) -> ListFilter:
    qp = request.query_params
    em = {"1": True, "0": False}.get(qp.get("em", ""))
    category = qp.get("category") or None
    if category not in (*CATEGORIES, "unknown", None):
        category = None
    transition = qp.get("transition") or None
    if transition not in (*TRANSITIONS, None):
        transition = None
    indicator = qp.get("indicator") or None
    if indicator not in (*yd.indicators, None):
        indicator = None
    q = (qp.get("q") or "").strip()[:100] or None
    return ListFilter(qp.get("village") or None, category, transition, em, indicator, q)


@router.get("/years/{year}/communes/{slug}")
def commune_list(request: Request, year: int, slug: str, page: int = 1) -> Response:
    user = require_user(request)
    yd = _year_data(request, year)
    commune = yd.commune_of_slug(slug)
    if commune is None:
        raise HTTPException(status_code=404)
    require_unit(user, commune)
    f = _parse_filter(request, yd)
    size = state(request).config.page_size

    def page_of_list() -> tuple[list[dict], int, int, int]:
        rows = apply_filter(yd.in_commune(commune), f, yd.indicators)
        pages = max(1, math.ceil(len(rows) / size))
        at = min(max(page, 1), pages)
        return rows.iloc[(at - 1) * size: at * size].to_dict("records"), len(rows), at, pages

    # one filtered page per snapshot: the same list is opened by many staff
    shown, n, page, pages = yd.memo(("list", commune, f, page, size), page_of_list)
    def village_rows() -> list[dict]:
        v = yd.village_counts(commune)
        return v[~v["is_total"]].to_dict("records")

    villages = yd.memo(("villages", commune), village_rows)
    std_names = _indicator_names(request, year)
    return render(
        request, "commune.html", user=user, year=year, commune=commune, slug=slug,
        villages=villages, rows=shown, n=n, page=page, pages=pages, f=f,
        categories=(*CATEGORIES, "unknown"), transitions=TRANSITIONS,
        indicators=[(i, std_names.get(i, i)) for i in yd.indicators],
        query_without_page=_query_without_page(request),
    )


def _indicator_names(request: Request, year: int) -> dict[str, str]:
    from konray_review.standards import standard_for_year

    lang = lang_of(request)
    std = standard_for_year(year, state(request).profile)
    return {i.id: getattr(i.name, lang) for i in std.indicators}


def _query_without_page(request: Request) -> str:
    from urllib.parse import urlencode

    items = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v]
    return urlencode(items)


@router.get("/years/{year}/households/{household_id:path}")
def household_page(request: Request, year: int, household_id: str) -> Response:
    user = require_user(request)
    yd = _year_data(request, year)
    st = state(request)
    match = yd.frame[yd.frame["household_id"] == household_id]
    if match.empty:
        raise HTTPException(status_code=404)
    row = match.iloc[0]
    commune = str(row["commune"])
    try:
        require_unit(user, commune)
    except HTTPException:
        audit.record(st.engine, "access_denied", username=user.username, role=user.role,
                     review_year=year, unit=commune, obj=household_id, ip=client_ip(request))
        raise HTTPException(status_code=404) from None  # do not confirm the id exists
    # the roster and the household row from the same snapshot as the classification
    members = yd.members_of(household_id)
    hh = yd.household_row(household_id)
    cls = match.drop(columns=["search_key"], errors="ignore")
    lang = lang_of(request)
    # the explanation of a household in one snapshot never changes: built once per language
    view = yd.memo(("household", household_id, lang),
                   lambda: household.build(year, row, hh, members, cls, lang, st.profile))
    audit.record(st.engine, "view_household", username=user.username, role=user.role,
                 review_year=year, unit=commune, obj=household_id, ip=client_ip(request))
    return render(request, "household.html", user=user, year=year, view=view,
                  slug=yd.slug_of(commune))


@router.get("/years/{year}/quarantine")
def quarantine_page(request: Request, year: int, commune: str | None = None) -> Response:
    """Records held back by data-quality rules, for enumerators to follow up."""
    user = require_user(request)
    st = state(request)
    if year not in st.data.years():
        raise HTTPException(status_code=404)
    yd = st.data.year(year)
    known = list(yd.communes) if yd else []
    qsource = yd.quarantine if yd is not None else None
    if commune:
        name = yd.commune_of_slug(commune) if yd else None
        if name is None:
            raise HTTPException(status_code=404)
        require_unit(user, name)
        wanted: list[str] | None = [name]
    else:
        wanted = None if user.sees_all else list(user.communes)
    if qsource is not None:
        rows = qsource if wanted is None else qsource[qsource["commune"].isin(wanted)]
    else:
        rows = st.data.quarantine(year, wanted)
    return render(request, "quarantine.html", user=user, year=year,
                  rows=rows.to_dict("records"), commune=commune,
                  communes=[(yd.slug_of(c), c) for c in visible(user, known)] if yd else [])


@router.get("/years/{year}/standard")
def standard_page(request: Request, year: int) -> Response:
    """The standard in force for the year: each rule, its source, confirmed or not."""
    from konray_review.portal.standard_page import rows as rule_rows

    user = require_user(request)
    st = state(request)
    if year not in st.data.years():
        raise HTTPException(status_code=404)
    lang = lang_of(request)
    std, rules = rule_rows(year, st.profile, lang)
    return render(request, "standard.html", user=user, year=year, rules=rules,
                  standard_id=std.id, standard_name=getattr(std.name, lang),
                  n_unconfirmed=sum(r.status != "confirmed" for r in rules))
