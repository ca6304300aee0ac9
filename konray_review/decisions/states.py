"""The state machine of one household in one review, after the survey (QĐ 24/2021/QĐ-TTg).

A household's status is always one of :data:`STATES`; it changes only by an event of
:data:`EVENTS`, and only along a row of :data:`MOVES`. Everything else is refused with a
message that says what the household is waiting for. The table is data, so the tests walk
every (state, event) pair and the docs print it (``docs/decisions.md``).

    (no record) ─preliminary→ preliminary ─meeting_agreed→ agreed ─posting_started→ posted
    preliminary ─meeting_not_agreed→ resurvey ─resurveyed→ preliminary
    posted / recheck_posted ─complaint→ complaint ─rechecked→ recheck_posted
    posted / recheck_posted ─reported→ reported ─recognised→ recognised ─certified→ certified
                                       reported ─refused→ refused
    agreed / posted / recheck_posted / reported ─returned (district)→ returned ─rechecked→ …
"""

from __future__ import annotations

from dataclasses import dataclass

from konray_review.decisions.errors import DecisionError

NEW = None  #: a household of the review with no record yet

STATES: tuple[str, ...] = (
    "preliminary", "resurvey", "agreed", "posted", "complaint", "returned", "recheck_posted",
    "reported", "recognised", "refused", "certified",
)
#: states where the household's review is over (nothing more is due)
FINAL_STATES = frozenset({"refused", "certified"})

EVENTS: tuple[str, ...] = (
    "preliminary", "meeting_agreed", "meeting_not_agreed", "resurveyed", "posting_started",
    "complaint", "rechecked", "returned", "reported", "recognised", "refused", "certified",
)

#: event -> (states it may start from, state it leads to)
MOVES: dict[str, tuple[frozenset[str | None], str]] = {
    "preliminary": (frozenset({NEW, "preliminary"}), "preliminary"),
    "meeting_agreed": (frozenset({"preliminary"}), "agreed"),
    "meeting_not_agreed": (frozenset({"preliminary"}), "resurvey"),
    "resurveyed": (frozenset({"resurvey"}), "preliminary"),
    "posting_started": (frozenset({"agreed"}), "posted"),
    "complaint": (frozenset({"posted", "recheck_posted", "complaint"}), "complaint"),
    "rechecked": (frozenset({"complaint", "returned"}), "recheck_posted"),
    "returned": (frozenset({"agreed", "posted", "recheck_posted", "reported"}), "returned"),
    "reported": (frozenset({"posted", "recheck_posted"}), "reported"),
    "recognised": (frozenset({"reported"}), "recognised"),
    "refused": (frozenset({"reported"}), "refused"),
    "certified": (frozenset({"recognised"}), "certified"),
}


@dataclass(frozen=True)
class Words:
    vi: str
    en: str


STATE_WORDS: dict[str | None, Words] = {
    NEW: Words("chưa có kết quả sơ bộ", "no preliminary result yet"),
    "preliminary": Words("kết quả sơ bộ, chờ họp thôn", "preliminary result, awaiting the "
                         "village meeting"),
    "resurvey": Words("họp thôn không thống nhất, chờ khảo sát lại",
                      "not agreed at the village meeting, awaiting a re-survey"),
    "agreed": Words("họp thôn đã thống nhất, chờ niêm yết", "agreed at the village meeting, "
                    "awaiting public posting"),
    "posted": Words("đang niêm yết công khai", "publicly posted"),
    "complaint": Words("có khiếu nại, chờ phúc tra", "complaint received, awaiting re-check"),
    "returned": Words("huyện trả lại để sửa, chờ phúc tra", "returned by the district for "
                      "correction, awaiting re-check"),
    "recheck_posted": Words("đang niêm yết kết quả phúc tra", "re-check result posted"),
    "reported": Words("đã báo cáo Chủ tịch UBND xã, chờ quyết định",
                      "reported to the commune chairman, awaiting the decision"),
    "recognised": Words("đã được công nhận", "recognised"),
    "refused": Words("không được công nhận (có văn bản trả lời)",
                     "not recognised (written refusal)"),
    "certified": Words("đã cấp giấy chứng nhận", "certificate issued"),
}

