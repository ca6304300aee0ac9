"""What is due, overdue and finished, per commune of a review (the portal's and CLI's view).

Each household's next step has a due date: a complaint's re-check (7 working days from the
complaint), a list returned by the district (the same), and every other open step the
review's own end (the annual window's end, or a regular round's 15 days). A household is
finished once refused, or recognised and — when poor or near-poor — certified.
Vectorised over the review's current states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from konray_review.decisions import states as sm
from konray_review.decisions.steps import CERTIFIED_CATEGORIES, Decisions

#: state -> the next step (its key in the texts below)
NEXT_STEP = {
    "preliminary": "meeting", "resurvey": "resurvey", "agreed": "posting",
    "posted": "report", "complaint": "recheck", "returned": "recheck",
    "recheck_posted": "report", "reported": "decision", "recognised": "certificate",
}
STEP_WORDS = {
    "meeting": ("Họp thôn", "Village meeting"),
    "resurvey": ("Khảo sát lại, họp lại", "Re-survey and meet again"),
    "posting": ("Niêm yết công khai", "Public posting"),
    "report": ("Báo cáo Chủ tịch UBND xã (sau niêm yết)", "Report to the chairman (after "
               "posting)"),
    "recheck": ("Phúc tra", "Re-check"),
    "decision": ("Quyết định của Chủ tịch UBND xã", "Chairman's decision"),
    "certificate": ("Cấp giấy chứng nhận", "Issue the certificate"),
}


@dataclass(frozen=True)
class Dashboard:
    review: dict
    today: date
    communes: pd.DataFrame  # one row per commune: households, finished, due, overdue, states
    items: pd.DataFrame  # one row per open household: next step, due date, overdue


def finished_mask(cur: pd.DataFrame) -> np.ndarray:
    state = cur["state"].astype(object)
    recognised_no_cert = state.eq("recognised") & ~cur["category"].isin(CERTIFIED_CATEGORIES)
    return (state.isin(sm.FINAL_STATES) | recognised_no_cert).to_numpy(bool)


def build(decisions: Decisions, review_id: str, communes: list[str] | None = None,
          today: date | None = None) -> Dashboard:
    review = decisions.review_info(review_id)
    today = today or decisions.today()
    cur = decisions.states(review_id, communes=communes)
    if cur.empty:
        empty = pd.DataFrame(columns=["commune", "households", "finished", "due", "overdue"])
        return Dashboard(review, today, empty, pd.DataFrame())
    done = finished_mask(cur)
    state = cur["state"].astype(object)
    own_due = state.isin(["complaint", "returned"]).to_numpy()
    due = np.where(own_due, cur["due_on"].astype(object), review["due_on"])
    posted = state.isin(["posted", "recheck_posted"]).to_numpy()
    ended = cur["due_on"].map(lambda d: d is not None and d < today).to_numpy(bool)
    due_dates = pd.Series(due, index=cur.index, dtype=object)
    overdue = ~done & due_dates.map(lambda d: d is not None and d < today).to_numpy(bool)
    items = pd.DataFrame({
        "household_id": cur["household_id"], "commune": cur["commune"],
        "village": cur["village"], "state": state, "category": cur["category"],
        "next_step": state.map(NEXT_STEP), "due_on": due_dates,
        "posting_until": cur["due_on"].where(pd.Series(posted, index=cur.index), None),
        "may_report": posted & ended,  # the posting is over: the report may be made
        "overdue": overdue,
    })[~done].reset_index(drop=True)
    per = pd.DataFrame({"commune": cur["commune"], "households": 1,
                        "finished": done.astype(np.int64),
                        "overdue": overdue.astype(np.int64),
                        "due": (~done & ~overdue).astype(np.int64)})
    summary = per.groupby("commune", sort=False).sum().reset_index()
    counts = pd.crosstab(cur["commune"], state).reindex(columns=list(sm.STATES), fill_value=0)
    summary = summary.merge(counts.reset_index(), on="commune", how="left")
    summary["all_finished"] = summary["finished"].eq(summary["households"])
    return Dashboard(review, today, summary, items)
