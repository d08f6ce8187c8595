"""The audit trail: who did what, when, to what, and whether it was allowed.

Rows are written inside the transaction of the change they describe (:func:`record`), so an import
that rolls back leaves no "import" row behind, and a refusal is written on its own
(:func:`record_denied`). The application never updates or deletes a row: there is no function for
it, and database triggers refuse UPDATE and DELETE on ``audit_log`` (:func:`install_guards`).
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Connection, Engine, func, or_, select, text

from ccdash.auth.roles import Actor
from ccdash.store.db import day_text, now_text
from ccdash.store.schema import audit_log


def record(conn: Connection, actor: Actor, action: str, target: object = "", detail: dict | None = None,
           outcome: str = "ok") -> None:
    """Append one row in the caller's transaction (commits and rolls back with the change itself)."""
    _append(conn, actor.username, actor.role, action, target, detail, outcome)


def _append(conn: Connection, username: str, role: str, action: str, target: object, detail: dict | None,
            outcome: str) -> None:
    conn.execute(audit_log.insert().values(
        at=now_text(), username=username, role=role, action=action, target=str(target or ""),
        outcome=outcome, detail=json.dumps(detail or {}, ensure_ascii=False, default=str)))


def record_denied(engine: Engine, actor: Actor, action: str, target: object = "") -> None:
    """A refused action, in a transaction of its own (the refused change itself never starts)."""
    with engine.begin() as conn:
        record(conn, actor, f"denied:{action}", target, outcome="denied")


GUARDS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def install_guards(conn: Connection) -> None:
    """Triggers that make ``audit_log`` append-only on SQLite and PostgreSQL (idempotent)."""
    for statement in GUARDS.get(conn.dialect.name, []):
        conn.execute(text(statement))


def record_signin_failure(engine: Engine, typed_username: str, detail: dict) -> None:
    """A failed sign-in under a name that is no account (or an unmatched single sign-on): written under
    the name as typed, with no role, in a transaction of its own."""
    name = (typed_username or "")[:64]
    with engine.begin() as conn:
        _append(conn, name or "?", "", "signin.failed", name, detail, "failed")


AUDIT_COLUMNS = ("id", "at", "username", "role", "action", "target", "outcome", "detail")


def _like(value: str) -> str:
    """A LIKE pattern matching ``value`` anywhere, with the pattern characters taken literally."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _audit_filters(text=None, username=None, action=None, outcome=None, date_from=None, date_to=None) -> list:
    c, where = audit_log.c, []
    if text and text.strip():
        pattern = _like(text.strip())
        where.append(or_(*(col.ilike(pattern, escape="\\") for col in (c.action, c.target, c.detail, c.username))))
    if username and username.strip():
        where.append(func.lower(c.username) == username.strip().lower())
    if action:
        where.append(or_(c.action == action, c.action.like(_like(action)[1:-1] + ".%", escape="\\")))
    if outcome:
        where.append(c.outcome == outcome)
    if day_text(date_from):
        where.append(c.at >= day_text(date_from))
    if day_text(date_to):
        where.append(c.at <= day_text(date_to) + " 23:59:59")
    return where


def search_audit(engine: Engine, *, actor: Actor, text: str | None = None, username: str | None = None,
                 action: str | None = None, outcome: str | None = None, date_from=None, date_to=None,
                 limit: int = 5000) -> pd.DataFrame:
    """Audit rows, newest first (administrators only). ``text`` matches the action, target, detail or
    username anywhere, ignoring case; ``action`` is exact or a family (``signin`` → signin.ok, signin.failed
    …); dates are inclusive days. The page exports the frame with ``ccdash.reports_io.write_xlsx``."""
    from ccdash.auth.roles import authorize  # roles imports this module lazily too
    authorize(actor, "audit.view", engine)
    query = (select(*(audit_log.c[name] for name in AUDIT_COLUMNS))
             .where(*_audit_filters(text, username, action, outcome, date_from, date_to))
             .order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(int(limit)))
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(AUDIT_COLUMNS))


def audit_actions(engine: Engine) -> list[str]:
    """The actions present in the trail, sorted (for the audit page's filter)."""
    with engine.connect() as conn:
        return sorted(conn.execute(select(audit_log.c.action).distinct()).scalars())
