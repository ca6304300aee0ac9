"""Two engines over the same checks: Great Expectations (the default) and plain pandas.

Both return the failures as one frame: ``table, row, rule_id, column`` (``row`` = position in
the caller's table). The pandas engine exists to benchmark GX against and to cross-check it
in tests; it implements exactly the three expectation types the catalogue may use.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from konray_review.quality.catalogue import Check, Rule
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
Layout = Literal["rules", "checks"]


def ok_column(rule: Rule) -> str:
    """Column of the GX frame holding "this row passes every field of the rule": named by
    the rule's id and title, which is what the Data Docs show as the section heading."""
    return f"{rule.id} {rule.title}"


@dataclass
class _Group:
    """One expectation of the GX suite: a rule (layout ``rules``) or one check (``checks``)."""

    table: str
    rule_id: str
    checks: list[Check]
    bad: np.ndarray | None = None  # rows x checks, True = the check fails (layout rules)
    row_ids: np.ndarray | None = None  # the frame's ``_row`` values (positions of ``bad``)


def run_gx(frames: dict[str, pd.DataFrame], checks: dict[str, list[Check]],
           docs_dir: str | os.PathLike[str] | None = None,
           run_name: str = "review", layout: Layout = "rules",
           exclude_values: bool | None = None) -> pd.DataFrame:
    """Run the checks as Great Expectations suites (one per table) in an ephemeral context.

    ``layout="rules"`` (the default, issue 16): every check is first evaluated as a
    vectorised boolean column, then GX validates one expectation per *rule* over a narrow
    frame of those columns (``ok_column``: the row passes every field of the rule); the
    fields of each failing row come from the same boolean columns. GX's cost is per
    expectation and per column of the frame it copies and filters, so 113 expectations over
    a 50-column frame became 35 over a boolean frame: see docs/benchmarks.md.
    ``layout="checks"``: one GX expectation per rule x field on the prepared frame (the
    earlier layout, kept for the benchmark and as a cross-check; its Data Docs show each
    field's native expectation).

    ``exclude_values`` (default: on for ``rules``) drops the failing values from GX's
    results, leaving only the row ids (bench/quality.py measures both).
    Data Docs (when ``docs_dir`` is given) are written there and made to work offline.
    """
    if layout == "rules":
        groups, gx_frames = _rule_frames(frames, checks)
    elif layout == "checks":
        groups = {t: [_Group(t, c.rule.id, [c]) for c in cs] for t, cs in checks.items()}
        gx_frames = frames
    else:
        raise ValueError(f"unknown layout {layout!r} (rules or checks)")
    exclude = layout == "rules" if exclude_values is None else exclude_values
    results = _suites(gx_frames, groups, layout, docs_dir, run_name, exclude)
    parts = [_group_failures(g, rows) for g, rows in results]
    if docs_dir is not None:
        from konray_review.quality.datadocs import localise

        localise(docs_dir)  # CDN links -> copies in the site (offline offices)
    return _concat(parts)


def _rule_frames(frames: dict[str, pd.DataFrame], checks: dict[str, list[Check]]
                 ) -> tuple[dict[str, list[_Group]], dict[str, pd.DataFrame]]:
    """Per table: one boolean "passes" column per rule (+ ``_row``), and the check masks."""
    groups: dict[str, list[_Group]] = {}
    out: dict[str, pd.DataFrame] = {}
    for table, table_checks in checks.items():
        frame = frames[table]
        by_rule: dict[str, list[Check]] = {}
        for c in table_checks:
            by_rule.setdefault(c.rule.id, []).append(c)
        row_ids = frame[ROW].to_numpy()
        data: dict[str, Any] = {}
        groups[table] = []
        for rule_id, rule_checks in by_rule.items():
            bad = np.empty((len(frame), len(rule_checks)), dtype=bool)
            for j, c in enumerate(rule_checks):  # one vectorised mask per check
                if c.target not in frame.columns:
                    raise QualityError(f"rule {rule_id} ({table}.{c.column}) could not run: "
                                       f"column {c.target!r} is not in the prepared frame")
                bad[:, j] = _pandas_mask(frame[c.target], c)
            data[ok_column(rule_checks[0].rule)] = ~bad.any(axis=1)
            groups[table].append(_Group(table, rule_id, rule_checks, bad, row_ids))
        # ``_row`` as the frame's named index: GX then lists failing ids straight from the
        # index instead of reading each failing row's cell one by one
        out[table] = pd.DataFrame(data, index=pd.Index(row_ids, name=ROW))
    return groups, out


def _group_failures(group: _Group, rows: np.ndarray) -> pd.DataFrame:
    """Failures of one expectation: per check, the failing rows GX reported that it fails."""
    if group.bad is None:
        return _failures(group.table, rows, group.checks[0])
    ids = group.row_ids
    assert ids is not None
    positions = rows if np.array_equal(ids, np.arange(len(ids))) else \
        pd.Index(ids).get_indexer(rows)
    hit = group.bad[positions]
    return _concat([_failures(group.table, rows[hit[:, j]], c)
                    for j, c in enumerate(group.checks)])


