"""Appeals: an agent contests one item of a final score; the lead upholds it or changes the item.

"changed" rewrites that item's result and points, re-scores the whole evaluation on the form version it was
scored on (fatal and pass mark included), writes a ``qa_item_history`` row (old → new, the decision note,
who, when), updates the evaluation and the QA measures of its date — all in one transaction. "upheld" only
records the decision. One open appeal per item; appeals are for final regular evaluations only (scores
imported from another QA system are appealed there: they are rebuilt from its export at every import).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from sqlalchemy import Engine, insert, select, update

from ccdash import audit
from ccdash.auth.guard import refuse
from ccdash.auth.roles import Actor, authorize
from ccdash.config import Label
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.qa.forms import Item, QaForm, Section, load_shipped_forms
from ccdash.qa.measures import rebuild_qa
from ccdash.qa.scoring import ItemResult, score_evaluation
from ccdash.qa.store import item_frame, item_results
from ccdash.store.db import now_text
from ccdash.store.schema import qa_appeals, qa_evaluations, qa_item_history, qa_item_scores

MESSAGES = {
    "qa.appeal_not_final": {
        "zh": "评分 #{id} 还不是定稿，不能申诉：定稿后才能对某一项提出申诉",
        "en": "Evaluation #{id} is not final yet: only a final score can be appealed",
    },
    "qa.appeal_not_regular": {
        "zh": "评分 #{id} 是{purpose}评分，不能在这里申诉（只有日常质检的定稿评分可以申诉）",
        "en": "Evaluation #{id} is a {purpose} score and cannot be appealed here (only final regular scores can)",
    },
    "qa.appeal_no_item": {
        "zh": "评分 #{id} 中没有评分项 “{item}”", "en": "Evaluation #{id} has no item “{item}”",
    },
    "qa.appeal_no_reason": {"zh": "请填写申诉理由", "en": "Give a reason for the appeal"},
    "qa.appeal_open": {
        "zh": "评分 #{id} 的评分项 “{item}” 已有一条未处理的申诉（#{appeal}）",
        "en": "Item “{item}” of evaluation #{id} already has an open appeal (#{appeal})",
    },
    "qa.appeal_missing": {"zh": "申诉 #{id} 不存在", "en": "Appeal #{id} does not exist"},
    "qa.appeal_decided": {
        "zh": "申诉 #{id} 已处理（{status}），不能再次处理",
        "en": "Appeal #{id} was already decided ({status})",
    },
    "qa.appeal_bad_decision": {
        "zh": "申诉处理结果 “{decision}” 无效：应为 upheld（维持原判）或 changed（改判）",
        "en": "Invalid decision “{decision}”: use upheld or changed",
    },
    "qa.appeal_needs_result": {
        "zh": "改判需要给出该项的新结果", "en": "A changed decision needs the item's new result",
    },
    "qa.appeal_unchanged": {
        "zh": "新结果与原结果相同（{result}）：如不改判，请选择维持原判",
        "en": "The new result is the same as the old one ({result}): choose upheld to keep it",
    },
}
register(MESSAGES)

PURPOSE_NAMES = {"calibration": {"zh": "校准", "en": "calibration"}, "imported": {"zh": "导入", "en": "imported"}}


def file_appeal(engine: Engine, evaluation_id: int, item_code: str, reason: str, *, actor: Actor,
                agent_id: str = "") -> int:
    """Open an appeal on one item of a final regular evaluation; returns its id. ``agent_id`` "" means the
    evaluation's agent. Needs ``qa.appeal.file``; an agent appeals only an evaluation of their own agent id
    (and always under it)."""
    ev, ap = qa_evaluations, qa_appeals
    authorize(actor, "qa.appeal.file", engine)
    if actor.role == "agent":
        _check_own(engine, actor, evaluation_id)
        agent_id = actor.agent_id or ""
    if not (reason or "").strip():
        raise CcdashError("qa.appeal_no_reason")
    with engine.begin() as conn:
        row = conn.execute(select(ev).where(ev.c.id == evaluation_id)).first()
        if row is None:
            raise CcdashError("qa.eval_missing", id=evaluation_id)
        if row.status != "final":
            raise CcdashError("qa.appeal_not_final", id=evaluation_id)
        if row.purpose != "regular":
            raise CcdashError("qa.appeal_not_regular", id=evaluation_id,
                              purpose=PURPOSE_NAMES.get(row.purpose, {"zh": row.purpose, "en": row.purpose}))
        has_item = conn.execute(select(qa_item_scores.c.item_code).where(
            qa_item_scores.c.evaluation_id == evaluation_id, qa_item_scores.c.item_code == item_code)).first()
        if has_item is None:
            raise CcdashError("qa.appeal_no_item", id=evaluation_id, item=item_code)
        open_one = conn.execute(select(ap.c.id).where(ap.c.evaluation_id == evaluation_id,
                                                      ap.c.item_code == item_code, ap.c.status == "open")).scalar()
        if open_one is not None:
            raise CcdashError("qa.appeal_open", id=evaluation_id, item=item_code, appeal=open_one)
        appeal_id = int(conn.execute(insert(ap).values(
            evaluation_id=evaluation_id, item_code=item_code, agent_id=(agent_id or row.agent_id or "").strip(),
            reason=reason.strip(), status="open", created_at=now_text())).inserted_primary_key[0])
        audit.record(conn, actor, "qa.appeal.file", f"appeal:{appeal_id}",
                     {"evaluation_id": evaluation_id, "item_code": item_code})
        return appeal_id


def _check_own(engine: Engine, actor: Actor, evaluation_id: int) -> None:
    """Refuse (audited) an agent's appeal on an evaluation of another agent."""
    with engine.connect() as conn:
        owner = conn.execute(select(qa_evaluations.c.agent_id).where(qa_evaluations.c.id == evaluation_id)).scalar()
    if owner is not None and (not actor.agent_id or owner != actor.agent_id):
        refuse(engine, actor, "qa.appeal.file", f"evaluation:{evaluation_id}")


