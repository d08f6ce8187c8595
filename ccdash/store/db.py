"""The store's engine: SQLite by default (WAL), PostgreSQL when ``CCDASH_DB_URL`` says so.

Also the fast bulk writer (driver-level ``executemany`` of tuples, several times faster than
``DataFrame.to_sql``) and the per-store salt used to hash caller numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, create_engine, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ccdash.store.schema import meta

DEFAULT_URL = "sqlite:///data/ccdash.db"
CHUNK_ROWS = 50_000


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("CCDASH_DB_URL") or DEFAULT_URL


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """An engine on ``url`` (or ``CCDASH_DB_URL``, or ./data/ccdash.db) with the schema at the newest
    revision: a new store is created, an older one upgraded in place (see ``ccdash.store.migrations``)."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        from ccdash.store.migrations import bring_to_head  # both import this module
        from ccdash.store.rebuild import ensure_rollups
        bring_to_head(engine)  # create a new store, or upgrade an older one in place (Alembic)
        with engine.begin() as conn:
            ensure_rollups(conn)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # first: the pragmas below wait for another writer too
    _wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _wal(cur, tries: int = 300) -> None:
    """WAL journal mode. Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once
    (no busy wait) while another connection is creating the store — two first starts at once — so the switch
    is tried again for up to ~30 s. A store already in WAL keeps it (the mode is stored in the file)."""
    for attempt in range(tries):
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.1)


def now_text() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def day_text(value) -> str | None:
    """A day as 'YYYY-MM-DD' text (from a date, datetime, Timestamp or text), the way the store keeps dates;
    None when blank or unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def set_setting(conn: Connection, key: str, value: str | None) -> None:
    """Write one setting in a single statement (insert or update), so two writers at once never collide
    on the key: a delete-then-insert does on PostgreSQL, where the second delete cannot see the first's
    uncommitted row."""
    dialect_insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[conn.dialect.name]  # the two engines
    stmt = dialect_insert(meta).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[meta.c.key], set_={"value": stmt.excluded.value}))


def store_salt(conn: Connection) -> str:
    """The store's secret salt for caller hashes, made on first use."""
    salt = get_setting(conn, "caller_salt")
    if salt is None:
        salt = secrets.token_hex(16)
        conn.execute(meta.insert().values(key="caller_salt", value=salt))
    return salt


def _python_values(series: pd.Series) -> list:
    """A column as Python values the DB-API accepts, NA → None; datetimes as ISO text."""
    if pd.api.types.is_datetime64_any_dtype(series):
        text = series.to_numpy(dtype="datetime64[s]").astype(str).astype(object)
        text[text == "NaT"] = None
        return text.tolist()
    if pd.api.types.is_bool_dtype(series):
        return [None if pd.isna(v) else int(v) for v in series.to_numpy(dtype=object)]
    if pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series):
        arr = series.to_numpy(dtype="float64", na_value=np.nan)
        if not np.isnan(arr).any():
            return arr.tolist()
        out = arr.astype(object)
        out[np.isnan(arr)] = None
        return out.tolist()
    return series.to_numpy(dtype=object, na_value=None).tolist()


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (the columns ``table`` has) with the driver's own executemany,
    inside the caller's transaction — several times faster than ``DataFrame.to_sql``."""
    cols = [c for c in frame.columns if c in table.c]
    if frame.empty or not cols:
        return 0
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(f'"{c}"' for c in cols)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark] * len(cols))})'
    cursor = conn.connection.cursor()  # the DB-API cursor of this same connection and transaction
    try:
        for start in range(0, len(frame), CHUNK_ROWS):
            part = frame.iloc[start:start + CHUNK_ROWS]
            cursor.executemany(sql, zip(*(_python_values(part[c]) for c in cols)))
    finally:
        cursor.close()
    return len(frame)
