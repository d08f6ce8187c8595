"""Wall-screen links: one read-only link per dashboard, opened without signing in.

The link carries a random token (``secrets.token_urlsafe``, 192 bits). An administrator can regenerate
it — the token is replaced in place, so the old link stops working at the next page run — or revoke it.
A token opens exactly one dashboard, as the read-only :func:`wall_actor`.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select, update

from ccdash.audit import record
from ccdash.auth.roles import Actor, authorize
from ccdash.store.db import now_text
from ccdash.store.schema import wall_tokens

TOKEN_BYTES = 24


def wall_actor(dashboard_id: str) -> Actor:
    """Who a wall screen acts as: a viewer named after its dashboard (pages show only that dashboard)."""
    return Actor(f"wall:{dashboard_id}", "viewer")


def wall_token(engine: Engine, dashboard_id: str, *, actor: Actor, regenerate: bool = False) -> str:
    """The dashboard's wall token, made when missing; ``regenerate`` replaces it (the old link stops at once)."""
    authorize(actor, "wall.manage", engine)
    with engine.begin() as conn:
        current = conn.execute(select(wall_tokens.c.token)
                               .where(wall_tokens.c.dashboard_id == dashboard_id)).scalar()
        if current and not regenerate:
            return current
        token = secrets.token_urlsafe(TOKEN_BYTES)
        values = {"token": token, "created_at": now_text(), "created_by": actor.username}
        if current:
            conn.execute(update(wall_tokens).where(wall_tokens.c.dashboard_id == dashboard_id).values(**values))
        else:
            conn.execute(wall_tokens.insert().values(dashboard_id=dashboard_id, **values))
        record(conn, actor, "wall.regenerate" if current else "wall.create", dashboard_id)
    return token


def revoke_wall(engine: Engine, dashboard_id: str, *, actor: Actor) -> bool:
    """Remove the dashboard's wall link; True when there was one."""
    authorize(actor, "wall.manage", engine)
    with engine.begin() as conn:
        gone = conn.execute(wall_tokens.delete().where(wall_tokens.c.dashboard_id == dashboard_id)).rowcount
        if gone:
            record(conn, actor, "wall.revoke", dashboard_id)
    return bool(gone)


def dashboard_for_token(engine: Engine, token: str | None) -> str | None:
    """The dashboard a wall token opens, or None (unknown, regenerated or revoked). The stored token is
    compared again in constant time, so a near-miss takes as long as a stranger's guess."""
    if not token or not isinstance(token, str) or len(token) > 128:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(wall_tokens.c.dashboard_id, wall_tokens.c.token)
                           .where(wall_tokens.c.token == token)).first()
    if row is None or not secrets.compare_digest(row.token.encode(), token.encode()):
        return None
    return row.dashboard_id


def wall_links(engine: Engine, *, actor: Actor) -> list[dict]:
    """Every wall link for the administrators' page: dashboard_id, token, created_at, created_by."""
    authorize(actor, "wall.manage", engine)
    with engine.connect() as conn:
        rows = conn.execute(select(wall_tokens).order_by(wall_tokens.c.dashboard_id)).fetchall()
    return [dict(r._mapping) for r in rows]
