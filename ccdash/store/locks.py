"""One writer of imports at a time: the import lock, taken at the start of every import, undo and re-run.

An import reads what it later updates (is the file already in? which current records share its keys?
which dates need their measures rebuilt?) and then writes. Two imports whose transactions interleave
could both keep a record of the same natural key current, or rebuild a day's measures from records
the other has not committed yet. So the transaction takes a store-wide write lock *before* its first read:

* SQLite: ``BEGIN IMMEDIATE`` — the database's write lock at the start of the transaction instead of
  at its first write. Readers (dashboards) are not blocked (WAL); a second import waits. The driver's
  ``busy_timeout`` (30 s) bounds one wait; the lock is asked for again until :data:`SQLITE_WAIT_TRIES`
  waits have passed, so a long import makes the next one wait rather than fail.
* PostgreSQL: ``pg_advisory_xact_lock`` on one constant key, released by the transaction's commit or
  rollback (or when the server notices that the client process died).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

IMPORT_LOCK_KEY = 0x63636461  # "ccda": the one advisory lock key of imports on PostgreSQL
SQLITE_WAIT_TRIES = 20  # × busy_timeout (30 s) = up to 10 minutes behind another import


def import_lock(conn: Connection) -> None:
    """Take the store's import lock for the rest of ``conn``'s transaction (call it before the first read).

    Taking it again in the same transaction is a no-op, so an import inside a re-run does not deadlock."""
    write_lock(conn, IMPORT_LOCK_KEY)


def write_lock(conn: Connection, key: int) -> None:
    """A store-wide lock for the rest of ``conn``'s transaction: the advisory lock ``key`` on PostgreSQL (so
    imports and schema upgrades each have their own), the database's write lock on SQLite."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif conn.dialect.name == "sqlite":
        _begin_immediate(conn.connection.driver_connection)


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on the driver connection, unless it already holds a transaction.

    The driver (legacy transaction control) begins a transaction only before its first INSERT, UPDATE or
    DELETE; so a transaction already open here has written, which means it holds the write lock already."""
    if raw.in_transaction:
        return
    for attempt in range(SQLITE_WAIT_TRIES):
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == SQLITE_WAIT_TRIES - 1:
                raise


def holds_import_lock(conn: Connection) -> bool:
    """Whether ``conn`` is inside a transaction that took the import lock (for assertions and tests)."""
    if conn.dialect.name == "sqlite":
        return bool(conn.connection.driver_connection.in_transaction)
    return bool(conn.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
        "AND objid = :key"), {"key": IMPORT_LOCK_KEY}).scalar())


@contextmanager
def import_transaction(engine: Engine | Connection) -> Iterator[Connection]:
    """A transaction holding the import lock. Given a :class:`Connection` (a re-run that undoes and imports in
    one transaction), its transaction is used as it is: the caller already took the lock and will commit."""
    if isinstance(engine, Connection):
        import_lock(engine)
        yield engine
        return
    with engine.begin() as conn:
        import_lock(conn)
        yield conn
