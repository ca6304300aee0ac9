"""Quarantine bookkeeping: parse problems become quarantine rows, messages name the member
and the value, and counts must reconcile.

Why here and not in the quality suites: a value the source could not even type (``"abc"``
in a number field) is reported by the normaliser, before any rule runs. Such a submission
is quarantined like a rule failure (with its ``SRC-…`` rule id), so ``received = accepted +
quarantined`` always holds.

Every message says what district staff and the enumerator need to act on it, because the
same text is what gets posted to the server as the submission's comment: the member
number(s) (``Thành viên số 2, 3: …``), the value as typed where it helps (never a name or an
ID number), and, for a household id used twice, the other submission. An unreadable value is
reported once, as unreadable, not also as blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from konray_review.masks import isin
from konray_review.schema import PII_COLUMNS

PARSE_RULE = "SRC-001"  # what stored problems of earlier versions (no rule id) were
QUARANTINE_COLUMNS = ("household_id", "instance_id", "enumerator", "commune", "village",
                      "rule_id", "column", "message_vi", "message_en", "member_nos", "table")
#: household rules whose failing value is worth quoting in the message
_NO_VALUE_RULES = frozenset({"HH-001", "HH-002", "HH-011", "HH-013", "HH-021"})


class ReconciliationError(RuntimeError):
    """received != accepted + quarantined: a submission was lost or counted twice."""


@dataclass(frozen=True)
class Checked:
    """A batch after the quality gate: what goes on, what stays in quarantine."""

    households: pd.DataFrame
    members: pd.DataFrame
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS, one row per failed rule and field
    received: int
    docs_path: str | None = None

    @property
    def accepted(self) -> int:
        return len(self.households)

    @property
    def quarantined(self) -> int:
        return int(self.quarantine["instance_id"].nunique())


def problem_rows(problems: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Normaliser problems (``sources.problems.PROBLEM_COLUMNS``) as quarantine rows."""
    if problems is None or problems.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    units = households.drop_duplicates("instance_id").set_index("instance_id")
    ids = problems["instance_id"].astype(object)
    column = problems["column"].astype(object)
    rule = _get(problems, "rule_id").fillna(PARSE_RULE)
    english = _get(problems, "problem_en")
    english = english.where(english.notna(), "The value cannot be read (" + column.astype(str)
                            + ").")
    member = _get(problems, "member_no").astype(object)
    member = member.where(member.notna() & (member.astype(str) != ""), None)
    is_member = (problems["table"].astype(object) == "members").to_numpy()
    out = pd.DataFrame({
        "household_id": ids.map(units["household_id"]), "instance_id": ids,
        "enumerator": ids.map(units["enumerator"]), "commune": ids.map(units["commune"]),
        "village": ids.map(units["village"]), "rule_id": rule, "column": column,
        "message_vi": problems["problem"].astype(object), "message_en": english,
        "member_nos": np.where(is_member, member.fillna("?"), ""),
        "table": problems["table"].astype(object),
    })
    return out.reset_index(drop=True)


def _get(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column] if column in frame.columns else pd.Series(None, index=frame.index,
                                                                   dtype=object)


def merge_quarantine(accepted_hh: pd.DataFrame, accepted_mem: pd.DataFrame,
                     rule_rows: pd.DataFrame, parse_rows: pd.DataFrame,
                     received: int, docs_path: str | None = None,
                     households: pd.DataFrame | None = None) -> Checked:
    """Move parse-problem submissions out of the accepted set, word the messages, then
    reconcile the counts. ``households``: every submission validated (to name the other
    submission of a duplicated household id, and to quote values)."""
    rules, parse = _columns(rule_rows), _columns(parse_rows)
    rules = unshadow(rules, parse)
    everyone = households if households is not None else accepted_hh
    rules = _with_values(_name_duplicates(rules, everyone), everyone)
    q = pd.concat([rules, parse], ignore_index=True)
    q = _consequences(_unreadable_rows(q))
    q = _with_members(q)
    bad = set(q["instance_id"].dropna())
    keep = ~isin(accepted_hh["instance_id"], bad)
    hh = accepted_hh[keep].reset_index(drop=True)
    mem = accepted_mem[isin(accepted_mem["household_id"], hh["household_id"])]
    checked = Checked(hh, mem.reset_index(drop=True), q, received, docs_path)
    reconcile(checked)
    return checked


