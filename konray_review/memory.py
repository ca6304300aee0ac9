"""Give the memory a stage freed back to the operating system before the next one starts.

Why: CPython hands objects above 512 bytes (and its own small-object arenas) to the C
library's ``malloc``. glibc's ``free`` returns pages to the system only from the top of its
heap, so after a stage that made and dropped millions of records (the pull's JSON, the
store's rows) the process keeps that memory as free heap, and the next stage's peak sits on
top of it. Measured on 100,000 households (docs/benchmarks.md): 1,408 MiB resident after
the pull, 643 MiB after ``malloc_trim(0)``, with the same objects alive. Dask's
documentation recommends the same call on its workers for the same reason (``distributed``,
"Worker memory management", "Memory not released back to the OS").

``malloc_trim`` is a glibc call (Linux); elsewhere (macOS, Windows, musl) there is no such
call and ``release_memory`` does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (e.g. musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_memory() -> bool:
    """Return the heap's free pages to the system; ``False`` where the C library cannot.

    It frees no object: only memory Python already gave back to ``malloc``.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
