"""The dashboard builder: tabs → widgets → indicators, with a live preview of each widget.

The document being edited lives in the session (``bld_doc``, a Dashboard) until "Save"; every edit
goes through :mod:`ccdash.dashboards.editing`, so the document is valid at every step. Widget editors
are keyed by widget id (``bld_<wid>_<field>``), which the AppTest tests drive.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from pydantic import ValidationError
from sqlalchemy import Engine

from ccdash.dashboards import editing
from ccdash.dashboards.documents import (
    delete_dashboard, export_dashboard, import_dashboard, list_dashboards, load_dashboard, save_dashboard,
)
from ccdash.dashboards.model import (
    Dashboard, Filters, Period, Text, Threshold, Widget, WidgetOptions,
)
from ccdash.dashboards.periods import anchor_day, period_name
from ccdash.dashboards.quickadd import parse_quick_add
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.indicators.custom import catalog_with_custom
from ccdash.indicators.format import indicator_label
from ccdash.ui import dashboards as viewer
from ccdash.ui.common import current_actor

MESSAGES = {
    "bld.title": {"zh": "看板设计", "en": "Dashboard builder"},
    "bld.pick": {"zh": "编辑看板", "en": "Edit dashboard"},
    "bld.new": {"zh": "新建", "en": "New"},
    "bld.new_title": {"zh": "新看板名称", "en": "New dashboard title"},
    "bld.duplicate": {"zh": "复制", "en": "Duplicate"},
    "bld.copy_of": {"zh": "{title}（副本）", "en": "{title} (copy)"},
    "bld.delete": {"zh": "删除", "en": "Delete"},
    "bld.delete_confirm": {"zh": "确定删除看板“{title}”？（保存过的版本仍保留在库中）",
                           "en": "Delete dashboard “{title}”? (Its saved versions stay in the store.)"},
    "bld.yes_delete": {"zh": "确认删除", "en": "Yes, delete"},
    "bld.save": {"zh": "保存", "en": "Save"},
    "bld.saved": {"zh": "已保存（第 {version} 版）", "en": "Saved (version {version})"},
    "bld.deleted": {"zh": "已删除", "en": "Deleted"},
    "bld.unsaved": {"zh": "有未保存的修改", "en": "Unsaved changes"},
    "bld.export": {"zh": "导出 YAML", "en": "Export YAML"},
    "bld.import": {"zh": "导入看板文件", "en": "Import a dashboard file"},
    "bld.imported": {"zh": "已导入“{title}”", "en": "Imported “{title}”"},
    "bld.dash_zh": {"zh": "看板名称（中文）", "en": "Title (Chinese)"},
    "bld.dash_en": {"zh": "看板名称（英文）", "en": "Title (English)"},
    "bld.settings": {"zh": "大屏设置", "en": "Wall-screen settings"},
    "bld.refresh": {"zh": "数据刷新（秒）", "en": "Data refresh (s)"},
    "bld.rotate": {"zh": "标签轮播（秒，0 为不轮播）", "en": "Tab rotation (s, 0 = off)"},
    "bld.stale": {"zh": "数据过期提醒（分钟）", "en": "Stale-data warning after (min)"},
    "bld.theme": {"zh": "主题", "en": "Theme"},
    "bld.tab": {"zh": "标签页", "en": "Tab"},
    "bld.tab_zh": {"zh": "标签名（中文）", "en": "Tab title (Chinese)"},
    "bld.tab_en": {"zh": "标签名（英文）", "en": "Tab title (English)"},
    "bld.add_tab": {"zh": "添加标签页", "en": "Add tab"},
    "bld.new_tab": {"zh": "新标签页", "en": "New tab"},
    "bld.tab_left": {"zh": "左移", "en": "Move left"},
    "bld.tab_right": {"zh": "右移", "en": "Move right"},
    "bld.remove_tab": {"zh": "删除标签页", "en": "Remove tab"},
    "bld.quick": {"zh": "一句话添加部件", "en": "Quick add"},
    "bld.quick_help": {"zh": "例如：接通率 按天 折线 本月；AHT by agent bar last 7 days",
                       "en": "e.g. 接通率 按天 折线 本月; AHT by agent bar last 7 days"},
    "bld.quick_add": {"zh": "添加", "en": "Add"},
    "bld.add_kind": {"zh": "或选择类型添加", "en": "Or add by kind"},
    "bld.added": {"zh": "已添加部件 {widget}", "en": "Added widget {widget}"},
    "bld.kind": {"zh": "类型", "en": "Kind"},
    "bld.choose": {"zh": "请选择", "en": "Choose"},
    "bld.indicators": {"zh": "指标（可输入中文或英文搜索）", "en": "Indicators (search in Chinese or English)"},
    "bld.name_zh": {"zh": "显示名称（中文）", "en": "Display name (Chinese)"},
    "bld.name_en": {"zh": "显示名称（英文）", "en": "Display name (English)"},
    "bld.period": {"zh": "时间段", "en": "Period"},
    "bld.start": {"zh": "开始", "en": "Start"},
    "bld.end": {"zh": "结束", "en": "End"},
    "bld.grain": {"zh": "粒度", "en": "Grain"},
    "bld.breakdown": {"zh": "分组", "en": "Breakdown"},
    "bld.none": {"zh": "（无）", "en": "(none)"},
    "bld.compare": {"zh": "对比", "en": "Compare"},
    "bld.sparkline": {"zh": "迷你趋势", "en": "Sparkline"},
    "bld.target_line": {"zh": "目标线", "en": "Target line"},
    "bld.sort": {"zh": "排序", "en": "Sort"},
    "bld.top_n": {"zh": "前 N 名（0 为全部）", "en": "Top N (0 = all)"},
    "bld.horizontal": {"zh": "横向", "en": "Horizontal"},
    "bld.heatmap": {"zh": "热力图", "en": "Heatmap"},
    "bld.color": {"zh": "颜色", "en": "Color"},
    "bld.text": {"zh": "文字（Markdown）", "en": "Text (Markdown)"},
    "bld.target": {"zh": "{name} 目标", "en": "{name} target"},
    "bld.warning": {"zh": "{name} 预警线", "en": "{name} warning"},
    "bld.critical": {"zh": "{name} 警戒线", "en": "{name} critical"},
    "bld.move": {"zh": "移动", "en": "Move"},
    "bld.remove": {"zh": "删除部件", "en": "Remove widget"},
    "bld.preview": {"zh": "预览", "en": "Preview"},
    "bld.invalid": {"zh": "这个设置不成立：{detail}", "en": "This setting does not work: {detail}"},
    "bld.empty_tab": {"zh": "这个标签页还没有部件：用上面的一句话添加或选择类型添加。",
                      "en": "This tab has no widgets yet: use quick add or add by kind above."},
}
register(MESSAGES)

KIND_NAMES = {
    "kpi": ("指标卡", "KPI card"), "line": ("折线图", "Line"), "area": ("面积图", "Area"), "bar": ("柱状图", "Bar"),
    "stacked_bar": ("堆叠柱状图", "Stacked bar"), "table": ("排名表", "Table / ranking"), "heatmap": ("热力图", "Heatmap"),
    "gauge": ("进度条", "Gauge"), "donut": ("环形图", "Donut"), "text": ("文字", "Text note"),
}
GRAIN_NAMES = {"interval": ("30分钟", "30 min"), "hour": ("小时", "Hour"), "day": ("天", "Day"), "week": ("周", "Week"),
               "month": ("月", "Month"), "total": ("合计", "Total")}
BREAKDOWN_NAMES = {"agent": ("坐席", "Agent"), "team": ("班组", "Team"), "queue": ("技能组", "Queue"),
                   "business_type": ("业务类型", "Business type")}
PERIOD_KINDS = ("today", "yesterday", "this_week", "last_7_days", "this_month", "last_month", "custom")
CUSTOM = {"zh": "自定义", "en": "Custom"}
DEFAULT_COLOR = "#1f77b4"
STARTER = {  # what "add by kind" puts in a new widget
    "kpi": dict(indicators=["answer_rate"], options=WidgetOptions(compare=["target", "previous"])),
    "line": dict(indicators=["service_level"], grain="interval", options=WidgetOptions(target_line=True)),
    "area": dict(indicators=["offered"], grain="day", period=Period(kind="this_month")),
    "bar": dict(indicators=["aht"], breakdown="agent", options=WidgetOptions(sort="desc", top_n=15)),
    "stacked_bar": dict(indicators=["answered", "abandoned"], grain="day", period=Period(kind="last_7_days")),
    "table": dict(indicators=["cph", "aht"], breakdown="agent", options=WidgetOptions(sort="desc")),
    "heatmap": dict(indicators=["offered"], period=Period(kind="this_month")),
    "gauge": dict(indicators=["service_level"]),
    "donut": dict(indicators=["offered"], breakdown="business_type"),
    "text": dict(options=WidgetOptions(text=Text(zh="**备注**", en="**Note**"))),
}


def _name(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _doc() -> Dashboard:
    return st.session_state["bld_doc"]


def _set_doc(doc: Dashboard, *, dirty: bool = True) -> None:
    st.session_state["bld_doc"] = doc
    st.session_state["bld_dirty"] = dirty


def _open(engine: Engine, dash_id: str) -> None:
    """Load a dashboard into the editor (dropping the widget editors' state of the previous one)."""
    for key in [k for k in st.session_state if k.startswith("bld_w") or k.startswith("bld_tab_")]:
        del st.session_state[key]
    doc = load_dashboard(engine, dash_id)
    summary = next((s for s in list_dashboards(engine) if s.id == doc.id), None)
    _set_doc(doc, dirty=False)
    st.session_state["bld_id"] = doc.id
    st.session_state["bld_base"] = summary.version if summary else 0


# ---- the top bar: pick, new, duplicate, delete, save, export, import ----

def top_bar(engine: Engine, lang: str) -> None:
    summaries = list_dashboards(engine)
    names = {s.id: s.title.get(lang) for s in summaries}
    wanted = st.query_params.get("dashboard")  # "Edit in the builder" on the viewer names its dashboard
    if "bld_doc" not in st.session_state or (wanted in names and wanted != st.session_state.get("bld_link")
                                             and not st.session_state.get("bld_dirty")):
        _open(engine, wanted or summaries[0].id)
    st.session_state["bld_link"] = wanted
    current = _doc().id
    ids = list(names) if current in names else [current, *names]
    names.setdefault(current, _doc().title.get(lang))
    if st.session_state.get("bld_pick") != current:
        st.session_state["bld_pick"] = current
    st.selectbox(t("bld.pick", lang), ids, format_func=names.get, key="bld_pick",
                 on_change=lambda: _open(engine, st.session_state["bld_pick"]))
    cols = st.columns(6)
    with cols[0].popover(t("bld.new", lang), icon=":material/add:"):
        title = st.text_input(t("bld.new_title", lang), key="bld_new_title")
        st.button(t("bld.new", lang), key="bld_new_go", disabled=not title.strip(),
                  on_click=lambda: _start(editing.new_dashboard(title.strip(), lang, taken=names)))
    cols[1].button(t("bld.duplicate", lang), key="bld_duplicate", icon=":material/content_copy:",
                   on_click=lambda: _start(_copy_of(_doc(), names)))
    if cols[2].button(t("bld.delete", lang), key="bld_delete", icon=":material/delete:"):
        confirm_delete(engine, lang)
    if cols[3].button(t("bld.save", lang), key="bld_save", type="primary", icon=":material/save:"):
        save(engine, lang)
    cols[4].download_button(t("bld.export", lang), data=export_dashboard(_doc()), file_name=f"{_doc().id}.yaml",
                            mime="application/x-yaml", key="bld_export", on_click="ignore", icon=":material/download:")
    with cols[5].popover(t("bld.import", lang), icon=":material/upload:"):
        upload = st.file_uploader(t("bld.import", lang), type=["yaml", "yml", "json"], key="bld_import_file")
        if upload is not None and st.button(t("bld.import", lang), key="bld_import_go"):
            try:
                summary = import_dashboard(engine, upload.getvalue(), upload.name, actor=current_actor())
                _open(engine, summary.id)
                st.toast(t("bld.imported", lang, title=summary.title.get(lang)))
                st.rerun()
            except CcdashError as exc:
                st.error(exc.message(lang))
    if st.session_state.get("bld_dirty"):
        st.caption(":orange[●] " + t("bld.unsaved", lang))


def _start(doc: Dashboard) -> None:
    """Edit a dashboard that is not saved yet (new or a copy)."""
    _set_doc(doc)
    st.session_state["bld_base"] = 0
    st.session_state.pop("bld_tab", None)


def _copy_of(doc: Dashboard, taken) -> Dashboard:
    title = Text(zh=t("bld.copy_of", "zh", title=doc.title.get("zh")), en=t("bld.copy_of", "en", title=doc.title.get("en")))
    new_id = doc.id + "_copy"
    return doc.model_copy(update={"id": editing.new_id(new_id + "_", taken) if new_id in taken else new_id, "title": title})


def save(engine: Engine, lang: str) -> None:
    try:
        summary = save_dashboard(engine, _doc(), actor=current_actor(), base_version=st.session_state.get("bld_base"))
    except CcdashError as exc:
        st.error(exc.message(lang), icon="🚫")
        return
    st.session_state["bld_base"] = summary.version
    st.session_state["bld_dirty"] = False
    st.toast(t("bld.saved", lang, version=summary.version))


@st.dialog(" ")
def confirm_delete(engine: Engine, lang: str) -> None:
    doc = _doc()
    st.write(t("bld.delete_confirm", lang, title=doc.title.get(lang)))
    if st.button(t("bld.yes_delete", lang), key="bld_delete_yes", type="primary"):
        try:
            delete_dashboard(engine, doc.id, actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang))
            return
        st.session_state.pop("bld_doc", None)
        st.toast(t("bld.deleted", lang))
        st.rerun()


