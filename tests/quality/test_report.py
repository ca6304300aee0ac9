"""The Vietnamese quality page: counts per commune / rule / enumerator, offline, no names.

The fixture is a hand-written quarantine table; every expected count below was worked out
by hand from it (not from the code under test).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pandas as pd
import pytest

from konray_review.outputs.manifest import ManifestEntry
from konray_review.profile import load_profile
from konray_review.quality.report import (
    PAGE_NAME,
    UNKNOWN_COMMUNE,
    UNKNOWN_ENUMERATOR,
    quality_tables,
    write_quality_report,
)

KOI, RVE = "Đăk Kôi", "Đăk Rve"
HEAD = "Y Hờ Đinh Thị Mai"  # a head's name: must never reach the page

# instance, household, commune, enumerator, rule, field
ROWS = [
    ("i1", "H001", KOI, "dtv01", "HH-001", "area"),
    ("i1", "H001", KOI, "dtv01", "MB-005", "age"),
    ("i2", "H002", KOI, "dtv01", "HH-001", "area"),
    ("i3", "H003", KOI, "dtv02", "HH-001", "area"),
    ("i3", "H003", KOI, "dtv02", "HH-010", "household_id"),
    ("i4", "H003", KOI, "dtv02", "HH-010", "household_id"),  # same code, 2nd submission
    ("i5", "H005", RVE, "dtv03", "SRC-001", "income_per_capita"),
    ("i6", "H006", "Xã Lạ", None, "HH-017", "commune"),  # not a unit of the district
]


@pytest.fixture
def quarantine() -> pd.DataFrame:
    q = pd.DataFrame(ROWS, columns=["instance_id", "household_id", "commune", "enumerator",
                                    "rule_id", "column"])
    q["message_vi"] = "x"
    q["head_name"] = HEAD
    return q


def test_counts_per_commune_rule_and_enumerator(quarantine):
    t = quality_tables(quarantine, profile=load_profile())
    assert t.total_households == 6
    communes = t.communes.set_index("commune")
    # profile order (Đăk Rve before Đăk Kôi), unknown communes last
    assert list(communes.index) == [RVE, KOI, UNKNOWN_COMMUNE]
    assert communes.loc[KOI, "households"] == 4 and communes.loc[KOI, "problems"] == 6
    assert communes.loc[RVE, "households"] == 1 and communes.loc[UNKNOWN_COMMUNE,
                                                                  "households"] == 1
    koi = t.rules[t.rules["commune"] == KOI]
    assert list(zip(koi["rule_id"], koi["households"], strict=True)) == [
        ("HH-001", 3), ("HH-010", 2), ("MB-005", 1)]
    assert koi.set_index("rule_id").loc["HH-001", "title"] == "Thiếu thông tin bắt buộc của hộ"
    assert koi.set_index("rule_id").loc["MB-005", "field"] == "Tuổi"
    e = t.enumerators.set_index(["enumerator", "rule_id"])
    assert e.loc[("dtv01", "HH-001"), "households"] == 2
    assert e.loc[("dtv01", "HH-001"), "codes"] == "H001, H002"
    assert e.loc[("dtv02", "HH-010"), "households"] == 2
    assert e.loc[(UNKNOWN_ENUMERATOR, "HH-017"), "households"] == 1
    people = t.people.set_index(["commune", "enumerator"])["households"]
    assert people[(KOI, "dtv01")] == 2 and people[(KOI, "dtv02")] == 2


def _lists(year: int) -> list[ManifestEntry]:
    return [ManifestEntry("quarantine", None, None, None, "xlsx",
                          f"quarantine/{year}/{year}_kon-ray_quarantine.xlsx", 8, year),
            ManifestEntry("quarantine", None, KOI, None, "xlsx",
                          f"quarantine/{year}/dak_koi/{year}_dak_koi_quarantine.xlsx", 6, year)]


def test_pages_are_vietnamese_offline_and_name_free(quarantine, tmp_path):
    profile = load_profile()
    entries = write_quality_report(quarantine, tmp_path, profile=profile, year=2023,
                                   lists=_lists(2023), run_info={"run_id": "r1"})
    paths = {e.commune: e.path for e in entries}
    assert paths[None] == PAGE_NAME and set(paths) == {None, *profile.unit_names}
    assert {e.commune: e.rows for e in entries}[KOI] == 4
    district = (tmp_path / PAGE_NAME).read_text(encoding="utf-8")
    koi_page = (tmp_path / paths[KOI]).read_text(encoding="utf-8")
    for page in (district, koi_page):
        assert not re.search(r"https?://", page)            # nothing loaded from the network
        assert "<link" not in page and "<script" not in page
        assert HEAD not in page                               # no person's name
        assert not re.search(r"\b(HH|MB|SRC)-\d{3}\b", page)  # rule names, not ids
        assert "Thiếu thông tin bắt buộc của hộ" in page
        assert "Mở lại phiếu, điền các trường còn trống rồi gửi lại." in page  # the fix hint
    assert "Xã Đăk Kôi: 4 hộ bị cách ly" in district and UNKNOWN_COMMUNE in district
    assert "Trường số có giá trị không phải số" in district  # a source rule, by name
    # the commune's page holds only its own households
    assert "H001" in koi_page and "H005" not in koi_page and "H006" not in koi_page
    # links resolve, from where each page is, to the quarantine lists given
    for page, rel in ((district, PAGE_NAME), (koi_page, paths[KOI])):
        hrefs = [h for h in re.findall(r'href="([^"#]+)"', page) if "quarantine" in h]
        assert hrefs
        base = PurePosixPath(rel).parent
        resolved = {_norm(str(base / h)) for h in hrefs}
        assert resolved <= {e.path for e in _lists(2023)}
    assert "Không có hộ nào bị cách ly." in (tmp_path / paths["Đăk Pne"]).read_text(
        encoding="utf-8")


def _norm(path: str) -> str:
    parts: list[str] = []
    for p in PurePosixPath(path).parts:
        if p == "..":
            parts.pop()
        elif p != ".":
            parts.append(p)
    return "/".join(parts)


def test_empty_quarantine_still_writes_the_page(tmp_path):
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in
                          ("household_id", "instance_id", "commune", "enumerator", "rule_id",
                           "column")})
    write_quality_report(empty, tmp_path, profile=load_profile(), year=2023)
    assert "Không có hộ nào bị cách ly." in (tmp_path / PAGE_NAME).read_text(encoding="utf-8")
