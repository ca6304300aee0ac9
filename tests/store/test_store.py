"""The store keeps every review year, round-trips the canonical tables, and writes
transactionally: a failed write leaves the previous state, a re-run completes it, and the
same input twice changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES
from konray_review.sources.state import StateStore
from konray_review.store import Store
from konray_review.store.schema import indicator_ids


def commit(store: Store, review, run_id: str, year: int = 2023, **over):
    args = {"households": review.households, "members": review.members,
            "classification": review.result, "quarantine": review.quarantine,
            "source_key": "demo:test", **over}
    return store.commit_review(run_id, year, **args)


def snapshot(store: Store, year: int = 2023) -> dict[str, pd.DataFrame]:
    return {"households": store.read_households(year), "members": store.read_members(year),
            "classification": store.read_classification(year),
            "quarantine": store.read_quarantine(year)}


def assert_same_state(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame],
                      ignore: tuple[str, ...] = ()) -> None:
    for name in a:
        left = a[name].drop(columns=list(ignore), errors="ignore")
        right = b[name].drop(columns=list(ignore), errors="ignore")
        pd.testing.assert_frame_equal(left, right, obj=name)


def test_round_trip_keeps_values_and_canonical_dtypes(store: Store, review) -> None:
    commit(store, review, "r1")
    hh = store.read_households(2023)
    src = review.households.sort_values("household_id").reset_index(drop=True)
    assert hh["household_id"].tolist() == src["household_id"].tolist()
    for col in HOUSEHOLD_NAMES:
        got = hh[col].astype(object).where(hh[col].notna(), None).tolist()
        want = src[col].astype(object).where(src[col].notna(), None).tolist()
        if col == "submitted_at":
            want = [pd.Timestamp(v) for v in want]
        assert got == want, col
    assert str(hh["submitted_at"].dtype).endswith("UTC]")
    assert hh["owns_tv"].dtype == bool
    mem = store.read_members(2023)
    assert len(mem) == len(review.members)
    assert list(mem.columns[:1]) == ["review_year"] and set(MEMBER_NAMES) <= set(mem.columns)


def test_reread_tables_classify_identically(store: Store, review) -> None:
    """What the store gives back is valid classifier input with the same answer."""
    from konray_review import classify

    commit(store, review, "r1")
    again = classify(store.read_households(2023), store.read_members(2023), year=2023)
    stored = store.read_classification(2023)
    assert again["household_id"].tolist() == stored["household_id"].tolist()
    assert (again["category"].astype(object).fillna("?").tolist()
            == stored["category"].astype(object).fillna("?").tolist())


def test_classification_has_every_indicator_and_unit_columns(store: Store, review) -> None:
    commit(store, review, "r1")
    cls = store.read_classification(2023)
    for ind in indicator_ids():
        assert f"dep_{ind}" in cls.columns
    assert cls["dep_waste"].isna().all()  # a 2023 review has no waste indicator
    assert {"commune", "village", "area", "head_ethnicity"} <= set(cls.columns)
    one = store.read_classification(2023, communes=[cls["commune"].iloc[0]])
    assert 0 < len(one) < len(cls) and one["commune"].nunique() == 1


def test_narrow_reads_are_the_full_read_filtered(store: Store, review) -> None:
    """Villages, columns and household ids narrow the reads in SQL (the decision steps'
    reads); the answer is the full read filtered in pandas, row for row, on every backend."""
    commit(store, review, "r1")
    cls = store.read_classification(2023)
    commune, village = cls[["commune", "village"]].iloc[0]
    narrow = store.read_classification(2023, communes=[commune], villages=[village],
                                       columns=["household_id", "category", "run_id"])
    want = cls[(cls["commune"] == commune) & (cls["village"] == village)]
    pd.testing.assert_frame_equal(
        narrow, want[["household_id", "category", "run_id", "commune", "village", "area",
                      "head_ethnicity"]].reset_index(drop=True))
    assert store.read_classification(2023, villages=[]).empty
    hh = store.read_households(2023)
    ids = sorted(hh["household_id"].sample(7, random_state=3))
    some = store.read_households(2023, household_ids=[*ids, ids[0], "no-such-household"],
                                 columns=["head_name", "household_size"])
    pd.testing.assert_frame_equal(
        some, hh.loc[hh["household_id"].isin(ids),
                     ["household_id", "head_name", "household_size"]].reset_index(drop=True))
    with pytest.raises(ValueError, match="row_hash"):
        store.read_households(2023, columns=["row_hash"])


def test_same_input_twice_changes_nothing(store: Store, review) -> None:
    first = commit(store, review, "r1")
    before = snapshot(store)
    second = commit(store, review, "r2")
    assert first.households_written == len(review.households)
    assert (second.households_written, second.quarantine_added,
            second.quarantine_removed) == (0, 0, 0)
    assert_same_state(before, snapshot(store))
    assert set(store.read_households(2023)["run_id"]) == {"r1"}


def test_changed_household_is_replaced_whole(store: Store, review) -> None:
    commit(store, review, "r1")
    hh = review.households.copy()
    target = hh["household_id"].iloc[3]
    hh.loc[3, "living_area_m2"] = 99.5
    stats = commit(store, review, "r2", households=hh)
    assert stats.households_written == 1
    stored = store.read_households(2023).set_index("household_id")
    assert stored.loc[target, "living_area_m2"] == 99.5
    assert stored.loc[target, "run_id"] == "r2"
    assert (stored.drop(index=target)["run_id"] == "r1").all()


def test_failed_write_keeps_previous_state_and_rerun_completes(
        store: Store, review, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(store, review, "r1")
    before = snapshot(store)
    changed = review.households.assign(owns_tv=~review.households["owns_tv"].astype(bool))
    calls = {"n": 0}
    real = Store._insert

    def crash_on_second_insert(conn, table, frame):
        calls["n"] += 1
        if calls["n"] == 2:  # households written, crash before members land
            raise RuntimeError("simulated crash mid-write")
        return real(conn, table, frame)

    monkeypatch.setattr(Store, "_insert", staticmethod(crash_on_second_insert))
    with pytest.raises(RuntimeError, match="simulated crash"):
        commit(store, review, "r2", households=changed)
    assert_same_state(before, snapshot(store))

    monkeypatch.setattr(Store, "_insert", staticmethod(real))
    stats = commit(store, review, "r3", households=changed)
    assert stats.households_written == len(changed)
    after = store.read_households(2023)
    assert (after["owns_tv"].to_numpy()
            == changed.sort_values("household_id")["owns_tv"].to_numpy()).all()
    assert len(store.read_members(2023)) == len(review.members)


def test_full_batch_removes_what_the_source_no_longer_has(store: Store, review) -> None:
    commit(store, review, "r1", full=True)
    keep = review.households.iloc[10:]
    stats = commit(store, review, "r2", households=keep, full=True,
                   classification=review.result.iloc[10:])
    assert stats.households_removed == 10
    assert len(store.read_households(2023)) == len(keep)
    assert len(store.read_classification(2023)) == len(keep)
    assert set(store.read_members(2023)["household_id"]) == set(keep["household_id"])


def test_household_that_now_passes_leaves_quarantine(store: Store, review) -> None:
    commit(store, review, "r1")
    fixed = review.quarantine["household_id"].iloc[0]
    rest = review.quarantine[review.quarantine["household_id"] != fixed]
    hh = review.households.copy()
    hh.loc[0, "household_id"] = fixed  # the same household, now valid
    hh.loc[0, "instance_id"] = review.quarantine["instance_id"].iloc[0]
    mem = review.members.copy()
    mem.loc[mem["household_id"] == review.households["household_id"].iloc[0],
            "household_id"] = fixed
    res = review.result.copy()
    res.loc[0, "household_id"] = fixed
    stats = commit(store, review, "r2", households=hh, members=mem, classification=res,
                   quarantine=rest)
    assert stats.quarantine_removed >= 1
    assert fixed not in set(store.read_quarantine(2023)["household_id"])


def test_years_are_kept_apart_and_history_feeds_transitions(store: Store, review) -> None:
    commit(store, review, "r2023", 2023)
    commit(store, review, "r2024", 2024,
           households=review.households.assign(review_year=2024),
           classification=review.result.assign(review_year=2024))
    assert store.review_years() == [2023, 2024]
    assert len(store.read_households(2023)) == len(store.read_households(2024))
    hist = store.history(2024)
    assert set(hist["review_year"]) == {2023}
    assert list(hist.columns) == ["household_id", "review_year", "category"]


def test_run_log(store: Store) -> None:
    store.start_run("run-a", 2023, "demo", "kon-ray", "output/2023/run-a")
    assert store.get_run("run-a")["status"] == "running"
    store.finish_run("run-a", "succeeded", received=5, accepted=4, quarantined=1)
    run = store.get_run("run-a")
    assert (run["status"], run["received"], run["accepted"], run["quarantined"]) == (
        "succeeded", 5, 4, 1)
    assert run["finished_at"] >= run["started_at"]
    assert store.list_runs(2023)["run_id"].tolist() == ["run-a"]
    assert store.list_runs(2024).empty
    with pytest.raises(ValueError, match="no column"):
        store.finish_run("run-a", "failed", bogus=1)


# --- the sources' StateStore contract ---------------------------------------------------------
def _pulled(n: int = 30):
    from konray_review.sources.demo import DemoSource

    return DemoSource(n, year=2023, seed=3).pull()


def test_store_is_a_state_store_and_round_trips_pulled_tables(store: Store) -> None:
    assert isinstance(store, StateStore)
    batch = _pulled()
    store.commit_batch("k", batch.households, batch.members, batch.watermark,
                       problems=batch.problems)
    hh, mem = store.load("k")
    src = batch.households.sort_values("instance_id").reset_index(drop=True)
    got = hh.sort_values("instance_id").reset_index(drop=True)
    for col in src.columns:
        assert got[col].dtype == src[col].dtype, col
        left = got[col].astype(object).where(got[col].notna(), None).tolist()
        right = src[col].astype(object).where(src[col].notna(), None).tolist()
        assert left == right, col
    assert len(mem) == len(batch.members)
    assert (hh["source_key"] == "k").all()
    assert store.load("other")[0].empty


def test_text_that_splits_lines_and_infinite_numbers_stay_in_their_own_record(
        store: Store) -> None:
    """Names pasted with a line separator (U+2028), a control character, quotes and a
    newline keep their submission's record whole; an infinite number is stored as blank
    (JSON has no infinity), the rest of its row as it was."""
    batch = _pulled(6)
    hh, mem = batch.households.copy(), batch.members.copy()
    odd = ["Nguyễn\u2028Văn A", "Lê\x1cThị B", 'Hồ "Bé"\nC', "Trần\u0085D"]
    hh.loc[hh.index[:4], "head_name"] = odd
    mem.loc[mem.index[:4], "name"] = odd
    hh.loc[hh.index[4], "income_per_capita"] = float("inf")
    store.commit_batch("k", hh, mem, batch.watermark)
    got_hh, got_mem = store.load("k")
    by_id = got_hh.set_index("instance_id")
    assert len(got_hh) == len(hh) and len(got_mem) == len(mem)
    for i in range(4):
        assert by_id.loc[hh["instance_id"].iloc[i], "head_name"] == odd[i]
    names = set(got_mem["name"])
    assert set(odd) <= names
    inf_row = by_id.loc[hh["instance_id"].iloc[4]]
    assert pd.isna(inf_row["income_per_capita"])
    assert inf_row["head_name"] == hh["head_name"].iloc[4]


def test_records_written_by_pandas_to_json_are_read_as_before() -> None:
    """Stores written before the DuckDB serialiser hold pandas' JSON (ISO ``T`` times,
    dates as midnight times): they load to the same canonical values."""
    from konray_review.store import submissions as sub

    batch = _pulled(8)
    for table, frame in (("households", batch.households), ("members", batch.members)):
        old = frame.to_json(orient="records", lines=True, date_format="iso", date_unit="us",
                            force_ascii=False).split("\n")
        old = [line for line in old if line]
        pd.testing.assert_frame_equal(sub.from_json_lines(old, table),
                                      sub.from_json_lines(sub.json_lines(frame), table))


def test_watermark_moves_only_with_a_committed_batch_and_never_back(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = _pulled()
    mark = datetime(2023, 10, 1, 8, 0, tzinfo=UTC)
    store.commit_batch("k", batch.households, batch.members, mark)
    assert store.get_watermark("k") == mark

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "_insert", staticmethod(boom))
    with pytest.raises(RuntimeError):
        store.commit_batch("k", batch.households, batch.members, mark + timedelta(days=1))
    monkeypatch.undo()
    assert store.get_watermark("k") == mark
    store.commit_batch("k", batch.households.iloc[:0], batch.members.iloc[:0],
                       mark - timedelta(days=5))
    assert store.get_watermark("k") == mark  # an older batch never rewinds it
    assert len(store.load("k")[0]) == len(batch.households)


# --- SQLite: readers keep reading while a flow writes -----------------------------------------
def test_sqlite_reader_is_not_blocked_by_an_open_write(tmp_path, review) -> None:
    url = f"sqlite:///{tmp_path / 'wal.sqlite'}"
    writer, reader = Store(url), Store(url)
    commit(writer, review, "r1")
    n_before = len(reader.read_households(2023))
    with writer.engine.connect().execution_options(konray_write=True) as conn, conn.begin():
        conn.execute(sa.text("DELETE FROM households"))  # uncommitted
        result: dict[str, int] = {}
        t = threading.Thread(target=lambda: result.update(n=len(reader.read_households(2023))))
        t.start()
        t.join(timeout=10)
        assert not t.is_alive(), "reader blocked by the writer"
        assert result["n"] == n_before  # sees the last committed state
    assert reader.read_households(2023).empty
    assert reader.engine.dialect.name == "sqlite"
    with reader.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    writer.dispose()
    reader.dispose()
