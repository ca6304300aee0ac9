"""What the pages read: the store's tables for a year, cached, filtered, summarised.

Reads go through the store's read API only. A year's frame is cached and rebuilt when the
year's run log changes (a flow finished), so a page does not re-read 7,000 households.
Everything here is vectorised pandas; nothing loops per household.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from konray_review import aggregates
from konray_review.profile import slugify
from konray_review.schema import is_ethnic_minority
from konray_review.standards import Standard

LIST_COLUMNS = ("head_name", "previous_category", "review_reason", "income_per_capita",
                "b1_score")


def fold(text: pd.Series) -> pd.Series:
    """Accent- and case-free text, so "nguyen van" finds "Nguyễn Văn" (vectorised)."""
    s = text.fillna("").astype(str).str.replace("đ", "d").str.replace("Đ", "D")
    s = s.str.normalize("NFD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    return s.str.casefold().str.split().str.join(" ")


def fold_one(text: str) -> str:
    s = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(ch for ch in s if unicodedata.category(ch) != "Mn").casefold().split())


def _is(values: pd.Series, code: str) -> pd.Series:
    """Boolean mask ``values == code`` with missing values False (never NA)."""
    return values.astype("string").eq(code).fillna(False).astype(bool)


@dataclass
class YearData:
    """A year's classified households joined with the list columns, plus unit slugs."""

    year: int
    frame: pd.DataFrame
    indicators: tuple[str, ...]
    communes: tuple[str, ...]
    households: pd.DataFrame  # the canonical household rows (for the household page)
    slugs: dict[str, str] = field(default_factory=dict)  # slug -> commune name

    def commune_of_slug(self, slug: str) -> str | None:
        return self.slugs.get(slug)

    def slug_of(self, commune: str) -> str:
        """The commune's URL slug (the profile's ``Unit.slug``), for links in templates."""
        return next((s for s, c in self.slugs.items() if c == commune), slugify(commune))

    def villages(self, commune: str) -> list[str]:
        f = self.frame
        return sorted(f.loc[f["commune"] == commune, "village"].dropna().unique().tolist())


class PortalData:
    """Cached access to the store for the web pages (thread-safe; one per application)."""

    #: how long a year's run-log signature is trusted before asking the store again
    SIGNATURE_TTL = 3.0

    def __init__(self, store, unit_order: list[str] | None = None,
                 unit_slugs: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.unit_order = {name: i for i, name in enumerate(unit_order or [])}
        #: commune name -> URL slug from the profile (``Unit.slug``: its code when it has one)
        self.unit_slugs = dict(unit_slugs or {})
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple, YearData | None]] = {}
        self._sigs: dict[int, tuple[float, tuple]] = {}

    def years(self) -> list[int]:
        return self.store.review_years()

    def runs(self, year: int | None = None) -> pd.DataFrame:
        return self.store.list_runs(year)

    def run(self, run_id: str) -> dict | None:
        return self.store.get_run(run_id)

    def _signature(self, year: int) -> tuple:
        """Identifies the year's state: changes when a run starts or finishes."""
        now = time.monotonic()
        hit = self._sigs.get(year)
        if hit is not None and now - hit[0] < self.SIGNATURE_TTL:
            return hit[1]
        runs = self.store.list_runs(year)
        sig = () if runs.empty else tuple(
            runs[["run_id", "status", "finished_at"]].astype(str).itertuples(False))
        self._sigs[year] = (now, sig)
        return sig

    def year(self, year: int) -> YearData | None:
        """The year's data, or None when the store holds no classification for it."""
        sig = self._signature(year)
        with self._lock:
            hit = self._cache.get(year)
            if hit is not None and hit[0] == sig:
                return hit[1]
        data = self._load(year)
        with self._lock:
            self._cache[year] = (sig, data)
        return data

    def _load(self, year: int) -> YearData | None:
        cls = self.store.read_classification(year)
        if cls.empty:
            return None
        hh = self.store.read_households(year)
        keep = ["household_id", *[c for c in LIST_COLUMNS if c in hh.columns]]
        frame = cls.merge(hh[keep], on="household_id", how="left", validate="one_to_one")
        frame["ethnic_minority"] = is_ethnic_minority(frame["head_ethnicity"])
        frame["search_key"] = fold(frame["household_id"] + " " + frame["head_name"].fillna(""))
        indicators = tuple(c.removeprefix("dep_") for c in frame.columns
                           if c.startswith("dep_") and frame[c].notna().any())
        # the profile's order of units (as in official reports), unknown names after, by name
        communes = tuple(sorted(frame["commune"].dropna().unique().tolist(),
                                key=lambda c: (self.unit_order.get(c, len(self.unit_order)), c)))
        return YearData(year, frame, indicators, communes, hh,
                        {self.unit_slugs.get(c) or slugify(c): c for c in communes})

    def members(self, year: int, household_id: str) -> pd.DataFrame:
        return self.store.read_members(year, household_ids=[household_id])

    def household_row(self, year: int, household_id: str) -> pd.DataFrame:
        data = self.year(year)
        if data is None:
            return pd.DataFrame()
        hh = data.households
        return hh[hh["household_id"] == household_id]

    def quarantine(self, year: int, communes: list[str] | None) -> pd.DataFrame:
        return self.store.read_quarantine(year, communes=communes)


