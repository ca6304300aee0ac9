"""``validate_classified``: the suite on the classifier's output (a safety net, not a filter).

Errors here mean the classifier or a later step produced something inconsistent; warnings
(per-enumerator plausibility) go to supervisors. Nothing is removed from the result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from konray_review.quality.catalogue import Catalogue, checks, load_catalogue, rule_column
from konray_review.quality.prepare import Prepared, add_rule_columns, base_frame
from konray_review.quality.quarantine import QUARANTINE_COLUMNS
from konray_review.quality.validate import Engine, run_engine

CLASSIFIED_COLUMNS = ["household_id", "rule_id", "column", "severity", "message_vi",
                      "message_en"]


@dataclass
class ClassifiedCheck:
    failures: pd.DataFrame  # household_id, rule_id, column, severity, message_vi, message_en
    docs_path: Path | None = None

    @property
    def ok(self) -> bool:
        """No error-level failure (warnings allowed)."""
        return not (self.failures["severity"] == "error").any()

    @property
    def errors(self) -> pd.DataFrame:
        return self.failures[self.failures["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.failures[self.failures["severity"] == "warning"]


def validate_classified(
    result: pd.DataFrame,
    households: pd.DataFrame | None = None,
    *,
    docs_dir: str | os.PathLike[str] | None = None,
    engine: Engine = "gx",
    catalogue: Catalogue | None = None,
) -> ClassifiedCheck:
    """Check one classification result; ``households`` (optional) adds the enumerator, which
    the per-enumerator plausibility rule needs."""
    catalogue = catalogue or load_catalogue()
    rules = catalogue.for_table("classified")
    table_checks = {"classified": checks(rules, None)}
    frame = result.reset_index(drop=True)
    if households is not None and "enumerator" in households.columns:
        enum = households.drop_duplicates("household_id").set_index("household_id")["enumerator"]
        frame = frame.assign(enumerator=frame["household_id"].map(enum))
    wanted = {c for r in rules for c in r.columns} | {"household_id"}
    wanted |= {c for c in frame.columns if c.startswith("dep_")}
    base, _ = base_frame("classified", frame, wanted, set(), set())
    prepared = Prepared({"classified": base}, {"classified": frame}, None, catalogue)
    add_rule_columns(prepared, "classified", rules)
    failures = run_engine(engine, prepared.frames, table_checks, docs_dir)
    out = failures.assign(household_id=frame["household_id"].to_numpy(dtype=object)[
        failures["row"].to_numpy()])
    by_id = {r.id: r for r in rules}
    out["severity"] = out["rule_id"].map(lambda r: by_id[r].severity)
    pairs = out[["rule_id", "column"]].drop_duplicates()
    texts = pd.DataFrame([(r, c, catalogue.message(by_id[r], c, "vi"),
                           catalogue.message(by_id[r], c, "en"))
                          for r, c in pairs.itertuples(index=False)],
                         columns=["rule_id", "column", "message_vi", "message_en"])
    out = out.merge(texts, on=["rule_id", "column"], how="left") if len(out) else \
        out.assign(message_vi=pd.Series(dtype=object), message_en=pd.Series(dtype=object))
    return ClassifiedCheck(out[CLASSIFIED_COLUMNS].reset_index(drop=True),
                           Path(docs_dir) / "index.html" if docs_dir is not None else None)


__all__ = ["QUARANTINE_COLUMNS", "ClassifiedCheck", "rule_column", "validate_classified"]
