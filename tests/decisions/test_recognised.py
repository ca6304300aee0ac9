"""Reports count the recognised list: the per-household fallback, transitions against it,
the district report's progress and preliminary tables, and next year's household list."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from konray_review.decisions import DecisionError
from konray_review.decisions.recognised import (
    next_year_list,
    overlay,
    recognised_categories,
    recognised_history,
    report_tables,
)
from konray_review.forms.household_list import list_rows
from tests.decisions.conftest import YEAR, busiest_village, decide_village

# the data model's rule, written out: previous -> current -> transition
EXPECTED_TRANSITION = {("poor", "none"): "escaped_poverty", ("poor", "poor"): "stayed_poor",
                       ("near_poor", "none"): "escaped_near_poverty",
                       ("near_poor", "near_poor"): "stayed_near_poor",
                       ("poor", "near_poor"): "poor_to_near_poor",
                       ("near_poor", "poor"): "near_poor_to_poor"}


def _smallest_commune(d) -> tuple[str, list[str]]:
    cls = d.store.read_classification(YEAR)
    sizes = cls.groupby("commune").size().sort_values()
    commune = str(sizes.index[0])
    return commune, sorted(cls.loc[cls["commune"] == commune, "village"].unique())


def _refuse_one(d, commune: str, village: str) -> str:
    """A household of the village that was poor last year and is poor or near-poor now."""
    hh = d.store.read_households(YEAR, communes=[commune])
    cls = d.store.read_classification(YEAR, communes=[commune])
    m = cls.merge(hh[["household_id", "previous_category"]], on="household_id")
    pick = m[(m["village"] == village) & m["previous_category"].isin(["poor", "near_poor"])
             & m["category"].isin(["poor", "near_poor"])]
    assert len(pick), "the fixture needs a poor household in the busiest village"
    return str(pick["household_id"].iloc[0])


def test_before_any_decision_everything_is_preliminary(ds) -> None:
    rec = recognised_categories(ds.store, YEAR)
    cls = ds.store.read_classification(YEAR)
    assert (rec["category_basis"] == "preliminary").all()
    assert not rec["commune_finished"].any()
    m = rec.merge(cls[["household_id", "category"]], on="household_id", suffixes=("", "_c"))
    assert (m["category"].fillna("?") == m["category_c"].astype(object).fillna("?")).all()


def test_decided_households_count_their_decision_others_their_survey(ds) -> None:
    d = ds
    commune, village, _ = busiest_village(d)
    refused = _refuse_one(d, commune, village)
    decide_village(d, commune, village, refusals={refused: "Không đủ điều kiện"})
    rec = recognised_categories(d.store, YEAR).set_index("household_id")
    in_village = rec[(rec["commune"] == commune) & (rec["village"] == village)]
    assert rec.loc[refused, ["category", "category_basis"]].tolist() == ["none", "refused"]
    agreed = in_village.drop(index=refused)
    agreed = agreed[agreed["preliminary_category"].notna()]
    assert (agreed["category_basis"] == "recognised").all()
    assert (agreed["category"] == agreed["preliminary_category"]).all()
    rest = rec[rec["village"] != village]
    assert (rest.loc[rest["commune"] != commune, "category_basis"] == "preliminary").all()
    assert not rec.loc[rec["commune"] == commune, "commune_finished"].any()


def test_transitions_are_counted_against_the_recognised_list(ds) -> None:
    d = ds
    commune, village, _ = busiest_village(d)
    refused = _refuse_one(d, commune, village)
    decide_village(d, commune, village, refusals={refused: "Không đủ điều kiện"})
    households = d.store.read_households(YEAR)
    result = d.store.read_classification(YEAR)
    out = overlay(d.store, YEAR, households, result).set_index("household_id")
    prev = households.set_index("household_id")["previous_category"]
    assert out.loc[refused, "category"] == "none"
    assert out.loc[refused, "preliminary_category"] in ("poor", "near_poor")
    assert out.loc[refused, "transition"] == EXPECTED_TRANSITION[(prev[refused], "none")]
    kept = out[(out["category_basis"] == "recognised") & prev.reindex(out.index).notna()]
    for hid, row in kept.iterrows():
        key = (prev[hid], row["category"])
        if key in EXPECTED_TRANSITION:
            assert row["transition"] == EXPECTED_TRANSITION[key], hid
    # next year's transitions read this year's recognised category
    hist = recognised_history(d.store, YEAR + 1).set_index("household_id")
    assert hist.loc[refused, "category"] == "none"
    assert d.store.history(YEAR + 1).set_index("household_id").loc[refused, "category"] \
        in ("poor", "near_poor")


def test_report_tables_say_which_communes_finished(ds) -> None:
    d = ds
    commune, villages = _smallest_commune(d)
    for v in villages:
        decide_village(d, commune, v)
    households = d.store.read_households(YEAR)
    result = overlay(d.store, YEAR, households, d.store.read_classification(YEAR))
    tables = report_tables(d.store, YEAR, households, result)
    prog = tables["decision_progress"].set_index("commune")
    assert bool(prog.loc[commune, "finished"]) is True
    assert prog.loc[commune, "pending"] == 0
    assert prog.loc[commune, "decided"] == (households["commune"] == commune).sum()
    others = prog.drop(index=commune)
    assert not others["finished"].any() and (others["decided"] == 0).all()
    prelim = tables["preliminary_by_commune"]
    assert commune not in set(prelim["commune"]) and set(prelim["commune"]) == set(others.index)
    rec = recognised_categories(d.store, YEAR)
    assert rec.loc[rec["commune"] == commune, "commune_finished"].all()
    mine = rec[rec["commune"] == commune]
    assert prog.loc[commune, "recognised_poor"] == (mine["category"] == "poor").sum()


def test_the_district_report_prints_progress_and_preliminary_figures(ds, tmp_path) -> None:
    from konray_review.pipeline.report import run_report

    d = ds
    commune, villages = _smallest_commune(d)
    for v in villages:
        decide_village(d, commune, v)
    out = run_report(d.store, year=YEAR, as_of=date(2023, 12, 31), out_root=tmp_path)
    html = next(out.out_dir.rglob("*_report.html")).read_text(encoding="utf-8")
    assert "Tiến độ công nhận theo xã" in html
    assert "Kết quả sơ bộ (chưa công nhận) của các xã chưa hoàn thành" in html
    wb = load_workbook(next(out.out_dir.rglob("*_report.xlsx")))
    ws = wb["Tiến độ công nhận"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r and r[0] == "Xã, thị trấn")
    body = {r[0]: dict(zip(header, r, strict=False)) for r in rows[rows.index(header) + 1:]
            if r[0]}
    assert body[commune]["Đã hoàn thành"] == "Có"
    assert all(v["Đã hoàn thành"] == "Không" for k, v in body.items() if k != commune)


def test_next_years_list_starts_from_the_recognised_list(ds) -> None:
    d = ds
    with pytest.raises(DecisionError, match="chưa có quyết định công nhận"):
        next_year_list(d.store, YEAR)
    cls = d.store.read_classification(YEAR)
    for (commune, village), _ in cls.groupby(["commune", "village"]):
        cur = d.states("2023-annual", communes=[commune], villages=[village]) \
            if d.records.review("2023-annual") else None
        if cur is not None and (cur["state"] != "preliminary").any():
            continue
        decide_village(d, commune, village, certify=False)
    rec = recognised_categories(d.store, YEAR)
    unknown = rec[rec["category_basis"] == "preliminary"]  # no category: never discussed
    assert unknown["preliminary_category"].isna().all()
    out = next_year_list(d.store, YEAR)  # unclassified households do not hold it back
    want = rec[rec["category"].isin(["poor", "near_poor"])]
    assert set(out["household_id"]) == set(want["household_id"])
    m = out.merge(want[["household_id", "category"]], on="household_id")
    assert (m["previous_category"] == m["category"]).all()
    rows = list_rows(out)  # what forms build --households and the Entity list read
    assert set(rows["previous_category"]) <= {"poor", "near_poor"}
    assert list(rows.columns[:2]) == ["label", "household_id"]
    assert isinstance(out, pd.DataFrame) and "head_name" in out.columns


def test_without_decisions_the_reports_figures_do_not_change(ds) -> None:
    """A district not using the decision steps gets exactly the survey's categories and
    transitions (the overlay adds columns, changes no value)."""
    households = ds.store.read_households(YEAR)
    result = ds.store.read_classification(YEAR)
    out = overlay(ds.store, YEAR, households, result)
    for col in ("category", "transition"):
        pd.testing.assert_series_equal(out[col].astype(object), result[col].astype(object),
                                       check_names=False)
    assert (out["category_basis"] == "preliminary").all()


def _listed_category(out_dir, household_id: str) -> str:
    """The category label of a household on the run's district list (its CSV), as read."""
    from konray_review.outputs import read_manifest

    entry = next(e for e in read_manifest(out_dir) if e.kind == "list" and e.format == "csv"
                 and e.list_type == "all" and e.commune is None)
    rows = pd.read_csv(out_dir / entry.path, dtype=str, encoding="utf-8-sig")
    return str(rows.loc[rows.eq(household_id).any(axis=1), "Kết quả phân loại"].item())


