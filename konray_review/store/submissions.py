"""Raw pulled submissions in the store: the sources' ``StateStore`` contract on SQL.

Why JSON records: a pull carries the canonical columns plus source metadata (edits,
review state, deletion, geopoints) that vary by source; one JSON text per row keeps all of
it without schema churn, and ``canonical_dtypes`` restores the types on load. Serialising
is one ``to_json(lines=True)`` call per table (vectorised), not a loop per household.

Why a content hash per submission (``record_hash``: its row and its roster): a submission
is serialised and written once; a pull that delivers it again unchanged (every run of a
full-snapshot source, the overlap window of an incremental one) compares hashes and
leaves the stored record alone, instead of re-serialising and re-inserting it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from konray_review.masks import isin
from konray_review.store.schema import submission_members, submission_problems, submissions

KEY = "source_key"


def json_lines(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row, in row order: DuckDB's ``to_json`` over the frame (columnar,
    3-5x pandas' ``to_json(lines=True)``, whose line splitting was most of its time).

    A list, never text split at line ends: a value holding U+2028 or another character
    ``str.splitlines`` breaks at stays inside its record. Infinite numbers are written as
    ``null``, as pandas wrote them (JSON has no infinity). ``from_json_lines`` reads both
    this and the pandas form of earlier stores.
    """
    if frame.empty:
        return []
    import duckdb

    data = frame.copy(deep=False)
    for name in data.columns[[pd.api.types.is_float_dtype(t) for t in data.dtypes]]:
        data[name] = data[name].where(np.isfinite(data[name]))
    # the struct is spelt out: ``to_json(t) FROM frame t`` would write only a column that
    # happens to be named like the alias ``t``
    fields = ", ".join(f"{_sql_text(str(c))}: {_sql_name(str(c))}" for c in data.columns)
    with duckdb.connect() as con:
        con.register("frame_rows", data)
        # insertion order is kept (DuckDB's default ``preserve_insertion_order``)
        lines = con.sql(f"SELECT to_json({{{fields}}}) AS line FROM frame_rows").fetchnumpy()
    out = lines["line"].tolist()
    if len(out) != len(frame):  # never expected; a silent shift would mislabel records
        raise RuntimeError(f"JSON records: {len(out)} for {len(frame)} rows")
    return out


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


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
    kinds: dict[str, str] = {c.name: c.kind for c in cols}
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


def _objects(values: Sequence[object] | np.ndarray | pd.Series) -> pd.Series:
    """A column the store binds as it is (object dtype: no round trip through Arrow text)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def record_hashes(households: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """One 64-bit content hash per submission (index ``instance_id``, as int64): its row,
    and its roster lines in order. Equal hashes mean the stored JSON records are equal."""
    hh = households.drop(columns=[KEY], errors="ignore")
    own = pd.util.hash_pandas_object(hh, index=False).to_numpy(dtype=np.uint64)
    ids = hh["instance_id"].astype(str).to_numpy()
    total = own
    if len(members):
        mem = members.drop(columns=[KEY], errors="ignore")
        seq = mem.groupby("instance_id", sort=False).cumcount().to_numpy(dtype=np.uint64)
        rows = pd.util.hash_pandas_object(mem, index=False).to_numpy(dtype=np.uint64)
        # order-sensitive within a roster, order-free across submissions (sums wrap)
        mixed = rows * (seq * np.uint64(2) + np.uint64(1)) + seq
        roster = pd.Series(mixed, index=mem["instance_id"].astype(str).to_numpy())
        sums = roster.groupby(level=0).sum().reindex(ids, fill_value=0)
        total = own * np.uint64(1_000_003) + sums.to_numpy(dtype=np.uint64)
    return pd.Series(np.asarray(total, dtype=np.uint64).view(np.int64), index=ids)


def submission_rows(key: str, households: pd.DataFrame,
                    hashes: pd.Series | None = None) -> pd.DataFrame:
    deleted = (households["deleted"].astype("boolean").fillna(False).astype(bool)
               if "deleted" in households.columns else False)
    year = pd.to_numeric(households["review_year"], errors="coerce").astype("Int64")
    ids = households["instance_id"].astype(str).to_numpy()
    return pd.DataFrame({
        KEY: _objects([key] * len(households)),
        "instance_id": _objects(ids),
        "household_id": _objects(households["household_id"].astype(object)
                                 .where(households["household_id"].notna(), None)),
        "review_year": _objects(year.astype(object).where(year.notna(), None)),
        "deleted": _objects(pd.Series(deleted, index=households.index).astype(object)),
        "record": _objects(json_lines(households.drop(columns=[KEY], errors="ignore"))),
        "record_hash": _objects([None] * len(ids) if hashes is None
                                else hashes.reindex(ids).astype(object).tolist()),
    })


def member_rows(key: str, members: pd.DataFrame) -> pd.DataFrame:
    seq = members.groupby("instance_id", sort=False).cumcount()
    return pd.DataFrame({
        KEY: _objects([key] * len(members)),
        "instance_id": _objects(members["instance_id"].astype(str).to_numpy()),
        "seq": _objects(seq.astype(int).tolist()),
        "record": _objects(json_lines(members.drop(columns=[KEY], errors="ignore"))),
    })


def stored_hashes(conn: sa.Connection, key: str, ids: Sequence[str]) -> pd.Series:
    """``record_hash`` of the stored submissions of ``key`` (index ``instance_id``);
    missing for rows written before the column existed (they are rewritten once)."""
    stmt = (sa.select(submissions.c.instance_id, submissions.c.record_hash)
            .where(submissions.c.source_key == key))
    df = pd.read_sql(stmt, conn)
    df = df[isin(df["instance_id"], ids)]
    return pd.Series(df["record_hash"].to_numpy(), index=df["instance_id"].astype(str).to_numpy())


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
