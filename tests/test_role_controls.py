"""Controls a role may not use are not offered (AppTest on a copy of the sample store, a real session per role).

The library refuses them anyway (tests/test_permissions.py); these tests check that the pages do not show
them: a viewer sees the targets read-only, an inspector gets no sampling section, no calibration tasks and
no appeal decisions, a viewer gets no "edit in the builder" — and a lead gets every one of them.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ccdash.indicators.targets import set_target
from ccdash.qa import appeals as qa_appeals
from ccdash.qa.forms_store import choose_form_for
from ccdash.qa.scoring import ItemResult
from ccdash.qa.store import save_evaluation
from ccdash.store.db import make_engine
from tests.actors import LEAD
from tests.conftest import ROOT
from tests.pagetools import signed_in
from tests.test_pages import sample_store, store  # noqa: F401  (fixtures)

TARGET_EDITOR = {"selectbox": ("tg_code", "tg_scope", "tg_direction"), "number_input": ("tg_warning", "tg_critical"),
                 "button": ("tg_save",)}


def page_as(role: str, page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    signed_in(at, role=role)
    at.run()
    assert not at.exception, at.exception
    if page != "pages/dashboards.py":  # the first screen of every role that has it
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def keys(at: AppTest, kind: str) -> set[str]:
    return {e.key for e in at.get(kind) if getattr(e, "key", None)}


def shown(at: AppTest, kind: str, key: str) -> bool:
    return key in keys(at, kind)


def has_editor(at: AppTest) -> bool:
    return any(shown(at, kind, key) for kind, names in TARGET_EDITOR.items() for key in names)


# ---- Alerts: the target editor ----

def targets_table(at: AppTest):
    return next(d for d in at.dataframe if "目标（百分比写 0.9）" in d.value.columns)


@pytest.fixture
def with_target(store):
    engine = make_engine()
    set_target(engine, "service_level", 0.5, actor=LEAD)
    engine.dispose()
    return store


@pytest.mark.parametrize("role", ["viewer", "inspector"])
def test_viewer_and_inspector_see_targets_read_only_on_alerts(with_target, role):
    at = page_as(role, "pages/alerts.py")
    assert at.title[0].value == "预警" and not at.error
    assert not has_editor(at), {k: keys(at, k) for k in TARGET_EDITOR}
    assert not any(k.startswith("tg_target_") for k in keys(at, "number_input"))
    table = targets_table(at)  # the targets, read-only
    assert "服务水平" in table.value.iloc[:, 0].tolist()
    assert not table.proto.selection_mode  # no row to pick for "delete"


def test_lead_gets_the_target_editor_on_alerts(with_target):
    at = page_as("lead", "pages/alerts.py")
    assert all(shown(at, kind, key) for kind, names in TARGET_EDITOR.items() for key in names)
    table = targets_table(at)
    assert table.proto.selection_mode  # a row can be picked to delete it


# ---- QA workbench: sampling, calibration tasks, appeals ----

@pytest.fixture
def with_appeal(store):
    """One submitted score of A01 (the form the sample store routes its business type to) with an open appeal."""
    engine = make_engine()
    form = choose_form_for(engine, "借记卡挂失").form
    eid = save_evaluation(engine, recording={"recording_id": "RX1", "agent_id": "A01", "business_type": "借记卡挂失",
                                             "date": "2026-10-30"}, form=form, actor=LEAD, inspector="qa1",
                          results={i.code: ItemResult("pass") for i in form.items()}
                          | {form.items()[0].code: ItemResult("fail", comment="未报工号")}, status="final")
    qa_appeals.file_appeal(engine, eid, form.items()[0].code, "坐席认为已报工号", actor=LEAD)
    engine.dispose()
    return store


def sections(at: AppTest) -> list[str]:
    return list(at.segmented_control(key="qa_section").options)


def test_inspector_has_no_sampling_and_no_appeal_decisions(with_appeal):
    at = page_as("inspector", "pages/qa_workbench.py")
    assert at.title[0].value == "质检工作台"
    assert "抽样" not in sections(at) and sections(at) == ["评分", "申诉"]
    assert not shown(at, "button", "qa_sm_draw") and not shown(at, "button", "qa_sm_cal_go")
    at.segmented_control(key="qa_section").set_value("appeals").run()
    assert not at.exception and not at.error
    assert at.dataframe  # the open appeal, to read
    for kind, key in (("button", "qa_ap_decide"), ("selectbox", "qa_ap_pick"), ("radio", "qa_ap_decision"),
                      ("button", "qa_ap_submit"), ("selectbox", "qa_ap_eval")):
        assert not shown(at, kind, key), key


def test_inspector_forcing_the_sampling_section_still_gets_none(with_appeal):
    """A section key left in the session (or typed in) does not bring the panel back."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    signed_in(at, role="inspector")
    at.session_state["qa_section"] = "sample"
    at.run()
    at.switch_page("pages/qa_workbench.py").run()
    assert not shown(at, "button", "qa_sm_draw") and not shown(at, "date_input", "qa_sm_period")


def test_lead_gets_sampling_calibration_and_appeal_decisions(with_appeal):
    at = page_as("lead", "pages/qa_workbench.py")
    assert sections(at) == ["评分", "抽样", "申诉"]
    at.segmented_control(key="qa_section").set_value("sample").run()
    assert shown(at, "button", "qa_sm_draw") and shown(at, "button", "qa_sm_cal_go")
    at.segmented_control(key="qa_section").set_value("appeals").run()
    assert shown(at, "button", "qa_ap_decide") and shown(at, "selectbox", "qa_ap_pick")
    assert shown(at, "button", "qa_ap_submit")  # a lead may file an appeal too
    table = at.dataframe[0].value  # the open appeal in Chinese, the inspector's reason beside the agent's
    row = table.iloc[0]
    assert (row["坐席"], row["当前结果"], row["扣分说明"], row["申诉理由"], row["状态"]) == (
        "A01", "不合格", "未报工号", "坐席认为已报工号", "待处理")
    assert "item_code" not in table.columns and "evaluation_id" not in table.columns


# ---- Dashboards: "edit in the builder" ----

def builder_links(at: AppTest) -> list:
    return [e for e in at.get("page_link") if "builder" in e.proto.page]


def test_viewer_on_dashboards_has_no_edit_link(store):
    at = page_as("viewer", "pages/dashboards.py")
    assert at.title[0].value == "运营总览" and at.get("vega_lite_chart")
    assert not builder_links(at) and not shown(at, "button", "bld_save")


def test_lead_on_dashboards_gets_the_edit_link_to_this_dashboard(store):
    at = page_as("lead", "pages/dashboards.py")
    (link,) = builder_links(at)
    assert link.proto.label == "在设计器中编辑" and "dashboard=ops_overview" in link.proto.query_string


def test_a_dashboard_link_opens_that_dashboard_in_the_viewer_and_the_builder(store):
    """The edit link's ``?dashboard=`` is followed within a session, not only on its first page run."""
    at = page_as("lead", "pages/builder.py")
    assert at.selectbox(key="bld_pick").value == "ops_overview"  # the builder holds a document now
    at.switch_page("pages/dashboards.py").run()
    assert at.title[0].value == "运营总览"
    at.query_params["dashboard"] = "agent_performance"
    at.run()
    assert at.title[0].value == "坐席表现" and at.selectbox(key="dv_dashboard").value == "agent_performance"
    at.switch_page("pages/builder.py").run()
    assert not at.exception and at.selectbox(key="bld_pick").value == "agent_performance"
