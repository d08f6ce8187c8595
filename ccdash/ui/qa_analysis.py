"""The QA analysis page: scores and item failure rates across every form (an item shared by many forms is one
item), by agent, team, business type or form; the agent × item heatmap; trends; the coaching list; standard-phrase
compliance; calibration agreement. Drawing only: the numbers are :mod:`ccdash.qa.analysis` and
:mod:`ccdash.qa.calibration`."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.i18n import register, t
from ccdash.qa import analysis as qa
from ccdash.qa.calibration import band_label, calibration_report
from ccdash.qa.forms_store import current_forms, routes
from ccdash.qa.recordings import list_recordings
from ccdash.qa.store import item_scores
from ccdash.ui.common import XLSX_MIME

MESSAGES = {
    "qa.an.title": {"zh": "质检分析", "en": "QA analysis"},
    "qa.an.intro": {
        "zh": "按质检项分析，不按表：同一个质检项（如“身份核实”）在所有质检表里是同一项，不合格率 = 不合格次数 ÷ 适用次数"
              "（不适用不计）。平均分 = Σ得分×权重 ÷ Σ满分×权重，是分数之和的比，不是每通分数的平均。只计入已提交的常规评分"
              "和导入的评分；校准评分只用于校准分析。",
        "en": "Analysed by item, not by form: an item (e.g. “identity check”) is the same item on every form. Fail rate = "
              "failures ÷ times applicable (N/A excluded). The average score is Σ points × weight ÷ Σ max × weight — a ratio "
              "of sums, not a mean of per-call scores. Only submitted regular and imported scores count; calibration "
              "scores are used for the calibration view only.",
    },
    "qa.an.period": {"zh": "期间（通话日期）", "en": "Period (call date)"},
    "qa.an.none": {"zh": "这段期间还没有已提交的质检评分。", "en": "No submitted QA scores in this period."},
    "qa.an.view": {"zh": "视图", "en": "View"},
    "qa.an.v_items": {"zh": "质检项", "en": "Items"},
    "qa.an.v_heatmap": {"zh": "坐席 × 质检项", "en": "Agent × item"},
    "qa.an.v_trend": {"zh": "趋势", "en": "Trend"},
    "qa.an.v_coaching": {"zh": "辅导清单", "en": "Coaching list"},
    "qa.an.v_phrases": {"zh": "标准话术", "en": "Standard phrases"},
    "qa.an.v_calibration": {"zh": "校准一致性", "en": "Calibration"},
    "qa.an.by": {"zh": "按", "en": "By"},
    "qa.an.by_all": {"zh": "全中心", "en": "Whole center"},
    "qa.an.by_agent_id": {"zh": "坐席", "en": "Agent"},
    "qa.an.by_team": {"zh": "班组", "en": "Team"},
    "qa.an.by_business_type": {"zh": "业务类型", "en": "Business type"},
    "qa.an.by_form_id": {"zh": "质检表", "en": "Form"},
    "qa.an.evaluations": {"zh": "质检量", "en": "Evaluations"},
    "qa.an.avg_score": {"zh": "平均得分", "en": "Average score"},
    "qa.an.pass_rate": {"zh": "合格率", "en": "Pass rate"},
    "qa.an.fatal_rate": {"zh": "致命差错率", "en": "Fatal error rate"},
    "qa.an.fail_chart": {"zh": "各质检项不合格率（跨所有质检表）", "en": "Fail rate per item (across all forms)"},
    "qa.an.min_applicable": {"zh": "最少适用次数", "en": "Minimum times applicable"},
    "qa.an.grain": {"zh": "粒度", "en": "Grain"},
    "qa.an.week": {"zh": "周", "en": "Week"},
    "qa.an.month": {"zh": "月", "en": "Month"},
    "qa.an.trend_items": {"zh": "质检项", "en": "Items"},
    "qa.an.coaching_help": {"zh": "每位坐席不合格率高出全中心最多的质检项（至少适用 {n} 次）。",
                            "en": "Per agent, the items whose fail rate most exceeds the center's (applicable at least {n} times)."},
    "qa.an.no_transcripts": {"zh": "已评录音都没有转写文本。", "en": "None of the scored recordings has a transcript."},
    "qa.an.cal_none": {"zh": "还没有校准评分。在质检工作台「抽样」里建立校准任务，由两位以上质检员评同一批录音。",
                       "en": "No calibration scores yet. Create calibration tasks under Sampling in the QA workbench: two or "
                             "more inspectors score the same recordings."},
    "qa.an.cal_overall": {"zh": "{recordings} 条录音、{inspectors} 位质检员：逐项一致率 {agreement}，κ = {kappa}（{band}，{method}）",
                          "en": "{recordings} recordings, {inspectors} inspectors: item agreement {agreement}, κ = {kappa} ({band}, {method})"},
    "qa.an.cal_explain": {
        "zh": "一致率是两人给出相同结果的比例；大多数项都“合格”时，随便打也会很一致，所以再看 κ（Cohen，两人；Fleiss，三人以上）："
              "κ = (实际一致率 − 偶然一致率) ÷ (1 − 偶然一致率)。0 表示和随机一样，1 表示完全一致。“不适用”算作一种结果。"
              "所有人都给同一结果时 κ 无定义（显示为 —）。详见 docs/qa_calibration.md。",
        "en": "Agreement is the share of identical results; when most items pass, even random scoring agrees a lot, so look at "
              "κ too (Cohen's for two inspectors, Fleiss' for more): κ = (observed − chance agreement) ÷ (1 − chance "
              "agreement). 0 is chance, 1 is perfect. N/A counts as a result. κ is undefined (shown as —) when everyone gave "
              "the same result. See docs/qa_calibration.md.",
    },
    "qa.an.cal_items": {"zh": "按质检项", "en": "By item"},
    "qa.an.cal_pairs": {"zh": "按质检员两两", "en": "By inspector pair"},
    "qa.an.cal_diff": {"zh": "不一致的评分", "en": "Disagreements"},
    "qa.an.download": {"zh": "下载分析（Excel）", "en": "Download the analysis (Excel)"},
    "qa.an.col_kappa": {"zh": "κ", "en": "κ"},
    "qa.an.col_band": {"zh": "一致程度", "en": "Strength"},
    "qa.an.col_agreement": {"zh": "一致率", "en": "Agreement"},
    "qa.an.col_method": {"zh": "方法", "en": "Method"},
    "qa.an.col_inspector_a": {"zh": "质检员 A", "en": "Inspector A"},
    "qa.an.col_inspector_b": {"zh": "质检员 B", "en": "Inspector B"},
    "qa.an.col_ratings": {"zh": "共同评分项", "en": "Shared ratings"},
    "qa.an.col_recording": {"zh": "录音编号", "en": "Recording"},
    "qa.an.col_inspectors": {"zh": "质检员数", "en": "Inspectors"},
    "qa.an.col_incomplete": {"zh": "未全员评分", "en": "Not scored by all"},
}
register(MESSAGES)

VIEWS = ("items", "heatmap", "trend", "coaching", "phrases", "calibration")
BYS = (None, "agent_id", "team", "business_type", "form_id")
PERCENT_COLS = ("fail_rate", "agent_rate", "center_rate", "gap", "pass_rate", "fatal_rate", "share", "agreement")


def _headed(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table for display: rates as percentages, columns in the user's language."""
    out = frame.copy()
    for col in out.columns:
        if col in PERCENT_COLS:
            out[col] = (out[col].astype("float64") * 100).round(1)
        elif col in ("avg_score", "kappa"):
            out[col] = out[col].astype("float64").round(3 if col == "kappa" else 1)
    names = {c: (qa.column_header(c, lang) + (" %" if c in PERCENT_COLS else "")) for c in out.columns}
    names.update({c: t(f"qa.an.col_{c}", lang) for c in ("kappa", "band", "method", "inspector_a", "inspector_b",
                                                        "ratings", "inspectors", "incomplete") if c in out.columns})
    if "agreement" in out.columns:
        names["agreement"] = t("qa.an.col_agreement", lang) + " %"
    if "recording_id" in out.columns:
        names["recording_id"] = t("qa.an.col_recording", lang)
    return out.rename(columns=names)


