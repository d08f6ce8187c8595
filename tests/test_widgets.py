"""Widget data and builders: golden Vega-Lite specs on hand-made data, hand-checked values on the small
store, direction-aware status.

Golden specs live in tests/golden/widgets/<case>.json; after a deliberate change to a builder, rewrite
them with ``CCDASH_UPDATE_GOLDENS=1 python -m pytest tests/test_widgets.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path
from typing import get_args

import pandas as pd
import pytest

from ccdash.dashboards import data as wdata
from ccdash.dashboards.data import IndicatorInfo, Kpi, WidgetData, regroup, status, widget_data
from ccdash.dashboards.model import Threshold, Widget, WidgetKind
from ccdash.dashboards.widgets import BUILDERS, FONT, build, markdown_lines, table_frame
from ccdash.indicators.catalog import load_catalog
from tests.actors import ADMIN

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "widgets"
UPDATE = os.environ.get("CCDASH_UPDATE_GOLDENS") == "1"
D = dt.date.fromisoformat

# --- hand-made data (no store) ---------------------------------------------------------------------

INFO = {
    "answer_rate": IndicatorInfo("answer_rate", "接通率", "percent", 1, "higher", 0.9),
    "service_level": IndicatorInfo("service_level", "服务水平", "percent", 1, "higher", 0.8),
    "aht": IndicatorInfo("aht", "平均处理时长", "seconds", 1, "lower", 300.0),
    "cph": IndicatorInfo("cph", "每小时处理量", "per_hour", 2, "higher", None),
    "offered": IndicatorInfo("offered", "进线量", "count", 0, "neutral", None),
    "answered": IndicatorInfo("answered", "接通量", "count", 0, "higher", None),
    "abandoned": IndicatorInfo("abandoned", "放弃量", "count", 0, "lower", None),
}
EN = {"answer_rate": "Answer rate", "service_level": "Service level", "aht": "AHT", "cph": "CPH",
      "offered": "Offered", "answered": "Answered", "abandoned": "Abandoned"}


def infos(codes, lang="zh"):
    return {c: (INFO[c] if lang == "zh" else IndicatorInfo(c, EN[c], *[getattr(INFO[c], f) for f in
                                                                       ("unit", "decimals", "direction", "target")]))
            for c in codes}


def tidy(rows: list[dict], breakdown: str | None = None) -> pd.DataFrame:
    """A frame shaped like widget_data's: period, [breakdown], indicator, value, when, [order, member], status, text."""
    cols = ["period", *([breakdown] if breakdown else []), "indicator", "value", "when",
            *(["order", "member"] if breakdown else []), "status", "text"]
    frame = pd.DataFrame(rows)
    for c in cols:
        if c not in frame:
            frame[c] = None
    return frame[cols + [c for c in frame.columns if c not in cols]]


def wd(kind, codes, frame, lang="zh", start="2026-03-01", end="2026-03-31", **kw) -> WidgetData:
    return WidgetData(kind=kind, start=D(start), end=D(end), anchor=D(end), indicators=infos(codes, lang),
                      frame=frame, as_of="2026-03-31 20:58:00", **kw)


def interval_rows():
    values = [(570, 0.92, "good"), (600, 0.84, "critical"), (630, 0.78, "critical"), (660, 0.81, "good")]
    return [{"period": f"2026-03-31 {m // 60:02d}:{m % 60:02d}", "indicator": "service_level", "value": v,
             "when": f"2026-03-31T{m // 60:02d}:{m % 60:02d}:00", "status": s, "text": f"{v * 100:.1f}%"}
            for m, v, s in values]


def day_rows(codes, values):
    return [{"period": f"2026-03-0{d}", "indicator": c, "value": v, "when": f"2026-03-0{d}T00:00:00", "text": f"{v:,}"}
            for d, row in enumerate(values, start=1) for c, v in zip(codes, row)]


