"""The appeals section of the QA workbench: the open appeals (decided here with ``qa.appeal.decide``), filing
one (``qa.appeal.file``) and every appeal, read with the inspector's reason beside the agent's. Drawing only:
filing, deciding and re-scoring are :mod:`ccdash.qa.appeals`."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import can
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.qa import appeals as qa_appeals
from ccdash.qa.scoring import RESULTS, ItemResult
from ccdash.qa.store import evaluations, load_evaluation
from ccdash.ui.common import current_actor
from ccdash.ui.qa_workbench import result_name  # the workbench imports this module only when drawn

MESSAGES = {
    "qa.ap.file": {"zh": "登记申诉", "en": "File an appeal"},
    "qa.ap.evaluation": {"zh": "评分记录", "en": "Score"},
    "qa.ap.item": {"zh": "申诉项", "en": "Item"},
    "qa.ap.reason": {"zh": "申诉理由", "en": "Reason"},
    "qa.ap.submit": {"zh": "提交申诉", "en": "Submit appeal"},
    "qa.ap.filed": {"zh": "申诉已登记", "en": "Appeal filed"},
    "qa.ap.open": {"zh": "待处理的申诉", "en": "Open appeals"},
    "qa.ap.none": {"zh": "没有待处理的申诉。", "en": "No open appeals."},
    "qa.ap.pick": {"zh": "申诉", "en": "Appeal"},
    "qa.ap.decision": {"zh": "处理结果", "en": "Decision"},
    "qa.ap.upheld": {"zh": "维持原评分", "en": "Uphold the score"},
    "qa.ap.changed": {"zh": "改判", "en": "Change the result"},
    "qa.ap.new_result": {"zh": "改为", "en": "New result"},
    "qa.ap.new_points": {"zh": "改判得分（部分时填写）", "en": "New points (for partial)"},
    "qa.ap.note": {"zh": "处理说明", "en": "Note"},
    "qa.ap.decide": {"zh": "确认处理", "en": "Decide"},
    "qa.ap.decided": {"zh": "申诉已处理", "en": "Appeal decided"},
    "qa.ap.no_final": {"zh": "还没有已提交的评分。", "en": "No submitted scores yet."},
    "qa.ap.all": {"zh": "全部申诉", "en": "All appeals"},
    "qa.ap.col.id": {"zh": "编号", "en": "No."},
    "qa.ap.col.created_at": {"zh": "申诉时间", "en": "Filed"},
    "qa.ap.col.agent_id": {"zh": "坐席", "en": "Agent"},
    "qa.ap.col.recording_id": {"zh": "录音", "en": "Recording"},
    "qa.ap.col.call_date": {"zh": "通话日期", "en": "Call date"},
    "qa.ap.col.label": {"zh": "申诉项", "en": "Item"},
    "qa.ap.col.result": {"zh": "当前结果", "en": "Result now"},
    "qa.ap.col.points": {"zh": "得分", "en": "Points"},
    "qa.ap.col.max_points": {"zh": "满分", "en": "Max"},
    "qa.ap.col.item_comment": {"zh": "扣分说明", "en": "Inspector's reason"},
    "qa.ap.col.reason": {"zh": "申诉理由", "en": "Agent's reason"},
    "qa.ap.col.inspector": {"zh": "质检员", "en": "Inspector"},
    "qa.ap.col.status": {"zh": "状态", "en": "Status"},
    "qa.ap.col.decision_note": {"zh": "处理说明", "en": "Decision note"},
    "qa.ap.col.decided_by": {"zh": "处理人", "en": "Decided by"},
    "qa.ap.status.open": {"zh": "待处理", "en": "open"},
    "qa.ap.status.upheld": {"zh": "维持", "en": "upheld"},
    "qa.ap.status.changed": {"zh": "已改判", "en": "changed"},
}
register(MESSAGES)

def appeals_panel(engine: Engine, lang: str) -> None:
    """The open appeals (decided here with ``qa.appeal.decide``), filing one (with ``qa.appeal.file``) and every
    appeal; a role without a permission sees the tables only, not the controls the library would refuse."""
    actor = current_actor()
    st.subheader(t("qa.ap.open", lang))
    open_ = qa_appeals.appeals(engine, status="open")
    if not len(open_):
        st.caption(t("qa.ap.none", lang))
    else:
        st.dataframe(appeals_table(open_, lang), hide_index=True, width="stretch")
        if can(actor, "qa.appeal.decide"):
            decide_form(engine, open_, lang)
    if can(actor, "qa.appeal.file"):
        st.divider()
        file_form(engine, lang)
    all_appeals = qa_appeals.appeals(engine)
    if len(all_appeals):
        st.subheader(t("qa.ap.all", lang))
        st.dataframe(appeals_table(all_appeals, lang), hide_index=True, width="stretch")


APPEAL_COLUMNS = ("id", "created_at", "agent_id", "recording_id", "call_date", "label", "result", "points",
                  "max_points", "item_comment", "reason", "inspector", "status", "decision_note", "decided_by")


def appeals_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The appeals as the lead reads them: the item, the inspector's reason beside the agent's, in the user's
    language."""
    shown = frame[list(APPEAL_COLUMNS)].copy()
    shown["result"] = shown["result"].map(lambda r: result_name(r, lang) if isinstance(r, str) else r)
    shown["status"] = shown["status"].map(lambda s: t(f"qa.ap.status.{s}", lang))
    return shown.rename(columns={c: t(f"qa.ap.col.{c}", lang) for c in APPEAL_COLUMNS})


