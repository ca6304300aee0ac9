"""``outputs.shared_frame``: what a list worker gets is the parent's frame, exactly."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from konray_review.outputs.shared_frame import SharedFrame, local, sharing


def _frame() -> pd.DataFrame:
    df = pd.DataFrame({
        "name": pd.array(["Đinh Phiên", None, "A Dên"], dtype="str"),
        "n": np.array([3, -1, 0], dtype="int64"),
        "score": [0.5, np.nan, -0.0],
        "dtts": [True, False, True],
        "kind": pd.Categorical(["poor", "near_poor", "poor"]),
        "when": pd.to_datetime(["2026-01-02", None, "2026-03-04"]),
        7: ["not a text name", "b", "c"],
    }, index=pd.Index([40, 2, 17], name="row"))
    # an object column of texts and None, as classified_frame's transitions are
    df.insert(4, "transition", pd.Series(["poor->near_poor", None, None], dtype=object,
                                         index=df.index))
    df.attrs["year"] = 2026
    return df


def test_a_worker_gets_the_frame_exactly_and_text_through_the_file(tmp_path) -> None:
    frame = _frame()
    with sharing() as share:
        shared = share(frame)
        blob = pickle.dumps(shared)
        files = list(next(iter(_folders(shared))).iterdir())
        back = pickle.loads(blob)
        assert isinstance(back, pd.DataFrame)
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        assert back.attrs == {"year": 2026}
        assert back["transition"].tolist() == ["poor->near_poor", None, None]  # None, not NaN
        assert np.signbit(back["score"].iloc[2])  # -0.0 kept
        assert len(files) == 1 and pickle.dumps(shared) == blob  # written once
        # the text went through the file, not the pickle
        assert "Đinh Phiên".encode() not in blob and b"poor->near_poor" in blob
    assert not files[0].exists()  # removed on leaving


def test_in_this_process_the_frame_is_the_same_object() -> None:
    frame = _frame()
    with sharing() as share:
        assert local(share(frame)) is frame
    assert local(frame) is frame


def test_frames_with_nothing_for_the_file_travel_pickled() -> None:
    repeated = pd.DataFrame([[1, "a"], [2, "b"]], columns=["x", "x"])
    objects = pd.DataFrame({"t": pd.Series(["a", None], dtype=object)})
    empty = _frame().iloc[:0]
    with sharing() as share:
        for frame in (repeated, objects, empty):
            back = pickle.loads(pickle.dumps(share(frame)))
            pd.testing.assert_frame_equal(back, frame, check_exact=True)


def _folders(shared: SharedFrame):
    yield shared._folder
