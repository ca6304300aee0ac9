"""Demo source: synthetic households served in the raw shape of Central's OData.

Why raw rather than canonical: the demo must run the *same* normalisation code as a real
pull (group nesting, yes/no choices, commune slugs, village codes, ``__system`` metadata), so
a demo that works is evidence that production parsing works. ``to_odata`` is also what the
tests' fake Central server serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import pandas as pd

from konray_review.profile import Profile, load_profile
from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from konray_review.sources.base import Batch, NotSupported
from konray_review.sources.normalise import (
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    MEMBERS_REPEAT,
    PARENT,
    RawFrames,
    to_canonical,
)
from konray_review.synth import SAMPLE_YEAR

#: group layout of the demo records, as in the built Phiếu B (docs/forms.md); fields not
#: listed sit at the top level. Parsing is leaf-based, so a different layout parses the same.
GROUPS: dict[str, tuple[str, ...]] = {
    "": ("review_year", "province"),
    "household": ("commune", "village", "household_id", "area", "head_name", "head_ethnicity",
                  "head_id_number", "review_reason", "previous_category", "screening_signs",
                  "agricultural", "household_size"),
    "housing": ("has_dwelling", "wall_durable", "column_durable", "roof_durable",
                "living_area_m2"),
    "water_sanitation": ("water_source", "latrine_type", "waste_handling"),
    "information": ("owns_tv", "owns_radio", "owns_computer", "owns_smartphone", "owns_phone"),
    "income": ("income_per_capita", "b1_score"),
}
FORM_VERSION = "demo"


def _wire(frame: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Canonical values -> what Central's OData returns (yes/no, ISO dates, JSON numbers)."""
    out = pd.DataFrame(index=frame.index)
    for col in columns.values():
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        if col.kind == "bool":
            s = pd.Series(np.where(s.astype("boolean").fillna(False), "yes", "no"),
                          index=s.index).where(s.notna(), None)
        elif col.kind == "date":
            s = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif col.kind == "int":
            s = s.astype("Int64").astype(object)
        s = s.astype(object).where(s.notna(), None)
        out[col.name] = s
    return out


