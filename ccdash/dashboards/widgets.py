"""Widget builders: pure functions from a widget and its data (:class:`WidgetData`) to an Altair chart.

``BUILDERS`` maps every widget kind to its builder; :func:`build` picks one, adds the title (the
display name, else the first indicator's catalog name; the period as subtitle) and the theme
(``light`` for the desk, ``dark`` with larger type for the wall screen) and returns a top-level
chart whose ``to_dict()`` is a complete Vega-Lite spec with the data inline — no Streamlit, no store.

Numbers are shown by the catalog's unit and decimals (92.3%, 185.2 秒): labels and tooltips carry the
text made by :mod:`ccdash.indicators.format`, axes a d3 format of the same precision. Green / amber /
red follow the status in the data (:func:`ccdash.dashboards.data.status`, direction-aware). The font
family prefers the Noto Sans CJK fonts the PNG renderer registers, then the usual Chinese system fonts.

The table is drawn by Altair too (a grid of colored cells), so one spec serves the page, the wall and
the PNG; :func:`table_frame` gives the same cells as a DataFrame for a sortable ``st.dataframe``.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, replace

import altair as alt
import pandas as pd

from ccdash.dashboards.data import STATUSES, WidgetData, cached_widget_data
from ccdash.dashboards.model import Widget
from ccdash.dashboards.periods import period_name, period_text
from ccdash.i18n import register, t
from ccdash.indicators.format import format_delta, format_value

MESSAGES = {
    "widgets.no_data": {"zh": "暂无数据", "en": "No data"},
    "widgets.target": {"zh": "目标 {value}", "en": "Target {value}"},
    "widgets.vs_target": {"zh": "（{delta}）", "en": " ({delta})"},
    "widgets.vs_previous": {"zh": "上期 {value} {arrow}{delta}", "en": "Prev. {value} {arrow}{delta}"},
    "widgets.status.good": {"zh": "达标", "en": "On target"},
    "widgets.status.warning": {"zh": "预警", "en": "Warning"},
    "widgets.status.critical": {"zh": "未达标", "en": "Off target"},
    "widgets.share": {"zh": "占比", "en": "Share"},
    "widgets.rank": {"zh": "排名", "en": "Rank"},
    "widgets.time": {"zh": "时间", "en": "Time"},
    "widgets.date": {"zh": "日期", "en": "Date"},
    "widgets.week": {"zh": "周", "en": "Week"},
    "widgets.month": {"zh": "月份", "en": "Month"},
    "widgets.period": {"zh": "期间", "en": "Period"},
    "widgets.hour": {"zh": "小时", "en": "Hour"},
    "widgets.weekday": {"zh": "星期", "en": "Weekday"},
    "widgets.agent": {"zh": "坐席", "en": "Agent"},
    "widgets.team": {"zh": "班组", "en": "Team"},
    "widgets.queue": {"zh": "技能组", "en": "Queue"},
    "widgets.business_type": {"zh": "业务类型", "en": "Business type"},
    "widgets.indicator": {"zh": "指标", "en": "Indicator"},
    "widgets.value": {"zh": "数值", "en": "Value"},
    "widgets.status": {"zh": "状态", "en": "Status"},
}
register(MESSAGES)

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
UNIT_TITLE = {"percent": {"zh": "%", "en": "%"}, "seconds": {"zh": "秒", "en": "s"},
              "per_hour": {"zh": "/小时", "en": "/h"}, "agents": {"zh": "人", "en": ""}}
TIME_FORMAT = {"interval": "%H:%M", "hour": "%H:%M", "day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}
PERIOD_TITLE = {"interval": "widgets.time", "hour": "widgets.time", "day": "widgets.date", "week": "widgets.week",
                "month": "widgets.month", "total": "widgets.period"}
MAX_HEAT_HEIGHT = 600  # px: a heatmap with more rows squeezes them (labels thin out)
MAX_TICKS = 12  # time axes label at most this many periods
MAX_POINTS = 62  # lines show their points up to this many
MAX_LABELS = 40  # bars carry value labels up to this many


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    muted: str
    grid: str
    track: str  # gauge track, empty table cells
    primary: str
    palette: tuple[str, ...]
    status: dict[str, str]  # good / warning / critical → mark color
    tint: dict[str, str]  # good / warning / critical → table cell fill
    heat: str  # heatmap color scheme
    title_size: int = 15
    label_size: int = 11
    kpi_size: int = 40


THEMES = {
    "light": Theme("#ffffff", "#1f2933", "#6b7280", "#e5e7eb", "#eef0f3", "#2563eb",
                   ("#2563eb", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#9d755d", "#eeca3b", "#bab0ac",
                    "#ff9da6", "#86bcb6", "#d37295", "#8cd17d"),
                   {"good": "#16a34a", "warning": "#f59e0b", "critical": "#dc2626"},
                   {"good": "#dcfce7", "warning": "#fef3c7", "critical": "#fee2e2"}, "blues"),
    "dark": Theme("#0e1117", "#f3f4f6", "#9ca3af", "#374151", "#1f2937", "#60a5fa",
                  ("#60a5fa", "#fb923c", "#4ade80", "#c084fc", "#5eead4", "#d6a77a", "#facc15", "#cbd5e1",
                   "#f9a8d4", "#a5b4fc", "#fda4af", "#bef264"),
                  {"good": "#22c55e", "warning": "#fbbf24", "critical": "#ef4444"},
                  {"good": "#14532d", "warning": "#713f12", "critical": "#7f1d1d"}, "viridis",
                  title_size=22, label_size=15, kpi_size=64),
}


# --- shared pieces ---------------------------------------------------------------------------------

def _plain(value):
    """A JSON-safe cell: NaN / NA → None, numpy scalars → Python (``tolist`` already gives Python types)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def records(frame: pd.DataFrame, columns: list[str]) -> dict:
    """The columns as inline JSON records (NaN → null): the chart carries its data, no Python objects.
    A plain ``{"values": …}`` dict, not ``alt.InlineData``, which validates every record when made
    (0.25 s for 2,000 rows); the spec is still validated whole by ``to_dict()``."""
    cols = [[_plain(v) for v in frame[c].tolist()] for c in columns]
    return {"values": [dict(zip(columns, row)) for row in zip(*cols)]}


