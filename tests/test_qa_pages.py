"""The QA pages driven headless with AppTest on a real SQLite store holding a small recordings export.

The workbench's "next" must switch forms by itself as the business type changes, fall back to the general
form with a visible note for an unknown business type, store one row per item on submit, and a form edited
after scoring must leave the old score untouched.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from ccdash.ingest.pipeline import import_file
from ccdash.qa import forms_store, sampling
from ccdash.qa.forms import load_shipped_forms
from ccdash.qa.store import evaluations, load_evaluation
from ccdash.store.db import make_engine
from ccdash.store.schema import qa_item_scores
from tests.conftest import ROOT, write_xlsx
from tests.pagetools import signed_in
from tests.actors import ADMIN, LEAD

HEADERS = ["录音编号", "通话ID", "坐席工号", "坐席姓名", "业务类型", "开始时间", "录音时长", "转写文本"]
LOSS_TEXT = ("坐席：您好，很高兴为您服务，我是 1024 号客服。\n客户：我的借记卡丢了。\n"
             "坐席：请您提供姓名、身份证号码和卡号。\n客户：好的……\n坐席：已为您办理临时挂失，卡号后四位 6621。"
             "临时挂失有效期为五天。\n坐席：请不要向任何人透露密码和验证码。")
RECORDINGS = [  # one agent, in time order: the queue follows it
    ["R1", "C1", "A01", "王芳", "借记卡挂失", dt.datetime(2026, 3, 2, 9, 0), 200, LOSS_TEXT],
    ["R2", "C2", "A01", "王芳", "信用卡激活", dt.datetime(2026, 3, 2, 10, 0), 150, "坐席：您好，很高兴为您服务。"],
    ["R3", "C3", "A01", "王芳", "账单查询", dt.datetime(2026, 3, 2, 11, 0), 100, None],
    ["R4", "C4", "A01", "王芳", "分期业务", dt.datetime(2026, 3, 2, 12, 0), 250, None],
]


@pytest.fixture
def qa_store(tmp_path, stores, monkeypatch):
    url = stores.new()
    engine = make_engine(url)
    report = import_file(engine, write_xlsx(tmp_path / "录音导出.xlsx", HEADERS, RECORDINGS), "recordings",
                         actor=ADMIN).report
    assert report["accepted"] == 4, report
    picks = sampling.draw_random(sampling_frame(engine), per_agent=4, d0="2026-03-02", d1="2026-03-08", seed=1)
    assert sampling.save_sample(engine, picks, batch="2026-W10", d0="2026-03-02", d1="2026-03-08", actor=ADMIN) == 4
    monkeypatch.setenv("CCDASH_DB_URL", url)
    monkeypatch.chdir(ROOT)
    return engine


def sampling_frame(engine):
    from ccdash.qa.recordings import list_recordings
    return list_recordings(engine)


def app(lang: str, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    signed_in(at)  # as an administrator: every page (tests/test_roles_pages.py checks the other roles)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def form_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(("质检表：", "Form:")))


def current(at: AppTest) -> str:
    return at.selectbox(key="qa_current").value


def test_next_switches_forms_by_business_type_and_falls_back_with_a_note(qa_store):
    forms = load_shipped_forms()
    at = app("zh", "pages/qa_workbench.py")
    seen = []
    for _ in range(4):
        seen.append((current(at), form_line(at), [w.value for w in at.warning]))
        at.button(key="qa_next").click().run()
        assert not at.exception, at.exception
    assert [rid for rid, _, _ in seen] == ["R1", "R2", "R3", "R4"]
    expected = ["debit_card_loss", "credit_card_activation", "bill_inquiry", "general"]
    for (rid, line, warnings), form_id in zip(seen, expected):
        assert forms[form_id].name.zh in line, (rid, line)
    assert not any("没有对应的质检表" in w for w in seen[0][2] + seen[1][2] + seen[2][2])
    note = [w for w in seen[3][2] if "没有对应的质检表" in w]
    assert note and "分期业务" in note[0] and forms["general"].name.zh in note[0]
    assert current(at) == "R1"  # "next" wraps around to the first recording still to score


def test_the_fallback_note_in_english(qa_store):
    at = app("en", "pages/qa_workbench.py")
    at.selectbox(key="qa_current").set_value("R4").run()
    assert any("has no form of its own" in w.value and "分期业务" in w.value for w in at.warning)


def test_phrases_are_ticked_and_suggested_for_the_loss_call(qa_store):
    at = app("zh", "pages/qa_workbench.py")
    assert current(at) == "R1"
    checklist = next(m.value for m in at.markdown if "临时挂失有效期为五天" in m.value)
    assert "✅ 临时挂失有效期为五天" in checklist
    assert "⬜ 请在五日内携带本人有效身份证件到网点办理正式挂失" in checklist  # not said in the transcript
    # the suggestion pre-selects, the inspector decides
    assert at.radio(key="qa_r_R1_greeting").value == "pass"
    assert at.radio(key="qa_r_R1_loss_key_points").value == "fail"


def score_all(at: AppTest, rid: str, form, result: str = "pass") -> None:
    for item in form.items():
        at.radio(key=f"qa_r_{rid}_{item.code}").set_value(result)
    at.run()
    assert not at.exception, at.exception


def test_submit_stores_one_row_per_item_and_a_form_edit_leaves_it_unchanged(qa_store):
    engine = qa_store
    form = forms_store.choose_form_for(engine, "借记卡挂失").form
    at = app("zh", "pages/qa_workbench.py")
    score_all(at, "R1", form)
    at.radio(key="qa_r_R1_soothe").set_value("na").run()  # N/A allowed on 安抚
    metric = next(m for m in at.metric if m.label == "当前得分")
    assert metric.value == "100.0"
    at.text_area(key="qa_comment_R1").set_value("规范").run()
    at.button(key="qa_save_final").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    done = evaluations(engine, recording_id="R1", status="final")
    assert len(done) == 1
    eid = int(done["id"].iloc[0])
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(qa_item_scores)
                            .where(qa_item_scores.c.evaluation_id == eid)).scalar()
    assert rows == len(form.items())
    before = load_evaluation(engine, eid)
    assert before["score"] == 100.0 and before["comment"] == "规范" and before["form_version"] == form.version
    # the lead doubles the greeting's points and halves the pass mark: version 2 of the form
    doc = form.doc()
    doc["pass_mark"] = 40
    doc["sections"][0]["items"][0]["max_points"] = 10
    saved = forms_store.save_form(engine, doc, actor=LEAD)
    assert saved.version == form.version + 1
    after = load_evaluation(engine, eid)
    assert after["form_version"] == form.version and after["score"] == before["score"]
    assert after["items"].equals(before["items"])
    # the workbench reopens the recording as done, with its old score
    at = app("zh", "pages/qa_workbench.py")
    at.selectbox(key="qa_current").set_value("R1").run()
    assert any("已提交过评分" in s.value and "100.0" in s.value for s in at.success)


def test_a_fatal_failure_scores_zero_live_and_a_draft_keeps_partial_work(qa_store):
    engine = qa_store
    form = forms_store.choose_form_for(engine, "信用卡激活").form
    at = app("zh", "pages/qa_workbench.py")
    at.button(key="qa_next").click().run()
    assert current(at) == "R2"
    at.radio(key="qa_r_R2_greeting").set_value("pass").run()
    at.radio(key="qa_r_R2_identity_check").set_value("fail").run()
    assert any("致命项不合格" in e.value for e in at.error)
    assert next(m for m in at.metric if m.label == "当前得分").value == "0.0"
    at.button(key="qa_save_final").click().run()  # incomplete: refused, nothing stored
    assert at.error and not len(evaluations(engine, recording_id="R2", status="final"))
    at.button(key="qa_save_draft").click().run()
    assert not at.exception
    draft = evaluations(engine, recording_id="R2", status="draft")
    assert len(draft) == 1 and draft["fatal"].iloc[0] == 1
    at = app("zh", "pages/qa_workbench.py")  # a new session resumes the draft
    at.selectbox(key="qa_current").set_value("R2").run()
    assert at.radio(key="qa_r_R2_identity_check").value == "fail"
    assert len(form.items()) > 2


def test_a_deduction_asks_for_its_reason_which_is_stored_per_item_and_kept_with_a_draft(qa_store):
    engine = qa_store
    at = app("zh", "pages/qa_workbench.py")
    at.button(key="qa_next").click().run()
    assert current(at) == "R2"
    reason = "qa_c_R2_greeting"
    at.radio(key="qa_r_R2_greeting").set_value("pass").run()
    assert reason not in [w.key for w in at.text_input]  # nothing deducted, nothing to explain
    at.radio(key="qa_r_R2_greeting").set_value("fail").run()
    box = at.text_input(key=reason)
    assert box.label == "扣分说明"
    box.set_value("  未使用标准开头语  ").run()
    at.button(key="qa_save_draft").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    draft = evaluations(engine, recording_id="R2", status="draft")
    items = load_evaluation(engine, int(draft["id"].iloc[0]))["items"].set_index("item_code")
    assert items.loc["greeting", "result"] == "fail" and items.loc["greeting", "comment"] == "未使用标准开头语"
    at = app("en", "pages/qa_workbench.py")  # a new session resumes the draft with its reason
    at.selectbox(key="qa_current").set_value("R2").run()
    assert at.text_input(key=reason).value == "未使用标准开头语"
    assert at.text_input(key=reason).label == "Reason for the deduction"
    at.radio(key="qa_r_R2_greeting").set_value("pass").run()  # no longer deducted: the reason is not kept
    at.button(key="qa_save_draft").click().run()
    items = load_evaluation(engine, int(draft["id"].iloc[0]))["items"].set_index("item_code")
    assert items.loc["greeting", "result"] == "pass" and items.loc["greeting", "comment"] == ""


def test_forms_page_lists_forms_and_saves_an_edit_as_a_new_version(qa_store):
    at = app("zh", "pages/qa_forms.py")
    names = set(at.dataframe[0].value["名称"])
    assert {"借记卡挂失", "信用卡激活", "积分兑换", "账单查询", "投诉处理"} <= names
    at.selectbox(key="qa_fm_pick").set_value("debit_card_loss").run()
    text = at.text_area(key="qa_fm_yaml_debit_card_loss_1").value
    assert "临时挂失有效期为五天" in text
    at.text_area(key="qa_fm_yaml_debit_card_loss_1").set_value(text.replace("pass_mark: 80", "pass_mark: 85")).run()
    at.button(key="qa_fm_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert forms_store.current_forms(qa_store)["debit_card_loss"].pass_mark == 85
    at.text_area(key="qa_fm_yaml_debit_card_loss_2").set_value("id: [broken").run()
    at.button(key="qa_fm_save").click().run()
    assert at.error and "YAML" in at.error[0].value


def test_routing_a_business_type_changes_the_form_the_workbench_opens(qa_store):
    at = app("en", "pages/qa_forms.py")
    at.segmented_control(key="qa_fm_section").set_value("routes").run()
    table = at.dataframe[0].value
    row = table[table["Business type"] == "分期业务"].iloc[0]
    assert row["How"] == "no route → general form"
    at.selectbox(key="qa_fm_route_btype").set_value("分期业务").run()
    at.selectbox(key="qa_fm_route_form").set_value("bill_inquiry").run()
    at.button(key="qa_fm_route_save").click().run()
    assert not at.exception and not at.error
    choice = forms_store.choose_form_for(qa_store, "分期业务")
    assert choice.matched and choice.form.id == "bill_inquiry"
    table = at.dataframe[0].value
    how = table[table["Business type"] == "分期业务"].iloc[0]["How"]
    assert how.startswith("set here (admin1, 20"), how  # who set it, and when
    declared = table[table["Business type"] == "借记卡挂失"].iloc[0]["How"]
    assert declared == "declared by the form"
    # the route set here is taken back: the type returns to what the forms declare (none: the general form)
    at.selectbox(key="qa_fm_route_btype").set_value("分期业务").run()
    at.button(key="qa_fm_route_reset").click().run()
    assert not at.exception and not at.error
    assert not forms_store.choose_form_for(qa_store, "分期业务").matched
    assert forms_store.route_overrides(qa_store) == []
    table = at.dataframe[0].value
    assert table[table["Business type"] == "分期业务"].iloc[0]["How"] == "no route → general form"
    at.selectbox(key="qa_fm_route_btype").set_value("借记卡挂失").run()  # nothing set here: nothing to take back
    assert "qa_fm_route_reset" not in [b.key for b in at.button]


def test_analysis_page_shows_item_failures_across_forms(qa_store):
    engine = qa_store
    at = app("zh", "pages/qa_workbench.py")
    score_all(at, "R1", forms_store.choose_form_for(engine, "借记卡挂失").form)
    at.radio(key="qa_r_R1_soothe").set_value("na").run()
    at.radio(key="qa_r_R1_anti_fraud").set_value("fail").run()
    at.button(key="qa_save_final").click().run()
    assert not at.error, [e.value for e in at.error]
    at = app("zh", "pages/qa_analysis.py")
    assert not at.exception
    assert next(m for m in at.metric if m.label == "质检量").value == "1"
    table = at.dataframe[0].value
    row = table[table["质检项代码"] == "anti_fraud"].iloc[0]
    assert row["不合格次数"] == 1 and row["不合格率 %"] == 100.0
    for view in ("heatmap", "trend", "coaching", "phrases", "calibration"):
        at.segmented_control(key="qa_an_view").set_value(view).run()
        assert not at.exception, (view, at.exception)


def test_sampling_panel_refuses_nothing_new_and_creates_calibration_tasks(qa_store):
    at = app("zh", "pages/qa_workbench.py")
    at.segmented_control(key="qa_section").set_value("sample").run()
    assert any("期间内录音 4 条，其中已抽过 4 条" in c.value for c in at.caption)
    at.button(key="qa_sm_draw").click().run()
    assert any("没有可抽取的录音" in w.value for w in at.warning)  # all four are sampled already
    at.multiselect(key="qa_sm_cal_recs").set_value(["R1", "R2"]).run()
    at.text_input(key="qa_sm_cal_inspectors").set_value("张敏，李娜").run()
    at.button(key="qa_sm_cal_go").click().run()
    assert any("已建立 4 个校准任务" in s.value for s in at.success)
    queue = sampling.queue(qa_store, "李娜")
    assert set(queue.loc[queue["purpose"] == "calibration", "recording_id"]) == {"R1", "R2"}