# ---- dashboard settings and tabs ----

def settings(lang: str) -> None:
    doc = _doc()
    left, right = st.columns(2)
    zh = left.text_input(t("bld.dash_zh", lang), value=doc.title.zh, key=f"bld_title_zh_{doc.id}")
    en = right.text_input(t("bld.dash_en", lang), value=doc.title.en, key=f"bld_title_en_{doc.id}")
    with st.expander(t("bld.settings", lang)):
        c = st.columns(4)
        refresh = c[0].number_input(t("bld.refresh", lang), 10, 3600, doc.refresh_s, key=f"bld_refresh_{doc.id}")
        rotate = c[1].number_input(t("bld.rotate", lang), 0, 3600, doc.rotate_s, key=f"bld_rotate_{doc.id}")
        stale = c[2].number_input(t("bld.stale", lang), 1, 100_000, doc.stale_after_min, key=f"bld_stale_{doc.id}")
        theme = c[3].selectbox(t("bld.theme", lang), ["light", "dark"], index=["light", "dark"].index(doc.theme),
                               key=f"bld_theme_{doc.id}")
    changed = dict(title=Text(zh=zh, en=en), refresh_s=int(refresh), rotate_s=int(rotate),
                   stale_after_min=int(stale), theme=theme)
    if any(getattr(doc, k) != v for k, v in changed.items()):
        _set_doc(doc.model_copy(update=changed))