def _required_rules() -> set[str]:
    from konray_review.quality.catalogue import load_catalogue

    required = ("required_if_dwelling", "required_by_standard", "school_required")
    return {r.id for r in load_catalogue().rules
            if r.expectation == "ExpectColumnValuesToNotBeNull" or r.rule in required}


def unshadow(rules: pd.DataFrame, parse: pd.DataFrame) -> pd.DataFrame:
    """A value the reader could not type (or an answer it found missing where the form
    asked for one) is reported by the reader's rule; the suites' "is blank" rule on the
    same submission, field and member is dropped, so one mistake gives one message."""
    if rules.empty or parse.empty:
        return rules
    required = rules["rule_id"].isin(_required_rules()).to_numpy()
    if not required.any():
        return rules
    cand = rules[required].copy()
    cand["_pos"] = np.flatnonzero(required)
    cand["_no"] = cand["member_nos"].fillna("").astype(str).str.split(", ")
    cand = cand.explode("_no")
    hit = parse[["instance_id", "column", "member_nos"]].rename(columns={"member_nos": "_no"})
    hit = hit.assign(_no=hit["_no"].fillna("").astype(str), _hit=True).drop_duplicates()
    cand = cand.merge(hit, on=["instance_id", "column", "_no"], how="left")
    left = cand[cand["_hit"].isna()]
    kept_nos = left.groupby("_pos")["_no"].agg(lambda s: ", ".join(n for n in s if n))
    out = rules.copy()
    out.loc[out.index[required], "member_nos"] = None
    positions = out.index[kept_nos.index.to_numpy(dtype=int)]
    out.loc[positions, "member_nos"] = kept_nos.to_numpy()
    gone = required & ~np.isin(np.arange(len(out)), kept_nos.index.to_numpy(dtype=int))
    return out[~gone].reset_index(drop=True)


def _unreadable_rows(q: pd.DataFrame) -> pd.DataFrame:
    """A row that could not be read at all (SRC-006: no id, misaligned columns) has no
    content to check: its one message is that it cannot be read."""
    unreadable = set(q.loc[q["rule_id"] == "SRC-006", "instance_id"])
    if not unreadable:
        return q
    noise = q["instance_id"].isin(unreadable) & (q["rule_id"] != "SRC-006")
    return q[~noise.to_numpy()].reset_index(drop=True)


def _consequences(q: pd.DataFrame) -> pd.DataFrame:
    """"Cannot tell whether X was asked" (SRC-010) follows from another answer being blank
    or unreadable, which has its own row: on a member (or a household) that has another
    row, it is left out, so one typo in an age does not read as ten mistakes."""
    undecided = (q["rule_id"] == "SRC-010").to_numpy()
    if not undecided.any():
        return q
    who = q["instance_id"].astype(str) + "|" + q["member_nos"].fillna("").astype(str)
    others = set(who[~undecided])
    return q[~(undecided & who.isin(others).to_numpy())].reset_index(drop=True)