def decide_appeal(engine: Engine, appeal_id: int, decision: Literal["upheld", "changed"], *,
                  new: ItemResult | None = None, note: str = "", actor: Actor) -> dict:
    """Decide an open appeal. "changed" needs ``new`` (the item's new result; its points for partial) and
    re-scores the evaluation; returns {"score", "passed", "fatal"} of the evaluation after the decision.
    Needs ``qa.appeal.decide``."""
    authorize(actor, "qa.appeal.decide", engine)
    user = actor.username
    ev, ap, it = qa_evaluations, qa_appeals, qa_item_scores
    if decision not in ("upheld", "changed"):
        raise CcdashError("qa.appeal_bad_decision", decision=decision)
    if decision == "changed" and new is None:
        raise CcdashError("qa.appeal_needs_result")
    with engine.connect() as conn:
        appeal = _open_appeal(conn, appeal_id)
        evaluation = conn.execute(select(ev).where(ev.c.id == appeal.evaluation_id)).one()
        items = item_frame(conn, appeal.evaluation_id)
    now = now_text()
    if decision == "upheld":
        with engine.begin() as conn:
            _open_appeal(conn, appeal_id)
            conn.execute(update(ap).where(ap.c.id == appeal_id).values(
                status="upheld", decision_note=note or "", decided_at=now, decided_by=user))
            audit.record(conn, actor, "qa.appeal.decide", f"appeal:{appeal_id}",
                         {"decision": "upheld", "evaluation_id": appeal.evaluation_id, "item_code": appeal.item_code})
        return {"score": evaluation.score, "passed": bool(evaluation.passed), "fatal": bool(evaluation.fatal)}

    old = items.set_index("item_code").loc[appeal.item_code]
    results = item_results({"items": items})
    if new.result == old["result"] and (new.result != "partial" or new.points == old["points"]):
        raise CcdashError("qa.appeal_unchanged", result=new.result)
    results[appeal.item_code] = ItemResult(new.result, new.points, new.comment or old["comment"] or "")
    form = scored_form(engine, evaluation, items)
    score = score_evaluation(form, results)
    changed = next(s for s in score.items if s.code == appeal.item_code)
    with engine.begin() as conn:
        _open_appeal(conn, appeal_id)  # still open: nobody decided it meanwhile
        conn.execute(update(it).where(it.c.evaluation_id == appeal.evaluation_id, it.c.item_code == appeal.item_code)
                     .values(result=changed.result, points=changed.points, comment=changed.comment or ""))
        conn.execute(insert(qa_item_history).values(
            evaluation_id=appeal.evaluation_id, item_code=appeal.item_code, old_result=old["result"],
            old_points=None if pd.isna(old["points"]) else float(old["points"]), new_result=changed.result,
            new_points=changed.points, reason=note or appeal.reason, changed_at=now, changed_by=user))
        conn.execute(update(ev).where(ev.c.id == appeal.evaluation_id).values(
            score=score.score, earned_w=score.earned_w, possible_w=score.possible_w, fatal=int(score.fatal),
            passed=int(score.passed), updated_at=now))
        conn.execute(update(ap).where(ap.c.id == appeal_id).values(
            status="changed", decision_note=note or "", decided_at=now, decided_by=user))
        rebuild_qa(conn, [evaluation.call_date])
        audit.record(conn, actor, "qa.appeal.decide", f"appeal:{appeal_id}",
                     {"decision": "changed", "evaluation_id": appeal.evaluation_id, "item_code": appeal.item_code,
                      "old": old["result"], "new": changed.result, "score": score.score})
    return {"score": score.score, "passed": score.passed, "fatal": score.fatal}


