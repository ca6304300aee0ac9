"""The steps after the survey, as library calls: each checks the state machine, the dates
and the deadlines, then appends one event per household in one transaction.

Bulk steps (a village's meeting, posting, the report, the decision, the certificates) take
a scope: every household of the village or commune that is at the right step; households
named explicitly must all be at it. Every step records who did it, when, and through what
(portal, import, cli). Nothing is ever updated in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from konray_review.decisions import states as sm
from konray_review.decisions.errors import DecisionError
from konray_review.decisions.records import (
    Actor,
    Records,
    as_date,
    latest,
    parse_payload,
    payload_text,
    payloads,
    utcnow,
)
from konray_review.decisions.settings import DecisionSettings, load_settings
from konray_review.decisions.workdays import (
    ReviewPeriod,
    WorkCalendar,
    annual_period,
    regular_period,
    review_id_for,
)

CERTIFIED_CATEGORIES = ("poor", "near_poor")
POSTING_EVENTS = ("posting_started", "rechecked")
#: the classification columns a decision step reads (its household's unit columns come too)
_CLASSIFIED = ("household_id", "category", "deprivation_count", "income_test", "standard",
               "run_id")


def district_today(profile: Any) -> date:
    """Today's date in the district's time zone (a step dated "today" at 6 a.m. is not
    yesterday in UTC)."""
    from konray_review.settings import today

    return today(profile)


def dmy(day: date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


def _village_words(village: str) -> str:
    """"Thôn Kon Bỉ", but "Thôn mẫu 1" or "Làng Kon Bỉ" as they are (no "Thôn Thôn ...")."""
    first = village.split(" ", 1)[0].lower()
    return village if first in ("thôn", "làng", "bản", "buôn", "tổ", "khối", "ấp") \
        else f"Thôn {village}"


def _either(mask: np.ndarray, yes: Any, no: Any) -> np.ndarray:
    """``np.where`` over object values (ids, numbers, None) without numpy's dtype guessing."""
    out = np.empty(len(mask), dtype=object)
    out[:] = no
    out[mask] = yes if np.ndim(yes) == 0 else np.asarray(yes, dtype=object)[mask]
    return out


@dataclass(frozen=True)
class StepResult:
    """What a bulk step did: households moved, and those in scope left as they were."""

    event: str
    households: int
    skipped: int = 0
    starts_on: date | None = None
    due_on: date | None = None
    ref: str | None = None  # meeting id, act id, complaint id
    detail: dict[str, Any] = field(default_factory=dict)


