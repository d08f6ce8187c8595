"""Evaluations: one inspector's score of one recording on one form version, stored per item.

:func:`save_evaluation` scores the results with :func:`ccdash.qa.scoring.score_evaluation` and writes, in one
transaction, the ``qa_evaluations`` row (score, Σ earned × weight, Σ possible × weight, fatal, passed, form id
and version) and one ``qa_item_scores`` row per item that has a result — with the section, label, max points,
weight and fatal flag copied from the form, so a later edit of the form never changes a past score — then
refreshes the QA measures of the call's date.

Rules: a draft may leave items unscored, a final score may not. A final evaluation is never edited or turned
back into a draft here: a change to a final score goes through an appeal (:mod:`ccdash.qa.appeals`), which
keeps the item's history. One inspector has at most one evaluation of a recording per purpose: saving again
without an id replaces that inspector's open draft, and is refused when the score is already final.
Imported evaluations (purpose ``imported``) are written only by :mod:`ccdash.qa.imported`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update

from ccdash import audit
from ccdash.auth.guard import refuse
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.qa.forms import QaForm
from ccdash.qa.measures import rebuild_qa
from ccdash.qa.scoring import ItemResult, score_evaluation
from ccdash.store.db import day_text, now_text
from ccdash.store.schema import RECORDS, qa_appeals, qa_evaluations, qa_item_history, qa_item_scores

MESSAGES = {
    "qa.eval_no_recording": {"zh": "缺少录音编号，无法保存评分", "en": "The recording id is missing: the score cannot be saved"},
    "qa.eval_no_inspector": {"zh": "缺少质检员，无法保存评分", "en": "The inspector is missing: the score cannot be saved"},
    "qa.eval_bad_status": {
        "zh": "评分状态 “{status}” 无效：应为 draft（草稿）或 final（定稿）",
        "en": "Invalid status “{status}”: use draft or final",
    },
    "qa.eval_bad_purpose": {
        "zh": "评分用途 “{purpose}” 无效：应为 regular（日常质检）或 calibration（校准）",
        "en": "Invalid purpose “{purpose}”: use regular or calibration",
    },
    "qa.eval_missing": {"zh": "评分 #{id} 不存在", "en": "Evaluation #{id} does not exist"},
    "qa.eval_final_locked": {
        "zh": "评分 #{id} 已定稿，不能再修改或退回草稿；如需更改某一项的成绩，请走申诉流程（保留修改记录）",
        "en": "Evaluation #{id} is final: it can no longer be edited or turned back into a draft. To change an "
              "item's score, file an appeal (the change is kept in the item's history)",
    },
    "qa.eval_already_final": {
        "zh": "质检员 {inspector} 已对录音 {recording} 定稿评分（#{id}），不能重复评分；如需更改请走申诉流程",
        "en": "Inspector {inspector} already has a final score of recording {recording} (#{id}); it cannot be "
              "scored twice. File an appeal to change it",
    },
}
register(MESSAGES)

STATUSES = ("draft", "final")
PURPOSES = ("regular", "calibration")  # "imported" evaluations are written by ccdash.qa.imported only
ITEM_COLUMNS = ["item_code", "section", "label", "result", "points", "max_points", "weight", "fatal", "comment"]
ITEM_SCORE_COLUMNS = ["evaluation_id", "recording_id", "inspector", "form_id", "form_version", "agent_id", "team",
                      "business_type", "call_date", "item_code", "section", "label", "result", "points",
                      "max_points", "weight", "fatal", "eval_fatal", "eval_score", "eval_passed", "purpose"]


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def save_evaluation(engine: Engine, *, recording: Mapping, form: QaForm, results: Mapping[str, ItemResult],
                    actor: Actor, status: Literal["draft", "final"], inspector: str | None = None, comment: str = "",
                    purpose: str = "regular", sample_id: int | None = None, evaluation_id: int | None = None) -> int:
    """Score and store an evaluation (new, or the draft ``evaluation_id``); returns its id.

    ``recording``: {"recording_id", "agent_id", "business_type", "date"}. A final score must have a result for
    every item of the form (``CcdashError`` naming the missing ones); a final evaluation cannot be saved again.
    Needs ``qa.score``; ``inspector`` defaults to ``actor.username``, and an inspector may score (and continue a
    draft) only as themselves — a lead or an admin may enter a score for another inspector."""
    authorize(actor, "qa.score", engine)
    recording_id = _text(recording.get("recording_id"))
    inspector = actor.username if inspector is None else _text(inspector)
    _check_own(engine, actor, inspector, evaluation_id, recording_id)
    if not recording_id:
        raise CcdashError("qa.eval_no_recording")
    if not inspector:
        raise CcdashError("qa.eval_no_inspector")
    if status not in STATUSES:
        raise CcdashError("qa.eval_bad_status", status=status)
    if purpose not in PURPOSES:
        raise CcdashError("qa.eval_bad_purpose", purpose=purpose)
    score = score_evaluation(form, results, require_complete=(status == "final"))
    now = now_text()
    values = dict(recording_id=recording_id, purpose=purpose, inspector=inspector, form_id=form.id,
                  form_version=form.version, status=status, agent_id=_text(recording.get("agent_id")),
                  business_type=_text(recording.get("business_type")), call_date=day_text(recording.get("date")),
                  score=score.score, earned_w=score.earned_w, possible_w=score.possible_w, fatal=int(score.fatal),
                  passed=int(score.passed), comment=comment or "", updated_at=now)
    ev = qa_evaluations
    with engine.begin() as conn:
        if evaluation_id is None:
            evaluation_id = _existing(conn, recording_id, inspector, purpose)
        old_date = None
        if evaluation_id is None:
            evaluation_id = conn.execute(insert(ev).values(**values, sample_id=sample_id, created_at=now)
                                         ).inserted_primary_key[0]
        else:
            row = conn.execute(select(ev).where(ev.c.id == evaluation_id)).first()
            if row is None:
                raise CcdashError("qa.eval_missing", id=evaluation_id)
            if row.status != "draft" or row.purpose not in PURPOSES:
                raise CcdashError("qa.eval_final_locked", id=evaluation_id)
            old_date = row.call_date
            conn.execute(update(ev).where(ev.c.id == evaluation_id).values(
                **values, sample_id=row.sample_id if sample_id is None else sample_id))
            conn.execute(delete(qa_item_scores).where(qa_item_scores.c.evaluation_id == evaluation_id))
        rows = [dict(evaluation_id=evaluation_id, item_code=s.code, section=s.section, label=s.label, result=s.result,
                     points=s.points, max_points=s.max_points, weight=s.weight, fatal=int(s.fatal), comment=s.comment or "")
                for s in score.items]
        if rows:
            conn.execute(insert(qa_item_scores), rows)
        rebuild_qa(conn, [values["call_date"], old_date])
        audit.record(conn, actor, "qa.score" if status == "final" else "qa.draft", f"evaluation:{evaluation_id}",
                     {"recording_id": recording_id, "inspector": inspector, "purpose": purpose,
                      "form": f"{form.id} v{form.version}", "score": score.score})
    return int(evaluation_id)


def _check_own(engine: Engine, actor: Actor, inspector: str, evaluation_id: int | None, recording_id: str) -> None:
    """An inspector scores only under their own name, and continues only their own draft."""
    if actor.role != "inspector":
        return
    if inspector != actor.username:
        refuse(engine, actor, "qa.score", f"recording:{recording_id}")
    if evaluation_id is not None:
        with engine.connect() as conn:
            owner = conn.execute(select(qa_evaluations.c.inspector).where(qa_evaluations.c.id == evaluation_id)).scalar()
        if owner is not None and owner != actor.username:
            refuse(engine, actor, "qa.score", f"evaluation:{evaluation_id}")


def _existing(conn: Connection, recording_id: str, inspector: str, purpose: str) -> int | None:
    """The inspector's open draft of the recording for this purpose (to replace); refused when final."""
    ev = qa_evaluations
    rows = conn.execute(select(ev.c.id, ev.c.status).where(
        ev.c.recording_id == recording_id, ev.c.inspector == inspector, ev.c.purpose == purpose)
        .order_by(ev.c.id.desc())).fetchall()
    for row in rows:
        if row.status == "final":
            raise CcdashError("qa.eval_already_final", inspector=inspector, recording=recording_id, id=row.id)
    return rows[0].id if rows else None


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def item_frame(conn: Connection, evaluation_id: int) -> pd.DataFrame:
    """The stored item rows of one evaluation (``fatal`` as bool), in stored-code order."""
    it = qa_item_scores
    cols = [it.c[c] for c in ITEM_COLUMNS]
    frame = _frame(conn.execute(select(*cols).where(it.c.evaluation_id == evaluation_id)
                                .order_by(it.c.item_code)).fetchall(), ITEM_COLUMNS)
    frame["fatal"] = frame["fatal"].astype(bool)
    frame["points"] = frame["points"].astype("float64")
    return frame


