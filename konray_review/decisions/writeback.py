"""Back to the server (optional, per district): a recognised household's submission marked
``approved`` (ODK Central review state; KoBo validation status), with a comment naming
the decision.

Only through the source's ``set_review_state(instance_id, state, comment_vi=…)``; what was
sent is kept in ``decision_writebacks``, so a household already approved is not sent
again. Never called from a web request: a slow server must not hold a commune user's page,
so the portal only records the decision and this runs from the CLI (or a flow).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from konray_review.decisions.errors import DecisionError
from konray_review.decisions.records import parse_payload
from konray_review.decisions.steps import Decisions, dmy
from konray_review.schema import label


def pending(d: Decisions, review_id: str) -> pd.DataFrame:
    """Recognised households (their submission id and the comment) not yet approved."""
    review = d.get_review(review_id)
    ev = d.records.events(review_id)
    rec = ev[ev["event"] == "recognised"].drop_duplicates("household_id", keep="last")
    sent = d.records.writebacks(review_id)
    done = set(sent.loc[sent["ok"].astype(bool), "household_id"]) if len(sent) else set()
    rec = rec[~rec["household_id"].isin(done)]
    hh = d.store.read_households(int(review["review_year"]))
    rec = rec.merge(hh[["household_id", "instance_id"]], on="household_id", how="left")
    acts = d.records.acts(review_id).set_index("act_id")
    comments = []
    for payload, category, commune in zip(rec["payload"], rec["category"], rec["commune"],
                                          strict=True):  # one text per request sent anyway
        act_id = parse_payload(payload).get("act_id")
        act = acts.loc[act_id] if act_id in acts.index else None
        number = f"số {act['number']} " if act is not None and act["number"] else ""
        signed = dmy(pd.Timestamp(act["signed_on"]).date()) if act is not None else ""
        comments.append(f"Đã công nhận {label('category', category).lower()} theo Quyết "
                        f"định {number}ngày {signed} của Chủ tịch UBND {commune} "
                        f"(đợt rà soát {review_id}).")
    rec["comment"] = comments
    return rec[["household_id", "instance_id", "comment"]].reset_index(drop=True)


def write_back_recognised(d: Decisions, review_id: str, source: Any) -> dict[str, Any]:
    """Approve every recognised household's submission once; returns counts."""
    from konray_review.sources.base import NotSupported

    if not d.settings.write_back_approved:
        raise DecisionError(
            "Hồ sơ huyện chưa bật ghi kết quả công nhận về máy chủ (write_back_approved: true "
            "trong decisions.yaml).",
            "The district profile does not enable write-back of recognitions "
            "(write_back_approved: true in decisions.yaml).")
    todo = pending(d, review_id)
    sent_before = d.records.writebacks(review_id)
    already = int(sent_before["ok"].astype(bool).sum()) if len(sent_before) else 0
    missing = todo["instance_id"].isna()
    sent = failed = 0
    for row in todo[~missing].itertuples(index=False):  # one HTTP request per household
        try:
            source.set_review_state(row.instance_id, "approved", comment_vi=row.comment)
        except NotSupported as exc:
            return {"sent": sent, "already": already, "failed": failed, "reason": str(exc)}
        except Exception as exc:  # recorded, the next run retries it
            failed += 1
            d.records.insert_writeback(review_id=review_id, household_id=row.household_id,
                                       instance_id=row.instance_id, review_state="approved",
                                       comment=row.comment, ok=False,
                                       message=f"{type(exc).__name__}: {exc}"[:500])
            continue
        sent += 1
        d.records.insert_writeback(review_id=review_id, household_id=row.household_id,
                                   instance_id=row.instance_id, review_state="approved",
                                   comment=row.comment, ok=True, message=None)
    return {"sent": sent, "already": already, "failed": failed,
            "no_submission": int(missing.sum())}