def agent_rows(lang="zh"):
    agents = [("A03", "王五", 1, 340.5, "critical", 3.1), ("A01", "张三", 2, 305.0, "warning", 3.6),
              ("A02", "李四", 3, 250.2, "good", 4.25)]
    unit = " 秒" if lang == "zh" else " s"
    per_hour = " /小时" if lang == "zh" else " /h"
    rows = []
    for aid, name, order, aht, st, cph in agents:
        base = {"period": "2026-03-01~2026-03-31", "agent": aid, "order": order, "member": f"{aid} {name}"}
        rows += [{**base, "indicator": "aht", "value": aht, "status": st, "text": f"{aht:.1f}{unit}"},
                 {**base, "indicator": "cph", "value": cph, "status": None, "text": f"{cph:.2f}{per_hour}"}]
    return rows


def kpi_case(lang="zh"):
    spark = tidy(day_rows(["answer_rate"], [[0.86], [0.93], [0.91]]))
    spark = spark.assign(text=spark["value"].map(lambda v: f"{v * 100:.1f}%"))
    kpi = Kpi("answer_rate", 0.912, 0.899, 0.9, 0.912 - 0.899, 0.912 - 0.9, "good")
    frame = tidy([{"period": "2026-03-01~2026-03-03", "indicator": "answer_rate", "value": 0.912, "status": "good",
                   "text": "91.2%"}])
    return wd("kpi", ["answer_rate"], frame, lang, end="2026-03-03", kpis=(kpi,), sparkline=spark,
              previous_start=D("2026-02-01"), previous_end=D("2026-02-03"))


def heat_rows():
    rows = []
    for weekday in range(7):
        for hour in range(8, 12):
            value = round(0.7 + 0.03 * weekday + 0.02 * (hour - 8), 3)
            rows.append({"weekday": weekday, "hour": hour, "indicator": "answer_rate", "value": value,
                         "period": f"{weekday} {hour}", "status": "good" if value >= 0.9 else "critical",
                         "text": f"{value * 100:.1f}%"})
    return rows


def agent_day_rows():
    return [{"period": f"2026-03-0{d}", "agent": a, "order": o, "member": f"{a} {n}", "indicator": "aht",
             "value": 200.0 + 40 * d + 10 * o, "when": f"2026-03-0{d}T00:00:00", "status": "good",
             "text": f"{200.0 + 40 * d + 10 * o:.1f} 秒"}
            for d in (1, 2, 3) for a, n, o in (("A01", "张三", 1), ("A02", "李四", 2))]


def W(spec: dict) -> Widget:
    """A widget; the hand-made data cover March 2026, so the period is this month unless said."""
    return Widget.model_validate({"period": {"kind": "this_month"}, **spec})


