"""No data lost, no store left half-written: a real process killed in the middle of an import, and two
imports at the same time while dashboards are read (on the run's engine: SQLite, or PostgreSQL when
CCDASH_DB_URL names a server — CI runs both).

The waits are bounded polling loops on the other process (``proc.wait(timeout=…)``) with a deadline,
never fixed sleeps: each test waits for the state it needs (the import inside its write transaction,
both importers ready to write) and fails with a clear message if it does not come.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from ccdash.indicators.compute import query
from ccdash.ingest.pipeline import import_file
from ccdash.store.db import make_engine
from ccdash.store.locks import holds_import_lock
from ccdash.store.schema import RECORDS, imports
from tests.actors import ADMIN
from tests.checksums import table_checksums
from tests.conftest import CALL_HEADERS, ROOT

BIG_ROWS = 150_000  # SQLite writes it in ~4 s, PostgreSQL in ~15 s: time to catch the import mid-write
BIG_CACHE = ROOT / "tests" / "artifacts" / "durability" / f"calls_{BIG_ROWS}_v1.xlsx"
WRITTEN = 2 * 1024 * 1024  # bytes of uncommitted records that show the import is inside its write
CODES = ["offered", "answered", "abandoned", "answer_rate", "aht", "repeat_rate"]


@pytest.fixture(scope="session")
def big_calls() -> Path:
    """A 150k-row call export (one month), made once and kept in tests/artifacts (about 14 s to make)."""
    if not BIG_CACHE.exists():
        from bench.make_export import make_export
        partial = BIG_CACHE.with_name(f"{BIG_CACHE.stem}.{os.getpid()}.xlsx")
        make_export(BIG_ROWS, partial, month="2026-04", seed=3)
        partial.replace(BIG_CACHE)  # atomic: a parallel run never reads half a file
    return BIG_CACHE


def wait_for(condition, procs: list[subprocess.Popen], what: str, timeout: float = 120.0) -> None:
    """Poll ``condition`` until it holds; fail if a process ends first or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"the process ended (exit {proc.returncode}) before {what}:\n{_output(proc)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:.0f} s")
        threading.Event().wait(0.02)  # one poll interval (bounded by the deadline above)


def _output(proc: subprocess.Popen) -> str:
    out, err = proc.communicate()
    return f"{out}\n{err}"


