"""Site settings kept in the store's ``meta`` table: anonymous (read-only) viewing.

Anonymous viewing lets anyone on the network open the dashboards without signing in. It is switched on
only for the demo — when the sample month fills a store that has no users yet, so ``make run`` opens on
real-looking dashboards — and creating the first administrator switches it off again.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select

from ccdash.audit import record
from ccdash.auth.roles import SYSTEM, Actor, authorize
from ccdash.store.db import get_setting, set_setting
from ccdash.store.schema import users

ANONYMOUS_KEY = "anonymous_viewing"


def anonymous_viewing(engine: Engine) -> bool:
    """True when the dashboards may be viewed without signing in."""
    with engine.connect() as conn:
        return get_setting(conn, ANONYMOUS_KEY) == "1"


def store_anonymous(conn: Connection, actor: Actor, on: bool, why: str = "") -> None:
    """Write the setting and its audit row in the caller's transaction (no permission check: callers check)."""
    set_setting(conn, ANONYMOUS_KEY, "1" if on else "0")
    record(conn, actor, "settings.anonymous", ANONYMOUS_KEY, {"on": bool(on), **({"why": why} if why else {})})


def set_anonymous_viewing(engine: Engine, on: bool, *, actor: Actor) -> None:
    """Switch anonymous viewing on or off (administrators only, audited)."""
    authorize(actor, "settings.edit", engine)
    with engine.begin() as conn:
        store_anonymous(conn, actor, on)


def enable_demo_viewing(engine: Engine) -> bool:
    """Switch anonymous viewing on when the store has no users at all (the sample month on a first start);
    once an account exists this does nothing. Returns True when it switched it on."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar():
            return False
        store_anonymous(conn, SYSTEM, True, why="sample")
        return True