CASES = {  # name: (widget, data, lang, theme)
    "kpi": (W({"kind": "kpi", "indicators": ["answer_rate"], "period": {"kind": "this_month"},
               "options": {"compare": ["target", "previous"], "sparkline": True}}), kpi_case(), "zh", "light"),
    "kpi_dark_en": (W({"kind": "kpi", "indicators": ["answer_rate"], "title": {"en": "Answer rate MTD"},
                       "options": {"compare": ["previous"]}}), kpi_case("en"), "en", "dark"),
    "kpi_two": (W({"kind": "kpi", "indicators": ["answer_rate", "aht"], "options": {"compare": ["target"]}}),
                wd("kpi", ["answer_rate", "aht"], tidy([]), kpis=(
                    Kpi("answer_rate", 0.85, None, 0.9, None, -0.05, "critical"),
                    Kpi("aht", 310.0, 300.0, 300.0, 10.0, 10.0, "warning"))), "zh", "light"),
    "line_interval": (W({"kind": "line", "indicators": ["service_level"], "grain": "interval", "period": {"kind": "today"},
                         "options": {"target_line": True}}),
                      wd("line", ["service_level"], tidy(interval_rows()), start="2026-03-31"), "zh", "light"),
    "line_by_team_en": (W({"kind": "line", "indicators": ["offered"], "grain": "day", "breakdown": "team"}),
                        wd("line", ["offered"], tidy([
                            {**r, "team": t, "order": o, "member": t} for t, o in (("T1", 1), ("T2", 2))
                            for r in day_rows(["offered"], [[120 * o], [130 * o], [90 * o]])], "team"), "en",
                           breakdown="team"), "en", "light"),
    "area": (W({"kind": "area", "indicators": ["offered", "answered"], "grain": "day"}),
             wd("area", ["offered", "answered"], tidy(day_rows(["offered", "answered"], [[120, 110], [140, 121], [90, 88]]))),
             "zh", "dark"),
    "bar_horizontal": (W({"kind": "bar", "indicators": ["aht"], "breakdown": "agent",
                          "options": {"sort": "desc", "top_n": 3, "horizontal": True, "target_line": True}}),
                       wd("bar", ["aht"], tidy([r for r in agent_rows() if r["indicator"] == "aht"], "agent"),
                          breakdown="agent"), "zh", "light"),
    "bar_two_en": (W({"kind": "bar", "indicators": ["answered", "abandoned"], "grain": "day"}),
                   wd("bar", ["answered", "abandoned"], tidy(day_rows(["answered", "abandoned"], [[110, 10], [121, 19]])),
                      "en"), "en", "light"),
    "stacked_bar": (W({"kind": "stacked_bar", "indicators": ["answered"], "grain": "day", "breakdown": "business_type"}),
                    wd("stacked_bar", ["answered"], tidy([
                        {**r, "business_type": b, "order": o, "member": b} for b, o in (("挂失", 1), ("激活", 2))
                        for r in day_rows(["answered"], [[60 * o], [70 * o]])], "business_type"),
                       breakdown="business_type"), "zh", "light"),
    "table": (W({"kind": "table", "indicators": ["aht", "cph"], "breakdown": "agent"}),
              wd("table", ["aht", "cph"], tidy(agent_rows(), "agent"), breakdown="agent"), "zh", "light"),
    "table_dark_en": (W({"kind": "table", "indicators": ["aht", "cph"], "breakdown": "agent"}),
                      wd("table", ["aht", "cph"], tidy(agent_rows("en"), "agent"), "en", breakdown="agent"),
                      "en", "dark"),
    "heatmap_weekday_hour": (W({"kind": "heatmap", "indicators": ["answer_rate"]}),
                             wd("heatmap", ["answer_rate"], tidy(heat_rows())), "zh", "light"),
    "heatmap_agent_day": (W({"kind": "heatmap", "indicators": ["aht"], "options": {"heatmap": "agent_day"}}),
                          wd("heatmap", ["aht"], tidy(agent_day_rows(), "agent"), breakdown="agent"), "zh", "dark"),
    "gauge": (W({"kind": "gauge", "indicators": ["answer_rate"]}),
              wd("gauge", ["answer_rate"], tidy([]), kpis=(Kpi("answer_rate", 0.88, None, 0.9, None, -0.02, "warning"),)),
              "zh", "light"),
    "gauge_seconds_dark": (W({"kind": "gauge", "indicators": ["aht"]}),
                           wd("gauge", ["aht"], tidy([]), kpis=(Kpi("aht", 250.0, None, 300.0, None, -50.0, "good"),)),
                           "zh", "dark"),
    "donut": (W({"kind": "donut", "indicators": ["offered"], "breakdown": "business_type"}),
              wd("donut", ["offered"], tidy([
                  {"period": "p", "business_type": b, "order": o, "member": b, "indicator": "offered", "value": v,
                   "text": f"{v:,}"} for b, o, v in (("挂失", 1, 5200), ("激活", 2, 3100), ("未分配", 3, 700))], "business_type"),
                 breakdown="business_type"), "zh", "light"),
    "text": (W({"kind": "text", "title": {"zh": "今日提示"}, "options": {"text": {
        "zh": "## 重点\n- **接通率** 目标 90%\n- 详见 [排班表](http://example)\n普通说明一行", "en": "Notes"}}}),
             wd("text", [], tidy([])), "zh", "light"),
    "no_data": (W({"kind": "line", "indicators": ["offered"], "grain": "day"}),
                wd("line", ["offered"], tidy([])), "zh", "light"),
}


