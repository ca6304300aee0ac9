"""Hand-downloaded files: engine-produced submission XML (real ODK shape), a Central
``submissions.csv.zip``, a KoBo XLSX export; edits followed through ``deprecatedID``."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from konray_review.sources.files import FilesSource
from konray_review.sources.kobo import KoboSource
from tests.sources.conftest import load_fixture

SUBMISSIONS = Path(__file__).parents[1] / "fixtures" / "submissions"
EXPECTED = json.loads((SUBMISSIONS / "expected.json").read_text(encoding="utf-8"))


def _expected_for(folder: str) -> dict[str, dict]:
    return {k: v for k, v in EXPECTED.items() if k.startswith(f"{folder}/") and "household" in v}


def _compare(row: pd.Series, expected: dict) -> list[str]:
    bad = []
    for col, want in expected.items():
        got = row[col]
        got = None if (not isinstance(got, list | dict) and pd.isna(got)) else got
        if hasattr(got, "isoformat"):
            got = got.isoformat()
        if got != want and not (isinstance(want, float) and got is not None
                                and abs(float(got) - want) < 1e-9):
            bad.append(f"{col}: {got!r} != {want!r}")
    return bad


@pytest.mark.parametrize("folder", ["phieu_b_2023", "phieu_b_2027"])
def test_engine_submission_xml_gives_the_expected_canonical_rows(folder, profile):
    cases = _expected_for(folder)
    assert cases, "forms fixtures missing"
    batch = FilesSource(SUBMISSIONS / folder, profile=profile).pull()
    assert batch.problems.empty
    hh = batch.households
    assert len(hh) == len(cases)
    for name, case in cases.items():
        row = hh[hh["household_id"] == case["household"]["household_id"]].iloc[0]
        assert not _compare(row, case["household"]), (name, _compare(row, case["household"]))
        assert row["form_id"] == case["form_id"] and row["form_version"] == case["version"]
        mem = batch.members[batch.members["household_id"] == case["household"]["household_id"]]
        mem = mem.sort_values("member_no").reset_index(drop=True)
        assert len(mem) == len(case["members"]), name
        for i, want in enumerate(case["members"]):
            assert not _compare(mem.iloc[i], want), (name, _compare(mem.iloc[i], want))


def test_phieu_a_xml_has_screening_signs_and_no_roster(profile):
    batch = FilesSource(SUBMISSIONS / "phieu_a_2023", profile=profile).pull()
    got = sorted(batch.households["screening_signs"].tolist())
    want = sorted(v["screening_signs"] for k, v in EXPECTED.items() if k.startswith("phieu_a"))
    assert got == want and batch.members.empty
    assert set(batch.households["review_reason"]) == {"request"}


def test_edited_xml_replaces_its_earlier_version(tmp_path, profile):
    src = SUBMISSIONS / "phieu_b_2023" / "2023-birth-2008-09-01.xml"
    shutil.copy(src, tmp_path / "a.xml")
    text = src.read_text(encoding="utf-8")
    old = text.split("<instanceID>")[1].split("</instanceID>")[0]
    new = "uuid:0e0e0e0e-1111-4222-8333-444444444444"
    edited = text.replace(f"<instanceID>{old}</instanceID>",
                          f"<deprecatedID>{old}</deprecatedID><instanceID>{new}</instanceID>")
    edited = edited.replace("<living_area_m2>60.0</living_area_m2>",
                            "<living_area_m2>72.5</living_area_m2>")
    (tmp_path / "b.xml").write_text(edited, encoding="utf-8")
    batch = FilesSource(tmp_path, profile=profile).pull()
    assert len(batch.households) == 1
    row = batch.households.iloc[0]
    assert row["instance_id"] == old and row["current_instance_id"] == new
    assert row["edits"] == 1 and row["living_area_m2"] == 72.5
    assert len(batch.members) == 2


def test_broken_xml_is_refused_by_name_and_its_neighbours_are_read(tmp_path, profile):
    shutil.copy(SUBMISSIONS / "phieu_b_2023" / "2023-random-0.xml", tmp_path / "good.xml")
    (tmp_path / "bad.xml").write_text("<data id='phieu_b_2023'><meta>", encoding="utf-8")
    batch = FilesSource(tmp_path, profile=profile).pull()
    assert len(batch.households) == 1
    refused = batch.findings[batch.findings["scope"] == "refused"]
    assert refused["file"].tolist() == ["bad.xml"] and refused["rule_id"].tolist() == ["SRC-013"]
    assert refused["message_vi"].iloc[0].startswith("Tệp bị từ chối: tệp XML hỏng")


_CSV_TAIL = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
             "Status", "ReviewState", "DeviceID", "Edits", "FormVersion")


def _walk(el, prefix: str, row: dict, cols: list, roster: list, key: str | None,
          roster_cols: list) -> None:
    """Submission XML -> Central CSV columns (group paths joined by '-', geopoint split)."""
    for child in el:
        if child.tag == "members":
            n = sum(r["PARENT_KEY"] == key for r in roster) + 1
            line = {"PARENT_KEY": key, "KEY": f"{key}/members[{n}]"}
            _walk(child, "", line, roster_cols, [], None, roster_cols)
            roster.append(line)
        elif len(child):
            _walk(child, f"{prefix}{child.tag}-", row, cols, roster, key, roster_cols)
        elif child.tag == "location":
            cols += [f"{prefix}location-{p}" for p in ("Latitude", "Longitude", "Altitude",
                                                       "Accuracy")
                     if f"{prefix}location-{p}" not in cols]
        else:
            if f"{prefix}{child.tag}" not in cols:
                cols.append(f"{prefix}{child.tag}")
            row[f"{prefix}{child.tag}"] = child.text or ""


def central_export(xml_files: list[Path], path: Path) -> Path:
    """A ``submissions.csv.zip`` shaped like Central's, made from engine-produced XML."""
    import csv
    import io
    from xml.etree import ElementTree as ET

    rows, roster, cols, roster_cols = [], [], ["SubmissionDate"], []
    for i, f in enumerate(xml_files):
        root = ET.parse(f).getroot()
        key = root.find("meta/instanceID").text
        row = {"SubmissionDate": f"2023-10-0{i + 2}T03:10:11.123Z"}
        _walk(root, "", row, cols, roster, key, roster_cols)
        rows.append(row | {"KEY": key, "SubmitterID": "23", "SubmitterName": "dtv_dak_koi_1",
                           "AttachmentsPresent": "0", "AttachmentsExpected": "0",
                           "Edits": str(i % 2), "ReviewState": "edited" if i % 2 else "",
                           "DeviceID": "collect:AbC123", "FormVersion": root.get("version")})
    rows[0].update({"location-Latitude": "14.5123", "location-Longitude": "107.9471",
                    "location-Altitude": "612", "location-Accuracy": "4.8"})
    form = xml_files[0].parent.name
    with zipfile.ZipFile(path, "w") as zf:
        for name, columns, data in ((f"{form}.csv", [*cols, *_CSV_TAIL], rows),
                                    (f"{form}-members.csv", [*roster_cols, "PARENT_KEY", "KEY"],
                                     roster)):
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=columns)
            writer.writeheader()
            writer.writerows({c: r.get(c, "") for c in columns} for r in data)
            zf.writestr(name, buf.getvalue())
    return path


