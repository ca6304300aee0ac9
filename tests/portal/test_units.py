"""Small pieces with their own rules: file resolution, the secret file, charts, folding."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from konray_review.outputs import ManifestEntry, write_manifest
from konray_review.portal.accounts import User
from konray_review.portal.charts import bar_chart
from konray_review.portal.data import fold
from konray_review.portal.downloads import resolve, visible_entries
from konray_review.portal.secret import load_secret

DISTRICT = User(1, "huyen", "district", True, ())
COMMUNE = User(2, "xa", "commune", True, ("Đăk Kôi",))


def test_a_listed_file_that_points_outside_the_run_is_not_served(tmp_path) -> None:
    run = tmp_path / "run"
    (run / "lists").mkdir(parents=True)
    secret = tmp_path / "secret.csv"
    secret.write_text("not for the portal")
    (run / "lists" / "a.csv").write_text("ok")
    (run / "lists" / "b.csv").symlink_to(secret)
    write_manifest([ManifestEntry("list", "all", "Đăk Kôi", None, "csv", "lists/a.csv", 1),
                    ManifestEntry("list", "all", "Đăk Kôi", None, "csv", "lists/b.csv", 1)],
                   run)
    assert resolve(COMMUNE, str(run), "lists/a.csv") is not None
    assert resolve(COMMUNE, str(run), "lists/b.csv") is None  # symlink escapes the run
    assert resolve(COMMUNE, str(run), "lists/../lists/a.csv") is None  # not the listed name
    assert resolve(COMMUNE, None, "lists/a.csv") is None
    assert resolve(COMMUNE, float("nan"), "lists/a.csv") is None  # type: ignore[arg-type]
    assert [e.path for e in visible_entries(DISTRICT, str(run))] == ["lists/a.csv",
                                                                      "lists/b.csv"]


def test_secret_file_is_made_once_private_and_reused(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("KONRAY_PORTAL_SECRET", raising=False)
    monkeypatch.setenv("KONRAY_PORTAL_SECRET_FILE", str(tmp_path / "cfg" / "portal-secret"))
    first = load_secret()
    mode = stat.S_IMODE(os.stat(tmp_path / "cfg" / "portal-secret").st_mode)
    assert mode == 0o600 and len(first) >= 32
    assert load_secret() == first
    monkeypatch.setenv("KONRAY_PORTAL_SECRET", "too-short")
    with pytest.raises(ValueError, match="at least 32"):
        load_secret()


def test_chart_escapes_labels_and_marks_bars_over_target() -> None:
    svg = str(bar_chart(["<b>x</b>", "Tân Lập"], [0.2, 0.05], title="t", target=0.1,
                        target_label="mục tiêu"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count('class="bar bar-over"') == 1 and "mục tiêu" in svg


def test_fold_drops_accents_case_and_spacing() -> None:
    assert fold(pd.Series(["  Nguyễn   Văn Đức", None])).tolist() == ["nguyen van duc", ""]


def test_restricted_kind_is_for_district_users_only(tmp_path) -> None:
    run = tmp_path / "run"
    (run / "lists").mkdir(parents=True)
    (run / "lists" / "full.csv").write_text("ids")
    (run / "lists" / "a.csv").write_text("ok")
    write_manifest([ManifestEntry("list_full_ids", "all", None, None, "csv", "lists/full.csv", 1),
                    ManifestEntry("list", "all", "Đăk Kôi", None, "csv", "lists/a.csv", 1)], run)
    admin = User(3, "admin", "admin", True, ())
    assert resolve(DISTRICT, str(run), "lists/full.csv") is not None
    assert resolve(admin, str(run), "lists/full.csv") is not None
    assert resolve(COMMUNE, str(run), "lists/full.csv") is None
    assert [e.path for e in visible_entries(COMMUNE, str(run))] == ["lists/a.csv"]


def _frame(n: int = 40) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(3)
    eth = pd.Series(rng.choice(["01", "02", "05"], n), dtype="object")
    eth.iloc[:4] = [None, "", "01", "02"]
    return pd.DataFrame({
        "household_id": [f"H{i:03d}" for i in range(n)],
        "commune": rng.choice(["B", "A", "C"], n), "village": rng.choice(["v1", "v2"], n),
        "head_ethnicity": eth,
        "category": pd.Series(rng.choice(["poor", "near_poor", "none", None], n),
                              dtype="object"),
        "transition": pd.Series(rng.choice(["newly_poor", "re_poor", None], n), dtype="object"),
        "dep_water": rng.choice([True, False], n), "dep_housing_area": rng.choice([True, False],
                                                                                  n),
    })


def test_page_tables_are_the_library_aggregates() -> None:
    from konray_review import aggregates
    from konray_review.portal.data import commune_summary, transition_table
    from konray_review.schema import TRANSITIONS, is_ethnic_minority

    f = _frame()
    f["ethnic_minority"] = is_ethnic_minority(f["head_ethnicity"])
    assert not f["ethnic_minority"].iloc[:3].any()  # missing or blank ethnicity: not DTTS
    s = commune_summary(f, 0.2, ["C", "A", "B"])
    assert s["commune"].tolist()[:3] == ["C", "A", "B"] and s["is_total"].tolist()[-1]
    ref = aggregates.counts_by(f, f[["household_id", "category"]], ["commune"]).set_index(
        "commune")
    body = s[~s["is_total"]].set_index("commune")
    for col in ("households", "poor", "near_poor", "unknown", "ethnic_minority_poor"):
        assert (body[col] == ref.loc[body.index, col]).all(), col
    total = s[s["is_total"]].iloc[0]
    assert total["households"] == len(f) and total["poor"] == (f["category"] == "poor").sum()
    assert total["meets_target"] == (total["poor"] / len(f) <= 0.2)
    tr = transition_table(f, TRANSITIONS).set_index("transition")
    assert tr.loc["re_poor", "count"] == (f["transition"] == "re_poor").sum()
    assert tr.loc["re_poor", "ethnic_minority"] == (
        (f["transition"] == "re_poor") & f["ethnic_minority"]).sum()
