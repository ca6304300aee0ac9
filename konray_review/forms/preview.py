"""The on-device preview: XPath calculates that mirror ``konray_review.classify``.

Every threshold and list is read from the standard of the review year (the same data the
classifier reads), so the preview cannot drift from the classifier by a hand edit. The
parity tests (tests/forms) run ODK's own engine on these expressions and compare with the
classifier. Conventions, chosen to match the classifier exactly:

- flags are ``1`` / ``0``; a yes/no answer counts as true only when it is ``'yes'``;
- a question that was not asked (not relevant) is blank and counts as false: the canonical
  tables fill it with ``NOT_ASKED`` (``fields.py``), which the classifier treats the same;
- stunted / underweight left blank = no health-station record = not malnourished;
- living area is 0 when there is no dwelling (the classifier does the same);
- income: ``income_per_capita`` when given, else ``b1_score`` against the B1 cut-off of the
  area; neither (or no cut-off, e.g. 2027) gives ``unknown`` and a blank category.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from konray_review.schema import codes, label
from konray_review.standards import Indicator, Standard

Row = dict[str, Any]


def xp_in(ref: str, values: Sequence[str]) -> str:
    """XPath: the answer ``ref`` is one of ``values`` (false for an empty list)."""
    if not values:
        return "false()"
    return "(" + " or ".join(f"{ref} = '{v}'" for v in values) + ")"


def xp_yes(field: str) -> str:
    return f"${{{field}}} = 'yes'"


def xp_num(value: float) -> str:
    """A number literal XPath reads exactly as Python does (no exponent, no trailing .0)."""
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(f)


def xp_by_area(param: Any) -> str:
    """``if(area = 'urban', U, R)`` from a by-area parameter; ``''`` where it is not set."""
    r, u = param.get("rural"), param.get("urban")
    rs = "''" if r is None else xp_num(r)
    us = "''" if u is None else xp_num(u)
    return rs if rs == us else f"if(${{area}} = 'urban', {us}, {rs})"


def working_age_expr(standard: Standard, year: int) -> str:
    """1 when min_age <= age < retirement age (whole years) for the member's sex and year."""
    wa = standard.working_age
    upper = {sex: wa.upper_exclusive(sex, year) for sex in codes("sex")}
    first, *rest = codes("sex")
    bound = xp_num(upper[first]) if not rest else (
        f"if(${{sex}} = '{first}', {xp_num(upper[first])}, {xp_num(upper[rest[0]])})")
    return f"if(${{age}} >= {xp_num(wa.min_age.number)} and ${{age}} < {bound}, 1, 0)"


# ---- member-level flags (inside the `members` repeat) --------------------------------------

def _m_employment(p: dict[str, Any]) -> str:
    jobless = (f"${{employment}} = 'unemployed' and {xp_yes('able_to_work')}"
               f" and {xp_yes('wants_work')}")
    no_contract = f"{xp_yes('wage_worker')} and not({xp_yes('has_labour_contract')})"
    return f"if(${{working_age}} = 1 and (({jobless}) or ({no_contract})), 1, 0)"


def _m_dependants(p: dict[str, Any]) -> str:
    dis = xp_in("${disability}", p["disability_levels"])
    return (f"if(${{age}} < {xp_num(p['child_under'])} or ${{age}} >= "
            f"{xp_num(p['elderly_from'])} or {dis}, 1, 0)")


def _m_nutrition(p: dict[str, Any]) -> str:
    return (f"if(${{age}} < {xp_num(p['child_under'])} and "
            f"({xp_yes('stunted')} or {xp_yes('underweight')}), 1, 0)")


def _m_health_insurance(p: dict[str, Any]) -> str:
    return f"if(${{age}} >= {xp_num(p['min_age'])} and not({xp_yes('has_health_insurance')}), 1, 0)"


def _m_adult_education(p: dict[str, Any]) -> str:
    bands = []
    for b in p["bands"]:
        cond = (f"${{age}} >= {xp_num(b['min_age'])} and ${{age}} <= {xp_num(b['max_age'])}"
                f" and not({xp_yes('studying')}) and "
                + xp_in("${education_level}", b["deprived_levels"]))
        if b.get("employer_training_counts"):
            cond += f" and not({xp_yes('trained_by_employer')})"
        bands.append(f"({cond})")
    return f"if({' or '.join(bands) or 'false()'}, 1, 0)"