def tab_bar(lang: str) -> str:
    """The tab being edited (a segmented control) and the tab actions; returns its id."""
    doc = _doc()
    ids = [tab.id for tab in doc.tabs]
    titles = {tab.id: tab.title.get(lang) or tab.id for tab in doc.tabs}
    if st.session_state.get("bld_tab") not in ids:
        st.session_state["bld_tab"] = ids[0]
    tab_id = st.segmented_control(t("bld.tab", lang), ids, format_func=titles.get, key="bld_tab") or ids[0]
    tab = next(tb for tb in doc.tabs if tb.id == tab_id)
    c = st.columns([2, 2, 1, 1, 1, 1])
    zh = c[0].text_input(t("bld.tab_zh", lang), value=tab.title.zh, key=f"bld_tab_zh_{tab_id}")
    en = c[1].text_input(t("bld.tab_en", lang), value=tab.title.en, key=f"bld_tab_en_{tab_id}")
    if (zh, en) != (tab.title.zh, tab.title.en):
        _set_doc(editing.rename_tab(doc, tab_id, Text(zh=zh, en=en)))
    c[2].button(t("bld.add_tab", lang), key="bld_add_tab", icon=":material/add:", on_click=_add_tab)
    for col, step, label in ((c[3], -1, "bld.tab_left"), (c[4], 1, "bld.tab_right")):
        col.button(t(label, lang), key=f"bld_tab_move_{step}", on_click=lambda s=step: _edit(editing.move_tab, tab_id, s))
    c[5].button(t("bld.remove_tab", lang), key="bld_remove_tab", disabled=len(ids) == 1,
                on_click=lambda: _edit(editing.remove_tab, tab_id))
    return tab_id