def _name_duplicates(rules: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """HH-010 (a household id used by two submissions): name every submission using it."""
    dup = (rules["rule_id"] == "HH-010").to_numpy()
    if not dup.any() or households.empty:
        return rules
    used = households[isin(households["household_id"], rules.loc[dup, "household_id"])]
    names = used.groupby("household_id")["instance_id"].agg(lambda s: ", ".join(sorted(s)))
    listed = rules.loc[dup, "household_id"].map(names).fillna("")
    out = rules.copy()
    out.loc[dup, "message_vi"] = (out.loc[dup, "message_vi"].astype(str)
                                  + " Các phiếu dùng mã hộ này: " + listed + ".")
    out.loc[dup, "message_en"] = (out.loc[dup, "message_en"].astype(str)
                                  + " Submissions using this household id: " + listed + ".")
    return out


def _with_values(rules: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Quote the value a household rule failed on («…», as stored), where there is one."""
    if rules.empty or households.empty:
        return rules
    hh_level = (rules["table"].fillna("households") == "households") & ~rules["rule_id"].isin(
        _NO_VALUE_RULES) & ~rules["column"].isin(PII_COLUMNS) & rules["instance_id"].notna()
    if not hh_level.any():
        return rules
    cols = [c for c in rules.loc[hh_level, "column"].dropna().unique()
            if c in households.columns]
    if not cols:
        return rules
    flagged = isin(households["instance_id"], rules.loc[hh_level, "instance_id"])
    # only the flagged submissions' values are quoted: wording every household's (98 % of
    # them pass) took 3 s of 100,000
    by_id = households[flagged].drop_duplicates("instance_id").set_index("instance_id")[cols]
    long = by_id.astype(object).stack().reset_index()
    long.columns = pd.Index(["instance_id", "column", "value"])
    long["value"] = long["value"].map(_shown)
    part = rules.loc[hh_level, ["instance_id", "column"]].reset_index().merge(
        long, on=["instance_id", "column"], how="left").set_index("index")["value"]
    part = part[part.notna() & (part != "")]
    out = rules.copy()
    out.loc[part.index, "message_vi"] = (out.loc[part.index, "message_vi"].astype(str)
                                         + " (đã điền «" + part + "»)")
    out.loc[part.index, "message_en"] = (out.loc[part.index, "message_en"].astype(str)
                                         + " (entered «" + part + "»)")
    return out


def _shown(value: object) -> str:
    from konray_review.sources.problems import shown_value

    if isinstance(value, bool | np.bool_):
        return "Có" if value else "Không"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        from konray_review.profile import DEFAULT_TIMEZONE

        return value.tz_convert(DEFAULT_TIMEZONE).strftime("%d/%m/%Y %H:%M") \
            if value.tzinfo else value.strftime("%d/%m/%Y %H:%M")
    return shown_value(value, None)


def _with_members(q: pd.DataFrame) -> pd.DataFrame:
    """Member-level rows say which members: ``Thành viên số 2, 3: …`` (the comment posted
    to the server is this text, so the enumerator knows whom to correct)."""
    nos = q["member_nos"].fillna("").astype(str)
    member = (q["table"].fillna("") == "members").to_numpy() & (nos != "").to_numpy()
    if not member.any():
        return q
    out = q.copy()
    several = nos.str.contains(",").to_numpy()
    unknown = (nos == "?").to_numpy()
    vi = np.where(unknown, "Thành viên (chưa có số thứ tự): ",
                  np.where(several, "Các thành viên số ", "Thành viên số ") + nos + ": ")
    en = np.where(unknown, "A member (no member number): ",
                  np.where(several, "Members ", "Member ") + nos + ": ")
    out.loc[member, "message_vi"] = vi[member] + out.loc[member, "message_vi"].astype(str)
    out.loc[member, "message_en"] = en[member] + out.loc[member, "message_en"].astype(str)
    return out


def reconcile(checked: Checked) -> None:
    """Raise unless every received submission is either accepted or quarantined, not both."""
    both = set(checked.households["instance_id"]) & set(checked.quarantine["instance_id"])
    total = checked.accepted + checked.quarantined
    if both or total != checked.received:
        raise ReconciliationError(
            f"số bản ghi không khớp: nhận {checked.received}, hợp lệ {checked.accepted}, "
            f"cách ly {checked.quarantined}; {len(both)} phiếu vừa hợp lệ vừa bị cách ly "
            f"(received {checked.received} != accepted {checked.accepted} + quarantined "
            f"{checked.quarantined})")


def _columns(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    missing = [c for c in ("instance_id", "rule_id") if c not in frame.columns]
    if missing:
        raise ValueError(f"quarantine rows lack column(s) {missing}")
    out = frame.reindex(columns=list(QUARANTINE_COLUMNS))
    return out.astype(object).where(out.notna(), None)
