"""Targets as data in the store: set / delete / list, validation messages, resolution order."""

from __future__ import annotations

import datetime as dt

import pytest

from ccdash.dashboards.data import status
from ccdash.dashboards.model import Threshold
from ccdash.findings import CcdashError
from ccdash.indicators.targets import (
    delete_target, list_targets, set_target, target_for, target_history, thresholds_for,
)
from tests.actors import ADMIN, LEAD


def test_catalog_default_when_nothing_is_stored(engine):
    assert target_for(engine, "answer_rate") == Threshold(target=0.9, direction="higher")
    assert target_for(engine, "aht", team="T1") == Threshold(target=300.0, direction="lower")
    assert target_for(engine, "offered").target is None  # neutral, no default target


def test_resolution_order_team_or_queue_then_all_then_catalog(engine):
    set_target(engine, "answer_rate", 0.85, warning=0.8, critical=0.75, actor=LEAD)
    set_target(engine, "answer_rate", 0.95, team="T1", actor=ADMIN)
    set_target(engine, "answer_rate", 0.92, queue="Q1", actor=ADMIN)

    assert target_for(engine, "answer_rate", team="T1") == Threshold(target=0.95, direction="higher")
    assert target_for(engine, "answer_rate", queue="Q1").target == 0.92
    assert target_for(engine, "answer_rate", team="T1", queue="Q1").target == 0.95  # team wins over queue
    assert target_for(engine, "answer_rate", team="T2", queue="Q1").target == 0.92  # T2 has none: the queue's
    everyone = target_for(engine, "answer_rate", team="T2")  # no T2 row: the whole center's
    assert everyone == Threshold(target=0.85, warning=0.8, critical=0.75, direction="higher")
    assert target_for(engine, "answer_rate") == everyone

    delete_target(engine, "answer_rate", team="T1", actor=ADMIN)
    assert target_for(engine, "answer_rate", team="T1").target == 0.85
    delete_target(engine, "answer_rate", actor=ADMIN)
    assert target_for(engine, "answer_rate", team="T1").target == 0.9  # back to the catalog's default
    assert target_for(engine, "answer_rate", queue="Q1").target == 0.92


def test_thresholds_drive_the_dashboard_status_rule(engine):
    set_target(engine, "answer_rate", 0.9, warning=0.85, critical=0.8, actor=ADMIN)
    rule = target_for(engine, "answer_rate")
    assert [status(v, "answer_rate", rule) for v in (0.95, 0.87, 0.82, 0.7)] == ["good", "good", "warning", "critical"]
    set_target(engine, "aht", 280, actor=ADMIN)  # only a target: amber up to 5 % worse (294 s)
    rule = target_for(engine, "aht")
    assert [status(v, "aht", rule) for v in (270, 290, 300)] == ["good", "warning", "critical"]


def test_set_replaces_keeps_history_and_lists(engine):
    set_target(engine, "接通率", "92%", actor=LEAD)  # a name and a percentage are accepted
    row = set_target(engine, "answer_rate", 0.93, actor=ADMIN)
    assert (row.code, row.scope, row.scope_value, row.target, row.version) == ("answer_rate", "all", "", 0.93, 2)
    set_target(engine, "aht", 320, queue="Q2", actor=LEAD)
    set_target(engine, "aht", 290, team="T1", actor=ADMIN)
    set_target(engine, "aht", 300, actor=ADMIN)
    listed = [(r.code, r.scope, r.scope_value, r.target) for r in list_targets(engine)]
    assert listed == [("aht", "all", "", 300), ("aht", "team", "T1", 290), ("aht", "queue", "Q2", 320),
                      ("answer_rate", "all", "", 0.93)]
    assert [r.scope for r in list_targets(engine, "aht")] == ["all", "team", "queue"]
    delete_target(engine, "answer_rate", actor=LEAD)
    history = target_history(engine, "answer_rate")
    assert [(h["version"], h["action"], h["target"], h["updated_by"]) for h in history] == [
        (1, "set", 0.92, LEAD.username), (2, "set", 0.93, ADMIN.username), (3, "delete", None, LEAD.username)]
    assert set_target(engine, "answer_rate", 0.9, actor=ADMIN).version == 4  # versions continue after a delete


def test_thresholds_for_many_in_one_read(engine):
    set_target(engine, "aht", 250, critical=280, team="T1", actor=ADMIN)
    got = thresholds_for(engine, ["aht", "answer_rate", "offered"], team="T1")
    assert got["aht"] == Threshold(target=250, critical=280, direction="lower")
    assert got["answer_rate"].target == 0.9 and got["offered"].target is None


def test_explicit_direction_for_a_neutral_indicator(engine):
    row = set_target(engine, "avg_talk", 180, direction="lower", warning=200, actor=ADMIN)
    assert target_for(engine, "avg_talk") == Threshold(target=180, warning=200, direction="lower")
    assert row.direction == "lower"


def _messages(excinfo) -> tuple[str, str]:
    return excinfo.value.message("zh"), excinfo.value.message("en")


