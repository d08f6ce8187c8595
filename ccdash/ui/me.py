"""The agent's own page ("My numbers"): one column of metric tiles and their QA results, phone-sized.

Everything shown comes from :mod:`ccdash.me`, which filters by the signed-in agent's own id; the team's
value beside a tile is one team-wide number (context), never another agent's.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash import me
from ccdash.dashboards.periods import anchor_day, period_text
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.format import format_value
from ccdash.ui import common

MESSAGES = {
    "me.title": {"zh": "我的指标", "en": "My numbers"},
    "me.period": {"zh": "时间段", "en": "Period"},
    "me.p.this_week": {"zh": "本周", "en": "This week"},
    "me.p.last_week": {"zh": "上周", "en": "Last week"},
    "me.p.this_month": {"zh": "本月", "en": "This month"},
    "me.p.last_month": {"zh": "上月", "en": "Last month"},
    "me.range": {"zh": "{agent} · {range}", "en": "{agent} · {range}"},
    "me.team": {"zh": "班组 {team}：{value}", "en": "Team {team}: {value}"},
    "me.no_numbers": {"zh": "这个时间段没有您的数据。", "en": "No data of yours in this period."},
    "me.qa": {"zh": "我的质检", "en": "My QA results"},
    "me.no_qa": {"zh": "这个时间段没有您的质检评分。", "en": "No QA evaluations of yours in this period."},
    "me.eval": {"zh": "{date} · {business} · {score} 分{fatal}", "en": "{date} · {business} · score {score}{fatal}"},
    "me.fatal": {"zh": " · 致命差错", "en": " · fatal error"},
    "me.item": {"zh": "{label}：{result}", "en": "{label}: {result}"},
    "me.appeal": {"zh": "对此项申诉", "en": "Appeal this item"},
    "me.reason": {"zh": "申诉理由", "en": "Why do you appeal?"},
    "me.send": {"zh": "提交申诉", "en": "Send the appeal"},
    "me.appealed": {"zh": "申诉已提交（#{id}），质检组长会处理。", "en": "Appeal #{id} sent; the QA lead will decide it."},
    "me.res.pass": {"zh": "✅ 合格", "en": "✅ pass"},
    "me.res.fail": {"zh": "❌ 不合格", "en": "❌ fail"},
    "me.res.partial": {"zh": "🟡 部分", "en": "🟡 partial"},
    "me.res.na": {"zh": "— 不适用", "en": "— n/a"},
}
register(MESSAGES)


def page(engine: Engine, lang: str) -> None:
    actor = common.current_actor()
    st.title(t("me.title", lang))
    period = st.segmented_control(t("me.period", lang), me.PERIODS, default="this_week", key="me_period",
                                  format_func=lambda p: t(f"me.p.{p}", lang)) or "this_week"
    d0, d1 = me.period_range(period, anchor_day(engine))
    st.caption(t("me.range", lang, agent=actor.agent_id or actor.username, range=period_text(d0, d1)))
    try:
        mine = me.my_numbers(engine, actor, d0, d1)
        team = me.team_numbers(engine, actor, d0, d1)
    except CcdashError as exc:
        common.show_error(exc, lang)
        return
    tiles(mine, team, me.my_team(engine, actor, d0, d1), lang)
    st.subheader(t("me.qa", lang))
    evaluations(engine, me.my_evaluations(engine, actor, d0, d1), lang)


def tiles(mine: pd.DataFrame, team: pd.DataFrame, team_name: str | None, lang: str) -> None:
    """One metric tile per indicator with a value (single column: readable on a phone)."""
    catalog = load_catalog()
    team_values = dict(zip(team["indicator"], team["value"]))
    shown = 0
    for code, value in zip(mine["indicator"], mine["value"]):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        ind = catalog.indicators[code]
        other = team_values.get(code)
        help_ = (t("me.team", lang, team=team_name, value=format_value(other, ind.unit, ind.decimals, lang))
                 if team_name and other is not None and not pd.isna(other) else None)
        st.metric(ind.name.get(lang), format_value(value, ind.unit, ind.decimals, lang), border=True)
        if help_:
            st.caption(help_)
        shown += 1
    if not shown:
        st.info(t("me.no_numbers", lang))


def evaluations(engine: Engine, frame: pd.DataFrame, lang: str) -> None:
    if frame.empty:
        st.info(t("me.no_qa", lang))
        return
    for ev in frame.itertuples():
        title = t("me.eval", lang, date=ev.call_date or "—", business=ev.business_type or "—",
                  score="—" if ev.score is None or pd.isna(ev.score) else f"{ev.score:.0f}",
                  fatal=t("me.fatal", lang) if ev.fatal else "")
        with st.expander(title):
            items(engine, int(ev.id), ev.purpose, lang)


def items(engine: Engine, evaluation_id: int, purpose: str, lang: str) -> None:
    actor = common.current_actor()
    frame = me.my_evaluation_items(engine, actor, evaluation_id)
    for it in frame.itertuples():
        st.markdown(t("me.item", lang, label=it.label or it.item_code, result=t(f"me.res.{it.result}", lang)))
        if it.comment:
            st.caption(it.comment)
        if purpose == "regular" and it.result in ("fail", "partial"):
            appeal_form(engine, evaluation_id, it.item_code, lang)


def appeal_form(engine: Engine, evaluation_id: int, item_code: str, lang: str) -> None:
    """A small form: the reason, sent through the library (which checks it is the agent's own evaluation)."""
    from ccdash.qa.appeals import file_appeal
    key = f"me_appeal_{evaluation_id}_{item_code}"
    done = st.session_state.get(f"{key}_done")
    if done:
        st.success(t("me.appealed", lang, id=done))
        return
    with st.popover(t("me.appeal", lang), icon=":material/gavel:"):
        reason = st.text_area(t("me.reason", lang), key=f"{key}_reason")
        if st.button(t("me.send", lang), key=f"{key}_send", type="primary"):
            try:
                st.session_state[f"{key}_done"] = file_appeal(engine, evaluation_id, item_code, reason,
                                                              actor=common.current_actor())
            except CcdashError as exc:
                common.show_error(exc, lang)
                return
            st.rerun()
