"""The Reports page: pick daily / weekly / monthly and a day, download the workbook (built by the library)."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy import Engine

from ccdash.dashboards.periods import anchor_day
from ccdash.i18n import register, t
from ccdash.reports import build_report, period_dates, period_text, report_filename
from ccdash.ui.common import XLSX_MIME

MESSAGES = {
    "rep.title": {"zh": "报表", "en": "Reports"},
    "rep.period": {"zh": "报表类型", "en": "Report"},
    "rep.day": {"zh": "日报", "en": "Daily"},
    "rep.week": {"zh": "周报", "en": "Weekly"},
    "rep.month": {"zh": "月报", "en": "Monthly"},
    "rep.date": {"zh": "日期（所在的日 / 周 / 月）", "en": "Day (its day / week / month)"},
    "rep.covers": {"zh": "统计期：{period}", "en": "Covers: {period}"},
    "rep.download": {"zh": "下载 {name}", "en": "Download {name}"},
    "rep.help": {"zh": "工作簿包含：汇总（对比目标与上期）、按班组、按坐席、按技能组、指标说明。",
                 "en": "The workbook holds: summary (vs target and the previous period), by team, by agent, by queue, definitions."},
}
register(MESSAGES)
PERIODS = ("day", "week", "month")


@st.cache_data(show_spinner=False, max_entries=32, ttl=600)
def _workbook(url: str, period: str, day: str, lang: str, version: str) -> bytes:  # version: part of the cache key
    from ccdash.dashboards.data import engine_for
    return build_report(engine_for(url), period, dt.date.fromisoformat(day), lang)


def reports(engine: Engine, lang: str) -> None:
    from ccdash.dashboards.data import store_version
    st.title(t("rep.title", lang))
    st.caption(t("rep.help", lang))
    left, right = st.columns(2)
    period = left.segmented_control(t("rep.period", lang), PERIODS, default="day", key="rep_period",
                                    format_func=lambda p: t(f"rep.{p}", lang)) or "day"
    day = right.date_input(t("rep.date", lang), value=anchor_day(engine), key="rep_date")
    d0, d1 = period_dates(period, day)
    st.write(t("rep.covers", lang, period=period_text(period, d0, d1, lang)))
    name = report_filename(period, day, lang)
    url = engine.url.render_as_string(hide_password=False)
    st.download_button(t("rep.download", lang, name=name), key="rep_download", type="primary", icon=":material/download:",
                       data=lambda: _workbook(url, period, day.isoformat(), lang, store_version(engine)),
                       file_name=name, mime=XLSX_MIME, on_click="ignore")
