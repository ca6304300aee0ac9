"""Invalid answers the form must reject, and Phiếu A screening cases."""

from __future__ import annotations

import copy
from typing import Any

from konray_review.forms.answers import form_answers
from konray_review.profile import Profile
from tests.forms.cases import adult, case, household, village_of

YEAR = 2023


def _valid(profile: Profile) -> dict[str, Any]:
    hh = household(YEAR, village=village_of(profile, "Đăk Kôi"), household_size=2,
                   interview_date=f"{YEAR}-10-01")
    c = case("valid", hh, [adult(), adult()])
    return form_answers(c["household"], c["members"], profile)


def constraint_cases(profile: Profile) -> list[dict[str, Any]]:
    """Each case breaks one rule: (id, request, field expected to be rejected or violated)."""
    base = _valid(profile)

    def variant(cid: str, field: str, change: Any) -> dict[str, Any]:
        req = copy.deepcopy(base)
        change(req)
        return {"id": cid, "field": field, "request": {"id": cid, **req}}

    def member(i: int, **kw: Any) -> Any:
        return lambda r: r["repeats"]["members"][i].update(kw)

    def answer(**kw: Any) -> Any:
        return lambda r: r["answers"].update(kw)

    def drop_birth(i: int, age: int) -> Any:
        def change(r: dict[str, Any]) -> None:
            m = r["repeats"]["members"][i]
            m.pop("birth_date", None)
            m["age_reported"] = age
        return change

    return [
        variant("valid", "", lambda r: None),
        variant("negative-area", "living_area_m2", answer(living_area_m2=-5)),
        variant("zero-area", "living_area_m2", answer(living_area_m2=0)),
        variant("two-heads", "relation", member(1, relation="head")),
        variant("age-130", "age_reported", drop_birth(1, 130)),
        variant("age-negative", "age_reported", drop_birth(1, -1)),
        variant("birth-future", "birth_date", member(1, birth_date="2999-01-01")),
        variant("interview-future", "interview_date", answer(interview_date="2999-01-01")),
        variant("roster-mismatch", "roster_check", answer(household_size=3)),
        variant("no-head", "roster_check", member(0, relation="spouse")),
        variant("signs-10", "screening_signs", answer(review_reason="request", screening_signs=10)),
        variant("income-negative", "income_per_capita", answer(income_per_capita=-1)),
        variant("id-short", "head_id_number", answer(head_id_number="12345")),
        variant("listed-code-bad", "listed_household_id",
                answer(listed_household_id="Thôn A 12")),
    ]


def phieu_a_cases(profile: Profile) -> list[dict[str, Any]]:
    """Households with 0..9 of the nine signs."""
    from konray_review.standards import load_phieu_a_signs, standard_for_year

    signs = [s["id"] for s in load_phieu_a_signs(standard_for_year(YEAR, profile))["signs"]]
    base = _valid(profile)["answers"]
    ident = {**{k: base[k] for k in ("interview_date", "commune", "village", "head_name",
                                     "head_ethnicity")}, "household_no": 1}
    out = []
    for k in range(len(signs) + 1):
        answers = {**ident, **{f"sign_{s}": "yes" if i < k else "no" for i, s in enumerate(signs)}}
        out.append({"id": f"signs-{k}", "yes": k,
                    "request": {"id": f"signs-{k}", "answers": answers, "submission": True}})
    return out