def _form_order(engine: Engine, form_id: str, version: int) -> list[str]:
    """The item codes of the form version, in form order ([] when that version is not known)."""
    from ccdash.qa.forms_store import form_version
    try:
        return [item.code for item in form_version(engine, form_id, version).items()]
    except CcdashError:
        return []


def load_evaluation(engine: Engine, evaluation_id: int) -> dict:
    """One evaluation: its fields, ``items`` (one row per scored item, in the order of the form version it was
    scored on), ``history`` (every change of an item after it was first saved) and ``appeals``."""
    ev = qa_evaluations
    with engine.connect() as conn:
        row = conn.execute(select(ev).where(ev.c.id == evaluation_id)).first()
        if row is None:
            raise CcdashError("qa.eval_missing", id=evaluation_id)
        items = item_frame(conn, evaluation_id)
        hist = qa_item_history
        history = _frame(conn.execute(select(hist).where(hist.c.evaluation_id == evaluation_id)
                                      .order_by(hist.c.id)).fetchall(), [c.name for c in hist.c])
        ap = qa_appeals
        appeals = _frame(conn.execute(select(ap).where(ap.c.evaluation_id == evaluation_id)
                                      .order_by(ap.c.id)).fetchall(), [c.name for c in ap.c])
    order = {code: i for i, code in enumerate(_form_order(engine, row.form_id, row.form_version))}
    rank = items["item_code"].map(lambda code: order.get(code, len(order)))
    items = items.iloc[rank.argsort(kind="stable").to_numpy()].reset_index(drop=True)
    return {**dict(row._mapping), "items": items, "history": history, "appeals": appeals}


