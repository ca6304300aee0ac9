"""Building the forms: clean ODK Validate builds, content versions, data-driven thresholds."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from konray_review.forms.build import FormBuildError, convert_xlsx, make_sheets
from konray_review.forms.fields import DERIVED, MEMBER_REPEAT, form_fields
from konray_review.forms.source import FormSourceError, default_source_dir
from konray_review.forms.xlsform import LANGUAGES
from konray_review.profile import load_profile
from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES
from konray_review.standards import standard_for_year
from tests.forms.cases import YEARS

PROFILE = load_profile()


@pytest.mark.parametrize("form", ["phieu_a", "phieu_b"])
@pytest.mark.parametrize("year", YEARS)
def test_form_builds_clean_with_odk_validate(built, form, year):
    """Built with ODK Validate and no warning (build_form raises on any); id and version set."""
    b, folder = built[(form, year)]
    assert b.form_id == f"{form}_{year}"
    assert f'id="{b.form_id}" version="{b.version}"' in b.xform
    assert (folder / b.file_names()["xlsx"]).stat().st_size > 0
    assert "jr://file-csv/villages.csv" in b.xform or form == "phieu_a"


def test_warning_fails_the_build():
    """A pyxform warning (here: a language without a machine-readable code) is an error."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label::Vietnamese"])
    ws.append(["text", "q", "Câu hỏi"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(FormBuildError, match="warnings"):
        convert_xlsx(buf.getvalue(), validate=False)


def _copy_source(tmp_path: Path) -> Path:
    dst = tmp_path / "forms"
    shutil.copytree(default_source_dir(), dst, ignore=shutil.ignore_patterns("engine"))
    return dst


def _version(book) -> str:
    return book["settings"][0]["version"]


def test_version_changes_with_content_only(tmp_path):
    src = _copy_source(tmp_path)
    first = _version(make_sheets("phieu_b", 2023, PROFILE, src)[0])
    assert first == _version(make_sheets("phieu_b", 2023, PROFILE, src)[0])
    survey = src / "phieu_b" / "survey.yaml"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(text.replace("Họ và tên chủ hộ", "Họ tên chủ hộ"), encoding="utf-8")
    ident = src / "common" / "identification.yaml"
    ident.write_text(ident.read_text(encoding="utf-8").replace(
        "Họ và tên chủ hộ", "Họ tên chủ hộ"), encoding="utf-8")
    assert _version(make_sheets("phieu_b", 2023, PROFILE, src)[0]) != first
    assert first != _version(make_sheets("phieu_b", 2024, PROFILE, default_source_dir())[0])


def _calc(book, name: str) -> str:
    return next(r["calculation"] for r in book["survey"] if r.get("name") == name)


def test_thresholds_come_from_standard_data(tmp_path):
    """A profile override of the standard reaches the preview without touching the form."""
    prof_dir = tmp_path / "profile"
    shutil.copytree(Path(PROFILE.directory), prof_dir)
    raw = yaml.safe_load((prof_dir / "profile.yaml").read_text(encoding="utf-8"))
    raw["overrides"] = {"vn-2027": {
        "b1_cutoff": {"rural": {"value": 150, "source": "test", "status": "confirmed"}},
        "income_line": {"rural": {"value": 2345678, "source": "test", "status": "confirmed"}},
    }}
    (prof_dir / "profile.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True),
                                           encoding="utf-8")
    profile = load_profile(str(prof_dir))
    book, _ = make_sheets("phieu_b", 2027, profile, default_source_dir())
    assert "2345678" in _calc(book, "pre_income_line")
    assert "150" in _calc(book, "pre_b1_cutoff")
    plain, _ = make_sheets("phieu_b", 2027, PROFILE, default_source_dir())
    assert _calc(plain, "pre_b1_cutoff") == "''"  # no cut-off published for 2027–2030


@pytest.mark.parametrize("year", YEARS)
def test_preview_has_one_flag_per_indicator(year):
    book, _ = make_sheets("phieu_b", year, PROFILE, default_source_dir())
    names = {r["name"] for r in book["survey"] if r.get("name")}
    ids = standard_for_year(year, PROFILE).indicator_ids
    assert {n for n in names if n.startswith("pre_dep_")} == {f"pre_dep_{i}" for i in ids}
    assert ("waste_handling" in names) == ("waste" in ids)


@pytest.mark.parametrize("form", ["phieu_a", "phieu_b"])
def test_every_label_is_bilingual_vietnamese_first(form):
    book, _ = make_sheets(form, 2023, PROFILE, default_source_dir())
    vi, en = (f"label::{lang}" for lang in LANGUAGES.values())
    for row in book["survey"]:
        if row["type"] not in ("calculate", "end_group", "end_repeat", "start", "end", "today",
                               "deviceid", "username"):
            assert row.get(vi) and row.get(en), row["name"]
    for row in book["choices"]:
        assert row[vi] and row[en], row
    assert list(book["survey"][0]).index("type") == 0
    assert book["settings"][0]["default_language"] == LANGUAGES["vi"]


@pytest.mark.parametrize("year", YEARS)
def test_every_canonical_column_is_collected_or_derived(year):
    fields = form_fields("phieu_b", year)
    hh = {f.column for f in fields if f.table == "households"}
    mem = {f.column for f in fields if f.table == "members"}
    missing_hh = set(HOUSEHOLD_NAMES) - hh - set(DERIVED)
    if year < 2027:
        missing_hh -= {"waste_handling"}  # nullable, asked only under standards that use it
    assert missing_hh == set()
    assert set(MEMBER_NAMES) - mem == {"household_id"}
    assert all(f.path.startswith(f"/data/{MEMBER_REPEAT}/") for f in fields if f.table == "members")


def test_source_error_names_the_row(tmp_path):
    src = _copy_source(tmp_path)
    survey = src / "phieu_a" / "survey.yaml"
    survey.write_text(survey.read_text(encoding="utf-8") + "- {generate: nothing_like_this}\n",
                      encoding="utf-8")
    with pytest.raises(FormSourceError, match="nothing_like_this"):
        make_sheets("phieu_a", 2023, PROFILE, src)


def test_listed_households_keep_last_years_id(tmp_path):
    """With last year's list, Phiếu B picks the household from households.csv and copies its
    household_id; without one the code is typed and checked; a bad list names the line."""
    import pandas as pd

    from konray_review.forms.build import build_form
    from konray_review.forms.household_list import HouseholdListError, households_csv

    listed = pd.DataFrame({"household_id": ["dak_koi__thon_mau_1__12", "x__7"],
                           "head_name": ["A", "B"], "village": ["Thôn mẫu 1", "Thôn mẫu 2"],
                           "category": ["poor", None]})
    b = build_form("phieu_b", 2023, load_profile(), household_list=listed)  # ODK Validate on
    rows = pd.read_csv(io.BytesIO(b.attachments["households.csv"]), dtype=str,
                       keep_default_na=False)
    assert rows["name"].tolist() == listed["household_id"].tolist()
    assert rows["previous_category"].tolist() == ["poor", ""]
    assert 'select_one_from_file households.csv' in {r["type"] for r in b.sheets["survey"]}
    assert "instance('households')/root/item[name" in b.xform
    plain, _ = make_sheets("phieu_b", 2023, load_profile(), default_source_dir())
    typed = {r.get("name"): r for r in plain["survey"]}["listed_household_id"]
    assert typed["type"] == "text" and "regex" in typed["constraint"]
    with pytest.raises(HouseholdListError, match=r"\[3\]"):
        households_csv(listed.assign(household_id=["a__1", ""]))


def test_missing_form_sources_name_the_env_override(tmp_path, monkeypatch):
    """An install without the forms/ folder fails clearly; KONRAY_FORMS_DIR points to one."""
    monkeypatch.setenv("KONRAY_FORMS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FormSourceError, match="KONRAY_FORMS_DIR"):
        default_source_dir()
    copy = tmp_path / "my-forms"
    shutil.copytree(Path(__file__).resolve().parents[2] / "forms", copy,
                    ignore=shutil.ignore_patterns("engine"))
    monkeypatch.setenv("KONRAY_FORMS_DIR", str(copy))
    assert default_source_dir() == copy


def test_cli_build_writes_artefacts(tmp_path):
    from konray_review.forms.cli import forms_app  # registered as `konray-review forms`

    res = CliRunner().invoke(forms_app, ["build", "--year", "2027", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"phieu_a_2027.xlsx", "phieu_a_2027.xml", "phieu_b_2027.xlsx", "phieu_b_2027.xml",
            "villages.csv"} <= names


def test_docs_list_every_question_of_the_current_forms():
    """docs/forms.md carries the generated question tables of the forms as they are now."""
    from konray_review.forms.docs import documented_years, reference_section

    docs = (Path(__file__).resolve().parents[2] / "docs" / "forms.md").read_text(encoding="utf-8")
    assert documented_years() == (2022, 2027)  # the two periods' first years, by hand
    assert reference_section(*documented_years()) in docs, "run `konray-review forms docs`"
    for f in form_fields("phieu_b", 2027):
        if f.column:
            assert f"`{f.path}`" in docs and f"`{f.table}.{f.column}`" in docs


def test_income_section_follows_the_cutoffs_of_each_area(tmp_path):
    """Cut-offs for both areas: B1 offered everywhere; for one area only: the B1 methods are
    refused where the area has none; for none (2027 as published): no B1 at all."""
    from tests.forms.profiles import CUTOFFS_2027, district_profile

    def income(profile):
        book, _ = make_sheets("phieu_b", 2027, profile, default_source_dir())
        row = next(r for r in book["survey"] if r.get("name") == "income_method")
        methods = [c["name"] for c in book["choices"] if c["list_name"] == "income_method"]
        items = [r["name"] for r in book["survey"] if r.get("name", "").startswith("b1_")
                 and r["type"].startswith("select")]
        return row.get("constraint", ""), methods, len(items)

    both = district_profile(tmp_path / "both", changes={"overrides": CUTOFFS_2027})
    rural = CUTOFFS_2027["vn-2027"]["b1_cutoff"]["rural"]
    one = district_profile(tmp_path / "one", changes={"overrides": {"vn-2027": {
        "b1_cutoff": {"rural": rural}}}})
    assert income(both) == ("", ["b1", "direct", "both", "not_assessed"], 7)
    assert income(one) == (". = 'direct' or . = 'not_assessed' or "
                           "string-length(${pre_b1_cutoff}) > 0",
                           ["b1", "direct", "both", "not_assessed"], 7)
    assert income(PROFILE) == ("", ["direct", "not_assessed"], 0)
