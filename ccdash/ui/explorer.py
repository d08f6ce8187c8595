"""The Explorer page's pieces: the controls (synced with the URL), the pivot table, the chart, exports, link.

The numbers, the pivot, the exports and the URL format are the library's (:mod:`ccdash.explorer`); this
module only gathers the choices into a :class:`~ccdash.explorer.View` and draws.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash import explorer as ex
from ccdash.findings import Finding
from ccdash.i18n import register, t
from ccdash.indicators.catalog import Catalog, default_params
from ccdash.indicators.compute import BREAKDOWNS, GRAINS, query
from ccdash.indicators.format import format_series, format_value, indicator_label
from ccdash.reports_io import STATUS_FILLS
from ccdash.store.info import agent_names, data_date_range, default_period, dimension_values
from ccdash.ui.common import XLSX_MIME
from ccdash.ui.indicators import _option_text  # a parameter choice as text (the Indicators page's own)

MESSAGES = {
    "nav.explorer": {"zh": "数据探索", "en": "Explorer"},
    "exp.title": {"zh": "数据探索", "en": "Explorer"},
    "exp.intro": {
        "zh": "任意指标、任意维度：选择指标、期间、粒度和分组，再决定行和列。每个单元格都是该期间、该分组的"
              "合计比率（分子之和 ÷ 分母之和），不是平均值。",
        "en": "Any indicator, any way: pick indicators, a period, a grain and breakdowns, then what goes on the rows "
              "and on the columns. Every cell is a ratio of sums for its period and group, never an average.",
    },
    "exp.pick": {"zh": "指标（可按中文或英文名称搜索；✎ = 自定义）", "en": "Indicators (search by Chinese or English name; ✎ = custom)"},
    "exp.period": {"zh": "日期范围", "en": "Period"},
    "exp.grain": {"zh": "粒度", "en": "Grain"},
    "exp.by": {"zh": "分组（最多两个）", "en": "Breakdowns (up to two)"},
    "exp.more": {"zh": "筛选与参数", "en": "Filters and parameters"},
    "exp.filter.team": {"zh": "班组", "en": "Teams"},
    "exp.filter.queue": {"zh": "技能组", "en": "Queues"},
    "exp.filter.btype": {"zh": "业务类型", "en": "Business types"},
    "exp.all": {"zh": "全部", "en": "All"},
    "exp.rows": {"zh": "行", "en": "Rows"},
    "exp.cols": {"zh": "列", "en": "Columns"},
    "exp.sort": {"zh": "排序依据", "en": "Sort by"},
    "exp.sort_none": {"zh": "（默认顺序）", "en": "(default order)"},
    "exp.desc": {"zh": "降序", "en": "Descending"},
    "exp.sort_gone": {"zh": "链接中的排序列 {column} 不在表中，已忽略", "en": "Ignored the link's sort column {column}: "
                      "not in the table"},
    "exp.no_data": {"zh": "数据库中还没有话务数据，请先上传。", "en": "The store has no call data yet: upload some first."},
    "exp.pick_one": {"zh": "请至少选择一个指标。", "en": "Pick at least one indicator."},
    "exp.pick_dates": {"zh": "请选择开始和结束日期。", "en": "Pick a start and an end date."},
    "exp.empty": {"zh": "所选范围内没有数据。", "en": "No data in the chosen range."},
    "exp.size": {"zh": "{rows} 行 × {cols} 列", "en": "{rows} rows × {cols} columns"},
    "exp.plain": {"zh": "表格较大，未着色。", "en": "A large table: shown without colors."},
    "exp.table": {"zh": "透视表", "en": "Pivot table"},
    "exp.chart": {"zh": "图表", "en": "Chart"},
    "exp.chart_ind": {"zh": "图表指标", "en": "Chart indicator"},
    "exp.bar_note": {"zh": "{start} 至 {end} 合计", "en": "Total {start} to {end}"},
    "exp.xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "exp.csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "exp.link": {"zh": "分享链接（打开即可重现当前视图）", "en": "Shareable link (opens this view)"},
    "exp.legend": {"zh": "颜色：绿 = 达到目标，黄 = 略差于目标（5% 以内），红 = 未达目标。",
                   "en": "Colors: green = on target, amber = slightly worse (within 5 %), red = off target."},
}
register(MESSAGES)

FILTER_KEYS = {"team": "exp_team", "queue": "exp_queue", "business_type": "exp_btype"}
STYLE_LIMIT = 60_000  # cells; a bigger table is shown as text without colors (the Styler is slow)


def _css(status) -> str:
    if status not in STATUS_FILLS:
        return ""
    fill, color = STATUS_FILLS[status]
    return f"background-color: #{fill}; color: #{color}"


def _apply(view: ex.View, catalog: Catalog) -> None:
    """Put a view into the widgets' state (before they are drawn)."""
    ss = st.session_state
    ss["exp_ind"], ss["exp_period"], ss["exp_grain"] = list(view.indicators), (view.start, view.end), view.grain
    ss["exp_by"] = list(view.by)
    for column, key in FILTER_KEYS.items():
        ss[key] = list(view.filters.get(column, ()))
    for name, p in catalog.parameters.items():
        ss[f"exp_param_{name}"] = view.params.get(name, p.default)
    ss["exp_rows"], ss["exp_cols"] = list(view.rows), list(view.cols)
    ss["exp_layout"] = (list(view.rows), list(view.cols))
    ss["exp_sort"], ss["exp_desc"] = view.sort or "", view.desc


