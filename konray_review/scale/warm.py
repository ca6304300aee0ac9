"""Imported by each local Dask worker as it starts (``distributed`` ``preload``).

Why: a worker that imports pandas, pyarrow, the classifier, the quality rules and the
standards only when its first task arrives spends its first seconds on that, while the
scheduler waits; importing them during the cluster's start makes every task do work only.
Nothing here runs a review or touches data.
"""

from __future__ import annotations

import konray_review.classifier
import konray_review.quality
import konray_review.scale.partition
import konray_review.scale.run
import konray_review.scale.validation  # noqa: F401
from konray_review.profile import load_profile

load_profile()  # the default district profile and its standard, parsed once per worker
