"""Scale: partitioned Parquet at rest and per-partition execution (locally or on Dask).

A national review does not fit one process. The canonical tables are written as Parquet
partitioned by review year, province and commune (``layout``); each partition is validated,
classified and summed on its own (``partition``); the partial sums combine exactly
(``cube``). ``single`` is the one-process path the partitioned run must equal, ``flow`` the
Prefect flow that fans the partitions out over a Dask cluster.
"""

from konray_review.scale.layout import Partition, list_partitions

__all__ = ["Partition", "list_partitions"]