def _edit(change, *args) -> None:
    """A button's edit of the document (runs before the page is drawn again)."""
    _set_doc(change(_doc(), *args))


def _add_tab() -> None:
    doc, new = editing.add_tab(_doc(), Text(zh=t("bld.new_tab", "zh"), en=t("bld.new_tab", "en")))
    _set_doc(doc)
    st.session_state["bld_tab"] = new


def add_bar(engine: Engine, tab_id: str, lang: str) -> None:
    left, mid, right = st.columns([4, 1, 2])
    text = left.text_input(t("bld.quick", lang), placeholder=t("bld.quick_help", lang), key="bld_quick")
    if mid.button(t("bld.quick_add", lang), key="bld_quick_go", disabled=not text.strip()):
        try:
            _add(tab_id, parse_quick_add(text, catalog_with_custom(engine), lang=lang), lang)
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🤔")
    right.selectbox(t("bld.add_kind", lang), [None, *KIND_NAMES], key="bld_add_kind", on_change=_add_kind, args=(tab_id, lang),
                    format_func=lambda k: "—" if k is None else _name(KIND_NAMES[k], lang))


def _add_kind(tab_id: str, lang: str) -> None:
    kind = st.session_state.get("bld_add_kind")
    if kind:
        st.session_state["bld_add_kind"] = None
        _add(tab_id, Widget(kind=kind, **STARTER[kind]), lang, rerun=False)


