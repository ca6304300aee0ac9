"""What the pages read: one published snapshot of a run per year, filtered, summarised.

Every table a page shows (list, household row, roster, quarantine) comes from the same
snapshot (``konray_review.store.snapshots``), keyed by run id, so a page never mixes two
runs. A year's data is rebuilt only when a newer run succeeds, by one thread.
Everything here is vectorised pandas; nothing loops per household.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from konray_review import aggregates
from konray_review.profile import slugify
from konray_review.schema import is_ethnic_minority
from konray_review.standards import Standard

T = TypeVar("T")

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
    """One published run's data for the pages: every table from the same snapshot.

    Built once per run (``PortalData``) and never changed, so a page reading the list, the
    household row and its roster sees one run only. The per-commune and per-village count
    tables are computed here once, not per request.
    """

    year: int
    frame: pd.DataFrame
    indicators: tuple[str, ...]
    communes: tuple[str, ...]
    households: pd.DataFrame  # the canonical household rows (for the household page)
    slugs: dict[str, str] = field(default_factory=dict)  # slug -> commune name
    run_id: str | None = None  # the run the snapshot is of (None: no finished run yet)
    members: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    provisional: bool = False  # built from the live tables without being published
    built_at: float = 0.0
    #: precomputed: ``aggregates.counts_by`` per commune (all communes of the year)
    commune_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    _by_commune: dict[str, pd.DataFrame] = field(default_factory=dict)
    _village_counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    _members_at: dict[str, np.ndarray] = field(default_factory=dict)
    _households_at: dict[str, int] = field(default_factory=dict)
    #: page parts computed from this snapshot (valid as long as it: it never changes)
    cache: dict[tuple, Any] = field(default_factory=dict)

    #: most page parts kept per snapshot (searches vary without end: stop adding, not grow)
    CACHE_LIMIT = 20_000

    def memo(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` once per snapshot for ``key`` (safe: the snapshot never changes)."""
        hit = self.cache.get(key)
        if hit is None:
            hit = build()
            if len(self.cache) < self.CACHE_LIMIT:
                self.cache[key] = hit
        return hit

    def commune_of_slug(self, slug: str) -> str | None:
        return self.slugs.get(slug)

    def slug_of(self, commune: str) -> str:
        """The commune's URL slug (the profile's ``Unit.slug``), for links in templates."""
        return next((s for s, c in self.slugs.items() if c == commune), slugify(commune))

    def villages(self, commune: str) -> list[str]:
        f = self.in_commune(commune)
        return sorted(f["village"].dropna().unique().tolist())

    def in_commune(self, commune: str) -> pd.DataFrame:
        """The commune's rows of ``frame`` (precomputed split)."""
        hit = self._by_commune.get(commune)
        return hit if hit is not None else self.frame.iloc[0:0]

    def village_counts(self, commune: str) -> pd.DataFrame:
        hit = self._village_counts.get(commune)
        if hit is None:
            hit = commune_summary(self.in_commune(commune), None, self.villages(commune),
                                  by="village")
            self._village_counts[commune] = hit
        return hit

    def members_of(self, household_id: str) -> pd.DataFrame:
        rows = self._members_at.get(household_id)
        return self.members.iloc[rows] if rows is not None else self.members.iloc[0:0]

    def household_row(self, household_id: str) -> pd.DataFrame:
        i = self._households_at.get(household_id)
        return self.households.iloc[[i]] if i is not None else self.households.iloc[0:0]

    def summary(self, communes: Sequence[str], target: float | None) -> pd.DataFrame:
        """``commune_summary`` of the listed communes from the precomputed counts."""
        counts = self.commune_counts.set_index("commune").reindex(
            [c for c in communes if c in set(self.commune_counts["commune"])]).reset_index()
        return _with_total(counts, target)


