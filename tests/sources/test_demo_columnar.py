"""The demo source's columnar raw frames equal what Central's OData rows flatten to.

The reference is the record path (``to_odata`` -> ``flatten_odata``), which the fake Central
server and the replay tests already hold to a real Central's answers; the columnar path
(``raw_frames``) must give the same frames, dtypes included, and so the same canonical
tables, problems and delivery."""

from __future__ import annotations

import pandas as pd
import pytest

from konray_review.profile import load_profile
from konray_review.sources.demo import DemoSource, raw_frames, to_odata
from konray_review.sources.normalise import flatten_odata, to_canonical
from konray_review.synth import generate


@pytest.mark.parametrize("bad_share", [0.0, 0.3])
def test_columnar_raw_frames_equal_flattened_odata(bad_share):
    profile = load_profile()
    review = generate(profile=profile, n_households=400, year=2023, seed=5,
                      bad_share=bad_share)
    expected = flatten_odata(to_odata(review.households, review.members, profile=profile))
    got = raw_frames(review.households, review.members, profile=profile)
    pd.testing.assert_frame_equal(got.submissions, expected.submissions)
    pd.testing.assert_frame_equal(got.members, expected.members)
    a = to_canonical(expected, profile=profile, source="demo", form_id="demo")
    b = to_canonical(got, profile=profile, source="demo", form_id="demo")
    for name in ("households", "members", "problems", "delivery", "findings"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name))


def test_roster_of_a_household_id_used_twice_goes_to_its_first_submission():
    """The generator's duplicated household ids: the roster rides on the first submission
    only (as in ``to_odata``), and a roster line of an unknown household is not sent."""
    profile = load_profile()
    review = generate(profile=profile, n_households=300, year=2023, seed=2, bad_share=0.3)
    hh = review.households
    dup = hh.loc[hh["household_id"].duplicated(keep=False), "household_id"]
    assert len(dup), "the generator's bad records include a household id used twice"
    got = raw_frames(hh, review.members, profile=profile)
    first = hh.drop_duplicates("household_id").set_index("household_id")["instance_id"]
    second = set(hh.loc[hh["household_id"].duplicated(), "instance_id"])
    assert not got.members["__parent"].isin(second).any()
    some = dup.iloc[0]
    roster = int((review.members["household_id"] == some).sum())
    assert int((got.members["__parent"] == first[some]).sum()) == roster
    known = review.members["household_id"].isin(set(hh["household_id"]))
    assert len(got.members) == int(known.sum())


def test_demo_pull_reads_the_columnar_frames():
    source = DemoSource(120, year=2023, seed=1)
    batch = source.pull()
    expected = to_canonical(flatten_odata(source.records()), profile=source.profile,
                            source="demo", form_id="demo")
    pd.testing.assert_frame_equal(batch.households, expected.households)
    pd.testing.assert_frame_equal(batch.members, expected.members)
