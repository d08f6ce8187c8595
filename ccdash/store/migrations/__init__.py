"""Schema migrations with Alembic, configured in code (no alembic.ini): ``versions/`` holds the revisions.

:func:`bring_to_head` is what :func:`ccdash.store.db.make_engine` runs on every start:

* **an empty database** — ``create_all`` + the audit guards + ``stamp head`` in one transaction. The same
  schema as running every revision (``tests/test_migrations.py`` compares them), without replaying history:
  the tests make hundreds of stores.
* **ccdash tables but no ``alembic_version``** — a store made before migrations existed: stamp the
  revision it matches (0001, or 0002 once it has the trust tables), then upgrade in place.
* **an older revision** — upgrade to head.
* **at head** — nothing but ``create_all`` for the tables of source kinds the configuration added since.

The first three run under a lock — a PostgreSQL advisory lock, SQLite's ``BEGIN IMMEDIATE`` — and look
again once they hold it, so two processes opening the same new store at once do the work once; the
common case (at head) takes no lock, so opening a store never waits for an import.

Alembic itself is imported only when revisions actually run: the two common cases (a new store, a store
at head) read and write ``alembic_version`` directly, which keeps every CLI process ~10 MB smaller.
Revision ids are the 4-digit prefixes of the files in ``versions/``, one linear chain (a test checks it).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column, Connection, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect, select,
)

from ccdash.store.locks import write_lock
from ccdash.store.schema import metadata

FOLDER = Path(__file__).resolve().parent
BASELINE = "0001"  # the schema as released before migrations (commit e5d5b9d)
TRUST = "0002"  # + users, sessions, wall tokens, the audit trail and kept originals
LOCK_KEY = 0x63636D67  # "ccmg": the PostgreSQL advisory lock held while a store is created or upgraded
# (imports hold another key, ccdash.store.locks; the DDL's own table locks keep an upgrade and an import apart)

# Alembic's own version table, as it creates it (alembic.runtime.migration.MigrationContext).
VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32), nullable=False),
                PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))


def head() -> str:
    """The newest revision: the highest 4-digit prefix in ``versions/``."""
    return max(p.name[:4] for p in (FOLDER / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current_revision(conn: Connection) -> str | None:
    """The store's revision, or None (an empty database, or a store made before migrations)."""
    if not inspect(conn).has_table(VERSION.name):
        return None
    return conn.execute(select(VERSION.c.version_num)).scalar()


def bring_to_head(engine: Engine) -> None:
    """Create, adopt or upgrade the store so that its schema is the newest (see the module docstring)."""
    with engine.connect() as conn:
        if current_revision(conn) == head():
            metadata.create_all(conn)  # tables of source kinds added to the configuration since
            conn.commit()
            return
    with _locked(engine) as conn:
        revision = current_revision(conn)  # again: another process may have done it meanwhile
        if revision is None and not inspect(conn).has_table("imports"):
            _create(conn)
        elif revision != head():
            if revision is None:
                _stamp(conn, TRUST if inspect(conn).has_table("audit_log") else BASELINE)
            upgrade(conn, "head")
            metadata.create_all(conn)  # tables an even older store never had (e.g. before the QA workbench)


def _create(conn: Connection) -> None:
    from ccdash.audit import install_guards  # ccdash.audit imports ccdash.store.db, which imports this
    metadata.create_all(conn)
    install_guards(conn)
    _stamp(conn, head())


def _stamp(conn: Connection, revision: str) -> None:
    VERSION.create(conn, checkfirst=True)
    conn.execute(VERSION.delete())
    conn.execute(VERSION.insert().values(version_num=revision))


def alembic_config(connection: Connection | None = None, url: str | None = None):
    """Alembic's configuration in code: the scripts beside this module, the caller's connection."""
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Run the revisions up to ``revision`` on ``conn`` (inside the caller's transaction)."""
    from alembic import command
    command.upgrade(alembic_config(conn), revision)


def downgrade(conn: Connection, revision: str) -> None:
    from alembic import command
    command.downgrade(alembic_config(conn), revision)


@contextmanager
def _locked(engine: Engine):
    """A connection in a transaction that holds the store's migration lock; committed on success."""
    with engine.connect() as conn:
        write_lock(conn, LOCK_KEY)  # SQLite: the write lock now, not at the first write
        yield conn
        conn.commit()
