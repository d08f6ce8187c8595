"""The dashboard viewer and the wall screen (drawing only; documents, data and charts come from the library).

Viewer: pick a dashboard, the day the periods end on (the newest day with data by default), filters
that apply to every widget, and a tab; each widget shows its data-as-of time; "Download PNG" for the
tab and each widget, and a "copy summary" text of the tab's KPI values.

Wall screen (``?wall=1&token=T``, a link an administrator made for one dashboard): no menus, dark large type, the tab rotating every
``rotate_s`` seconds and the data re-read every ``refresh_s`` seconds inside a fragment — the page is
never reloaded — with a clock, the data-as-of time and a warning when the data is stale.
"""

from __future__ import annotations

import datetime as dt
import html
import time

import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import can
from ccdash.dashboards import data as wdata
from ccdash.dashboards.documents import list_dashboards, load_dashboard
from ccdash.dashboards.model import Dashboard, Filters, Period, Tab, Widget
from ccdash.dashboards.periods import anchor_day, period_name
from ccdash.dashboards.widgets import spec_for
from ccdash.dashboards.snapshot import header_lines, tab_image
from ccdash.dashboards.summary import tab_summary
from ccdash.i18n import register, t
from ccdash.store.info import dimension_values, last_import_time
from ccdash.ui.common import current_actor

MESSAGES = {
    "dv.title": {"zh": "看板", "en": "Dashboards"},
    "dv.pick": {"zh": "看板", "en": "Dashboard"},
    "dv.anchor": {"zh": "截至日期", "en": "Up to day"},
    "dv.anchor_help": {"zh": "各部件的时间段（今天、本月……）都以这一天为准；默认是数据中最新的一天。",
                       "en": "Every widget's period (today, this month, …) ends on this day; by default the newest day with data."},
    "dv.period": {"zh": "时间段", "en": "Period"},
    "dv.as_designed": {"zh": "按看板设置", "en": "As designed"},
    "dv.all": {"zh": "全部", "en": "All"},
    "dv.team": {"zh": "班组", "en": "Team"},
    "dv.queue": {"zh": "技能组", "en": "Queue"},
    "dv.business_type": {"zh": "业务类型", "en": "Business type"},
    "dv.tab": {"zh": "标签页", "en": "Tab"},
    "dv.as_of": {"zh": "数据截至 {as_of}", "en": "Data as of {as_of}"},
    "dv.no_data": {"zh": "暂无数据", "en": "No data yet"},
    "dv.png_tab": {"zh": "下载本页 PNG", "en": "Download PNG of this tab"},
    "dv.png_widget": {"zh": "PNG", "en": "PNG"},
    "dv.summary": {"zh": "复制摘要（可粘贴到微信）", "en": "Copy summary (paste into a chat)"},
    "dv.wall_link": {"zh": "大屏链接", "en": "Wall-screen link"},
    "dv.wall_help": {"zh": "大屏链接（无需登录、只读、只显示一个看板）由管理员在“用户与大屏链接”页生成、重新生成或撤销。",
                     "en": "Wall-screen links (no sign-in, read-only, one dashboard) are created, regenerated and revoked by an "
                           "administrator on the “Users and wall links” page."},
    "dv.edit": {"zh": "在设计器中编辑", "en": "Edit in the builder"},
    "dv.widget_error": {"zh": "部件“{widget}”无法显示：{detail}", "en": "Widget “{widget}” cannot be shown: {detail}"},
    "wall.imported": {"zh": "最近导入 {when}", "en": "last import {when}"},
    "wall.stale": {"zh": "⚠ 数据已超过 {minutes} 分钟未更新（最新数据 {as_of}）",
                   "en": "⚠ Data is more than {minutes} minutes old (newest data {as_of})"},
    "wall.empty": {"zh": "还没有数据：请先导入话单。", "en": "No data yet: import call records first."},
}
register(MESSAGES)