def _add(tab_id: str, widget: Widget, lang: str, *, rerun: bool = True) -> None:
    doc, wid = editing.add_widget(_doc(), tab_id, widget)
    _set_doc(doc)
    st.session_state["bld_open"] = wid
    st.toast(t("bld.added", lang, widget=wid))
    if rerun:
        st.rerun()


# ---- one widget's editor and preview ----

def _threshold_inputs(box, wid: str, code: str, widget: Widget, name: str, lang: str) -> Threshold | None:
    old = widget.thresholds.get(code, Threshold())
    c = box.columns(3)
    values = [c[i].number_input(t(f"bld.{part}", lang, name=name), value=getattr(old, part), format="%.4g",
                                key=f"bld_{wid}_{part}_{code}") for i, part in enumerate(("target", "warning", "critical"))]
    if all(v is None for v in values):
        return None
    return old.model_copy(update=dict(zip(("target", "warning", "critical"), values)))


def _filters(k: str, widget: Widget, values: dict[str, list[str]], lang: str) -> Filters:
    """The widget's own filters (team, queue, business type); values no longer in the store are kept."""
    c = st.columns(3)
    picked = {}
    for col, dim in zip(c, viewer.FILTER_DIMS):
        current = getattr(widget.filters, dim)
        picked[dim] = col.multiselect(t(f"dv.{dim}", lang), sorted({*values.get(dim, []), *current}), default=current,
                                      key=k + "filter_" + dim, placeholder=t("dv.all", lang))
    return Filters(**picked)