def _unit_codes(households: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Commune name -> unit slug, village name -> village_code (the forms' choice values)."""
    villages = profile.villages()
    slug = {u.name: u.slug for u in profile.units}
    key = households["commune"].astype(object) + " || " + households["village"].astype(object)
    codes = dict(zip(villages["commune"] + " || " + villages["village"],
                     villages["village_code"], strict=True))
    out = households.copy()
    out["village"] = key.map(codes).where(households["village"].notna(), None)
    out["commune"] = households["commune"].map(slug).fillna(households["commune"])
    return out


def _wire_tables(households: pd.DataFrame, members: pd.DataFrame, profile: Profile
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Both shapes' common part: the wire values of households and members, each member's
    owning submission (``instance_id``, missing for a roster line without a household) and
    the submission times as Central writes them."""
    hh = _unit_codes(households, profile)
    cols = {c.name: c for c in HOUSEHOLD_COLUMNS}
    cols["household_size"] = type(HOUSEHOLD_COLUMNS[0])("household_size", "int")
    wire_hh = _wire(hh, {k: cols[k] for k in HOUSEHOLD_FIELDS if k in cols})
    wire_mem = _wire(members, {c.name: c for c in MEMBER_COLUMNS if c.name in MEMBER_FIELDS})
    first = ~households["household_id"].duplicated()
    owner = pd.Series(households["instance_id"].to_numpy()[first.to_numpy()],
                      index=households["household_id"].to_numpy()[first.to_numpy()])
    mem_owner = members["household_id"].map(owner)
    submitted = pd.to_datetime(households["submitted_at"], utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"  # Central's millisecond ISO form
    return wire_hh, wire_mem, mem_owner, submitted


def raw_frames(households: pd.DataFrame, members: pd.DataFrame, *,
               profile: Profile | None = None, form_version: str = FORM_VERSION
               ) -> RawFrames:
    """Canonical tables -> the :class:`RawFrames` that ``flatten_odata(to_odata(...))``
    gives, built column by column (no Python dict per submission or member).

    Why: at 100,000 households the dict records and their ``json_normalize`` were a fifth
    of the pull; the demo still runs the same typing and mapping (``to_canonical``) as a
    real pull, and ``tests/sources/test_demo_columnar.py`` holds the two shapes equal.
    """
    profile = profile or load_profile()
    wire_hh, wire_mem, mem_owner, submitted = _wire_tables(households, members, profile)
    ids = households["instance_id"].astype(object).to_numpy()
    names = households["enumerator"].astype(object).where(households["enumerator"].notna(),
                                                          None).to_numpy()
    fields = [c for g in GROUPS.values() for c in g if c in wire_hh.columns]
    sub = pd.DataFrame({"__id": ids}, index=households.index)
    sub = pd.concat([sub, wire_hh[fields]], axis=1)
    none = pd.Series([None] * len(sub), index=sub.index, dtype=object)
    sub = sub.assign(__current_id=ids, __submitted_at=submitted.to_numpy(),
                     __updated_at=none, __deleted_at=none, __review_state=none,
                     __edits=0, __form_version=form_version, __submitter=names)
    # roster lines in submission order, then roster order (as the repeat explodes)
    pos = pd.Series(np.arange(len(ids)), index=ids)
    keep = mem_owner.notna().to_numpy()
    order = pd.Series(mem_owner[keep].map(pos).to_numpy()).sort_values(kind="stable").index
    mem = wire_mem[keep].iloc[order.to_numpy()]
    mem = mem.assign(**{PARENT: mem_owner[keep].iloc[order.to_numpy()].to_numpy()})
    return RawFrames(sub.reset_index(drop=True).infer_objects(),
                     mem.reset_index(drop=True).infer_objects())


def to_odata(households: pd.DataFrame, members: pd.DataFrame, *,
             profile: Profile | None = None, form_version: str = FORM_VERSION
             ) -> list[dict[str, Any]]:
    """Canonical tables -> Central OData ``Submissions?$expand=*`` rows.

    A household id used by two submissions (a deliberate defect of the generator) gets the
    roster only on its first submission, so the member table survives the round trip.
    """
    profile = profile or load_profile()
    wire_hh, wire_mem, mem_owner, submitted = _wire_tables(households, members, profile)
    rosters = (pd.Series(wire_mem.to_dict("records"), index=members.index)
               .groupby(mem_owner.to_numpy(), sort=False).agg(list))
    # pandas-stubs type record keys as Hashable; the wire columns are all field names (str)
    groups = {g: cast("list[dict[str, Any]]",
                      wire_hh[[c for c in fields if c in wire_hh.columns]].to_dict("records"))
              for g, fields in GROUPS.items()}
    ids = households["instance_id"].tolist()
    names = households["enumerator"].astype(object).where(households["enumerator"].notna(), None)
    return [
        {
            "__id": iid,
            **groups[""][i],
            **{g: groups[g][i] for g in GROUPS if g},
            MEMBERS_REPEAT: rosters.get(iid, []),
            "meta": {"instanceID": iid},
            "__system": _system(sub, name, form_version),
        }
        for i, (iid, sub, name) in enumerate(zip(ids, submitted, names, strict=True))
    ]


def _system(submitted: str, submitter: str | None, form_version: str) -> dict[str, Any]:
    return {"submissionDate": submitted, "updatedAt": None, "deletedAt": None,
            "submitterId": "1", "submitterName": submitter, "attachmentsPresent": 0,
            "attachmentsExpected": 0, "status": None, "reviewState": None,
            "deviceId": None, "edits": 0, "formVersion": form_version}


class DemoSource:
    """Synthetic submissions through the production parsing path (``pull --from demo``)."""

    name = "demo"

    def __init__(self, n_households: int = 500, *, year: int = SAMPLE_YEAR, seed: int = 0,
                 profile: Profile | None = None, bad_share: float = 0.02) -> None:
        self.profile = profile or load_profile()
        self.args: dict[str, Any] = {"n_households": n_households, "year": year, "seed": seed,
                                     "bad_share": bad_share}
        self.key = f"demo:seed{seed}:{year}"

    def records(self) -> list[dict[str, Any]]:
        """The submissions as Central's OData rows (what a fake Central serves)."""
        from konray_review.synth import generate

        review = generate(profile=self.profile, **self.args)
        return to_odata(review.households, review.members, profile=self.profile)

    def raw(self) -> RawFrames:
        """The same submissions, already flattened (columnar; equal to
        ``flatten_odata(self.records())``)."""
        from konray_review.synth import generate

        review = generate(profile=self.profile, **self.args)
        return raw_frames(review.households, review.members, profile=self.profile)

    def pull(self, since: datetime | None = None) -> Batch:
        canon = to_canonical(self.raw(), profile=self.profile, source="demo", form_id="demo")
        mark = canon.households["submitted_at"].max()
        return Batch(canon.households, canon.members, canon.problems,
                     watermark=mark.to_pydatetime() if pd.notna(mark) else datetime.now(UTC),
                     full_snapshot=True)

    def deploy_form(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupported("nguồn demo không triển khai biểu mẫu (demo source cannot deploy)")

    def set_review_state(self, instance_id: str, state: str, comment_vi: str | None = None
                         ) -> None:
        raise NotSupported("nguồn demo không ghi kết quả (demo source has no server)")