def item_results(evaluation: Mapping) -> dict[str, ItemResult]:
    """The stored items of a loaded evaluation as results for :func:`save_evaluation` (resuming a draft)."""
    items = evaluation["items"]
    return {code: ItemResult(result, float(points) if result == "partial" else None, comment or "")
            for code, result, points, comment in zip(items["item_code"], items["result"], items["points"],
                                                     items["comment"])}


def evaluations(engine: Engine, *, recording_id: str | None = None, inspector: str | None = None,
                status: str | None = None, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """Evaluation rows (no items), oldest first, optionally for one recording, inspector, status, purposes."""
    ev = qa_evaluations
    query = select(ev).order_by(ev.c.id)
    if recording_id is not None:
        query = query.where(ev.c.recording_id == str(recording_id))
    if inspector is not None:
        query = query.where(ev.c.inspector == inspector)
    if status is not None:
        query = query.where(ev.c.status == status)
    if purposes is not None:
        query = query.where(ev.c.purpose.in_(list(purposes)))
    with engine.connect() as conn:
        return _frame(conn.execute(query).fetchall(), [c.name for c in ev.c])


def draft_for(engine: Engine, recording_id: str, inspector: str, purpose: str | None = None) -> dict | None:
    """The inspector's newest draft of the recording (as :func:`load_evaluation`), or None."""
    ev = qa_evaluations
    query = select(ev.c.id).where(ev.c.recording_id == str(recording_id), ev.c.inspector == inspector,
                                  ev.c.status == "draft")
    if purpose is not None:
        query = query.where(ev.c.purpose == purpose)
    with engine.connect() as conn:
        found = conn.execute(query.order_by(ev.c.id.desc()).limit(1)).scalar()
    return None if found is None else load_evaluation(engine, found)


def item_scores(engine: Engine, d0=None, d1=None, *, purposes: Iterable[str] = ("regular", "imported")) -> pd.DataFrame:
    """Final evaluations' item rows, one per evaluation × item, with the agent's current team (roster) —
    for the item analysis. ``d0``/``d1`` bound the call date; calibration scores only when asked for."""
    ev, it, roster = qa_evaluations, qa_item_scores, RECORDS["roster"]
    team = (select(roster.c.rkey, roster.c.team).where(roster.c.is_current == 1).subquery())
    cols = [ev.c.id.label("evaluation_id"), ev.c.recording_id, ev.c.inspector, ev.c.form_id, ev.c.form_version,
            ev.c.agent_id, team.c.team, ev.c.business_type, ev.c.call_date, it.c.item_code, it.c.section, it.c.label,
            it.c.result, it.c.points, it.c.max_points, it.c.weight, it.c.fatal, ev.c.fatal.label("eval_fatal"),
            ev.c.score.label("eval_score"), ev.c.passed.label("eval_passed"), ev.c.purpose]
    query = (select(*cols).select_from(ev.join(it, it.c.evaluation_id == ev.c.id)
                                       .outerjoin(team, team.c.rkey == ev.c.agent_id))
             .where(ev.c.status == "final", ev.c.purpose.in_(list(purposes)))
             .order_by(ev.c.id, it.c.item_code))
    if d0 is not None:
        query = query.where(ev.c.call_date >= str(d0)[:10])
    if d1 is not None:
        query = query.where(ev.c.call_date <= str(d1)[:10])
    with engine.connect() as conn:
        frame = _frame(conn.execute(query).fetchall(), ITEM_SCORE_COLUMNS)
    frame["team"] = frame["team"].fillna("")
    for name in ("fatal", "eval_fatal", "eval_passed"):
        frame[name] = frame[name].astype(bool)
    for name in ("points", "max_points", "weight", "eval_score"):
        frame[name] = frame[name].astype("float64")
    return frame