def test_every_widget_kind_has_a_builder_and_a_golden_case():
    assert set(BUILDERS) == set(get_args(WidgetKind))
    assert set(get_args(WidgetKind)) <= {widget.kind for widget, *_ in CASES.values()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_spec(name):
    widget, data, lang, theme = CASES[name]
    spec = build(widget, data, lang, theme).to_dict()  # validates against the Vega-Lite schema
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    path = GOLDEN / f"{name}.json"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing golden {path.name}; review it and run again")
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), \
        f"{name}: the spec changed; if on purpose, rewrite with CCDASH_UPDATE_GOLDENS=1 and review the diff"


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_spec_is_themed_titled_and_pure_json(name):
    widget, data, lang, theme = CASES[name]
    spec = build(widget, data, lang, theme).to_dict()
    assert spec["config"]["font"] == FONT
    assert spec["config"]["background"] == ("#0e1117" if theme == "dark" else "#ffffff")
    assert json.loads(json.dumps(spec)) == spec  # nothing but JSON values
    if widget.kind != "text":  # the period under the title (or as the title of several named cards)
        assert spec["title"].get("subtitle", spec["title"]["text"]).startswith(("本月 · 2026-03", "This month · 2026-03",
                                                                                "今天 · 2026-03"))


def test_titles_are_the_display_name_else_the_catalog_names():
    widget, data, lang, theme = CASES["kpi_dark_en"]
    assert build(widget, data, lang, theme).to_dict()["title"]["text"] == "Answer rate MTD"
    widget, data, lang, theme = CASES["table"]
    assert build(widget, data, lang, theme).to_dict()["title"]["text"] == "平均处理时长"
    widget, data, lang, theme = CASES["kpi_two"]  # each card is named: the period heads them
    spec = build(widget, data, lang, theme).to_dict()
    assert spec["title"] == {"text": "本月 · 2026-03-01 ~ 2026-03-31"}
    assert [card["title"] for card in spec["hconcat"]] == ["接通率", "平均处理时长"]


def test_kpi_card_shows_value_compare_lines_and_status_color():
    widget, data, lang, theme = CASES["kpi"]
    spec = build(widget, data, lang, theme).to_dict()
    texts = [row["text"] for rows in spec["datasets"].values() for row in rows if "text" in row and "y" in row]
    assert texts[0] == "91.2%"
    assert "上期 89.9% ▲+1.3%" in texts and "目标 90.0%（+1.2%）" in texts
    colors = {row["color"] for rows in spec["datasets"].values() for row in rows if "color" in row}
    assert "#16a34a" in colors  # good → green


def test_bar_colors_follow_status_and_keep_the_ranking_order():
    widget, data, lang, theme = CASES["bar_horizontal"]
    spec = build(widget, data, lang, theme).to_dict()
    bar = spec["layer"][0]["encoding"]
    assert bar["color"]["scale"]["range"] == ["#16a34a", "#f59e0b", "#dc2626"]
    assert bar["y"]["sort"] == {"field": "order", "op": "min"}
    assert bar["x"]["axis"]["format"] == ",.1~f" and bar["x"]["axis"]["title"] == "平均处理时长（秒）"


def test_table_cells_in_ranking_order_with_status():
    widget, data, lang, _ = CASES["table"]
    cells = table_frame(widget, data, lang)
    assert list(cells[cells["column"] == "坐席"]["text"]) == ["A03 王五", "A01 张三", "A02 李四"]
    aht = cells[cells["column"] == "平均处理时长"]
    assert list(aht["status"]) == ["critical", "warning", "good"] and list(aht["text"])[0] == "340.5 秒"
    assert set(cells[cells["column"] == "每小时处理量"]["status"]) == {"none"}


def test_markdown_lines():
    assert markdown_lines("# 标题\n- **粗体** 和 [链接](http://x)\n`code`") == [
        ("标题", True), ("• 粗体 和 链接", False), ("code", False)]
    long = markdown_lines("接" * 40)
    assert [len(text) for text, _ in long] == [28, 12]  # 56 display cells, a Chinese character is two


# --- direction-aware status ------------------------------------------------------------------------

