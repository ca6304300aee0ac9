"""Bulk writes (COPY on PostgreSQL, executemany on SQLite) keep every value as given: an
empty text stays empty (not missing), quotes, commas, new lines and Vietnamese text
survive; a constraint broken during a bulk write is a StoreError without the row's data."""

from __future__ import annotations

import pandas as pd
import pytest

from konray_review.store import Store
from konray_review.store.errors import StoreError
from konray_review.store.schema import run_findings


def test_texts_round_trip_exactly(store: Store) -> None:
    texts = ["", None, 'dấu "ngoặc", phẩy\nxuống dòng', "Đăk Kôi", ",", '"', "\\N", "NULL"]
    findings = pd.DataFrame({"file": texts, "form_id": "f", "rule_id": "SRC-001",
                             "scope": None, "column": "c", "value": texts,
                             "rows": [0, 1, None, 3, 4, 5, 6, 7],
                             "message_vi": "m", "message_en": "m"})
    files = pd.DataFrame({"file": ["a"], "form_id": ["f"], "delivered": [1], "accepted": [1],
                          "quarantined": [0], "refused": [0], "deleted": [0],
                          "other_year": [0], "older": [0], "members_refused": [0]})
    store.save_accounting("r1", files, findings)
    _, got = store.read_accounting("r1")
    assert got["file"].astype(object).where(got["file"].notna(), None).tolist() == [
        "", None, 'dấu "ngoặc", phẩy\nxuống dòng', "Đăk Kôi", ",", '"', "\\N", "NULL"]
    assert got["rows"].isna().tolist() == [False, False, True, False, False, False, False,
                                           False]
    assert got["rows"].dropna().astype(int).tolist() == [0, 1, 3, 4, 5, 6, 7]


def test_constraint_broken_in_a_bulk_write_names_no_value(store: Store) -> None:
    bad = pd.DataFrame({"file": ["Nguyễn Văn A 012345678901"], "form_id": ["f"],
                        "rule_id": [None], "message_vi": ["x"]})
    with pytest.raises(StoreError) as err:
        store.save_accounting("r2", pd.DataFrame(columns=[c.name for c in
                                                          run_findings.columns]), bad)
    text = f"{err.value}\n{err.value.detail}"
    assert "Nguyễn" not in text and "012345678901" not in text
    assert "ràng buộc" in str(err.value)  # a constraint (NOT NULL rule_id) was violated
    assert store.read_accounting("r2")[1].empty
