"""Readers for the written files, independent of the writer's code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

HEADER_ROW = 8  # title block is rows 1-7, headers rows 8-9, column numbers row 10
FIRST_DATA = 11


def read_list_xlsx(path: Path) -> tuple[list, list, list[list]]:
    """(header row 8, header row 9, data rows) of a list sheet; data rows have an int STT."""
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    top, sub = rows[HEADER_ROW - 1], rows[HEADER_ROW]
    data = [r for r in rows[FIRST_DATA - 1:] if r and isinstance(r[0], int)]
    return top, sub, data


def column(top: list, name: str) -> int:
    return top.index(name)


def expected(review, list_type: str) -> pd.DataFrame:
    """Households of one list type, computed straight from the classifier output."""
    f = review.result.merge(review.households[["household_id", "commune", "village"]],
                            on="household_id")
    cat = f["category"].astype(object)
    tr = f["transition"].astype(object)
    mask = {"all": pd.Series(True, index=f.index), "poor": cat == "poor",
            "near_poor": cat == "near_poor",
            "escaped": tr.isin(["escaped_poverty", "escaped_near_poverty"]),
            "newly_poor": tr.isin(["newly_poor", "re_poor"])}[list_type]
    return f[mask.fillna(False).astype(bool)]


def five_households(profile=None, *, last_village_unknown: bool = False):
    """The report tests' five households, written out by hand (``test_report.small_report``
    gives what each is): (summary, standard, profile) of review year 2023. With
    ``last_village_unknown`` the fifth household has no village (printed as a place unknown).
    """
    from konray_review import classify
    from konray_review.aggregates import district_summary
    from konray_review.profile import load_profile
    from konray_review.standards import standard_for_year
    from tests.classifier.builders import case, cases, member

    poor_member = member(has_health_insurance=False, uses_internet=False)
    rve = {"commune": "Đăk Rve", "area": "urban"}
    fifth = {**rve, "income_per_capita": 5_000_000.0, "head_ethnicity": "01"}
    if last_village_unknown:
        fifth["village"] = None
    hh, mem = cases(
        case({"living_area_m2": 5.0}, [poor_member]),
        case({}, [member(uses_internet=False)]),
        case({"income_per_capita": 3_000_000.0}, [member()]),
        case({**rve, "income_per_capita": 1_500_000.0, "living_area_m2": 5.0,
              "water_source": "surface"}, [poor_member]),
        case(fifth, [member(ethnicity="01")]),
    )
    profile = profile or load_profile()
    standard = standard_for_year(2023, profile)  # with the district's overrides
    result = classify(hh, mem, profile=profile)
    summary = district_summary(hh, result, standard=standard, profile=profile, members=mem,
                               year=2023)
    return summary, standard, profile
