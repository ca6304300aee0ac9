"""The manifest lists every file, with honest units and row counts; re-runs are identical."""

from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest

from konray_review.outputs import ManifestEntry, read_manifest, write_manifest, write_outputs
from tests.outputs.conftest import RUN_INFO, write_all


def test_manifest_and_disk_agree(written):
    entries = read_manifest(written)
    listed = {e.path for e in entries}
    on_disk = {p.relative_to(written).as_posix() for p in written.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    assert listed == on_disk
    assert len(listed) == len(entries)
    kinds = {(e.kind, e.format) for e in entries}
    assert {("list", "xlsx"), ("list", "csv"), ("quarantine", "xlsx"), ("report", "html"),
            ("report", "xlsx")} <= kinds


def test_rows_and_units_in_manifest_match_file_contents(review, written):
    commune_of = review.households.set_index("household_id")["commune"]
    for e in read_manifest(written):
        if e.format != "csv":
            continue
        df = pd.read_csv(written / e.path, encoding="utf-8-sig", dtype=str,
                         keep_default_na=False)
        assert len(df) == e.rows, e.path
        if e.kind == "list" and e.commune is not None and len(df):
            # a commune file never holds another commune's households
            assert set(commune_of.loc[df["Mã hộ"]]) == {e.commune}, e.path
        if e.village is not None:
            assert set(df["Thôn, làng"]) == {e.village}


def test_manifest_json_shape(written):
    data = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    keys = {"kind", "list_type", "commune", "village", "format", "path", "rows"}
    assert all(keys <= set(item) for item in data["files"])
    assert [f["path"] for f in data["files"]] == sorted(f["path"] for f in data["files"])


def test_entries_are_validated(tmp_path):
    with pytest.raises(ValueError, match="village needs its commune"):
        ManifestEntry("list", "all", None, "Thôn 1", "csv", "a.csv", 1)
    with pytest.raises(ValueError, match="relative"):
        ManifestEntry("list", "all", None, None, "csv", "../a.csv", 1)
    with pytest.raises(FileNotFoundError):
        write_manifest([ManifestEntry("report", None, None, None, "html", "r.html")], tmp_path)


def test_rerun_is_byte_identical(review, written, tmp_path):
    """Same input and run info as the session run: every file identical, byte for byte."""
    write_all(review, tmp_path, levels=("commune",))
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                   if p.is_file() and p.name != "manifest.json")
    assert len(files) > 70
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, written, files, shallow=False)
    assert not mismatch and not errors


def test_write_outputs_rerun_removes_files_it_no_longer_writes(review, tmp_path):
    args = dict(standard=review.standard, profile=review.profile, year=2023,
                summary=review.summary, run_info=RUN_INFO)
    first = write_outputs(review.households, review.result, tmp_path, levels=("commune",),
                          **args)
    second = write_outputs(review.households, review.result, tmp_path, levels=("district",),
                           **args)
    gone = {e.path for e in first} - {e.path for e in second}
    assert gone and not any((tmp_path / p).exists() for p in gone)
    assert {e.path for e in read_manifest(tmp_path)} == {e.path for e in second}


def test_workbook_times_come_from_the_run(review, written):
    from openpyxl import load_workbook

    e = next(x for x in read_manifest(written) if x.format == "xlsx")
    props = load_workbook(written / e.path).properties
    assert props.created.isoformat().startswith(RUN_INFO["started_at"][:19])
    assert props.modified == props.created


def test_restricted_kind_must_be_district_wide():
    from konray_review.outputs.manifest import ManifestEntry

    ManifestEntry("list_full_ids", "all", None, None, "csv", "lists/2023/a.csv")
    with pytest.raises(ValueError, match="district-wide"):
        ManifestEntry("list_full_ids", "all", "Đăk Kôi", None, "csv", "lists/2023/a.csv")
