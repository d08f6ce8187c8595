"""Schema migrations (ccdash/store/migrations/): an existing store upgrades in place and keeps its rows; a new
store made the fast way (create_all + stamp) has exactly the schema the revisions build; 0002 goes back down.

Runs on SQLite, and on PostgreSQL when CCDASH_DB_URL names a server (tests/stores.py).
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from ccdash.indicators.compute import query
from ccdash.ingest.pipeline import import_file
from ccdash.store import migrations
from ccdash.store.db import make_engine, set_setting
from ccdash.store.rebuild import ROLLUP_KEY, ensure_rollups
from ccdash.store.schema import MEASURE_TABLES, RECORDS, audit_log, dashboards, imports, meta, metadata
from tests.actors import ADMIN

TRUST_TABLES = {"users", "sessions", "wall_tokens", "audit_log", "originals"}
DAY = dict(week="2026-03-02", month="2026-03", team="T1", queue="Q1", business_type="挂失")


def bare_engine(stores):
    """An engine on an empty database, without make_engine's own schema work."""
    url = stores.new("bare", bare=True)
    return url, create_engine(url)


def at_revision(engine, revision: str, *, stamped: bool = True) -> None:
    with engine.begin() as conn:
        migrations.upgrade(conn, revision)
        if not stamped:  # what a store made by create_all before migrations existed looks like
            conn.execute(text("DROP TABLE alembic_version"))


def revision_of(engine) -> str | None:
    with engine.connect() as conn:
        return migrations.current_revision(conn)


def differences(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def audit_is_append_only(engine) -> bool:
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(at="2026-03-02 09:00:00", username="t", action="test"))
    try:
        with engine.begin() as conn:
            conn.execute(audit_log.update().values(username="changed"))
    except DBAPIError as exc:
        return "append-only" in str(exc)
    return False


def fill_released_store(engine) -> None:
    """Rows as the released ccdash wrote them: an import, its call records, daily measures, a dashboard."""
    calls = RECORDS["calls"]
    with engine.begin() as conn:
        conn.execute(imports.insert().values(id=1, kind="calls", file_name="呼入明细.xlsx", sha256="ab" * 32,
                                             status="active", created_at="2026-03-03 18:00:00"))
        conn.execute(calls.insert(), [dict(import_id=1, rkey=f"C{i}", is_current=1, call_id=f"C{i}", date="2026-03-02",
                                           agent_id="A01", queue="Q1") for i in range(3)])
        conn.execute(MEASURE_TABLES[("calls", "day")].insert(), [
            dict(DAY, date="2026-03-02", agent_id="A01", offered=3, answered=2, handled=2, talk_s=300),
            dict(DAY, date="2026-03-02", agent_id="A02", offered=2, answered=2, handled=2, talk_s=100)])
        conn.execute(dashboards.insert().values(id="mine", title="我的看板", doc="{}", version=1,
                                                updated_at="2026-03-03 18:00:00"))
        conn.execute(meta.insert().values(key="caller_salt", value="kept"))


@pytest.mark.parametrize("stamped", [False, True], ids=["made-before-migrations", "at-0001"])
def test_a_released_store_upgrades_in_place_and_keeps_its_rows(stores, stamped):
    url, old = bare_engine(stores)
    at_revision(old, "0001", stamped=stamped)
    fill_released_store(old)
    old.dispose()
    engine = make_engine(url)
    assert revision_of(engine) == migrations.head()
    assert TRUST_TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RECORDS["calls"])).scalar() == 3
        assert conn.execute(select(dashboards.c.title)).scalar() == "我的看板"
        assert conn.execute(select(meta.c.value).where(meta.c.key == "caller_salt")).scalar() == "kept"
    got = query(engine, ["offered", "answered"], "2026-03-02", "2026-03-02", "total")  # via the filled roll-up
    assert dict(zip(got["indicator"], got["value"])) == {"offered": 5, "answered": 4}
    assert audit_is_append_only(engine)
    assert differences(engine) == []
    engine.dispose()


def test_a_store_with_imports_survives_down_to_0001_and_back(engine, small_files):
    for kind in ("roster", "calls", "agent_states"):
        assert import_file(engine, small_files[kind], kind, actor=ADMIN).prepared.ok
    before = query(engine, ["offered", "aht", "answer_rate"], "2026-03-02", "2026-03-03", "day", by="agent")
    with engine.begin() as conn:
        migrations.downgrade(conn, "0001")
    assert not TRUST_TABLES & set(inspect(engine).get_table_names())
    assert revision_of(engine) == "0001"
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    reopened = make_engine(url)  # an older revision: upgraded on open
    assert revision_of(reopened) == migrations.head()
    pd.testing.assert_frame_equal(query(reopened, ["offered", "aht", "answer_rate"], "2026-03-02", "2026-03-03",
                                        "day", by="agent"), before)
    assert audit_is_append_only(reopened)
    reopened.dispose()


def test_the_fast_new_store_equals_the_migrated_schema(stores):
    url, migrated = bare_engine(stores)
    at_revision(migrated, "head")
    assert revision_of(migrated) == migrations.head()
    assert differences(migrated) == []
    assert audit_is_append_only(migrated)
    fast = make_engine(stores.new("fast"))  # create_all + guards + stamp
    assert revision_of(fast) == migrations.head()
    assert differences(fast) == []
    assert audit_is_append_only(fast)
    assert set(inspect(fast).get_table_names()) == set(inspect(migrated).get_table_names())
    migrated.dispose()
    fast.dispose()