def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def analysis(engine: Engine, lang: str) -> None:
    st.title(t("qa.an.title", lang))
    st.caption(t("qa.an.intro", lang))
    everything = item_scores(engine)
    if not len(everything):
        st.info(t("qa.an.none", lang), icon="📋")
        calibration_view(engine, None, None, lang)
        return
    days = pd.to_datetime(everything["call_date"].dropna().astype(str))
    first, last = days.min().date(), days.max().date()
    period = st.date_input(t("qa.an.period", lang), value=(max(first, last - dt.timedelta(days=89)), last),
                           key="qa_an_period")
    if not isinstance(period, tuple) or len(period) != 2:
        return
    d0, d1 = (d.isoformat() for d in period)
    frame = everything[(everything["call_date"] >= d0) & (everything["call_date"] <= d1)]
    names = {v: t(f"qa.an.v_{v}", lang) for v in VIEWS}
    view = st.segmented_control(t("qa.an.view", lang), list(VIEWS), format_func=names.get, default="items",
                                key="qa_an_view") or "items"
    if view == "calibration":
        calibration_view(engine, d0, d1, lang)
        return
    if not len(frame):
        st.info(t("qa.an.none", lang), icon="📋")
        return
    summary(frame, lang)
    sheets: dict[str, pd.DataFrame] = {}
    if view == "items":
        sheets = items_view(frame, lang)
    elif view == "heatmap":
        sheets = heatmap_view(frame, lang)
    elif view == "trend":
        sheets = trend_view(frame, lang)
    elif view == "coaching":
        sheets = coaching_view(frame, lang)
    elif view == "phrases":
        sheets = phrases_view(engine, frame, d0, d1, lang)
    if sheets:
        st.download_button(t("qa.an.download", lang), qa.analysis_workbook(sheets, lang),
                           file_name=f"qa_{view}_{d0}_{d1}.xlsx", mime=XLSX_MIME, key="qa_an_download",
                           on_click="ignore", icon="⬇️")


