"""Raw OData rows (recorded Central shape) -> canonical tables; bad values reported."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES
from konray_review.sources.normalise import (
    NormaliseError,
    canonical_dtypes,
    flatten_odata,
    to_canonical,
)
from tests.sources.conftest import load_fixture


@pytest.fixture(scope="module")
def rows():
    return load_fixture("central_odata_page1.json")["value"] + load_fixture(
        "central_odata_page2.json")["value"]


def _canon(rows, profile):
    return to_canonical(flatten_odata(rows), profile=profile, source="central",
                        form_id="phieu_b_2026")


def test_recorded_rows_become_canonical_tables(rows, profile):
    out = _canon(rows, profile)
    hh, mem = out.households.set_index("instance_id"), out.members
    assert set(HOUSEHOLD_NAMES) <= {*hh.columns, "instance_id"}
    assert set(MEMBER_NAMES) <= set(mem.columns)
    first = hh.loc["uuid:6f1c9a52-2a0e-4b0c-9d7e-0a3f4b1c2d01"]
    # choice values of the form -> names of the district profile
    assert first["commune"] == "Đăk Kôi" and first["village"] == "Thôn mẫu 1"
    assert first["province"] == "Kon Tum" and first["area"] == "rural"
    assert first["household_id"] == "dak_koi__thon_mau_1__12"
    # yes/no -> bool, nested groups flattened, JSON numbers typed
    assert not first["wall_durable"] and first["column_durable"]
    assert first["living_area_m2"] == 36.5 and first["b1_score"] == 118.0
    assert pd.isna(first["income_per_capita"]) and pd.isna(first["waste_handling"])
    assert first["review_year"] == 2026 and first["previous_category"] == "poor"
    # server time is UTC; the enumerator is the submitter name
    assert first["submitted_at"] == pd.Timestamp("2026-10-02T02:49:11.512Z")
    assert first["enumerator"] == "dtv_dak_koi_1"
    # GeoJSON point -> lat/lon/accuracy columns
    assert first["gps_latitude"] == 14.5123 and first["gps_longitude"] == 107.9471
    assert first["gps_accuracy"] == 4.8
    # an edited submission: original id kept, current version id and edit count recorded
    edited = hh.loc["uuid:0b7d3e11-5c4a-4f7e-8e2b-6a9d0c1e2f02"]
    assert edited["current_instance_id"] == "uuid:9a8b7c6d-1111-4222-8333-944455556666"
    assert edited["edits"] == 1 and edited["review_state"] == "edited"
    # roster: household id from the parent, dates, nullable child-only booleans
    kids = mem[mem["relation"] == "child"].iloc[0]
    assert kids["household_id"] == "dak_koi__thon_mau_1__12"
    assert str(kids["birth_date"]) == "2016-01-20" and kids["underweight"] == True  # noqa: E712
    assert pd.isna(mem.loc[mem["name"] == "Y Hlinh", "birth_date"].iloc[0])
    assert mem.groupby("instance_id").size().to_dict() == {
        "uuid:6f1c9a52-2a0e-4b0c-9d7e-0a3f4b1c2d01": 3,
        "uuid:0b7d3e11-5c4a-4f7e-8e2b-6a9d0c1e2f02": 1,
        "uuid:c3d4e5f6-0000-4000-8000-00000000a003": 1}
    assert out.problems.empty


def test_bad_values_are_reported_with_record_and_field_not_dropped(rows, profile):
    bad = copy.deepcopy(rows)
    bad[0]["housing"]["living_area_m2"] = "ba mươi"
    bad[0]["roster"]["members"][1]["age"] = "4x"
    bad[1]["housing"]["water_source"] = "xyz"  # unknown code: kept for the quality rules
    bad[2]["information"]["owns_tv"] = "maybe"
    out = _canon(bad, profile)
    assert len(out.households) == 3 and len(out.members) == 5
    found = set(zip(out.problems["instance_id"], out.problems["table"], out.problems["column"],
                    strict=True))
    assert found == {(bad[0]["__id"], "households", "living_area_m2"),
                     (bad[0]["__id"], "members", "age"),
                     (bad[2]["__id"], "households", "owns_tv"),
                     # unreadable age: whether the school question applied cannot be told
                     (bad[0]["__id"], "members", "school_on_track")}
    by = {(p.column, p.rule_id): (p.value, p.member_no, p.problem, p.problem_en)
          for p in out.problems.itertuples()}
    assert by[("age", "SRC-001")] == (
        "4x", "2", "«Tuổi» phải là một con số, nhưng đã điền «4x».",
        "age must be a number, but «4x» was entered.")
    assert by[("living_area_m2", "SRC-001")][0] == "ba mươi"
    assert by[("owns_tv", "SRC-003")][2] == (
        "«Có ti vi» phải là Có hoặc Không, nhưng đã điền «maybe».")
    assert by[("school_on_track", "SRC-010")][1] == "2"
    hh = out.households.set_index("instance_id")
    assert hh.loc[bad[1]["__id"], "water_source"] == "xyz"
    assert pd.isna(hh.loc[bad[0]["__id"], "living_area_m2"])


def _skip_problems(out):
    return set(zip(out.problems["table"], out.problems["column"],
                   out.problems["member_no"].fillna(""), out.problems["rule_id"], strict=True))


def test_unanswered_relevant_questions_are_problems_not_defaults(rows, profile):
    """has_dwelling = yes but no wall/area answers; a 47-year-old without labour or
    education answers: the blanks stay missing and each is reported (record + field)."""
    gaps = copy.deepcopy(rows[:1])
    structure = gaps[0]["housing"]["structure"]
    structure["wall_durable"] = None  # blank
    del structure["roof_durable"]  # absent from the source altogether
    del gaps[0]["housing"]["living_area_m2"]
    head = gaps[0]["roster"]["members"][0]
    for field in ("able_to_work", "employment", "education_level"):
        head[field] = None
    out = _canon(gaps, profile)
    assert set(out.problems["instance_id"]) == {gaps[0]["__id"]}
    asked = "SRC-009"  # asked, no answer
    assert _skip_problems(out) == {
        ("households", "wall_durable", "", asked), ("households", "roof_durable", "", asked),
        ("households", "living_area_m2", "", asked), ("members", "able_to_work", "1", asked),
        ("members", "employment", "1", asked), ("members", "education_level", "1", asked)}
    texts = set(out.problems["problem"])
    assert "Câu hỏi «Tình trạng việc làm» đã được hỏi nhưng chưa có câu trả lời." in texts
    assert not any("asked" in t or "answer" in t for t in texts), texts  # no English half
    hh = out.households.iloc[0]
    assert pd.isna(hh["wall_durable"]) and pd.isna(hh["roof_durable"])
    assert pd.isna(hh["living_area_m2"]) and hh["column_durable"] == True  # noqa: E712
    first = out.members[out.members["member_no"] == 1].iloc[0]
    assert pd.isna(first["employment"]) and pd.isna(first["education_level"])


def test_questions_skipped_by_relevance_get_the_not_asked_meaning(rows, profile):
    """No dwelling: no structure or area questions; a 70-year-old is past working age; a
    2-year-old gets no education, school or labour questions: defaults, no problems."""
    skipped = copy.deepcopy(rows[:1])
    housing = skipped[0]["housing"]
    housing["has_dwelling"] = "no"
    del housing["structure"], housing["living_area_m2"]
    old, baby = skipped[0]["roster"]["members"][1:3]
    old.update(age=70, birth_date=None)
    baby.update(age=2, birth_date=None, stunted=None, underweight=None)
    labour = ("able_to_work", "wants_work", "employment", "wage_worker", "has_labour_contract")
    for field in labour:
        old[field] = None
        baby[field] = None
    for field in ("education_level", "studying", "trained_by_employer", "school_on_track"):
        baby[field] = None
    out = _canon(skipped, profile)
    assert out.problems.empty
    hh = out.households.iloc[0]
    assert [hh[c] for c in ("wall_durable", "column_durable", "roof_durable")] == [False] * 3
    assert hh["living_area_m2"] == 0.0
    mem = out.members.set_index("member_no")
    assert mem.loc[2, "employment"] == "not_in_labour_force" and not mem.loc[2, "able_to_work"]
    assert mem.loc[2, "education_level"] == "primary"  # answered: kept as it is
    assert mem.loc[3, "education_level"] == "none" and not mem.loc[3, "studying"]
    assert pd.isna(mem.loc[3, "school_on_track"]) and pd.isna(mem.loc[3, "stunted"])


def test_time_zones_and_spelling_variants(rows, profile):
    odd = copy.deepcopy(rows[:1])
    odd[0]["__system"]["submissionDate"] = "2026-10-02T09:49:11.512+07:00"
    odd[0]["household"]["commune"] = "Đắk Kôi"  # a name, in the other official spelling
    odd[0]["household"]["head_ethnicity"] = 1  # a number from a spreadsheet: "01"
    hh = _canon(odd, profile).households.iloc[0]
    assert hh["submitted_at"] == pd.Timestamp("2026-10-02T02:49:11.512Z")
    assert hh["commune"] == "Đăk Kôi" and hh["area"] == "rural"
    assert hh["head_ethnicity"] == "01"


def test_unexpanded_roster_and_clashing_fields_are_errors(rows, profile):
    lazy = copy.deepcopy(rows[:1])
    del lazy[0]["roster"]["members"]
    lazy[0]["roster"]["members@odata.navigationLink"] = "Submissions('x')/roster/members"
    with pytest.raises(NormaliseError, match=r"\$expand"):
        flatten_odata(lazy)
    clash = copy.deepcopy(rows[:1])
    clash[0]["information"]["living_area_m2"] = 3
    with pytest.raises(NormaliseError, match="living_area_m2"):
        flatten_odata(clash)


def test_demo_round_trip_equals_generated(review, records, profile):
    """generated -> Central OData shape -> normalise == generated (values and dtypes)."""
    from konray_review.forms.fields import NOT_ASKED

    out = _canon(records, profile)
    with_roster = review.households["instance_id"].isin(set(out.members["instance_id"]))
    for table, got, want, key in (
        ("households", out.households, review.households, ["instance_id"]),
        ("members", out.members, review.members, ["household_id", "member_no", "name", "age"]),
    ):
        want = canonical_dtypes(want, table)
        # the wire cannot tell "not asked" from blank: both get the forms' NOT_ASKED meaning
        rows = with_roster.to_numpy() if table == "households" else True
        for column, default in NOT_ASKED[table].items():
            if default is not None:
                want.loc[rows & want[column].isna().to_numpy(), column] = default
        got = got[list(want.columns)].sort_values(key).reset_index(drop=True)
        want = want.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
    assert out.problems.empty


def test_normalised_tables_feed_the_classifier(records, profile):
    from konray_review import classify

    out = _canon(records, profile)
    good = ~out.households["household_id"].duplicated(keep=False)
    hh = out.households[good & out.households["village"].notna()]
    mem = out.members[out.members["instance_id"].isin(hh["instance_id"])]
    result = classify(hh.head(20), mem[mem["household_id"].isin(hh.head(20)["household_id"])],
                      profile=profile, year=2023, )
    assert len(result) == 20
