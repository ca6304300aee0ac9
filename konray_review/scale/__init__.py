"""Scale: partitioned Parquet at rest and per-partition execution (locally or on Dask).

A national review does not fit one process. The canonical tables are written as Parquet
partitioned by review year, province and commune (``layout``); each partition is validated,
classified and summed on its own (``partition``); the partial sums combine exactly
(``cube``). ``single`` is the one-process path the partitioned run must equal, ``flow`` the
Prefect flow that fans the partitions out over a Dask cluster.

Its names load on first use (PEP 562): the command line imports its light modules without
pandas or SQLAlchemy (``konray-review --help`` and a command's start stay fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from konray_review.lazy import lazy_exports

if TYPE_CHECKING:
    from konray_review.scale.layout import Partition, list_partitions

_EXPORTS = {
    "Partition": "konray_review.scale.layout",
    "list_partitions": "konray_review.scale.layout",
}
__all__ = ["Partition", "list_partitions"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
