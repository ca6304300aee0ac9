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

pytestmark = pytest.mark.node
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
STALE = "stale fixture: run `.venv/bin/python -m tests.forms.write_fixtures`"


def _paths(xml: str) -> set[str]:
    def walk(el: ET.Element, prefix: str) -> set[str]:
        here = f"{prefix}/{el.tag}"
        return {here}.union(*(walk(c, here) for c in el))
    return walk(ET.fromstring(xml), "")


def test_expected_lists_every_fixture():
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("phieu_*/*.xml")}
    assert files and files == set(expected)


@pytest.mark.parametrize("year", YEARS)
def test_fixtures_match_current_form(year, built, engine_runs):
    b, _ = built[("phieu_b", year)]
    cases, results = engine_runs[f"parity-{year}"]
    fresh = {c["id"]: r["submission"] for c, r in zip(cases, results, strict=True)}
    files = sorted((FIXTURES / b.form_id).glob("*.xml"))
    assert files, f"no fixtures for {b.form_id}"
    for path in files:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert (root.get("id"), root.get("version")) == (b.form_id, b.version), STALE
        assert _paths(path.read_text(encoding="utf-8")) == _paths(fresh[path.stem]), (path, STALE)


def test_phieu_a_fixtures_match_current_form(built):
    b, _ = built[("phieu_a", 2023)]
    files = sorted((FIXTURES / b.form_id).glob("*.xml"))
    assert files
    for path in files:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert (root.get("id"), root.get("version")) == (b.form_id, b.version), STALE