def _layout() -> None:
    """Rows and columns made consistent before drawing: the latest placement of a dimension wins."""
    ss = st.session_state
    rows, cols = list(ss.get("exp_rows", [])), list(ss.get("exp_cols", []))
    _prev_rows, prev_cols = ss.get("exp_layout", (rows, cols))
    for d in set(rows) & set(cols):
        (rows.remove(d) if d in cols and d not in prev_cols else cols.remove(d))
    by = tuple(ss.get("exp_by", []))[: ex.MAX_BY]
    view = ex.normalize(ex.View((), dt.date.min, dt.date.min, ss.get("exp_grain", "day"), by, rows=tuple(rows),
                                cols=tuple(cols)))
    ss["exp_rows"], ss["exp_cols"] = list(view.rows), list(view.cols)
    ss["exp_layout"] = (list(view.rows), list(view.cols))


def controls(engine: Engine, catalog: Catalog, lang: str) -> tuple[ex.View | None, list[Finding]]:
    """The pickers, filled from the URL when it names a view not yet applied; None until usable."""
    ss = st.session_state
    span = data_date_range(engine)
    if span is None:
        st.info(t("exp.no_data", lang))
        return None, []
    default = ex.default_view(catalog, *default_period(*span))
    known = {c: dimension_values(engine, c) for c in FILTER_KEYS}
    url, problems = st.query_params.to_dict(), []
    if url and url != ss.get("exp_synced"):
        view, problems = ex.params_to_view(url, catalog, default, span=span, known=known)
        _apply(view, catalog)
        ss["exp_from_url"] = True
    elif "exp_ind" not in ss or "exp_period" not in ss:
        _apply(default, catalog)
    ss["exp_ind"] = [c for c in ss.get("exp_ind", []) if c in catalog.indicators]
    period = ss.get("exp_period")
    if not period or len(period) != 2 or any(d < span[0] or d > span[1] for d in period):
        ss["exp_period"] = (default.start, default.end)
    _layout()

    codes = st.multiselect(t("exp.pick", lang), list(catalog.indicators), key="exp_ind",
                           format_func=lambda c: indicator_label(catalog.indicators[c], lang, both=True))
    c1, c2, c3 = st.columns([2, 1, 2])
    dates = c1.date_input(t("exp.period", lang), min_value=span[0], max_value=span[1], key="exp_period")
    grain = c2.selectbox(t("exp.grain", lang), GRAINS, format_func=lambda g: t(f"grain.{g}", lang), key="exp_grain")
    by = c3.multiselect(t("exp.by", lang), list(BREAKDOWNS), format_func=lambda b: t(f"by.{b}", lang),
                        key="exp_by", max_selections=ex.MAX_BY)
    with st.expander(t("exp.more", lang)):
        fcols = st.columns(3)
        filters = {}
        for col, (column, key) in zip(fcols, FILTER_KEYS.items()):
            ss[key] = [v for v in ss.get(key, []) if v in known[column]]
            filters[column] = tuple(col.multiselect(t(f"exp.filter.{key[4:]}", lang), known[column], key=key,
                                                    placeholder=t("exp.all", lang)))
        pcols = st.columns(max(1, len(catalog.parameters)))
        params = {}
        for col, (name, p) in zip(pcols, catalog.parameters.items()):
            ss.setdefault(f"exp_param_{name}", p.default)
            value = col.selectbox(p.label.get(lang), list(p.choices), key=f"exp_param_{name}",
                                  format_func=lambda v, n=name: _option_text(n, v, lang))
            if value != default_params(catalog)[name]:
                params[name] = value
    dims = ex.dimensions(ex.View((), dt.date.min, dt.date.min, grain, tuple(by)))
    r1, r2 = st.columns(2)
    dim_text = lambda d: t(f"explorer.{d}", lang) if d in ("period", "indicator") else t(f"by.{d}", lang)  # noqa: E731
    rows = r1.multiselect(t("exp.rows", lang), dims, key="exp_rows", format_func=dim_text)
    cols = r2.multiselect(t("exp.cols", lang), dims, key="exp_cols", format_func=dim_text)
    if not codes:
        st.info(t("exp.pick_one", lang))
        return None, problems
    if not isinstance(dates, (tuple, list)) or len(dates) != 2:
        st.info(t("exp.pick_dates", lang))
        return None, problems
    view = ex.View(tuple(codes), dates[0], dates[1], grain, tuple(by), filters, params, tuple(rows), tuple(cols),
                   ss.get("exp_sort") or None, bool(ss.get("exp_desc")))
    return ex.normalize(view), problems


