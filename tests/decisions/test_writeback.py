"""Back to the server: recognised households' submissions approved on ODK Central (a local
fake Central answering with the recorded API shapes), once, with the decision named."""

from __future__ import annotations

import pytest

from konray_review.decisions import DecisionError, DecisionSettings
from konray_review.decisions.writeback import write_back_recognised
from konray_review.sources.central import CentralSource
from konray_review.sources.demo import to_odata
from tests.decisions.conftest import REVIEW, busiest_village, decide_village, decisions
from tests.sources.conftest import central_config
from tests.sources.fake_central import FakeCentral


def test_write_back_is_off_unless_the_profile_enables_it(sqlite_store) -> None:
    d = decisions(sqlite_store)
    with pytest.raises(DecisionError, match="write_back_approved"):
        write_back_recognised(d, REVIEW, object())


def test_recognised_submissions_are_approved_once_with_the_decision(sqlite_store,
                                                                    review) -> None:
    d = decisions(sqlite_store, settings=DecisionSettings(write_back_approved=True))
    commune, village, hh = busiest_village(d)
    refused = hh["household_id"].iloc[0]
    decide_village(d, commune, village, refusals={refused: "Thu nhập trên chuẩn"})
    cur = d.states(REVIEW, communes=[commune], villages=[village])
    recognised = cur[cur["state"].isin(["recognised", "certified"])]["household_id"]
    instance = dict(zip(review.households["household_id"], review.households["instance_id"],
                        strict=True))
    with FakeCentral(to_odata(review.households, review.members, profile=d.profile)) as fake:
        source = CentralSource(central_config(fake.url), profile=d.profile,
                               sleep=lambda s: None)
        first = write_back_recognised(d, REVIEW, source)
        assert first["sent"] == len(recognised) and first["failed"] == 0
        for hid in recognised:
            iid = instance[hid]
            assert fake.rows[iid]["__system"]["reviewState"] == "approved"
            (comment,) = fake.comments[iid]
            assert "Quyết định số 07/QĐ-UBND ngày 10/10/2023" in comment
            assert f"Chủ tịch UBND {commune}" in comment
            assert review.households.set_index("household_id").at[hid, "head_name"] \
                not in comment
        assert fake.rows[instance[refused]]["__system"]["reviewState"] != "approved"
        again = write_back_recognised(d, REVIEW, source)
        assert (again["sent"], again["already"]) == (0, len(recognised))
        assert all(len(fake.comments[instance[h]]) == 1 for h in recognised)
