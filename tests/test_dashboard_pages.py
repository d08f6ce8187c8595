"""The dashboard viewer, the wall screen and the builder, driven headless with AppTest (by widget keys)."""

from __future__ import annotations

import datetime as dt

import pytest

from ccdash.dashboards.documents import load_dashboard
from ccdash.dashboards.model import Filters, Period, Widget
from ccdash.dashboards.quickadd import parse_quick_add
from ccdash.store.db import make_engine
from ccdash.ui.dashboards import is_stale, rotation_index, with_view
from tests.conftest import CJK
from tests.test_pages import app, sample_store, store  # noqa: F401  (fixtures)

QUICK = [  # zh and en lines: each must add exactly the widget parse_quick_add makes of it
    "接通率 按天 折线 本月", "AHT by agent bar last 7 days", "服务水平 按半小时 今天",
    "放弃率 按技能组 柱状 昨天", "CPH by team table this month", "进线量 按业务类型 饼图 本月",
    "answer rate gauge today", "平均通话时长 按坐席 前10 降序 本月", "offered heatmap this month",
    "接通率和服务水平 按天 本周", "abandon rate by queue bar top 5 last month", "满意率 指标卡 本月",
]


def test_view_helpers():
    w = Widget(kind="bar", indicators=["aht"], breakdown="agent", filters=Filters(queue=["Q1"]))
    v = with_view(w, "yesterday", Filters(team=["T1"], queue=["Q2"]))
    assert v.period.kind == "yesterday" and v.filters.team == ["T1"] and v.filters.queue == ["Q1"]
    custom = w.model_copy(update={"period": Period(kind="custom", start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))})
    assert with_view(custom, "today", Filters()).period.kind == "custom"
    assert [rotation_index(3, 30, s) for s in (0, 29, 30, 61, 90)] == [0, 0, 1, 2, 0]
    assert rotation_index(3, 0, 12345) == 0
    now = dt.datetime(2026, 11, 2, 12, 0)
    assert is_stale("2026-11-02T10:00:00", 60, now) and not is_stale("2026-11-02 11:30:00", 60, now)
    assert is_stale(None, 60, now)


def test_viewer_shows_the_default_dashboard_filled(store):
    at = app("zh", page="pages/dashboards.py")  # the app's first screen
    assert at.title[0].value == "运营总览"
    assert not at.warning, [w.value for w in at.warning]  # no widget failed
    first = load_dashboard(None, "ops_overview").tabs[0]
    assert len(at.get("vega_lite_chart")) == len(first.widget_ids())
    summary = at.expander[-1].code[0].value
    assert "接通率" in summary and "%" in summary
    at.segmented_control(key="dv_tab_ops_overview").set_value(load_dashboard(None, "ops_overview").tabs[1].id).run()
    assert not at.exception and not at.warning


def test_viewer_in_english_with_filters(store):
    at = app("en", page="pages/dashboards.py")
    assert at.title[0].value == "Operations overview"
    whole = at.expander[-1].code[0].value
    assert "Answer rate" in whole and not CJK.search(whole.split("\n", 1)[1])
    team = at.multiselect(key="dv_f_team")
    team.set_value(team.options[:1]).run()
    assert not at.exception and not at.warning
    assert at.expander[-1].code[0].value != whole  # one team's values, not the center's


def test_wall_mode_has_no_menus_and_warns_when_stale(store):
    from streamlit.testing.v1 import AppTest

    from ccdash.auth.wall import wall_token
    from tests.actors import ADMIN
    from tests.test_pages import ROOT
    engine = make_engine()
    token = wall_token(engine, "wall", actor=ADMIN)  # a wall link is a token an administrator made
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["wall"] = "1"
    at.query_params["token"] = token
    at.run()
    assert not at.exception, at.exception
    assert not at.selectbox and not at.multiselect  # no language switch, no pickers
    html = " ".join(str(h.proto) for h in at.get("html"))
    assert "wall-bar" in html and "wall-stale" in html  # the sample month is older than a day
    assert "最近导入 20" in html  # the time of the newest import
    assert len(at.get("vega_lite_chart")) >= 1