@pytest.mark.parametrize(("kwargs", "zh", "en"), [
    (dict(code="answer_rate", target=0.9, warning=0.95),
     "预警值 0.95 应在目标值 0.9 的下方（不高于）一侧（接通率越高越好）",
     "The warning level 0.95 must be on the lower side of the target 0.9 (Answer rate: higher is better)"),
    (dict(code="answer_rate", target=0.9, critical=0.92),
     "告警值 0.92 应在目标值 0.9 的下方（不高于）一侧（接通率越高越好）",
     "The critical level 0.92 must be on the lower side of the target 0.9 (Answer rate: higher is better)"),
    (dict(code="aht", target=300, warning=280),
     "预警值 280 应在目标值 300 的上方（不低于）一侧（平均处理时长越低越好）",
     "The warning level 280 must be on the upper side of the target 300 (AHT: lower is better)"),
    (dict(code="aht", target=300, warning=330, critical=310),
     "告警值 310 应比预警值 330 更差（平均处理时长越低越好：应不低于预警值）",
     "The critical level 310 must be worse than the warning level 330 (AHT: lower is better, so at or above the "
     "warning level)"),
    (dict(code="answer_rate", target=0.9, warning=0.8, critical=0.85),
     "告警值 0.85 应比预警值 0.8 更差（接通率越高越好：应不高于预警值）",
     "The critical level 0.85 must be worse than the warning level 0.8 (Answer rate: higher is better, so at or "
     "below the warning level)"),
    (dict(code="aht", target=250, direction="lower", warning=240),  # explicit direction checked the same way
     "预警值 240 应在目标值 250 的上方（不低于）一侧（平均处理时长越低越好）",
     "The warning level 240 must be on the upper side of the target 250 (AHT: lower is better)"),
    (dict(code="offered", target=1000),
     "指标「进线量」没有好坏方向，请指定方向：higher（越高越好）或 lower（越低越好）",
     "Indicator “Offered” has no direction; say whether higher or lower is better"),
    (dict(code="answer_rate", target=0.9, direction="up"),
     "方向只能是 higher（越高越好）或 lower（越低越好），收到「up」",
     "The direction must be higher or lower (is better), got “up”"),
    (dict(code="answer_rate", target="九成"), "目标值必须是数字，收到「九成」", "The target must be a number, got “九成”"),
    (dict(code="answer_rate", target=0.9, warning="x"), "预警值必须是数字，收到「x」",
     "The warning level must be a number, got “x”"),
    (dict(code="answer_rate", target=None), "请填写目标值", "Please give a target value"),
    (dict(code="answer_rate", target=0.9, team="T1", queue="Q1"),
     "目标只能按一个范围设置：班组或技能组，不能同时指定（班组 T1，技能组 Q1）",
     "A target applies to one scope: a team or a queue, not both (team T1, queue Q1)"),
    (dict(code="answer_rate", target=0.9, team="  "), "班组或技能组名称不能为空", "The team or queue name cannot be empty"),
    (dict(code="接通lv", target=0.9), "未知指标 接通lv，是否指：接通量, 接通率, 未接通率？",
     "Unknown indicator 接通lv; did you mean: 接通量, 接通率, 未接通率?"),
])
def test_validation_messages(engine, kwargs, zh, en):
    with pytest.raises(CcdashError) as excinfo:
        set_target(engine, **kwargs, actor=ADMIN)
    assert _messages(excinfo) == (zh, en)
    assert list_targets(engine) == []  # nothing stored


def test_bands_on_the_target_itself_are_allowed(engine):
    set_target(engine, "answer_rate", 0.9, warning=0.9, critical=0.9, actor=ADMIN)
    set_target(engine, "aht", 300, warning=300, critical=300, actor=ADMIN)
    assert len(list_targets(engine)) == 2


def test_delete_of_a_missing_target(engine):
    with pytest.raises(CcdashError) as excinfo:
        delete_target(engine, "answer_rate", team="T1", actor=ADMIN)
    assert _messages(excinfo) == ("指标「接通率」没有为班组 T1设置目标", "Indicator “Answer rate” has no target for team T1")
    with pytest.raises(CcdashError) as excinfo:
        delete_target(engine, "aht", actor=ADMIN)
    assert _messages(excinfo) == ("指标「平均处理时长」没有为全中心设置目标", "Indicator “AHT” has no target for the whole center")


def test_dashboards_use_the_targets_set_in_the_store(small_store):
    from ccdash.dashboards.data import store_version, widget_data
    from ccdash.dashboards.model import Period, Threshold, Widget, WidgetOptions
    widget = Widget(kind="kpi", indicators=["answer_rate"], period=Period(kind="today"),
                    options=WidgetOptions(compare=["target"]))
    day2 = dt.date(2026, 3, 3)
    before = store_version(small_store)
    assert widget_data(small_store, widget, day2, "zh").kpis[0].target == pytest.approx(0.9)  # the catalog's
    set_target(small_store, "answer_rate", 1.0, warning=0.99, actor=ADMIN)
    assert store_version(small_store) != before  # cached dashboards are redrawn
    kpi = widget_data(small_store, widget, day2, "zh").kpis[0]
    assert kpi.target == pytest.approx(1.0) and kpi.status == "good"  # 3/3 answered on day 2
    own = widget.model_copy(update={"thresholds": {"answer_rate": Threshold(target=0.5)}})
    assert widget_data(small_store, own, day2, "zh").kpis[0].target == pytest.approx(0.5)  # the widget's own wins