T = Threshold
STATUS = [  # value, indicator, threshold, expected
    (0.95, "answer_rate", None, "good"),  # catalog: higher is better, target 90 %
    (0.90, "answer_rate", None, "good"),  # on target
    (0.86, "answer_rate", None, "warning"),  # within 5 % of 90 % (≥ 85.5 %)
    (0.85, "answer_rate", None, "critical"),
    (290.0, "aht", None, "good"),  # lower is better, target 300 s
    (300.0, "aht", None, "good"),
    (315.0, "aht", None, "warning"),  # up to 5 % above
    (316.0, "aht", None, "critical"),
    (0.79, "answer_rate", T(target=0.8), "warning"),  # the widget's target wins over the catalog's
    (0.75, "answer_rate", T(target=0.8), "critical"),
    (0.96, "answer_rate", T(warning=0.95, critical=0.90), "good"),  # explicit bands
    (0.95, "answer_rate", T(warning=0.95, critical=0.90), "good"),
    (0.93, "answer_rate", T(warning=0.95, critical=0.90), "warning"),
    (0.89, "answer_rate", T(warning=0.95, critical=0.90), "critical"),
    (0.04, "abandon_rate", T(warning=0.05, critical=0.08), "good"),  # lower is better, domain defaults
    (0.06, "abandon_rate", T(warning=0.05, critical=0.08), "warning"),
    (0.09, "abandon_rate", T(warning=0.05, critical=0.08), "critical"),
    (0.50, "answer_rate", T(warning=0.95), "warning"),  # no critical band: never red
    (0.07, "abandon_rate", None, "good"),  # catalog target 8 %
    (0.083, "abandon_rate", None, "warning"),
    (0.09, "abandon_rate", None, "critical"),
    (120.0, "offered", T(target=100), None),  # neutral: a target alone says nothing
    (96.0, "offered", T(target=100, direction="higher"), "warning"),
    (5.0, "offered", T(warning=10, critical=20), "good"),  # bands in rising order → lower is better
    (15.0, "offered", T(warning=10, critical=20), "warning"),
    (25.0, "offered", T(warning=10, critical=20), "critical"),
    (0.5, "answer_rate", T(direction="neutral"), None),
    (0.5, "transfer_rate", None, None),  # lower is better but no target and no bands
    (float("nan"), "answer_rate", None, None),
    (None, "aht", None, None),
]


@pytest.mark.parametrize(("value", "code", "threshold", "expected"), STATUS)
def test_status(value, code, threshold, expected):
    assert status(value, code, threshold) == expected


def test_regroup_is_a_ratio_of_sums():
    """Two Mondays at 9h: 3 of 5 and 3 of 3 answered → 6/8 = 75 %, not the mean of 60 % and 100 %."""
    comps = pd.DataFrame({"weekday": [0, 0, 1], "hour": [9, 9, 9], "answered": [3, 3, 1], "offered": [5, 3, 2]})
    out = regroup(comps, ["weekday", "hour"], ["answer_rate", "offered"], load_catalog())
    got = {(r.weekday, r.indicator): r.value for r in out.itertuples()}
    assert got[(0, "answer_rate")] == pytest.approx(6 / 8) and got[(0, "offered")] == 8
    assert got[(1, "answer_rate")] == pytest.approx(1 / 2)


# --- widget data on the hand-checked store (tests/test_indicators_by_hand.py) ----------------------

ANCHOR = D("2026-03-03")  # the newest day of the small store: a Tuesday; 2026-03-02 is a Monday


def custom(**kw) -> dict:
    return {"period": {"kind": "custom", "start": "2026-03-02", "end": "2026-03-03"}, **kw}


def test_kpi_today_against_yesterday_and_target(small_store):
    widget = W({"kind": "kpi", "indicators": ["answer_rate", "aht"], "period": {"kind": "today"},
                "options": {"compare": ["previous", "target"], "sparkline": True}})
    got = widget_data(small_store, widget, ANCHOR, "zh")
    assert (got.start, got.end, got.previous_start, got.previous_end) == (ANCHOR, ANCHOR, D("2026-03-02"), D("2026-03-02"))
    rate, aht = got.kpis
    assert (rate.value, rate.previous, rate.target) == (pytest.approx(1.0), pytest.approx(0.6), 0.9)
    assert rate.delta == pytest.approx(0.4) and rate.to_target == pytest.approx(0.1) and rate.status == "good"
    assert aht.value == pytest.approx(580 / 3) and aht.previous == pytest.approx(420 / 3) and aht.status == "good"
    assert got.as_of == "2026-03-03 11:00:00"
    spark = got.sparkline[got.sparkline["indicator"] == "answer_rate"]  # one day: by hour
    assert list(spark["when"]) == ["2026-03-03T09:00:00", "2026-03-03T11:00:00"]