def test_steps_recorded_once_publishing_has_read_the_record_leave_its_lists(ds, tmp_path):
    """``publish(decisions_read=...)`` (the demo records its season from that call on, while
    the lists are written): a refusal decided in the call is in the store afterwards, but
    that run's list shows the household as the record stood when publishing read it (its
    survey category); the next publish shows the refusal ("Không thuộc diện"), so the
    first one did not just miss it."""
    from konray_review.pipeline.publish import publish

    d = ds
    commune, village, _ = busiest_village(d)
    refused = _refuse_one(d, commune, village)
    seen = []

    def season_meanwhile(out_dir) -> None:
        seen.append(out_dir)
        decide_village(d, commune, village, refusals={refused: "Không đủ điều kiện"})

    received = d.store.read_households(YEAR)
    for name, hook in (("during", season_meanwhile), ("after", None)):
        publish(d.store, year=YEAR, out_dir=tmp_path / name, profile=d.profile,
                run_info={"run_id": f"test-{name}", "year": YEAR}, received=received,
                decisions_read=hook)
    assert seen == [tmp_path / "during"]
    assert recognised_categories(d.store, YEAR).set_index("household_id").loc[
        refused, "category_basis"] == "refused"
    assert _listed_category(tmp_path / "during", refused) in {"Hộ nghèo", "Hộ cận nghèo"}
    assert _listed_category(tmp_path / "after", refused) == "Không thuộc diện"
