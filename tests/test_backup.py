"""Backups and restores: an online SQLite backup while another connection writes, a restore round trip
with identical table checksums and a safety copy, refusals of files that are not ccdash stores, and on
PostgreSQL the pg_dump guidance instead of a pretended backup (run for real when pg_dump is installed)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
from sqlalchemy import insert, select

from ccdash.auth.roles import PermissionDenied
from ccdash.findings import CcdashError
from ccdash.store.backup import backup_store, check_store_file, restore_store
from ccdash.store.db import make_engine
from ccdash.store.imports import undo_import
from ccdash.store.schema import audit_log, meta
from tests.actors import ADMIN, LEAD
from tests.checksums import table_checksums
from tests.conftest import ROOT
from tests.stores import ENGINE_NAME

sqlite_only = pytest.mark.skipif(ENGINE_NAME != "sqlite", reason="SQLite's backup API (PostgreSQL: pg_dump)")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccdash", "--lang", "en", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def without_audit(checksums: dict) -> dict:
    return {name: value for name, value in checksums.items() if name != "audit_log"}


class PairWriter(threading.Thread):
    """Another connection committing, until stopped, transactions that each write two rows (``w<i>a``, ``w<i>b``):
    a consistent copy holds both rows of a pair or neither."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine, self.stop, self.commits = make_engine(url), threading.Event(), 0
        self.started = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.engine.begin() as conn:
                conn.execute(insert(meta), [{"key": f"w{self.commits}a", "value": "x" * 2000},
                                            {"key": f"w{self.commits}b", "value": "y" * 2000}])
            self.commits += 1
            if self.commits == 50:
                self.started.set()
        self.engine.dispose()


@sqlite_only
def test_a_backup_taken_while_another_connection_writes_is_consistent(small_store, tmp_path):
    writer = PairWriter(str(small_store.url))
    writer.start()
    try:
        assert writer.started.wait(60), "the writer did not get going"
        before = writer.commits
        result = backup_store(small_store, tmp_path / "backup.db", actor=ADMIN)
        during = writer.commits - before
    finally:
        writer.stop.set()
        writer.join(60)
    check_store_file(tmp_path / "backup.db")  # an intact ccdash store
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        keys = {k for (k,) in conn.execute("SELECT key FROM meta WHERE key LIKE 'w%'")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    pairs = {k[:-1] for k in keys}
    assert keys == {f"{p}a" for p in pairs} | {f"{p}b" for p in pairs}, "the backup holds half a transaction"
    assert len(pairs) >= 50 and result["bytes"] > 0
    print(f"{during} commits by the other connection while the backup ran")
    with small_store.connect() as conn:
        row = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert (row.action, row.username, row.target) == ("backup.create", "admin1", result["path"])


@sqlite_only
def test_restore_round_trip_gives_identical_tables_and_keeps_a_safety_copy(small_store, tmp_path):
    store_file = small_store.url.database
    backup_store(small_store, tmp_path / "backup.db", actor=ADMIN)
    saved = table_checksums(make_engine(f"sqlite:///{tmp_path / 'backup.db'}"))
    undo_import(small_store, 2, actor=ADMIN)  # the calls go: the store now differs from the backup
    current = table_checksums(small_store)
    assert without_audit(current) != without_audit(saved)

    result = restore_store(small_store, tmp_path / "backup.db", actor=ADMIN)
    restored = table_checksums(small_store)
    assert without_audit(restored) == without_audit(saved)
    with small_store.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).fetchall()
    assert len(rows) == saved["audit_log"][0] + 1 and rows[-1].action == "backup.restore"
    assert table_checksums(make_engine(f"sqlite:///{result['safety']}")) == current  # the store before the restore
    assert result["path"] == str(store_file)


@sqlite_only
def test_restore_refuses_files_that_are_not_ccdash_stores(small_store, tmp_path):
    before = table_checksums(small_store)
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    for path, reason in ((text, "not an SQLite database file"), (other, "tables missing: meta, imports")):
        with pytest.raises(CcdashError) as err:
            restore_store(small_store, path, actor=ADMIN)
        assert err.value.code == "restore.not_store" and reason in err.value.message("en")
    assert table_checksums(small_store) == before
    assert list(tmp_path.glob("*before-restore*")) == []  # refused before anything was copied


@sqlite_only
def test_backup_and_restore_from_the_command_line(stores, small_files, tmp_path):
    url = stores.new("cli")
    assert run("--db", url, "import", str(small_files["calls"]), "--kind", "calls").returncode == 0
    out = run("--db", url, "backup", "--out", str(tmp_path / "b.db"))
    assert out.returncode == 0 and "Backed up to" in out.stdout, out.stderr
    out = run("--db", url, "restore", "--from", str(tmp_path / "b.db"))
    assert out.returncode == 2 and "--yes" in out.stderr  # not without a confirmation
    out = run("--db", url, "restore", "--from", str(tmp_path / "b.db"), "--yes")
    assert out.returncode == 0 and "safety copy" in out.stdout, out.stderr
    (tmp_path / "junk.db").write_bytes(b"\x00" * 100)
    out = run("--db", url, "restore", "--from", str(tmp_path / "junk.db"), "--yes")
    assert out.returncode == 2 and "is not a ccdash store" in out.stderr and "Traceback" not in out.stderr


def test_only_an_administrator_backs_up_or_restores(engine, tmp_path):
    if ENGINE_NAME != "sqlite":
        pytest.skip("on PostgreSQL both refuse with the pg_dump guidance before anything else")
    with pytest.raises(PermissionDenied):
        backup_store(engine, tmp_path / "b.db", actor=LEAD)
    with pytest.raises(PermissionDenied):
        restore_store(engine, tmp_path / "b.db", actor=LEAD)
    assert not (tmp_path / "b.db").exists()


@pytest.mark.skipif(ENGINE_NAME != "postgresql", reason="PostgreSQL guidance (run with CCDASH_DB_URL=postgresql…)")
def test_postgresql_gets_pg_dump_guidance_that_works(small_store, stores, tmp_path):
    dump = tmp_path / "store.dump"
    with pytest.raises(CcdashError) as err:
        backup_store(small_store, dump, actor=ADMIN)
    message = err.value.message("en")
    assert err.value.code == "backup.postgres" and "pg_dump -Fc" in message and "pg_restore" in message
    assert small_store.url.password is None or small_store.url.password not in message
    out = run("--db", str(small_store.url.render_as_string(hide_password=False)), "backup", "--out", str(dump))
    assert out.returncode == 2 and "pg_dump -Fc" in out.stderr and not dump.exists()  # no pretended backup
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not on PATH: the commands were not run")
    target = make_engine(stores.new("restored"), create=False)
    commands = [line.split(":  ", 1)[1] for line in message.splitlines() if ":  " in line]
    restore_command = commands[1].replace(f"/{small_store.url.database}'", f"/{target.url.database}'")
    for command in (commands[0], restore_command):
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert table_checksums(target) == table_checksums(small_store)