def test_downgrade_of_0002_removes_the_trust_tables_and_upgrade_brings_them_back(engine):
    with engine.begin() as conn:
        migrations.downgrade(conn, "0001")
    tables = set(inspect(engine).get_table_names())
    assert not TRUST_TABLES & tables and "rec_calls" in tables and "qa_evaluations" in tables
    with engine.begin() as conn:
        migrations.upgrade(conn, "head")
    assert TRUST_TABLES <= set(inspect(engine).get_table_names())
    assert audit_is_append_only(engine)
    assert differences(engine) == []


def test_two_first_starts_at_once_make_the_store_once(stores):
    url = stores.new("race", bare=True)
    start, errors, engines = threading.Barrier(2), [], []

    def first_start() -> None:
        start.wait()
        try:
            engines.append(make_engine(url))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrations.head()]
    assert differences(engines[0]) == []
    for eng in engines:
        eng.dispose()


def test_roll_ups_filled_by_two_starts_at_once_are_filled_once(engine):
    """The CI race behind the test above, made deterministic: one start fills the roll-ups and has not
    committed yet; a second start must wait for it and then find them made, not insert the same keys
    again (PostgreSQL refused with a duplicate key on ``meta`` before the roll-up fill took the lock)."""
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(meta.delete().where(meta.c.key == ROLLUP_KEY))
    second, errors = make_engine(url, create=False), []

    def second_start() -> None:
        try:
            with second.begin() as conn:
                ensure_rollups(conn)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    with engine.connect() as first:
        first.begin()
        ensure_rollups(first)  # holds what it took; not committed yet
        thread = threading.Thread(target=second_start)
        thread.start()
        if engine.dialect.name == "postgresql":  # the second start is past its first look and waiting
            _wait_until_blocked(first)
        first.commit()
    thread.join(timeout=120)
    assert not thread.is_alive() and not errors, errors
    with engine.connect() as conn:
        keys = conn.execute(select(meta.c.key).where(meta.c.key == ROLLUP_KEY)).scalars().all()
    assert keys == [ROLLUP_KEY]
    second.dispose()


def test_two_writers_of_one_new_setting_at_once_both_succeed(engine):
    """set_setting is one statement: the second writer waits for the first and then updates its row."""
    second, errors = make_engine(engine.url.render_as_string(hide_password=False), create=False), []

    def second_writer() -> None:
        try:
            with second.begin() as conn:
                set_setting(conn, "race_key", "second")
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    with engine.connect() as first:
        first.begin()
        set_setting(first, "race_key", "first")
        thread = threading.Thread(target=second_writer)
        thread.start()
        if engine.dialect.name == "postgresql":
            _wait_until_blocked(first)
        first.commit()
    thread.join(timeout=120)
    assert not thread.is_alive() and not errors, errors
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "race_key")).scalars().all() == ["second"]
    second.dispose()


def _wait_until_blocked(conn, seconds: float = 60) -> None:
    """Poll until another session of this database waits on a lock."""
    import time
    deadline = time.monotonic() + seconds
    sql = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
    with conn.engine.connect() as watcher:
        while watcher.execute(sql).scalar() == 0:
            assert time.monotonic() < deadline, "the second start never waited on a lock"
            watcher.rollback()


def test_opening_a_store_at_head_changes_nothing(engine):
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        triggers_before = _triggers(conn)
    again = make_engine(url)
    assert revision_of(again) == migrations.head() and differences(again) == []
    with again.connect() as conn:
        assert _triggers(conn) == triggers_before and triggers_before
    again.dispose()


def _triggers(conn) -> list[str]:
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
    return conn.execute(text(sql)).scalars().all()


def test_the_upgrade_command_says_from_which_revision(stores, capsys):
    from ccdash.cli import main
    url, old = bare_engine(stores)
    at_revision(old, "0001")
    old.dispose()
    assert main(["--db", url, "--lang", "en", "upgrade"]) == 0
    assert f"Store schema: 0001 → {migrations.head()}" in capsys.readouterr().out
    assert main(["--db", url, "upgrade"]) == 0
    assert f"数据库结构：{migrations.head()} → {migrations.head()}" in capsys.readouterr().out


def test_revision_ids_are_one_linear_chain_named_by_their_files():
    from alembic.script import ScriptDirectory
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert scripts.get_heads() == [migrations.head()]  # one head, the highest file prefix
    chain = [s.revision for s in scripts.walk_revisions()]
    assert chain == sorted(chain, reverse=True) and chain[-1] == migrations.BASELINE
    assert all(s.path.rsplit("/", 1)[-1].startswith(s.revision + "_") for s in scripts.walk_revisions())


def test_alembic_reads_the_version_a_new_store_writes(engine):
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrations.head()


def test_opening_a_new_or_current_store_does_not_load_alembic(stores):
    """Every CLI process opens a store: Alembic (~10 MB) is imported only when revisions run."""
    import subprocess
    import sys
    url = stores.new("lean")
    code = ("import sys; from ccdash.store.db import make_engine; make_engine(sys.argv[1]).dispose(); "
            "make_engine(sys.argv[1]).dispose(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
