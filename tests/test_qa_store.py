"""Evaluations stored per item, drafts and finals, form versions kept, appeals with history, QA measures.

The test form (FORM_DOC): greeting max 10; identity_check max 10, fatal; answer_accuracy max 20, weight 2;
soothe max 10, N/A allowed. Everything applicable: 10 + 10 + 2 × 20 + 10 = 70 weighted points. Pass mark 80.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ccdash.dashboards.data import store_version
from ccdash.findings import CcdashError
from ccdash.ingest.pipeline import import_file
from ccdash.qa import forms_store
from ccdash.qa.appeals import appeals, decide_appeal, file_appeal
from ccdash.qa.forms import parse_form
from ccdash.qa.scoring import ItemResult
from ccdash.qa.store import (
    ITEM_SCORE_COLUMNS, draft_for, evaluations, item_results, item_scores, load_evaluation, save_evaluation,
)
from ccdash.store.schema import qa_day, qa_evaluations, qa_item_scores
from tests.actors import ADMIN, LEAD

FORM_DOC = {
    "schema_version": 1, "id": "test_form", "version": 1, "name": {"zh": "测试质检表", "en": "Test form"},
    "pass_mark": 80,
    "sections": [
        {"title": {"zh": "开场与核身", "en": "Opening"}, "items": [
            {"code": "greeting", "max_points": 10},
            {"code": "identity_check", "max_points": 10, "fatal": True}]},
        {"title": {"zh": "业务办理", "en": "Business"}, "items": [
            {"code": "answer_accuracy", "label": {"zh": "解答准确", "en": "Accurate answer"}, "max_points": 20,
             "weight": 2},
            {"code": "soothe", "max_points": 10, "na_allowed": True}]},
    ],
}
FORM = parse_form(FORM_DOC)
P, F, NA = ItemResult("pass"), ItemResult("fail"), ItemResult("na")


def part(points: float, comment: str = "") -> ItemResult:
    return ItemResult("partial", points, comment)


def rec(recording_id: str = "R1", agent: str = "A01", business_type: str = "挂失", date: str = "2026-03-02") -> dict:
    return {"recording_id": recording_id, "agent_id": agent, "business_type": business_type, "date": date}


def save(engine, results, *, status="final", recording=None, inspector="QA1", form=FORM, **kw) -> int:
    return save_evaluation(engine, recording=recording or rec(), form=form, results=results, inspector=inspector,
                           status=status, **kw, actor=ADMIN)


def stored_items(engine, evaluation_id: int) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(qa_item_scores).where(qa_item_scores.c.evaluation_id == evaluation_id)).fetchall()
    return {r.item_code: dict(r._mapping) for r in rows}


def qa_day_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(qa_day).order_by(qa_day.c.date, qa_day.c.agent_id))]


# --- saving -------------------------------------------------------------------------------------------

def test_saving_stores_one_row_per_item_and_the_hand_computed_score(engine):
    results = {"greeting": P, "identity_check": P, "answer_accuracy": part(12, "漏讲手续费"), "soothe": NA}
    eid = save(engine, results, comment="整体不错")
    rows = stored_items(engine, eid)
    assert set(rows) == {"greeting", "identity_check", "answer_accuracy", "soothe"}
    # copied from the form: section, label (the form's own or the catalog's), max, weight, fatal
    assert rows["answer_accuracy"] | {"evaluation_id": 0} == {
        "evaluation_id": 0, "item_code": "answer_accuracy", "section": "业务办理", "label": "解答准确",
        "result": "partial", "points": 12.0, "max_points": 20.0, "weight": 2.0, "fatal": 0, "comment": "漏讲手续费"}
    assert rows["identity_check"]["fatal"] == 1 and rows["identity_check"]["label"] == "身份核实"
    assert rows["soothe"]["result"] == "na" and rows["soothe"]["points"] is None
    # earned 10 + 10 + 12 × 2 = 44 of 10 + 10 + 20 × 2 = 60 (soothe N/A): 73.33, below the pass mark 80
    ev = load_evaluation(engine, eid)
    assert (ev["earned_w"], ev["possible_w"]) == (44.0, 60.0)
    assert ev["score"] == pytest.approx(100 * 44 / 60) and ev["passed"] == 0 and ev["fatal"] == 0
    assert (ev["status"], ev["form_id"], ev["form_version"], ev["call_date"], ev["comment"]) == (
        "final", "test_form", 1, "2026-03-02", "整体不错")


def test_a_fatal_failure_scores_zero(engine):
    eid = save(engine, {"greeting": P, "identity_check": F, "answer_accuracy": P, "soothe": P})
    ev = load_evaluation(engine, eid)
    assert (ev["score"], ev["earned_w"], ev["possible_w"], ev["fatal"], ev["passed"]) == (0.0, 0.0, 70.0, 1, 0)


def test_a_draft_with_missing_items_saves_and_a_final_one_does_not(engine):
    with pytest.raises(CcdashError) as err:
        save(engine, {"greeting": P}, status="final")
    assert err.value.code == "qa.score_incomplete"
    assert evaluations(engine).empty  # nothing written
    eid = save(engine, {"greeting": P}, status="draft")
    assert list(stored_items(engine, eid)) == ["greeting"]
    ev = load_evaluation(engine, eid)
    assert (ev["status"], ev["score"], ev["possible_w"]) == ("draft", 100.0, 10.0)
    assert qa_day_rows(engine) == []  # a draft counts in no indicator


def test_a_draft_is_resumed_finalised_and_then_locked(engine):
    first = save(engine, {"greeting": P, "identity_check": P}, status="draft", sample_id=7)
    draft = draft_for(engine, "R1", "QA1")
    assert draft["id"] == first and set(item_results(draft)) == {"greeting", "identity_check"}
    assert draft_for(engine, "R1", "QA2") is None
    results = {**item_results(draft), "answer_accuracy": part(10), "soothe": P}
    # saved again without its id: the inspector's open draft is replaced, not duplicated
    again = save(engine, results, status="final")
    assert again == first and len(evaluations(engine)) == 1
    ev = load_evaluation(engine, first)
    assert ev["status"] == "final" and ev["sample_id"] == 7 and len(ev["items"]) == 4
    assert draft_for(engine, "R1", "QA1") is None
    with pytest.raises(CcdashError) as err:  # back to draft: refused
        save(engine, results, status="draft", evaluation_id=first)
    assert err.value.code == "qa.eval_final_locked"
    with pytest.raises(CcdashError) as err:  # re-scored: refused (appeals change final scores)
        save(engine, {**results, "greeting": F}, status="final", evaluation_id=first)
    assert err.value.code == "qa.eval_final_locked"
    with pytest.raises(CcdashError) as err:  # a second final score of the same recording by the same inspector
        save(engine, results, status="final")
    assert err.value.code == "qa.eval_already_final" and "QA1" in err.value.message("en")
    assert load_evaluation(engine, first)["score"] == ev["score"]
    # another inspector calibrating the same recording is a separate evaluation
    other = save(engine, results, inspector="QA2", purpose="calibration")
    assert other != first and len(evaluations(engine)) == 2


def test_bad_arguments_are_refused_with_messages(engine):
    full = {"greeting": P, "identity_check": P, "answer_accuracy": P, "soothe": P}
    for kwargs, code in (({"status": "done"}, "qa.eval_bad_status"), ({"purpose": "imported"}, "qa.eval_bad_purpose"),
                         ({"inspector": " "}, "qa.eval_no_inspector"), ({"recording": rec("")}, "qa.eval_no_recording"),
                         ({"evaluation_id": 99}, "qa.eval_missing")):
        with pytest.raises(CcdashError) as err:
            save(engine, full, **kwargs)
        assert err.value.code == code and err.value.message("en") != code
    with pytest.raises(CcdashError) as err:  # N/A on an item that does not allow it: scoring's message
        save(engine, {**full, "greeting": NA})
    assert err.value.code == "qa.score_na_not_allowed"


def test_a_form_edit_after_scoring_leaves_the_old_score_unchanged(engine):
    v1 = forms_store.save_form(engine, FORM_DOC, actor=LEAD)
    results = {"greeting": part(5), "identity_check": P, "answer_accuracy": P, "soothe": P}
    old = save(engine, results, form=v1)
    before = (stored_items(engine, old), load_evaluation(engine, old)["score"])
    assert before[1] == pytest.approx(100 * 65 / 70)
    edited = {**FORM_DOC, "sections": [
        {"title": {"zh": "开场", "en": "Opening"}, "items": [
            {"code": "greeting", "label": {"zh": "开头语（新）", "en": "Greeting (new)"}, "max_points": 20, "weight": 3},
            {"code": "identity_check", "max_points": 10, "fatal": True}]},
        FORM_DOC["sections"][1]]}
    v2 = forms_store.save_form(engine, edited, actor=LEAD)
    assert (v1.version, v2.version) == (1, 2)
    ev = load_evaluation(engine, old)
    assert (stored_items(engine, old), ev["score"]) == before  # rows and score as they were
    assert ev["form_version"] == 1 and ev["items"].set_index("item_code").loc["greeting", "max_points"] == 10
    assert list(ev["items"]["item_code"]) == ["greeting", "identity_check", "answer_accuracy", "soothe"]
    new = save(engine, results, form=v2, recording=rec("R2"))
    rows = stored_items(engine, new)
    assert (rows["greeting"]["max_points"], rows["greeting"]["weight"], rows["greeting"]["label"]) == (20, 3, "开头语（新）")
    # 5 × 3 + 10 + 40 + 10 = 75 of 60 + 10 + 40 + 10 = 120
    assert load_evaluation(engine, new)["score"] == pytest.approx(100 * 75 / 120)
    assert load_evaluation(engine, new)["form_version"] == 2


# --- queries ------------------------------------------------------------------------------------------

def test_item_scores_are_final_only_with_the_current_team(engine, small_files):
    import_file(engine, small_files["roster"], "roster", actor=ADMIN)  # A01 → T1, A02 → T2
    full = {"greeting": P, "identity_check": P, "answer_accuracy": part(15), "soothe": NA}
    a = save(engine, full)
    save(engine, full, recording=rec("R2", agent="A02", date="2026-03-03"), status="final", inspector="QA2")
    save(engine, {"greeting": F}, recording=rec("R3", agent="A02"), status="draft")
    save(engine, full, inspector="QA9", purpose="calibration")
    got = item_scores(engine)
    assert list(got.columns) == ITEM_SCORE_COLUMNS
    assert len(got) == 2 * 4 and set(got["purpose"]) == {"regular"}
    one = got[(got["evaluation_id"] == a) & (got["item_code"] == "answer_accuracy")].iloc[0]
    assert (one["team"], one["points"], one["max_points"], one["weight"], one["fatal"], one["eval_fatal"]) == (
        "T1", 15.0, 20.0, 2.0, False, False)
    assert one["eval_score"] == pytest.approx(100 * (10 + 10 + 30) / 60) and bool(one["eval_passed"])
    assert set(got[got["agent_id"] == "A02"]["team"]) == {"T2"}
    assert len(item_scores(engine, "2026-03-03", "2026-03-31")) == 4  # the date bounds the call date
    calib = item_scores(engine, purposes=("calibration",))
    assert set(calib["inspector"]) == {"QA9"} and len(calib) == 4
    assert len(evaluations(engine, status="draft")) == 1 and len(evaluations(engine, recording_id="R1")) == 2
    assert len(evaluations(engine, purposes=["calibration"])) == 1 and len(evaluations(engine, inspector="QA2")) == 1


def test_final_scores_fill_the_qa_measures_and_the_store_version_moves(engine):
    v0 = store_version(engine)
    save(engine, {"greeting": F, "identity_check": P, "answer_accuracy": part(10), "soothe": NA})
    v1 = store_version(engine)
    save(engine, {"greeting": P, "identity_check": F, "answer_accuracy": P, "soothe": P},
         recording=rec("R2", business_type="激活"))
    assert len({v0, v1, store_version(engine)}) == 3  # cached dashboards are redrawn after each score
    rows = qa_day_rows(engine)
    assert [(r["business_type"], r["week"], r["month"], r["team"]) for r in rows] == [
        ("挂失", "2026-03-02", "2026-03-01", ""), ("激活", "2026-03-02", "2026-03-01", "")]
    lost = rows[0]  # 0 + 10 + 20 of 10 + 10 + 40; 1 failed item of 3 applicable
    assert {k: lost[k] for k in ("qa_evals", "qa_earned_w", "qa_possible_w", "qa_passed", "qa_fatal",
                                 "qa_items_applicable", "qa_items_failed")} == {
        "qa_evals": 1, "qa_earned_w": 30, "qa_possible_w": 60, "qa_passed": 0, "qa_fatal": 0,
        "qa_items_applicable": 3, "qa_items_failed": 1}
    active = rows[1]
    assert (active["qa_earned_w"], active["qa_possible_w"], active["qa_fatal"], active["qa_items_failed"]) == (0, 70, 1, 1)


# --- appeals ------------------------------------------------------------------------------------------

def test_an_appeal_changed_rescores_the_call_and_keeps_the_history(engine):
    eid = save(engine, {"greeting": P, "identity_check": P, "answer_accuracy": part(10),
                        "soothe": ItemResult("fail", comment="客户激动时未安抚")})
    assert load_evaluation(engine, eid)["score"] == pytest.approx(100 * 40 / 70)  # 10 + 10 + 10 × 2 + 0
    with pytest.raises(CcdashError) as err:
        file_appeal(engine, eid, "anti_fraud", "不在表上", agent_id="A01", actor=ADMIN)
    assert err.value.code == "qa.appeal_no_item"
    appeal = file_appeal(engine, eid, "soothe", "客户情绪平稳，无需安抚", agent_id="", actor=ADMIN)
    with pytest.raises(CcdashError) as err:  # one open appeal per item
        file_appeal(engine, eid, "soothe", "再申诉", agent_id="A01", actor=ADMIN)
    assert err.value.code == "qa.appeal_open"
    assert appeals(engine, "open")[["id", "agent_id", "item_code", "result", "reason", "item_comment"]].values.tolist() == [
        [appeal, "A01", "soothe", "fail", "客户情绪平稳，无需安抚", "客户激动时未安抚"]]  # both sides, for the lead
    version = store_version(engine)
    out = decide_appeal(engine, appeal, "changed", new=ItemResult("na"), note="同意：不适用", actor=LEAD)
    # soothe N/A: 40 of 60 → 66.67, still below 80
    assert out["score"] == pytest.approx(100 * 40 / 60) and out["passed"] is False
    ev = load_evaluation(engine, eid)
    assert (ev["score"], ev["earned_w"], ev["possible_w"]) == (pytest.approx(100 * 40 / 60), 40.0, 60.0)
    item = ev["items"].set_index("item_code").loc["soothe"]
    assert item["result"] == "na" and item["points"] != item["points"]  # NaN: no points for N/A
    history = ev["history"]
    assert history[["item_code", "old_result", "old_points", "new_result", "reason", "changed_by"]].values.tolist() == [
        ["soothe", "fail", 0.0, "na", "同意：不适用", LEAD.username]]
    assert history["new_points"].isna().all()
    assert ev["appeals"][["status", "decision_note", "decided_by"]].values.tolist() == [
        ["changed", "同意：不适用", LEAD.username]]
    assert qa_day_rows(engine)[0]["qa_items_applicable"] == 3 and store_version(engine) != version
    with pytest.raises(CcdashError) as err:
        decide_appeal(engine, appeal, "upheld", note="", actor=LEAD)
    assert err.value.code == "qa.appeal_decided"
    # a second appeal on the partial item: raised to pass → 60 of 60 = 100, passes
    second = file_appeal(engine, eid, "answer_accuracy", "已完整解答", agent_id="A01", actor=ADMIN)
    out = decide_appeal(engine, second, "changed", new=ItemResult("pass"), note="改判合格", actor=ADMIN)
    assert out == {"score": 100.0, "passed": True, "fatal": False}
    assert qa_day_rows(engine)[0]["qa_passed"] == 1
    assert len(load_evaluation(engine, eid)["history"]) == 2


def test_an_appeal_to_fail_a_fatal_item_zeroes_the_call(engine):
    eid = save(engine, {"greeting": P, "identity_check": P, "answer_accuracy": P, "soothe": P})
    appeal = file_appeal(engine, eid, "identity_check", "复核发现未核身", agent_id="A01", actor=ADMIN)
    with pytest.raises(CcdashError) as err:  # a fatal item is pass/fail only: scoring refuses partial
        decide_appeal(engine, appeal, "changed", new=part(5), note="", actor=LEAD)
    assert err.value.code == "qa.score_partial_not_allowed"
    out = decide_appeal(engine, appeal, "changed", new=ItemResult("fail"), note="复核改判", actor=LEAD)
    assert out == {"score": 0.0, "passed": False, "fatal": True}
    row = qa_day_rows(engine)[0]
    assert (row["qa_fatal"], row["qa_earned_w"], row["qa_possible_w"], row["qa_items_failed"]) == (1, 0, 70, 1)


def test_an_appeal_upheld_changes_nothing_but_the_appeal(engine):
    eid = save(engine, {"greeting": F, "identity_check": P, "answer_accuracy": P, "soothe": P})
    before = (stored_items(engine, eid), load_evaluation(engine, eid)["score"], qa_day_rows(engine))
    appeal = file_appeal(engine, eid, "greeting", "我说了开头语", agent_id="A01", actor=ADMIN)
    with pytest.raises(CcdashError) as err:
        decide_appeal(engine, appeal, "changed", new=ItemResult("fail"), note="", actor=LEAD)
    assert err.value.code == "qa.appeal_unchanged"
    decide_appeal(engine, appeal, "upheld", note="录音中没有开头语", actor=LEAD)
    assert (stored_items(engine, eid), load_evaluation(engine, eid)["score"], qa_day_rows(engine)) == before
    assert load_evaluation(engine, eid)["history"].empty
    assert appeals(engine)[["status", "decision_note"]].values.tolist() == [["upheld", "录音中没有开头语"]]
    assert appeals(engine, "open").empty


def test_appeals_only_on_final_regular_scores(engine):
    draft = save(engine, {"greeting": P}, status="draft")
    calib = save(engine, {"greeting": P, "identity_check": P, "answer_accuracy": P, "soothe": P},
                 inspector="QA2", purpose="calibration")
    for eid, code in ((draft, "qa.appeal_not_final"), (calib, "qa.appeal_not_regular"), (999, "qa.eval_missing")):
        with pytest.raises(CcdashError) as err:
            file_appeal(engine, eid, "greeting", "理由", agent_id="A01", actor=ADMIN)
        assert err.value.code == code
    with pytest.raises(CcdashError) as err:
        file_appeal(engine, calib, "greeting", "  ", agent_id="A01", actor=ADMIN)
    assert err.value.code == "qa.appeal_no_reason"
    with pytest.raises(CcdashError) as err:
        decide_appeal(engine, 42, "upheld", note="", actor=LEAD)
    assert err.value.code == "qa.appeal_missing"


def test_an_appeal_rescores_on_the_stored_form_version_after_an_edit(engine):
    v1 = forms_store.save_form(engine, {**FORM_DOC, "pass_mark": 60}, actor=LEAD)
    eid = save(engine, {"greeting": F, "identity_check": P, "answer_accuracy": part(5), "soothe": P}, form=v1)
    assert load_evaluation(engine, eid)["score"] == pytest.approx(100 * 30 / 70)
    forms_store.save_form(engine, {**FORM_DOC, "pass_mark": 95, "sections": [
        {"title": {"zh": "开场", "en": "Opening"}, "items": [{"code": "greeting", "max_points": 50}]}]}, actor=LEAD)
    appeal = file_appeal(engine, eid, "greeting", "有开头语", agent_id="A01", actor=ADMIN)
    out = decide_appeal(engine, appeal, "changed", new=ItemResult("pass"), note="", actor=LEAD)
    # on version 1: 10 + 10 + 10 + 10 = 40 of 70 = 57.1, below version 1's pass mark 60 (not 95, not max 50)
    assert out["score"] == pytest.approx(100 * 40 / 70) and out["passed"] is False
    with engine.connect() as conn:
        assert conn.execute(select(qa_evaluations.c.form_version).where(qa_evaluations.c.id == eid)).scalar() == 1
