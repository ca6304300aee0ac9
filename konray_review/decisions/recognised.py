"""The recognised list: what reports, transitions and next year's list count.

By law a household is poor or near-poor only once the commune chairman recognises it. So
every count after the survey asks :func:`recognised_categories`: per household and year,
the category of the chairman's decision, and where there is none yet the preliminary
(survey) category, flagged ``category_basis = "preliminary"``. A written refusal counts as
``none`` (not on the poor or near-poor list), flagged ``refused``.

Which decision: the last one recorded for the household among the reviews of that year
(the annual review, and regular rounds whose review year it is), by the decision's date.
A commune has *finished* when every household of its annual review has a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from konray_review.decisions.records import with_dates
from konray_review.decisions.workdays import review_id_for
from konray_review.masks import isin
from konray_review.schema import CATEGORIES
from konray_review.store.schema import decision_events, decision_reviews

DECISION_EVENTS = ("recognised", "refused")
BASES = ("recognised", "refused", "preliminary")


def decisions_of(store: Any, *, years: Sequence[int] | None = None,
                 before_year: int | None = None) -> pd.DataFrame:
    """The last decision per household and review year: ``household_id, review_year,
    decided_category, category_basis, decided_on``."""
    e, r = decision_events, decision_reviews
    stmt = (sa.select(e.c.household_id, r.c.review_year, e.c.event, e.c.category,
                      e.c.on_date, e.c.recorded_at)
            .join(r, r.c.review_id == e.c.review_id)
            .where(e.c.event.in_(DECISION_EVENTS)))
    if years is not None:
        stmt = stmt.where(r.c.review_year.in_([int(y) for y in years]))
    if before_year is not None:
        stmt = stmt.where(r.c.review_year < int(before_year))
    with store.engine.connect() as conn:
        df = with_dates(pd.read_sql(stmt, conn))
    cols = ["household_id", "review_year", "decided_category", "category_basis", "decided_on"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.sort_values(["household_id", "review_year", "on_date", "recorded_at"],
                        kind="stable").drop_duplicates(["household_id", "review_year"],
                                                       keep="last")
    refused = df["event"].eq("refused")
    return pd.DataFrame({
        "household_id": df["household_id"].astype(str).to_numpy(),
        "review_year": df["review_year"].astype(int).to_numpy(),
        "decided_category": np.where(refused, "none", df["category"].astype(object)),
        "category_basis": np.where(refused, "refused", "recognised"),
        "decided_on": df["on_date"].to_numpy(),
    })


def annual_finished(store: Any, year: int, households: pd.DataFrame,
                    decided: pd.DataFrame) -> pd.DataFrame:
    """Per commune of ``households``: households, decided, and whether it has finished
    (every household of the commune decided in the year's annual review)."""
    e = decision_events
    stmt = (sa.select(e.c.household_id, e.c.event)
            .where(e.c.review_id == review_id_for(year))
            .where(e.c.event.in_(DECISION_EVENTS)))
    with store.engine.connect() as conn:
        in_annual = pd.read_sql(stmt, conn)
    units = households[["household_id", "commune"]].drop_duplicates("household_id")
    units = units.assign(decided=isin(units["household_id"], in_annual["household_id"]))
    out = (units.groupby("commune", sort=False, observed=True)
           .agg(households=("household_id", "size"), decided=("decided", "sum"))
           .reset_index())
    out["decided"] = out["decided"].astype(np.int64)
    out["pending"] = out["households"] - out["decided"]
    out["finished"] = out["pending"].eq(0) & out["households"].gt(0)
    return out


def recognised_categories(store: Any, year: int,
                          communes: Sequence[str] | None = None) -> pd.DataFrame:
    """Per household of ``year``: ``preliminary_category``, ``category`` (recognised,
    else preliminary), ``category_basis`` (recognised | refused | preliminary) and
    ``commune_finished``."""
    cls = store.read_classification(int(year), communes=list(communes) if communes else None)
    base = cls[["household_id", "review_year", "commune", "village", "category"]].rename(
        columns={"category": "preliminary_category"})
    decided = decisions_of(store, years=[int(year)])
    out = base.merge(decided.drop(columns="review_year"), on="household_id", how="left")
    prelim = out["preliminary_category"].astype(object).where(
        out["preliminary_category"].notna(), None)
    has = out["category_basis"].notna()
    out["category"] = np.where(has, out["decided_category"], prelim)
    out["category_basis"] = out["category_basis"].where(has, "preliminary")
    done = annual_finished(store, year, out, decided)
    out["commune_finished"] = out["commune"].map(dict(zip(done["commune"], done["finished"],
                                                          strict=True))).fillna(False)
    out["commune_finished"] = out["commune_finished"].astype(bool)
    return out.drop(columns=["decided_category"]).reset_index(drop=True)


def recognised_history(store: Any, before_year: int) -> pd.DataFrame:
    """``household_id, review_year, category`` of earlier years (what transitions read):
    the recognised category where a decision exists, else the survey's."""
    hist = store.history(int(before_year))
    if hist.empty:
        return hist
    decided = decisions_of(store, before_year=before_year)
    if decided.empty:
        return hist
    hist = hist.copy()
    hist["household_id"] = hist["household_id"].astype(str)
    hist["review_year"] = hist["review_year"].astype(int)
    m = hist.merge(decided[["household_id", "review_year", "decided_category"]],
                   on=["household_id", "review_year"], how="left")
    cat = m["category"].astype(object).where(m["category"].notna(), None)
    m["category"] = np.where(m["decided_category"].notna(), m["decided_category"], cat)
    return m[["household_id", "review_year", "category"]]


def overlay(store: Any, year: int, households: pd.DataFrame,
            result: pd.DataFrame) -> pd.DataFrame:
    """The classification ``result`` counted on the recognised list: ``category``
    recognised (fallback preliminary), ``preliminary_category``, ``category_basis`` and
    ``commune_finished`` added, ``transition`` recomputed against last year's recognised
    list. The one call the district report and the lists make (``pipeline.publish``)."""
    from konray_review.classifier.transitions import transitions

    if result.empty or "category" not in result.columns:
        return result
    decided = decisions_of(store, years=[int(year)])
    m = result[["household_id"]].merge(decided.drop(columns="review_year"),
                                       on="household_id", how="left")
    out = result.copy()
    prelim = result["category"].astype(object).where(result["category"].notna(), None)
    out["preliminary_category"] = prelim.to_numpy()
    has = m["category_basis"].notna().to_numpy()
    cat = np.where(has, m["decided_category"].to_numpy(dtype=object), prelim.to_numpy())
    out["category"] = pd.Categorical(cat, categories=list(CATEGORIES))
    out["category_basis"] = np.where(has, m["category_basis"].to_numpy(dtype=object),
                                     "preliminary")
    units = households[["household_id", "commune"]].drop_duplicates("household_id")
    done = annual_finished(store, year, units, decided)
    commune = out[["household_id"]].merge(units, on="household_id", how="left")["commune"]
    out["commune_finished"] = commune.map(dict(zip(done["commune"], done["finished"],
                                                   strict=True))).fillna(False).astype(bool) \
        .to_numpy()
    prev = households.drop_duplicates("household_id").set_index("household_id")
    prev_cat = (prev["previous_category"] if "previous_category" in prev.columns
                else pd.Series(None, index=prev.index, dtype=object))
    prev_cat = prev_cat.reindex(out["household_id"]).astype(object)
    codes = pd.Index(list(CATEGORIES)).get_indexer(pd.Index(prev_cat.where(prev_cat.notna(), "")))
    frame = pd.DataFrame({"household_id": out["household_id"].to_numpy(),
                          "category": out["category"].to_numpy(),
                          "review_year": int(year)})
    frame["category"] = pd.Categorical(frame["category"], categories=list(CATEGORIES))
    out["transition"] = transitions(frame, codes.astype(np.int16),
                                    recognised_history(store, year))
    return out


def report_tables(store: Any, year: int, households: pd.DataFrame,
                  result: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Two district-report tables: each commune's progress (finished or not, decided,
    pending, recognised poor / near-poor, refused) and, for communes not finished, their
    preliminary (survey) figures apart. ``result`` may be :func:`overlay`'s (its
    ``preliminary_category`` is then the survey's) or the classification itself."""
    from konray_review import aggregates

    prelim = result[["household_id"]].assign(category=(
        result["preliminary_category"] if "preliminary_category" in result.columns
        else result["category"]).to_numpy())
    decided = decisions_of(store, years=[int(year)])
    units = households[["household_id", "commune"]].drop_duplicates("household_id")
    progress = annual_finished(store, year, units, decided)
    rec = prelim[["household_id"]].merge(units, on="household_id", how="left").merge(
        decided, on="household_id", how="left")
    recognised = rec["category_basis"].eq("recognised").to_numpy()
    counts = pd.DataFrame({
        "commune": rec["commune"].to_numpy(),
        "recognised_poor": recognised & rec["decided_category"].eq("poor").to_numpy(),
        "recognised_near_poor": recognised & rec["decided_category"].eq("near_poor").to_numpy(),
        "refused": rec["category_basis"].eq("refused").to_numpy(),
    }).groupby("commune", sort=False).sum().astype(np.int64).reset_index()
    progress = progress.merge(counts, on="commune", how="left")
    for col in ("recognised_poor", "recognised_near_poor", "refused"):
        progress[col] = progress[col].fillna(0).astype(np.int64)
    tables = {"decision_progress": progress[["commune", "finished", "households", "decided",
                                             "pending", "recognised_poor",
                                             "recognised_near_poor", "refused"]]}
    open_units = set(progress.loc[~progress["finished"], "commune"])
    open_hh = households[households["commune"].isin(open_units)]
    open_res = prelim[isin(prelim["household_id"], open_hh["household_id"])]
    if len(open_res):
        tables["preliminary_by_commune"] = aggregates.counts_by(open_hh, open_res, ["commune"])
    return tables


def next_year_list(store: Any, year: int, *, include: Sequence[str] = ("poor", "near_poor"),
                   allow_preliminary: bool = False) -> pd.DataFrame:
    """The household list next year's review starts from (``forms build --households``,
    ``forms deploy --households``): this year's recognised households of ``include``,
    their recognised category as ``previous_category``."""
    from konray_review.decisions.errors import DecisionError

    rec = recognised_categories(store, year)
    # households the survey could not classify (income unknown) wait for a new survey, not
    # for a decision: they are on no list and do not hold the list back
    pending = rec[rec["category_basis"].eq("preliminary") & rec["category"].notna()]
    if len(pending) and not allow_preliminary:
        units = sorted(pending["commune"].dropna().unique())
        raise DecisionError(
            f"{len(pending)} hộ năm {year} chưa có quyết định công nhận (xã: "
            f"{', '.join(units)}). Hoàn thành các bước trước, hoặc dùng --allow-preliminary "
            "để lấy kết quả sơ bộ cho các hộ này.",
            f"{len(pending)} households of {year} have no decision yet (communes: "
            f"{', '.join(units)}). Finish the steps, or pass --allow-preliminary.")
    hh = store.read_households(int(year))
    keep = [c for c in ("household_id", "commune", "village", "head_name", "head_ethnicity")
            if c in hh.columns]
    chosen = rec[rec["category"].isin(list(include))]
    out = chosen[["household_id", "category", "category_basis"]].merge(
        hh[keep], on="household_id", how="left")
    out = out.rename(columns={"category": "previous_category"})
    cols = ["household_id", "commune", "village", "head_name", "previous_category",
            "category_basis", *[c for c in keep if c not in ("household_id", "commune",
                                                             "village", "head_name")]]
    return out[cols].sort_values(["commune", "village", "household_id"]).reset_index(drop=True)
