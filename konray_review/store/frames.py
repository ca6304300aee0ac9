"""DataFrame <-> database rows, keeping the canonical dtypes on the way back.

Both directions are column-wise (no Python loop per household): values are normalised to
plain Python objects with ``None`` for missing, timestamps to naive UTC, so SQLite and
PostgreSQL receive the same rows and a re-read frame has the dtypes the library expects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

_KINDS: dict[type, str] = {
    sa.Boolean: "bool", sa.Integer: "int", sa.Float: "float", sa.DateTime: "timestamp",
    sa.Date: "date", sa.String: "str", sa.Text: "str",
}


def kind_of(col: sa.Column) -> str:
    for typ, kind in _KINDS.items():
        if isinstance(col.type, typ):
            return kind
    return "str"


def _to_object(s: pd.Series, kind: str) -> pd.Series:
    """One column as Python objects with None for missing."""
    missing = s.isna().to_numpy()
    if kind == "timestamp":
        s = pd.to_datetime(s, utc=True, errors="coerce").dt.tz_localize(None)
        missing = missing | s.isna().to_numpy()
        out = pd.Series(s.dt.to_pydatetime(), index=s.index, dtype=object)
    elif kind == "date":
        d = pd.to_datetime(s, errors="coerce")
        missing = missing | d.isna().to_numpy()
        out = pd.Series(d.dt.date, index=s.index, dtype=object)
    elif kind == "bool":
        if pd.api.types.is_bool_dtype(s.dtype):
            out = s.astype(object)
        else:
            out = s.astype(object).map(bool, na_action="ignore")
    elif kind == "int":
        out = pd.to_numeric(s, errors="coerce").astype("Int64").astype(object)
    elif kind == "float":
        out = pd.to_numeric(s, errors="coerce").astype(float).astype(object)
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        out = s.astype(object)
    else:
        out = s.astype(object).map(str, na_action="ignore")
    out = out.astype(object)  # map() may infer str/bool dtypes back; None needs object
    out[missing] = None
    return out


def normalise(df: pd.DataFrame, table: sa.Table, **constants: object) -> pd.DataFrame:
    """The frame restricted to the table's columns, as Python objects (missing -> None).

    Columns the table has but the frame lacks are taken from ``constants`` or left empty.
    """
    cols = {}
    for col in table.columns:
        if col.name in constants:
            cols[col.name] = pd.Series([constants[col.name]] * len(df), index=df.index,
                                       dtype=object)
        elif col.name in df.columns:
            cols[col.name] = _to_object(df[col.name], kind_of(col))
        elif not col.primary_key or not col.autoincrement:
            cols[col.name] = pd.Series([None] * len(df), index=df.index, dtype=object)
    out = pd.DataFrame(cols, index=df.index)
    return out.drop(columns=[c for c in ("id", "row_hash") if c in out.columns])


def driver_values(values: pd.Series, col: sa.Column, dialect: str) -> list:
    """One normalised column as the list the DB driver binds (None for missing).

    SQLite has no date/time types: timestamps and dates go in as the ISO text SQLAlchemy
    uses for them, so reading through SQLAlchemy gives datetimes back.
    """
    kind = kind_of(col)
    if dialect == "sqlite" and kind in ("timestamp", "date"):
        ts = pd.to_datetime(values, errors="coerce")
        fmt = "%Y-%m-%d %H:%M:%S.%f" if kind == "timestamp" else "%Y-%m-%d"
        text = ts.dt.strftime(fmt).astype(object)
        text[ts.isna().to_numpy()] = None
        return text.tolist()
    return values.tolist()


#: Arrow type per column kind, for ``copy_rows`` (values are already normalised objects)
def _arrow_type(col: sa.Column) -> object:
    import pyarrow as pa

    if isinstance(col.type, sa.BigInteger):
        return pa.int64()
    return {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(),
            "timestamp": pa.timestamp("us"), "date": pa.date32()}.get(kind_of(col),
                                                                       pa.string())


def copy_rows(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame,
              cols: list[str]) -> None:
    """PostgreSQL: write a normalised frame with one ``COPY … FROM STDIN (FORMAT csv)``,
    inside the connection's open transaction.

    Why: row-wise INSERTs bind every value in Python; COPY streams one CSV text that
    Arrow's C++ writer renders from whole columns. Arrow quotes every text value, so an
    empty text (``""``) stays apart from a missing one (nothing), as COPY reads them. A
    driver error is raised as SQLAlchemy's (so ``StoreError`` describes it, without data).
    """
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    arrays = [pa.array(frame[c].tolist(), type=_arrow_type(table.c[c])) for c in cols]
    buf = io.BytesIO()
    pcsv.write_csv(pa.Table.from_arrays(arrays, names=cols), buf,
                   pcsv.WriteOptions(include_header=False))
    quote = conn.dialect.identifier_preparer
    sql = (f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in cols)}) "
           "FROM STDIN WITH (FORMAT csv)")
    dbapi: Any = conn.connection.dbapi_connection  # psycopg's connection (COPY is its API)
    try:
        with dbapi.cursor() as cur, cur.copy(sql) as copy:
            copy.write(buf.getbuffer())
    except sa.exc.SQLAlchemyError:
        raise
    except Exception as exc:  # psycopg's error: SQLAlchemy's class for it, no parameters
        import psycopg

        if not isinstance(exc, psycopg.Error):
            raise
        raise sa.exc.DBAPIError.instance(sql, None, exc, psycopg.Error,
                                         hide_parameters=True, dialect=conn.dialect) from None


def row_hashes(frame: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """A 64-bit hash per row of a normalised frame (stable across processes and runs).

    The value is, bit for bit, ``pd.util.hash_pandas_object(frame[columns].astype(object),
    index=False, categorize=False)`` (the stored ``row_hash`` of every store so far), but
    computed faster: each column's distinct values are hashed once (``_column_hashes``) and
    the columns combined as pandas combines them (``_combine``). ``categorize=True`` would be
    as fast but hashes missing values differently, so every stored household would look
    changed once. A test holds the equality on mixed, missing and real frames.
    """
    cols = list(columns)
    arrays = [_column_hashes(frame[c].to_numpy(dtype=object)) for c in cols]
    return _combine(arrays, len(frame))


#: columns whose equal values (as ``factorize`` sees them) are also equal as text: not
#: numbers mixed with text or booleans (``1 == 1.0 == True``), not times (equal instants in
#: other zones); floats too unless one is -0.0 (``0.0 == -0.0``, printed apart)
_SAFE_KINDS = frozenset({"string", "integer", "boolean", "empty"})


def _negative_zero(values: np.ndarray) -> bool:
    floats = values.astype(float)
    return bool(np.any((floats == 0) & np.signbit(floats)))


def _column_hashes(values: np.ndarray) -> np.ndarray:
    """``hash_array(values, categorize=False)`` of an object column, distinct values once.

    Why per distinct value: pandas hashes object values one by one and, when one value is
    not text, converts the whole column with ``str`` first; labels, codes and villages
    repeat on every row. An element's hash depends only on the element (text as UTF-8,
    anything else through ``str``), so hashing the distinct ones and taking them by code
    gives the same numbers where equal values are equal texts (``_SAFE_KINDS``; other
    columns are hashed value by value, as pandas does). Missing values (None, NaN, NaT: one
    code for all of them in ``factorize``) are hashed where they stand, each as itself.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint64)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in _SAFE_KINDS and not (kind == "floating" and not _negative_zero(values)):
        return pd.util.hash_array(values, categorize=False)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = np.empty(len(values), dtype=np.uint64)
    present = codes >= 0
    if len(uniques):
        hashed = pd.util.hash_array(np.asarray(uniques, dtype=object), categorize=False)
        out[present] = hashed[codes[present]]
    if not present.all():
        missing = ~present
        out[missing] = pd.util.hash_array(values[missing], categorize=False)
    return out


