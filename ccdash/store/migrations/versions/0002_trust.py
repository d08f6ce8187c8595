"""Trust: accounts, sign-in sessions, wall-screen tokens, the append-only audit trail, kept originals.

The audit guards (triggers that refuse UPDATE and DELETE on ``audit_log``) come from
:func:`ccdash.audit.install_guards`, the same function a new store runs, so both paths get the same ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

D19 = sa.String(19)


def _col(name: str, type_, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def upgrade() -> None:
    from ccdash.audit import install_guards
    op.create_table(
        "users", sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _col("username", sa.String(64)), _col("display_name", sa.Text()), _col("role", sa.String(16)),
        _col("agent_id", sa.Text(), True), _col("email", sa.Text(), True), _col("password_hash", sa.Text(), True),
        _col("disabled", sa.Integer()), _col("failed_count", sa.Integer()), _col("locked_until", D19, True),
        _col("must_change_password", sa.Integer()), _col("created_at", D19), _col("updated_at", D19),
        _col("last_login_at", D19, True), sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("username"))
    op.create_table(
        "sessions", _col("token_hash", sa.String(64)), _col("user_id", sa.Integer()), _col("created_at", D19),
        _col("last_seen_at", D19), _col("expires_at", D19), _col("ended_at", D19, True),
        sa.PrimaryKeyConstraint("token_hash"))
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"], unique=False)
    op.create_table(
        "wall_tokens", _col("dashboard_id", sa.String(64)), _col("token", sa.String(64)), _col("created_at", D19),
        _col("created_by", sa.Text()), sa.PrimaryKeyConstraint("dashboard_id"), sa.UniqueConstraint("token"))
    op.create_table(
        "audit_log", sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), _col("at", D19),
        _col("username", sa.Text()), _col("role", sa.String(16)), _col("action", sa.String(64)),
        _col("target", sa.Text()), _col("outcome", sa.String(8)), _col("detail", sa.Text()),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_action", "audit_log", ["action"], unique=False)
    op.create_table(
        "originals", _col("sha256", sa.String(64)), _col("file_name", sa.Text()), _col("size", sa.Integer()),
        _col("data", sa.LargeBinary()), _col("stored_at", D19), sa.PrimaryKeyConstraint("sha256"))
    install_guards(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite drops a table's triggers with it
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for name in ("originals", "audit_log", "wall_tokens", "sessions", "users"):
        op.drop_table(name)