def test_central_csv_zip_matches_the_same_submissions_as_xml(tmp_path, profile):
    cases = {v["household"]["household_id"]: v for v in _expected_for("phieu_b_2023").values()}
    files = sorted((SUBMISSIONS / "phieu_b_2023").glob("*.xml"))[:3]
    export = central_export(files, tmp_path / "phieu_b_2023.csv.zip")
    batch = FilesSource(export, profile=profile).pull()
    hh = batch.households
    assert len(hh) == 3 and batch.problems.empty
    for _, row in hh.iterrows():
        hid = row["household_id"]
        assert not _compare(row, cases[hid]["household"]), _compare(row, cases[hid]["household"])
        mem = batch.members[batch.members["household_id"] == hid].sort_values("member_no")
        assert len(mem) == len(cases[hid]["members"])
        for i, want in enumerate(cases[hid]["members"]):
            assert not _compare(mem.iloc[i], want), _compare(mem.iloc[i], want)
    first = hh.iloc[0]
    assert first["submitted_at"] == pd.Timestamp("2023-10-02T03:10:11.123Z")
    assert first["gps_latitude"] == 14.5123 and first["gps_accuracy"] == 4.8
    assert first["enumerator"] == "dtv_dak_koi_1" and first["form_id"] == "phieu_b_2023"
    assert hh["edits"].tolist() == [0, 1, 0]


def _kobo_xlsx(path: Path) -> Path:
    """A KoBo XLSX export ("XML values and headers") of the recorded /data/ rows."""
    rows = load_fixture("kobo_data_page1.json")["results"] + load_fixture(
        "kobo_data_page2.json")["results"]
    book = Workbook()
    main, roster = book.active, book.create_sheet("members")
    main.title = "Phiếu B – Rà soát hộ (2026)"[:31]
    flat = [{k: (v.get("label", "") if isinstance(v, dict) else v) for k, v in r.items()
             if not isinstance(v, list)} | {"_index": i + 1} for i, r in enumerate(rows)]
    cols = list(dict.fromkeys(k for r in flat for k in r))
    main.append(cols)
    for r in flat:
        main.append([str(r.get(c, "")) for c in cols])
    mems = [m | {"_parent_index": i + 1} for i, r in enumerate(rows) for m in r["roster/members"]]
    mcols = list(dict.fromkeys(k for m in mems for k in m))
    roster.append(mcols)
    for m in mems:
        roster.append([str(m.get(c, "")) for c in mcols])
    book.save(path)
    return path


def test_kobo_xlsx_export_equals_the_api_pull(tmp_path, profile):
    import responses

    from konray_review.sources.config import HttpSettings, KoboConfig

    xlsx = FilesSource(_kobo_xlsx(tmp_path / "export.xlsx"), profile=profile).pull()
    api = "https://kf.kobotoolbox.org/api/v2/assets/aXk3mP9qRtLwZ2vB8nC4dE/data/"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, api, json=load_fixture("kobo_data_page1.json"))
        rsps.add(responses.GET, api, json=load_fixture("kobo_data_page2.json"))
        cfg = KoboConfig("https://kf.kobotoolbox.org", "t", "aXk3mP9qRtLwZ2vB8nC4dE",
                         http=HttpSettings(retries=0))
        pulled = KoboSource(cfg, profile=profile, page_size=2).pull()
    from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES

    cols = [c for c in HOUSEHOLD_NAMES if c != "enumerator"] + ["current_instance_id"]
    a = xlsx.households[cols].sort_values("instance_id").reset_index(drop=True)
    b = pulled.households[cols].sort_values("instance_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    key = ["instance_id", "member_no"]
    pd.testing.assert_frame_equal(
        xlsx.members[[*MEMBER_NAMES, "instance_id"]].sort_values(key).reset_index(drop=True),
        pulled.members[[*MEMBER_NAMES, "instance_id"]].sort_values(key).reset_index(drop=True))
