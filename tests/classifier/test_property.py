"""Property-based agreement with the reference on arbitrary households, edges included.

The generator draws realistic households; hypothesis here draws awkward ones: ages on every
boundary, areas that divide exactly into 8 m² per person, incomes exactly on the line,
blank incomes, requests with 3 or 4 screening signs, both periods and both areas.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from konray_review.schema import codes
from tests.classifier.builders import BASE_HH, BASE_MEMBER
from tests.classifier.test_reference import assert_agrees

EDGE_AGES = [0, 2, 3, 5, 6, 15, 16, 17, 18, 30, 31, 54, 55, 56, 57, 59, 60, 61, 62, 90]


@st.composite
def member_st(draw):
    age = draw(st.sampled_from(EDGE_AGES) | st.integers(0, 100))
    m = dict(BASE_MEMBER)
    m.update(
        age=age, sex=draw(st.sampled_from(codes("sex"))),
        able_to_work=draw(st.booleans()), wants_work=draw(st.booleans()),
        employment=draw(st.sampled_from(codes("employment"))),
        wage_worker=draw(st.booleans()), has_labour_contract=draw(st.booleans()),
        disability=draw(st.sampled_from(codes("disability"))),
        has_health_insurance=draw(st.booleans()),
        stunted=draw(st.sampled_from([True, False, None])),
        underweight=draw(st.sampled_from([True, False, None])),
        education_level=draw(st.sampled_from(codes("education_level"))),
        studying=draw(st.booleans()), trained_by_employer=draw(st.booleans()),
        school_on_track=draw(st.booleans()) if 3 <= age <= 15 else None,
        uses_internet=draw(st.booleans()),
    )
    return m


@st.composite
def household_st(draw, i):
    year = draw(st.sampled_from([2022, 2024, 2026, 2027, 2030]))
    area = draw(st.sampled_from(["rural", "urban"]))
    members = draw(st.lists(member_st(), min_size=1, max_size=7))
    line = {2022: 1.5e6, 2027: 2.2e6}[2022 if year <= 2026 else 2027] * (
        1 if area == "rural" else (4 / 3 if year <= 2026 else 28 / 22))
    dwelling = draw(st.booleans())
    hh = dict(BASE_HH)
    hh.update(
        household_id=f"h{i}", review_year=year, area=area,
        income_per_capita=draw(st.sampled_from([None, line, line + 1, line - 1, 0.0, 2.25e6,
                                                3e6, 5e6])),
        b1_score=draw(st.sampled_from([None, 140.0, 141.0, 175.0, 176.0, 10.0])),
        agricultural=draw(st.booleans()),
        review_reason=draw(st.sampled_from(["on_list", "request"])),
        screening_signs=draw(st.sampled_from([None, 0, 3, 4, 9])),
        previous_category=draw(st.sampled_from([None, *codes("category")])),
        has_dwelling=dwelling,
        wall_durable=draw(st.booleans()) if dwelling else None,
        column_durable=draw(st.booleans()) if dwelling else None,
        roof_durable=draw(st.booleans()) if dwelling else None,
        living_area_m2=(8.0 * len(members) + draw(st.sampled_from([-0.1, 0.0, 0.1, 20.0])))
        if dwelling else None,
        water_source=draw(st.sampled_from(codes("water_source"))),
        latrine_type=draw(st.sampled_from(codes("latrine_type"))),
        waste_handling=draw(st.sampled_from(codes("waste_handling"))),
        owns_tv=draw(st.booleans()), owns_radio=False, owns_computer=False,
        owns_smartphone=False, owns_phone=draw(st.booleans()),
    )
    for n, m in enumerate(members, start=1):
        m["household_id"] = f"h{i}"
        m["member_no"] = n
    return hh, members


@st.composite
def review_st(draw):
    n = draw(st.integers(1, 12))
    pairs = [draw(household_st(i)) for i in range(n)]
    hh = pd.DataFrame([p[0] for p in pairs])
    mem = pd.DataFrame([m for p in pairs for m in p[1]])
    for col in ("wall_durable", "column_durable", "roof_durable", "stunted", "underweight",
                "school_on_track"):
        frame = hh if col in hh.columns else mem
        frame[col] = frame[col].astype("boolean")
    return hh, mem


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(review_st())
def test_agrees_with_reference_on_awkward_households(review):
    hh, mem = review
    assert_agrees(hh, mem)