def decide_form(engine: Engine, open_: pd.DataFrame, lang: str) -> None:
    ids = open_["id"].astype(int).tolist()
    pick = st.selectbox(t("qa.ap.pick", lang), ids, key="qa_ap_pick")
    decision = st.radio(t("qa.ap.decision", lang), ["upheld", "changed"], horizontal=True, key="qa_ap_decision",
                        format_func=lambda d: t(f"qa.ap.{d}", lang))
    new = None
    if decision == "changed":
        c = st.columns(2)
        new_result = c[0].selectbox(t("qa.ap.new_result", lang), RESULTS, key="qa_ap_new_result",
                                    format_func=lambda r: result_name(r, lang))
        new_points = c[1].number_input(t("qa.ap.new_points", lang), min_value=0.0, value=None, key="qa_ap_new_points")
        new = ItemResult(new_result, new_points if new_result == "partial" else None)
    note = st.text_input(t("qa.ap.note", lang), key="qa_ap_note")
    if st.button(t("qa.ap.decide", lang), key="qa_ap_decide", type="primary"):
        try:
            qa_appeals.decide_appeal(engine, int(pick), decision, new=new, note=note, actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("qa.ap.decided", lang))
            st.rerun()


def file_form(engine: Engine, lang: str) -> None:
    st.subheader(t("qa.ap.file", lang))
    finals = evaluations(engine, status="final", purposes=("regular",))
    if not len(finals):
        st.caption(t("qa.ap.no_final", lang))
        return
    labels = {int(r.id): f"#{r.id} · {r.recording_id} · {r.agent_id} · {r.score:.1f}" for r in finals.itertuples()}
    eid = st.selectbox(t("qa.ap.evaluation", lang), list(labels), format_func=labels.get, key="qa_ap_eval")
    items = load_evaluation(engine, int(eid))["items"]
    codes = items["item_code"].tolist()
    item_labels = dict(zip(codes, (f"{lbl} · {result_name(r, lang)}" for lbl, r in zip(items["label"], items["result"]))))
    code = st.selectbox(t("qa.ap.item", lang), codes, format_func=item_labels.get, key="qa_ap_item")
    reason = st.text_area(t("qa.ap.reason", lang), key="qa_ap_reason", height=80)
    if st.button(t("qa.ap.submit", lang), key="qa_ap_submit", disabled=not reason.strip()):
        agent = finals.loc[finals["id"] == eid, "agent_id"].iloc[0]
        try:
            qa_appeals.file_appeal(engine, int(eid), code, reason.strip(), actor=current_actor(), agent_id=str(agent))
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("qa.ap.filed", lang))