def value_format(unit: str, decimals: int) -> str:
    """A d3 format of the catalog's precision: ".1~%" for percent, ",.1~f" otherwise."""
    return f".{decimals}~%" if unit == "percent" else f",.{decimals}~f"


def value_title(data: WidgetData, lang: str) -> str:
    """The value axis title: the indicator name and unit with one indicator, the unit with several."""
    infos = list(data.indicators.values())
    unit = UNIT_TITLE.get(infos[0].unit, {}).get(lang, "")
    if len(infos) > 1:
        return unit
    if not unit:
        return infos[0].name
    return f"{infos[0].name}（{unit}）" if lang == "zh" else f"{infos[0].name} ({unit})"


def value_axis(data: WidgetData, lang: str) -> alt.Axis:
    first = next(iter(data.indicators.values()))
    whole = {"tickMinStep": 1} if first.unit in ("count", "agents") and first.decimals == 0 else {}
    return alt.Axis(format=value_format(first.unit, first.decimals), title=value_title(data, lang), **whole)


def short_period(frame: pd.DataFrame, grain: str, data: WidgetData) -> pd.Series:
    """Period labels for categorical axes: 09:30 within one day, 03-02, 2026-03, or the period's dates."""
    if grain == "total":
        return pd.Series(period_text(data.start, data.end), index=frame.index, dtype=object)
    when = pd.to_datetime(frame["when"])
    fmt = TIME_FORMAT[grain] if grain not in ("interval", "hour") or data.start == data.end else "%m-%d %H:%M"
    return when.dt.strftime(fmt).astype(object)


def with_labels(widget: Widget, data: WidgetData, lang: str) -> pd.DataFrame:
    """The frame with rows of an empty value dropped, plus ``name`` (indicator), ``category`` (the
    breakdown member, else the short period) and ``status_text``."""
    frame = data.frame.dropna(subset=["value"])
    names = {code: info.name for code, info in data.indicators.items()}
    category = frame["member"] if data.breakdown else short_period(frame, widget.grain, data)
    status_text = frame["status"].map(lambda s: t(f"widgets.status.{s}", lang) if s in STATUSES else "")
    return frame.assign(name=frame["indicator"].map(names).astype(object), category=category.astype(object),
                        status_text=status_text.astype(object))


def category_title(widget: Widget, data: WidgetData, lang: str) -> str:
    return t(f"widgets.{data.breakdown}", lang) if data.breakdown else t(PERIOD_TITLE[widget.grain], lang)


def category_sort(data: WidgetData) -> alt.EncodingSortField:
    return alt.EncodingSortField(field="order" if data.breakdown else "when", op="min")


def status_color(theme: Theme, lang: str) -> alt.Color:
    labels = [t(f"widgets.status.{s}", lang) for s in STATUSES]
    return alt.Color("status_text:N", title=None, legend=None,
                     scale=alt.Scale(domain=labels, range=[theme.status[s] for s in STATUSES]))