def test_kpi_total_is_a_ratio_of_sums_with_status(small_store):
    widget = W({"kind": "kpi", "indicators": ["answer_rate"], **custom()})
    (kpi,) = widget_data(small_store, widget, ANCHOR, "zh").kpis
    assert kpi.value == pytest.approx(6 / 8) and kpi.status == "critical"  # < 85.5 %
    banded = widget.model_copy(update={"thresholds": {"answer_rate": Threshold(warning=0.8, critical=0.7)}})
    assert widget_data(small_store, banded, ANCHOR, "zh").kpis[0].status == "warning"
    assert widget_data(small_store, widget, ANCHOR, "zh").previous_end == D("2026-03-01")  # 2 days → 2 days before


def test_bar_by_agent_sorted_top_n_with_names_and_status(small_store):
    widget = W({"kind": "bar", "indicators": ["aht"], "breakdown": "agent", "period": {"kind": "this_month"},
                "options": {"sort": "desc", "top_n": 1}})
    frame = widget_data(small_store, widget, ANCHOR, "zh").frame
    assert list(frame["member"]) == ["A01 张三"] and frame["value"].iloc[0] == pytest.approx(720 / 3)
    everyone = widget_data(small_store, widget.model_copy(update={"options": widget.options.model_copy(
        update={"top_n": None, "sort": "asc"})}), ANCHOR, "zh").frame
    assert list(everyone["member"]) == ["A02 李四", "A01 张三"]  # the blank agent (abandoned calls) has no AHT
    assert list(everyone["order"]) == [1, 2] and list(everyone["text"]) == ["93.3 秒", "240.0 秒"]
    strict = widget.model_copy(update={"thresholds": {"aht": Threshold(target=200)},
                                       "options": widget.options.model_copy(update={"top_n": None})})
    got = widget_data(small_store, strict, ANCHOR, "en").frame.set_index("agent")
    assert got.loc["A01", "status"] == "critical" and got.loc["A02", "status"] == "good"  # 240 > 210, 93 ≤ 200
    assert got.loc["A01", "text"] == "240.0 s"


def test_table_ranks_best_first_by_direction(small_store):
    widget = W({"kind": "table", "indicators": ["aht", "cph"], "breakdown": "agent", **custom()})
    frame = widget_data(small_store, widget, ANCHOR, "zh").frame
    aht = frame[frame["indicator"] == "aht"]
    assert list(aht["agent"]) == ["A02", "A01"]  # lower AHT is better: best first
    cph = frame[frame["indicator"] == "cph"].set_index("agent")["value"]
    assert cph["A01"] == pytest.approx(3 / 16) and cph["A02"] == pytest.approx(3 / 12)


def test_line_by_interval(small_store):
    widget = W({"kind": "line", "indicators": ["offered"], "grain": "interval", "period": {"kind": "yesterday"}})
    frame = widget_data(small_store, widget, ANCHOR, "zh").frame
    assert dict(zip(frame["when"], frame["value"])) == {
        "2026-03-02T09:00:00": 2, "2026-03-02T09:30:00": 1, "2026-03-02T10:00:00": 2}


def test_heatmap_weekday_hour_sums_components(small_store):
    widget = W({"kind": "heatmap", "indicators": ["answer_rate"], "period": {"kind": "this_month"}})
    frame = widget_data(small_store, widget, ANCHOR, "zh").frame
    got = {(r.weekday, r.hour): (r.value, r.status) for r in frame.itertuples()}
    assert got[(0, 9)] == (pytest.approx(2 / 3), "critical")  # Monday 9h: C001, C002 answered, C003 abandoned
    assert got[(0, 10)][0] == pytest.approx(1 / 2)
    assert got[(1, 9)] == (pytest.approx(1.0), "good") and got[(1, 11)][0] == pytest.approx(1.0)
    assert set(frame["period"]) == {"周一 09:00", "周一 10:00", "周二 09:00", "周二 11:00"}


