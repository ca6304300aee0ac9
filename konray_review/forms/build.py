"""Build the review forms: text source + standard + profile -> XLSX, XForm and attachments.

``build_form`` is pure apart from running ODK Validate (through pyxform) and reading the
source files; writing the artefacts is ``write_built``. The version string is a hash of the
whole content (sheets and attachments), so it changes whenever anything a phone would see
changes, and stays the same for an identical rebuild.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from konray_review.forms import xlsform
from konray_review.forms.b1 import (
    B1_RELEVANT,
    b1_choices,
    b1_rows,
    income_method_choices,
    income_method_rows,
)
from konray_review.forms.household_list import (
    HOUSEHOLDS_FILE,
    households_csv,
    listed_household_rows,
)
from konray_review.forms.preview import (
    household_preview_rows,
    member_preview_rows,
    working_age_expr,
    xp_num,
)
from konray_review.forms.relevance import thresholds
from konray_review.forms.source import FORMS, default_source_dir, load_form_rows, read_yaml
from konray_review.forms.warnings import warning_notes
from konray_review.profile import Profile, load_profile
from konray_review.schema import code_lists
from konray_review.standards import (
    RuleStatus,
    Standard,
    b1_table_for,
    has_b1_cutoff,
    load_phieu_a_signs,
    standard_for_year,
    unconfirmed_rules,
)

VILLAGES_FILE = "villages.csv"


class FormBuildError(ValueError):
    """The form did not build cleanly (pyxform error, ODK Validate error, or any warning)."""


@dataclass(frozen=True)
class BuiltForm:
    form: str
    year: int
    form_id: str
    version: str
    sheets: xlsform.Sheets
    xlsx: bytes
    xform: str
    attachments: dict[str, bytes] = field(default_factory=dict)

    def file_names(self) -> dict[str, str]:
        return {"xlsx": f"{self.form_id}.xlsx", "xml": f"{self.form_id}.xml",
                **{name: name for name in self.attachments}}


def reference_date(year: int, profile: Profile) -> date:
    """Ages are completed years on this date: the start of the profile's review window."""
    month, day = (int(x) for x in profile.review_window["start"].split("-"))
    return date(int(year), month, day)


def age_from_birth_date_expr(ref: date) -> str:
    """Completed years between ``${birth_date}`` and ``ref`` (0 for a birth after ``ref``)."""
    mmdd = ref.month * 100 + ref.day
    years = (f"{ref.year} - number(format-date(${{birth_date}}, '%Y')) - "
             f"if(number(format-date(${{birth_date}}, '%m%d')) > {mmdd}, 1, 0)")
    return f"if({years} < 0, 0, {years})"


def area_expr(profile: Profile) -> str:
    """``${area}`` from the chosen commune (the profile says which units are urban)."""
    urban = [u.slug for u in profile.units if u.area == "urban"]
    if not urban:
        return "'rural'"
    if len(urban) == len(profile.units):
        return "'urban'"
    cond = " or ".join(f"${{commune}} = '{s}'" for s in urban)
    return f"if({cond}, 'urban', 'rural')"


def form_params(year: int, standard: Standard, profile: Profile) -> dict[str, Any]:
    """Values for the ``{{name}}`` placeholders of the form source."""
    ref = reference_date(year, profile)
    ages = thresholds(standard)  # the normaliser decides "asked or skipped" with the same
    signs = load_phieu_a_signs(standard, profile)["signs"]
    return {
        "year": int(year), "standard_id": standard.id,
        "standard_name_vi": standard.name.vi, "standard_name_en": standard.name.en,
        "province": profile.province.replace("'", "’"),
        "reference_date": ref.isoformat(), "reference_date_vi": ref.strftime("%d/%m/%Y"),
        "min_birth_date": ref.replace(year=ref.year - 120).isoformat(),
        "age_from_birth_date": age_from_birth_date_expr(ref),
        "area_expr": area_expr(profile),
        "working_age_expr": working_age_expr(standard, year),
        **{name: xp_num(value) for name, value in ages.items()},
        "screen_out_at": xp_num(standard.screening.screen_out_at.number),
        "sign_count": len(signs),
    }