class Decisions:
    """The decision record of one store, with the district's settings and calendar."""

    def __init__(self, store: Any, profile: Any | None = None,
                 settings: DecisionSettings | None = None, *,
                 today: Callable[[], date] | None = None) -> None:
        from konray_review.profile import load_profile

        self.store = store
        self.profile = profile or load_profile()
        self.settings = settings or load_settings(self.profile.directory)
        self.calendar = WorkCalendar.from_settings(self.settings)
        self.records = Records(store.engine)
        self._today = today or partial(district_today, self.profile)

    def today(self) -> date:
        return self._today()

    # --- reviews ------------------------------------------------------------------------
    def period(self, year: int, month: int | None = None) -> ReviewPeriod:
        if month is None:
            return annual_period(year, self.profile.review_window)
        if not 1 <= int(month) <= 12:
            raise DecisionError("Tháng không hợp lệ (1–12).", "Month must be 1–12.")
        return regular_period(year, month, self.settings, self.calendar)

    def open_review(self, year: int, actor: Actor, month: int | None = None) -> dict:
        """Open the annual review (or a regular round): idempotent. The annual review takes
        every classified household of the year as its preliminary result."""
        period = self.period(year, month)
        with self.records.write() as conn:
            found = self.records.review(period.review_id, conn)
            if found is None:
                self.records.insert_review(
                    conn, review_id=period.review_id, review_year=period.review_year,
                    kind=period.kind, round_month=period.round_month,
                    starts_on=period.starts_on, due_on=period.due_on, opened_at=utcnow(),
                    opened_by=actor.username, source=actor.source)
            review = self.records.existing_review(period.review_id, conn)
            if review["kind"] == "annual":
                self._ensure_preliminary(conn, review, actor)
        return review

    def get_review(self, review_id: str) -> dict:
        review = self.records.review(review_id)
        if review is None:
            raise DecisionError(
                f"Chưa mở đợt rà soát {review_id}: chạy `konray-review decisions open` trước.",
                f"Review {review_id} is not open: run `konray-review decisions open` first.")
        return review

    def review_info(self, review_id: str) -> dict:
        """The stored review, or for an annual review not opened yet its period (marked
        ``opened_at`` None): pages show the preliminary results before the first step."""
        review = self.records.review(review_id)
        if review is not None:
            return review
        year, _, kind = review_id.partition("-")
        if kind != "annual" or not year.isdigit():
            return self.get_review(review_id)  # raises: regular rounds are opened explicitly
        p = self.period(int(year))
        return {"review_id": p.review_id, "review_year": p.review_year, "kind": p.kind,
                "round_month": None, "starts_on": p.starts_on, "due_on": p.due_on,
                "opened_at": None, "opened_by": None, "source": None}

    def add_households(self, review_id: str, household_ids: Sequence[str],
                       actor: Actor) -> StepResult:
        """Put requesting households into a regular round (their preliminary result)."""
        review = self.get_review(review_id)
        with self.records.write() as conn:
            n = self._ensure_preliminary(conn, review, actor, household_ids=household_ids,
                                         strict=True)
        return StepResult("preliminary", n)

    # --- reading ----------------------------------------------------------------------------
    def classified(self, review: dict, *, communes: Sequence[str] | None = None,
                   villages: Sequence[str] | None = None,
                   household_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The store's classification of the review year in the scope (preliminary results)."""
        cls = self.store.read_classification(
            int(review["review_year"]), communes=list(communes) if communes else None,
            villages=list(villages) if villages is not None else None,
            columns=_CLASSIFIED)
        cls = cls[["household_id", "commune", "village", *_CLASSIFIED[1:]]]
        if household_ids is not None:
            cls = cls[cls["household_id"].isin(set(household_ids))]
        out = cls.reset_index(drop=True)
        out["category"] = out["category"].astype(object).where(out["category"].notna(), None)
        return out

    def states(self, review_id: str, *, communes: Sequence[str] | None = None,
               villages: Sequence[str] | None = None,
               household_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The current state of every household in the scope. In the annual review a
        classified household with no record yet is ``preliminary`` (``seq`` 0)."""
        review = self.review_info(review_id)
        cur = self.records.current(review_id, communes=communes, villages=villages,
                                   household_ids=household_ids)
        if review["kind"] == "annual":
            cls = self.classified(review, communes=communes, villages=villages,
                                  household_ids=household_ids)
            fresh = cls[~cls["household_id"].isin(set(cur.get("household_id", [])))]
            virtual = pd.DataFrame({
                "review_id": review_id, "household_id": fresh["household_id"],
                "seq": 0, "event": None, "state": "preliminary",
                "commune": fresh["commune"], "village": fresh["village"],
                "on_date": None, "starts_on": None, "due_on": None,
                "category": fresh["category"], "payload": None,
            })
            cur = virtual if cur.empty else pd.concat([cur, virtual], ignore_index=True)
        if cur.empty:
            return cur
        return cur.sort_values(["commune", "village", "household_id"],
                               kind="stable").reset_index(drop=True)

    def history(self, review_id: str, household_id: str) -> pd.DataFrame:
        return self.records.events(review_id, household_ids=[household_id])

    # --- the steps ----------------------------------------------------------------------------
    def record_meeting(self, review_id: str, commune: str, village: str, held_on: Any,
                       attendees: int, actor: Actor, *,
                       votes: Mapping[str, int | str | None] | None = None,
                       households_represented: int | None = None, chair: str = "",
                       secretary: str = "", place: str = "", notes: str = "") -> StepResult:
        """A village meeting on every household it discussed: agreed when at least half
        the attendees (the profile's ``quorum_share``) agree, else re-survey.

        ``votes`` maps household id -> attendees agreeing (None: all of them); without it
        every household of the village awaiting a meeting is discussed, unanimously.
        """
        review = self.get_review(review_id)
        held = self._step_date(held_on, "ngày họp")
        attendees = _count(attendees, "số người dự họp", minimum=1)
        with self.records.write() as conn:
            self._ensure_preliminary(conn, review, actor, communes=[commune], villages=[village])
            cur = self._current(conn, review_id, communes=[commune], villages=[village])
            if votes is None:  # households without a category cannot be discussed yet
                scope = cur[cur["state"].eq("preliminary") & cur["category"].notna()]
                agree = np.full(len(scope), attendees)
            else:
                scope = self._named(cur, list(votes), f"thôn {village}", f"village {village}")
                agree = np.array([attendees if votes[h] is None else
                                  _count(votes[h], f"số người đồng ý (hộ {h})")
                                  for h in scope["household_id"]], dtype=int)
            if scope.empty:
                raise DecisionError(f"{_village_words(village)} không có hộ nào đang chờ họp "
                                    "thôn.",
                                    f"No household of village {village} awaits a meeting.")
            self._require(scope, "meeting_agreed")
            unknown = scope["category"].isna()
            if unknown.any():
                h = scope.loc[unknown, "household_id"].iloc[0]
                raise DecisionError(
                    f"Hộ {h} chưa có kết quả phân loại (thiếu thông tin thu nhập): bổ sung "
                    "phiếu trước khi đưa ra họp thôn.",
                    f"Household {h} has no category yet (income unknown): complete the "
                    "survey before the meeting.", household_id=h)
            over = agree > attendees
            if over.any():
                h = scope["household_id"].iloc[int(np.flatnonzero(over)[0])]
                raise DecisionError(
                    f"Hộ {h}: số người đồng ý lớn hơn số người dự họp ({attendees}).",
                    f"Household {h}: more agreeing than attending ({attendees}).",
                    household_id=h)
            self._not_before(scope, held, "ngày họp")
            agreed = agree >= self.settings.quorum_share * attendees - 1e-9
            meeting_id = uuid.uuid4().hex
            self.records.insert_meeting(
                conn, meeting_id=meeting_id, review_id=review_id, commune=commune,
                village=village, held_on=held, place=place or None, chair=chair or None,
                secretary=secretary or None, attendees=attendees,
                households_represented=households_represented, notes=notes or None,
                recorded_at=utcnow(), recorded_by=actor.username, source=actor.source)
            info = pd.DataFrame({"meeting_id": meeting_id, "attendees": attendees,
                                 "agree": agree, "share": np.round(agree / attendees, 4)})
            events = np.where(agreed, "meeting_agreed", "meeting_not_agreed")
            rows = self._rows(review_id, scope, events, actor, held, payload=payloads(info))
            self.records.append(conn, rows)
        return StepResult("meeting", len(scope), len(cur) - len(scope), ref=meeting_id,
                          detail={"agreed": int(agreed.sum()),
                                  "resurvey": int((~agreed).sum())})

    def record_resurvey(self, review_id: str, commune: str, on_date: Any, actor: Actor, *,
                        village: str | None = None,
                        household_ids: Sequence[str] | None = None) -> StepResult:
        """Households re-surveyed after a meeting did not agree: their new preliminary
        result is the store's classification now (the re-survey's submission pulled)."""
        review = self.get_review(review_id)
        day = self._step_date(on_date, "ngày khảo sát lại")
        with self.records.write() as conn:
            cur = self._current(conn, review_id, communes=[commune],
                                villages=[village] if village else None)
            scope = self._scope(cur, "resurveyed", household_ids, commune, village)
            self._not_before(scope, day, "ngày khảo sát lại")
            cls = self.classified(review, communes=[commune],
                                  household_ids=scope["household_id"].tolist())
            new = scope[["household_id"]].merge(cls, on="household_id", how="left")
            info = pd.DataFrame({"category_before": scope["category"].to_numpy(),
                                 "run_id": new.get("run_id"),
                                 "deprivation_count": new.get("deprivation_count")})
            rows = self._rows(review_id, scope, "resurveyed", actor, day, payload=payloads(info),
                              category=new["category"].astype(object).where(
                                  new["category"].notna(), None).to_numpy())
            self.records.append(conn, rows)
        return StepResult("resurveyed", len(scope))

    def start_posting(self, review_id: str, commune: str, starts_on: Any, actor: Actor, *,
                      village: str | None = None, household_ids: Sequence[str] | None = None,
                      places: str = "") -> StepResult:
        """Post the agreed results publicly for the profile's working days (3)."""
        self.get_review(review_id)
        start = self._step_date(starts_on, "ngày niêm yết")
        end = self.posting_end(start)
        with self.records.write() as conn:
            cur = self._current(conn, review_id, communes=[commune],
                                villages=[village] if village else None)
            scope = self._scope(cur, "posting_started", household_ids, commune, village)
            self._not_before(scope, start, "ngày niêm yết")
            rows = self._rows(review_id, scope, "posting_started", actor, start, starts_on=start,
                              due_on=end, payload=payload_text({"places": places}))
            self.records.append(conn, rows)
        return StepResult("posting_started", len(scope), len(cur) - len(scope), start, end)

    def posting_end(self, start: date) -> date:
        return self.calendar.period_end(start, self.settings.posting_working_days,
                                        count_start=self.settings.posting_counts_start_day)

    def register_complaint(self, review_id: str, household_id: str, received_on: Any,
                           complainant: str, content: str, actor: Actor) -> StepResult:
        """A complaint during posting; the re-check is due within 7 working days."""
        self.get_review(review_id)
        received = self._step_date(received_on, "ngày nhận khiếu nại")
        if not str(complainant).strip() or not str(content).strip():
            raise DecisionError("Cần ghi người khiếu nại và nội dung khiếu nại.",
                                "A complaint needs who complains and what about.")
        with self.records.write() as conn:
            events = self.records.events(review_id, household_ids=[household_id], conn=conn)
            cur = latest(events)
            self._exists(cur, household_id)
            self._require(cur, "complaint")
            start, end = _posting_window(events)
            if not start <= received <= end:
                raise DecisionError(
                    f"Hộ {household_id}: khiếu nại ngày {dmy(received)} nằm ngoài thời gian "
                    f"niêm yết ({dmy(start)}–{dmy(end)}).",
                    f"Household {household_id}: a complaint on {received} is outside the "
                    f"posting period ({start}–{end}).", household_id=household_id)
            due = self.calendar.add_working_days(received, self.settings.recheck_working_days)
            if cur["state"].iloc[0] == "complaint":
                due = min(due, cur["due_on"].iloc[0])
            complaint_id = uuid.uuid4().hex[:12]
            rows = self._rows(review_id, cur, "complaint", actor, received, starts_on=received,
                              due_on=due, payload=payload_text({
                                  "complaint_id": complaint_id,
                                  "complainant": str(complainant).strip(),
                                  "content": str(content).strip()}))
            self.records.append(conn, rows)
        return StepResult("complaint", 1, starts_on=received, due_on=due, ref=complaint_id)

    def recheck(self, review_id: str, household_id: str, on_date: Any, actor: Actor, *,
                corrections: Mapping[str, Any] | None = None, posting_starts_on: Any = None,
                note: str = "") -> StepResult:
        """The re-check of a complaint (or of a list the district returned): the classifier
        re-run on the corrected answers; its result is posted for another 3 working days."""
        from konray_review.decisions.recheck import reclassify
        from konray_review.decisions.recognised import recognised_history

        review = self.get_review(review_id)
        day = self._step_date(on_date, "ngày phúc tra")
        start = self._step_date(posting_starts_on, "ngày niêm yết kết quả phúc tra") \
            if posting_starts_on not in (None, "") else day
        if start < day:
            raise DecisionError("Ngày niêm yết kết quả phúc tra phải từ ngày phúc tra trở đi.",
                                "The re-check result cannot be posted before the re-check.")
        year = int(review["review_year"])
        with self.records.write() as conn:
            events = self.records.events(review_id, household_ids=[household_id], conn=conn)
            cur = latest(events)
            self._exists(cur, household_id)
            self._require(cur, "rechecked")
            self._not_before(cur, day, "ngày phúc tra")
            hh = self.store.read_households(year, household_ids=[household_id])
            mem = self.store.read_members(year, household_ids=[household_id])
            result = reclassify(hh, mem, corrections or {}, year=year, profile=self.profile,
                                history=recognised_history(self.store, year))
            end = self.posting_end(start)
            due = cur["due_on"].iloc[0]
            opened = _open_complaints(events)
            before = cur["category"].iloc[0]
            rows = self._rows(review_id, cur, "rechecked", actor, day, starts_on=start, due_on=end,
                              category=np.array([result.category], dtype=object),
                              payload=payload_text({
                                  "complaints": opened, "corrections": result.corrections,
                                  "category_before": before,
                                  "deprivation_count": result.deprivation_count,
                                  "income_test": result.income_test,
                                  "changed": result.category != before,
                                  "late": bool(due is not None and day > due),
                                  "recheck_due": due, "note": note}))
            self.records.append(conn, rows)
        return StepResult("rechecked", 1, starts_on=start, due_on=end,
                          detail={"category": result.category, "category_before": before,
                                  "late": bool(due is not None and day > due)})

    def return_for_correction(self, review_id: str, commune: str, on_date: Any, reason: str,
                              actor: Actor, *, village: str | None = None,
                              household_ids: Sequence[str] | None = None) -> StepResult:
        """District staff send a commune's list back (before the chairman's decision)."""
        if not actor.is_district:
            raise DecisionError("Chỉ cán bộ huyện được trả lại danh sách của xã.",
                                "Only district staff may return a commune's list.")
        if not str(reason).strip():
            raise DecisionError("Cần ghi lý do trả lại.", "A reason is required.")
        self.get_review(review_id)
        day = self._step_date(on_date, "ngày trả lại")
        due = self.calendar.add_working_days(day, self.settings.recheck_working_days)
        with self.records.write() as conn:
            cur = self._current(conn, review_id, communes=[commune],
                                villages=[village] if village else None)
            scope = self._scope(cur, "returned", household_ids, commune, village)
            rows = self._rows(review_id, scope, "returned", actor, day, starts_on=day, due_on=due,
                              payload=payload_text({"reason": str(reason).strip()}))
            self.records.append(conn, rows)
        return StepResult("returned", len(scope), len(cur) - len(scope), day, due)

    def report(self, review_id: str, commune: str, on_date: Any, actor: Actor, *,
               village: str | None = None,
               household_ids: Sequence[str] | None = None) -> StepResult:
        """Report the households whose posting has ended to the chairman (Appendix VI)."""
        self.get_review(review_id)
        day = self._step_date(on_date, "ngày báo cáo")
        with self.records.write() as conn:
            cur = self._current(conn, review_id, communes=[commune],
                                villages=[village] if village else None)
            at_step = cur[cur["state"].isin(sm.MOVES["reported"][0])]
            if household_ids is not None:
                at_step = self._named(cur, household_ids, f"xã {commune}", f"commune {commune}")
                self._require(at_step, "reported")
            elif at_step.empty:
                self._scope(cur, "reported", None, commune, village)  # raises the reason
            still = at_step[at_step["due_on"].map(lambda d: d is None or d >= day)]
            if household_ids is not None and len(still):
                raise _posting_not_over(still.iloc[0])
            scope = at_step.drop(still.index)
            if scope.empty:
                raise _posting_not_over(still.iloc[0])
            rows = self._rows(review_id, scope, "reported", actor, day, payload=None)
            self.records.append(conn, rows)
        return StepResult("reported", len(scope), len(cur) - len(scope), day)

    def decide(self, review_id: str, commune: str, signed_on: Any, actor: Actor, *,
               number: str = "", signer: str = "", refusals: Mapping[str, str] | None = None,
               refusal_number: str = "", village: str | None = None,
               household_ids: Sequence[str] | None = None) -> StepResult:
        """The chairman's decision (Mẫu 02) on the reported households: recognised in their
        category, except ``refusals`` (household id -> reasons), refused in writing."""
        self.get_review(review_id)
        day = self._step_date(signed_on, "ngày ký quyết định")
        refusals = {str(k): str(v).strip() for k, v in (refusals or {}).items()}
        blank = [h for h, r in refusals.items() if not r]
        if blank:
            raise DecisionError(f"Hộ {blank[0]}: văn bản không công nhận phải nêu rõ lý do.",
                                f"Household {blank[0]}: a refusal needs its reasons.",
                                household_id=blank[0])
        with self.records.write() as conn:
            cur = self._current(conn, review_id, communes=[commune],
                                villages=[village] if village else None)
            scope = self._scope(cur, "recognised", household_ids, commune, village)
            outside = set(refusals) - set(scope["household_id"])
            if outside:
                h = sorted(outside)[0]
                self._require(self._named(cur, [h], f"xã {commune}", f"commune {commune}"),
                              "refused")
            self._not_before(scope, day, "ngày ký quyết định")
            refused = scope["household_id"].isin(set(refusals)).to_numpy()
            acts = {}
            for kind, mask, num in (("recognition", ~refused, number),
                                    ("refusal", refused, refusal_number)):
                if mask.any():
                    acts[kind] = uuid.uuid4().hex
                    self.records.insert_act(
                        conn, act_id=acts[kind], review_id=review_id, commune=commune,
                        kind=kind, number=num or None, signed_on=day, signer=signer or None,
                        reasons=None, recorded_at=utcnow(), recorded_by=actor.username,
                        source=actor.source)
            reasons = scope["household_id"].map(refusals).where(refused, None)
            info = pd.DataFrame({
                "act_id": _either(refused, acts.get("refusal"), acts.get("recognition")),
                "number": _either(refused, refusal_number or None, number or None),
                "reasons": reasons.to_numpy(), "proposed": scope["category"].to_numpy()})
            events = np.where(refused, "refused", "recognised")
            rows = self._rows(review_id, scope, events, actor, day,
                              category=_either(refused, None, scope["category"].to_numpy()),
                              payload=payloads(info))
            self.records.append(conn, rows)
        return StepResult("decided", len(scope), len(cur) - len(scope), day,
                          ref=acts.get("recognition"),
                          detail={"recognised": int((~refused).sum()),
                                  "refused": int(refused.sum()), "acts": acts})

    def certify(self, review_id: str, commune: str, issued_on: Any, actor: Actor, *,
                village: str | None = None,
                household_ids: Sequence[str] | None = None) -> StepResult:
        """Certificates (Mẫu 03) for recognised poor and near-poor households, numbered in
        order within the commune's review."""
        self.get_review(review_id)
        day = self._step_date(issued_on, "ngày cấp giấy chứng nhận")
        with self.records.write() as conn:
            every = self._current(conn, review_id, communes=[commune])
            cur = every if village is None else every[every["village"] == village]
            eligible = cur[cur["state"].eq("recognised")
                           & cur["category"].isin(CERTIFIED_CATEGORIES)]
            if household_ids is not None:
                scope = self._named(cur, household_ids, f"xã {commune}", f"commune {commune}")
                self._require(scope, "certified")
                bad = ~scope["category"].isin(CERTIFIED_CATEGORIES)
                if bad.any():
                    h = scope.loc[bad, "household_id"].iloc[0]
                    raise DecisionError(
                        f"Hộ {h}: chỉ cấp giấy chứng nhận cho hộ nghèo, hộ cận nghèo.",
                        f"Household {h}: certificates are for poor and near-poor households "
                        "only.", household_id=h)
            elif eligible.empty:
                raise DecisionError("Không có hộ nghèo, cận nghèo nào đã công nhận mà chưa "
                                    "cấp giấy chứng nhận.",
                                    "No recognised poor or near-poor household awaits a "
                                    "certificate.")
            else:
                scope = eligible
            self._not_before(scope, day, "ngày cấp giấy chứng nhận")
            issued = int((every["state"] == "certified").sum())
            numbers = [f"{issued + i:04d}" for i in range(1, len(scope) + 1)]
            info = pd.DataFrame({"certificate_no": numbers})
            rows = self._rows(review_id, scope, "certified", actor, day, payload=payloads(info))
            self.records.append(conn, rows)
        return StepResult("certified", len(scope), len(cur) - len(scope), day)

    # --- helpers ------------------------------------------------------------------------------
    def _step_date(self, value: Any, field: str) -> date:
        day = as_date(value, field)
        if day > self.today():
            raise DecisionError(f"«{field}» ({dmy(day)}) chưa đến: không ghi trước được.",
                                f"«{field}» ({day}) is in the future.")
        return day

    def _current(self, conn: sa.Connection, review_id: str, **scope: Any) -> pd.DataFrame:
        return latest(self.records.events(review_id, conn=conn, **scope))

    def _ensure_preliminary(self, conn: sa.Connection, review: dict, actor: Actor, *,
                            communes: Sequence[str] | None = None,
                            villages: Sequence[str] | None = None,
                            household_ids: Sequence[str] | None = None,
                            strict: bool = False) -> int:
        """Record the classification as each household's preliminary result where it has
        none yet (annual review, or households added to a round) or where the household
        still awaits its meeting and the classification has changed since."""
        cls = self.classified(review, communes=communes, villages=villages,
                              household_ids=household_ids)
        if strict and household_ids is not None:
            missing = sorted(set(household_ids) - set(cls["household_id"]))
            if missing:
                raise DecisionError(
                    f"Hộ {missing[0]} chưa có kết quả phân loại năm {review['review_year']}.",
                    f"Household {missing[0]} has no {review['review_year']} classification.",
                    household_id=missing[0])
        cur = self._current(conn, review["review_id"], communes=communes, villages=villages,
                            household_ids=household_ids)
        if cur.empty:
            cur = pd.DataFrame(columns=["household_id", "state", "seq", "category"])
        m = cls.merge(cur[["household_id", "state", "seq", "category"]], on="household_id",
                      how="left", suffixes=("", "_rec"))
        if review["kind"] != "annual" and household_ids is None:
            m = m[m["state"].notna()]  # a round holds only the households put into it
        fresh = m["state"].isna()
        changed = m["state"].eq("preliminary") & (
            m["category"].fillna("") != m["category_rec"].fillna(""))
        todo = m[fresh | changed].copy()
        if todo.empty:
            return 0
        todo["state"] = todo["state"].astype(object).where(todo["state"].notna(), None)
        todo["seq"] = pd.to_numeric(todo["seq"]).fillna(0).astype(int)
        info = todo[[c for c in ("deprivation_count", "income_test", "standard", "run_id")
                     if c in todo.columns]]
        rows = self._rows(review["review_id"], todo, "preliminary", actor, self.today(),
                          payload=payloads(info))
        return self.records.append(conn, rows)

    @staticmethod
    def _require(scope: pd.DataFrame, event: str) -> None:
        """Every household of ``scope`` may take ``event`` (else the first one's reason)."""
        ok = scope["state"].map(lambda s: sm.allowed(None if pd.isna(s) else s, event))
        if not ok.all():
            row = scope[~ok.to_numpy()].iloc[0]
            raise sm.refusal(row["state"], event, row["household_id"])

    def _scope(self, cur: pd.DataFrame, event: str, household_ids: Sequence[str] | None,
               commune: str, village: str | None) -> pd.DataFrame:
        """Households the bulk step applies to: those named (all must be at the step), else
        every household of the unit at the step; none at all is an error saying why."""
        if household_ids is not None:
            scope = self._named(cur, household_ids, f"xã {commune}", f"commune {commune}")
            self._require(scope, event)
            return scope
        scope = cur[cur["state"].isin(sm.MOVES[event][0])]
        if scope.empty:
            unit_vi = f"thôn {village}" if village else f"xã {commune}"
            unit_en = f"village {village}" if village else f"commune {commune}"
            ev = sm.EVENT_WORDS[event]
            raise DecisionError(f"Không có hộ nào của {unit_vi} đang ở bước để {ev.vi}.",
                                f"No household of {unit_en} is at the step to {ev.en}.")
        return scope

    @staticmethod
    def _named(cur: pd.DataFrame, household_ids: Sequence[str], unit_vi: str,
               unit_en: str) -> pd.DataFrame:
        ids = list(dict.fromkeys(str(h) for h in household_ids))
        found = cur.set_index("household_id", drop=False)
        missing = [h for h in ids if h not in found.index]
        if missing:
            raise DecisionError(f"Hộ {missing[0]} không thuộc {unit_vi} của đợt rà soát này.",
                                f"Household {missing[0]} is not in {unit_en} in this review.",
                                household_id=missing[0])
        return found.loc[ids].reset_index(drop=True)

    @staticmethod
    def _exists(cur: pd.DataFrame, household_id: str) -> None:
        if cur.empty:
            raise DecisionError(f"Hộ {household_id} chưa có trong đợt rà soát này "
                                "(chưa họp thôn).",
                                f"Household {household_id} is not in this review yet.",
                                household_id=household_id)

    @staticmethod
    def _not_before(scope: pd.DataFrame, day: date, field: str) -> None:
        """A step is not dated before the household's previous step (the preliminary
        snapshot's date is when it was recorded, so it does not count)."""
        prev = scope["on_date"].where(scope["event"].ne("preliminary")
                                      & scope["on_date"].notna())
        prev = prev.dropna()
        early = prev[prev.map(lambda d: d > day)]
        if len(early):
            row = scope.loc[early.index[0]]
            raise DecisionError(
                f"Hộ {row['household_id']}: «{field}» ({dmy(day)}) trước bước trước đó "
                f"({dmy(row['on_date'])}).",
                f"Household {row['household_id']}: «{field}» ({day}) is before the previous "
                f"step ({row['on_date']}).", household_id=row["household_id"])

    @staticmethod
    def _rows(review_id: str, base: pd.DataFrame, event: str | np.ndarray, actor: Actor,
              on_date: date,
              *, starts_on: date | None = None, due_on: date | None = None,
              category: Any = None, payload: list[str] | str | None = None) -> pd.DataFrame:
        """Event rows for ``base`` (current rows: household_id, commune, village, seq,
        category); ``event`` one name or one per row."""
        n = len(base)
        events = np.broadcast_to(np.asarray(event, dtype=object), (n,))
        states = np.array([sm.target(e) for e in dict.fromkeys(events)], dtype=object)
        to_state = pd.Series(events).map(dict(zip(dict.fromkeys(events), states, strict=True)))
        return pd.DataFrame({
            "review_id": review_id,
            "household_id": base["household_id"].to_numpy(),
            "seq": pd.to_numeric(base["seq"]).fillna(0).astype(int).to_numpy() + 1,
            "event": events, "state": to_state.to_numpy(),
            "commune": base["commune"].to_numpy(), "village": base["village"].to_numpy(),
            "on_date": on_date, "starts_on": starts_on, "due_on": due_on,
            "category": base["category"].to_numpy() if category is None else category,
            "payload": payload,
            "recorded_at": utcnow(), "recorded_by": actor.username, "source": actor.source,
        })


def _count(value: Any, field: str, minimum: int = 0) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise DecisionError(f"«{field}» phải là số nguyên.", f"«{field}» must be a whole "
                            "number.") from None
    if n < minimum:
        raise DecisionError(f"«{field}» phải từ {minimum} trở lên.",
                            f"«{field}» must be at least {minimum}.")
    return n


def _posting_window(events: pd.DataFrame) -> tuple[date, date]:
    posts = events[events["event"].isin(POSTING_EVENTS)]
    last = posts.iloc[-1]
    return last["starts_on"], last["due_on"]


def _open_complaints(events: pd.DataFrame) -> list[str]:
    """Complaint ids since the last posting (those the re-check answers)."""
    posts = np.flatnonzero(events["event"].isin(POSTING_EVENTS).to_numpy())
    after = events.iloc[posts[-1] + 1:] if len(posts) else events
    ids = (parse_payload(p).get("complaint_id")
           for p in after.loc[after["event"] == "complaint", "payload"])
    return [str(cid) for cid in ids if cid is not None]  # every complaint event records its id


def _posting_not_over(row: pd.Series) -> DecisionError:
    h, end = row["household_id"], row["due_on"]
    return DecisionError(
        f"Hộ {h}: chưa hết thời gian niêm yết (đến hết ngày {dmy(end)}); báo cáo Chủ tịch "
        "UBND xã từ ngày hôm sau.",
        f"Household {h}: the posting runs until {end}; report to the chairman after it.",
        household_id=h)


__all__ = ["Actor", "Decisions", "StepResult", "district_today", "review_id_for"]
