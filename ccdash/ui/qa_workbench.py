"""The QA workbench page: the queue of sampled recordings, "next" with the form chosen by the recording's
business type, the transcript with its standard phrases, item-by-item scoring with a live total, drafts and
final scores — and beside it the sampling and the appeals (:mod:`ccdash.ui.qa_appeals`). Drawing only:
forms, routing, scoring, phrase matching, sampling and storage are :mod:`ccdash.qa`. The sampling section
(and its calibration tasks) shows only with ``qa.sample``, appeal decisions only with ``qa.appeal.decide``,
filing one only with ``qa.appeal.file``."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import can
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.qa import sampling
from ccdash.qa.forms_store import choose_form_for
from ccdash.qa.phrases import highlight, match_phrases, suggestions
from ccdash.qa.recordings import list_recordings, recordings_span
from ccdash.qa.scoring import RESULTS, ItemResult, score_evaluation
from ccdash.qa.store import draft_for, evaluations, load_evaluation, save_evaluation
from ccdash.ui.common import current_actor

MESSAGES = {
    "qa.wb.title": {"zh": "质检工作台", "en": "QA workbench"},
    "qa.wb.section": {"zh": "功能", "en": "Section"},
    "qa.wb.sec_score": {"zh": "评分", "en": "Scoring"},
    "qa.wb.sec_sample": {"zh": "抽样", "en": "Sampling"},
    "qa.wb.sec_appeals": {"zh": "申诉", "en": "Appeals"},
    "qa.wb.inspector": {"zh": "质检员：{name}（评分记在此用户名下；只显示分配给此人或未分配的录音）",
                        "en": "Inspector: {name} (scores are saved under this user name; the queue shows recordings "
                              "assigned to it or to nobody)"},
    "qa.wb.queue": {"zh": "待评录音 {pending} 条（草稿 {drafts} 条，已完成 {done} 条）",
                    "en": "{pending} recordings to score ({drafts} drafts, {done} done)"},
    "qa.wb.empty": {"zh": "没有待评分的录音。到「抽样」里抽取本周的录音。",
                    "en": "No recordings to score. Draw this week's recordings under “Sampling”."},
    "qa.wb.empty_wait": {"zh": "没有待评分的录音。班长抽样并分配后，录音会出现在这里。",
                         "en": "No recordings to score. They appear here once a team lead has drawn and assigned them."},
    "qa.wb.pick": {"zh": "录音", "en": "Recording"},
    "qa.wb.prev": {"zh": "上一条", "en": "Previous"},
    "qa.wb.next": {"zh": "下一条", "en": "Next"},
    "qa.wb.status_pending": {"zh": "待评", "en": "to score"},
    "qa.wb.status_draft": {"zh": "草稿", "en": "draft"},
    "qa.wb.status_done": {"zh": "已完成", "en": "done"},
    "qa.wb.rec_line": {"zh": "录音 {rid} · 坐席 {agent} · 业务类型 **{btype}** · {time} · 时长 {dur}",
                       "en": "Recording {rid} · agent {agent} · business type **{btype}** · {time} · length {dur}"},
    "qa.wb.form": {"zh": "质检表：**{form}**（第 {version} 版，合格线 {mark} 分）",
                   "en": "Form: **{form}** (version {version}, pass mark {mark})"},
    "qa.wb.fallback": {"zh": "业务类型「{btype}」没有对应的质检表，已使用通用质检表「{form}」。可在「质检表」页把它对应到某张表。",
                       "en": "Business type “{btype}” has no form of its own, so the general form “{form}” is used. "
                             "Route it to a form on the QA forms page."},
    "qa.wb.no_btype": {"zh": "（未填写）", "en": "(blank)"},
    "qa.wb.not_found": {"zh": "找不到录音 {rid}（可能已被撤销导入）。", "en": "Recording {rid} was not found (its import may have been undone)."},
    "qa.wb.no_audio": {"zh": "没有录音文件路径，无法播放。", "en": "No audio file path: nothing to play."},
    "qa.wb.transcript": {"zh": "转写文本（标准话术已高亮）", "en": "Transcript (standard phrases highlighted)"},
    "qa.wb.no_transcript": {"zh": "这条录音没有转写文本。", "en": "This recording has no transcript."},
    "qa.wb.phrases": {"zh": "标准话术检查（仅为建议，以质检员判断为准）", "en": "Standard phrases (suggestions only — the inspector decides)"},
    "qa.wb.phrase_found": {"zh": "✅ {phrase}", "en": "✅ {phrase}"},
    "qa.wb.phrase_near": {"zh": "✅ {phrase}（原文：{matched}）", "en": "✅ {phrase} (said: {matched})"},
    "qa.wb.phrase_missing": {"zh": "⬜ {phrase}（未找到）", "en": "⬜ {phrase} (not found)"},
    "qa.wb.items": {"zh": "逐项评分", "en": "Score item by item"},
    "qa.wb.fatal_mark": {"zh": "★ 一票否决", "en": "★ fatal"},
    "qa.wb.max": {"zh": "{max} 分", "en": "{max} pts"},
    "qa.wb.points": {"zh": "得分（0 < 分 < {max}）", "en": "Points (0 < p < {max})"},
    "qa.wb.suggested": {"zh": "按转写文本建议：{result}", "en": "Suggested from the transcript: {result}"},
    "qa.wb.total": {"zh": "当前得分", "en": "Score so far"},
    "qa.wb.progress": {"zh": "已评 {done}/{total} 项", "en": "{done}/{total} items scored"},
    "qa.wb.fatal": {"zh": "致命项不合格：{items} —— 整通录音计 0 分，并记一次致命差错。",
                    "en": "Fatal item failed: {items} — the whole call scores 0 and counts one fatal error."},
    "qa.wb.pass": {"zh": "合格（≥ {mark}）", "en": "pass (≥ {mark})"},
    "qa.wb.fail": {"zh": "不合格（< {mark}）", "en": "fail (< {mark})"},
    "qa.wb.comment": {"zh": "评语", "en": "Comment"},
    "qa.wb.reason": {"zh": "扣分说明", "en": "Reason for the deduction"},
    "qa.wb.reason_hint": {"zh": "例如：未核实客户身份即办理挂失", "en": "e.g. card blocked before the caller's identity was checked"},
    "qa.wb.save_draft": {"zh": "保存草稿", "en": "Save draft"},
    "qa.wb.save_final": {"zh": "提交评分", "en": "Submit score"},
    "qa.wb.saved_draft": {"zh": "草稿已保存", "en": "Draft saved"},
    "qa.wb.saved_final": {"zh": "评分已提交：{score} 分。点「下一条」继续。", "en": "Score submitted: {score}. Click “Next” to go on."},
    "qa.wb.final_exists": {"zh": "这条录音你已提交过评分（{score} 分）；如需更改请走申诉。",
                           "en": "You already submitted a score for this recording ({score}); changes go through an appeal."},
    "qa.wb.draft_loaded": {"zh": "已载入你上次保存的草稿。", "en": "Your saved draft was loaded."},
    "qa.result.pass": {"zh": "合格", "en": "pass"},
    "qa.result.fail": {"zh": "不合格", "en": "fail"},
    "qa.result.partial": {"zh": "部分", "en": "partial"},
    "qa.result.na": {"zh": "不适用", "en": "N/A"},
    # sampling
    "qa.sm.period": {"zh": "抽样期间", "en": "Period"},
    "qa.sm.per_agent": {"zh": "每位坐席每周随机抽取（条）", "en": "Random per agent per week"},
    "qa.sm.targeted": {"zh": "定向抽样（条）", "en": "Targeted (recordings)"},
    "qa.sm.rule.long": {"zh": "超长通话", "en": "Long calls"},
    "qa.sm.rule.low_csat": {"zh": "不满意评价", "en": "Low satisfaction"},
    "qa.sm.rule.repeat": {"zh": "重复来电", "en": "Repeat callers"},
    "qa.sm.rule.transferred": {"zh": "转接通话", "en": "Transferred calls"},
    "qa.sm.inspectors": {"zh": "分配给质检员（逗号分隔）", "en": "Assign to inspectors (comma-separated)"},
    "qa.sm.seed": {"zh": "随机种子（同一种子抽到同样的录音）", "en": "Random seed (the same seed draws the same recordings)"},
    "qa.sm.draw": {"zh": "抽取并保存", "en": "Draw and save"},
    "qa.sm.drawn": {"zh": "已抽取 {count} 条录音，批次「{batch}」", "en": "Drew {count} recordings, batch “{batch}”"},
    "qa.sm.none": {"zh": "这段期间没有可抽取的录音（都已抽过，或没有录音）。", "en": "No recordings left to draw in this period (all sampled already, or none)."},
    "qa.sm.no_recordings": {"zh": "还没有录音。上传一份录音导出（或带录音编号的通话明细）。",
                            "en": "No recordings yet. Upload a recordings export (or call records with a recording id)."},
    "qa.sm.available": {"zh": "期间内录音 {total} 条，其中已抽过 {sampled} 条", "en": "{total} recordings in the period, {sampled} sampled already"},
    "qa.sm.calibration": {"zh": "校准：同一批录音由多位质检员各评一次", "en": "Calibration: the same recordings scored by several inspectors"},
    "qa.sm.cal_recordings": {"zh": "校准录音", "en": "Recordings to calibrate on"},
    "qa.sm.cal_inspectors": {"zh": "参加校准的质检员（逗号分隔，至少 2 位）", "en": "Inspectors taking part (comma-separated, at least 2)"},
    "qa.sm.cal_go": {"zh": "建立校准任务", "en": "Create calibration tasks"},
    "qa.sm.cal_done": {"zh": "已建立 {count} 个校准任务", "en": "Created {count} calibration tasks"},
    "qa.sm.recent": {"zh": "抽样批次", "en": "Sample batches"},
}
register(MESSAGES)

RULES = ("long", "low_csat", "repeat", "transferred")


def result_name(result: str, lang: str) -> str:
    return t(f"qa.result.{result}", lang)


def workbench(engine: Engine, lang: str) -> None:
    st.title(t("qa.wb.title", lang))
    actor = current_actor()
    inspector = actor.username if actor is not None else ""  # the signed-in user; none: the library refuses
    st.sidebar.caption(t("qa.wb.inspector", lang, name=inspector or "—"))
    sections = {"score": t("qa.wb.sec_score", lang), "sample": t("qa.wb.sec_sample", lang),
                "appeals": t("qa.wb.sec_appeals", lang)}
    if not can(actor, "qa.sample"):  # an inspector scores what a lead drew: no sampling section at all
        sections.pop("sample")
    section = st.segmented_control(t("qa.wb.section", lang), list(sections), format_func=sections.get,
                                   default="score", key="qa_section", label_visibility="collapsed") or "score"
    if section == "sample":
        sampling_panel(engine, lang)
    elif section == "appeals":
        from ccdash.ui.qa_appeals import appeals_panel  # it uses this module's result names
        appeals_panel(engine, lang)
    else:
        scoring_panel(engine, inspector, lang)


# --- the queue and "next" ----------------------------------------------------------------------------

def _queue(engine: Engine, inspector: str) -> pd.DataFrame:
    """The inspector's sampled recordings, one row per recording (a recording both in a regular and in a
    calibration sample shows the one still to score)."""
    queue = sampling.queue(engine, inspector or None, include_done=True)
    if not len(queue):
        return queue
    queue = queue.assign(_done=queue["status"].eq("done"))
    first = queue.sort_values("_done", kind="stable").drop_duplicates("recording_id")
    return queue.loc[sorted(first.index)].drop(columns="_done").reset_index(drop=True)


def _step(ids: list[str], statuses: dict[str, str], current: str | None, forward: bool) -> str | None:
    """The next (or previous) recording that is not done, after (before) the current one, wrapping around."""
    if not ids:
        return None
    start = ids.index(current) if current in ids else (-1 if forward else len(ids))
    order = [ids[(start + k) % len(ids)] for k in range(1, len(ids) + 1)] if forward else \
        [ids[(start - k) % len(ids)] for k in range(1, len(ids) + 1)]
    return next((rid for rid in order if statuses.get(rid) != "done"), None)


def scoring_panel(engine: Engine, inspector: str, lang: str) -> None:
    queue = _queue(engine, inspector)
    if not len(queue):
        st.info(t("qa.wb.empty" if can(current_actor(), "qa.sample") else "qa.wb.empty_wait", lang), icon="🎧")
        return
    ids = queue["recording_id"].astype(str).tolist()
    statuses = dict(zip(ids, queue["status"].astype(str)))
    counts = queue["status"].value_counts()
    st.caption(t("qa.wb.queue", lang, pending=int(counts.get("pending", 0)), drafts=int(counts.get("draft", 0)),
                 done=int(counts.get("done", 0))))
    if st.session_state.get("qa_current") not in ids:
        st.session_state["qa_current"] = _step(ids, statuses, None, True) or ids[0]
    left, mid, right = st.columns([1, 1, 5], vertical_alignment="center")
    if left.button(t("qa.wb.prev", lang), key="qa_prev", icon=":material/arrow_back:"):
        st.session_state["qa_current"] = _step(ids, statuses, st.session_state["qa_current"], False) or st.session_state["qa_current"]
    if mid.button(t("qa.wb.next", lang), key="qa_next", type="primary", icon=":material/arrow_forward:"):
        st.session_state["qa_current"] = _step(ids, statuses, st.session_state["qa_current"], True) or st.session_state["qa_current"]
    labels = {rid: f"{rid} · {a} · {b or '—'} · {t('qa.wb.status_' + s, lang)}" for rid, a, b, s in zip(
        ids, queue["agent_id"].fillna(""), queue["business_type"].fillna(""), queue["status"])}
    right.selectbox(t("qa.wb.pick", lang), ids, format_func=labels.get, key="qa_current", label_visibility="collapsed")
    score_recording(engine, st.session_state["qa_current"], inspector, lang, queue=queue)


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def score_recording(engine: Engine, rid: str, inspector: str, lang: str, *, queue: pd.DataFrame) -> None:
    """The recording ``rid`` of the queue (whose rows carry the sample and the recording's columns)."""
    sample = queue[queue["recording_id"].astype(str) == rid].iloc[0]
    if pd.isna(sample["source"]):  # sampled, but its recording is gone (an import undone)
        st.warning(t("qa.wb.not_found", lang, rid=rid))
        return
    rec = {name: None if pd.isna(value) else value for name, value in sample.items()}
    btype = rec.get("business_type") or ""
    choice = choose_form_for(engine, btype)
    form = choice.form
    start = rec.get("start_time")
    st.markdown(t("qa.wb.rec_line", lang, rid=rid, agent=rec.get("agent_name") or rec.get("agent_id") or "—",
                  btype=btype or t("qa.wb.no_btype", lang),
                  time=pd.Timestamp(start).strftime("%Y-%m-%d %H:%M") if start is not None else "—",
                  dur=_duration(rec["duration_s"] if rec["duration_s"] is not None else rec["talk_s"])))
    if not choice.matched:
        st.warning(t("qa.wb.fallback", lang, btype=btype or t("qa.wb.no_btype", lang), form=form.name.get(lang)),
                   icon="🔀")
    st.markdown(t("qa.wb.form", lang, form=form.name.get(lang), version=form.version, mark=f"{form.pass_mark:g}"))
    sample_id, purpose = int(sample["sample_id"]), str(sample["purpose"])
    done = evaluations(engine, recording_id=rid, inspector=inspector, status="final", purposes=(purpose,))
    if len(done):
        st.success(t("qa.wb.final_exists", lang, score=f"{done['score'].iloc[0]:.1f}"))
        return
    text = rec.get("transcript") or ""
    hits = match_phrases(text, form) if text.strip() else []  # matched once: checklist, highlights, suggestions
    left, right = st.columns([5, 6], gap="large")
    with left:
        transcript_panel(rec, text, hits, lang)
    with right:
        items_panel(engine, rec, form, inspector, lang, sample_id=sample_id, purpose=purpose,
                    suggested=suggestions(hits))


def transcript_panel(rec: dict, text: str, hits: list, lang: str) -> None:
    if rec.get("audio_url"):
        st.audio(rec["audio_url"])
    else:
        st.caption(t("qa.wb.no_audio", lang))
    if hits:
        st.markdown(f"**{t('qa.wb.phrases', lang)}**")
        lines = []
        for hit in hits:
            if not hit.found:
                lines.append(t("qa.wb.phrase_missing", lang, phrase=hit.phrase))
            elif hit.distance:
                lines.append(t("qa.wb.phrase_near", lang, phrase=hit.phrase, matched=hit.matched))
            else:
                lines.append(t("qa.wb.phrase_found", lang, phrase=hit.phrase))
        st.markdown("\n".join(f"- {line}" for line in lines))
    st.markdown(f"**{t('qa.wb.transcript', lang)}**")
    if not text.strip():
        st.caption(t("qa.wb.no_transcript", lang))
        return
    parts = []
    for segment, code in highlight(text, hits):
        escaped = html.escape(segment).replace("\n", "<br>")
        parts.append(f"<mark title='{html.escape(code)}'>{escaped}</mark>" if code else escaped)
    st.markdown(f"<div style='max-height:32rem;overflow-y:auto;line-height:1.7'>{''.join(parts)}</div>",
                unsafe_allow_html=True)


def _key(rid: str, code: str, what: str = "r") -> str:
    return f"qa_{what}_{rid}_{code}"


def items_panel(engine: Engine, rec: dict, form, inspector: str, lang: str, *, sample_id, purpose: str,
                suggested: dict[str, str]) -> None:
    rid = str(rec["recording_id"])
    draft = draft_for(engine, rid, inspector, purpose)
    prior: dict[str, tuple[str, float | None]] = {}
    if draft is not None and draft.get("form_id") == form.id:
        items = draft.get("items")
        if items is not None and len(items):
            prior = {c: (r, p) for c, r, p in zip(items["item_code"], items["result"], items["points"])}
            for code, note in zip(items["item_code"], items["comment"]):  # the draft's deduction reasons
                if note:
                    st.session_state.setdefault(_key(rid, code, "c"), note)
        if not st.session_state.get(f"qa_loaded_{rid}"):
            st.session_state[f"qa_loaded_{rid}"] = True
            st.session_state.setdefault(f"qa_comment_{rid}", draft.get("comment") or "")
            st.info(t("qa.wb.draft_loaded", lang), icon="📝")
    st.subheader(t("qa.wb.items", lang))
    results: dict[str, ItemResult] = {}
    for section in form.sections:
        st.markdown(f"**{section.title.get(lang)}**")
        for item in section.items:
            options = [r for r in RESULTS if (r != "partial" or item.partial_allowed) and (r != "na" or item.na_allowed)]
            default = prior.get(item.code, (suggested.get(item.code), None))[0]
            label = f"{form.item_label(item.code, lang)} · {t('qa.wb.max', lang, max=f'{item.max_points:g}')}"
            if item.fatal:
                label += f" · :red[{t('qa.wb.fatal_mark', lang)}]"
            help_text = item.guidance.get(lang) if item.guidance else None
            if item.code in suggested and item.code not in prior:
                hint = t("qa.wb.suggested", lang, result=result_name(suggested[item.code], lang))
                help_text = f"{help_text}\n\n{hint}" if help_text else hint
            choice = st.radio(label, options, index=options.index(default) if default in options else None,
                              format_func=lambda r: result_name(r, lang), horizontal=True,
                              key=_key(rid, item.code), help=help_text)
            if choice is None:
                continue
            points = None
            if choice == "partial":
                prior_points = prior.get(item.code, (None, None))[1]
                points = st.number_input(t("qa.wb.points", lang, max=f"{item.max_points:g}"), min_value=0.0,
                                         max_value=float(item.max_points), step=1.0,
                                         value=float(prior_points) if prior_points is not None and not pd.isna(prior_points) else None,
                                         key=_key(rid, item.code, "p"))
            reason = ""
            if choice in ("fail", "partial"):  # a deduction: why, for the agent, the appeal and the analysis
                reason = st.text_input(t("qa.wb.reason", lang), key=_key(rid, item.code, "c"),
                                       placeholder=t("qa.wb.reason_hint", lang)).strip()
            results[item.code] = ItemResult(choice, points, reason)
    live_total(form, results, lang)
    comment = st.text_area(t("qa.wb.comment", lang), key=f"qa_comment_{rid}", height=80)
    recording = {"recording_id": rid, "agent_id": rec.get("agent_id") or "", "business_type": rec.get("business_type") or "",
                 "date": rec.get("date")}
    left, right, _rest = st.columns([1, 1, 2])
    draft_id = draft.get("id") if draft is not None else None
    for button, status in ((left, "draft"), (right, "final")):
        if button.button(t(f"qa.wb.save_{status}", lang), key=f"qa_save_{status}",
                         type="primary" if status == "final" else "secondary"):
            try:
                eid = save_evaluation(engine, recording=recording, form=form, results=results, actor=current_actor(),
                                      inspector=inspector, status=status, comment=comment, purpose=purpose, sample_id=sample_id,
                                      evaluation_id=draft_id)
            except CcdashError as exc:
                st.error(exc.message(lang), icon="🚫")
            else:
                if status == "draft":
                    st.toast(t("qa.wb.saved_draft", lang), icon="📝")
                else:
                    score = load_evaluation(engine, eid)["score"]
                    st.success(t("qa.wb.saved_final", lang, score=f"{score:.1f}"))


def live_total(form, results: dict[str, ItemResult], lang: str) -> None:
    """The running score of what is ticked so far (partial items without points are left out until filled)."""
    usable = {c: r for c, r in results.items() if r.result != "partial" or (r.points is not None and 0 < r.points < form.item(c).max_points)}
    try:
        score = score_evaluation(form, usable)
    except CcdashError as exc:
        st.warning(exc.message(lang))
        return
    c = st.columns(3)
    c[0].metric(t("qa.wb.total", lang), "—" if score.score is None else f"{score.score:.1f}")
    c[1].metric(t("qa.wb.progress", lang, done=len(results), total=len(form.items())), f"{len(results)}/{len(form.items())}")
    if score.score is not None:
        c[2].metric(" ", t("qa.wb.pass" if score.passed else "qa.wb.fail", lang, mark=f"{form.pass_mark:g}"))
    if score.fatal:
        names = "、".join(form.item_label(code, lang) for code in score.fatal_items)
        st.error(t("qa.wb.fatal", lang, items=names), icon="⛔")


# --- sampling -------------------------------------------------------------------------------------------

def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]


