"""The review job as plain functions: counts reconcile, labelled bad records end in
quarantine, a re-run changes nothing, a crash mid-write is completed by the next run, and
the PostgreSQL store gives the same result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from konray_review.pipeline import stages
from konray_review.store import Store
from tests.flows.conftest import YEAR, demo_source, published_files, review_once
from tests.store.backends import open_store


def stored_state(store: Store) -> dict[str, pd.DataFrame]:
    return {"households": store.read_households(YEAR).drop(columns=["run_id"]),
            "members": store.read_members(YEAR),
            "classification": store.read_classification(YEAR).drop(columns=["run_id"]),
            "quarantine": store.read_quarantine(YEAR).drop(columns=["run_id"])}


def assert_same_state(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_counts_reconcile(reference) -> None:
    out, store = reference.outcome, reference.store
    pulled, _ = store.load(demo_source().key, review_year=YEAR)
    assert out.received == len(pulled) > 0
    assert out.received == out.accepted + out.quarantined
    assert out.quarantined > 0
    assert len(store.read_households(YEAR)) == out.accepted
    assert store.read_quarantine(YEAR)["instance_id"].nunique() == out.quarantined
    run = store.get_run(out.run_id)
    assert run["status"] == "succeeded"
    assert (run["received"], run["accepted"], run["quarantined"]) == (
        out.received, out.accepted, out.quarantined)
    total = out.summary.set_index("commune").loc["Toàn huyện"]
    assert total["received"] == out.received and total["quarantined"] == out.quarantined


def test_every_labelled_bad_record_is_quarantined_not_classified(reference) -> None:
    store = reference.store
    bad = set(reference.defects["household_id"])
    quarantined = set(store.read_quarantine(YEAR)["household_id"].dropna())
    assert bad <= quarantined, sorted(bad - quarantined)
    assert not bad & set(store.read_classification(YEAR)["household_id"])


def test_good_records_are_accepted(reference) -> None:
    store = reference.store
    bad = set(reference.defects["household_id"])
    q = store.read_quarantine(YEAR)
    wrongly = q[~q["household_id"].isin(bad)]
    assert wrongly.empty, wrongly[["household_id", "rule_id", "column"]].head(10).to_string()


def test_outputs_and_manifest_are_written(reference) -> None:
    from konray_review.outputs.manifest import read_manifest

    entries = read_manifest(reference.outcome.out_dir)
    kinds = {e.kind for e in entries}
    assert {"list", "quarantine", "report"} <= kinds
    for e in entries:
        assert (reference.outcome.out_dir / e.path).is_file()


def test_rerun_on_same_input_changes_nothing(reference, tmp_path: Path) -> None:
    store = reference.store
    before = stored_state(store)
    again = review_once(store, reference.out_root)
    assert again.run_id != reference.outcome.run_id
    assert (again.stats.households_written, again.stats.households_removed,
            again.stats.quarantine_added, again.stats.quarantine_removed) == (0, 0, 0, 0)
    assert_same_state(before, stored_state(store))
    assert set(store.read_households(YEAR)["run_id"]) == {reference.outcome.run_id}
    first, second = reference.outcome.out_dir, again.out_dir
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    ids = (reference.outcome.run_id, again.run_id)
    different = [str(f) for f in files
                 if file_content(first / f, ids[0]) != file_content(second / f, ids[1])]
    assert not different, different


def file_content(path: Path, run_id: str) -> object:
    """Bytes, with the run's id (its timestamp) masked; XLSX as cell values, since the run id
    changes the zip's compressed bytes; PDF as the text of each page."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        return [[[str(c).replace(run_id, "<run>") if c is not None else None for c in row]
                 for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets]
    if path.suffix == ".pdf":  # the run id is drawn as glyphs: compare the text read back
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        return [page.get_textpage().get_text_range().replace(run_id, "<run>") for page in pdf]
    return path.read_bytes().replace(run_id.encode(), b"<run>")


def test_crash_mid_write_then_rerun_completes(reference, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'crash.sqlite'}")
    real = Store._insert

    def crash_on_classification(conn, table, frame):
        if table.name == "classification":
            raise RuntimeError("simulated crash mid-write")
        return real(conn, table, frame)

    monkeypatch.setattr(Store, "_insert", staticmethod(crash_on_classification))
    with pytest.raises(RuntimeError, match="simulated crash"):
        review_once(store, tmp_path / "out")
    failed = store.list_runs(YEAR).iloc[0]
    assert failed["status"] == "failed" and "simulated crash" in failed["message"]
    assert store.read_households(YEAR).empty  # nothing half-written
    assert store.read_quarantine(YEAR).empty

    monkeypatch.setattr(Store, "_insert", staticmethod(real))
    rerun = review_once(store, tmp_path / "out")
    assert rerun.received == rerun.accepted + rerun.quarantined
    assert_same_state(stored_state(reference.store), stored_state(store))
    assert published_files(rerun.out_dir) == published_files(reference.outcome.out_dir)
    store.dispose()


