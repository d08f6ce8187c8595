"""The Streamlit pages, driven headless with AppTest on a copy of a store holding the sample month."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import CALL_HEADERS, SMALL_CALLS
from ccdash.sample import ensure_sample
from ccdash.store.db import make_engine
from ccdash.store.info import data_date_range, default_period

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("pages/indicators.py", "pages/upload.py", "pages/history.py")
TITLES = {"pages/indicators.py": ("指标看板", "Indicator dashboard"), "pages/upload.py": ("上传数据", "Upload data"),
          "pages/history.py": ("导入历史", "Import history")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    """One store with the sample month, made once per module (the sample import takes seconds)."""
    path = tmp_path_factory.mktemp("sample") / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    assert ensure_sample(engine)
    engine.dispose()
    return path


@pytest.fixture
def store(sample_store, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample store, which the app opens through CCDASH_DB_URL."""
    path = tmp_path / "store.db"
    for src in sample_store.parent.glob("store.db*"):
        shutil.copy(src, tmp_path / src.name)
    monkeypatch.setenv("CCDASH_DB_URL", f"sqlite:///{path}")
    monkeypatch.chdir(ROOT)
    return path


def app(lang: str = "zh", page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    if page and page != "pages/indicators.py":
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def workbook(rows: list[list], headers: list = CALL_HEADERS, sheets: dict | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "呼入明细"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(at: AppTest, data: bytes, name: str = "呼入明细.xlsx") -> AppTest:
    at.file_uploader(key="upload_file").set_value((name, data, XLSX))
    at.run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def mapping(at: AppTest):
    """The mapping table (the dataframe with a fill-rate column) as a DataFrame."""
    frames = [d.value for d in at.dataframe if d.value.shape[1] == 5 and d.value.columns[0] in ("字段", "Field")]
    assert frames, "no mapping table"
    return frames[0].set_index(frames[0].columns[0])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(store, page, lang):
    at = app(lang, page)
    assert at.title[0].value == TITLES[page][lang == "en"]
    assert not at.error
    # AppTest (1.67) drops the entry point's sidebar from the tree after switch_page, so the switch is
    # checked on the first page only; the language itself carries over through the session state.
    if page == "pages/indicators.py":
        assert at.sidebar.selectbox(key="lang").value == lang


def test_language_switch_changes_the_texts(store):
    at = app("zh")
    assert at.metric[0].label == "进线量"
    at.sidebar.selectbox(key="lang").select("en").run()
    assert not at.exception
    assert at.title[0].value == "Indicator dashboard"
    assert at.metric[0].label == "Offered"


def test_indicators_show_numbers_for_the_sample_month(store):
    at = app("en")
    assert [m.label for m in at.metric] == ["Offered", "Answer rate", "Service level", "AHT"]
    values = [m.value for m in at.metric]
    assert all(v != "—" and any(ch.isdigit() for ch in v) for v in values), values
    assert values[1].endswith("%") and values[2].endswith("%") and values[3].endswith(" s")
    assert int(values[0].replace(",", "")) > 1000
    engine = make_engine(f"sqlite:///{store}")
    start, end = default_period(*data_date_range(engine))  # the sample month
    engine.dispose()
    assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    assert at.date_input(key="ind_period").value == (start, end)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Period", "Offered", "Answer rate", "Service level", "AHT"]
    assert len(table) == (end - start).days + 1  # one row a day
    assert len(at.get("download_button")) == 2


def test_indicators_breakdown_grain_filters_and_parameters(store):
    at = app("zh")
    at.selectbox(key="ind_by").select("team")
    at.selectbox(key="ind_grain").select("week")
    at.selectbox(key="param_sl_threshold").select(60)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert "班组" in table.columns and "（未分配）" in set(table["班组"])
    sl_60 = float(at.metric[2].value.rstrip("%"))
    at.selectbox(key="param_sl_threshold").select(5).run()
    assert float(at.metric[2].value.rstrip("%")) < sl_60  # a shorter threshold, a lower service level
    team = at.multiselect(key="ind_teams").options[0]
    at.multiselect(key="ind_teams").select(team).run()
    assert not at.exception
    assert set(at.dataframe[0].value["班组"]) == {team}


def test_indicators_state_indicator_by_queue_shows_dash_not_error(store):
    at = app("en")
    at.multiselect(key="ind_codes").set_value(["utilization", "offered"])
    at.selectbox(key="ind_by").select("queue").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert set(table["Utilization"]) == {"—"}  # state measures have no queue
    assert at.metric[0].value.endswith("%")  # the KPI row is the total, without the breakdown


def test_upload_shows_the_mapping_with_confidence_marks(store):
    at = upload(app("zh", "pages/upload.py"), workbook(SMALL_CALLS))
    table = mapping(at)
    assert table.loc["通话ID", "文件中的列"] == "通话ID"
    assert table.loc["通话ID", "匹配"].startswith("✅")
    assert table.loc["排队时长", "匹配"].startswith(("✅", "🟡"))
    assert [m.value for m in at.metric][:2] == ["9", "8"]  # 9 rows read, 8 accepted (a test call ignored)
    assert at.button(key="do_import").disabled is False
    assert len(at.dataframe) >= 2  # mapping + preview


def test_upload_override_by_selectbox_changes_the_mapping(store):
    at = upload(app("zh", "pages/upload.py"), workbook(SMALL_CALLS))
    at.selectbox(key="map_agent_name").select("坐席工号").run()
    assert not at.exception
    table = mapping(at)
    assert table.loc["坐席姓名", "文件中的列"] == "坐席工号"
    assert table.loc["坐席姓名", "匹配"].startswith("✋")
    assert "坐席工号" not in table.index  # a column feeds one field only
    assert at.selectbox(key="map_agent_id").value == ""
    assert any("坐席工号" in c and "业务类型" not in c for c in texts(at.caption) if "没有对应列" in c)
    at.selectbox(key="map_business_type").select("").run()
    assert "业务类型" not in mapping(at).index
    assert any("业务类型" in c for c in texts(at.caption) if "未使用的列" in c)


def test_upload_unknown_values_are_mapped_with_a_selectbox(store):
    rows = [list(r) for r in SMALL_CALLS]
    rows[0][10] = "神秘结果"
    at = upload(app("en", "pages/upload.py"), workbook(rows))
    assert at.metric[2].value == "1"  # rejected
    picker = at.selectbox(key="val_result_神秘结果")
    assert "answered" in picker.options or "answered" in [str(o) for o in picker.options]
    picker.select("answered").run()
    assert not at.exception
    assert at.metric[2].value == "0" and at.metric[1].value == "8"


def test_import_then_same_file_then_history_and_undo(store):
    at = upload(app("zh", "pages/upload.py"), workbook(SMALL_CALLS))
    at.button(key="do_import").click().run()
    assert not at.exception
    done = [s for s in texts(at.success) if "已导入" in s]
    assert done and "新增 8 条" in done[0]
    at.button(key="do_import").click().run()
    assert any("导入过" in i for i in texts(at.info))  # the same file again changes nothing
    assert any("已套用上次保存的映射" in i for i in texts(at.info))  # the mapping was remembered
    assert mapping(at).loc["通话ID", "匹配"].startswith("💾")

    at.switch_page("pages/history.py").run()
    history = at.dataframe[0].value
    assert history.iloc[0]["文件"] == "呼入明细.xlsx" and history.iloc[0]["状态"] == "有效"
    new_id = int(history.iloc[0]["编号"])
    assert at.button(key="undo").disabled  # not confirmed yet
    at.selectbox(key="undo_id").select(new_id)
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo").click().run()
    assert not at.exception
    assert any(f"#{new_id}" in s for s in texts(at.success))
    history = at.dataframe[0].value
    assert history.loc[history["编号"] == new_id, "状态"].item() == "已撤销"
    assert at.checkbox(key="undo_confirm").value is False
    assert new_id not in at.selectbox(key="undo_id").options


def test_upload_errors_are_messages_not_tracebacks(store):
    at = upload(app("en", "pages/upload.py"), b"this is not a workbook at all", name="broken.xlsx")
    assert at.error and not at.exception
    at = upload(app("en", "pages/upload.py"), workbook([[1, 2, 3]], headers=["foo", "bar", "baz"]))
    assert at.error and not at.exception  # no recognisable headers


def test_upload_required_column_missing_blocks_the_import(store):
    at = upload(app("en", "pages/upload.py"), workbook(SMALL_CALLS))
    at.selectbox(key="map_start_time").select("").run()
    assert not at.exception
    assert at.error
    assert not [b for b in at.button if b.key == "do_import" and not b.disabled]


def test_upload_workbook_with_several_sheets_offers_a_sheet_choice(store):
    data = workbook(SMALL_CALLS, sheets={"说明": [["这是说明页"]]})
    at = upload(app("zh", "pages/upload.py"), data)
    sheet = at.selectbox(key="sheet")
    assert sheet.value == "呼入明细" and set(sheet.options) == {"呼入明细", "说明"}
    sheet.select("说明").run()
    assert not at.exception
    assert at.error  # the notes sheet has no call headers: a message, not a crash


def test_indicators_every_grain_and_breakdown_runs(store):
    at = app("en")
    for grain in ("interval", "hour", "day", "week", "month", "total"):
        at.selectbox(key="ind_grain").select(grain).run()
        assert not at.exception and not at.error, grain
        assert len(at.dataframe[0].value) > 0, grain
    for by in ("agent", "team", "queue", "business_type", "none"):
        at.selectbox(key="ind_by").select(by).run()
        assert not at.exception and not at.error, by
    at.selectbox(key="ind_by").select("agent").run()
    agents = at.dataframe[0].value["Agent"]
    assert agents.str.contains(" ").any()  # "0101 徐刚": id and roster name


def test_indicators_nothing_picked_and_empty_store(store, tmp_path, monkeypatch):
    at = app("zh")
    at.multiselect(key="ind_codes").set_value([]).run()
    assert not at.exception and any("至少选择一个指标" in i for i in texts(at.info))
    monkeypatch.setenv("CCDASH_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    from ccdash.ingest.pipeline import prepare_import, run_import
    eng = make_engine()
    roster = (ROOT / "sample_data" / "roster.xlsx").read_bytes()
    run_import(eng, prepare_import(roster, "roster.xlsx", "roster", engine=eng))  # not empty, but no calls
    eng.dispose()
    at = app("en")
    assert any("no call data" in i for i in texts(at.info))