def uncommitted_probe(engine, url: str):
    """A check that an importer has written uncommitted records: on SQLite the write-ahead log grows past
    ``WRITTEN`` (it was emptied first); on PostgreSQL the records table's file does."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(f"{make_url(url).database}-wal")
        return lambda: wal.exists() and wal.stat().st_size > WRITTEN
    size = text(f"SELECT pg_relation_size('{RECORDS['calls'].name}')")
    with engine.connect() as conn:
        start = conn.execute(size).scalar()

    def grown() -> bool:
        with engine.connect() as conn:
            return conn.execute(size).scalar() > start + WRITTEN
    return grown


def server_let_go(engine) -> bool:
    """PostgreSQL: no other session on this database (the killed client's transaction is rolled back)."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        return not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND pid <> pg_backend_pid()")).scalar()


def cli(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ccdash", "--db", url, "--lang", "en", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def test_an_import_killed_mid_write_leaves_the_store_exactly_as_before(stores, small_files, big_calls):
    url = stores.new()
    engine = make_engine(url)
    for kind in ("roster", "calls", "agent_states"):
        import_file(engine, small_files[kind], kind, actor=ADMIN)
    written = uncommitted_probe(engine, url)
    before = table_checksums(engine)
    assert before["originals"][0] == 3 and before["audit_log"][0] >= 3  # the snapshot covers them

    started = time.monotonic()
    proc = cli(url, "import", str(big_calls), "--kind", "calls")
    try:
        wait_for(written, [proc], "the import wrote uncommitted records")
        mid_write = time.monotonic() - started
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    engine.dispose()
    engine = make_engine(url)  # the store opened afresh after the crash (SQLite recovers its log here)
    wait_for(lambda: server_let_go(engine), [], "the server ended the killed session", timeout=60)
    assert table_checksums(engine) == before

    outcome = import_file(engine, big_calls, "calls", actor=ADMIN)  # not "same file": nothing of it was kept
    assert (outcome.commit.status, outcome.commit.inserted) == ("imported", BIG_ROWS)
    print(f"killed after {mid_write:.1f} s inside the write; whole test {time.monotonic() - started:.1f} s")


# --- two imports at the same time, while dashboards are read -------------------------------------------

def test_an_import_holds_the_import_lock_before_its_first_read(engine, small_files, monkeypatch):
    import ccdash.store.imports as store_imports
    real, seen = store_imports.find_same_file, []

    def checked(conn, *args):
        seen.append(holds_import_lock(conn))
        return real(conn, *args)
    monkeypatch.setattr(store_imports, "find_same_file", checked)
    import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    assert seen == [True]
    with engine.connect() as conn:
        assert not holds_import_lock(conn)  # released with the transaction



def call_file(path: Path, ids: range, seed: int) -> Path:
    """Inbound calls with ids ``C<n>`` over three days; the same id in two files (seeds) is the same call
    with other values — the second import of it must replace the first."""
    rng = np.random.default_rng(seed)
    n = len(ids)
    start = [dt.datetime(2026, 5, 4 + i % 3, 8) + dt.timedelta(seconds=int(s))
             for i, s in zip(ids, rng.integers(0, 36_000, n))]
    answered = rng.random(n) < 0.85
    frame = pd.DataFrame({
        "通话ID": [f"C{i:07d}" for i in ids], "主叫号码": [f"139{x:08d}" for x in rng.integers(0, 5_000, n)],
        "技能组": rng.choice(["Q1", "Q2"], n), "坐席工号": np.where(answered, rng.choice(["A01", "A02", "A03"], n), ""),
        "业务类型": rng.choice(["挂失", "激活"], n), "来电时间": [s.strftime("%Y-%m-%d %H:%M:%S") for s in start],
        "排队时长(秒)": rng.integers(0, 90, n), "通话时长": np.where(answered, rng.integers(30, 600, n), 0),
        "保持时长(秒)": np.where(answered, rng.integers(0, 30, n), 0),
        "话后处理时长(秒)": np.where(answered, rng.integers(0, 60, n), 0),
        "呼叫结果": np.where(answered, "接通", "放弃"), "是否转接": "否", "是否解决": np.where(answered, "是", ""),
        "满意度": np.where(answered, rng.integers(1, 6, n).astype(str), ""),
    })
    assert list(frame.columns) == CALL_HEADERS
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def start_runner(url: str, path: Path) -> subprocess.Popen:
    """An importer that prepares, says ``prepared`` and waits for a line on stdin before it writes."""
    return subprocess.Popen([sys.executable, "-m", "tests.durability_runner", url, str(path), "calls"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Reader(threading.Thread):
    """A dashboard reading indicators in a loop until told to stop; keeps every total it saw and any error."""

    def __init__(self, url: str, d0: str, d1: str):
        super().__init__(daemon=True)
        self.engine, self.d0, self.d1 = make_engine(url), d0, d1
        self.stop, self.totals, self.errors = threading.Event(), [], []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                tidy = query(self.engine, CODES, self.d0, self.d1, "day")
                self.totals.append(int(tidy.loc[tidy["indicator"] == "offered", "value"].sum()))
            except Exception as exc:  # noqa: BLE001 — any error while reading is what this test looks for
                self.errors.append(repr(exc))
        self.engine.dispose()


def run_at_once(url: str, files: list[Path]) -> tuple[list[tuple[int, str]], Reader, float]:
    """Release one importer per file into its write phase at the same moment, with a reader running;
    each importer's (import id, status) and the seconds from the release to the last commit."""
    procs = [start_runner(url, path) for path in files]
    reader = Reader(url, "2026-05-01", "2026-05-31")
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line.strip() == "prepared", f"{line}{_output(proc)}"
        reader.start()
        released = time.monotonic()
        for proc in procs:  # go: both write now
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"{out}\n{err}"
            _done, import_id, status = out.split()[-3:]
            results.append((int(import_id), status))
        elapsed = time.monotonic() - released
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.stop.set()
        reader.join(timeout=60)
    return results, reader, elapsed


def day_values(engine) -> pd.DataFrame:
    tidy = query(engine, CODES, "2026-05-01", "2026-05-31", "day")
    return tidy.sort_values(["period", "indicator"]).reset_index(drop=True)


def current_counts(engine) -> dict:
    calls = RECORDS["calls"]
    with engine.connect() as conn:
        current = conn.execute(select(func.count()).where(calls.c.is_current == 1)).scalar()
        keys = conn.execute(select(func.count(func.distinct(calls.c.rkey))).where(calls.c.is_current == 1)).scalar()
        active = conn.execute(select(func.count()).select_from(imports).where(imports.c.status == "active")).scalar()
    return {"current": current, "distinct_keys": keys, "active_imports": active}


def test_two_overlapping_imports_at_once_equal_the_same_imports_one_after_the_other(stores, tmp_path):
    a = call_file(tmp_path / "a.csv", range(0, 12_000), seed=1)
    b = call_file(tmp_path / "b.csv", range(6_000, 16_000), seed=2)  # 6,000 calls in both, with other values
    url = stores.new("live")
    make_engine(url).dispose()
    results, reader, elapsed = run_at_once(url, [a, b])
    assert sorted(status for _, status in results) == ["imported", "imported"]
    engine = make_engine(url)
    assert current_counts(engine) == {"current": 16_000, "distinct_keys": 16_000, "active_imports": 2}

    first, second = (a, b) if results[0][0] < results[1][0] else (b, a)  # the order the lock let them commit
    reference = make_engine(stores.new("reference"))
    for path in (first, second):
        import_file(reference, path, "calls", actor=ADMIN)
    pd.testing.assert_frame_equal(day_values(engine), day_values(reference), check_exact=False, rtol=1e-9)
    assert current_counts(engine) == current_counts(reference)

    assert not reader.errors, reader.errors[:3]
    assert reader.totals, "the reader read nothing while the imports ran"
    assert set(reader.totals) <= {0, 12_000, 10_000, 16_000}, "a reader saw half an import"
    print(f"both imports committed {elapsed:.1f} s after the release; {len(reader.totals)} reads meanwhile")


def test_the_same_file_twice_at_once_is_imported_once(stores, tmp_path):
    a = call_file(tmp_path / "a.csv", range(0, 8_000), seed=1)
    url = stores.new()
    make_engine(url).dispose()
    results, reader, _elapsed = run_at_once(url, [a, a])
    assert sorted(status for _, status in results) == ["imported", "same_file"]
    assert results[0][0] == results[1][0]
    assert current_counts(make_engine(url)) == {"current": 8_000, "distinct_keys": 8_000, "active_imports": 1}
    assert not reader.errors, reader.errors[:3]
