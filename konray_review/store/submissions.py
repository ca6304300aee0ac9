"""Raw pulled submissions in the store: the sources' ``StateStore`` contract on SQL.

Why JSON records: a pull carries the canonical columns plus source metadata (edits,
review state, deletion, geopoints) that vary by source; one JSON text per row keeps all of
it without schema churn, and ``canonical_dtypes`` restores the types on load. Serialising
is one ``to_json(lines=True)`` call per table (vectorised), not a loop per household.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from konray_review.store.schema import submission_members, submission_problems, submissions

KEY = "source_key"


def json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, date_format="iso", date_unit="us",
                         force_ascii=False)
    return text.splitlines()


def from_json_lines(lines: Sequence[str], table: str) -> pd.DataFrame:
    """JSON lines -> the dtypes ``sources.normalise.to_canonical`` produces (column-wise)."""
    if not lines:
        return pd.DataFrame()
    frame = _read_lines(lines)
    kinds = _kinds(table)
    for name in frame.columns:
        if name in kinds:
            frame[name] = _typed(frame[name], kinds[name])
    return frame


def _read_lines(lines: Sequence[str]) -> pd.DataFrame:
    """pyarrow's JSON reader (several times faster than pandas') with every column read as
    text or its JSON type; ``_typed`` then gives the canonical dtype."""
    import pyarrow.json as pj

    data = "\n".join(lines).encode("utf-8")
    opts = pj.ParseOptions(newlines_in_values=False)
    read = pj.ReadOptions(block_size=1 << 24)
    table = pj.read_json(io.BytesIO(data), read_options=read, parse_options=opts)
    return table.to_pandas(types_mapper={}.get, timestamp_as_object=False)


def _kinds(table: str) -> dict[str, str]:
    from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
    from konray_review.sources.normalise import HOUSEHOLD_EXTRA, MEMBER_EXTRA

    cols = HOUSEHOLD_COLUMNS if table == "households" else MEMBER_COLUMNS
    extra = HOUSEHOLD_EXTRA if table == "households" else MEMBER_EXTRA
    kinds = {c.name: c.kind for c in cols}
    names = {"Int64": "int", "str": "str", "boolean": "bool", "datetime64[us, UTC]": "timestamp"}
    kinds.update({n: names.get(d, "str") for n, d in extra.items()})
    return kinds


def _typed(s: pd.Series, kind: str) -> pd.Series:
    if kind == "timestamp":
        return pd.to_datetime(s, utc=True, format="ISO8601").astype("datetime64[us, UTC]")
    if kind == "date":
        d = pd.to_datetime(s, format="ISO8601")
        return pd.Series(d.dt.date, index=s.index, dtype=object).where(d.notna(), None)
    if kind == "bool":
        return s.astype("boolean")
    if kind == "int":
        return pd.to_numeric(s).astype("Float64").astype("Int64")
    if kind == "float":
        return pd.to_numeric(s).astype("float64")
    return s.astype("str")


def submission_rows(key: str, households: pd.DataFrame) -> pd.DataFrame:
    deleted = (households["deleted"].astype("boolean").fillna(False).astype(bool)
               if "deleted" in households.columns else False)
    year = pd.to_numeric(households.get("review_year"), errors="coerce").astype("Int64")
    return pd.DataFrame({
        KEY: key,
        "instance_id": households["instance_id"].astype(str).to_numpy(),
        "household_id": households["household_id"].astype(object)
        .where(households["household_id"].notna(), None).to_numpy(),
        "review_year": year.astype(object).where(year.notna(), None).to_numpy(),
        "deleted": pd.Series(deleted, index=households.index).astype(object).to_numpy(),
        "record": json_lines(households.drop(columns=[KEY], errors="ignore")),
    })


def member_rows(key: str, members: pd.DataFrame) -> pd.DataFrame:
    seq = members.groupby("instance_id", sort=False).cumcount()
    return pd.DataFrame({
        KEY: key,
        "instance_id": members["instance_id"].astype(str).to_numpy(),
        "seq": seq.astype(int).to_numpy(),
        "record": json_lines(members.drop(columns=[KEY], errors="ignore")),
    })


_PROBLEM_COLUMNS = ["instance_id", "table", "column", "value", "problem", "rule_id",
                    "member_no", "problem_en"]


def problem_rows(key: str, problems: pd.DataFrame | None) -> pd.DataFrame:
    cols = _PROBLEM_COLUMNS
    if problems is None or problems.empty:
        return pd.DataFrame(columns=[KEY, *cols])
    out = problems.reindex(columns=cols).astype(object)
    out = out.where(out.notna(), None)
    out.insert(0, KEY, key)
    return out


def load(conn: sa.Connection, key: str | None,
         review_year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households and members as pulled (with ``source_key``), canonical dtypes restored."""
    hs = sa.select(submissions.c.source_key, submissions.c.record).order_by(
        submissions.c.source_key, submissions.c.instance_id)
    ms = (sa.select(submission_members.c.source_key, submission_members.c.record)
          .order_by(submission_members.c.source_key, submission_members.c.instance_id,
                    submission_members.c.seq))
    if key is not None:
        hs = hs.where(submissions.c.source_key == key)
        ms = ms.where(submission_members.c.source_key == key)
    if review_year is not None:
        hs = hs.where(submissions.c.review_year == int(review_year))
        ids = sa.select(submissions.c.instance_id).where(
            submissions.c.review_year == int(review_year))
        if key is not None:
            ids = ids.where(submissions.c.source_key == key)
        ms = ms.where(submission_members.c.instance_id.in_(ids))
    h = pd.read_sql(hs, conn)
    m = pd.read_sql(ms, conn)
    households = from_json_lines(h["record"].tolist(), "households")
    members = from_json_lines(m["record"].tolist(), "members")
    if not households.empty:
        households[KEY] = h[KEY].to_numpy()
    if not members.empty:
        members[KEY] = m[KEY].to_numpy()
    return households, members


def load_problems(conn: sa.Connection, key: str) -> pd.DataFrame:
    stmt = (sa.select(*[submission_problems.c[c] for c in _PROBLEM_COLUMNS])
            .where(submission_problems.c.source_key == key)
            .order_by(submission_problems.c.id))
    return pd.read_sql(stmt, conn)
