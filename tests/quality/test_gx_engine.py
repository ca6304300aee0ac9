"""The GX engine never lets an expectation that could not run pass as success."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from konray_review.quality import QualityError, Rule
from konray_review.quality.catalogue import Check
from konray_review.quality.engines import run_gx


def _check(target: str) -> Check:
    rule = Rule(id="HH-999", table="households", title="t", columns=("x",), severity="error",
                message_vi="v", message_en="e", expectation="ExpectColumnValuesToNotBeNull")
    return Check(rule, "x", target, "ExpectColumnValuesToNotBeNull", {})


def test_failing_rows_come_back_and_errors_raise():
    frame = pd.DataFrame({"_row": [0, 1, 2], "x": [1.0, None, 3.0]})
    found = run_gx({"households": frame}, {"households": [_check("x")]})
    assert list(found["row"]) == [1] and list(found["rule_id"]) == ["HH-999"]
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    with pytest.raises(QualityError, match="HH-999"):
        run_gx({"households": frame}, {"households": [_check("not_there")]})