def _m_child_schooling(p: dict[str, Any]) -> str:
    return (f"if(${{age}} >= {xp_num(p['min_age'])} and ${{age}} <= {xp_num(p['max_age'])}"
            " and ${school_on_track} = 'no', 1, 0)")


def _m_telecom(p: dict[str, Any]) -> str:
    return f"if({xp_yes('uses_internet')}, 1, 0)"


MEMBER_RULES: dict[str, Callable[[dict[str, Any]], str]] = {
    "employment": _m_employment, "dependants": _m_dependants, "nutrition": _m_nutrition,
    "health_insurance": _m_health_insurance, "adult_education": _m_adult_education,
    "child_schooling": _m_child_schooling, "telecom": _m_telecom,
}


# ---- household-level flags ----------------------------------------------------------------

def _h_member_any(ind: Indicator) -> str:
    return f"if(sum(${{pre_m_{ind.id}}}) > 0, 1, 0)"


def _h_dependants(ind: Indicator) -> str:
    ratio = xp_num(ind.params["ratio_above"])
    return f"if(sum(${{pre_m_{ind.id}}}) div ${{member_count}} > {ratio}, 1, 0)"


def _h_telecom(ind: Indicator) -> str:
    return f"if(sum(${{pre_m_{ind.id}}}) > 0, 0, 1)"


def _h_housing_quality(ind: Indicator) -> str:
    non_durable = " + ".join(f"if({xp_yes(c)}, 0, 1)"
                             for c in ("wall_durable", "column_durable", "roof_durable"))
    return (f"if(not({xp_yes('has_dwelling')}) or ({non_durable}) >= "
            f"{xp_num(ind.params['min_non_durable'])}, 1, 0)")


def _h_housing_area(ind: Indicator) -> str:
    area = f"if({xp_yes('has_dwelling')}, ${{living_area_m2}}, 0)"
    return f"if({area} div ${{member_count}} < {xp_num(ind.params['min_m2_per_person'])}, 1, 0)"


def _h_not_in(field: str, key: str) -> Callable[[Indicator], str]:
    return lambda ind: f"if({xp_in('${' + field + '}', ind.params[key])}, 0, 1)"


def _h_information_devices(ind: Indicator) -> str:
    return f"if({' or '.join(xp_yes(d) for d in ind.params['devices'])}, 0, 1)"


HOUSEHOLD_RULES: dict[str, Callable[[Indicator], str]] = {
    "employment": _h_member_any, "nutrition": _h_member_any,
    "health_insurance": _h_member_any, "adult_education": _h_member_any,
    "child_schooling": _h_member_any, "dependants": _h_dependants, "telecom": _h_telecom,
    "housing_quality": _h_housing_quality, "housing_area": _h_housing_area,
    "water": _h_not_in("water_source", "safe_sources"),
    "sanitation": _h_not_in("latrine_type", "hygienic"),
    "waste": _h_not_in("waste_handling", "adequate"),
    "information_devices": _h_information_devices,
}


def _calc(name: str, expr: str) -> Row:
    return {"type": "calculate", "name": name, "calculation": expr}


def member_preview_rows(standard: Standard) -> list[Row]:
    """Per-member flags ``pre_m_<indicator>`` for the member-level rules of the standard."""
    return [_calc(f"pre_m_{ind.id}", MEMBER_RULES[ind.rule](ind.params))
            for ind in standard.indicators if ind.rule in MEMBER_RULES]


def _category_expr(standard: Standard) -> str:
    poor_min = xp_num(standard.poor_min_deprivations.number)
    has_income = "string-length(${income_per_capita}) > 0"
    middle = (f"{has_income} and {xp_yes('agricultural')} and string-length(${{pre_middle_upper}})"
              " > 0 and ${income_per_capita} <= ${pre_middle_upper}")
    below = f"if(${{pre_deprivation_count}} >= {poor_min}, 'poor', 'near_poor')"
    return ("if(${pre_screened_out} = 1, 'none', "
            "if(${pre_income_test} = 'unknown', '', "
            f"if(${{pre_income_test}} = 'at_or_below_line', {below}, "
            f"if({middle}, 'middle', 'none'))))")