def _open_appeal(conn, appeal_id: int):
    appeal = conn.execute(select(qa_appeals).where(qa_appeals.c.id == appeal_id)).first()
    if appeal is None:
        raise CcdashError("qa.appeal_missing", id=appeal_id)
    if appeal.status != "open":
        raise CcdashError("qa.appeal_decided", id=appeal_id, status=appeal.status)
    return appeal


def scored_form(engine: Engine, evaluation, items: pd.DataFrame) -> QaForm:
    """The form version an evaluation was scored on: from the form store (exact: N/A and partial rules, pass
    mark), else rebuilt from the evaluation's own item rows (which keep section, label, max, weight, fatal),
    with the pass mark of the shipped form of that id (80 when there is none)."""
    from ccdash.qa.forms_store import form_version
    codes = set(items["item_code"])
    try:
        form = form_version(engine, evaluation.form_id, evaluation.form_version)
        if codes <= {item.code for item in form.items()}:
            return form
    except CcdashError:
        pass
    sections: dict[str, list[Item]] = {}
    for row in items.itertuples(index=False):
        fatal = bool(row.fatal)
        sections.setdefault(row.section or "", []).append(Item(
            code=row.item_code, label=Label(zh=row.label or row.item_code, en=row.label or row.item_code),
            max_points=float(row.max_points), weight=float(row.weight), fatal=fatal, na_allowed=True,
            partial_allowed=not fatal))
    shipped = load_shipped_forms().get(evaluation.form_id)
    return QaForm(schema_version=1, id="stored", version=int(evaluation.form_version or 1),
                  name=Label(zh=evaluation.form_id, en=evaluation.form_id),
                  pass_mark=shipped.pass_mark if shipped else 80.0,
                  sections=tuple(Section(title=Label(zh=title, en=title), items=tuple(its))
                                 for title, its in sections.items()))


def appeals(engine: Engine, status: str | None = None) -> pd.DataFrame:
    """Appeals, newest first, with their evaluation (recording, inspector, agent, form, date) and the item's
    current label, result, points and the inspector's reason for the deduction (``item_comment``), so the
    lead reads both sides."""
    ap, ev, it = qa_appeals, qa_evaluations, qa_item_scores
    cols = [*ap.c, ev.c.recording_id, ev.c.inspector, ev.c.form_id, ev.c.form_version, ev.c.call_date,
            ev.c.business_type, ev.c.score, it.c.label, it.c.result, it.c.points, it.c.max_points,
            it.c.comment.label("item_comment")]
    query = (select(*cols).select_from(
        ap.join(ev, ev.c.id == ap.c.evaluation_id)
        .outerjoin(it, (it.c.evaluation_id == ap.c.evaluation_id) & (it.c.item_code == ap.c.item_code)))
        .order_by(ap.c.id.desc()))
    if status is not None:
        query = query.where(ap.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])
