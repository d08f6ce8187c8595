"""Signing in an AppTest session the way a browser does: a real account and a real session from the library.

``signed_in(at, role="admin")`` creates the user (the first administrator on an empty user table) in the
store the app opens (``CCDASH_DB_URL``), signs in with :func:`ccdash.auth.users.sign_in` and puts the
session token where the sign-in gate looks for it, before the first run.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import Engine

from ccdash.auth import passwords
from ccdash.auth.roles import SYSTEM
from ccdash.store.db import make_engine

PASSWORD = "Correct-Horse-42"
USERNAMES = {"admin": "admin1", "lead": "lead1", "inspector": "qa1", "viewer": "view1", "agent": "a01"}
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only: argon2 at its cheapest


def fast_passwords() -> None:
    """Swap the slow production hasher for a cheap one (the same argon2id format) for the test process."""
    passwords.HASHER = FAST_HASHER


def ensure_user(engine: Engine, role: str = "admin", username: str | None = None, *, agent_id: str | None = None,
                password: str = PASSWORD, must_change: bool = False) -> str:
    """The account ``username`` (made when missing) with ``role``; its username."""
    from ccdash.auth.users import create_first_admin, create_user, get_user, needs_first_admin
    username = username or USERNAMES[role]
    if get_user(engine, username) is not None:
        return username
    if role == "admin" and needs_first_admin(engine):
        create_first_admin(engine, username, password, f"{role} {username}")
    else:
        if needs_first_admin(engine):
            create_first_admin(engine, "admin0", password, "first admin")
        create_user(engine, actor=SYSTEM, username=username, role=role, password=password,
                    display_name=f"{role} {username}", agent_id=agent_id, must_change_password=must_change)
    return username


def session_for(engine: Engine, role: str = "admin", username: str | None = None, **kw) -> str:
    """A live session token of that user (signing in through the library, audited like a real sign-in)."""
    from ccdash.auth.users import sign_in
    name = ensure_user(engine, role, username, **kw)
    return sign_in(engine, name, kw.get("password", PASSWORD)).token


def signed_in(at, engine: Engine | None = None, role: str = "admin", username: str | None = None, **kw):
    """Put a real session of a ``role`` user into the AppTest's session state before its first run."""
    from ccdash.ui.auth import SESSION_KEY
    fast_passwords()
    own = engine is None
    engine = engine or make_engine()
    try:
        if role == "agent" and "agent_id" not in kw:
            kw["agent_id"] = "A01"
        at.session_state[SESSION_KEY] = session_for(engine, role, username, **kw)
    finally:
        if own:
            engine.dispose()
    return at