def load(engine: Engine, view: ex.View, catalog: Catalog) -> tuple[pd.DataFrame, dict[str, str]]:
    """The view's query result (tidy) and the agents' names when agents are a breakdown."""
    filters = {k: list(v) for k, v in view.filters.items()}
    tidy = query(engine, list(view.indicators), view.start, view.end, view.grain, list(view.by), filters=filters,
                 params=view.params, catalog=catalog)
    return tidy, (agent_names(engine) if "agent" in view.by else {})


def sort_controls(view: ex.View, p: ex.Pivot, lang: str) -> ex.View:
    """Sort column and order (the choices are the pivot's columns); a sort column not in the table is dropped."""
    ss = st.session_state
    options = ["", *p.values.columns]
    if ss.get("exp_sort") and ss["exp_sort"] not in options:
        if ss.get("exp_from_url"):
            st.caption(t("exp.sort_gone", lang, column=ss["exp_sort"]))
        ss["exp_sort"] = ""
    s1, s2 = st.columns([3, 1])
    column = s1.selectbox(t("exp.sort", lang), options, key="exp_sort",
                          format_func=lambda c: p.labels.get(c, c) if c else t("exp.sort_none", lang))
    desc = s2.toggle(t("exp.desc", lang), key="exp_desc")
    ss["exp_from_url"] = False
    return replace(view, sort=column or None, desc=bool(desc))