def phieu_a_sign_rows(standard: Standard, profile: Profile | None = None
                      ) -> list[dict[str, Any]]:
    """One yes/no question per Phiếu A sign, their count and the screening result."""
    signs = load_phieu_a_signs(standard, profile)["signs"]
    rows: list[dict[str, Any]] = [
        {"type": "select_one yes_no", "name": f"sign_{s['id']}", "required": True,
         "label": {"vi": f"{i}. {s['vi']}", "en": f"{i}. {s['en']}"}}
        for i, s in enumerate(signs, start=1)
    ]
    total = " + ".join(f"if(${{sign_{s['id']}}} = 'yes', 1, 0)" for s in signs)
    at = xp_num(standard.screening.screen_out_at.number)
    return [
        *rows,
        {"type": "calculate", "name": "screening_signs", "calculation": total},
        {"type": "calculate", "name": "screened_out",
         "calculation": f"if(${{screening_signs}} >= {at}, 1, 0)"},
    ]


#: the income test was decided by the B1 score (no direct income, a score given)
B1_DECIDED = "string-length(${income_per_capita}) = 0 and string-length(${b1_score}) > 0"
B1_RULES = ("b1_table", "b1_cutoff.rural", "b1_cutoff.urban")


def b1_warnings(rules: list[RuleStatus]) -> list[dict[str, Any]]:
    """Notes opening the B1 section for each B1 rule not confirmed (table, area cut-off)."""
    return warning_notes(rules, B1_RULES, "b1", relevant=B1_RELEVANT)


def summary_warnings(rules: list[RuleStatus], standard: Standard) -> list[dict[str, Any]]:
    """Notes on the result screen when an unconfirmed B1 rule decided the income test."""
    if not has_b1_cutoff(standard):  # no B1 question, nothing decided by it
        return []
    return warning_notes(rules, B1_RULES, "summary", relevant=B1_DECIDED)


def rule_warning_generators(rules: list[RuleStatus]) -> dict[str, Any]:
    """The ``{generate: …_warning}`` rows of the form sources (empty when confirmed)."""
    return {
        "villages_warning": partial(warning_notes, rules, ["villages"], "villages"),
        "signs_warning": partial(warning_notes, rules, ["phieu_a_signs"], "signs"),
        "signs_result_warning": partial(warning_notes, rules, ["phieu_a_signs"],
                                        "signs_result"),
    }


def commune_choices(profile: Profile) -> list[dict[str, str]]:
    return [{"name": u.slug, "vi": u.name, "en": u.name} for u in profile.units]


def villages_csv(profile: Profile) -> bytes:
    """The ``villages.csv`` attachment: name (village_code), label, commune_code."""
    v = profile.villages()
    out = pd.DataFrame({"name": v["village_code"], "label": v["village"],
                        "commune_code": v["commune_code"]})
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _choice_lists(names: list[str], generated: dict[str, list[dict[str, str]]],
                  src_dir: Path) -> dict[str, list[dict[str, str]]]:
    common = read_yaml(src_dir / "common" / "choices.yaml") or {}
    canonical = {name: [{"name": c, **lab} for c, lab in items.items()]
                 for name, items in code_lists().items()}
    out: dict[str, list[dict[str, str]]] = {}
    for name in names:
        for source in (generated, common, canonical):
            if name in source:
                out[name] = source[name]
                break
        else:
            raise FormBuildError(f"choice list {name!r} is used but defined nowhere")
    return out


