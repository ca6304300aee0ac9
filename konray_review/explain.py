"""Why a household is poor / near-poor: a reason staff can read out at the village meeting.

The explanation restates the classifier's decision (income test, then the count of deprived
indicators against the threshold) and names the member lines behind each member-level
indicator. Member names are left out unless asked for (``show_names``): the roster line,
relation, sex and age identify the person to the meeting without spreading personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from konray_review.classifier.core import member_causes
from konray_review.schema import label
from konray_review.standards import Standard, standard_for_year

_T = {
    "vi": {
        "title": "Hộ {hid} — {cat}",
        "unknown": "Chưa đủ thông tin thu nhập (không có thu nhập bình quân, không có điểm B1 "
                   "dùng được): chưa phân loại, cần rà soát bổ sung.",
        "income": "Thu nhập bình quân {v} đồng/người/tháng {cmp} chuẩn {line} đồng ({area}).",
        "b1": "Điểm phiếu B1 là {v:g}, {cmp} ngưỡng {cut:g} ({area}).",
        "le": "bằng hoặc thấp hơn", "gt": "cao hơn",
        "count": "Thiếu hụt {n}/{d} chỉ số (hộ nghèo khi thiếu hụt từ {k} chỉ số trở lên).",
        "none_dep": "Không thiếu hụt chỉ số nào.",
        "screened": "Hộ có {s} dấu hiệu không nghèo theo Phiếu A (từ {k} dấu hiệu trở lên): "
                    "không thuộc diện rà soát bằng Phiếu B.",
        "middle": "Hộ làm nông, lâm, ngư nghiệp có thu nhập trên chuẩn nghèo và không quá "
                  "{band} đồng: hộ có mức sống trung bình.",
        "member": "thành viên số {no} ({rel}, {sex}, {age} tuổi{name})",
        "prelim": "Kết quả của phần mềm; cuộc họp thôn quyết định.",
    },
    "en": {
        "title": "Household {hid} — {cat}",
        "unknown": "Income not known (no direct estimate and no usable B1 score): not "
                   "classified; follow up.",
        "income": "Income per person {v} VND/month is {cmp} the line of {line} VND ({area}).",
        "b1": "B1 score {v:g} is {cmp} the cut-off {cut:g} ({area}).",
        "le": "at or below", "gt": "above",
        "count": "Deprived in {n} of {d} indicators (poor from {k} deprivations).",
        "none_dep": "No deprivation.",
        "screened": "Quick identification found {s} not-poor signs ({k} or more): screened out.",
        "middle": "Agricultural household above the poverty line and at most {band} VND: "
                  "middle living standard.",
        "member": "member {no} ({rel}, {sex}, age {age}{name})",
        "prelim": "Computed by the software; the village meeting decides.",
    },
}


@dataclass
class Explanation:
    household_id: str
    category: str | None
    lines: list[str]
    deprivations: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def explain_household(household_id: str, households: pd.DataFrame, members: pd.DataFrame,
                      result: pd.DataFrame, lang: str = "vi", *, profile=None,
                      show_names: bool = False) -> Explanation:
    """Explain one household's category in Vietnamese (``lang="vi"``) or English."""
    t = _T[lang]
    hh = households[households["household_id"].astype(str) == str(household_id)]
    if len(hh) != 1:
        raise KeyError(f"household {household_id!r} not found (or not unique)")
    res = result[result["household_id"].astype(str) == str(household_id)].iloc[0]
    mem = members[members["household_id"].astype(str) == str(household_id)].reset_index(drop=True)
    year = int(res["review_year"])
    standard = standard_for_year(year, profile)
    row = hh.iloc[0]
    cat = None if pd.isna(res["category"]) else str(res["category"])
    lines = [t["title"].format(hid=household_id, cat=label("category", cat, lang) if cat
                               else label("income_test", "unknown", lang))]
    if bool(res.get("screened_out", False)):
        # Phiếu A decides first: a screened-out household is not assessed on income
        lines.append(t["screened"].format(s=int(row["screening_signs"]),
                                          k=int(standard.screening.screen_out_at.number)))
    else:
        lines.append(_income_line(t, row, res, standard, lang))
    causes = member_causes(hh, mem, standard, year)
    deps = []
    for ind in standard.indicators:
        if not bool(res[f"dep_{ind.id}"]):
            continue
        who = [_member_text(t, mem.iloc[i], lang, show_names) for i in causes[ind.id]]
        name = ind.name.vi if lang == "vi" else ind.name.en
        lines.append(f"  – {name}" + (": " + "; ".join(who) if who else ""))
        deps.append({"indicator": ind.id, "name": name,
                     "member_no": mem["member_no"].to_numpy()[causes[ind.id]].tolist()})
    count_line = t["count"].format(n=int(res["deprivation_count"]), d=len(standard.indicators),
                                   k=int(standard.poor_min_deprivations.number))
    lines.insert(len(lines) - len(deps), count_line if deps else t["none_dep"])
    if cat == "middle":
        band = standard.middle_band_upper.number(str(row["area"]))
        lines.append(t["middle"].format(band=money(band, lang)))
    lines.append(t["prelim"])
    return Explanation(str(household_id), cat, lines, deps)


def money(value: float, lang: str = "vi") -> str:
    """Whole VND with the thousands separator of the language (1.500.000 / 1,500,000)."""
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "vi" else text


def _income_line(t: dict, row: pd.Series, res: pd.Series, standard: Standard, lang: str) -> str:
    area = str(row["area"])
    area_label = label("area", area, lang).lower()
    basis = None if pd.isna(res.get("income_basis")) else str(res["income_basis"])
    if basis == "income":
        v = float(row["income_per_capita"])
        line = standard.income_line.number(area)
        return t["income"].format(v=money(v, lang), cmp=t["le"] if v <= line else t["gt"],
                                  line=money(line, lang), area=area_label)
    if basis == "b1":
        v = float(row["b1_score"])
        cut = standard.b1_cutoff.number(area)
        return t["b1"].format(v=v, cmp=t["le"] if v <= cut else t["gt"], cut=cut, area=area_label)
    return t["unknown"]


def _member_text(t: dict, m: pd.Series, lang: str, show_names: bool) -> str:
    name = f", {m['name']}" if show_names and "name" in m else ""
    return t["member"].format(no=int(m["member_no"]), rel=label("relation", m["relation"], lang),
                              sex=label("sex", m["sex"], lang).lower(), age=int(m["age"]),
                              name=name)
