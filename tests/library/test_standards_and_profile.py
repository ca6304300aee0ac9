"""Standards as versioned data, and district profiles (Kon Rẫy and a post-2025 one)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from konray_review.profile import load_profile, profiles_dir
from konray_review.standards import (
    StandardError,
    deep_merge,
    list_standards,
    load_standard,
    parse_standard,
    standard_for_year,
    standard_id_for_year,
)


@pytest.mark.parametrize(("year", "sid"), [(2022, "vn-2022"), (2025, "vn-2022"),
                                           (2026, "vn-2022"), (2027, "vn-2027"),
                                           (2030, "vn-2027")])
def test_the_year_picks_the_standard(year, sid):
    assert standard_id_for_year(year) == sid


def test_no_standard_outside_the_periods():
    with pytest.raises(StandardError, match="2031"):
        standard_for_year(2031)


def test_every_parameter_has_source_and_status():
    for sid in list_standards():
        std = load_standard(sid)
        for ind in std.indicators:
            assert ind.source and ind.status in ("confirmed", "partial", "unconfirmed")
        assert std.income_line.rural.status == "confirmed"
    assert ("b1_cutoff.rural", "unconfirmed", "chưa công bố") in \
        load_standard("vn-2027").unconfirmed_rules()


def test_malformed_standard_names_the_field():
    raw = yaml.safe_load((profiles_dir().parent / "standards" / "vn-2022.yaml").read_text())
    bad = deep_merge(raw, {"indicators": [{"id": "water", "rule": "no_such_rule"}]})
    with pytest.raises(StandardError, match="no_such_rule"):
        parse_standard(bad, "test")
    bad = deep_merge(raw, {"income_line": {"rural": {"value": None}}})
    with pytest.raises(StandardError, match="income_line"):
        parse_standard(bad, "test")


def test_indicator_override_can_drop_and_add():
    raw = yaml.safe_load((profiles_dir().parent / "standards" / "vn-2022.yaml").read_text())
    merged = deep_merge(raw, {"indicators": [{"id": "telecom", "drop": True}]})
    assert "telecom" not in parse_standard(merged).indicator_ids


def test_kon_ray_profile_units_and_spelling_variants():
    p = load_profile("kon-ray")
    assert len(p.units) == 7 and p.district == "Kon Rẫy"
    assert p.unit("Đăk Rve").area == "urban"
    assert p.canonical_unit("ĐẮK TƠ LUNG") == "Đăk Tơ Lung"
    nfd = "Đăk Ruồng".encode().decode()  # same text; NFD form below
    import unicodedata
    assert p.canonical_unit(unicodedata.normalize("NFD", nfd)) == "Đăk Ruồng"
    assert p.canonical_unit("Nowhere") is None
    v = p.villages()
    assert len(v) == 49 and set(v["commune"]) == set(p.unit_names)
    assert p.target(2023, "poor_rate_max") == pytest.approx(0.1028)


def test_profile_without_district_level_loads(tmp_path):
    dst = tmp_path / "merged"
    shutil.copytree(profiles_dir() / "kon-ray", dst)
    raw = yaml.safe_load((dst / "profile.yaml").read_text(encoding="utf-8"))
    raw.pop("district")
    raw.pop("district_code")
    raw["id"] = "quang-ngai-sample"
    raw["province"] = "Quảng Ngãi"
    (dst / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    p = load_profile(dst)
    assert p.district is None and p.province == "Quảng Ngãi"


def test_villages_naming_an_unknown_commune_are_rejected(tmp_path):
    dst = tmp_path / "p"
    shutil.copytree(profiles_dir() / "kon-ray", dst)
    with open(dst / "villages.sample.csv", "a", encoding="utf-8") as f:
        f.write("Xã Không Có,Thôn 1\n")
    raw = yaml.safe_load((dst / "profile.yaml").read_text(encoding="utf-8"))
    raw["id"] = "broken"
    (dst / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(StandardError, match="Xã Không Có"):
        load_profile(dst).villages()


@pytest.mark.parametrize(("sex", "year", "first_retired_age"), [
    ("male", 2022, 60), ("male", 2023, 60), ("male", 2024, 61), ("male", 2027, 61),
    ("male", 2028, 62), ("male", 2030, 62), ("female", 2022, 55), ("female", 2023, 56),
    ("female", 2026, 57), ("female", 2029, 58), ("female", 2030, 58)])
def test_retirement_age_by_sex_and_year(sex, year, first_retired_age):
    wa = standard_for_year(year).working_age
    assert wa.upper_exclusive(sex, year) == first_retired_age
