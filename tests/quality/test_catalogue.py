"""The catalogue is complete against the data model and the docs page is current."""

from __future__ import annotations

import re
from pathlib import Path

from konray_review.quality import load_catalogue
from konray_review.quality.docs import END, START, rule_table
from konray_review.quality.rules import RULES
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def _columns(rule_filter) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in load_catalogue().rules:
        if rule_filter(r):
            out.setdefault(r.field_table or r.table, set()).update(r.columns)
    return out


def test_rule_ids_and_messages():
    cat = load_catalogue()
    for r in cat.rules:
        assert re.fullmatch(r"(HH|MB|CL)-\d{3}", r.id), r.id
        assert r.rule is None or r.rule in RULES, r.id
        for col in r.columns:
            assert col in cat.fields, f"{r.id}: no label for {col}"
            assert "{" not in cat.message(r, col, "vi") + cat.message(r, col, "en")


def test_every_required_field_has_a_required_rule():
    required = _columns(lambda r: r.expectation == "ExpectColumnValuesToNotBeNull"
                        or r.rule in ("required_if_dwelling", "required_by_standard"))
    for table, cols in (("households", HOUSEHOLD_COLUMNS), ("members", MEMBER_COLUMNS)):
        must = {c.name for c in cols if not c.nullable}
        assert must <= required[table], must - required[table]


def test_every_coded_field_is_checked_against_its_list():
    coded = _columns(lambda r: r.kwargs.get("value_set") == "@codes")
    for table, cols in (("households", HOUSEHOLD_COLUMNS), ("members", MEMBER_COLUMNS)):
        must = {c.name for c in cols if c.codes}
        assert must <= coded[table], must - coded[table]


def test_every_yes_no_field_is_checked():
    yes_no = _columns(lambda r: r.kwargs.get("value_set") == [True, False])
    for table, cols in (("households", HOUSEHOLD_COLUMNS), ("members", MEMBER_COLUMNS)):
        must = {c.name for c in cols if c.kind == "bool"}
        assert must <= yes_no[table], must - yes_no[table]


def test_docs_table_matches_the_catalogue():
    page = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    current = page.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == rule_table().strip(), "run: python -m konray_review.quality.docs"


def test_source_rules_have_ids_scopes_and_whole_messages():
    """SRC-… rules: one id each, a Vietnamese and an English text, no placeholder left
    once filled, and no English in the Vietnamese text (no half-English lines)."""
    cat = load_catalogue()
    assert cat.source_rules, "source rules missing"
    for r in cat.source_rules:
        assert re.fullmatch(r"SRC-\d{3}", r.id), r.id
        assert r.scope in ("value", "submission", "note", "refused"), r.id
        vi = cat.source_message(r.id, "vi", column="age", value="abc", detail="x")
        en = cat.source_message(r.id, "en", column="age", value="abc", detail="x")
        assert "{" not in vi + en, r.id
        assert not re.search(r"\b(the|must|is|was|file|row)\b", vi), (r.id, vi)
    assert cat.severity("SRC-001") == "error" and cat.severity("SRC-007") == "warning"


def test_every_rule_has_a_vietnamese_name_and_fix_hint():
    """The quality page shows these instead of rule ids (staff read Vietnamese)."""
    cat = load_catalogue()
    for r in (*cat.rules, *cat.source_rules):
        assert r.title_vi and r.fix_vi, r.id
        assert not any(ch in r.title_vi for ch in "{}"), r.id