def summary(frame: pd.DataFrame, lang: str) -> None:
    row = qa.score_summary(frame).iloc[0]
    c = st.columns(4)
    c[0].metric(t("qa.an.evaluations", lang), f"{int(row['evaluations']):,}")
    c[1].metric(t("qa.an.avg_score", lang), "—" if pd.isna(row["avg_score"]) else f"{row['avg_score']:.1f}")
    c[2].metric(t("qa.an.pass_rate", lang), _pct(row["pass_rate"]))
    c[3].metric(t("qa.an.fatal_rate", lang), _pct(row["fatal_rate"]))


def items_view(frame: pd.DataFrame, lang: str) -> dict[str, pd.DataFrame]:
    by = st.segmented_control(t("qa.an.by", lang), list(BYS), default=None, key="qa_an_by",
                              format_func=lambda b: t(f"qa.an.by_{b or 'all'}", lang))
    overall = qa.item_failure(frame)
    chart = overall.dropna(subset=["fail_rate"]).assign(name=lambda x: x["label"].fillna(x["item_code"]))
    if len(chart):
        st.markdown(f"**{t('qa.an.fail_chart', lang)}**")
        bars = alt.Chart(chart).mark_bar().encode(
            x=alt.X("fail_rate:Q", title=None, axis=alt.Axis(format="%")),
            y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=["name:N", "item_code:N", "applicable:Q", "failed:Q", alt.Tooltip("fail_rate:Q", format=".1%")],
        ).properties(height=max(180, 22 * len(chart)))
        st.altair_chart(bars, width="stretch")
    table = qa.item_failure(frame, by=by) if by else overall
    scores = qa.score_summary(frame, by) if by else qa.score_summary(frame)
    if by:
        st.dataframe(_headed(scores, lang), hide_index=True, width="stretch")
    st.dataframe(_headed(table, lang), hide_index=True, width="stretch")
    return {"items": table, "scores": scores}