def test_heatmap_agent_day(small_store):
    widget = W({"kind": "heatmap", "indicators": ["aht"], "options": {"heatmap": "agent_day"}, **custom()})
    got = widget_data(small_store, widget, ANCHOR, "zh")
    values = {(r.agent, r.period): r.value for r in got.frame.itertuples()}
    assert values == {("A01", "2026-03-02"): pytest.approx(180.0), ("A02", "2026-03-02"): pytest.approx(60.0),
                      ("A01", "2026-03-03"): pytest.approx(360.0), ("A02", "2026-03-03"): pytest.approx(110.0)}
    assert got.breakdown == "agent"


def test_donut_and_stacked_bar_by_business_type(small_store):
    widget = W({"kind": "donut", "indicators": ["offered"], "breakdown": "business_type", **custom()})
    frame = widget_data(small_store, widget, ANCHOR, "zh").frame
    assert dict(zip(frame["business_type"], frame["value"])) == {"挂失": 4, "激活": 4}
    stacked = W({"kind": "stacked_bar", "indicators": ["answered", "abandoned"], "grain": "day", "breakdown": "queue",
                 **custom()})
    frame = widget_data(small_store, stacked, ANCHOR, "zh").frame
    day1 = frame[(frame["period"] == "2026-03-02") & (frame["indicator"] == "abandoned")]
    assert dict(zip(day1["queue"], day1["value"])) == {"Q1": 1, "Q2": 1}


@pytest.mark.parametrize("period", [custom()["period"], {"kind": "custom", "start": "2020-01-01", "end": "2020-01-31"}])
def test_every_kind_builds_on_store_data_and_on_an_empty_period(small_store, period):
    for kind in get_args(WidgetKind):
        spec = {"kind": kind, "indicators": [] if kind == "text" else ["answer_rate"], "period": period}
        if kind in ("bar", "stacked_bar", "donut", "table"):
            spec["breakdown"] = "queue"
        widget = W(spec)
        for theme in ("light", "dark"):
            assert build(widget, widget_data(small_store, widget, ANCHOR, "en"), "en", theme).to_dict()


def test_an_empty_period_draws_no_data(small_store):
    widget = W({"kind": "line", "indicators": ["offered"], "grain": "day",
                "period": {"kind": "custom", "start": "2020-01-01", "end": "2020-01-02"}})
    got = widget_data(small_store, widget, ANCHOR, "zh")
    assert got.frame.empty
    spec = build(widget, got, "zh").to_dict()
    assert [row["text"] for rows in spec["datasets"].values() for row in rows] == ["暂无数据"]


def test_cache_key_and_cached_data(small_store):
    widget = W({"kind": "kpi", "indicators": ["answer_rate"], **custom()})
    key = wdata.cache_key(small_store, widget, ANCHOR, "zh")
    assert key[1:4] == (widget.model_dump_json(), "2026-03-03", "zh") and key[4] == wdata.store_version(small_store)
    first = wdata.cached_widget_data(*key)
    assert wdata.cached_widget_data(*key) is first and first.kpis[0].value == pytest.approx(0.75)


def test_store_version_changes_with_an_undo(small_store):
    from ccdash.store.imports import import_history, undo_import
    before = wdata.store_version(small_store)
    undo_import(small_store, int(import_history(small_store)["id"].max()), actor=ADMIN)
    assert wdata.store_version(small_store) != before


def test_widget_data_never_averages_ratios(small_store):
    """Month by day: the KPI total is Σanswered/Σoffered, not the mean of the daily rates."""
    widget = W({"kind": "kpi", "indicators": ["answer_rate"], "period": {"kind": "this_month"},
                "options": {"sparkline": True}})
    got = widget_data(small_store, widget, ANCHOR, "zh")
    daily = got.sparkline["value"].tolist()
    assert daily == [pytest.approx(0.6), pytest.approx(1.0)]
    assert got.kpis[0].value == pytest.approx(0.75) and not math.isclose(got.kpis[0].value, sum(daily) / 2)