@pytest.mark.postgres
def test_postgres_store_gives_the_same_result(reference, tmp_path: Path) -> None:
    with open_store("postgres", tmp_path) as store:
        out = review_once(store, tmp_path / "out")
        assert (out.received, out.accepted, out.quarantined) == (
            reference.outcome.received, reference.outcome.accepted,
            reference.outcome.quarantined)
        assert_same_state(stored_state(reference.store), stored_state(store))
        assert published_files(out.out_dir) == published_files(reference.outcome.out_dir)


class _Recording:
    name, key = "fake", "fake:1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.posted: dict[str, list[str]] = {}

    def set_review_state(self, instance_id: str, state: str, comment_vi: str | None = None
                         ) -> None:
        self.calls.append((instance_id, state))

    def add_comment(self, instance_id: str, body: str) -> None:
        self.posted.setdefault(instance_id, []).append(body)

    def comments(self, instance_id: str) -> list[str]:
        return self.posted.get(instance_id, [])


def test_write_back_flags_each_quarantined_submission_once(reference) -> None:
    q = reference.store.read_quarantine(YEAR)
    src = _Recording()
    result = stages.write_back(src, q)
    assert result["flagged"] == q["instance_id"].nunique() == len(src.calls)
    assert {c[0] for c in src.calls} == set(q["instance_id"]) == set(src.posted)
    assert all(state == "has_issues" for _, state in src.calls)
    assert all(len(bodies) == 1 for bodies in src.posted.values())
    first = q.iloc[0]
    comment = src.posted[first["instance_id"]][0]
    assert first["rule_id"] in comment and str(first["message_vi"]) in comment
    # a re-run that has lost its record: the server's flags and comments say it is done
    already = pd.DataFrame({"instance_id": q["instance_id"].unique(), "review_state": "hasIssues"})
    again = stages.write_back(src, q, already)
    assert again["flagged"] == again["commented"] == 0
    assert again["repaired"] == q["instance_id"].nunique()
    assert len(src.calls) == q["instance_id"].nunique()
    assert all(len(bodies) == 1 for bodies in src.posted.values())


def test_demo_source_write_back_is_skipped_with_a_reason(reference) -> None:
    wb = reference.outcome.write_back
    assert wb["flagged"] == 0 and "demo" in wb["reason"]



def test_a_finished_run_leaves_its_portal_snapshot(tmp_path: Path) -> None:
    """The run freezes its own rows for the portal (issue 15): no page view builds them."""
    from konray_review.store import snapshots

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        outcome = review_once(store, tmp_path / "out")
        assert snapshots.published_runs(store.engine, YEAR) == [outcome.run_id]
        snap = snapshots.load(store.engine, outcome.run_id)
        assert snap is not None and snap.review_year == YEAR
        stored = store.read_classification(YEAR)
        assert len(stored) == outcome.accepted > 0
        assert sorted(snap.classification["household_id"]) == sorted(stored["household_id"])
        assert len(snap.members) == len(store.read_members(YEAR))
    finally:
        store.dispose()


def test_publishing_holds_no_pulled_or_checked_table(tmp_path: Path, monkeypatch) -> None:
    """By the publish stage the members pulled and checked, the accepted households and the
    classification are gone from memory (they are in the store, which publishing reads):
    holding them added about 300 MiB to publishing's peak at 100,000 households."""
    import gc
    import weakref

    from konray_review.pipeline import review

    refs: list[weakref.ref] = []
    alive: list[str] = []
    real_classify, real_publish = stages.classify, review.publish

    def classify(checked, **kwargs):
        result = real_classify(checked, **kwargs)
        refs.extend(weakref.ref(f) for f in (checked.households, checked.members, result))
        return result

    def publish(*args, **kwargs):
        gc.collect()
        alive.extend(name for name, ref in zip(("households", "members", "classification"),
                                               refs, strict=True) if ref() is not None)
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(stages, "classify", classify)
    monkeypatch.setattr(review, "publish", publish)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        outcome = review_once(store, tmp_path / "out")
    finally:
        store.dispose()
    assert len(refs) == 3 and alive == []
    assert outcome.accepted > 0
    assert outcome.received == outcome.accepted + outcome.quarantined
