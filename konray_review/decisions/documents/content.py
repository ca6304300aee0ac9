"""What each document says, filled from the record: one builder per document, shared by the
PDF (WeasyPrint) and DOCX (docxtpl) renderers, so both formats always carry the same rows.

The official layouts (Thông tư 07/2021/TT-BLĐTBXH Appendices I, V, VI as amended by Thông tư
02/2022; Quyết định 24/2021/QĐ-TTg Mẫu 02, 03) could not be read in full for this project:
each document follows the columns known from the appendix and says on itself that its
layout is unconfirmed (:data:`UNCONFIRMED`), until a district checks it against the
official text (the DOCX templates can be corrected without code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from konray_review.decisions.errors import DecisionError
from konray_review.decisions.records import parse_payload
from konray_review.decisions.steps import CERTIFIED_CATEGORIES, Decisions, dmy
from konray_review.outputs.printing import Issuer, Signature
from konray_review.outputs.texts import UNIT_KIND
from konray_review.schema import is_ethnic_minority, label

KINDS = ("appendix_i", "appendix_v", "appendix_vi", "mau_02", "mau_03", "posting_notice")

TITLES = {
    "appendix_i": "Danh sách hộ gia đình cần rà soát",
    "appendix_v": "Biên bản họp dân để thống nhất kết quả rà soát",
    "appendix_vi": "Danh sách hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo "
                   "sau rà soát",
    "mau_02": "Quyết định về việc công nhận hộ nghèo, hộ cận nghèo",
    "mau_03": "Giấy chứng nhận hộ nghèo, hộ cận nghèo",
    "posting_notice": "Thông báo niêm yết công khai kết quả rà soát hộ nghèo, hộ cận nghèo",
}
SOURCES = {
    "appendix_i": "Phụ lục I, Thông tư 07/2021/TT-BLĐTBXH (sửa đổi bởi Thông tư 02/2022)",
    "appendix_v": "Phụ lục V, Thông tư 07/2021/TT-BLĐTBXH",
    "appendix_vi": "Phụ lục VI, Thông tư 07/2021/TT-BLĐTBXH (sửa đổi bởi Thông tư 02/2022)",
    "mau_02": "Mẫu số 02, Quyết định 24/2021/QĐ-TTg",
    "mau_03": "Mẫu số 03, Quyết định 24/2021/QĐ-TTg",
    "posting_notice": "Quyết định 24/2021/QĐ-TTg (niêm yết công khai 3 ngày làm việc)",
}
UNCONFIRMED = ("MẪU CHƯA ĐỐI CHIẾU VỚI BẢN CHÍNH THỨC — bố cục theo các cột đã biết của "
               "{source}; kiểm tra lại trước khi ký.")
#: the order of groups on the lists after review (Appendix VI, Mẫu 02 annex)
GROUPS = (
    ("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo"),
    ("escaped_poverty", "Hộ thoát nghèo"), ("escaped_near_poverty", "Hộ thoát cận nghèo"),
    ("middle", "Hộ có mức sống trung bình"), ("none", "Hộ không thuộc diện"),
    ("refused", "Hộ không được công nhận"),
)

#: the groups Mẫu 02 recognises and lists (others stay on Appendix VI only)
DECIDED_GROUPS = ("poor", "near_poor", "escaped_poverty", "escaped_near_poverty")


@dataclass
class Doc:
    """One filled document, ready for either renderer."""

    kind: str
    title: str
    stem: str  # file name without extension
    issuer: Issuer
    place: str
    on: date | None
    signatures: list[Signature]
    data: dict[str, Any]
    subtitle: str = ""
    orientation: str = "portrait"
    recipients: list[str] = field(default_factory=list)

    @property
    def unconfirmed(self) -> str:
        return UNCONFIRMED.format(source=SOURCES[self.kind])


# --- shared lookups ----------------------------------------------------------------------
def commune_words(d: Decisions, commune: str) -> tuple[str, str]:
    """``("xã", "Xã Đăk Kôi")`` from the profile (a thị trấn is not a xã)."""
    kind = UNIT_KIND.get(d.profile.unit(commune).kind, UNIT_KIND["xa"])["vi"]
    return kind, f"{kind[0].upper()}{kind[1:]} {commune}"


def committee(d: Decisions, commune: str) -> str:
    kind, _ = commune_words(d, commune)
    return f"UBND {kind} {commune}".upper()


def address(d: Decisions, commune: str, village: str | None) -> str:
    _, unit = commune_words(d, commune)
    parts = [village, unit]
    if d.profile.district:
        parts.append(f"huyện {d.profile.district}")
    parts.append(f"tỉnh {d.profile.province}")
    return ", ".join(p for p in parts if p)


def _households(d: Decisions, year: int, commune: str) -> pd.DataFrame:
    out = d.store.read_households(year, communes=[commune], columns=[
        "village", "head_name", "head_ethnicity", "review_reason", "previous_category",
        "household_size"])
    out["ethnicity"] = out["head_ethnicity"].map(lambda c: label("ethnicity", c))
    out["dtts"] = is_ethnic_minority(out["head_ethnicity"])
    return out


def _labels(categories: pd.Series) -> list[str]:
    return [label("category", c) if isinstance(c, str) else "" for c in categories]


def _group_of(previous: pd.Series, category: pd.Series, state: pd.Series) -> np.ndarray:
    """The Appendix VI group: poor, near-poor, escaped (from last year's list), middle…"""
    prev = previous.astype(object).to_numpy()
    cat = category.astype(object).to_numpy()
    out_of = np.isin(cat, ["middle", "none"])
    return np.select(
        [state.eq("refused").to_numpy(), cat == "poor", cat == "near_poor",
         (prev == "poor") & out_of, (prev == "near_poor") & out_of, cat == "middle"],
        ["refused", "poor", "near_poor", "escaped_poverty", "escaped_near_poverty", "middle"],
        default="none")


def _numbered(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.reset_index(drop=True).astype(object).where(frame.notna().to_numpy(), "")
    rows.insert(0, "no", np.arange(1, len(rows) + 1))
    return cast("list[dict[str, Any]]", rows.to_dict("records"))


def _stem(d: Decisions, year: int, commune: str, village: str | None, kind: str,
          extra: str = "") -> str:
    from konray_review.profile import slugify

    parts = [str(year), d.profile.unit(commune).slug]
    if village:
        parts.append(slugify(village))
    parts.append(kind)
    if extra:
        parts.append(slugify(extra))
    return "_".join(parts)


def _signer(d: Decisions) -> str:
    return d.settings.chairman_name


# --- the documents ---------------------------------------------------------------------------
def appendix_i(d: Decisions, review_id: str, commune: str,
               village: str | None = None) -> Doc:
    """Appendix I: the households to review, village by village."""
    review = d.get_review(review_id)
    year = int(review["review_year"])
    hh = _households(d, year, commune)
    if village:
        hh = hh[hh["village"] == village]
    if hh.empty:
        raise DecisionError("Không có hộ nào trong danh sách cần rà soát.",
                            "No household to list.")
    hh = hh.sort_values(["village", "household_id"])
    hh["on_list_poor"] = np.where(hh["previous_category"].eq("poor"), "x", "")
    hh["on_list_near_poor"] = np.where(hh["previous_category"].eq("near_poor"), "x", "")
    hh["requested"] = np.where(hh["review_reason"].eq("request"), "x", "")
    hh["dtts_mark"] = np.where(hh["dtts"], "x", "")
    villages = [{"name": v, "rows": _numbered(g[["household_id", "head_name", "ethnicity",
                                                  "dtts_mark", "on_list_poor",
                                                  "on_list_near_poor", "requested"]])}
                for v, g in hh.groupby("village", sort=True)]
    return Doc("appendix_i", TITLES["appendix_i"], _stem(d, year, commune, village,
                                                         "appendix_i"),
               Issuer(office="Ban chỉ đạo rà soát", parent=committee(d, commune), number=""),
               commune, d.today(), [Signature("Người lập danh sách"),
                                    Signature("Trưởng ban", "TM. Ban chỉ đạo")],
               {"year": year, "address": address(d, commune, village), "villages": villages,
                "total": len(hh)},
               subtitle=f"Năm {year} — {address(d, commune, village)}",
               orientation="landscape")


def appendix_v(d: Decisions, review_id: str, commune: str, village: str,
               meeting_id: str | None = None) -> Doc:
    """Appendix V: the minutes of a village meeting (2 copies), with each household's vote."""
    review = d.get_review(review_id)
    year = int(review["review_year"])
    meetings = d.records.meetings(review_id, commune, village)
    if meetings.empty:
        raise DecisionError(f"Thôn {village} chưa có cuộc họp nào được ghi.",
                            f"No meeting recorded for village {village}.")
    meeting = (meetings[meetings["meeting_id"] == meeting_id] if meeting_id
               else meetings.tail(1))
    if meeting.empty:
        raise DecisionError("Không tìm thấy cuộc họp.", "Meeting not found.")
    m = meeting.iloc[0]
    ev = d.records.events(review_id, communes=[commune], villages=[village])
    ev = ev[ev["event"].isin(["meeting_agreed", "meeting_not_agreed"])]
    info = pd.DataFrame([parse_payload(p) for p in ev["payload"]], index=ev.index)
    ev = ev[info.get("meeting_id", pd.Series(dtype=object)).eq(m["meeting_id"])]
    info = info.loc[ev.index]
    hh = _households(d, year, commune).set_index("household_id")
    rows = pd.DataFrame({
        "household_id": ev["household_id"].to_numpy(),
        "head_name": hh["head_name"].reindex(ev["household_id"]).to_numpy(),
        "category": _labels(ev["category"]),
        "votes": [f"{int(a)}/{int(t)}" for a, t in zip(info["agree"], info["attendees"],
                                                       strict=True)],
        "share": [f"{s * 100:.1f} %".replace(".", ",") for s in info["share"]],
        "outcome": np.where(ev["event"].eq("meeting_agreed"), "Thống nhất",
                            "Không thống nhất — khảo sát lại"),
    })
    agreed = int(ev["event"].eq("meeting_agreed").sum())
    held = m["held_on"] if isinstance(m["held_on"], date) else pd.Timestamp(m["held_on"]).date()
    data = {
        "year": year, "village": village, "commune": commune, "held_on": dmy(held),
        "place": m["place"] or f"nhà văn hóa {village}", "chair": m["chair"] or "",
        "secretary": m["secretary"] or "", "attendees": int(m["attendees"]),
        "households_represented": ("" if pd.isna(m["households_represented"])
                                   else int(m["households_represented"])),
        "notes": m["notes"] or "", "rows": _numbered(rows), "agreed": agreed,
        "resurvey": len(rows) - agreed, "quorum": f"{d.settings.quorum_share * 100:.0f} %",
        "commune_unit": f"{commune_words(d, commune)[0]} {commune}",
        "copies": ["Bản số 1: lưu tại thôn", "Bản số 2: gửi Ban chỉ đạo rà soát "
                   f"{commune_words(d, commune)[0]}"],
    }
    return Doc("appendix_v", TITLES["appendix_v"],
               _stem(d, year, commune, village, "appendix_v"),
               Issuer(office=village.upper(), parent=committee(d, commune), number=""),
               village, held,
               [Signature("Thư ký", name=str(data["secretary"])),
                Signature("Đại diện các hộ dân"),
                Signature("Chủ trì cuộc họp", name=str(data["chair"]))], data)


def _after_review(d: Decisions, review_id: str, commune: str, village: str | None,
                  states: tuple[str, ...]) -> tuple[int, pd.DataFrame]:
    review = d.get_review(review_id)
    year = int(review["review_year"])
    cur = d.states(review_id, communes=[commune], villages=[village] if village else None)
    cur = cur[cur["state"].isin(states)]
    hh = _households(d, year, commune)
    frame = cur.merge(hh.drop(columns=["village"]), on="household_id", how="left")
    proposed = frame["payload"].map(lambda p: parse_payload(p).get("proposed"))
    category = frame["category"].where(frame["state"].ne("refused"), proposed)
    frame["group"] = _group_of(frame["previous_category"], category, frame["state"])
    frame["category_label"] = _labels(category)
    frame["previous_label"] = _labels(frame["previous_category"])
    frame["dtts_mark"] = np.where(frame["dtts"], "x", "")
    order = {g: i for i, (g, _) in enumerate(GROUPS)}
    frame = frame.assign(_o=frame["group"].map(order)).sort_values(
        ["_o", "village", "household_id"], kind="stable")
    return year, frame


def _groups(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    out = []
    for key, name in GROUPS:
        part = frame[frame["group"] == key]
        if len(part):
            out.append({"key": key, "name": name, "count": len(part),
                        "rows": _numbered(part[cols])})
    return out


_LIST_COLS = ["household_id", "head_name", "village", "ethnicity", "dtts_mark",
              "previous_label", "category_label"]


def appendix_vi(d: Decisions, review_id: str, commune: str,
                village: str | None = None) -> Doc:
    """Appendix VI: the list after review reported to the chairman, by group."""
    year, frame = _after_review(d, review_id, commune, village,
                                ("reported", "recognised", "refused", "certified"))
    if frame.empty:
        raise DecisionError("Chưa có hộ nào được báo cáo Chủ tịch UBND xã.",
                            "No household has been reported to the chairman yet.")
    frame["note"] = np.where(frame["state"].eq("refused"), "Không công nhận", "")
    groups = _groups(frame, [*_LIST_COLS, "note"])
    on = max(frame["on_date"].dropna()) if frame["on_date"].notna().any() else d.today()
    return Doc("appendix_vi", TITLES["appendix_vi"],
               _stem(d, year, commune, village, "appendix_vi"),
               Issuer(office="Ban chỉ đạo rà soát", parent=committee(d, commune), number=""),
               commune, on, [Signature("Người lập biểu"),
                             Signature("Trưởng ban", "TM. Ban chỉ đạo")],
               {"year": year, "address": address(d, commune, village), "groups": groups,
                "total": len(frame),
                "summary": [{"name": g["name"], "count": g["count"]} for g in groups]},
               subtitle=f"Năm {year} — {address(d, commune, village)}",
               orientation="landscape")


def mau_02(d: Decisions, review_id: str, commune: str, act_id: str | None = None) -> Doc:
    """Mẫu 02: the chairman's decision recognising the households, with the annexed list."""
    acts = d.records.acts(review_id, commune)
    acts = acts[acts["kind"] == "recognition"]
    if act_id:
        acts = acts[acts["act_id"] == act_id]
    if acts.empty:
        raise DecisionError("Chưa có quyết định công nhận nào được ghi.",
                            "No recognition decision recorded.")
    act = acts.iloc[-1]
    year, frame = _after_review(d, review_id, commune, None, ("recognised", "certified"))
    ev = d.records.events(review_id, communes=[commune])
    in_act = ev[ev["event"].eq("recognised")
                & ev["payload"].map(lambda p: parse_payload(p).get("act_id") == act["act_id"])]
    frame = frame[frame["household_id"].isin(set(in_act["household_id"]))
                  & frame["group"].isin(DECIDED_GROUPS)]
    kind = commune_words(d, commune)[0]
    unit = f"{kind} {commune}"  # in running text: "trên địa bàn xã Đăk Kôi"
    groups = _groups(frame, _LIST_COLS)
    counts = {g["key"]: g["count"] for g in groups}
    signed = act["signed_on"] if isinstance(act["signed_on"], date) \
        else pd.Timestamp(act["signed_on"]).date()
    number = act["number"] or ""
    data = {"year": year, "commune": commune, "unit": unit, "kind": kind,
            "chair_title": f"Chủ tịch Ủy ban nhân dân {kind} {commune}",
            "number": number, "signed_on": dmy(signed), "groups": groups,
            "poor": counts.get("poor", 0), "near_poor": counts.get("near_poor", 0),
            "escaped_poverty": counts.get("escaped_poverty", 0),
            "escaped_near_poverty": counts.get("escaped_near_poverty", 0),
            "total": len(frame), "address": address(d, commune, None)}
    signer = act["signer"] or _signer(d)
    return Doc("mau_02", TITLES["mau_02"], _stem(d, year, commune, None, "mau_02", number),
               Issuer(office=f"Ủy ban nhân dân {kind} {commune}".upper(), parent="",
                      number=f"Số: {number}" if number else "Số:       /QĐ-UBND"),
               commune, signed, [Signature("Chủ tịch", name=signer)], data,
               recipients=["Như Điều 3", "Phòng Lao động - Thương binh và Xã hội (để b/c)",
                           "Lưu: VT"])


def mau_03(d: Decisions, review_id: str, commune: str, household_id: str | None = None,
           village: str | None = None) -> Doc:
    """Mẫu 03: one certificate per recognised poor or near-poor household."""
    review = d.get_review(review_id)
    year = int(review["review_year"])
    cur = d.states(review_id, communes=[commune], villages=[village] if village else None,
                   household_ids=[household_id] if household_id else None)
    cur = cur[cur["state"].isin(["recognised", "certified"])
              & cur["category"].isin(CERTIFIED_CATEGORIES)]
    if cur.empty:
        raise DecisionError("Không có hộ nghèo, cận nghèo đã công nhận để in giấy chứng nhận.",
                            "No recognised poor or near-poor household to certify.")
    hh = _households(d, year, commune).set_index("household_id")
    mem = d.store.read_members(year, household_ids=cur["household_id"].tolist())
    ev = d.records.events(review_id, household_ids=cur["household_id"].tolist())
    acts = d.records.acts(review_id, commune).set_index("act_id")
    kind = commune_words(d, commune)[0]
    unit = f"{kind} {commune}"  # in running text: "trên địa bàn xã Đăk Kôi"
    certificates = []
    for _, row in cur.iterrows():  # one page per household: a document loop, not data work
        hid = row["household_id"]
        mine = ev[ev["household_id"] == hid]
        rec = parse_payload(mine.loc[mine["event"] == "recognised", "payload"].iloc[-1])
        cert = mine.loc[mine["event"] == "certified", "payload"]
        number = parse_payload(cert.iloc[-1]).get("certificate_no", "") if len(cert) else ""
        act = acts.loc[rec["act_id"]] if rec.get("act_id") in acts.index else None
        members = mem[mem["household_id"] == hid]
        born = pd.to_datetime(members["birth_date"], errors="coerce") \
            if "birth_date" in members.columns else pd.Series(pd.NaT, index=members.index)
        certificates.append({
            "household_id": hid, "head_name": hh.at[hid, "head_name"],
            "address": address(d, commune, row["village"]),
            "category": label("category", row["category"]),
            "number": number,
            "decision": (f"số {act['number']} " if act is not None and act["number"] else "")
            + (f"ngày {dmy(_as_day(act['signed_on']))}" if act is not None else ""),
            "members": _numbered(pd.DataFrame({
                "name": members["name"].to_numpy(),
                "relation": [label("relation", r) for r in members["relation"]],
                "sex": [label("sex", s) for s in members["sex"]],
                "birth_year": born.dt.year.astype("Int64").astype(str)
                .replace("<NA>", "").to_numpy(),
            })),
        })
    one = household_id or (certificates[0]["household_id"] if len(certificates) == 1 else "")
    issued = cur["on_date"].dropna()
    on = max(issued) if len(issued) else d.today()
    return Doc("mau_03", TITLES["mau_03"],
               _stem(d, year, commune, village, "mau_03", one),
               Issuer(office=f"Ủy ban nhân dân {kind} {commune}".upper(), parent="",
                      number="Số:       /GCN"),
               commune, on, [Signature("Chủ tịch", "TM. Ủy ban nhân dân", name=_signer(d))],
               {"year": year, "unit": unit, "certificates": certificates})


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else pd.Timestamp(value).date()


def posting_notice(d: Decisions, review_id: str, commune: str, village: str | None = None,
                   household_id: str | None = None) -> Doc:
    """The notice posted at the village house and the commune office: the period, where to
    complain, and the households with their results. For a village: its last public
    posting; for a household: its last posting, which may be its re-check result."""
    review = d.get_review(review_id)
    year = int(review["review_year"])
    ev = d.records.events(review_id, communes=[commune],
                          villages=[village] if village else None)
    posts = ev[ev["event"].isin(["posting_started", "rechecked"])]
    if household_id:
        mine = posts[posts["household_id"] == household_id]
        last = mine.sort_values(["starts_on", "recorded_at"]).iloc[-1] if len(mine) else None
    else:
        first = posts[posts["event"] == "posting_started"]
        last = first.sort_values(["starts_on", "recorded_at"]).iloc[-1] if len(first) else None
    if last is None:
        raise DecisionError("Chưa niêm yết.", "Nothing has been posted yet.")
    village = village or last["village"]
    batch = posts[(posts["event"] == last["event"]) & (posts["starts_on"] == last["starts_on"])
                  & (posts["village"] == village)]
    hh = _households(d, year, commune).set_index("household_id")
    frame = pd.DataFrame({
        "household_id": batch["household_id"].to_numpy(),
        "head_name": hh["head_name"].reindex(batch["household_id"]).to_numpy(),
        "ethnicity": hh["ethnicity"].reindex(batch["household_id"]).to_numpy(),
        "previous_label": _labels(hh["previous_category"].reindex(batch["household_id"])),
        "category_label": _labels(batch["category"]),
    })
    recheck = last["event"] == "rechecked"
    places = parse_payload(last["payload"]).get("places") or \
        f"nhà văn hóa {village}; trụ sở UBND {commune_words(d, commune)[0]} {commune}"
    return Doc("posting_notice", TITLES["posting_notice"] if not recheck
               else "Thông báo niêm yết công khai kết quả phúc tra",
               _stem(d, year, commune, village, "posting_notice",
                     f"phuc_tra {household_id}" if recheck else ""),
               Issuer(office="Ban chỉ đạo rà soát", parent=committee(d, commune), number=""),
               commune, last["starts_on"], [Signature("Trưởng ban", "TM. Ban chỉ đạo")],
               {"year": year, "village": village, "address": address(d, commune, village),
                "from": dmy(last["starts_on"]), "until": dmy(last["due_on"]),
                "days": d.settings.posting_working_days, "places": places,
                "recheck": bool(recheck), "rows": _numbered(frame),
                "recheck_days": d.settings.recheck_working_days})


#: each builder takes (decisions, review_id, commune, **scope) and returns the filled Doc
BUILDERS: dict[str, Callable[..., Doc]] = {
    "appendix_i": appendix_i, "appendix_v": appendix_v, "appendix_vi": appendix_vi,
    "mau_02": mau_02, "mau_03": mau_03, "posting_notice": posting_notice}