def _combine(arrays: list[np.ndarray], length: int) -> np.ndarray:
    """Column hashes into one per row: pandas' ``combine_hash_arrays`` (CPython's tuple
    hash), reproduced because pandas keeps it private."""
    if not arrays:
        return np.full(length, 0x345678 + 97531, dtype=np.uint64)
    n = len(arrays)
    mult = np.uint64(1000003)
    out = np.zeros(length, dtype=np.uint64) + np.uint64(0x345678)
    for i, a in enumerate(arrays):
        inverse_i = n - i
        out ^= a
        out *= mult
        mult += np.uint64(82520 + inverse_i + inverse_i)
    out += np.uint64(97531)
    return out


def as_signed(hashes: np.ndarray) -> np.ndarray:
    """uint64 hashes as int64 (same bits), so every backend's BIGINT can hold them."""
    return np.asarray(hashes, dtype=np.uint64).view(np.int64)


def restore(df: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    """Canonical dtypes after a read: bool/boolean, int64/Int64, float, str, UTC timestamps."""
    for col in table.columns:
        if col.name not in df.columns:
            continue
        df[col.name] = _restore_column(df[col.name], kind_of(col))
    return df


def _restore_column(s: pd.Series, kind: str) -> pd.Series:
    has_na = bool(s.isna().any())
    if kind == "bool":
        b = s.astype(object).map(bool, na_action="ignore").astype("boolean")
        return b if has_na else b.astype(bool)
    if kind == "int":
        i = pd.to_numeric(s).astype("Int64")
        return i if has_na else i.astype("int64")
    if kind == "float":
        return pd.to_numeric(s).astype(float)
    if kind == "timestamp":
        return pd.to_datetime(s, utc=True)
    if kind == "date":
        d = pd.to_datetime(s, errors="coerce")
        return pd.Series(d.dt.date, index=s.index, dtype=object).where(d.notna(), None)
    return s.astype("str")
