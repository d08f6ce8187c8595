"""The store as released before migrations existed (commit e5d5b9d): imports, records, measures,
dashboards, custom indicators, targets and the QA workbench.

Written out here (generated with autogenerate from that release's metadata, then tidied) rather than
imported from ``ccdash/store/schema.py``, so this revision never changes when the schema module does.
Stores made before this revision get it stamped, not run (see ``ccdash.store.migrations``).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CALL_MEASURES = (
    "offered", "answered", "abandoned", "ivr", "outbound", "outbound_connected", "handled", "transferred",
    "wait_answered_s", "wait_abandoned_s", "ring_s", "talk_s", "hold_s", "acw_s",
    "ans_wait_le_5", "ans_wait_le_10", "ans_wait_le_15", "ans_wait_le_20", "ans_wait_le_30", "ans_wait_le_60",
    "abn_wait_le_5", "abn_wait_le_10", "abn_wait_le_15", "abn_wait_le_20", "abn_wait_le_30", "abn_wait_le_60",
    "resolved_yes", "resolved_known", "csat_responses", "csat_satisfied", "csat_dissatisfied", "csat_score_sum",
    "repeat_base", "repeat_2h", "repeat_24h", "repeat_48h", "repeat_7d",
)
STATE_MEASURES = ("login_s", "ready_s", "aux_s", "st_talk_s", "st_acw_s", "st_hold_s", "st_other_s")
QA_MEASURES = ("qa_evals", "qa_earned_w", "qa_possible_w", "qa_passed", "qa_fatal", "qa_items_applicable",
               "qa_items_failed")

# The record columns of each source kind, as config/fields.yaml and config/sources.yaml declared them.
D10, D19 = sa.String(10), sa.String(19)
RECORD_COLUMNS = {
    "agent_states": [
        ("agent_id", sa.Text()), ("agent_name", sa.Text()), ("date", D10), ("state", sa.Text()),
        ("state_reason", sa.Text()), ("state_start", D19), ("state_s", sa.Float()), ("login_s", sa.Float()),
        ("ready_s", sa.Float()), ("aux_s", sa.Float()), ("aux_rest_s", sa.Float()), ("aux_meal_s", sa.Float()),
        ("aux_training_s", sa.Float()), ("aux_meeting_s", sa.Float()), ("state_talk_s", sa.Float()),
        ("state_acw_s", sa.Float()), ("state_hold_s", sa.Float()), ("state_label", sa.Text())],
    "calls": [
        ("call_id", sa.Text()), ("direction", sa.Text()), ("caller_hash", sa.String(64)),
        ("caller_mask", sa.String(32)), ("callee_hash", sa.String(64)), ("callee_mask", sa.String(32)),
        ("queue", sa.Text()), ("agent_id", sa.Text()), ("agent_name", sa.Text()), ("business_type", sa.Text()),
        ("date", D10), ("start_time", D19), ("answer_time", D19), ("end_time", D19), ("wait_s", sa.Float()),
        ("ring_s", sa.Float()), ("talk_s", sa.Float()), ("hold_s", sa.Float()), ("acw_s", sa.Float()),
        ("result", sa.Text()), ("transferred", sa.Integer()), ("hangup_by", sa.Text()), ("resolved", sa.Integer()),
        ("csat", sa.Float()), ("recording_id", sa.Text())],
    "qa_scores": [
        ("recording_id", sa.Text()), ("call_id", sa.Text()), ("agent_id", sa.Text()), ("agent_name", sa.Text()),
        ("business_type", sa.Text()), ("date", D10), ("start_time", D19), ("inspector", sa.Text()),
        ("qa_form", sa.Text()), ("qa_item", sa.Text()), ("qa_points", sa.Float()), ("qa_max_points", sa.Float()),
        ("qa_result", sa.Text()), ("qa_fatal", sa.Integer()), ("qa_comment", sa.Text())],
    "recordings": [
        ("recording_id", sa.Text()), ("call_id", sa.Text()), ("agent_id", sa.Text()), ("agent_name", sa.Text()),
        ("business_type", sa.Text()), ("date", D10), ("start_time", D19), ("rec_duration_s", sa.Float()),
        ("audio_url", sa.Text()), ("transcript", sa.Text())],
    "roster": [("agent_id", sa.Text()), ("agent_name", sa.Text()), ("team", sa.Text()), ("team_lead", sa.Text()),
               ("hire_date", D10)],
}


def _col(name: str, type_, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _measure_table(name: str, measures: tuple, *, interval: bool, call_dims: bool, team_index: bool = True,
                   extra: tuple = ()) -> None:
    dims = [_col("date", D10)] + ([_col("interval", sa.Integer())] if interval else [])
    dims += [_col("week", D10), _col("month", D10), _col("agent_id", sa.Text()), _col("team", sa.Text())]
    dims += [_col("queue", sa.Text()), _col("business_type", sa.Text())] if call_dims else []
    dims += [_col(c, sa.Text()) for c in extra]
    op.create_table(name, *dims, *(_col(m, sa.Float()) for m in measures))
    op.create_index(f"ix_{name}_date", name, ["date"], unique=False)
    if team_index:
        op.create_index(f"ix_{name}_team_date", name, ["team", "date"], unique=False)


def _record_table(kind: str) -> None:
    name = f"rec_{kind}"
    op.create_table(
        name, _id(), _col("import_id", sa.Integer()), _col("rkey", sa.Text()), _col("is_current", sa.Integer()),
        _col("row_no", sa.Integer(), True), *(_col(c, type_, True) for c, type_ in RECORD_COLUMNS[kind]),
        sa.PrimaryKeyConstraint("id"))
    op.create_index(f"ix_{name}_import_id", name, ["import_id"], unique=False)
    op.create_index(f"ix_{name}_key", name, ["rkey", "is_current"], unique=False)
    if any(c == "date" for c, _ in RECORD_COLUMNS[kind]):
        op.create_index(f"ix_{name}_date", name, ["date", "is_current"], unique=False)


def _store_tables() -> None:
    op.create_table("meta", _col("key", sa.String(64)), _col("value", sa.Text(), True), sa.PrimaryKeyConstraint("key"))
    op.create_table(
        "imports", _id(), _col("kind", sa.String(32)), _col("shape", sa.String(32), True),
        _col("file_name", sa.Text()), _col("sha256", sa.String(64)), _col("sheet", sa.Text(), True),
        _col("status", sa.String(16)),
        *(_col(c, sa.Integer(), True) for c in ("rows_read", "accepted", "rejected", "ignored", "blank_rows",
                                                 "total_rows", "inserted", "updated")),
        _col("date_from", D10, True), _col("date_to", D10, True), _col("created_at", D19),
        _col("undone_at", D19, True), _col("mapping", sa.Text(), True), _col("report", sa.Text(), True),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_imports_sha256", "imports", ["sha256"], unique=False)
    op.create_table("mapping_profiles", _col("signature", sa.String(32)), _col("kind", sa.String(32)),
                    _col("doc", sa.Text()), _col("updated_at", D19), sa.PrimaryKeyConstraint("signature", "kind"))
    for kind in RECORD_COLUMNS:
        _record_table(kind)
    _measure_table("call_fine", CALL_MEASURES, interval=True, call_dims=True)
    _measure_table("call_day", CALL_MEASURES, interval=False, call_dims=True)
    _measure_table("call_agent_day", CALL_MEASURES, interval=False, call_dims=False)
    _measure_table("state_fine", STATE_MEASURES, interval=True, call_dims=False)
    _measure_table("state_day", STATE_MEASURES, interval=False, call_dims=False)
    op.create_table("aux_reason_day", _col("date", D10), _col("agent_id", sa.Text()), _col("team", sa.Text()),
                    _col("reason", sa.Text()), _col("seconds", sa.Float()))
    op.create_index("ix_aux_reason_day_date", "aux_reason_day", ["date"], unique=False)


def _custom_definition() -> list[sa.Column]:
    return [_col("name_zh", sa.Text()), _col("name_en", sa.Text()), _col("formula", sa.Text()),
            _col("expr", sa.Text()), _col("unit", sa.String(16)), _col("decimals", sa.Integer()),
            _col("direction", sa.String(8)), _col("target", sa.Float(), True)]


def _document_tables() -> None:
    op.create_table(
        "dashboards", _col("id", sa.String(64)), _col("title", sa.Text()), _col("title_en", sa.Text()),
        _col("doc", sa.Text()), _col("version", sa.Integer()), _col("updated_at", D19),
        _col("updated_by", sa.Text()), _col("deleted", sa.Integer()), sa.PrimaryKeyConstraint("id"))
    op.create_table(
        "dashboard_versions", _col("id", sa.String(64)), _col("version", sa.Integer()), _col("doc", sa.Text()),
        _col("updated_at", D19), _col("updated_by", sa.Text()), sa.PrimaryKeyConstraint("id", "version"))
    op.create_table(
        "custom_indicators", _col("code", sa.String(64)), *_custom_definition(),
        _col("unit_inferred", sa.Integer()), _col("version", sa.Integer()), _col("created_at", D19),
        _col("created_by", sa.Text()), _col("updated_at", D19), _col("updated_by", sa.Text()),
        _col("deleted", sa.Integer()), sa.PrimaryKeyConstraint("code"))
    op.create_table(
        "custom_indicator_versions", _col("code", sa.String(64)), _col("version", sa.Integer()),
        _col("action", sa.String(8)), *_custom_definition(), _col("author", sa.Text()), _col("saved_at", D19),
        sa.PrimaryKeyConstraint("code", "version"))
    scope = [_col("code", sa.String(64)), _col("scope", sa.String(8)), _col("scope_value", sa.String(128))]
    op.create_table(
        "targets", *scope, _col("target", sa.Float()), _col("direction", sa.String(8)),
        _col("warning", sa.Float(), True), _col("critical", sa.Float(), True), _col("version", sa.Integer()),
        _col("updated_at", D19), _col("updated_by", sa.Text()), sa.PrimaryKeyConstraint("code", "scope", "scope_value"))
    scope = [_col("code", sa.String(64)), _col("scope", sa.String(8)), _col("scope_value", sa.String(128))]
    op.create_table(
        "target_versions", *scope, _col("version", sa.Integer()), _col("action", sa.String(8)),
        _col("target", sa.Float(), True), _col("direction", sa.String(8), True), _col("warning", sa.Float(), True),
        _col("critical", sa.Float(), True), _col("updated_at", D19), _col("updated_by", sa.Text()),
        sa.PrimaryKeyConstraint("code", "scope", "scope_value", "version"))


def _qa_tables() -> None:
    op.create_table(
        "qa_form_versions", _col("form_id", sa.String(64)), _col("version", sa.Integer()), _col("doc", sa.Text()),
        _col("action", sa.String(8)), _col("saved_at", D19), _col("saved_by", sa.Text()),
        sa.PrimaryKeyConstraint("form_id", "version"))
    op.create_table(
        "qa_routes", _col("business_type", sa.String(128)), _col("form_id", sa.String(64)), _col("updated_at", D19),
        _col("updated_by", sa.Text()), sa.PrimaryKeyConstraint("business_type"))
    op.create_table(
        "qa_samples", _id(), _col("recording_id", sa.Text()), _col("batch", sa.String(64)),
        _col("reason", sa.String(16)), _col("purpose", sa.String(12)), _col("inspector", sa.Text()),
        _col("period_start", D10, True), _col("period_end", D10, True), _col("created_at", D19),
        _col("created_by", sa.Text()), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_qa_samples_recording", "qa_samples", ["recording_id"], unique=False)
    op.create_table(
        "qa_evaluations", _id(), _col("recording_id", sa.Text()), _col("sample_id", sa.Integer(), True),
        _col("purpose", sa.String(12)), _col("inspector", sa.Text()), _col("form_id", sa.String(64)),
        _col("form_version", sa.Integer()), _col("status", sa.String(8)), _col("agent_id", sa.Text()),
        _col("business_type", sa.Text()), _col("call_date", D10, True), _col("score", sa.Float(), True),
        _col("earned_w", sa.Float()), _col("possible_w", sa.Float()), _col("fatal", sa.Integer()),
        _col("passed", sa.Integer()), _col("comment", sa.Text()), _col("import_id", sa.Integer(), True),
        _col("created_at", D19), _col("updated_at", D19), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_qa_evaluations_recording", "qa_evaluations", ["recording_id"], unique=False)
    op.create_index("ix_qa_evaluations_date", "qa_evaluations", ["call_date"], unique=False)
    op.create_table(
        "qa_item_scores", _col("evaluation_id", sa.Integer()), _col("item_code", sa.String(64)),
        _col("section", sa.Text()), _col("label", sa.Text()), _col("result", sa.String(8)),
        _col("points", sa.Float(), True), _col("max_points", sa.Float()), _col("weight", sa.Float()),
        _col("fatal", sa.Integer()), _col("comment", sa.Text()), sa.PrimaryKeyConstraint("evaluation_id", "item_code"))
    op.create_table(
        "qa_item_history", _id(), _col("evaluation_id", sa.Integer()), _col("item_code", sa.String(64)),
        _col("old_result", sa.String(8), True), _col("old_points", sa.Float(), True),
        _col("new_result", sa.String(8), True), _col("new_points", sa.Float(), True), _col("reason", sa.Text()),
        _col("changed_at", D19), _col("changed_by", sa.Text()), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_qa_item_history_evaluation_id", "qa_item_history", ["evaluation_id"], unique=False)
    op.create_table(
        "qa_appeals", _id(), _col("evaluation_id", sa.Integer()), _col("item_code", sa.String(64)),
        _col("agent_id", sa.Text()), _col("reason", sa.Text()), _col("status", sa.String(8)),
        _col("decision_note", sa.Text()), _col("created_at", D19), _col("decided_at", D19, True),
        _col("decided_by", sa.Text()), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_qa_appeals_evaluation_id", "qa_appeals", ["evaluation_id"], unique=False)
    _measure_table("qa_day", QA_MEASURES, interval=False, call_dims=False, team_index=False,
                   extra=("business_type",))


def upgrade() -> None:
    _store_tables()
    _document_tables()
    _qa_tables()


TABLES = (
    "meta", "imports", "mapping_profiles", *(f"rec_{kind}" for kind in RECORD_COLUMNS), "call_fine", "call_day",
    "call_agent_day", "state_fine", "state_day", "aux_reason_day", "dashboards", "dashboard_versions",
    "custom_indicators", "custom_indicator_versions", "targets", "target_versions", "qa_form_versions", "qa_routes",
    "qa_samples", "qa_evaluations", "qa_item_scores", "qa_item_history", "qa_appeals", "qa_day",
)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)  # its indexes go with it
