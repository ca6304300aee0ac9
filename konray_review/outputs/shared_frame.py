"""A frame that worker processes read from one Arrow file instead of a pickled copy each.

Why: the list workers get the run's classified frame and its text metrics when they start
(``parallel.run_jobs``' ``initargs``). Pickled, the frame was copied two or three times in
the parent per worker start: at 100,000 households the parent grew by ~400 MiB for the
two seconds the pool took to start, the highest point of the whole run's memory
(docs/benchmarks.md). ``SharedFrame`` pickles as the path of an Arrow IPC file that the
parent writes once; each worker maps it (``pyarrow.memory_map``), so the text columns are
read from the page cache the workers share, not copied through a pipe.

Only columns whose dtype comes back from Arrow exactly (pandas' ``str``, integers, floats,
booleans) go through the file; any other column (``object`` columns holding ``None``,
categoricals, dates) travels pickled beside it, as before. In the process that made it a
``SharedFrame`` is never pickled: ``local`` gives its frame back as it is.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: pandas 3's default text dtype ("str"), Arrow-backed: the one text dtype Arrow returns as is
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _through_arrow(col: pd.Series) -> bool:
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iufb"
    return bool(dtype == _STR)


class SharedFrame:
    """``frame`` for worker processes: the Arrow file is written on the first pickling."""

    def __init__(self, frame: pd.DataFrame, folder: Path) -> None:
        self.frame = frame
        self._folder = folder
        self._state: tuple[Any, ...] | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self._state is None:
            self._state = _write(self.frame, self._folder)
        return _read, self._state


def _write(frame: pd.DataFrame, folder: Path) -> tuple[Any, ...]:
    import pyarrow as pa

    arrow = ([c for c in frame.columns if isinstance(c, str) and _through_arrow(frame[c])]
             if frame.columns.is_unique else [])  # repeated names: not put back by name
    if not arrow:  # nothing for the file: all pickled
        return None, [], frame, frame.index
    path = folder / f"{uuid.uuid4().hex}.arrow"
    table = pa.Table.from_pandas(frame[arrow], preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)
    rest = frame.drop(columns=arrow)
    return str(path), list(frame.columns), rest, frame.index


def _read(path: str | None, columns: list[Any], rest: pd.DataFrame, index: pd.Index
          ) -> pd.DataFrame:
    import pyarrow as pa

    if path is None:
        return rest
    table = pa.ipc.open_file(pa.memory_map(path)).read_all()
    arrow = table.to_pandas()
    arrow.index = rest.index
    out = pd.concat([arrow, rest], axis=1)[columns].set_axis(index, axis=0)
    out.attrs = rest.attrs
    return out


def local(value: pd.DataFrame | SharedFrame) -> pd.DataFrame:
    """The frame itself, whether ``value`` came through a pickle (a frame) or not."""
    return value.frame if isinstance(value, SharedFrame) else value


@contextmanager
def sharing() -> Iterator[Any]:
    """Yields ``share(frame) -> SharedFrame``; their files are removed on leaving (after
    the pool that read them has ended)."""
    folder = Path(tempfile.mkdtemp(prefix="konray-shared-"))
    try:
        yield lambda frame: SharedFrame(frame, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