def series_color(field: str, title: str | None, theme: Theme, sort=None) -> alt.Color:
    return alt.Color(f"{field}:N", title=title, sort=sort, scale=alt.Scale(range=list(theme.palette)))


def tooltip(widget: Widget, data: WidgetData, lang: str, *extra: alt.Tooltip) -> list[alt.Tooltip]:
    tips = [alt.Tooltip("category:N", title=category_title(widget, data, lang))]
    if len(data.indicators) > 1 or not data.breakdown:
        tips.append(alt.Tooltip("name:N", title=t("widgets.indicator", lang)))
    return [*tips, alt.Tooltip("text:N", title=t("widgets.value", lang)), *extra]


def target_rules(widget: Widget, data: WidgetData, lang: str, theme: Theme, channel: str = "y") -> list[alt.Chart]:
    """Dashed rules at the targets (with "目标 …" labels) when the widget asks for a target line."""
    rows = [{"target": i.target, "label": t("widgets.target", lang, value=format_value(i.target, i.unit, i.decimals, lang))}
            for i in data.indicators.values() if i.target is not None]
    if not widget.options.target_line or not rows:
        return []
    base = alt.Chart(records(pd.DataFrame(rows), ["target", "label"]))
    rule = base.mark_rule(strokeDash=[5, 4], color=theme.muted, strokeWidth=1.5)
    label = base.mark_text(align="right" if channel == "y" else "left", baseline="bottom", dx=-2 if channel == "y" else 3,
                           dy=-2, color=theme.muted, fontSize=theme.label_size)
    if channel == "y":
        return [rule.encode(y=alt.Y("target:Q")), label.encode(y=alt.Y("target:Q"), x=alt.XValue("width"), text=alt.Text("label:N"))]
    return [rule.encode(x=alt.X("target:Q")), label.encode(x=alt.X("target:Q"), y=alt.YValue(0), text=alt.Text("label:N"))]


def time_x(widget: Widget, data: WidgetData, lang: str) -> alt.X:
    """A time axis with ticks on the data's own periods (weeks start on Monday, intervals on the half hour)."""
    if widget.grain == "total":
        return alt.X("category:N", title=None)
    fmt = TIME_FORMAT[widget.grain]
    if widget.grain in ("interval", "hour") and data.start != data.end:
        fmt = "%m-%d %H:%M"
    return alt.X("when:T", title=t(PERIOD_TITLE[widget.grain], lang),
                 axis=alt.Axis(format=fmt, labelOverlap=True, values=time_ticks(data)))


def time_ticks(data: WidgetData, most: int = MAX_TICKS) -> list[alt.DateTime]:
    """Every k-th distinct period start, at most ``most`` of them (Vega's own time ticks fall between days)."""
    starts = sorted(set(pd.to_datetime(data.frame["when"].dropna())))
    step = max(1, math.ceil(len(starts) / most))
    return [alt.DateTime(year=d.year, month=d.month, date=d.day, hours=d.hour, minutes=d.minute)
            for d in starts[::step]]


def message_chart(text: str, theme: Theme, height: int = 120) -> alt.Chart:
    return alt.Chart(records(pd.DataFrame({"text": [text]}), ["text"]), height=height).mark_text(
        color=theme.muted, fontSize=theme.label_size + 3).encode(text=alt.Text("text:N"))


# --- builders: each takes (widget, data, lang, theme) and returns a chart without title or config ----
# Data sits on the outermost chart of a builder (one copy, and Altair's layer/concat copies stay cheap).

def _delta_line(kpi, info, lang: str, theme: Theme) -> tuple[str, str]:
    if kpi.delta is None:
        return "", theme.muted
    arrow = "▲" if kpi.delta > 0 else "▼" if kpi.delta < 0 else "＝"
    better = {"higher": kpi.delta > 0, "lower": kpi.delta < 0}.get(info.direction)
    color = theme.muted if better is None or kpi.delta == 0 else theme.status["good" if better else "critical"]
    text = t("widgets.vs_previous", lang, arrow=arrow, delta=format_delta(kpi.delta, info.unit, info.decimals, lang),
             value=format_value(kpi.previous, info.unit, info.decimals, lang))
    return text, color


def _target_line(kpi, info, lang: str, theme: Theme) -> tuple[str, str]:
    if kpi.target is None:
        return "", theme.muted
    text = t("widgets.target", lang, value=format_value(kpi.target, info.unit, info.decimals, lang))
    if kpi.to_target is not None:
        text += t("widgets.vs_target", lang, delta=format_delta(kpi.to_target, info.unit, info.decimals, lang))
    return text, theme.status.get(kpi.status, theme.muted)


