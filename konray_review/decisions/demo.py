"""The demo's review season for one commune: meetings (one household not agreed and
re-surveyed), posting, one complaint with its re-check, the report, the chairman's decision
(one written refusal when a requesting household is not poor) and the certificates, then
the documents — so a newcomer running ``konray-review demo`` sees the whole season.

Dates are working days of October of the demo year picked with the same calendar the
steps check (Tết, 2/9 and weekends skipped), so the season runs for any ``--year``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from konray_review.decisions.documents.batch import DocJob, DocWriter
from konray_review.decisions.errors import DecisionError
from konray_review.decisions.records import Actor
from konray_review.decisions.steps import Decisions

DEMO_ACTOR = Actor("demo", "cli", role="commune")
ATTENDEES = 30


@dataclass
class Season:
    commune: str
    review_id: str
    households: int
    villages: int
    recognised: int = 0
    refused: int = 0
    certified: int = 0
    complaint_household: str | None = None
    resurvey_household: str | None = None
    documents: list[Path] = field(default_factory=list)
    already: bool = False  # the store held this season from an earlier demo run


def _pick_commune(d: Decisions, year: int) -> str:
    """The smallest commune with households in more than one village (its documents print
    fastest; the season is the same everywhere)."""
    cls = d.store.read_classification(year)
    per = cls.groupby("commune").agg(villages=("village", "nunique"),
                                     households=("household_id", "size"))
    several = per[per["villages"] > 1]
    return str((several if len(several) else per)["households"].idxmin())


def run_season(store: Any, *, year: int, profile: Any, out_dir: Path | str,
               commune: str | None = None, documents: bool = True) -> Season:
    """Carry one commune through the season and write its documents under ``out_dir``."""
    d = Decisions(store, profile, today=lambda: date(year, 12, 10))
    cal = d.calendar
    work = _WorkDays(cal, date(year, 10, 1))
    review_id = d.open_review(year, DEMO_ACTOR)["review_id"]
    commune = commune or _pick_commune(d, year)
    cur = d.states(review_id, communes=[commune])
    known_all = cur[cur["category"].notna()]
    sizes = known_all.groupby("village").size().sort_values(ascending=False, kind="stable")
    villages = sizes.index.tolist()  # villages with households the meeting can discuss
    season = Season(commune, review_id, len(cur), int(cur["village"].nunique()))
    if cur["state"].ne("preliminary").any():  # a second demo on the same store
        return _as_found(d, season, cur, villages[0], out_dir, documents)
    known = known_all[known_all["village"] == villages[0]]
    doubt = str(known["household_id"].iloc[0])
    meet, post = work.next(), work.next()
    first_votes: dict[str, int | None] = {h: None for h in known["household_id"]}
    first_votes[doubt] = 12  # 12 of 30 agree: below half, so re-survey
    for village in villages:
        votes = first_votes if village == villages[0] else None
        met = d.record_meeting(review_id, commune, village, meet, ATTENDEES, DEMO_ACTOR,
                               votes=votes, households_represented=ATTENDEES,
                               notes="Buổi họp mẫu (demo)")
        if met.detail["agreed"]:
            d.start_posting(review_id, commune, post, DEMO_ACTOR, village=village)
    season.resurvey_household = doubt
    others = known[known["household_id"] != doubt]
    poor = others[others["category"] == "poor"]
    recheck_day = None
    if len(others):
        complained = str((poor if len(poor) else others)["household_id"].iloc[0])
        season.complaint_household = complained
        d.register_complaint(review_id, complained, work.next(),
                             "Người dân trong thôn (demo)",
                             "Hộ có người làm công ăn lương ổn định (demo)", DEMO_ACTOR)
    d.record_resurvey(review_id, commune, work.next(), DEMO_ACTOR, household_ids=[doubt])
    if season.complaint_household:
        recheck_day = work.next()
        d.recheck(review_id, season.complaint_household, recheck_day, DEMO_ACTOR,
                  corrections={"income_per_capita": "2.600.000"},
                  note="Phúc tra: thu nhập trên chuẩn (demo)")
    d.record_meeting(review_id, commune, villages[0], work.next(), ATTENDEES, DEMO_ACTOR,
                     votes={doubt: 25}, notes="Họp lại sau khảo sát lại (demo)")
    d.start_posting(review_id, commune, work.next(), DEMO_ACTOR, household_ids=[doubt])
    report_day = cal.add_working_days(d.posting_end(work.last), 1)  # the last posting over
    d.report(review_id, commune, report_day, DEMO_ACTOR)
    refusals = _one_refusal(d, review_id, commune)
    decided = d.decide(review_id, commune, cal.add_working_days(report_day, 2), DEMO_ACTOR,
                       number=f"15/QĐ-UBND-{year}", signer="Chủ tịch UBND (demo)",
                       refusals=refusals, refusal_number=f"16/UBND-{year}")
    season.recognised = decided.detail["recognised"]
    season.refused = decided.detail["refused"]
    now = d.states(review_id, communes=[commune])
    if (now["state"].eq("recognised") & now["category"].isin(["poor", "near_poor"])).any():
        season.certified = d.certify(review_id, commune,
                                     cal.add_working_days(report_day, 3), DEMO_ACTOR).households

    if documents:
        season.documents = _write_documents(d, review_id, commune, villages[0], out_dir)
    return season


def _as_found(d: Decisions, season: Season, cur: Any, village: str, out_dir: Path | str,
              documents: bool) -> Season:
    state = cur["state"]
    season.already = True
    season.recognised = int(state.isin(["recognised", "certified"]).sum())
    season.refused = int(state.eq("refused").sum())
    season.certified = int(state.eq("certified").sum())
    if documents:
        season.documents = _write_documents(d, season.review_id, season.commune, village,
                                            out_dir)
    return season


class _WorkDays:
    """Consecutive working days from a start (the demo's diary)."""

    def __init__(self, cal: Any, start: date) -> None:
        self.cal, self.last = cal, start - timedelta(days=1)

    def next(self) -> date:
        self.last = self.cal.add_working_days(self.last, 1)
        return self.last


def _one_refusal(d: Decisions, review_id: str, commune: str) -> dict[str, str]:
    """A requesting household the survey found not poor gets the written refusal."""
    cur = d.states(review_id, communes=[commune])
    hh = d.store.read_households(int(d.get_review(review_id)["review_year"]),
                                 communes=[commune], columns=["review_reason"])
    asked = set(hh.loc[hh["review_reason"] == "request", "household_id"])
    none = cur[(cur["state"] == "reported") & (cur["category"] == "none")
               & cur["household_id"].isin(asked)]
    if none.empty:
        return {}
    return {str(none["household_id"].iloc[0]): "Thu nhập bình quân trên chuẩn nghèo, không "
            "đủ điều kiện công nhận hộ nghèo, hộ cận nghèo (demo)."}


def _write_documents(d: Decisions, review_id: str, commune: str, village: str,
                     out_dir: Path | str) -> list[Path]:
    from konray_review.outputs.parallel import default_workers, stream_jobs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = stream_jobs(_document_jobs(d, review_id, commune, village), DocWriter,
                       (out, d.profile.directory, d.settings.documents_dir),
                       workers=default_workers())
    return [out / j.rel for j in jobs]


#: the season's documents, the longest to lay out first (CPU seconds of the demo's PDFs:
#: Mẫu 03 ~3.3, Mẫu 02 ~2.8, Appendix VI ~1.6, Appendix I ~1.5, the rest < 0.4): PDFs of
#: one village (a commune-wide PDF list takes long to lay out); the commune-wide
#: Appendix VI as DOCX only
_WANTED = (("mau_03", True, "pdf docx"), ("mau_02", False, "pdf docx"),
           ("appendix_vi", True, "pdf"), ("appendix_i", True, "pdf docx"),
           ("appendix_vi", False, "docx"), ("appendix_v", True, "pdf docx"),
           ("posting_notice", True, "pdf docx"))


def _document_jobs(d: Decisions, review_id: str, commune: str,
                   village: str) -> Iterator[DocJob]:
    """Each document filled from the record (store reads, here) as the workers lay out the
    ones before it."""
    from konray_review.decisions import documents

    for kind, of_village, formats in _WANTED:
        scope = {"village": village} if of_village else {}
        try:
            doc = documents.build(d, kind, review_id, commune, **scope)
        except DecisionError:  # nothing to print (e.g. no certificate in a tiny demo)
            continue
        yield from (DocJob(doc, fmt) for fmt in formats.split())


def season_lines(season: Season) -> list[str]:
    """What the demo prints about the season (household codes only, no names)."""
    return [
        f"Sau khảo sát (after the survey), xã {season.commune}: {season.households} hộ, "
        f"{season.villages} thôn — họp thôn, niêm yết, 1 khiếu nại, quyết định"
        + (" (đã có từ lần chạy trước; already in the store)." if season.already else "."),
        f"  Khảo sát lại (re-survey): {season.resurvey_household}; khiếu nại, phúc tra "
        f"(complaint, re-check): {season.complaint_household}",
        f"  Công nhận (recognised) {season.recognised} hộ, không công nhận (refused) "
        f"{season.refused}, cấp giấy chứng nhận (certificates) {season.certified}",
        f"  Giấy tờ (documents): {season.documents[0].parent if season.documents else '-'}",
    ]
