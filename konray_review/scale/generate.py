"""Write a synthetic review of any size as partitioned Parquet, one chunk at a time.

Why chunks: ``synth.generate`` builds whole frames in memory; a 10-million-household review
would not fit one process. Each chunk gets its own seed and id range (``id_offset``), so ids
never clash and the result is deterministic, and is written straight to its partitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from konray_review.profile import Profile, load_profile
from konray_review.scale.layout import write_tables
from konray_review.synth import SAMPLE_YEAR

LABELS_DIR = "_labels"  # generator-only files (defect labels), outside the partition tree


@dataclass(frozen=True)
class GenerateSummary:
    households: int
    members: int
    defects: int
    partitions: int
    chunks: int


def generate_partitioned(
    n_households: int, out: str | Path, *, year: int = SAMPLE_YEAR, seed: int = 0,
    profile: Profile | None = None, bad_share: float = 0.02, chunk_size: int = 200_000,
) -> GenerateSummary:
    """Generate ``n_households`` in chunks of ``chunk_size`` and write them under ``out``.

    Households, members and the earlier-review history go to ``out/<table>/review_year=…/
    province_code=…/commune_code=…/part-<chunk>.parquet``; the labelled defects to
    ``out/_labels/defects-<chunk>.parquet`` (for tests and benchmarks only).
    """
    from konray_review.synth import generate  # the lead's generator (heavy only when used)

    if n_households < 1 or chunk_size < 1:
        raise ValueError("n_households and chunk_size must be at least 1")
    profile = profile or load_profile()
    out = Path(out)
    (out / LABELS_DIR).mkdir(parents=True, exist_ok=True)
    totals = {"households": 0, "members": 0, "defects": 0}
    partitions: set[str] = set()
    starts = range(0, n_households, chunk_size)
    for chunk, start in enumerate(starts):
        n = min(chunk_size, n_households - start)
        review = generate(n, year=year, seed=seed + chunk, profile=profile,
                          bad_share=bad_share, id_offset=start)
        name = f"part-{chunk:05d}"
        written = write_tables(review.households, review.members, out, part=name,
                               history=review.history)
        partitions.update(p.key for p in written)
        review.defects.to_parquet(out / LABELS_DIR / f"defects-{chunk:05d}.parquet", index=False)
        totals["households"] += len(review.households)
        totals["members"] += len(review.members)
        totals["defects"] += len(review.defects)
    return GenerateSummary(**totals, partitions=len(partitions), chunks=len(starts))


def read_defects(root: str | Path) -> pd.DataFrame:
    files = sorted((Path(root) / LABELS_DIR).glob("defects-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else \
        pd.DataFrame(columns=["household_id", "defect", "table", "column"])
