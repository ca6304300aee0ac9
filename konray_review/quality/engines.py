"""Two engines over the same checks: Great Expectations (the default) and plain pandas.

Both return the failures as one frame: ``table, row, rule_id, column`` (``row`` = position in
the caller's table). The pandas engine exists to benchmark GX against and to cross-check it
in tests; it implements exactly the three expectation types the catalogue may use.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from konray_review.quality.catalogue import Check
from konray_review.quality.prepare import ROW, QualityError

FAILURE_COLUMNS = ["table", "row", "rule_id", "column"]


def empty_failures() -> pd.DataFrame:
    return pd.DataFrame({"table": pd.Series(dtype=object), "row": pd.Series(dtype=np.int64),
                         "rule_id": pd.Series(dtype=object), "column": pd.Series(dtype=object)})


def _failures(table: str, rows: np.ndarray, check: Check) -> pd.DataFrame:
    return pd.DataFrame({"table": table, "row": rows.astype(np.int64),
                         "rule_id": check.rule.id, "column": check.column})


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_failures()


# ------------------------------------------------------------------ pandas
def run_pandas(frames: dict[str, pd.DataFrame], checks: dict[str, list[Check]]) -> pd.DataFrame:
    parts = []
    for table, table_checks in checks.items():
        frame = frames[table]
        rows = frame[ROW].to_numpy()
        for check in table_checks:
            bad = _pandas_mask(frame[check.target], check)
            parts.append(_failures(table, rows[bad], check))
    return _concat(parts)


def _pandas_mask(s: pd.Series, check: Check) -> np.ndarray:
    kw = check.kwargs
    if check.expectation == "ExpectColumnValuesToNotBeNull":
        return s.isna().to_numpy()
    present = s.notna().to_numpy()
    if check.expectation == "ExpectColumnValuesToBeInSet":
        return present & ~s.isin(kw["value_set"]).to_numpy()
    if check.expectation == "ExpectColumnValuesToBeBetween":
        bad = np.zeros(len(s), dtype=bool)
        if kw.get("min_value") is not None:
            bad |= (s < kw["min_value"]).fillna(False).to_numpy(dtype=bool)
        if kw.get("max_value") is not None:
            bad |= (s > kw["max_value"]).fillna(False).to_numpy(dtype=bool)
        return present & bad
    raise QualityError(f"rule {check.rule.id}: unsupported expectation {check.expectation}")


# ------------------------------------------------------------------ Great Expectations
def run_gx(frames: dict[str, pd.DataFrame], checks: dict[str, list[Check]],
           docs_dir: str | os.PathLike[str] | None = None,
           run_name: str = "review") -> pd.DataFrame:
    """Build one suite per table in an ephemeral context and run each in a checkpoint.

    Data Docs (when ``docs_dir`` is given) are written there: an ephemeral context's default
    site lives in a temporary folder that vanishes with the process.
    """
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage events leave the machine
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas(f"konray-{uuid.uuid4().hex[:8]}")
    definitions, by_id, params = [], {}, {}
    for table, table_checks in checks.items():
        expectations = []
        for i, check in enumerate(table_checks):
            key = f"{table}:{i}"
            by_id[key] = (table, check)
            cls = getattr(gxe, check.expectation)
            expectations.append(cls(column=check.target, **check.kwargs,
                                    meta={"key": key, "rule_id": check.rule.id,
                                          "column": check.column},
                                    notes=f"{check.rule.id} — {check.rule.message_vi}"))
        # whole suite at once: adding expectations to a stored suite re-serialises it each time
        suite = ctx.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
        definitions.append(ctx.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=batch, suite=suite)))
        params[table] = frames[table]
    actions: list[Any] = []
    if docs_dir is not None:
        Path(docs_dir).mkdir(parents=True, exist_ok=True)
        ctx.add_data_docs_site("run", {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())}})
        actions.append(UpdateDataDocsAction(name="docs", site_names=["run"]))
    fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW],
           "return_unexpected_index_query": False}
    parts = []
    # one checkpoint per table: each validation definition needs its own dataframe
    for definition in definitions:
        table = definition.name
        cp = ctx.checkpoints.add(gx.Checkpoint(name=f"cp-{table}", validation_definitions=[
            definition], actions=actions, result_format=fmt))
        result = cp.run(batch_parameters={"dataframe": params[table]},
                        run_id=RunIdentifier(run_name=run_name))
        for vr in result.run_results.values():
            parts += [_gx_failures(r, by_id) for r in vr.results]
    if docs_dir is not None:
        from konray_review.quality.datadocs import localise

        localise(docs_dir)  # CDN links -> copies in the site (offline offices)
    return _concat(parts)


def _gx_failures(r: Any, by_id: dict[str, tuple[str, Check]]) -> pd.DataFrame:
    table, check = by_id[r.expectation_config.meta["key"]]
    if _raised(r.exception_info):
        raise QualityError(f"rule {check.rule.id} ({table}.{check.column}) could not run: "
                           f"{_message(r.exception_info)}")
    if r.success:
        return empty_failures()
    index = r.result.get("unexpected_index_list")
    if index is None:
        raise QualityError(f"rule {check.rule.id} ({table}.{check.column}) failed without "
                           "row ids (result format)")
    rows = np.fromiter((d[ROW] for d in index), dtype=np.int64, count=len(index))
    return _failures(table, rows, check)


def _raised(info: Any) -> bool:
    """GX reports either one dict or a dict of dicts keyed by metric."""
    if not info:
        return False
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _message(info: dict[str, Any]) -> str:
    if "exception_message" in info:
        return str(info["exception_message"])
    return "; ".join(str(v.get("exception_message")) for v in info.values() if isinstance(v, dict))