@dataclass(frozen=True)
class ListFilter:
    """The list page's filters, parsed from the query string (unknown values are ignored)."""

    village: str | None = None
    category: str | None = None
    transition: str | None = None
    ethnic_minority: bool | None = None
    indicator: str | None = None
    q: str | None = None


def apply_filter(frame: pd.DataFrame, f: ListFilter, indicators: tuple[str, ...]) -> pd.DataFrame:
    """The rows of ``frame`` matching every filter that is set."""
    mask = pd.Series(True, index=frame.index)
    if f.village:
        mask &= frame["village"] == f.village
    if f.category == "unknown":
        mask &= frame["category"].isna()
    elif f.category:
        mask &= _is(frame["category"], f.category)
    if f.transition:
        mask &= _is(frame["transition"], f.transition)
    if f.ethnic_minority is not None:
        mask &= frame["ethnic_minority"] == f.ethnic_minority
    if f.indicator and f.indicator in indicators:
        mask &= frame[f"dep_{f.indicator}"].fillna(False).astype(bool)
    if f.q and f.q.strip():
        mask &= frame["search_key"].str.contains(fold_one(f.q), regex=False)
    return frame[mask.fillna(False).astype(bool)]


def _result(frame: pd.DataFrame, dep_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The classification columns of the page frame, shaped as ``aggregates`` expects."""
    res = frame[["household_id", "category", "transition"]].copy()
    for col in dep_columns:
        res[col] = frame[col] if col in frame.columns else False
    return res


def commune_summary(frame: pd.DataFrame, target: float | None,
                    order: Sequence[str] | None = None, by: str = "commune") -> pd.DataFrame:
    """Per unit (``by``): ``aggregates.counts_by`` plus the target check; last row the total.

    Rows follow ``order`` (the profile's order; units not in it are left out, as on the
    page). The total row is ``aggregates.total_row`` (``is_total`` True) over the rows shown.
    """
    counts = aggregates.counts_by(frame, _result(frame), [by])
    if order is not None:
        counts = counts.set_index(by).reindex([u for u in order if u in set(counts[by])])
        counts = counts.reset_index()
    total = aggregates.total_row(counts, label="")
    out = pd.concat([counts.assign(is_total=False), total], ignore_index=True)
    out["is_total"] = out["is_total"].astype(bool)
    out["meets_target"] = (out["poor_rate"] <= target) if target is not None else pd.NA
    return out


def deprivation_table(frame: pd.DataFrame, indicators: tuple[str, ...],
                      standard: Standard) -> pd.DataFrame:
    """Per indicator of ``indicators``: deprived households and rate, all and among the poor.

    ``aggregates.deprivation_rates`` with the page's column names; a rate over no
    households shows as 0.
    """
    rates = aggregates.deprivation_rates(
        _result(frame, [f"dep_{i.id}" for i in standard.indicators]), standard)
    rates = rates[rates["indicator"].isin(indicators)].reset_index(drop=True)
    out = rates.rename(columns={"deprived_all": "deprived", "rate_all": "rate"})
    out[["rate", "rate_poor"]] = out[["rate", "rate_poor"]].fillna(0.0)
    return out[["indicator", "deprived", "rate", "deprived_poor", "rate_poor"]]


def transition_table(frame: pd.DataFrame, order: tuple[str, ...]) -> pd.DataFrame:
    """Households per transition (in the code list's order), with the ethnic-minority part."""
    counts = aggregates.transition_counts(frame, _result(frame))
    row = counts.iloc[0] if len(counts) else pd.Series(dtype="int64")
    return pd.DataFrame({
        "transition": list(order),
        "count": np.array([int(row.get(t, 0)) for t in order], dtype=np.int64),
        "ethnic_minority": np.array([int(row.get(f"{t}_ethnic_minority", 0)) for t in order],
                                    dtype=np.int64),
    })
