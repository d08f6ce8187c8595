"""Sign-in sessions: a random token in the browser, only its SHA-256 in the store.

A session ends when it has been idle for :data:`IDLE_MINUTES`, :data:`ABSOLUTE_HOURS` after it began,
at sign-out, or when an administrator disables the user, changes their role or resets their password
(:func:`end_sessions`). A store copied off the server holds no usable token: the table keeps hashes.
Both limits can be changed per site with the ``meta`` keys ``session_idle_minutes`` and ``session_hours``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, select, update

from ccdash.audit import record
from ccdash.auth.roles import Actor
from ccdash.store.db import get_setting
from ccdash.store.schema import sessions, users

IDLE_MINUTES = 120
ABSOLUTE_HOURS = 12
TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute, not on every page run
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def time_text(moment: dt.datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(value, TIME_FORMAT) if value else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _limit(conn: Connection, key: str, default: int) -> int:
    """A site's own limit from the meta table, else the module default (read at call time)."""
    try:
        value = int(get_setting(conn, key) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def limits(conn: Connection) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle limit, absolute limit) for this store."""
    return (dt.timedelta(minutes=_limit(conn, "session_idle_minutes", IDLE_MINUTES)),
            dt.timedelta(hours=_limit(conn, "session_hours", ABSOLUTE_HOURS)))


def actor_for(row: Mapping) -> Actor:
    """The acting user of a ``users`` row (a Row or a dict)."""
    m = getattr(row, "_mapping", row)
    return Actor(m["username"], m["role"], agent_id=m.get("agent_id"), user_id=m["id"])


def start_session(conn: Connection, user_id: int, now: dt.datetime) -> str:
    """Open a session in the caller's transaction; returns the token for the browser (shown once, kept hashed)."""
    token = secrets.token_urlsafe(32)
    _idle, absolute = limits(conn)
    conn.execute(sessions.insert().values(
        token_hash=token_hash(token), user_id=user_id, created_at=time_text(now), last_seen_at=time_text(now),
        expires_at=time_text(now + absolute)))
    return token


def _live_row(conn: Connection, token: str, now: dt.datetime):
    """The session joined with its user when it is still valid at ``now``, else None."""
    if not token or not isinstance(token, str):
        return None
    row = conn.execute(select(sessions, users.c.username, users.c.role, users.c.agent_id, users.c.disabled)
                       .join(users, users.c.id == sessions.c.user_id)
                       .where(sessions.c.token_hash == token_hash(token))).first()
    if row is None or row.ended_at or row.disabled:
        return None
    idle, absolute = limits(conn)
    started, seen = parse_time(row.created_at), parse_time(row.last_seen_at)
    if now >= parse_time(row.expires_at) or now >= started + absolute or now >= seen + idle:
        return None
    return row


def session_actor(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> Actor | None:
    """The signed-in user of ``token``, or None when the session is unknown, ended, idle too long, past its
    absolute expiry, or the user is disabled. Keeps the session alive (``last_seen_at``)."""
    now = now or dt.datetime.now()
    with engine.begin() as conn:
        row = _live_row(conn, token, now)
        if row is None:
            return None
        if now - parse_time(row.last_seen_at) >= dt.timedelta(seconds=TOUCH_SECONDS):
            conn.execute(update(sessions).where(sessions.c.token_hash == row.token_hash)
                         .values(last_seen_at=time_text(now)))
        return Actor(row.username, row.role, agent_id=row.agent_id, user_id=row.user_id)


def sign_out(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> None:
    """End the session of ``token`` (audited as ``signout``); an unknown or ended token does nothing."""
    now = now or dt.datetime.now()
    with engine.begin() as conn:
        row = _live_row(conn, token, now)
        if row is None:
            return
        conn.execute(update(sessions).where(sessions.c.token_hash == row.token_hash)
                     .values(ended_at=time_text(now)))
        record(conn, Actor(row.username, row.role, agent_id=row.agent_id, user_id=row.user_id), "signout",
               row.username)


def end_sessions(conn: Connection, user_id: int, now: dt.datetime, *, keep_token: str | None = None) -> int:
    """End every open session of a user in the caller's transaction (role change, disable, password reset);
    ``keep_token`` spares the session the change was made from. Returns how many were ended."""
    query = (update(sessions).where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
             .values(ended_at=time_text(now)))
    if keep_token:
        query = query.where(sessions.c.token_hash != token_hash(keep_token))
    return conn.execute(query).rowcount