def text_lines(rows: list[dict], weight: str) -> alt.Chart:
    """Left-aligned lines of text at pixel positions: rows of ``text, y, color, size``."""
    return alt.Chart(records(pd.DataFrame(rows), ["text", "y", "color", "size"])).mark_text(
        align="left", baseline="middle", fontWeight=weight).encode(
        x=alt.XValue(0), y=alt.Y("y:Q", scale=None), text=alt.Text("text:N"), color=alt.Color("color:N", scale=None),
        size=alt.Size("size:Q", scale=None))


def kpi_card(widget: Widget, data: WidgetData, kpi, lang: str, theme: Theme, title=alt.Undefined) -> alt.LayerChart:
    """One card: the big value colored by status, the compare lines, a sparkline along the bottom."""
    info = data.indicators[kpi.indicator]
    big, small = theme.kpi_size, theme.label_size + 2
    lines = []
    if "previous" in widget.options.compare:
        lines.append(_delta_line(kpi, info, lang, theme))
    if "target" in widget.options.compare:
        lines.append(_target_line(kpi, info, lang, theme))
    rows = [{"text": format_value(kpi.value, info.unit, info.decimals, lang), "y": big * 0.6,
             "color": theme.status.get(kpi.status, theme.text), "size": big}]
    rows += [{"text": text, "y": big * 1.2 + 8 + i * (small + 6), "color": color, "size": small}
             for i, (text, color) in enumerate(line for line in lines if line[0])]
    spark = data.sparkline is not None and (data.sparkline["indicator"] == kpi.indicator).any()
    height = int(rows[-1]["y"] + small + (44 if spark else 4))
    layers = [text_lines(rows[:1], "bold"), *([text_lines(rows[1:], "normal")] if rows[1:] else [])]
    if spark:
        points = data.sparkline[data.sparkline["indicator"] == kpi.indicator].dropna(subset=["value"])
        layers.append(alt.Chart(records(points, ["when", "value", "text"])).mark_line(
            color=theme.status.get(kpi.status, theme.primary), strokeWidth=2, point=len(points) == 1).encode(
            x=alt.X("when:T", axis=None),
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(range=[height - 4, height - 36], zero=False)),
            tooltip=[alt.Tooltip("when:T", title=t("widgets.time", lang)), alt.Tooltip("text:N", title=info.name)]))
    return alt.layer(*layers, width=260, height=height, title=title).resolve_scale(x="independent", y="independent")