def _builder(lang="zh"):
    return app(lang, page="pages/builder.py")


def test_builder_creates_saves_and_reloads_a_dashboard(store):
    at = _builder()
    at.text_input(key="bld_new_title").set_value("班组日看板 team daily").run()
    at.button(key="bld_new_go").click().run()
    assert at.session_state["bld_doc"].id == "team_daily"
    at.text_input(key="bld_quick").set_value("接通率 本月").run()
    at.button(key="bld_quick_go").click().run()
    at.selectbox(key="bld_add_kind").set_value("gauge").run()
    at.selectbox(key="bld_add_kind").set_value("line").run()
    at.button(key="bld_add_tab").click().run()
    at.text_input(key="bld_tab_zh_t2").set_value("坐席").run()
    at.text_input(key="bld_quick").set_value("AHT by agent bar last 7 days").run()
    at.button(key="bld_quick_go").click().run()
    at.selectbox(key="bld_add_kind").set_value("donut").run()
    assert not at.exception, at.exception
    doc = at.session_state["bld_doc"]
    assert [len(t.widget_ids()) for t in doc.tabs] == [3, 2]
    assert sorted(w.kind for w in doc.widgets.values()) == ["bar", "donut", "gauge", "kpi", "line"]  # five kinds
    at.segmented_control(key="bld_tab").set_value("t1").run()
    at.text_input(key="bld_w1_name_zh").set_value("本月接通率").run()  # edit a display name
    at.button(key="bld_save").click().run()
    assert not at.exception, at.exception
    saved = load_dashboard(make_engine(), "team_daily")
    assert saved == at.session_state["bld_doc"] and saved.widgets["w1"].title.zh == "本月接通率"
    assert saved.tabs[1].title.zh == "坐席"
    again = _builder()  # a new session opens the saved document from the store
    again.selectbox(key="bld_pick").set_value("team_daily").run()
    assert again.session_state["bld_doc"] == saved


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quick_add_phrasings_and_nonsense(store, lang):
    at = _builder(lang)
    for line in QUICK:
        before = set(at.session_state["bld_doc"].widgets)
        at.text_input(key="bld_quick").set_value(line).run()
        at.button(key="bld_quick_go").click().run()
        assert not at.exception and not at.error, (line, [e.value for e in at.error])
        doc = at.session_state["bld_doc"]
        (new,) = set(doc.widgets) - before
        assert doc.widgets[new] == parse_quick_add(line, lang=lang), line
    at.text_input(key="bld_quick").set_value("接通绿 按天").run()
    at.button(key="bld_quick_go").click().run()
    assert at.error and "接通绿" in at.error[0].value


def test_builder_moves_and_removes_widgets(store):
    at = _builder()
    doc = at.session_state["bld_doc"]
    first_row = doc.tabs[0].rows[0]
    if len(first_row) < 2:
        pytest.skip("the default's first row has one widget")
    at.button(key=f"bld_{first_row[1]}_move_left").click().run()
    assert at.session_state["bld_doc"].tabs[0].rows[0][:2] == [first_row[1], first_row[0]]
    at.button(key=f"bld_{first_row[0]}_remove").click().run()
    assert first_row[0] not in at.session_state["bld_doc"].widgets and at.session_state["bld_dirty"]


def test_builder_sets_a_widget_filter_and_the_preview_follows(store):
    at = _builder()
    wid = at.session_state["bld_doc"].tabs[0].rows[0][0]
    queue = at.multiselect(key=f"bld_{wid}_filter_queue")
    assert queue.options  # the sample month's queues
    queue.set_value(queue.options[:1]).run()
    assert not at.exception and not at.warning
    assert at.session_state["bld_doc"].widgets[wid].filters.queue == queue.options[:1]