class PortalData:
    """The pages' data: one published snapshot per year, switched atomically (thread-safe).

    Which run a year shows: its latest succeeded run. Its snapshot is loaded from the store
    (``konray_review.store.snapshots``) or published there on first use. When a newer run
    succeeds, one thread builds the new ``YearData`` while the others keep serving the old
    one (nobody waits unless there is none yet); then one assignment switches. A reload storm
    (every waiting request rebuilding at once, issue 15 item 4) cannot happen.
    """

    #: how long a year's run-log signature is trusted before asking the store again
    SIGNATURE_TTL = 3.0
    #: how often a provisional view (no publishable run) is rebuilt
    PROVISIONAL_TTL = 30.0

    def __init__(self, store, unit_order: list[str] | None = None,
                 unit_slugs: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.unit_order = {name: i for i, name in enumerate(unit_order or [])}
        #: commune name -> URL slug from the profile (``Unit.slug``: its code when it has one)
        self.unit_slugs = dict(unit_slugs or {})
        self._lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self._current: dict[int, YearData | None] = {}
        self._targets: dict[int, tuple[float, str | None]] = {}
        self._years: tuple[float, tuple[int, ...]] | None = None

    def years(self) -> list[int]:
        """The store's review years (cached like the run log: asking scans the households)."""
        now = time.monotonic()
        hit = self._years
        if hit is not None and now - hit[0] < self.SIGNATURE_TTL:
            return list(hit[1])
        years = self.store.review_years()
        self._years = (now, tuple(years))
        return years

    def runs(self, year: int | None = None) -> pd.DataFrame:
        return self.store.list_runs(year)

    def run(self, run_id: str) -> dict | None:
        return self.store.get_run(run_id)

    def _target(self, year: int) -> str | None:
        """The run the year should show: its latest succeeded run (cached a few seconds)."""
        now = time.monotonic()
        hit = self._targets.get(year)
        if hit is not None and now - hit[0] < self.SIGNATURE_TTL:
            return hit[1]
        runs = self.store.list_runs(year)
        ok = runs[runs["status"] == "succeeded"] if len(runs) else runs
        target = None if ok.empty else str(ok.iloc[0]["run_id"])
        self._targets[year] = (now, target)
        return target

    def _fresh(self, data: YearData | None, target: str | None) -> bool:
        if data is None or data.run_id != target:
            return False
        return not data.provisional or time.monotonic() - data.built_at < self.PROVISIONAL_TTL

    def year(self, year: int) -> YearData | None:
        """The year's snapshot data, or None when the store holds no classification for it."""
        target = self._target(year)
        current = self._current.get(year)
        if year in self._current and self._fresh(current, target):
            return current
        with self._lock:
            loading = self._loading.setdefault(year, threading.Lock())
        if year in self._current and current is not None:
            if not loading.acquire(blocking=False):
                return current  # another thread is building the new one: serve the old
        else:
            loading.acquire()  # nothing to serve yet: wait for the one loader
        try:
            current = self._current.get(year)
            if year in self._current and self._fresh(current, target):
                return current
            data = self._load(year, target, current)
            self._current[year] = data  # the switch: one assignment
            return data
        finally:
            loading.release()

    def _load(self, year: int, target: str | None,
              current: YearData | None) -> YearData | None:
        from konray_review.store import snapshots

        engine = self.store.engine
        snap = None
        if target is not None:
            snap = snapshots.load(engine, target) or snapshots.publish(engine, target, year)
        provisional = snap is None
        if snap is None:
            if current is not None and not current.provisional:
                return current  # a later run is writing: keep showing the finished one
            snap = snapshots.build(engine, target or "", year, force=True)
        assert snap is not None
        return self._year_data(year, snap, provisional)

    def _year_data(self, year: int, snap, provisional: bool) -> YearData | None:
        cls, hh = snap.classification, snap.households
        if cls.empty:
            return None
        keep = ["household_id", *[c for c in LIST_COLUMNS if c in hh.columns]]
        frame = cls.merge(hh[keep], on="household_id", how="left", validate="one_to_one")
        frame["ethnic_minority"] = is_ethnic_minority(frame["head_ethnicity"])
        frame["search_key"] = fold(frame["household_id"] + " " + frame["head_name"].fillna(""))
        indicators = tuple(c.removeprefix("dep_") for c in frame.columns
                           if c.startswith("dep_") and frame[c].notna().any())
        # the profile's order of units (as in official reports), unknown names after, by name
        communes = tuple(sorted(frame["commune"].dropna().unique().tolist(),
                                key=lambda c: (self.unit_order.get(c, len(self.unit_order)), c)))
        mem = snap.members.reset_index(drop=True)
        members_at = {str(k): v for k, v in mem.groupby("household_id").indices.items()}
        households_at = dict(zip(hh["household_id"].astype(str), range(len(hh)), strict=True))
        by_commune = {str(c): part for c, part in frame.groupby("commune", sort=False)}
        counts = aggregates.counts_by(frame, _result(frame), ["commune"])
        return YearData(year, frame, indicators, communes, hh,
                        {self.unit_slugs.get(c) or slugify(c): c for c in communes},
                        run_id=snap.run_id or None, members=mem, quarantine=snap.quarantine,
                        provisional=provisional, built_at=time.monotonic(),
                        commune_counts=counts, _by_commune=by_commune,
                        _members_at=members_at, _households_at=households_at)

    def members(self, year: int, household_id: str) -> pd.DataFrame:
        data = self.year(year)
        return data.members_of(household_id) if data is not None else pd.DataFrame()

    def household_row(self, year: int, household_id: str) -> pd.DataFrame:
        data = self.year(year)
        return data.household_row(household_id) if data is not None else pd.DataFrame()

    def quarantine(self, year: int, communes: list[str] | None) -> pd.DataFrame:
        data = self.year(year)
        if data is None:
            return self.store.read_quarantine(year, communes=communes)
        q = data.quarantine
        return q if communes is None else q[q["commune"].isin(list(communes))]


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
    return _with_total(counts, target)


def _with_total(counts: pd.DataFrame, target: float | None) -> pd.DataFrame:
    """The counts plus ``aggregates.total_row`` over them, and the target check."""
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
