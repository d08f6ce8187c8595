"""Backups of the store and restoring one (``python -m ccdash backup`` / ``restore``; docs/backup.md).

SQLite: SQLite's online backup API copies the live store page by page in one step while holding a read
snapshot, so the copy is consistent even while the app is importing (WAL: writers go on meanwhile). The
copy is one self-contained ``.db`` file. A restore checks that the file is a ccdash store, keeps a safety
copy of the current store next to it, then copies the backup into the live store with the same API (the
app's connections see the restored store at their next transaction).

PostgreSQL: ccdash does not pretend to back up a server database. :func:`backup_store` and
:func:`restore_store` refuse with the ``pg_dump``/``pg_restore`` commands for the configured URL.

Both need ``settings.edit`` (administrators: a backup holds every record, a restore replaces them all) and
leave ``backup.create`` / ``backup.restore`` rows in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.store.schema import RECORDS

MESSAGES = {
    "backup.postgres": {
        "zh": "此数据库在 PostgreSQL 上，ccdash 不自行备份或恢复它。请用 PostgreSQL 自带的工具（与服务器相同的主版本）：\n"
              "备份：  {dump}\n恢复到一个空数据库：  {restore}\n（密码请用 PGPASSWORD 或 ~/.pgpass 提供。）",
        "en": "This store is on PostgreSQL; ccdash does not back it up or restore it itself. Use PostgreSQL's own "
              "tools (the server's major version):\nback up:  {dump}\nrestore into an empty database:  {restore}\n"
              "(Give the password with PGPASSWORD or ~/.pgpass.)",
    },
    "backup.same_file": {
        "zh": "备份文件不能是数据库本身：{path}", "en": "The backup file cannot be the store itself: {path}",
    },
    "backup.failed": {"zh": "备份失败：{error}", "en": "The backup failed: {error}"},
    "restore.missing": {"zh": "找不到备份文件 {path}", "en": "Backup file not found: {path}"},
    "restore.not_store": {
        "zh": "{path} 不是 ccdash 数据库（{reason}），未做任何改动。",
        "en": "{path} is not a ccdash store ({reason}); nothing was changed.",
    },
    "restore.reason.not_sqlite": {"zh": "不是 SQLite 数据库文件", "en": "not an SQLite database file"},
    "restore.reason.tables": {"zh": "缺少表：{tables}", "en": "tables missing: {tables}"},
    "restore.reason.damaged": {"zh": "文件已损坏：{error}", "en": "the file is damaged: {error}"},
}
register(MESSAGES)

STORE_TABLES = ("meta", "imports", "mapping_profiles", *(t.name for t in RECORDS.values()))  # what every store has


def pg_commands(url: URL, file: str) -> dict[str, str]:
    """The ``pg_dump`` / ``pg_restore`` commands for a PostgreSQL store URL (without its password)."""
    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    return {"dump": f"pg_dump -Fc --dbname='{libpq}' -f '{file}'",
            "restore": f"pg_restore --clean --if-exists --no-owner --dbname='{libpq}' '{file}'"}


def _store_path(engine: Engine, file: str) -> Path:
    """The SQLite file of ``engine``; on PostgreSQL the refusal with the commands to use instead."""
    if engine.dialect.name != "sqlite":
        raise CcdashError("backup.postgres", **pg_commands(engine.url, file))
    return Path(engine.url.database).resolve()


def copy_database(source: Path, target: Path, *, source_uri: bool = False) -> None:
    """SQLite's online backup of ``source`` into ``target`` in one step (a consistent snapshot)."""
    src = sqlite3.connect(f"file:{source}?mode=ro" if source_uri else source, uri=source_uri, timeout=30)
    with closing(src), closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


def backup_store(engine: Engine, out: str | Path, *, actor: Actor) -> dict:
    """Copy the live store to ``out`` (a ``.db`` file, replaced if it exists) while the app keeps running."""
    store = _store_path(engine, str(out))
    authorize(actor, "settings.edit", engine)
    out = Path(out).resolve()
    if out == store:
        raise CcdashError("backup.same_file", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f"{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        copy_database(store, partial)
        with closing(sqlite3.connect(partial)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        partial.replace(out)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise CcdashError("backup.failed", error=exc) from None
    with engine.begin() as conn:
        audit.record(conn, actor, "backup.create", out, {"bytes": out.stat().st_size})
    return {"path": str(out), "bytes": out.stat().st_size}


def check_store_file(path: Path) -> None:
    """Refuse (``restore.not_store``) a file that is not an intact ccdash store."""
    from ccdash.i18n import in_each_lang, t

    def refuse(reason: str, **params) -> CcdashError:
        return CcdashError("restore.not_store", path=path,
                           reason=in_each_lang(lambda lang: t(f"restore.reason.{reason}", lang, **params)))
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise refuse("not_sqlite")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise refuse("damaged", error=exc) from None
    missing = [name for name in STORE_TABLES if name not in names]
    if missing:
        raise refuse("tables", tables=", ".join(missing))
    if check != "ok":
        raise refuse("damaged", error=check)


def safety_path(store: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return store.with_name(f"{store.stem}.before-restore-{stamp}.db")


def restore_store(engine: Engine, source: str | Path, *, actor: Actor, now: dt.datetime | None = None) -> dict:
    """Replace the live store with the backup ``source``, after checking it and keeping a safety copy of the
    current store next to it. The audit row goes into the restored store (the one that stays)."""
    store = _store_path(engine, str(source))
    authorize(actor, "settings.edit", engine)
    source = Path(source).resolve()
    if not source.is_file():
        raise CcdashError("restore.missing", path=source)
    check_store_file(source)
    safety = safety_path(store, now)
    copy_database(store, safety)
    copy_database(source, store, source_uri=True)
    engine.dispose()  # pooled connections read the restored file afresh
    from ccdash.store.db import make_engine
    make_engine(str(engine.url)).dispose()  # tables (and upgrades) an older backup lacks
    with engine.begin() as conn:
        audit.record(conn, actor, "backup.restore", source, {"safety_copy": str(safety)})
    return {"path": str(store), "source": str(source), "safety": str(safety)}
