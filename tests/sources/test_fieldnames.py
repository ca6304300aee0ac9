"""Field names: the normaliser's own fields are form fields, so reading them never needs
the forms built (``fieldnames.unknown_fields`` skips them)."""

from __future__ import annotations

import pandas as pd

from konray_review.sources.fieldnames import known_fields, unknown_fields
from konray_review.sources.normalise import READ_FIELDS


def test_every_field_the_normaliser_reads_is_a_field_of_some_form():
    # if this fails, skipping READ_FIELDS would hide a field no form has (SRC-007)
    assert known_fields() >= READ_FIELDS


def test_a_field_no_form_has_is_reported_with_its_filled_rows():
    frame = pd.DataFrame({"income_per_capita": [1.0, 2.0, None],
                          "ghi_chu_them": ["nhà gần suối", " ", None],
                          "__id": ["a", "b", "c"], "gps_latitude": [1.0, 2.0, 3.0]})
    assert unknown_fields(frame, {"gps_latitude"}, READ_FIELDS) == [("ghi_chu_them", 1)]


def test_columns_all_read_or_ignored_report_nothing():
    frame = pd.DataFrame({"household_id": ["x"], "age": [3], "__parent": ["a"]})
    assert unknown_fields(frame, set(), READ_FIELDS) == []
