"""Where the tests' stores live: SQLite files in the test's folder, or a PostgreSQL server.

Set ``CCDASH_DB_URL`` to a PostgreSQL URL (any database on the server; ``CCDASH_TEST_DB_URL`` is an older
alias) and every store a test makes is a fresh database on that server: ``CREATE DATABASE … TEMPLATE``
copies a template that already holds the schema (a file copy, tens of milliseconds), and the database is
dropped when the test ends. The variable is taken out of the environment when the tests start, so a test
that opens "the configured store" without saying which can never touch a real one.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

_given = os.environ.pop("CCDASH_DB_URL", None) or os.environ.pop("CCDASH_TEST_DB_URL", None)
SERVER_URL = _given if _given and _given.startswith("postgresql") else None
ENGINE_NAME = "postgresql" if SERVER_URL else "sqlite"
PREFIX = f"ccdash_t{os.getpid()}_"  # this run's databases (several runs may share a server)
_numbers = itertools.count(1)


class Server:
    """The PostgreSQL server the tests make their databases on (through its maintenance database)."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None

    def url_of(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new database (a copy of ``template``, or of the schema template); its name."""
        from ccdash.store.db import make_engine
        if template is None and self.template is None:  # the first store: make the schema template once
            self.template = self.create("template0")
            make_engine(self.url_of(self.template)).dispose()
        name = f"{PREFIX}{next(_numbers)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template or self.template}"'))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:  # FORCE: connections a test left open (cached page engines) end
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_leftovers(self) -> None:
        """Databases of earlier runs that were killed before they could clean up (their process is gone)."""
        with self.admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'ccdash\\_t%'")).scalars()
            for name in list(names):
                pid = name.removeprefix("ccdash_t").split("_")[0]
                if pid.isdigit() and not _alive(int(pid)):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self.template:
            self.drop(self.template)
        self.admin.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


SERVER = Server(SERVER_URL) if SERVER_URL else None


class Stores:
    """The stores of one test (or one module or session): made on demand, removed by :meth:`close`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.databases: list[str] = []

    def new(self, name: str = "store", *, bare: bool = False) -> str:
        """The URL of a new, empty store (on PostgreSQL the schema is already there; on SQLite
        ``make_engine`` creates it); ``bare``: an empty database without even the schema."""
        if SERVER is None:
            return f"sqlite:///{self.folder / f'{name}.db'}"
        return self._track(SERVER.create("template0" if bare else None))

    def copy(self, url: str, name: str = "copy") -> str:
        """A private copy of the store at ``url`` (nobody may be connected to it meanwhile)."""
        if SERVER is None:
            source = Path(make_url(url).database)
            target = self.folder / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
            return f"sqlite:///{target}"
        return self._track(SERVER.create(template=make_url(url).database))

    def _track(self, database: str) -> str:
        self.databases.append(database)
        return SERVER.url_of(database)

    def close(self) -> None:
        for database in self.databases:
            SERVER.drop(database)
        self.databases.clear()