def _income_test_expr() -> str:
    return ("if(string-length(${income_per_capita}) > 0, "
            "if(${income_per_capita} <= ${pre_income_line}, 'at_or_below_line', 'above_line'), "
            "if(string-length(${b1_score}) > 0 and string-length(${pre_b1_cutoff}) > 0, "
            "if(${b1_score} <= ${pre_b1_cutoff}, 'at_or_below_line', 'above_line'), "
            "'unknown'))")


def _label_expr(field: str, list_name: str, lang: str, blank: str) -> str:
    expr = f"'{blank}'"
    for code in reversed(codes(list_name)):
        expr = f"if(${{{field}}} = '{code}', '{label(list_name, code, lang)}', {expr})"
    return expr


def household_preview_rows(standard: Standard, warnings: Sequence[Row] = ()) -> list[Row]:
    """Household flags, count, income test and preliminary category, then the summary screen
    (with ``warnings``: notes on unconfirmed rules the result may rest on)."""
    rows: list[Row] = [_calc(f"pre_dep_{ind.id}", HOUSEHOLD_RULES[ind.rule](ind))
                       for ind in standard.indicators]
    count = " + ".join(f"${{pre_dep_{i}}}" for i in standard.indicator_ids)
    screen_at = xp_num(standard.screening.screen_out_at.number)
    rows += [
        _calc("pre_deprivation_count", count),
        _calc("pre_income_line", xp_by_area(standard.income_line)),
        _calc("pre_b1_cutoff", xp_by_area(standard.b1_cutoff)),
        _calc("pre_middle_upper", xp_by_area(standard.middle_band_upper)),
        _calc("pre_income_test", _income_test_expr()),
        _calc("pre_screened_out",
              "if(${review_reason} = 'request' and string-length(${screening_signs}) > 0"
              f" and ${{screening_signs}} >= {screen_at}, 1, 0)"),
        _calc("pre_category", _category_expr(standard)),
        _calc("pre_category_vi", _label_expr("pre_category", "category", "vi",
                                             "Chưa xác định (thiếu thông tin thu nhập)")),
        _calc("pre_category_en", _label_expr("pre_category", "category", "en",
                                             "Undetermined (income unknown)")),
        _calc("pre_income_test_vi", _label_expr("pre_income_test", "income_test", "vi", "")),
        _calc("pre_income_test_en", _label_expr("pre_income_test", "income_test", "en", "")),
    ]
    return rows + summary_rows(standard, warnings)


def summary_rows(standard: Standard, warnings: Sequence[Row] = ()) -> list[Row]:
    """The closing screen: each deprivation found, the count and the PRELIMINARY category,
    then the ``warnings`` that apply."""
    n = len(standard.indicators)
    rows: list[Row] = [{
        "type": "begin_group", "name": "summary",
        "label": {"vi": "G. Kết quả sơ bộ (chưa phải kết quả chính thức)",
                  "en": "G. Preliminary result (not the official result)"},
    }]
    for ind in standard.indicators:
        rows.append({
            "type": "note", "name": f"sum_dep_{ind.id}",
            "relevant": f"${{pre_dep_{ind.id}}} = 1",
            "label": {"vi": f"Thiếu hụt: {ind.name.vi}", "en": f"Deprived: {ind.name.en}"},
        })
    rows += [
        {"type": "note", "name": "sum_count",
         "label": {"vi": f"Số chỉ số thiếu hụt: ${{pre_deprivation_count}} / {n}",
                   "en": f"Deprivations: ${{pre_deprivation_count}} of {n}"}},
        {"type": "note", "name": "sum_income",
         "label": {"vi": "Thu nhập: ${pre_income_test_vi}", "en": "Income: ${pre_income_test_en}"}},
        *(dict(w) for w in warnings),
        {"type": "note", "name": "sum_category",
         "label": {"vi": "PHÂN LOẠI SƠ BỘ: ${pre_category_vi}. Đây chỉ là kết quả sơ bộ: "
                         "cuộc họp thôn xem xét và quyết định.",
                   "en": "PRELIMINARY category: ${pre_category_en}. Preliminary only: the "
                         "village meeting reviews and decides."}},
        {"type": "end_group"},
    ]
    return rows