def content_version(year: int, book: xlsform.Sheets, attachments: dict[str, bytes]) -> str:
    digest = hashlib.sha256(json.dumps(book, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(attachments):
        digest.update(name.encode() + b"\0" + attachments[name])
    return f"{year}-{digest.hexdigest()[:12]}"


def make_sheets(form: str, year: int, profile: Profile, src_dir: Path,
                household_list: pd.DataFrame | None = None
                ) -> tuple[xlsform.Sheets, dict[str, bytes]]:
    """The XLSForm sheets (with version) and attachments of one form for one year (pure).

    ``household_list`` (last year's households) becomes the ``households.csv`` choice file
    Phiếu B's listed households are picked from; without it their code is typed in."""
    standard = standard_for_year(year, profile)
    table = b1_table_for(standard, profile)
    rules = unconfirmed_rules(standard, profile)
    generators = {
        "phieu_a_signs": partial(phieu_a_sign_rows, standard, profile),
        "income_method": partial(income_method_rows, standard),
        "b1_items": partial(b1_rows, table, standard, b1_warnings(rules)),
        "member_preview": partial(member_preview_rows, standard),
        "preview": partial(household_preview_rows, standard, summary_warnings(rules, standard)),
        "listed_household": partial(listed_household_rows, household_list is not None),
        **rule_warning_generators(rules),
    }
    params = form_params(year, standard, profile)
    survey, settings = load_form_rows(form, src_dir, params, generators, standard.indicator_ids)
    common = read_yaml(src_dir / "common" / "choices.yaml") or {}
    generated = {"communes": commune_choices(profile), **b1_choices(table),
                 "income_method": income_method_choices(common.get("income_method", []),
                                                        standard)}
    lists = _choice_lists(xlsform.used_lists(survey), generated, src_dir)
    settings = {**settings, "default_language": xlsform.DEFAULT_LANGUAGE}
    attachments = {VILLAGES_FILE: villages_csv(profile)}
    if household_list is not None and any(
            r["type"].endswith(f" {HOUSEHOLDS_FILE}") for r in survey):
        attachments[HOUSEHOLDS_FILE] = households_csv(household_list)
    book = xlsform.sheets(survey, lists, settings)
    book["settings"][0]["version"] = content_version(year, book, attachments)
    return book, attachments


def convert_xlsx(xlsx: bytes, validate: bool = True) -> str:
    """XForm XML via pyxform, ODK Validate on; any warning is an error."""
    from pyxform.errors import PyXFormError
    from pyxform.validators.odk_validate import ODKValidateError
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    try:
        result = convert(xlsform=io.BytesIO(xlsx), warnings=warnings, validate=validate,
                         file_type=".xlsx", pretty_print=True)
    except (PyXFormError, ODKValidateError) as exc:
        raise FormBuildError(str(exc)) from exc
    if warnings or result.warnings:
        raise FormBuildError("pyxform / ODK Validate warnings: " + "; ".join(
            dict.fromkeys([*warnings, *result.warnings])))
    return result.xform


def build_form(form: str, year: int, profile: Profile | None = None,
               src_dir: Path | None = None, validate: bool = True,
               household_list: pd.DataFrame | None = None) -> BuiltForm:
    """Build one form for one review year; raises ``FormBuildError`` unless it is clean."""
    profile = profile or load_profile()
    book, attachments = make_sheets(form, year, profile, src_dir or default_source_dir(),
                                    household_list)
    xlsx = xlsform.to_xlsx(book)
    xform = convert_xlsx(xlsx, validate=validate)
    s = book["settings"][0]
    return BuiltForm(form, int(year), s["form_id"], s["version"], book, xlsx, xform, attachments)


def build_all(year: int, profile: Profile | None = None, src_dir: Path | None = None,
              validate: bool = True, household_list: pd.DataFrame | None = None
              ) -> list[BuiltForm]:
    return [build_form(f, year, profile, src_dir, validate, household_list) for f in FORMS]


def write_built(built: BuiltForm, out_dir: Path) -> list[Path]:
    """Write the XLSX, the XForm and the attachments into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = built.file_names()
    paths = [out_dir / names["xlsx"], out_dir / names["xml"]]
    paths[0].write_bytes(built.xlsx)
    paths[1].write_text(built.xform, encoding="utf-8")
    for name, data in built.attachments.items():
        (out_dir / name).write_bytes(data)
        paths.append(out_dir / name)
    return paths