PERIODS = ("today", "yesterday", "this_week", "last_7_days", "this_month", "last_month")
FILTER_DIMS = ("team", "queue", "business_type")
WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer {display: none !important;}
.stApp {background: #0e1117; color: #e6e6e6;}
.block-container {padding: 0.6rem 1.2rem 0 1.2rem !important; max-width: 100% !important;}
.wall-bar {display: flex; justify-content: space-between; align-items: baseline; font-size: 1.6rem;}
.wall-bar .title {font-size: 2.2rem; font-weight: 700;}
.wall-stale {background: #b71c1c; color: #fff; padding: 0.3rem 0.8rem; font-size: 1.4rem; border-radius: 4px;}
</style>
"""


# ---- pure helpers (tested without a browser) ----

def with_view(widget: Widget, period: str | None, filters: Filters) -> Widget:
    """The widget as the viewer asks for it: the period replaced (unless it is custom) and the viewer's
    filters added to the widget's own (a widget filter already set is kept: it narrows further)."""
    update: dict = {}
    if period and widget.period.kind != "custom":
        update["period"] = Period(kind=period)
    merged = {dim: getattr(widget.filters, dim) or getattr(filters, dim) for dim in FILTER_DIMS}
    update["filters"] = Filters(**merged)
    return widget.model_copy(update=update)


def rotation_index(n_tabs: int, rotate_s: int, now: float) -> int:
    """Which tab the wall shows at ``now`` (seconds since the epoch): every screen agrees."""
    return int(now // rotate_s) % n_tabs if rotate_s and n_tabs else 0


def is_stale(as_of: str | None, minutes: int, now: dt.datetime) -> bool:
    if not as_of:
        return True
    return now - dt.datetime.fromisoformat(as_of.replace("T", " ")) > dt.timedelta(minutes=minutes)


def wall_url(token: str) -> str:
    """The relative address of a wall link (its token names the dashboard)."""
    return f"/?wall=1&token={token}"


# ---- data and charts ----

class View:
    """What every widget of one drawing shares: the store (URL and data version), the day, the language."""

    def __init__(self, engine: Engine, anchor: dt.date, lang: str) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.version = wdata.store_version(engine)
        self.anchor, self.lang = anchor.isoformat(), lang

    def data(self, widgets: dict[str, Widget]) -> dict[str, object]:
        """Every widget's data, from the process-wide cache the chart specs are built from too (keyed by widget,
        day, language and store version, so it is computed once); a widget that fails gets the error
        instead, so one broken widget never takes the tab down."""
        out: dict[str, object] = {}
        for wid, widget in widgets.items():
            try:
                out[wid] = wdata.cached_widget_data(self.url, widget.model_dump_json(), self.anchor, self.lang, self.version)
            except Exception as exc:  # noqa: BLE001 — shown in the widget's place
                out[wid] = exc
        return out

    def spec(self, widget: Widget, theme: str) -> dict:
        return _cached_spec(self.url, widget.model_dump_json(), self.anchor, self.lang, self.version, theme)


@st.cache_data(show_spinner=False, max_entries=2000, ttl=3600)
def _cached_spec(url: str, widget_json: str, anchor: str, lang: str, version: str, theme: str) -> dict:
    """The chart spec, so a refresh with an unchanged store draws without building the charts again."""
    return spec_for(url, widget_json, anchor, lang, version, theme)


def draw_widget(box, view: View, wid: str, widget: Widget, data, theme: str, *, png: bool, as_of: bool = True) -> None:
    lang = view.lang
    if isinstance(data, Exception):
        box.warning(t("dv.widget_error", lang, widget=widget.title.get(lang) or wid, detail=str(data)[:200]))
        return
    spec = view.spec(widget, theme)
    # The spec's height is the plot's, as in the PNG: Streamlit's default ("fit") would squeeze the title,
    # axes and a KPI card's text into it and clip them.
    box.vega_lite_chart({**spec, "autosize": {"type": "fit-x", "contains": "padding"}}, width="stretch", theme=None)
    if as_of and widget.kind != "text":
        box.caption(t("dv.as_of", lang, as_of=(data.as_of or "—")[:16]))
    if png:
        from ccdash.dashboards.png import chart_png
        box.download_button(t("dv.png_widget", lang), data=lambda s=spec: chart_png(s), file_name=f"{wid}.png",
                            mime="image/png", key=f"png_{wid}", icon=":material/image:")


def draw_tab(dash: Dashboard, tab: Tab, view: View, data: dict, theme: str, *, wall: bool = False) -> None:
    """The tab's rows of widgets; on the wall without download buttons or per-widget as-of lines (the
    wall bar shows the data-as-of time once, in type readable across the room)."""
    for row in tab.rows:
        cols = st.columns(len(row))
        for col, wid in zip(cols, row):
            draw_widget(col, view, wid, dash.widgets[wid], data.get(wid), theme, png=not wall, as_of=not wall)


# ---- the viewer page ----

def pick_dashboard(engine: Engine, lang: str) -> Dashboard:
    summaries = list_dashboards(engine)
    ids = [s.id for s in summaries]
    wanted = st.query_params.get("dashboard")
    if wanted and wanted not in ids:
        wanted = next((s.id for s in summaries if wanted in (s.title.zh, s.title.en)), None)
    names = {s.id: s.title.get(lang) for s in summaries}
    if "dv_dashboard" not in st.session_state or (wanted and wanted != st.session_state.get("dv_link")):
        st.session_state["dv_dashboard"] = wanted or ids[0]  # a link to another dashboard opens it, once
    st.session_state["dv_link"] = wanted
    chosen = st.sidebar.selectbox(t("dv.pick", lang), ids, format_func=names.get, key="dv_dashboard")
    return load_dashboard(engine, chosen)


def view_controls(engine: Engine, lang: str) -> tuple[dt.date, str | None, Filters]:
    newest = anchor_day(engine)
    anchor = st.sidebar.date_input(t("dv.anchor", lang), value=newest, help=t("dv.anchor_help", lang), key="dv_anchor")
    choices = [None, *PERIODS]
    period = st.sidebar.selectbox(t("dv.period", lang), choices, key="dv_period",
                                  format_func=lambda p: t("dv.as_designed", lang) if p is None else period_name(p, lang))
    picked = {}
    for dim, values in filter_values(engine).items():
        picked[dim] = st.sidebar.multiselect(t(f"dv.{dim}", lang), values, key=f"dv_f_{dim}", placeholder=t("dv.all", lang))
    return anchor, period, Filters(**picked)


def filter_values(engine: Engine) -> dict[str, list[str]]:
    """The teams, queues and business types in the store (cached until the store changes)."""
    url, version = engine.url.render_as_string(hide_password=False), wdata.store_version(engine)
    return {dim: _values(url, dim, version) for dim in FILTER_DIMS}


@st.cache_data(show_spinner=False, max_entries=64)
def _values(url: str, dim: str, version: str) -> list[str]:  # version: part of the cache key
    return dimension_values(wdata.engine_for(url), dim)


def viewer(engine: Engine, lang: str) -> None:
    dash = pick_dashboard(engine, lang)
    anchor, period, filters = view_controls(engine, lang)
    st.title(dash.title.get(lang))
    if dash.description.get(lang):
        st.caption(dash.description.get(lang))
    titles = {tab.id: tab.title.get(lang) for tab in dash.tabs}
    tab_id = st.segmented_control(t("dv.tab", lang), list(titles), format_func=titles.get, default=dash.tabs[0].id,
                                  key=f"dv_tab_{dash.id}", label_visibility="collapsed") or dash.tabs[0].id
    tab = next(tb for tb in dash.tabs if tb.id == tab_id)
    widgets = {w: with_view(dash.widgets[w], period, filters) for w in tab.widget_ids()}
    shown = dash.model_copy(update={"widgets": {**dash.widgets, **widgets}})
    view = View(engine, anchor, lang)
    data = view.data(widgets)
    draw_tab(shown, tab, view, data, "light")
    edit_link(dash, lang)
    left, mid, right = st.columns([1, 1, 2])
    chosen = [v for dim in FILTER_DIMS for v in getattr(filters, dim)]
    lines = header_lines(anchor, chosen, wdata.data_as_of(engine), lang)
    left.download_button(t("dv.png_tab", lang), data=lambda: tab_image(shown, tab, data, lang, lines),
                         file_name=f"{dash.id}_{tab.id}_{anchor}.png", mime="image/png", key="png_tab",
                         icon=":material/photo_camera:", type="primary")
    with mid.popover(t("dv.wall_link", lang), icon=":material/tv:"):
        st.caption(t("dv.wall_help", lang))
    with right.expander(t("dv.summary", lang)):
        st.code(tab_summary(shown, tab, data, lang), language=None)


def edit_link(dash: Dashboard, lang: str) -> None:
    """"Edit in the builder" (it opens this dashboard there) — only for a role that may edit dashboards."""
    if can(current_actor(), "dashboards.edit"):
        st.sidebar.page_link("pages/builder.py", label=t("dv.edit", lang), icon=":material/edit:",
                             query_params={"dashboard": dash.id})


# ---- the wall screen ----

def wall(engine: Engine, lang: str, dashboard_id: str | None, still_valid=None) -> None:
    """The wall screen of ``dashboard_id`` — the one its wall link's token names (the ``dashboard`` in the
    address is ignored, so a link cannot be turned into another dashboard's). ``still_valid()`` is asked on
    every refresh: a regenerated or revoked link reruns the whole app, whose gate then shows why."""
    st.html(WALL_CSS)
    if not dashboard_id:
        return
    dash = load_dashboard(engine, dashboard_id)
    tick = min(x for x in (dash.rotate_s, dash.refresh_s) if x) if (dash.rotate_s or dash.refresh_s) else 60

    @st.fragment(run_every=tick)
    def body() -> None:
        if still_valid is not None and not still_valid():
            st.rerun()  # the whole app, not only this fragment
        now = time.time()
        tab = dash.tabs[rotation_index(len(dash.tabs), dash.rotate_s, now)]
        view = View(engine, anchor_day(engine), lang)
        data = view.data({w: dash.widgets[w] for w in tab.widget_ids()})
        as_of = wdata.data_as_of(engine)
        clock = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        title = html.escape(f"{dash.title.get(lang)} · {tab.title.get(lang)}")
        imported = t("wall.imported", lang, when=(last_import_time(engine) or "—")[:16])
        st.html(f'<div class="wall-bar"><span class="title">{title}</span>'
                f'<span>{html.escape(t("dv.as_of", lang, as_of=(as_of or "—")[:16]))} · {html.escape(imported)}</span>'
                f'<span>{clock}</span></div>')
        warning = (t("wall.empty", lang) if as_of is None else
                   t("wall.stale", lang, minutes=dash.stale_after_min, as_of=as_of[:16])
                   if is_stale(as_of, dash.stale_after_min, dt.datetime.now()) else None)
        if warning:
            st.html(f'<div class="wall-stale" data-testid="wall-stale">{html.escape(warning)}</div>')
        draw_tab(dash, tab, view, data, "dark", wall=True)

    body()