def draw_table(p: ex.Pivot, catalog: Catalog, lang: str) -> None:
    """The pivot with numbers underneath (so the grid sorts them as numbers), each cell shown as the catalog
    formats its indicator, colored by status."""
    shown = p.values.rename(columns=p.labels)
    st.caption(t("exp.size", lang, rows=len(shown), cols=len(p.value_columns)))
    if shown.size > STYLE_LIMIT:
        st.caption(t("exp.plain", lang))
        st.dataframe(p.shown(), hide_index=True)
        return
    labels = [p.labels[c] for c in p.value_columns]
    cells = p.indicator.rename(columns=p.labels)[labels]
    styler = shown.style
    for code in dict.fromkeys(cells.to_numpy().ravel()):
        ind = catalog.indicators[code]
        mask = cells == code  # a rectangle: the indicator is fixed per row or per column
        subset = (list(shown.index[mask.any(axis=1)]), [c for c in labels if mask[c].any()])
        styler = styler.format(lambda v, i=ind: format_value(v, i.unit, i.decimals, lang), subset=subset, na_rep="—")
    css = p.status.rename(columns=p.labels).map(_css)
    st.dataframe(styler.apply(lambda _frame: css, axis=None), hide_index=True)
    st.caption(t("exp.legend", lang))


def draw_chart(view: ex.View, tidy: pd.DataFrame, catalog: Catalog, names: dict, lang: str) -> None:
    """A line over time for a time grain, else bars by breakdown, for one indicator of the view."""
    codes = list(view.indicators)
    code = st.selectbox(t("exp.chart_ind", lang), codes, key="exp_chart_ind",
                        format_func=lambda c: catalog.indicators[c].name.get(lang)) if len(codes) > 1 else codes[0]
    ind = catalog.indicators[code]
    data = tidy[tidy["indicator"] == code].dropna(subset=["value"]).copy()
    if data.empty:
        return
    parts = [data[b].astype("string").fillna("").map(lambda v, b=b: ex.member_text(b, v, catalog, names, lang))
             for b in view.by]
    data["series"] = parts[0].str.cat(parts[1:], sep=" · ") if parts else ind.name.get(lang)
    data["text"] = format_series(data["value"], ind.unit, ind.decimals, lang)
    axis = alt.Axis(format=".0%" if ind.unit == "percent" else ",.4~g", title=ind.name.get(lang))
    tip = [alt.Tooltip("series:N", title=" "), alt.Tooltip("period:N", title=t("explorer.period", lang)),
           alt.Tooltip("text:N", title=ind.name.get(lang))]
    if view.grain in ex.TIME_GRAINS:
        text = data["period"].astype(str)
        data["when"] = pd.to_datetime(text + "-01" if view.grain == "month" else text, errors="coerce")
        chart = alt.Chart(data).mark_line(point=data["period"].nunique() <= 62).encode(
            x=alt.X("when:T", title=None), y=alt.Y("value:Q", axis=axis, scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom") if view.by else None),
            tooltip=tip)
        st.altair_chart(chart, height=320)
    else:
        st.caption(t("exp.bar_note", lang, start=view.start, end=view.end))
        chart = alt.Chart(data).mark_bar().encode(
            y=alt.Y("series:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)), x=alt.X("value:Q", axis=axis),
            tooltip=tip)
        st.altair_chart(chart, height=max(120, 26 * len(data)))


def downloads(view: ex.View, p: ex.Pivot, catalog: Catalog, lang: str) -> None:
    base = ex.file_base(view)
    left, right, _rest = st.columns([1, 1, 3])
    left.download_button(t("exp.xlsx", lang), ex.xlsx_bytes(p, catalog, view, lang), file_name=f"{base}.xlsx",
                         mime=XLSX_MIME, key="exp_xlsx", on_click="ignore", icon="⬇️", help=f"{base}.xlsx")
    right.download_button(t("exp.csv", lang), ex.csv_bytes(p, catalog, lang), file_name=f"{base}.csv",
                          mime="text/csv", key="exp_csv", on_click="ignore", icon="⬇️", help=f"{base}.csv")


def share(view: ex.View, lang: str) -> None:
    """Write the view into the address bar and show the link."""
    params = ex.view_to_params(view)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state["exp_synced"] = params
    base = st.context.url or "explorer"
    st.caption(t("exp.link", lang))
    st.code(f"{base}?{urlencode(params)}", language=None)