def heatmap_view(frame: pd.DataFrame, lang: str) -> dict[str, pd.DataFrame]:
    n = st.number_input(t("qa.an.min_applicable", lang), 1, 100, 3, key="qa_an_min_app")
    matrix = qa.agent_item_matrix(frame, min_applicable=int(n))
    if matrix.empty:
        st.info(t("qa.an.none", lang))
        return {}
    labels = qa.item_failure(frame).set_index("item_code")["label"]
    long = matrix.stack().rename("fail_rate").reset_index()
    long["item"] = long["item_code"].map(labels).fillna(long["item_code"])
    heat = alt.Chart(long).mark_rect().encode(
        x=alt.X("item:N", title=None, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("agent_id:N", title=None),
        color=alt.Color("fail_rate:Q", title=None, scale=alt.Scale(scheme="reds", domain=[0, 1]), legend=alt.Legend(format="%")),
        tooltip=["agent_id:N", "item:N", alt.Tooltip("fail_rate:Q", format=".1%")],
    ).properties(height=max(200, 16 * matrix.shape[0]))
    st.altair_chart(heat, width="stretch")
    return {"agent_x_item": matrix}


def trend_view(frame: pd.DataFrame, lang: str) -> dict[str, pd.DataFrame]:
    grain = st.segmented_control(t("qa.an.grain", lang), ["week", "month"], default="week", key="qa_an_grain",
                                 format_func=lambda g: t(f"qa.an.{g}", lang)) or "week"
    trend = qa.item_trend(frame, grain)
    items = qa.item_failure(frame)  # worst first
    labels = dict(zip(items["item_code"], items["label"].fillna(items["item_code"])))
    chosen = st.multiselect(t("qa.an.trend_items", lang), list(labels), default=list(labels)[:6],
                            key="qa_an_trend_items", format_func=labels.get)
    shown = trend[trend["item_code"].isin(chosen)].assign(name=lambda x: x["label"].fillna(x["item_code"]))
    if len(shown):
        lines = alt.Chart(shown).mark_line(point=True).encode(
            x=alt.X("period:N", title=None), y=alt.Y("fail_rate:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color("name:N", title=None),
            tooltip=["period:N", "name:N", "applicable:Q", "failed:Q", alt.Tooltip("fail_rate:Q", format=".1%")],
        ).properties(height=300)
        st.altair_chart(lines, width="stretch")
    st.dataframe(_headed(trend, lang), hide_index=True, width="stretch")
    return {"trend": trend}


def coaching_view(frame: pd.DataFrame, lang: str) -> dict[str, pd.DataFrame]:
    n = st.number_input(t("qa.an.min_applicable", lang), 1, 100, 3, key="qa_an_min_coach")
    st.caption(t("qa.an.coaching_help", lang, n=int(n)))
    table = qa.coaching_list(frame, min_applicable=int(n))
    st.dataframe(_headed(table, lang), hide_index=True, width="stretch")
    return {"coaching": table}


def phrases_view(engine: Engine, frame: pd.DataFrame, d0: str, d1: str, lang: str) -> dict[str, pd.DataFrame]:
    recs = list_recordings(engine, d0, d1)
    evals = qa.evaluations_of(frame)
    table = qa.phrase_compliance(recs, evals, current_forms(engine), routes(engine))
    if not len(table):
        st.info(t("qa.an.no_transcripts", lang))
        return {}
    if lang == "en":
        forms = current_forms(engine)
        table = table.assign(form_name=table["form_id"].map(lambda f: forms[f].name.en if f in forms else f))
    st.dataframe(_headed(table, lang), hide_index=True, width="stretch")
    return {"phrases": table}


def calibration_view(engine: Engine, d0: str | None, d1: str | None, lang: str) -> None:
    scores = item_scores(engine, d0, d1, purposes=("calibration",))
    if not len(scores):
        st.info(t("qa.an.cal_none", lang), icon="⚖️")
        return
    report = calibration_report(scores[["recording_id", "inspector", "item_code", "result"]])
    o = report.overall
    st.markdown(t("qa.an.cal_overall", lang, recordings=o.recordings, inspectors=o.inspectors,
                  agreement=_pct(o.agreement), kappa="—" if o.kappa is None else f"{o.kappa:.2f}",
                  band=band_label(o.band, lang), method=o.method or "—"))
    st.caption(t("qa.an.cal_explain", lang))
    labels = scores.drop_duplicates("item_code").set_index("item_code")["label"]
    by_item = report.by_item.assign(label=lambda x: x["item_code"].map(labels),
                                    band=lambda x: x["band"].map(lambda b: band_label(b, lang)))
    by_pair = report.by_pair.assign(band=lambda x: x["band"].map(lambda b: band_label(b, lang)))
    st.subheader(t("qa.an.cal_items", lang))
    st.dataframe(_headed(by_item, lang), hide_index=True, width="stretch")
    st.subheader(t("qa.an.cal_pairs", lang))
    st.dataframe(_headed(by_pair, lang), hide_index=True, width="stretch")
    st.subheader(t("qa.an.cal_diff", lang))
    st.dataframe(_headed(report.disagreements, lang), hide_index=True, width="stretch")
    st.download_button(t("qa.an.download", lang),
                       qa.analysis_workbook({"by_item": by_item, "by_pair": by_pair,
                                             "disagreements": report.disagreements}, lang),
                       file_name="qa_calibration.xlsx", mime=XLSX_MIME, key="qa_an_cal_download",
                       on_click="ignore", icon="⬇️")
