"""The store's tables, as SQLAlchemy Core metadata (one definition for SQLite and PostgreSQL).

Column types follow the canonical data model (``konray_review.schema``), so adding a column
there adds it here. Every table is keyed by review year: the store keeps every year.
Timestamps are stored as naive UTC (SQLite has no time zones; PostgreSQL gets the same).
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from konray_review.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Column

metadata = sa.MetaData()

_TYPES: dict[str, type[sa.types.TypeEngine]] = {
    "str": sa.String, "code": sa.String, "int": sa.Integer, "float": sa.Float,
    "bool": sa.Boolean, "date": sa.Date, "timestamp": sa.DateTime,
}


@cache
def indicator_ids() -> tuple[str, ...]:
    """Every indicator of every standard shipped, in first-seen order (dep_ columns)."""
    from konray_review.standards import list_standards, load_standard

    seen: dict[str, None] = {}
    for sid in list_standards():
        for ind in load_standard(sid).indicator_ids:
            seen.setdefault(ind, None)
    return tuple(seen)


def _sa_column(col: Column, *, key: bool = False) -> sa.Column:
    """Non-key columns stay nullable: completeness is the quality suite's job, not the store's."""
    return sa.Column(col.name, _TYPES[col.kind](), primary_key=key, nullable=not key)


_HH_KEYS = {"household_id", "review_year"}
_MEM_KEYS = {"household_id", "member_no"}

runs = sa.Table(
    "runs", metadata,
    sa.Column("run_id", sa.String, primary_key=True),
    sa.Column("review_year", sa.Integer, nullable=False, index=True),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("profile_id", sa.String),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String, nullable=False),  # running | succeeded | failed
    sa.Column("received", sa.Integer),
    sa.Column("accepted", sa.Integer),
    sa.Column("quarantined", sa.Integer),
    sa.Column("changed", sa.Integer),
    sa.Column("output_dir", sa.String),
    sa.Column("message", sa.Text),
    # added by issue 11 (accounting and stale runs; added to older stores on open):
    sa.Column("delivered", sa.Integer),  # rows the source delivered in this run
    sa.Column("refused", sa.Integer),  # of them, rows of files refused as a whole
    sa.Column("stage", sa.String),  # the stage running (or last reached)
    sa.Column("host", sa.String),  # where the run's process runs
    sa.Column("pid", sa.Integer),  # its process id (a dead one marks the run failed)
    sa.Column("heartbeat_at", sa.DateTime),  # when the run last reported progress
)

#: per run, per delivered file and form: delivered = accepted + quarantined + refused
#: + deleted + other_year (``pipeline.accounting``)
run_files = sa.Table(
    "run_files", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String, nullable=False, index=True),
    sa.Column("file", sa.String),
    sa.Column("form_id", sa.String),
    sa.Column("delivered", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("refused", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Integer, nullable=False),
    sa.Column("other_year", sa.Integer, nullable=False),
    sa.Column("older", sa.Integer, nullable=False),
    sa.Column("members_refused", sa.Integer, nullable=False),
)

#: per run: what the readers refused or noted, per file (``sources.problems`` findings)
run_findings = sa.Table(
    "run_findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String, nullable=False, index=True),
    sa.Column("file", sa.String),
    sa.Column("form_id", sa.String),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("scope", sa.String),
    sa.Column("column", sa.String),
    sa.Column("value", sa.String),
    sa.Column("rows", sa.Integer),
    sa.Column("message_vi", sa.Text),
    sa.Column("message_en", sa.Text),
)

households = sa.Table(
    "households", metadata,
    *(_sa_column(c, key=c.name in _HH_KEYS) for c in HOUSEHOLD_COLUMNS),
    sa.Column("household_size", sa.Integer),
    sa.Column("source_key", sa.String),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("row_hash", sa.BigInteger, nullable=False),
    sa.Index("ix_households_commune", "review_year", "commune"),
)

members = sa.Table(
    "members", metadata,
    sa.Column("review_year", sa.Integer, primary_key=True),
    *(_sa_column(c, key=c.name in _MEM_KEYS) for c in MEMBER_COLUMNS),
)

classification = sa.Table(
    "classification", metadata,
    sa.Column("review_year", sa.Integer, primary_key=True),
    sa.Column("household_id", sa.String, primary_key=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("standard", sa.String, nullable=False),
    *(sa.Column(f"dep_{i}", sa.Boolean) for i in indicator_ids()),
    sa.Column("deprivation_count", sa.Integer),
    sa.Column("income_test", sa.String),
    sa.Column("income_basis", sa.String),
    sa.Column("category", sa.String),
    sa.Column("transition", sa.String),
    sa.Column("member_count", sa.Integer),
    sa.Column("screened_out", sa.Boolean),
)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_year", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("source_key", sa.String),
    sa.Column("household_id", sa.String),
    sa.Column("instance_id", sa.String),
    sa.Column("enumerator", sa.String),
    sa.Column("commune", sa.String),
    sa.Column("village", sa.String),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("column", sa.String),
    sa.Column("message_vi", sa.Text),
    sa.Column("message_en", sa.Text),
    sa.Column("row_hash", sa.BigInteger, nullable=False),
    sa.Index("ix_quarantine_year_hh", "review_year", "household_id"),
    sa.Index("ix_quarantine_year_instance", "review_year", "instance_id"),
)

watermarks = sa.Table(
    "watermarks", metadata,
    sa.Column("source_key", sa.String, primary_key=True),
    sa.Column("watermark", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# --- raw submissions as pulled (the sources' StateStore contract) ---------------------------
# Stored as one JSON record per row: the pulled tables carry source-specific extra columns
# (metadata, geopoints) that the canonical tables do not have; nothing pulled is dropped.
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("source_key", sa.String, primary_key=True),
    sa.Column("instance_id", sa.String, primary_key=True),
    sa.Column("household_id", sa.String),
    sa.Column("review_year", sa.Integer),
    sa.Column("deleted", sa.Boolean),
    sa.Column("record", sa.Text, nullable=False),
    # added by issue 16: content hash of the record and its roster (store/submissions.py),
    # so an unchanged submission pulled again is not re-serialised nor rewritten
    sa.Column("record_hash", sa.BigInteger),
    sa.Index("ix_submissions_year", "source_key", "review_year"),
)

submission_members = sa.Table(
    "submission_members", metadata,
    sa.Column("source_key", sa.String, primary_key=True),
    sa.Column("instance_id", sa.String, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("record", sa.Text, nullable=False),
)

submission_problems = sa.Table(
    "submission_problems", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_key", sa.String, nullable=False),
    sa.Column("instance_id", sa.String, nullable=False),
    sa.Column("table", sa.String),
    sa.Column("column", sa.String),
    sa.Column("value", sa.Text),
    sa.Column("problem", sa.Text),
    sa.Column("rule_id", sa.String),  # the source rule (SRC-…); older stores: SRC-001
    sa.Column("member_no", sa.String),  # the member's number as typed, for member fields
    sa.Column("problem_en", sa.Text),
    sa.Index("ix_submission_problems", "source_key", "instance_id"),
)

# --- what was written back to the server (store/writeback.py) and the run log's events -----
# One row per (submission, action, value): the review state set, or the comment posted for a
# set of problems (value = the set's hash). ``pending`` is written before the request goes
# out, ``done`` after it succeeded: a ``pending`` row left by a crash is checked against the
# server on the next run, so a comment is never posted twice nor forgotten.
writeback = sa.Table(
    "writeback", metadata,
    sa.Column("source_key", sa.String, primary_key=True),
    sa.Column("instance_id", sa.String, primary_key=True),
    sa.Column("action", sa.String, primary_key=True),  # state | comment
    sa.Column("value", sa.String, primary_key=True),  # has_issues | approved | <problems hash>
    sa.Column("status", sa.String, nullable=False),  # pending | done
    sa.Column("run_id", sa.String),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Events of a run besides its outcome (store/runlog.py): every HTTP retry, with its reason.
run_log = sa.Table(
    "run_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("stage", sa.String, nullable=False),
    sa.Column("event", sa.String, nullable=False),  # retry | write_back
    sa.Column("detail", sa.Text),
    sa.Index("ix_run_log_run", "run_id"),
)


def add_missing_columns(engine: sa.Engine) -> list[str]:
    """Add to an existing database the nullable columns this version defines that its
    tables lack (``ALTER TABLE … ADD COLUMN``): columns are only ever added (data-model.md),
    so a store made by an earlier version opens without a migration step. Returns what
    was added."""
    added = []
    inspector = sa.inspect(engine)
    existing = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for col in table.columns:
            if col.name in have or col.primary_key or not col.nullable:
                continue
            ddl = sa.schema.CreateColumn(col).compile(dialect=engine.dialect)
            quote = engine.dialect.identifier_preparer
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"ALTER TABLE {quote.format_table(table)} ADD COLUMN "
                                         f"{ddl}")
            except sa.exc.DBAPIError:  # another process added it first
                if col.name not in {c["name"] for c in sa.inspect(engine).get_columns(
                        table.name)}:
                    raise
            added.append(f"{table.name}.{col.name}")
    return added


CLASSIFICATION_COLUMNS = tuple(c.name for c in classification.columns)
QUARANTINE_COLUMNS = tuple(c.name for c in quarantine.columns if c.name not in ("id",))

# --- decisions after the survey (konray_review/decisions) -----------------------------------
# Append-only: a step is a new row, never an update. A household's current state is its
# event with the highest ``seq`` in the review; (review_id, household_id, seq) is unique, so
# two people recording a step for the same household at once cannot both win.
decision_reviews = sa.Table(
    "decision_reviews", metadata,
    sa.Column("review_id", sa.String, primary_key=True),  # 2023-annual | 2024-03
    sa.Column("review_year", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),  # annual | regular
    sa.Column("round_month", sa.Integer),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("opened_by", sa.String),
    sa.Column("source", sa.String, nullable=False),  # portal | import | cli
)

decision_meetings = sa.Table(
    "decision_meetings", metadata,
    sa.Column("meeting_id", sa.String, primary_key=True),
    sa.Column("review_id", sa.String, nullable=False),
    sa.Column("commune", sa.String, nullable=False),
    sa.Column("village", sa.String, nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("place", sa.String),
    sa.Column("chair", sa.String),  # names of officials: printed in the minutes, never logged
    sa.Column("secretary", sa.String),
    sa.Column("attendees", sa.Integer, nullable=False),
    sa.Column("households_represented", sa.Integer),
    sa.Column("notes", sa.Text),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Index("ix_decision_meetings_unit", "review_id", "commune", "village"),
)

decision_acts = sa.Table(
    "decision_acts", metadata,
    sa.Column("act_id", sa.String, primary_key=True),
    sa.Column("review_id", sa.String, nullable=False),
    sa.Column("commune", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),  # recognition | refusal
    sa.Column("number", sa.String),
    sa.Column("signed_on", sa.Date, nullable=False),
    sa.Column("signer", sa.String),
    sa.Column("reasons", sa.Text),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Index("ix_decision_acts_unit", "review_id", "commune"),
)

decision_events = sa.Table(
    "decision_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.String, nullable=False),
    sa.Column("household_id", sa.String, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("event", sa.String, nullable=False),
    sa.Column("state", sa.String, nullable=False),  # the state after the event
    sa.Column("commune", sa.String, nullable=False),
    sa.Column("village", sa.String),
    sa.Column("on_date", sa.Date, nullable=False),  # when the step happened (not recorded)
    sa.Column("starts_on", sa.Date),  # posting start / complaint received
    sa.Column("due_on", sa.Date),  # posting end / re-check due
    sa.Column("category", sa.String),  # the household's category after the event
    sa.Column("payload", sa.Text),  # JSON: votes, complaint, corrections, decision, …
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.UniqueConstraint("review_id", "household_id", "seq", name="uq_decision_events_seq"),
    sa.Index("ix_decision_events_unit", "review_id", "commune", "village"),
)

decision_writebacks = sa.Table(
    "decision_writebacks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.String, nullable=False),
    sa.Column("household_id", sa.String, nullable=False),
    sa.Column("instance_id", sa.String, nullable=False),
    sa.Column("review_state", sa.String, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("message", sa.Text),
    sa.Index("ix_decision_writebacks", "review_id", "household_id"),
)

# --- published snapshots of a run (the portal's pages read one of these; store/snapshots.py)
snapshots = sa.Table(
    "snapshots", metadata,
    sa.Column("run_id", sa.String, primary_key=True),
    sa.Column("part", sa.String, primary_key=True),  # households | members | classification …
    sa.Column("review_year", sa.Integer, nullable=False, index=True),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),  # Parquet (pyarrow), zstd
)
