"""Alerts and targets (drawing only; the alerts, their drivers and the targets are the library's).

Alerts: the indicators off target for the latest day / week / month, worst first, each with the breakdown
members that contribute most to the gap (contribution to the deviation, explained on the page).
Targets: set a target and warning/critical bands per indicator, for the center or one team or queue (with
``targets.edit``; every other role sees the targets read-only).
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.alerts import alerts
from ccdash.auth.roles import can
from ccdash.dashboards.periods import anchor_day
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.indicators.custom import catalog_with_custom
from ccdash.indicators.format import format_delta, format_value
from ccdash.indicators.targets import delete_target, list_targets, set_target
from ccdash.ui.common import current_actor
from ccdash.ui.dashboards import filter_values

MESSAGES = {
    "al.title": {"zh": "预警", "en": "Alerts"},
    "al.grain": {"zh": "统计期", "en": "Period"},
    "al.day": {"zh": "日", "en": "Day"}, "al.week": {"zh": "本周至今", "en": "Week to date"},
    "al.month": {"zh": "本月至今", "en": "Month to date"},
    "al.anchor": {"zh": "截至日期", "en": "Up to day"},
    "al.method": {
        "zh": "**怎么找原因**：对比率指标 R = ΣN ÷ ΣD（目标 T），每个成员 i（技能组、班组、坐席、业务类型、半小时）的贡献是 "
              "(Nᵢ − T·Dᵢ) ÷ ΣD，所有成员的贡献加起来正好等于 R − T。所以话务量小、比率很差的坐席贡献小，"
              "话务量大、只差一点的技能组贡献大——排在前面的才是真正拖累整体的地方。",
        "en": "**How the causes are found**: for a ratio R = ΣN ÷ ΣD with target T, each member i (queue, team, agent, "
              "business type, half-hour) contributes (Nᵢ − T·Dᵢ) ÷ ΣD, and the contributions add up exactly to R − T. "
              "So a low-volume agent with a bad rate contributes little, a big queue slightly below target a lot — "
              "the first rows are what really pulls the total down.",
    },
    "al.none": {"zh": "{start} ~ {end} 所有指标都在目标范围内。", "en": "Every indicator is within target for {start} ~ {end}."},
    "al.header": {"zh": "{name}：{value}（目标 {target}，差 {gap}）", "en": "{name}: {value} (target {target}, gap {gap})"},
    "al.period": {"zh": "统计期 {start} ~ {end}，共 {n} 项未达标", "en": "{start} ~ {end}: {n} indicators off target"},
    "al.no_drivers": {"zh": "这个指标无法按成员拆分原因。", "en": "This indicator cannot be split into contributions."},
    "al.col_dim": {"zh": "维度", "en": "Breakdown"}, "al.col_member": {"zh": "成员", "en": "Member"},
    "al.col_value": {"zh": "值", "en": "Value"}, "al.col_volume": {"zh": "量占比", "en": "Volume share"},
    "al.col_contrib": {"zh": "对差距的贡献", "en": "Contribution to the gap"},
    "al.col_share": {"zh": "占差距", "en": "Share of gap"},
    "tg.title": {"zh": "目标设置", "en": "Targets"},
    "tg.indicator": {"zh": "指标", "en": "Indicator"},
    "tg.scope": {"zh": "范围", "en": "Scope"},
    "tg.all": {"zh": "全中心", "en": "Whole center"}, "tg.team": {"zh": "班组", "en": "Team"},
    "tg.queue": {"zh": "技能组", "en": "Queue"},
    "tg.which": {"zh": "哪一个", "en": "Which one"},
    "tg.target": {"zh": "目标（百分比写 0.9）", "en": "Target (a percentage as 0.9)"},
    "tg.warning": {"zh": "预警线（可空）", "en": "Warning (optional)"},
    "tg.critical": {"zh": "警戒线（可空）", "en": "Critical (optional)"},
    "tg.direction": {"zh": "方向", "en": "Direction"},
    "tg.catalog_dir": {"zh": "按指标定义", "en": "As the indicator defines"},
    "tg.higher": {"zh": "越高越好", "en": "Higher is better"}, "tg.lower": {"zh": "越低越好", "en": "Lower is better"},
    "tg.save": {"zh": "保存目标", "en": "Save target"},
    "tg.saved": {"zh": "已保存", "en": "Saved"},
    "tg.delete": {"zh": "删除所选目标", "en": "Delete the selected target"},
    "tg.none": {"zh": "还没有设置目标：使用指标定义中的默认目标。", "en": "No targets set: the indicators' default targets apply."},
}
register(MESSAGES)
GRAINS = ("day", "week", "month")


@st.cache_data(show_spinner=False, ttl=600, max_entries=32)
def _alerts(url: str, grain: str, anchor: str, lang: str, version: str):  # version: part of the cache key
    from ccdash.dashboards.data import engine_for
    return alerts(engine_for(url), grain, dt.date.fromisoformat(anchor), lang=lang)


def drivers_table(alert, lang: str) -> pd.DataFrame:
    top = alert.top_drivers(5)
    return pd.DataFrame({
        t("al.col_dim", lang): top["dimension_name"], t("al.col_member", lang): top["label"],
        t("al.col_value", lang): [format_value(v, alert.unit, alert.decimals, lang) for v in top["value"]],
        t("al.col_volume", lang): [format_value(v, "percent", 1, lang) for v in top["volume_share"]],
        t("al.col_contrib", lang): [format_delta(v, alert.unit, alert.decimals + 1, lang) for v in top["contribution"]],
        t("al.col_share", lang): [format_value(v, "percent", 0, lang) for v in top["share_of_gap"]],
    })


def draw_alert(alert, lang: str, first: bool) -> None:
    fmt = lambda v: format_value(v, alert.unit, alert.decimals, lang)  # noqa: E731
    icon = "🔴" if alert.status == "critical" else "🟠"
    head = t("al.header", lang, name=alert.name, value=fmt(alert.value), target=fmt(alert.target),
             gap=format_delta(alert.gap, alert.unit, alert.decimals, lang))
    with st.expander(f"{icon} {head}", expanded=first):
        if alert.method == "none" or alert.drivers.empty:
            st.caption(t("al.no_drivers", lang))
            return
        table = drivers_table(alert, lang)
        left, right = st.columns([3, 2])
        left.dataframe(table, hide_index=True, width="stretch")
        top = alert.top_drivers(5)
        chart = alt.Chart(pd.DataFrame({"who": top["dimension_name"] + " · " + top["label"],
                                        "c": top["contribution"].astype("float64")})).mark_bar(color="#dc2626").encode(
            x=alt.X("c:Q", title=t("al.col_contrib", lang)), y=alt.Y("who:N", sort="x", title=None))
        right.altair_chart(chart, width="stretch")


def alerts_section(engine: Engine, lang: str) -> None:
    from ccdash.dashboards.data import store_version
    c = st.columns([2, 1])
    grain = c[0].segmented_control(t("al.grain", lang), GRAINS, default="day", key="al_grain",
                                   format_func=lambda g: t(f"al.{g}", lang)) or "day"
    anchor = c[1].date_input(t("al.anchor", lang), value=anchor_day(engine), key="al_anchor")
    st.caption(t("al.method", lang))
    found = _alerts(engine.url.render_as_string(hide_password=False), grain, anchor.isoformat(), lang, store_version(engine))
    if not found:
        st.success(t("al.none", lang, start=anchor, end=anchor))
        return
    st.write(t("al.period", lang, start=found[0].start, end=found[0].end, n=len(found)))
    for i, alert in enumerate(found):
        draw_alert(alert, lang, first=i == 0)


def targets_section(engine: Engine, lang: str) -> None:
    """The targets table for everyone; the editor (set, delete) only for a role with ``targets.edit`` — the
    others see the targets read-only, never a control the library would refuse."""
    st.subheader(t("tg.title", lang))
    catalog = catalog_with_custom(engine)
    editable = can(current_actor(), "targets.edit")
    if editable:
        target_editor(engine, catalog, lang)
    rows = list_targets(engine)
    if not rows:
        st.caption(t("tg.none", lang))
        return
    table = targets_table(rows, catalog, lang)
    if not editable:
        st.dataframe(table, hide_index=True, width="stretch", key="tg_table")
        return
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="tg_table")
    chosen = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
    if chosen and st.button(t("tg.delete", lang), key="tg_delete"):
        r = rows[chosen[0]]
        try:
            delete_target(engine, r.code, team=r.scope_value if r.scope == "team" else None,
                          queue=r.scope_value if r.scope == "queue" else None, actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
            return
        st.rerun()


def targets_table(rows, catalog, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{t("tg.indicator", lang): catalog.indicators[r.code].name.get(lang) if r.code in catalog.indicators else r.code,
                          t("tg.scope", lang): t(f"tg.{r.scope}", lang) + (f" {r.scope_value}" if r.scope_value else ""),
                          t("tg.target", lang): r.target, t("tg.warning", lang): r.warning, t("tg.critical", lang): r.critical,
                          t("tg.direction", lang): t(f"tg.{r.direction}", lang)} for r in rows])


def target_editor(engine: Engine, catalog, lang: str) -> None:
    """Set a target and its bands for the center, a team or a queue."""
    codes = [c for c, ind in catalog.indicators.items() if ind.direction != "neutral" or ind.target is not None]
    c = st.columns(4)
    code = c[0].selectbox(t("tg.indicator", lang), codes, key="tg_code",
                          format_func=lambda x: catalog.indicators[x].name.get(lang))
    scope = c[1].selectbox(t("tg.scope", lang), ["all", "team", "queue"], key="tg_scope", format_func=lambda s: t(f"tg.{s}", lang))
    member = c[2].selectbox(t("tg.which", lang), filter_values(engine)[scope] if scope != "all" else [None],
                            key=f"tg_member_{scope}", disabled=scope == "all", format_func=lambda m: m or "—")
    direction = c[3].selectbox(t("tg.direction", lang), [None, "higher", "lower"], key="tg_direction",
                               format_func=lambda d: t("tg.catalog_dir", lang) if d is None else t(f"tg.{d}", lang))
    c = st.columns(3)
    target = c[0].number_input(t("tg.target", lang), value=catalog.indicators[code].target, format="%.4g", key=f"tg_target_{code}")
    warning = c[1].number_input(t("tg.warning", lang), value=None, format="%.4g", key="tg_warning")
    critical = c[2].number_input(t("tg.critical", lang), value=None, format="%.4g", key="tg_critical")
    if st.button(t("tg.save", lang), key="tg_save", type="primary"):
        try:
            set_target(engine, code, target, direction=direction, warning=warning, critical=critical,
                       team=member if scope == "team" else None, queue=member if scope == "queue" else None,
                       actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("tg.saved", lang))


def page(engine: Engine, lang: str) -> None:
    st.title(t("al.title", lang))
    alerts_section(engine, lang)
    st.divider()
    targets_section(engine, lang)
