"""Tables of the indicator store (SQLAlchemy Core), declared from the configuration.

* ``imports`` — one row per import (file, sha256, kind, counts, status), ``mapping_profiles``.
* ``rec_<kind>`` — normalised records, every version kept; ``is_current`` marks the latest version of
  each natural key (``rkey``) among active imports, so an overlapping file upserts and an undo
  restores what it replaced.
* ``call_fine`` / ``call_day`` and ``state_fine`` / ``state_day`` — additive measures (counts and sums)
  at date × 30-minute interval × agent × queue × business type, and a daily roll-up beside it.
* ``call_agent_day`` — the calls' daily roll-up per agent only (no queue or business type): about
  30× fewer rows than ``call_day``, so day/week/month queries by team or agent read a few thousand
  rows instead of hundreds of thousands. The query picks the smallest table that has its columns.
Dates and times are stored as ISO text ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS'), the same on SQLite and
PostgreSQL, so they sort and compare as text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text,
)

from ccdash.config import active_kinds, field_dictionary
from ccdash.store.measures import CALL_MEASURES, STATE_MEASURES

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text))

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("shape", String(32)),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("sheet", Text),
    Column("status", String(16), nullable=False, default="active"),
    *(Column(name, Integer, default=0) for name in (
        "rows_read", "accepted", "rejected", "ignored", "blank_rows", "total_rows", "inserted", "updated")),
    Column("date_from", String(10)),
    Column("date_to", String(10)),
    Column("created_at", String(19), nullable=False),
    Column("undone_at", String(19)),
    Column("mapping", Text),
    Column("report", Text),
)

mapping_profiles = Table(
    "mapping_profiles", metadata,
    Column("signature", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("doc", Text, nullable=False),
    Column("updated_at", String(19), nullable=False),
)

COLUMN_TYPES = {"duration": Float, "number": Float, "int": Float, "bool": Integer, "csat": Float,
                "datetime": String(19), "date": String(10), "time": Float}


def record_columns(kind: str) -> list[Column]:
    """Typed columns for the fields of one kind; phone numbers become a hash and a masked text."""
    fields = field_dictionary()
    cols: list[Column] = []
    for name in active_kinds()[kind].fields:
        ftype = fields[name].type
        if ftype == "phone":
            cols += [Column(f"{name}_hash", String(64)), Column(f"{name}_mask", String(32))]
        else:
            cols.append(Column(name, COLUMN_TYPES.get(ftype, Text)))
    if kind == "agent_states":
        cols.append(Column("state_label", Text))
    return cols


def _record_table(kind: str) -> Table:
    table = Table(
        f"rec_{kind}", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("import_id", Integer, nullable=False, index=True),
        Column("rkey", Text, nullable=False),
        Column("is_current", Integer, nullable=False),
        Column("row_no", Integer),
        *record_columns(kind),
    )
    Index(f"ix_rec_{kind}_key", table.c.rkey, table.c.is_current)
    if "date" in table.c:
        Index(f"ix_rec_{kind}_date", table.c.date, table.c.is_current)
    return table


RECORDS = {kind: _record_table(kind) for kind in active_kinds()}

GRAIN_KEYS = ("date", "week", "month", "agent_id", "team")


def _measure_table(name: str, measures: tuple[str, ...], *, interval: bool, call_dims: bool,
                   team_index: bool = True) -> Table:
    dims = [Column("date", String(10), nullable=False)]
    dims += [Column("interval", Integer, nullable=False)] if interval else []
    dims += [Column("week", String(10), nullable=False), Column("month", String(10), nullable=False),
             Column("agent_id", Text, nullable=False), Column("team", Text, nullable=False)]
    dims += [Column("queue", Text, nullable=False), Column("business_type", Text, nullable=False)] if call_dims else []
    table = Table(name, metadata, *dims, *(Column(m, Float, nullable=False, default=0) for m in measures))
    Index(f"ix_{name}_date", table.c.date)
    if team_index:
        Index(f"ix_{name}_team_date", table.c.team, table.c.date)
    return table


MEASURE_TABLES = {
    ("calls", "fine"): _measure_table("call_fine", CALL_MEASURES, interval=True, call_dims=True),
    ("calls", "day"): _measure_table("call_day", CALL_MEASURES, interval=False, call_dims=True),
    ("calls", "agent_day"): _measure_table("call_agent_day", CALL_MEASURES, interval=False, call_dims=False),
    ("states", "fine"): _measure_table("state_fine", STATE_MEASURES, interval=True, call_dims=False),
    ("states", "day"): _measure_table("state_day", STATE_MEASURES, interval=False, call_dims=False),
}

aux_reason_day = Table(
    "aux_reason_day", metadata,
    Column("date", String(10), nullable=False), Column("agent_id", Text, nullable=False),
    Column("team", Text, nullable=False), Column("reason", Text, nullable=False),
    Column("seconds", Float, nullable=False),
)
Index("ix_aux_reason_day_date", aux_reason_day.c.date)

# Dashboards made in the builder (the shipped defaults stay in config/dashboards/). One row per
# dashboard id — a row with the id of a default overrides it; ``deleted`` hides a row (an override
# then falls back to the default) — and every saved version in ``dashboard_versions``, for undo.
dashboards = Table(
    "dashboards", metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),  # the Chinese title (title_en beside it), for lists and lookup
    Column("title_en", Text, nullable=False, default=""),
    Column("doc", Text, nullable=False),  # the document as JSON
    Column("version", Integer, nullable=False),
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
    Column("deleted", Integer, nullable=False, default=0),
)

dashboard_versions = Table(
    "dashboard_versions", metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", Text, nullable=False),
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
)

# Indicators a team lead defines herself with a formula (ccdash/indicators/custom.py): one row per code
# (``deleted`` hides it; saving the code again brings it back as the next version) and every saved or
# deleted version in ``custom_indicator_versions``, with its author and time.
def _custom_definition() -> list[Column]:
    return [
        Column("name_zh", Text, nullable=False),
        Column("name_en", Text, nullable=False, default=""),
        Column("formula", Text, nullable=False),  # as the user typed it (names in any language)
        Column("expr", Text, nullable=False),  # the same formula over codes, as the catalog evaluates it
        Column("unit", String(16), nullable=False),
        Column("decimals", Integer, nullable=False, default=0),
        Column("direction", String(8), nullable=False, default="neutral"),
        Column("target", Float),
    ]


custom_indicators = Table(
    "custom_indicators", metadata,
    Column("code", String(64), primary_key=True),
    *_custom_definition(),
    Column("unit_inferred", Integer, nullable=False, default=1),  # 0: chosen by the user
    Column("version", Integer, nullable=False),
    Column("created_at", String(19), nullable=False),
    Column("created_by", Text, nullable=False, default=""),
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
    Column("deleted", Integer, nullable=False, default=0),
)

custom_indicator_versions = Table(
    "custom_indicator_versions", metadata,
    Column("code", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("action", String(8), nullable=False),  # save | delete
    *_custom_definition(),
    Column("author", Text, nullable=False, default=""),
    Column("saved_at", String(19), nullable=False),
)

# Targets and status bands per indicator (ccdash/indicators/targets.py): one row per indicator × scope —
# ``scope`` is all | team | queue, ``scope_value`` the team or queue ("" for all) — and every set or
# delete in ``target_versions``, with its author and time.
targets = Table(
    "targets", metadata,
    Column("code", String(64), primary_key=True),
    Column("scope", String(8), primary_key=True),
    Column("scope_value", String(128), primary_key=True),
    Column("target", Float, nullable=False),
    Column("direction", String(8), nullable=False),  # higher | lower (the catalog's when not given)
    Column("warning", Float),
    Column("critical", Float),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
)

target_versions = Table(
    "target_versions", metadata,
    Column("code", String(64), primary_key=True),
    Column("scope", String(8), primary_key=True),
    Column("scope_value", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("action", String(8), nullable=False),  # set | delete
    Column("target", Float),
    Column("direction", String(8)),
    Column("warning", Float),
    Column("critical", Float),
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
)

# --- QA workbench (ccdash/qa/) ---------------------------------------------------------------------
# Scoring forms made or edited in the app (the shipped ones live in config/qa_forms/): one row per form
# id and version — a score keeps the (form_id, version) it was scored on, and every item row below also
# keeps its label, points, weight and fatal flag, so editing a form never changes a past score.
qa_form_versions = Table(
    "qa_form_versions", metadata,
    Column("form_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", Text, nullable=False),  # the form document as JSON
    Column("action", String(8), nullable=False, default="save"),  # save | delete
    Column("saved_at", String(19), nullable=False),
    Column("saved_by", Text, nullable=False, default=""),
)

# Business type → form, as edited in the app (overrides the `business_types` of the form documents).
qa_routes = Table(
    "qa_routes", metadata,
    Column("business_type", String(128), primary_key=True),
    Column("form_id", String(64), nullable=False),  # "" removes a route the documents declare
    Column("updated_at", String(19), nullable=False),
    Column("updated_by", Text, nullable=False, default=""),
)

# Recordings drawn for scoring: by a random or targeted rule, assigned to an inspector. A recording is
# sampled once for regular scoring; calibration samples the same recording for several inspectors.
qa_samples = Table(
    "qa_samples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Text, nullable=False),
    Column("batch", String(64), nullable=False),  # one draw (e.g. "2026-W09 random")
    Column("reason", String(16), nullable=False),  # random | long | low_csat | repeat | transferred | manual
    Column("purpose", String(12), nullable=False, default="regular"),  # regular | calibration
    Column("inspector", Text, nullable=False, default=""),
    Column("period_start", String(10)),
    Column("period_end", String(10)),
    Column("created_at", String(19), nullable=False),
    Column("created_by", Text, nullable=False, default=""),
)
Index("ix_qa_samples_recording", qa_samples.c.recording_id)

# One evaluation = one inspector's score of one recording on one form version; ``status`` draft | final.
# The call's components are stored so QA indicators roll up as ratios of sums.
qa_evaluations = Table(
    "qa_evaluations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Text, nullable=False),
    Column("sample_id", Integer),
    Column("purpose", String(12), nullable=False, default="regular"),  # regular | calibration | imported
    Column("inspector", Text, nullable=False),
    Column("form_id", String(64), nullable=False),
    Column("form_version", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # draft | final
    Column("agent_id", Text, nullable=False, default=""),
    Column("business_type", Text, nullable=False, default=""),
    Column("call_date", String(10)),  # the recording's date (the period QA indicators fall in)
    Column("score", Float),  # 0–100; 0 when a fatal item failed
    Column("earned_w", Float, nullable=False, default=0),  # Σ points × weight (0 when fatal)
    Column("possible_w", Float, nullable=False, default=0),  # Σ max × weight over applicable items
    Column("fatal", Integer, nullable=False, default=0),
    Column("passed", Integer, nullable=False, default=0),
    Column("comment", Text, nullable=False, default=""),
    Column("import_id", Integer),  # set for scores imported from another system's export
    Column("created_at", String(19), nullable=False),
    Column("updated_at", String(19), nullable=False),
)
Index("ix_qa_evaluations_recording", qa_evaluations.c.recording_id)
Index("ix_qa_evaluations_date", qa_evaluations.c.call_date)

qa_item_scores = Table(
    "qa_item_scores", metadata,
    Column("evaluation_id", Integer, primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("section", Text, nullable=False, default=""),
    Column("label", Text, nullable=False, default=""),
    Column("result", String(8), nullable=False),  # pass | fail | partial | na
    Column("points", Float),  # earned (None for na)
    Column("max_points", Float, nullable=False),
    Column("weight", Float, nullable=False, default=1),
    Column("fatal", Integer, nullable=False, default=0),  # the item is a fatal (一票否决) item
    Column("comment", Text, nullable=False, default=""),
)

# Every change to an item score after it was first saved (an appeal decided, a correction), kept.
qa_item_history = Table(
    "qa_item_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, nullable=False, index=True),
    Column("item_code", String(64), nullable=False),
    Column("old_result", String(8)),
    Column("old_points", Float),
    Column("new_result", String(8)),
    Column("new_points", Float),
    Column("reason", Text, nullable=False, default=""),
    Column("changed_at", String(19), nullable=False),
    Column("changed_by", Text, nullable=False, default=""),
)

# An agent's appeal against one item of a final score, and the lead's decision.
qa_appeals = Table(
    "qa_appeals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, nullable=False, index=True),
    Column("item_code", String(64), nullable=False),
    Column("agent_id", Text, nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("status", String(8), nullable=False, default="open"),  # open | upheld | changed
    Column("decision_note", Text, nullable=False, default=""),
    Column("created_at", String(19), nullable=False),
    Column("decided_at", String(19)),
    Column("decided_by", Text, nullable=False, default=""),
)

# QA measures (additive) per day × agent × business type, from final regular and imported evaluations:
# the QA indicators of the catalog read these like the call measures.
QA_MEASURES = ("qa_evals", "qa_earned_w", "qa_possible_w", "qa_passed", "qa_fatal",
               "qa_items_applicable", "qa_items_failed")
qa_day = Table(
    "qa_day", metadata,
    Column("date", String(10), nullable=False), Column("week", String(10), nullable=False),
    Column("month", String(10), nullable=False), Column("agent_id", Text, nullable=False),
    Column("team", Text, nullable=False), Column("business_type", Text, nullable=False),
    *(Column(m, Float, nullable=False, default=0) for m in QA_MEASURES),
)
Index("ix_qa_day_date", qa_day.c.date)
MEASURE_TABLES[("qa", "day")] = qa_day

# --- Trust (ccdash/auth/, ccdash/audit.py, ccdash/store/originals.py) --------------------------------
# Accounts: the password only as an argon2 hash; ``failed_count``/``locked_until`` for the lock-out.
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),  # stored lower-case
    Column("display_name", Text, nullable=False, default=""),
    Column("role", String(16), nullable=False),  # admin | lead | inspector | viewer | agent
    Column("agent_id", Text),  # for agents: their roster id
    Column("email", Text),  # for OpenID Connect sign-in (matched lower-case)
    Column("password_hash", Text),  # None: signs in only through OpenID Connect
    Column("disabled", Integer, nullable=False, default=0),
    Column("failed_count", Integer, nullable=False, default=0),
    Column("locked_until", String(19)),
    Column("must_change_password", Integer, nullable=False, default=0),
    Column("created_at", String(19), nullable=False),
    Column("updated_at", String(19), nullable=False),
    Column("last_login_at", String(19)),
)

# Sign-in sessions: only the SHA-256 of the token is kept; a session ends when idle too long, at its
# absolute expiry, at sign-out, or when the user is disabled or changes role/password.
sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("created_at", String(19), nullable=False),
    Column("last_seen_at", String(19), nullable=False),
    Column("expires_at", String(19), nullable=False),
    Column("ended_at", String(19)),
)

# One read-only wall-screen link per dashboard; regenerating replaces the token (the old link stops at once).
wall_tokens = Table(
    "wall_tokens", metadata,
    Column("dashboard_id", String(64), primary_key=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("created_at", String(19), nullable=False),
    Column("created_by", Text, nullable=False, default=""),
)

# The audit trail: append-only (triggers refuse UPDATE and DELETE, see ccdash/audit.py).
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(19), nullable=False, index=True),
    Column("username", Text, nullable=False),
    Column("role", String(16), nullable=False, default=""),
    Column("action", String(64), nullable=False, index=True),  # e.g. import.run, dashboard.save, user.role
    Column("target", Text, nullable=False, default=""),  # what it acted on: an import id, a dashboard id …
    Column("outcome", String(8), nullable=False, default="ok"),  # ok | denied | failed
    Column("detail", Text, nullable=False, default=""),  # JSON
)

# Every uploaded original file, content-addressed by SHA-256, so an import can be re-run after a fix.
originals = Table(
    "originals", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("stored_at", String(19), nullable=False),
)