def _expectation(gxe: Any, group: _Group, layout: Layout, key: str) -> Any:
    rule = group.checks[0].rule
    if layout == "checks":
        check = group.checks[0]
        cls = getattr(gxe, check.expectation)
        return cls(column=check.target, **check.kwargs,
                   meta={"key": key, "rule_id": rule.id, "column": check.column},
                   notes=f"{rule.id} — {rule.message_vi}")
    fields = ", ".join(c.column for c in group.checks)
    how = "; ".join(sorted({_describe_check(c) for c in group.checks}))
    return gxe.ExpectColumnValuesToBeInSet(
        column=ok_column(rule), value_set=[True],
        meta={"key": key, "rule_id": rule.id, "fields": fields},
        notes=f"{rule.id} {rule.title} ({rule.severity}): {how} on {fields}. "
              f"{rule.title_vi or ''}: {rule.message_vi}")


def _describe_check(c: Check) -> str:
    if c.target != c.column:
        return f"rule `{c.rule.rule}`"
    args = ", ".join(f"{k}={v}" for k, v in c.kwargs.items()
                     if not (k == "value_set" and len(v) > 12))
    return f"{c.expectation}({args})" if args else c.expectation


def _suites(frames: dict[str, pd.DataFrame], groups: dict[str, list[_Group]],
            layout: Layout, docs_dir: str | os.PathLike[str] | None,
            run_name: str, exclude_values: bool) -> list[tuple[_Group, np.ndarray]]:
    """The suites in the review job's GX worker when it started one (``gx_process``),
    else in this process."""
    from konray_review.progress import steps
    from konray_review.quality import gx_process

    rows = sum(len(frames[t]) for t in groups)
    with steps("validate", rows, "Kiểm tra chất lượng (rows checked)") as step:
        found = gx_process.run(frames, groups, layout, docs_dir, run_name, exclude_values)
        if found is None:
            found = _run_suites(frames, groups, layout, docs_dir, run_name, exclude_values)
        step(rows)
    return found


def _run_suites(frames: dict[str, pd.DataFrame], groups: dict[str, list[_Group]],
                layout: Layout, docs_dir: str | os.PathLike[str] | None,
                run_name: str, exclude_values: bool) -> list[tuple[_Group, np.ndarray]]:
    """One suite, batch and checkpoint per table; returns each group's failing rows."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage events leave the machine
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas(f"konray-{uuid.uuid4().hex[:8]}")
    definitions, by_key = [], {}
    for table, table_groups in groups.items():
        expectations = []
        for i, group in enumerate(table_groups):
            key = f"{table}:{i}"
            by_key[key] = group
            expectations.append(_expectation(gxe, group, layout, key))
        # whole suite at once: adding expectations to a stored suite re-serialises it each time
        suite = ctx.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
        definitions.append(ctx.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=batch, suite=suite)))
    actions: list[Any] = []
    if docs_dir is not None:
        Path(docs_dir).mkdir(parents=True, exist_ok=True)
        ctx.add_data_docs_site("run", {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())}})
        actions.append(UpdateDataDocsAction(name="docs", site_names=["run"]))
    fmt: dict[str, Any] = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW],
                           "return_unexpected_index_query": False}
    if exclude_values:
        # the values of an ok column are all False where it fails: leaving them out turns
        # the row list into one list of ids (GX deep-copies every result entry several times)
        fmt["exclude_unexpected_values"] = True
    out = []
    # one checkpoint per table: each validation definition needs its own dataframe
    for definition in definitions:
        table = definition.name
        cp = ctx.checkpoints.add(gx.Checkpoint(name=f"cp-{table}", validation_definitions=[
            definition], actions=actions, result_format=fmt))
        result = cp.run(batch_parameters={"dataframe": frames[table]},
                        run_id=RunIdentifier(run_name=run_name))
        for vr in result.run_results.values():
            out += [_gx_rows(r, by_key) for r in vr.results]
    return out


def _gx_rows(r: Any, by_key: dict[str, _Group]) -> tuple[_Group, np.ndarray]:
    """The failing row positions of one expectation result (an error raises)."""
    group = by_key[r.expectation_config.meta["key"]]
    where = f"{group.table}.{', '.join(c.column for c in group.checks)}"
    if _raised(r.exception_info):
        raise QualityError(f"rule {group.rule_id} ({where}) could not run: "
                           f"{_message(r.exception_info)}")
    if r.success:
        return group, np.empty(0, dtype=np.int64)
    index = r.result.get("unexpected_index_list")
    if index is None:
        raise QualityError(f"rule {group.rule_id} ({where}) failed without row ids "
                           "(result format)")
    if len(index) == 1 and isinstance(index[0].get(ROW), list):  # exclude_unexpected_values
        return group, np.asarray(index[0][ROW], dtype=np.int64)
    return group, np.fromiter((d[ROW] for d in index), dtype=np.int64, count=len(index))


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
