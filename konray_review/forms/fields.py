"""Which form field feeds which canonical column, and where it sits in the submission.

Imported by the sources work to normalise submissions (ODK Central OData, KoBo, XML). Field
names equal the canonical column names of ``shared/spec/data-model.md`` wherever a field
feeds a column; the member roster is the repeat ``members``. The paths are computed from the
form source itself, so they cannot drift from the forms. See docs/forms.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from konray_review.schema import HOUSEHOLD_NAMES, MEMBER_NAMES

#: the member roster repeat (one element per member in the submission XML)
MEMBER_REPEAT = "members"
#: XForm root element name (pyxform's default)
ROOT = "data"
#: households columns the forms add to the data model (additions are allowed, renames not)
EXTRA_HOUSEHOLD_COLUMNS = ("household_size",)
#: choice list whose answers ("yes" / "no") become booleans
YES_NO = "yes_no"

#: Canonical value of a column whose question was not asked (not relevant), e.g. labour
#: questions outside working age. The classifier gives these the same meaning as the form's
#: preview does (blank = false). The normaliser fills them only where the question's own
#: relevance condition was false (``forms.relevance``); a blank answer to a question that
#: was asked stays null and is reported. Columns not listed here stay null when blank.
NOT_ASKED: dict[str, dict[str, Any]] = {
    "members": {
        "able_to_work": False, "wants_work": False, "employment": "not_in_labour_force",
        "wage_worker": False, "has_labour_contract": False, "education_level": "none",
        "studying": False, "trained_by_employer": False,
        # nullable: blank = no health-station record / not of school age
        "school_on_track": None, "stunted": None, "underweight": None,
    },
    "households": {
        "wall_durable": False, "column_durable": False, "roof_durable": False,
        "living_area_m2": 0.0,
        "previous_category": None, "screening_signs": None, "income_per_capita": None,
        "b1_score": None, "waste_handling": None,
    },
}

#: Columns that do not come from a question: where the normaliser takes them from.
DERIVED: dict[str, str] = {
    "instance_id": "meta/instanceID (Central __id, KoBo _uuid)",
    "submitted_at": "server receipt time (Central __system/submissionDate, KoBo _submission_time)",
    "enumerator": "server submitter (Central __system/submitterName, KoBo _submitted_by); "
                  "else the form's `username`",
    "commune": "form `commune` is the unit slug: Profile.unit_by_slug(slug).name",
    "village": "form `village` is the village_code: Profile.villages() maps it to the name",
    "members.household_id": "the household_id of the submission the roster line belongs to",
}


@dataclass(frozen=True)
class FormField:
    """One form field: its name, XML path, XLSForm type and the column it feeds (if any)."""

    name: str
    path: str  # e.g. /data/household/commune, /data/members/sex
    type: str
    table: str | None  # "households", "members" or None (form-only)
    column: str | None

    @property
    def yes_no(self) -> bool:
        return self.type == f"select_one {YES_NO}"


def fields_from_survey(survey: list[dict[str, str]]) -> list[FormField]:
    """Walk the survey sheet (groups and repeats) into fields with their XML paths."""
    stack: list[str] = [ROOT]
    out: list[FormField] = []
    for row in survey:
        kind = row["type"]
        if kind in ("begin_group", "begin group", "begin_repeat", "begin repeat"):
            stack.append(row["name"])
            continue
        if kind in ("end_group", "end group", "end_repeat", "end repeat"):
            stack.pop()
            continue
        if kind == "note":
            continue
        name = row["name"]
        in_roster = MEMBER_REPEAT in stack
        if in_roster:  # a member's household_id is its submission's, not a roster field
            column = name if name in MEMBER_NAMES and name != "household_id" else None
        else:
            known = name in HOUSEHOLD_NAMES or name in EXTRA_HOUSEHOLD_COLUMNS
            column = name if known else None
        table = "members" if in_roster else "households"
        out.append(FormField(row["name"], "/" + "/".join([*stack, row["name"]]), kind,
                             table if column else None, column))
    return out


@cache
def form_fields(form: str, year: int) -> tuple[FormField, ...]:
    """The fields of a form as built for ``year`` with the default district profile."""
    from konray_review.forms.build import make_sheets
    from konray_review.forms.source import default_source_dir
    from konray_review.profile import load_profile

    book, _ = make_sheets(form, year, load_profile(), default_source_dir())
    return tuple(fields_from_survey(book["survey"]))


def column_paths(form: str, year: int) -> dict[tuple[str, str], str]:
    """``{(table, column): xml path}`` for every column a question feeds."""
    return {(f.table, f.column): f.path for f in form_fields(form, year)
            if f.table is not None and f.column}
