"""Data quality: rule catalogue (expectations/rules.yaml), GX suites, quarantine.

``validate`` splits raw households/members into accepted and quarantined (with every failed
rule id, field and message); ``validate_classified`` checks the classifier's output.
Great Expectations is imported only when a suite runs (the import costs seconds).
"""

from konray_review.quality.catalogue import Catalogue, CatalogueError, Rule, load_catalogue
from konray_review.quality.classified import ClassifiedCheck, validate_classified
from konray_review.quality.prepare import QualityError
from konray_review.quality.quarantine import QUARANTINE_COLUMNS
from konray_review.quality.validate import QualityResult, validate

__all__ = [
    "QUARANTINE_COLUMNS", "Catalogue", "CatalogueError", "ClassifiedCheck", "QualityError",
    "QualityResult", "Rule", "load_catalogue", "validate", "validate_classified",
]