EVENT_WORDS: dict[str, Words] = {
    "preliminary": Words("ghi kết quả sơ bộ", "record the preliminary result"),
    "meeting_agreed": Words("ghi kết quả họp thôn", "record the village meeting"),
    "meeting_not_agreed": Words("ghi kết quả họp thôn", "record the village meeting"),
    "resurveyed": Words("ghi kết quả khảo sát lại", "record the re-survey"),
    "posting_started": Words("niêm yết công khai", "start public posting"),
    "complaint": Words("tiếp nhận khiếu nại", "register a complaint"),
    "rechecked": Words("ghi kết quả phúc tra", "record the re-check"),
    "returned": Words("trả lại danh sách để sửa", "return the list for correction"),
    "reported": Words("báo cáo Chủ tịch UBND xã", "report to the commune chairman"),
    "recognised": Words("ghi quyết định công nhận", "record the recognition decision"),
    "refused": Words("ghi văn bản không công nhận", "record the written refusal"),
    "certified": Words("cấp giấy chứng nhận", "issue the certificate"),
}

#: what a household in each state is waiting for (the hint of a refused move)
NEXT_STEP: dict[str | None, Words] = {
    NEW: Words("cần có kết quả phân loại sơ bộ trước", "a preliminary classification is "
               "needed first"),
    "preliminary": Words("cần họp thôn thống nhất kết quả trước",
                         "the village meeting must agree first"),
    "resurvey": Words("cần khảo sát lại rồi họp thôn lại", "re-survey, then meet again"),
    "agreed": Words("cần niêm yết công khai trước", "the result must be posted first"),
    "posted": Words("chờ hết thời gian niêm yết rồi báo cáo Chủ tịch UBND xã",
                    "wait for the posting to end, then report to the chairman"),
    "complaint": Words("cần phúc tra khiếu nại trước", "the complaint must be re-checked "
                       "first"),
    "returned": Words("cần phúc tra, sửa theo yêu cầu của huyện trước",
                      "re-check and correct as the district asked first"),
    "recheck_posted": Words("chờ hết thời gian niêm yết kết quả phúc tra",
                            "wait for the re-check posting to end"),
    "reported": Words("chờ Chủ tịch UBND xã quyết định", "awaiting the chairman's decision"),
    "recognised": Words("hộ đã được công nhận", "the household is already recognised"),
    "refused": Words("đã có văn bản không công nhận", "a written refusal was already issued"),
    "certified": Words("đã cấp giấy chứng nhận", "the certificate was already issued"),
}


def state_label(state: str | None, lang: str = "vi") -> str:
    return getattr(STATE_WORDS[state], lang)


def event_label(event: str, lang: str = "vi") -> str:
    return getattr(EVENT_WORDS[event], lang)


def allowed(state: str | None, event: str) -> bool:
    """May ``event`` be recorded for a household now in ``state``?"""
    return state in MOVES[event][0]


def target(event: str) -> str:
    return MOVES[event][1]


def refusal(state: str | None, event: str, household_id: str | None = None) -> DecisionError:
    """The error for a move the table does not allow, saying what comes first."""
    who_vi = f"Hộ {household_id}: " if household_id else ""
    who_en = f"Household {household_id}: " if household_id else ""
    ev, st, nxt = EVENT_WORDS[event], STATE_WORDS[state], NEXT_STEP[state]
    return DecisionError(
        f"{who_vi}không thể {ev.vi} khi hộ đang ở bước «{st.vi}»: {nxt.vi}.",
        f"{who_en}cannot {ev.en} while the household is at «{st.en}»: {nxt.en}.",
        household_id=household_id)


def check(state: str | None, event: str, household_id: str | None = None) -> str:
    """The state after ``event``, or a :class:`DecisionError` naming what is missing."""
    if event not in MOVES:
        raise ValueError(f"unknown decision event {event!r}")
    if state is not NEW and state not in STATES:
        raise ValueError(f"unknown decision state {state!r}")
    if not allowed(state, event):
        raise refusal(state, event, household_id)
    return target(event)