def sampling_panel(engine: Engine, lang: str) -> None:
    span = recordings_span(engine)
    if span is None:
        st.info(t("qa.sm.no_recordings", lang))
        return
    newest = span[1]
    week_start = newest - dt.timedelta(days=newest.weekday())
    period = st.date_input(t("qa.sm.period", lang), value=(week_start, newest), key="qa_sm_period")
    if not isinstance(period, tuple) or len(period) != 2:
        return
    d0, d1 = (d.isoformat() for d in period)
    in_period = list_recordings(engine, d0, d1)  # the chosen period only, not every recording ever
    sampled = sampling.already_sampled(engine)
    st.caption(t("qa.sm.available", lang, total=len(in_period), sampled=int(in_period["recording_id"].isin(sampled).sum())))
    c = st.columns(5)
    per_agent = c[0].number_input(t("qa.sm.per_agent", lang), 0, 50, 2, key="qa_sm_per_agent")
    targeted = {rule: c[i + 1].number_input(t(f"qa.sm.rule.{rule}", lang), 0, 200, 0, key=f"qa_sm_{rule}")
                for i, rule in enumerate(RULES)}
    c = st.columns([3, 1])
    inspectors = c[0].text_input(t("qa.sm.inspectors", lang), key="qa_sm_inspectors")
    seed = c[1].number_input(t("qa.sm.seed", lang), 0, 10**6, 1, key="qa_sm_seed")
    if st.button(t("qa.sm.draw", lang), key="qa_sm_draw", type="primary"):
        try:
            picks = sampling.draw_weekly(in_period, per_agent=int(per_agent), d0=d0, d1=d1, seed=int(seed), exclude=sampled)
            taken = set(sampled) | set(picks["recording_id"])
            for rule, n in targeted.items():
                if n:
                    more = sampling.draw_targeted(in_period, rule=rule, n=int(n), exclude=taken, seed=int(seed))
                    taken |= set(more["recording_id"])
                    picks = pd.concat([picks, more], ignore_index=True)
            if not len(picks):
                st.warning(t("qa.sm.none", lang))
            else:
                picks = sampling.assign(picks, _names(inspectors)) if _names(inspectors) else picks
                batch = f"{d0}~{d1} #{int(seed)}"
                count = sampling.save_sample(engine, picks, batch=batch, purpose="regular", actor=current_actor(),
                                             d0=d0, d1=d1)
                st.success(t("qa.sm.drawn", lang, count=count, batch=batch))
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
    st.divider()
    st.subheader(t("qa.sm.calibration", lang))
    options = in_period["recording_id"].astype(str).tolist()
    chosen = st.multiselect(t("qa.sm.cal_recordings", lang), options, key="qa_sm_cal_recs", max_selections=50)
    who = st.text_input(t("qa.sm.cal_inspectors", lang), key="qa_sm_cal_inspectors")
    if st.button(t("qa.sm.cal_go", lang), key="qa_sm_cal_go", disabled=not chosen):
        try:
            count = sampling.calibration_sample(engine, chosen, _names(who), actor=current_actor(), batch=f"calibration {d0}~{d1}")
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.success(t("qa.sm.cal_done", lang, count=count))
