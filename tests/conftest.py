"""Shared fixtures: a real store per test (SQLite, or PostgreSQL when CCDASH_DB_URL names a server — see
tests/stores.py), the sample month, and the small hand-checked workbooks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from ccdash.store.db import make_engine
from tests.stores import SERVER, Stores
from tests.actors import ADMIN

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Chinese text, for English-only checks

CALL_HEADERS = ["通话ID", "主叫号码", "技能组", "坐席工号", "业务类型", "来电时间", "排队时长(秒)", "通话时长",
                "保持时长(秒)", "话后处理时长(秒)", "呼叫结果", "是否转接", "是否解决", "满意度"]
D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)


def at(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm)


# The hand-checked month: see tests/test_indicators_by_hand.py for every expected value.
SMALL_CALLS = [
    ["C001", "13900000001", "Q1", "A01", "挂失", at(D1, 9, 0), 10, "0:01:40", 0, 20, "接通", "否", "是", 5],
    ["C002", "13900000002", "Q1", "A01", "挂失", at(D1, 9, 10), 30, "0:03:20", 10, 30, "接通", "是", "否", 3],
    ["C003", "13900000003", "Q1", None, "挂失", at(D1, 9, 40), 4, None, None, None, "放弃", None, None, None],
    ["C004", "13900000001", "Q2", "A02", "激活", at(D1, 10, 0), 5, "50", 0, 10, "接通", "否", "是", 1],
    ["C005", "13900000004", "Q2", None, "激活", at(D1, 10, 5), 40, None, None, None, "放弃", None, None, None],
    ["C006", "13900000002", "Q1", "A01", "挂失", at(D2, 9, 0), 15, "5:00", 20, 40, "接通", "否", "是", None],
    ["C007", "13900000005", "Q2", "A02", "激活", at(D2, 9, 30), 60, "2分0秒", 0, 0, "接通", "否", None, 4],
    ["C008", "13900000006", "Q2", "A02", "激活", at(D2, 11, 0), 25, "1:20", 0, 20, "接通", "否", "是", 5],
    ["C009", "13900000007", "Q2", None, "激活", at(D2, 11, 30), 0, None, None, None, "测试", None, None, None],
]
SMALL_STATES = [  # 日期, 工号, 签入时长(秒), 空闲时长(秒), 小休时长(秒), 就餐时长(秒), 总通话时长(秒), 话后处理时长(秒)
    [D1, "A01", 28800, 3600, 1200, 600, 300, 50],
    [D1, "A02", 14400, 7200, 0, 0, 50, 10],
    [D2, "A01", 28800, 10000, 600, 1200, 320, 40],
    [D2, "A02", 28800, 5000, 0, 3600, 200, 20],
]


def write_xlsx(path: Path, headers: list, rows: list, *, title: str | None = None, total: list | None = None,
               sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if total:
        ws.append(total)
    wb.save(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def _server():
    """On PostgreSQL (CCDASH_DB_URL, see tests/stores.py): tidy up after killed runs first, and after this one."""
    if SERVER is None:
        yield None
        return
    SERVER.drop_leftovers()
    yield SERVER
    SERVER.close()


@pytest.fixture
def stores(tmp_path):
    """This test's store factory: ``stores.new()`` → the URL of a new store, ``stores.copy(url)`` → a
    private copy; SQLite files in ``tmp_path``, or fresh databases on the CCDASH_DB_URL server."""
    made = Stores(tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="module")
def module_stores(tmp_path_factory):
    """The same factory for stores a whole module shares (module-scoped fixtures)."""
    made = Stores(tmp_path_factory.mktemp("stores"))
    yield made
    made.close()


@pytest.fixture(scope="session")
def sample_url(tmp_path_factory):
    """A store holding the sample month, made once per run (about 8 s): read it, never write to it —
    copy it with ``stores.copy(sample_url)`` to change it."""
    from ccdash.sample import ensure_sample
    made = Stores(tmp_path_factory.mktemp("sample"))
    url = made.new("sample")
    engine = make_engine(url)
    assert ensure_sample(engine)
    engine.dispose()
    yield url
    made.close()


@pytest.fixture
def engine(stores):
    """A real, empty store: SQLite in a temporary folder, or a fresh database on the CCDASH_DB_URL server."""
    eng = make_engine(stores.new())
    yield eng
    eng.dispose()


@pytest.fixture
def small_files(tmp_path) -> dict[str, Path]:
    """The hand-checked calls (with a title row and a 合计 row), agent-state summary and roster."""
    calls = write_xlsx(tmp_path / "calls.xlsx", CALL_HEADERS, SMALL_CALLS, title="呼入明细报表",
                       total=["合计", None, None, None, None, None, 189])
    states = write_xlsx(tmp_path / "states.xlsx", ["日期", "工号", "签入时长(秒)", "空闲时长(秒)", "小休时长(秒)",
                                                   "就餐时长(秒)", "总通话时长(秒)", "话后处理时长(秒)"], SMALL_STATES)
    roster = write_xlsx(tmp_path / "roster.xlsx", ["工号", "姓名", "班组", "班组长"],
                        [["A01", "张三", "T1", "王组长"], ["A02", "李四", "T2", "赵组长"]])
    return {"calls": calls, "agent_states": states, "roster": roster}


@pytest.fixture
def small_store(engine, small_files):
    from ccdash.ingest.pipeline import import_file
    for kind in ("roster", "calls", "agent_states"):
        outcome = import_file(engine, small_files[kind], kind, actor=ADMIN)
        assert outcome.prepared.ok, [f.message("en") for f in outcome.prepared.findings]
    return engine
