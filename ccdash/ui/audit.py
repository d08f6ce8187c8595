"""The audit-trail page (administrators): filters → the matching rows, newest first → .xlsx/.csv.

The search itself is :func:`ccdash.audit.search_audit` (authorized, capped at :data:`LIMIT` rows); the
trail is append-only, so there is nothing to edit here.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy import Engine

from ccdash.audit import audit_actions, search_audit
from ccdash.i18n import register, t
from ccdash.ui import common

MESSAGES = {
    "au.title": {"zh": "审计日志", "en": "Audit trail"},
    "au.intro": {"zh": "谁在何时做了什么：登录（含失败）、导入与撤销、删除、指标/目标/看板/质检表/映射的修改、用户与角色变更、被拒绝的操作。只能追加，不能修改。",
                 "en": "Who did what and when: sign-ins (and failures), imports and undos, deletions, edits of "
                       "indicators, targets, dashboards, forms and mappings, user and role changes, refused actions. "
                       "Append-only."},
    "au.text": {"zh": "包含文字", "en": "Containing"},
    "au.user": {"zh": "用户名", "en": "Username"},
    "au.action": {"zh": "操作", "en": "Action"},
    "au.outcome": {"zh": "结果", "en": "Outcome"},
    "au.dates": {"zh": "日期", "en": "Dates"},
    "au.any": {"zh": "全部", "en": "Any"},
    "au.rows": {"zh": "{n} 条（最新的在前）", "en": "{n} rows (newest first)"},
    "au.capped": {"zh": "只显示最新的 {n} 条，请缩小筛选范围。", "en": "Only the newest {n} are shown: narrow the filters."},
    "au.none": {"zh": "没有符合条件的记录。", "en": "No matching rows."},
    "au.outcome.ok": {"zh": "成功", "en": "ok"},
    "au.outcome.denied": {"zh": "拒绝", "en": "denied"},
    "au.outcome.failed": {"zh": "失败", "en": "failed"},
    "au.col.id": {"zh": "编号", "en": "Id"},
    "au.col.at": {"zh": "时间", "en": "Time"},
    "au.col.username": {"zh": "用户", "en": "User"},
    "au.col.role": {"zh": "角色", "en": "Role"},
    "au.col.action": {"zh": "操作", "en": "Action"},
    "au.col.target": {"zh": "对象", "en": "Target"},
    "au.col.outcome": {"zh": "结果", "en": "Outcome"},
    "au.col.detail": {"zh": "详情", "en": "Detail"},
}
register(MESSAGES)

LIMIT = 5000
OUTCOMES = ("", "ok", "denied", "failed")


def page(engine: Engine, lang: str) -> None:
    st.title(t("au.title", lang))
    st.caption(t("au.intro", lang))
    filters = controls(engine, lang)
    frame = search_audit(engine, actor=common.current_actor(), limit=LIMIT, **filters)
    if frame.empty:
        st.info(t("au.none", lang))
        return
    st.caption(t("au.rows", lang, n=len(frame)))
    if len(frame) >= LIMIT:
        st.warning(t("au.capped", lang, n=LIMIT))
    shown = frame.rename(columns={c: t(f"au.col.{c}", lang) for c in frame.columns if f"au.col.{c}" in _codes()})
    st.dataframe(shown, hide_index=True)
    common.download_buttons(shown, f"audit_{dt.date.today().isoformat()}", lang, key="audit", sheet="audit")


def _codes() -> set[str]:
    return set(MESSAGES)


def controls(engine: Engine, lang: str) -> dict:
    """The filters as search_audit's keyword arguments (blank ones left out)."""
    left, mid, right = st.columns(3)
    text = left.text_input(t("au.text", lang), key="au_text")
    user = mid.text_input(t("au.user", lang), key="au_user")
    action = right.selectbox(t("au.action", lang), ["", *audit_actions(engine)], key="au_action",
                             format_func=lambda a: a or t("au.any", lang))
    left, right = st.columns([1, 2])
    outcome = left.selectbox(t("au.outcome", lang), OUTCOMES, key="au_outcome",
                             format_func=lambda o: t(f"au.outcome.{o}", lang) if o else t("au.any", lang))
    today = dt.date.today()
    dates = right.date_input(t("au.dates", lang), value=(today - dt.timedelta(days=30), today), key="au_dates")
    d0, d1 = (tuple(dates) + (None, None))[:2] if isinstance(dates, (tuple, list)) else (dates, dates)
    chosen = {"text": text.strip(), "username": user.strip(), "action": action, "outcome": outcome,
              "date_from": d0, "date_to": d1 or d0}
    return {k: v for k, v in chosen.items() if v}
