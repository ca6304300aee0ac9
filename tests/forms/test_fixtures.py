"""The committed engine-made submission fixtures (tests/fixtures/submissions) are current.

They are consumed by the sources work; when a form changes, regenerate them with
``.venv/bin/python -m tests.forms.write_fixtures``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.forms.cases import YEARS
from tests.forms.write_fixtures import RECORDED

pytestmark = pytest.mark.node
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
STALE = "stale fixture: run `.venv/bin/python -m tests.forms.write_fixtures`"


def _paths(xml: str) -> set[str]:
    def walk(el: ET.Element, prefix: str) -> set[str]:
        here = f"{prefix}/{el.tag}"
        return {here}.union(*(walk(c, here) for c in el))
    return walk(ET.fromstring(xml), "")


def _expected() -> dict:
    return json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def test_expected_lists_every_fixture():
    expected = _expected()
    files = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("phieu_*/*.xml")}
    assert files and files == set(expected) - {RECORDED}


def test_fixtures_name_the_engine_they_were_recorded_with():
    """The recorded values (form-computed ids, preview) say which engine made them."""
    from konray_review.forms.engine import engine_dir

    recorded = _expected()[RECORDED]
    pinned = json.loads((engine_dir() / "package.json").read_text())["dependencies"]
    assert recorded["engine"] == f"@getodk/xforms-engine {pinned['@getodk/xforms-engine']}"
    assert recorded["node"].startswith("v") and "answer_key" in recorded


@pytest.mark.parametrize("year", YEARS)
def test_expected_rows_are_the_hand_written_case_answers(year):
    """The answer key is the case data, not the normaliser: every expected value equals the
    case's answer, or the documented not-asked meaning, or a value the form computes."""
    from tests.forms.cases import all_cases
    from tests.forms.conftest import PROFILE
    from tests.forms.write_fixtures import FORM_COMPUTED, NOT_ASKED_MEANING

    cases = {c["id"]: c for c in all_cases(year, PROFILE)}
    items = [(k, v) for k, v in _expected().items() if k.startswith(f"phieu_b_{year}/")]
    assert items
    def from_case(col: str, want: object, given: object) -> bool:
        return want == given or (col in NOT_ASKED_MEANING and want == NOT_ASKED_MEANING[col])

    for name, exp in items:
        c = cases[Path(name).stem]
        for col, want in exp["household"].items():
            if col not in FORM_COMPUTED:
                assert from_case(col, want, c["household"].get(col)), (name, col)
        assert len(exp["members"]) == len(c["members"])
        for i, (row, m) in enumerate(zip(exp["members"], c["members"], strict=True), 1):
            assert row["member_no"] == i
            assert row["household_id"] == exp["household"]["household_id"]
            for col, want in row.items():
                if col not in ("member_no", "household_id"):
                    assert from_case(col, want, m.get(col)), (name, i, col)
