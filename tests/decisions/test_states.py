"""The state machine: every (state, event) pair, allowed or refused, from a table written by
hand from QĐ 24/2021 (meeting → posting → complaints/re-check → report → decision →
certificate), not from ``states.MOVES``."""

from __future__ import annotations

import pytest

from konray_review.decisions import states as sm
from konray_review.decisions.errors import DecisionError

COLUMNS = ["preliminary", "meeting_agreed", "meeting_not_agreed", "resurveyed",
           "posting_started", "complaint", "rechecked", "returned", "reported", "recognised",
           "refused", "certified"]
ABBR = {"P": "preliminary", "S": "resurvey", "A": "agreed", "T": "posted", "C": "complaint",
        "B": "returned", "K": "recheck_posted", "O": "reported", "G": "recognised",
        "F": "refused", "Z": "certified"}
# rows: the state before; cells: the state after, "." = refused
#            prel m_ag m_no resu post comp rech retu repo reco refu cert
TABLE = """
(new)        P    .    .    .    .    .    .    .    .    .    .    .
preliminary  P    A    S    .    .    .    .    .    .    .    .    .
resurvey     .    .    .    P    .    .    .    .    .    .    .    .
agreed       .    .    .    .    T    .    .    B    .    .    .    .
posted       .    .    .    .    .    C    .    B    O    .    .    .
complaint    .    .    .    .    .    C    K    .    .    .    .    .
returned     .    .    .    .    .    .    K    .    .    .    .    .
recheck_posted .  .    .    .    .    C    .    B    O    .    .    .
reported     .    .    .    .    .    .    .    B    .    G    F    .
recognised   .    .    .    .    .    .    .    .    .    .    .    Z
refused      .    .    .    .    .    .    .    .    .    .    .    .
certified    .    .    .    .    .    .    .    .    .    .    .    .
"""


def _cases() -> list[tuple[str | None, str, str | None]]:
    out = []
    for line in TABLE.strip().splitlines():
        name, *cells = line.split()
        state = None if name == "(new)" else name
        assert len(cells) == len(COLUMNS), line
        for event, cell in zip(COLUMNS, cells, strict=True):
            out.append((state, event, None if cell == "." else ABBR[cell]))
    return out


CASES = _cases()


def test_the_table_covers_every_state_and_event() -> None:
    assert {s for s, _, _ in CASES} == {None, *sm.STATES}
    assert set(COLUMNS) == set(sm.EVENTS)
    assert len(CASES) == (len(sm.STATES) + 1) * len(sm.EVENTS)


@pytest.mark.parametrize(("state", "event", "after"), CASES,
                         ids=[f"{s}-{e}" for s, e, _ in CASES])
def test_move(state: str | None, event: str, after: str | None) -> None:
    if after is not None:
        assert sm.allowed(state, event)
        assert sm.check(state, event, "hh-1") == after
        return
    assert not sm.allowed(state, event)
    with pytest.raises(DecisionError) as err:
        sm.check(state, event, "hh-1")
    vi, en = str(err.value).split("\n")
    assert vi.startswith("Hộ hh-1: không thể") and sm.STATE_WORDS[state].vi in vi
    assert en.startswith("Household hh-1: cannot") and sm.STATE_WORDS[state].en in en
    assert err.value.household_id == "hh-1"


def test_posting_before_the_meeting_says_the_meeting_comes_first() -> None:
    with pytest.raises(DecisionError, match="cần họp thôn thống nhất kết quả trước"):
        sm.check("preliminary", "posting_started")


def test_a_decision_while_posted_says_to_wait_for_the_posting_to_end() -> None:
    with pytest.raises(DecisionError, match="chờ hết thời gian niêm yết"):
        sm.check("posted", "recognised")


def test_unknown_names_are_programming_errors_not_user_messages() -> None:
    with pytest.raises(ValueError, match="unknown decision event"):
        sm.check("preliminary", "approve")
    with pytest.raises(ValueError, match="unknown decision state"):
        sm.check("done", "meeting_agreed")
