"""The Streamlit pages, driven headless with AppTest on a copy of a store holding the sample month."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import CALL_HEADERS, CJK, SMALL_CALLS
from tests.pagetools import signed_in
from ccdash.store.db import make_engine
from ccdash.store.info import data_date_range, default_period
from tests.actors import ADMIN

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("pages/dashboards.py", "pages/builder.py", "pages/indicators.py", "pages/formulas.py", "pages/alerts.py", "pages/reports.py",
         "pages/qa_workbench.py", "pages/qa_analysis.py", "pages/qa_forms.py", "pages/upload.py", "pages/history.py")
TITLES = {"pages/dashboards.py": ("运营总览", "Operations overview"), "pages/builder.py": ("看板设计", "Dashboard builder"),
          "pages/indicators.py": ("指标查询", "Indicators"), "pages/reports.py": ("报表", "Reports"),
          "pages/formulas.py": ("自定义指标", "My indicators"), "pages/alerts.py": ("预警", "Alerts"), "pages/upload.py": ("上传数据", "Upload data"),
          "pages/history.py": ("导入历史", "Import history"), "pages/qa_workbench.py": ("质检工作台", "QA workbench"),
          "pages/qa_analysis.py": ("质检分析", "QA analysis"), "pages/qa_forms.py": ("质检表", "QA forms")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def sample_store(sample_url) -> str:
    """The URL of the store with the sample month (made once per run, tests/conftest.py): read only."""
    return sample_url


@pytest.fixture
def store(sample_store, stores, monkeypatch) -> str:
    """The URL of a private copy of the sample store, which the app opens through CCDASH_DB_URL."""
    url = stores.copy(sample_store)
    monkeypatch.setenv("CCDASH_DB_URL", url)
    monkeypatch.chdir(ROOT)
    return url


def app(lang: str = "zh", page: str = "pages/indicators.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    signed_in(at)  # as an administrator: every page (tests/test_roles_pages.py checks the other roles)
    at.run()
    assert not at.exception, at.exception
    if page != "pages/dashboards.py":  # the first screen
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
    if page == "pages/dashboards.py":
        assert at.sidebar.selectbox(key="lang").value == lang


def test_language_switch_changes_the_texts(store):
    at = app("zh", "pages/dashboards.py")
    assert at.title[0].value == "运营总览"
    at.sidebar.selectbox(key="lang").select("en").run()
    assert not at.exception
    assert at.title[0].value == "Operations overview"
    assert at.sidebar.selectbox(key="dv_dashboard").format_func("ops_overview") == "Operations overview"


def test_indicators_show_numbers_for_the_sample_month(store):
    at = app("en")
    assert [m.label for m in at.metric] == ["Offered", "Answer rate", "Service level", "AHT"]
    values = [m.value for m in at.metric]
    assert all(v != "—" and any(ch.isdigit() for ch in v) for v in values), values
    assert values[1].endswith("%") and values[2].endswith("%") and values[3].endswith(" s")
    assert int(values[0].replace(",", "")) > 1000
    engine = make_engine(store)
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
    assert not at.exception and any("Cannot read the Excel file broken.xlsx" in e for e in texts(at.error))
    at = upload(app("en", "pages/upload.py"), workbook([[1, 2, 3]], headers=["foo", "bar", "baz"]))
    assert not at.exception and any("No recognisable headers" in e for e in texts(at.error))


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


def test_indicators_nothing_picked_and_empty_store(store, stores, monkeypatch):
    at = app("zh")
    at.multiselect(key="ind_codes").set_value([]).run()
    assert not at.exception and any("至少选择一个指标" in i for i in texts(at.info))
    monkeypatch.setenv("CCDASH_DB_URL", stores.new("other"))
    from ccdash.ingest.pipeline import prepare_import, run_import
    eng = make_engine()
    roster = (ROOT / "sample_data" / "roster.xlsx").read_bytes()
    run_import(eng, prepare_import(roster, "roster.xlsx", "roster", engine=eng), actor=ADMIN)  # not empty, but no calls
    eng.dispose()
    at = app("en")
    assert any("no call data" in i for i in texts(at.info))


def test_upload_without_recognisable_headers_offers_mapping_by_hand(store):
    rows = [["C1", dt.datetime(2026, 3, 2, 9, 0), "x"], ["C2", dt.datetime(2026, 3, 2, 9, 5), "y"]]
    at = upload(app("en", "pages/upload.py"), workbook(rows, headers=["甲", "乙", "丙"]))
    assert any("No recognisable headers" in e for e in texts(at.error))
    assert not any("通话明细" in e for e in texts(at.error))  # the kind in English
    assert at.button(key="do_import").disabled
    assert set(at.selectbox(key="map_call_id").options) >= {"甲", "乙", "丙"}
    assert "Columns not used: 甲, 乙, 丙" in texts(at.caption)  # an English list, Chinese column names
    at.selectbox(key="map_call_id").select("甲")
    at.selectbox(key="map_start_time").select("乙").run()
    assert not at.exception and not at.error
    table = mapping(at)
    assert table.loc["Call ID", "Column in the file"] == "甲" and table.loc["Call ID", "Match"].startswith("✋")
    assert at.button(key="do_import").disabled is False
    at.button(key="do_import").click().run()
    assert any("Imported" in s and "2 new" in s for s in texts(at.success))


def test_upload_required_column_missing_is_the_clear_message(store):
    at = upload(app("en", "pages/upload.py"), workbook(SMALL_CALLS))
    at.selectbox(key="map_start_time").select("").run()
    assert not at.exception
    errors = texts(at.error)
    assert any("Required columns are missing: Start time (start_time)" in e for e in errors), errors
    assert not any("unexpected" in e for e in errors)


def test_upload_shows_progress_while_reading_and_importing(store, monkeypatch):
    import streamlit
    from streamlit.delta_generator import DeltaGenerator

    seen: list[tuple[float, str]] = []
    top, method = streamlit.progress, DeltaGenerator.progress

    def spy_top(value, text=None, **kw):
        seen.append((value, text))
        return top(value, text, **kw)

    def spy_method(self, value, text=None, **kw):
        seen.append((value, text))
        return method(self, value, text, **kw)

    monkeypatch.setattr(streamlit, "progress", spy_top)
    monkeypatch.setattr(DeltaGenerator, "progress", spy_method)
    at = upload(app("en", "pages/upload.py"), workbook(SMALL_CALLS))
    values = [v for v, _t in seen]
    assert values[0] == 0 and values[-1] == 1 and values == sorted(values), values
    assert any("Reading" in (text or "") for _v, text in seen) and any("Checking" in (text or "") for _v, text in seen)
    assert not at.get("progress")  # the bar is gone once the file is read
    seen.clear()
    at.button(key="do_import").click().run()
    assert any("Writing" in (text or "") for _v, text in seen) and seen[-1][0] == 1


def test_upload_satisfaction_scale_and_day_first_options(store):
    rows = [list(r) for r in SMALL_CALLS[:2]]
    rows[0][5], rows[1][5] = "03/04/2026 09:00", "05/04/2026 09:10"  # 4 March and 4 May, or 3 and 5 April?
    rows[0][13], rows[1][13] = 10, 1
    at = upload(app("zh", "pages/upload.py"), workbook(rows))
    csat, dayfirst = at.selectbox(key="opt_csat_scale"), at.selectbox(key="opt_dayfirst")
    assert csat.label == "满意度量表" and csat.value == "auto"
    assert {"1–5 分", "1–10 分", "满意 / 一般 / 不满意"} <= set(csat.options)
    assert dayfirst.label == "日期格式" and dayfirst.value == "auto" and len(dayfirst.options) == 3
    dates = lambda: " ".join(m.value for m in at.markdown)  # noqa: E731
    assert "2026-03-04 ~ 2026-05-04" in dates()  # a/b/yyyy is month first unless the data says otherwise
    preview = next(d.value for d in at.dataframe if "满意度" in d.value.columns)
    assert preview["满意度"].round(2).tolist() == [5.0, 1.0]  # auto: values up to 10 are the 1–10 scale
    dayfirst.select("day").run()
    assert not at.exception and "2026-04-03 ~ 2026-04-05" in dates()
    at.selectbox(key="opt_csat_scale").select("5").run()
    assert not at.exception
    assert at.metric[2].value == "1"  # 10 is not on a 1–5 scale: that row is rejected
    assert at.selectbox(key="opt_dayfirst").value == "day"  # the other option is kept


def test_upload_options_in_english(store):
    at = upload(app("en", "pages/upload.py"), workbook(SMALL_CALLS))
    csat, dayfirst = at.selectbox(key="opt_csat_scale"), at.selectbox(key="opt_dayfirst")
    assert csat.label == "Satisfaction scale" and dayfirst.label == "Date format"
    assert not any(CJK.search(o) for o in [*csat.options, *dayfirst.options])


def test_streamlit_config_hides_error_details_and_developer_tools():
    import tomllib

    from streamlit import config

    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert conf["client"] == {"toolbarMode": "viewer", "showErrorDetails": "none"}
    for name in conf["client"]:
        assert f"client.{name}" in config._config_options_template  # a real option of this Streamlit


def test_reports_page_offers_the_workbook_of_the_chosen_period(store):
    at = app("en", "pages/reports.py")
    assert not at.exception and not at.error
    at.segmented_control(key="rep_period").set_value("week").run()
    at.date_input(key="rep_date").set_value(dt.date(2026, 10, 15)).run()
    assert not at.exception
    assert any("2026-10-12" in m.value and "2026-10-18" in m.value for m in at.markdown)  # Mon–Sun of that week
    assert at.get("download_button")[0].proto.label.startswith("Download")


def test_the_sample_store_has_a_qa_queue_and_scores_to_analyse(store):
    """First start: a sampled week waits in the workbench (on a form chosen by business type, with its
    transcript) and the imported scores of the sample month fill the analysis page."""
    from ccdash.qa.sampling import queue
    engine = make_engine(store)
    waiting = queue(engine)
    engine.dispose()
    assert len(waiting) >= 60 and waiting["agent_id"].nunique() >= 30  # 2 per agent of the last week
    at = app("zh", "pages/qa_workbench.py")
    assert any(c.value.startswith(f"待评录音 {len(waiting)} 条") for c in at.caption), [c.value for c in at.caption]
    assert any(m.value.startswith("质检表：") for m in at.markdown)
    with_text = waiting.dropna(subset=["transcript"])["recording_id"].iloc[-1]
    at.selectbox(key="qa_current").set_value(with_text).run()
    assert any("<mark" in m.value for m in at.markdown)  # the transcript with its phrases highlighted
    at = app("en", "pages/qa_analysis.py")
    evaluations = next(m for m in at.metric if m.label == "Evaluations").value
    assert int(evaluations.replace(",", "")) > 100
    table = at.dataframe[0].value
    identity = table[table["Item code"] == "identity_check"].iloc[0]
    assert identity["Forms"] == 6 and 0 < identity["Fail rate %"] < 20