def widget_form(wid: str, widget: Widget, lang: str, anchor: dt.date, values: dict[str, list[str]],
                catalog) -> Widget | None:
    """The editors of one widget; the widget they describe, or None (with a message) when it cannot be."""
    codes = list(catalog.indicators)
    label = {c: indicator_label(catalog.indicators[c], lang, both=True) for c in codes}
    k = f"bld_{wid}_"
    c = st.columns(3)
    kind = c[0].selectbox(t("bld.kind", lang), list(KIND_NAMES), index=list(KIND_NAMES).index(widget.kind),
                          format_func=lambda x: _name(KIND_NAMES[x], lang), key=k + "kind")
    zh = c[1].text_input(t("bld.name_zh", lang), value=widget.title.zh, key=k + "name_zh")
    en = c[2].text_input(t("bld.name_en", lang), value=widget.title.en, key=k + "name_en")
    options = widget.options.model_dump()
    update: dict = {"kind": kind, "title": Text(zh=zh, en=en)}
    if kind == "text":
        options["text"] = {"zh": st.text_area(t("bld.text", lang), value=widget.options.text.zh, key=k + "text_zh"),
                           "en": widget.options.text.en}
    else:
        update["indicators"] = st.multiselect(t("bld.indicators", lang), codes, default=widget.indicators, placeholder=t("bld.choose", lang),
                                              format_func=label.get, key=k + "indicators")
        c = st.columns(4)
        pk = c[0].selectbox(t("bld.period", lang), PERIOD_KINDS, index=PERIOD_KINDS.index(widget.period.kind),
                            key=k + "period", format_func=lambda p: CUSTOM[lang] if p == "custom" else period_name(p, lang))
        period = {"kind": pk}
        if pk == "custom":
            period["start"] = c[0].date_input(t("bld.start", lang), value=widget.period.start or anchor.replace(day=1), key=k + "start")
            period["end"] = c[0].date_input(t("bld.end", lang), value=widget.period.end or anchor, key=k + "end")
        update["period"] = Period(**period)
        update["grain"] = c[1].selectbox(t("bld.grain", lang), list(GRAIN_NAMES), index=list(GRAIN_NAMES).index(widget.grain),
                                         format_func=lambda g: _name(GRAIN_NAMES[g], lang), key=k + "grain")
        breakdowns = [None, *BREAKDOWN_NAMES]
        update["breakdown"] = c[2].selectbox(t("bld.breakdown", lang), breakdowns, index=breakdowns.index(widget.breakdown),
                                             format_func=lambda b: t("bld.none", lang) if b is None else _name(BREAKDOWN_NAMES[b], lang),
                                             key=k + "breakdown")
        color = c[3].color_picker(t("bld.color", lang), value=widget.options.color or DEFAULT_COLOR, key=k + "color")
        options["color"] = color if (widget.options.color or color != DEFAULT_COLOR) else None
        options.update(_options(k, kind, widget, lang))
        update["filters"] = _filters(k, widget, values, lang)
        kept = {code: th for code, th in widget.thresholds.items() if code in update["indicators"][3:]}
        update["thresholds"] = kept | {code: th for code in update["indicators"][:3]
                                       if (th := _threshold_inputs(st, wid, code, widget, catalog.indicators[code].name.get(lang), lang))}
    try:
        return Widget.model_validate({**widget.model_dump(), **{n: (v.model_dump() if hasattr(v, "model_dump") else v)
                                                                 for n, v in update.items()}, "options": options})
    except ValidationError as exc:
        st.warning(t("bld.invalid", lang, detail="; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())))
        return None


def _options(k: str, kind: str, widget: Widget, lang: str) -> dict:
    o, out = widget.options, {}
    c = st.columns(4)
    if kind in ("kpi", "gauge"):
        compare_names = {"target": {"zh": "目标", "en": "Target"}, "previous": {"zh": "上期", "en": "Previous"}}
        out["compare"] = c[0].multiselect(t("bld.compare", lang), ["target", "previous"], default=o.compare, placeholder=t("bld.choose", lang),
                                          format_func=lambda x: compare_names[x][lang], key=k + "compare")
        out["sparkline"] = c[1].checkbox(t("bld.sparkline", lang), value=o.sparkline, key=k + "sparkline")
    if kind in ("line", "area", "bar", "stacked_bar"):
        out["target_line"] = c[2].checkbox(t("bld.target_line", lang), value=o.target_line, key=k + "target_line")
    if kind in ("bar", "stacked_bar", "table", "donut"):
        sorts = [None, "desc", "asc"]
        out["sort"] = c[0].selectbox(t("bld.sort", lang), sorts, index=sorts.index(o.sort), key=k + "sort",
                                     format_func=lambda s: {None: "—", "desc": "↓", "asc": "↑"}[s])
        top = c[1].number_input(t("bld.top_n", lang), 0, 500, o.top_n or 0, key=k + "top_n")
        out["top_n"] = int(top) or None
    if kind == "bar":
        out["horizontal"] = c[3].checkbox(t("bld.horizontal", lang), value=o.horizontal, key=k + "horizontal")
    if kind == "heatmap":
        modes = ["weekday_hour", "agent_day"]
        out["heatmap"] = c[0].selectbox(t("bld.heatmap", lang), modes, index=modes.index(o.heatmap), key=k + "heatmap",
                                        format_func=lambda m: {"weekday_hour": "星期 × 小时 / weekday × hour",
                                                               "agent_day": "坐席 × 日期 / agent × day"}[m])
    return out


def widget_panel(view: viewer.View, wid: str, catalog, values: dict[str, list[str]], anchor: dt.date) -> None:
    lang = view.lang
    doc = _doc()
    widget = doc.widgets[wid]
    names = [catalog.indicators[c].name.get(lang) if c in catalog.indicators else c for c in widget.indicators]
    title = widget.title.get(lang) or "、".join(names) or wid
    with st.expander(f"{wid} · {_name(KIND_NAMES[widget.kind], lang)} · {title}", expanded=st.session_state.get("bld_open") == wid):
        form, preview = st.columns([3, 2])
        with form:
            edited = widget_form(wid, widget, lang, anchor, values, catalog)
            moves = st.columns(5)
            for col, direction, icon in zip(moves, ("up", "down", "left", "right"), ("↑", "↓", "←", "→")):
                col.button(icon, key=f"bld_{wid}_move_{direction}", help=t("bld.move", lang),
                           on_click=lambda d=direction: _edit(editing.move_widget, wid, d))
            moves[4].button("🗑", key=f"bld_{wid}_remove", help=t("bld.remove", lang),
                            on_click=lambda: _edit(editing.remove_widget, wid))
        if edited is not None and edited != widget:
            _set_doc(editing.replace_widget(doc, wid, edited))
            st.session_state["bld_open"] = wid
            widget = edited
        with preview:
            st.caption(t("bld.preview", lang))
            viewer.draw_widget(st, view, wid, widget, view.data({wid: widget})[wid], "light", png=False)


def builder(engine: Engine, lang: str) -> None:
    st.title(t("bld.title", lang))
    top_bar(engine, lang)
    settings(lang)
    tab_id = tab_bar(lang)
    add_bar(engine, tab_id, lang)
    anchor = anchor_day(engine)
    tab = next(tb for tb in _doc().tabs if tb.id == tab_id)
    if not tab.rows:
        st.info(t("bld.empty_tab", lang))
    # read once per run, shared by every widget's editor and preview
    view, catalog, values = viewer.View(engine, anchor, lang), catalog_with_custom(engine), viewer.filter_values(engine)
    for row in tab.rows:
        for wid in row:
            widget_panel(view, wid, catalog, values, anchor)