def build_kpi(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    if len(data.kpis) == 1:
        return kpi_card(widget, data, data.kpis[0], lang, theme)
    return alt.hconcat(*(kpi_card(widget, data, k, lang, theme, data.indicators[k.indicator].name) for k in data.kpis),
                       spacing=24)


def build_line(widget: Widget, data: WidgetData, lang: str, theme: Theme, area: bool = False):
    frame = with_labels(widget, data, lang)
    series = "category" if data.breakdown else "name"
    count = frame[series].nunique()
    cols = ["when", "category", "name", "value", "text", *(["order"] if data.breakdown else [])]
    color = (series_color(series, None, theme, category_sort(data) if data.breakdown else None)
             if count > 1 else alt.ColorValue(widget.options.color or theme.primary))
    enc = dict(x=time_x(widget, data, lang), color=color, tooltip=tooltip(widget, data, lang),
               y=alt.Y("value:Q", axis=value_axis(data, lang), stack=None, scale=alt.Scale(zero=area)))
    if data.breakdown and len(data.indicators) > 1:
        enc["strokeDash"] = alt.StrokeDash("name:N", title=None)
    points = len(frame) <= MAX_POINTS * max(count, 1)
    mark = alt.Chart().mark_area(line=True, opacity=0.25, point=points) if area else \
        alt.Chart().mark_line(point=points, strokeWidth=2)
    rules = target_rules(widget, data, lang, theme)
    return alt.layer(mark.encode(**enc), *rules, data=records(frame, cols), height=220)


def build_area(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    return build_line(widget, data, lang, theme, area=True)


def _bar_axes(widget: Widget, data: WidgetData, lang: str, stacked: bool = False) -> dict:
    """Category and value encodings, swapped for horizontal bars."""
    horizontal = widget.options.horizontal
    cat = (alt.Y if horizontal else alt.X)(
        "category:N", title=category_title(widget, data, lang), sort=category_sort(data),
        axis=alt.Axis(labelLimit=160, labelOverlap=False, **({} if horizontal else {"labelAngle": -40})))
    val = (alt.X if horizontal else alt.Y)("value:Q", axis=value_axis(data, lang), stack="zero" if stacked else None)
    return {"y": cat, "x": val} if horizontal else {"x": cat, "y": val}


def build_bar(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    frame = with_labels(widget, data, lang)
    cols = ["category", "name", "value", "text", "status_text", "order" if data.breakdown else "when"]
    status_tip = alt.Tooltip("status_text:N", title=t("widgets.status", lang))
    enc = _bar_axes(widget, data, lang) | {"tooltip": tooltip(widget, data, lang, status_tip)}
    several = len(data.indicators) > 1
    if several:
        offset = {"yOffset": alt.YOffset("name:N")} if widget.options.horizontal else {"xOffset": alt.XOffset("name:N")}
        enc |= {"color": series_color("name", None, theme), **offset}
    elif frame["status_text"].ne("").any():
        enc["color"] = status_color(theme, lang)
    else:
        enc["color"] = alt.ColorValue(widget.options.color or theme.primary)
    layers = [alt.Chart().mark_bar().encode(**enc)]
    if not several and len(frame) <= MAX_LABELS:
        side = dict(align="left", dx=3, baseline="middle") if widget.options.horizontal else dict(baseline="bottom", dy=-2)
        layers.append(alt.Chart().mark_text(color=theme.text, fontSize=theme.label_size, **side).encode(
            x=enc["x"], y=enc["y"], text=alt.Text("text:N")))
    layers += target_rules(widget, data, lang, theme, "x" if widget.options.horizontal else "y")
    bars = frame["category"].nunique() * (len(data.indicators) if several else 1)
    height = max(160, 24 * bars) if widget.options.horizontal else 240
    return alt.layer(*layers, data=records(frame, cols), height=height)


def build_stacked_bar(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    """Stacks the breakdown members per period (grain ≠ total), else the indicators per member/period."""
    frame = with_labels(widget, data, lang)
    by_member = bool(data.breakdown) and widget.grain != "total"
    axes_data = replace(data, breakdown=None) if by_member else data  # periods on the axis, members in color
    if by_member:
        frame = frame[frame["indicator"] == next(iter(data.indicators))]
        frame = frame.assign(stack=frame["category"], category=short_period(frame, widget.grain, data),
                             stack_order=frame["order"])
        color = series_color("stack", t(f"widgets.{data.breakdown}", lang), theme,
                             alt.EncodingSortField(field="stack_order", op="min"))
    else:
        names = [info.name for info in data.indicators.values()]
        frame = frame.assign(stack=frame["name"], stack_order=frame["name"].map({n: i for i, n in enumerate(names)}))
        color = series_color("stack", None, theme, names)
    cols = ["category", "stack", "stack_order", "value", "text", "order" if axes_data.breakdown else "when"]
    tips = [alt.Tooltip("category:N", title=category_title(widget, axes_data, lang)),
            alt.Tooltip("stack:N", title=t(f"widgets.{data.breakdown}" if by_member else "widgets.indicator", lang)),
            alt.Tooltip("text:N", title=t("widgets.value", lang))]
    return alt.Chart(records(frame, cols), height=240).mark_bar().encode(
        **_bar_axes(widget, axes_data, lang, stacked=True), color=color, order=alt.Order("stack_order:Q"), tooltip=tips)


def table_frame(widget: Widget, data: WidgetData, lang: str) -> pd.DataFrame:
    """The table's cells: ``row, column, text, status`` in display order (also for an ``st.dataframe``)."""
    frame = with_labels(widget, data, lang)
    keys = ["order", "category"] if data.breakdown else ["when", "category"]
    rows = frame[keys].drop_duplicates().sort_values(keys[0], kind="stable")
    rows = rows.assign(row=range(1, len(rows) + 1))[["row", "category"]]
    cells = [rows.assign(column=t("widgets.rank", lang), text=rows["row"].astype(str), status=None),
             rows.assign(column=category_title(widget, data, lang), text=rows["category"], status=None)]
    for code, info in data.indicators.items():
        part = frame[frame["indicator"] == code][["category", "text", "status"]]
        cells.append(rows.merge(part, on="category", how="left").assign(column=info.name))
    out = pd.concat(cells, ignore_index=True)
    return out.assign(text=out["text"].fillna("—"), status=out["status"].where(out["status"].isin(STATUSES), "none"))[
        ["row", "column", "text", "status"]]


def build_table(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    cells = table_frame(widget, data, lang)
    columns = list(dict.fromkeys(cells["column"]))
    enc = dict(y=alt.Y("row:O", axis=None), x=alt.X("column:N", sort=columns, title=None, axis=alt.Axis(
        orient="top", labelAngle=0, domain=False, ticks=False, labelFontWeight="bold", labelColor=theme.text,
        labelLimit=140)))
    fill = alt.Color("status:N", legend=None, scale=alt.Scale(
        domain=[*STATUSES, "none"], range=[*(theme.tint[s] for s in STATUSES), theme.background]))
    rect = alt.Chart().mark_rect(stroke=theme.grid, strokeWidth=0.5).encode(**enc, color=fill)
    text = alt.Chart().mark_text(color=theme.text, fontSize=theme.label_size + 1).encode(**enc, text=alt.Text("text:N"))
    return alt.layer(rect, text, data=records(cells, ["row", "column", "text", "status"]),
                     width=alt.Step(96), height=alt.Step(theme.label_size * 2 + 4))


def build_heatmap(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    """Weekday × hour (every weekday, the hours from the first to the last with data) or member × day."""
    frame = with_labels(widget, data, lang)
    info = next(iter(data.indicators.values()))
    frame = frame[frame["indicator"] == info.code]
    color = alt.Color("value:Q", title=None, scale=alt.Scale(scheme=theme.heat),
                      legend=alt.Legend(format=value_format(info.unit, info.decimals), orient="right"))
    tips = [alt.Tooltip("text:N", title=info.name), alt.Tooltip("status_text:N", title=t("widgets.status", lang))]
    step = theme.label_size * 2 + 4
    if widget.options.heatmap == "weekday_hour":
        days = [t(f"widget_data.weekday.{i}", lang) for i in range(7)]
        hours = list(range(int(frame["hour"].min()), int(frame["hour"].max()) + 1))
        frame = frame.assign(day=frame["weekday"].map(dict(enumerate(days))).astype(object))
        x = alt.X("hour:O", title=t("widgets.hour", lang), scale=alt.Scale(domain=hours), axis=alt.Axis(labelAngle=0))
        y = alt.Y("day:O", title=None, scale=alt.Scale(domain=days))
        cols = ["hour", "day", "value", "text", "status_text"]
        tips = [alt.Tooltip("day:N", title=t("widgets.weekday", lang)), alt.Tooltip("hour:O", title=t("widgets.hour", lang)),
                *tips]
    else:
        one_month = (data.start.year, data.start.month) == (data.end.year, data.end.month)
        frame = frame.assign(day=pd.to_datetime(frame["when"]).dt.strftime("%d" if one_month else "%m-%d").astype(object))
        x = alt.X("day:O", title=t("widgets.date", lang), sort=alt.EncodingSortField(field="when", op="min"),
                  axis=alt.Axis(labelAngle=0 if one_month else -40))
        y = alt.Y("category:N", title=None, sort=alt.EncodingSortField(field="order", op="min"))
        cols = ["day", "when", "category", "order", "value", "text", "status_text"]
        tips = [alt.Tooltip("category:N", title=t(f"widgets.{data.breakdown}", lang)),
                alt.Tooltip("day:O", title=t("widgets.date", lang)), *tips]
    rows = frame["day" if widget.options.heatmap == "weekday_hour" else "category"].nunique()
    height = alt.Step(step) if rows * step <= MAX_HEAT_HEIGHT else MAX_HEAT_HEIGHT  # 300 agents: squeeze
    return alt.Chart(records(frame, cols), height=height).mark_rect(
        stroke=theme.background, strokeWidth=1).encode(x=x, y=y, color=color, tooltip=tips)


def gauge_bar(kpi, info, lang: str, theme: Theme, title=alt.Undefined) -> alt.LayerChart:
    """A progress bar of one value against its target: track, value bar, target tick, labels."""
    top = 1.0 if info.unit == "percent" else max(kpi.value or 0, kpi.target or 0) * 1.15 or 1.0
    row = {"value": kpi.value, "target": kpi.target, "top": top,
           "text": format_value(kpi.value, info.unit, info.decimals, lang),
           "target_text": t("widgets.target", lang, value=format_value(kpi.target, info.unit, info.decimals, lang))
           if kpi.target is not None else ""}
    x = alt.Scale(domain=[0, top], nice=False)
    size = theme.kpi_size
    band = dict(x2=alt.X2Datum(0), y=alt.YValue(size), y2=alt.Y2Value(size + 22))
    layers = [alt.Chart().mark_bar(color=theme.track, cornerRadius=3).encode(x=alt.X("top:Q", scale=x, axis=None), **band),
              alt.Chart().mark_bar(color=theme.status.get(kpi.status, theme.primary), cornerRadius=3).encode(
                  x=alt.X("value:Q", scale=x, axis=None), **band),
              alt.Chart().mark_text(align="left", baseline="middle", fontWeight="bold", fontSize=int(size * 0.8),
                                    color=theme.status.get(kpi.status, theme.text)).encode(
                  x=alt.XValue(0), y=alt.YValue(size * 0.45), text=alt.Text("text:N"))]
    if kpi.target is not None:
        layers += [alt.Chart().mark_rule(color=theme.text, strokeWidth=3).encode(
                       x=alt.X("target:Q", scale=x), y=alt.YValue(size - 6), y2=alt.Y2Value(size + 28)),
                   alt.Chart().mark_text(align="right", baseline="top", color=theme.muted, fontSize=theme.label_size + 1)
                   .encode(x=alt.X("target:Q", scale=x), y=alt.YValue(size + 32), text=alt.Text("target_text:N"))]
    return alt.layer(*layers, data=records(pd.DataFrame([row]), list(row)), width=300,
                     height=size + 32 + theme.label_size + 4, title=title)


def build_gauge(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    if len(data.kpis) == 1:
        return gauge_bar(data.kpis[0], data.indicators[data.kpis[0].indicator], lang, theme)
    return alt.vconcat(*(gauge_bar(k, data.indicators[k.indicator], lang, theme, data.indicators[k.indicator].name)
                         for k in data.kpis))


def build_donut(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    frame = with_labels(widget, data, lang)
    info = next(iter(data.indicators.values()))
    frame = frame[frame["indicator"] == info.code]
    total = frame["value"].clip(lower=0).sum()
    share = frame["value"].clip(lower=0) / total if total else frame["value"] * 0
    frame = frame.assign(share_text=share.map(lambda s: format_value(s, "percent", 1, lang)),
                         order=frame["order"] if "order" in frame else range(len(frame)))
    frame = frame.assign(legend=frame["category"] + "  " + frame["share_text"])
    arcs = alt.Chart(records(frame, ["category", "legend", "value", "text", "share_text", "order"])).mark_arc(
        innerRadius=55, outerRadius=95, stroke=theme.background).encode(
        theta=alt.Theta("value:Q", stack=True), order=alt.Order("order:Q"),
        color=alt.Color("legend:N", title=None, sort=alt.EncodingSortField(field="order", op="min"),
                        scale=alt.Scale(range=list(theme.palette)), legend=alt.Legend(orient="right", columns=1)),
        tooltip=[alt.Tooltip("category:N", title=category_title(widget, data, lang)),
                 alt.Tooltip("text:N", title=info.name), alt.Tooltip("share_text:N", title=t("widgets.share", lang))])
    layers = [arcs]
    if info.unit in ("count", "agents"):  # an additive total means something in the middle
        middle = pd.DataFrame({"text": [format_value(total, info.unit, info.decimals, lang)]})
        layers.append(alt.Chart(records(middle, ["text"])).mark_text(
            fontSize=theme.label_size + 9, fontWeight="bold", color=theme.text).encode(text=alt.Text("text:N")))
    return alt.layer(*layers, width=220, height=220)


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int = 56) -> list[str]:
    """Break a line at ``width`` display cells (a Chinese character is two)."""
    lines, line = [], ""
    for ch in text:
        if _cells(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def markdown_lines(markdown: str) -> list[tuple[str, bool]]:
    """Markdown as plain lines for a text mark: (text, is_heading); bullets become •, emphasis and links go."""
    out = []
    for raw in markdown.strip().splitlines():
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw.strip())
        line = re.sub(r"(\*\*|__|`)", "", line)
        heading = line.startswith("#")
        line = re.sub(r"^#+\s*", "", line)
        line = re.sub(r"^[-*+]\s+", "• ", line)
        out += [(part, heading) for part in wrap(line)]
    return out


def build_text(widget: Widget, data: WidgetData, lang: str, theme: Theme):
    lines = markdown_lines(widget.options.text.get(lang))
    if not lines:
        return message_chart("", theme, height=40)
    step = theme.label_size + 10
    rows = [{"text": text, "y": step * (i + 0.5), "color": theme.text,
             "size": theme.label_size + (5 if heading else 2), "heading": heading}
            for i, (text, heading) in enumerate(lines)]
    layers = [text_lines(part, weight) for part, weight in (([r for r in rows if r["heading"]], "bold"),
                                                            ([r for r in rows if not r["heading"]], "normal")) if part]
    return alt.layer(*layers, width=420, height=int(step * len(lines) + 4))


BUILDERS = {
    "kpi": build_kpi, "line": build_line, "area": build_area, "bar": build_bar, "stacked_bar": build_stacked_bar,
    "table": build_table, "heatmap": build_heatmap, "gauge": build_gauge, "donut": build_donut, "text": build_text,
}


def title_of(widget: Widget, data: WidgetData, lang: str) -> str:
    """The display name, else the first indicator's catalog name in the language (the model's rule)."""
    return widget.title.get(lang) or next((info.name for info in data.indicators.values()), "")


def has_data(widget: Widget, data: WidgetData) -> bool:
    if widget.kind == "text":
        return True
    if widget.kind in ("kpi", "gauge"):
        return bool(data.kpis)
    return bool(data.frame["value"].notna().any()) if "value" in data.frame else False


@functools.cache
def theme_config(name: str) -> alt.Config:
    """The theme as a Vega-Lite config (CJK font stack, colors, type sizes); made once, shared read-only."""
    theme = THEMES[name]
    return alt.Config(
        font=FONT, background=theme.background, view=alt.ViewConfig(stroke=None),
        title=alt.TitleConfig(color=theme.text, subtitleColor=theme.muted, fontSize=theme.title_size,
                              subtitleFontSize=theme.label_size, anchor="start", offset=8),
        axis=alt.AxisConfig(labelColor=theme.muted, titleColor=theme.muted, gridColor=theme.grid, domainColor=theme.grid,
                            tickColor=theme.grid, labelFontSize=theme.label_size, titleFontSize=theme.label_size,
                            titleFontWeight="normal"),
        legend=alt.LegendConfig(labelColor=theme.text, titleColor=theme.muted, labelFontSize=theme.label_size,
                                titleFontSize=theme.label_size, orient="bottom", columns=6, labelLimit=220),
        range=alt.RangeConfig(category=list(theme.palette)))


def build(widget: Widget, data: WidgetData, lang: str, theme: str = "light"):
    """The widget as a top-level Altair chart (``to_dict()`` is a complete Vega-Lite spec)."""
    look = THEMES[theme]
    if has_data(widget, data):
        chart = BUILDERS[widget.kind](widget, data, lang, look)
    else:
        chart = message_chart(t("widgets.no_data", lang), look)
    chart.title = chart_title(widget, data, lang)  # set in place: .properties() would deep-copy the data
    chart.config = theme_config(theme)
    return chart


def chart_title(widget: Widget, data: WidgetData, lang: str):
    """The title with the period as subtitle ("本月 · 2026-10-01 ~ 2026-10-31"). Several KPI cards or gauges without a display name
    carry their own names, so the period alone heads them; a note without a title has none."""
    period = period_text(data.start, data.end)
    if widget.period.kind != "custom":
        period = f"{period_name(widget.period.kind, lang)} · {period}"
    if widget.kind == "text":
        return alt.Title(widget.title.get(lang)) if widget.title.get(lang) else alt.Undefined
    if widget.kind in ("kpi", "gauge") and len(data.kpis) > 1 and not widget.title.get(lang):
        return alt.Title(period)
    return alt.Title(title_of(widget, data, lang) or " ", subtitle=period)


def spec_for(url: str, widget_json: str, anchor: str, lang: str, version: str = "", theme: str = "light") -> dict:
    """The widget's Vega-Lite spec from plain-text arguments (the key of :func:`cache_key` plus the theme):
    data from :func:`cached_widget_data`, then :func:`build`. Wrap it in ``st.cache_data`` (which hands out
    copies) and draw with ``st.vega_lite_chart``: a refresh with an unchanged store is then a lookup."""
    data = cached_widget_data(url, widget_json, anchor, lang, version)
    return build(Widget.model_validate_json(widget_json), data, lang, theme).to_dict()


@functools.lru_cache(maxsize=512)
def _spec_text(url: str, widget_json: str, anchor: str, lang: str, version: str, theme: str) -> str:
    return json.dumps(spec_for(url, widget_json, anchor, lang, version, theme), ensure_ascii=False)


def cached_spec(url: str, widget_json: str, anchor: str, lang: str, version: str = "", theme: str = "light") -> dict:
    """:func:`spec_for` through a process-wide LRU cache (CLI, bench); a fresh dict each call."""
    return json.loads(_spec_text(url, widget_json, anchor, lang, version, theme))
