"""Every data-changing library function refuses what the acting user's role does not allow — not only the pages.

One table (CASES): each function with the permission it needs, the audit action it writes, the tables it
changes, how to set up what it acts on, and the roles that may call it. For each function × each role:

* an allowed role succeeds and the audit trail gains a row with the function's action, the user and the role;
* a refused role gets :class:`PermissionDenied`, the tables are exactly as before, and the audit trail gains
  exactly one row ``denied:<permission>`` naming the user.

Then the refusals that depend on the data (an agent appealing someone else's evaluation, an inspector
scoring under another name), a failed import leaving no audit row, and the refusal's message.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import func, select

from ccdash.auth.roles import PERMISSIONS, ROLES, Actor, PermissionDenied
from ccdash.dashboards import documents as docs
from ccdash.findings import CcdashError
from ccdash.indicators import custom, targets
from ccdash.ingest import pipeline
from ccdash.qa import appeals, forms_store, sampling
from ccdash.qa import store as qa_store
from ccdash.qa.forms import load_shipped_forms, parse_form
from ccdash.qa.scoring import ItemResult
from ccdash.store import imports as store_imports
from ccdash.store.schema import (
    RECORDS, audit_log, custom_indicator_versions, custom_indicators, dashboard_versions, dashboards, imports,
    mapping_profiles, qa_appeals, qa_evaluations, qa_form_versions, qa_item_history, qa_item_scores, qa_routes,
    qa_samples, target_versions,
)
from ccdash.store.schema import targets as targets_table
from tests.actors import ADMIN, AGENT, AGENT2, INSPECTOR, LEAD, ROLES_ACTORS, VIEWER

FORM = parse_form({
    "schema_version": 1, "id": "perm_form", "version": 1, "name": {"zh": "权限测试表", "en": "Permission form"},
    "pass_mark": 80, "sections": [{"title": {"zh": "开场", "en": "Opening"}, "items": [
        {"code": "greeting", "max_points": 10}, {"code": "identity_check", "max_points": 10, "fatal": True}]}],
})
ALL_PASS = {"greeting": ItemResult("pass"), "identity_check": ItemResult("pass")}
BOARD = {"schema_version": 2, "id": "perm_board", "title": {"zh": "权限看板", "en": "Permission board"},
         "widgets": {"w0": {"kind": "kpi", "indicators": ["aht"]}},
         "tabs": [{"id": "main", "title": {"zh": "总览"}, "rows": [["w0"]]}]}
IMPORT_TABLES = (imports, RECORDS["calls"], mapping_profiles)
EVAL_TABLES = (qa_evaluations, qa_item_scores)
APPEAL_TABLES = (qa_appeals, qa_evaluations, qa_item_scores, qa_item_history)


# --- what each function acts on (set up as the administrator) -------------------------------------------

def _prepared(engine, files):
    return pipeline.prepare_import(files["calls"].read_bytes(), "calls.xlsx", "calls", engine=engine)


def _imported(engine, files):
    return pipeline.import_file(engine, files["calls"], "calls", actor=ADMIN).commit.import_id


def _evaluation(engine, agent: str = "A01", status: str = "final") -> int:
    return qa_store.save_evaluation(engine, recording={"recording_id": "R1", "agent_id": agent, "business_type": "挂失",
                                                       "date": "2026-03-02"},
                                    form=FORM, results=ALL_PASS, inspector="qa1", status=status, actor=ADMIN)


def _appeal(engine) -> int:
    return appeals.file_appeal(engine, _evaluation(engine), "greeting", "我说了开头语", actor=ADMIN)


def _commit(engine, p, actor):
    r = p.report
    counts = {k: int(r[k]) for k in ("rows_read", "accepted", "rejected", "ignored", "blank_rows", "total_rows")}
    return store_imports.commit_import(
        engine, kind=p.kind, shape=p.cleaned.shape, frame=p.cleaned.frame, sha256=p.sha256, file_name=p.file_name,
        sheet=p.mapping.sheet, counts=counts, mapping=p.mapping.to_doc(), report=r, actor=actor)


def _shipped(form_id: str) -> dict:
    return {**load_shipped_forms()[form_id].doc(), "pass_mark": 85}


@dataclass(frozen=True)
class Case:
    name: str
    perm: str
    action: str
    roles: str  # the roles that may call it, space-separated
    tables: tuple
    call: Callable  # (engine, ctx, actor) → anything
    setup: Callable = lambda engine, files: None  # → ctx


LEADS, QA, APPEAL = "admin lead", "admin lead inspector", "admin lead agent"
CASES = [
    Case("import_file", "imports.run", "import.run", LEADS, IMPORT_TABLES,
         lambda e, files, a: pipeline.import_file(e, files["calls"], "calls", actor=a), lambda e, files: files),
    Case("run_import", "imports.run", "import.run", LEADS, IMPORT_TABLES,
         lambda e, p, a: pipeline.run_import(e, p, actor=a), _prepared),
    Case("commit_import", "imports.run", "import.run", LEADS, IMPORT_TABLES, lambda e, p, a: _commit(e, p, a), _prepared),
    Case("undo_import", "imports.run", "import.undo", LEADS, IMPORT_TABLES,
         lambda e, i, a: store_imports.undo_import(e, i, actor=a), _imported),
    Case("save_profile", "imports.run", "mapping.save", LEADS, (mapping_profiles,),
         lambda e, _, a: store_imports.save_profile(e, "calls", "sig", {"columns": {"agent_id": "工号"}}, actor=a)),
    Case("save_dashboard", "dashboards.edit", "dashboard.save", LEADS, (dashboards, dashboard_versions),
         lambda e, _, a: docs.save_dashboard(e, BOARD, actor=a)),
    Case("duplicate_dashboard", "dashboards.edit", "dashboard.save", LEADS, (dashboards, dashboard_versions),
         lambda e, _, a: docs.duplicate_dashboard(e, "perm_board", "perm_copy", "副本", actor=a),
         lambda e, _: docs.save_dashboard(e, BOARD, actor=ADMIN)),
    Case("delete_dashboard", "dashboards.edit", "dashboard.delete", LEADS, (dashboards, dashboard_versions),
         lambda e, _, a: docs.delete_dashboard(e, "perm_board", actor=a),
         lambda e, _: docs.save_dashboard(e, BOARD, actor=ADMIN)),
    Case("restore_dashboard", "dashboards.edit", "dashboard.restore", LEADS, (dashboards, dashboard_versions),
         lambda e, _, a: docs.restore_dashboard(e, "perm_board", 1, actor=a),
         lambda e, _: [docs.save_dashboard(e, {**BOARD, "refresh_s": s}, actor=ADMIN) for s in (300, 600)]),
    Case("import_dashboard", "dashboards.edit", "dashboard.import", LEADS, (dashboards, dashboard_versions),
         lambda e, _, a: docs.import_dashboard(e, json.dumps(BOARD).encode(), "board.json", actor=a)),
    Case("save_custom", "formulas.edit", "formula.save", LEADS, (custom_indicators, custom_indicator_versions),
         lambda e, _, a: custom.save_custom(e, "perm_rate", "权限接通率", "Perm rate", "接通量 / 进线量", actor=a)),
    Case("delete_custom", "formulas.edit", "formula.delete", LEADS, (custom_indicators, custom_indicator_versions),
         lambda e, _, a: custom.delete_custom(e, "perm_rate", actor=a),
         lambda e, _: custom.save_custom(e, "perm_rate", "权限接通率", "Perm rate", "接通量 / 进线量", actor=ADMIN)),
    Case("set_target", "targets.edit", "target.set", LEADS, (targets_table, target_versions),
         lambda e, _, a: targets.set_target(e, "answer_rate", 0.9, team="T1", actor=a)),
    Case("delete_target", "targets.edit", "target.delete", LEADS, (targets_table, target_versions),
         lambda e, _, a: targets.delete_target(e, "answer_rate", actor=a),
         lambda e, _: targets.set_target(e, "answer_rate", 0.9, actor=ADMIN)),
    Case("save_form", "qa.forms.edit", "qa.form.save", LEADS, (qa_form_versions,),
         lambda e, _, a: forms_store.save_form(e, _shipped("complaint"), actor=a)),
    Case("delete_form", "qa.forms.edit", "qa.form.delete", LEADS, (qa_form_versions,),
         lambda e, _, a: forms_store.delete_form(e, "complaint", actor=a)),
    Case("restore_form", "qa.forms.edit", "qa.form.restore", LEADS, (qa_form_versions,),
         lambda e, _, a: forms_store.restore_form(e, "complaint", actor=a),
         lambda e, _: forms_store.delete_form(e, "complaint", actor=ADMIN)),
    Case("set_route", "qa.forms.edit", "qa.route.set", LEADS, (qa_routes,),
         lambda e, _, a: forms_store.set_route(e, "外汇", "complaint", actor=a)),
    Case("save_sample", "qa.sample", "qa.sample", LEADS, (qa_samples,),
         lambda e, _, a: sampling.save_sample(e, pd.DataFrame({"recording_id": ["R1", "R2"]}), batch="W1", actor=a)),
    Case("calibration_sample", "qa.sample", "qa.calibration", LEADS, (qa_samples,),
         lambda e, _, a: sampling.calibration_sample(e, ["R1", "R2"], ["qa1", "qa2"], batch="cal", actor=a)),
    Case("save_evaluation", "qa.score", "qa.score", QA, EVAL_TABLES,
         lambda e, _, a: qa_store.save_evaluation(
             e, recording={"recording_id": "R9", "agent_id": "A02", "date": "2026-03-02"}, form=FORM,
             results=ALL_PASS, status="final", actor=a)),
    Case("save_evaluation (draft)", "qa.score", "qa.draft", QA, EVAL_TABLES,
         lambda e, _, a: qa_store.save_evaluation(
             e, recording={"recording_id": "R9", "agent_id": "A02", "date": "2026-03-02"}, form=FORM,
             results={"greeting": ItemResult("fail")}, status="draft", actor=a)),
    Case("file_appeal", "qa.appeal.file", "qa.appeal.file", APPEAL, APPEAL_TABLES,
         lambda e, eid, a: appeals.file_appeal(e, eid, "greeting", "我说了开头语", actor=a),
         lambda e, _: _evaluation(e, agent=AGENT.agent_id)),  # the agent's own evaluation
    Case("decide_appeal", "qa.appeal.decide", "qa.appeal.decide", LEADS, APPEAL_TABLES,
         lambda e, ap, a: appeals.decide_appeal(e, ap, "changed", new=ItemResult("fail"), note="复核", actor=a),
         lambda e, _: _appeal(e)),
]
FUNCTIONS = {
    "commit_import": store_imports.commit_import, "undo_import": store_imports.undo_import,
    "save_profile": store_imports.save_profile, "run_import": pipeline.run_import, "import_file": pipeline.import_file,
    "save_dashboard": docs.save_dashboard, "duplicate_dashboard": docs.duplicate_dashboard,
    "delete_dashboard": docs.delete_dashboard, "restore_dashboard": docs.restore_dashboard,
    "import_dashboard": docs.import_dashboard, "save_custom": custom.save_custom, "delete_custom": custom.delete_custom,
    "set_target": targets.set_target, "delete_target": targets.delete_target, "save_form": forms_store.save_form,
    "delete_form": forms_store.delete_form, "restore_form": forms_store.restore_form,
    "set_route": forms_store.set_route, "save_sample": sampling.save_sample,
    "calibration_sample": sampling.calibration_sample, "save_evaluation": qa_store.save_evaluation,
    "file_appeal": appeals.file_appeal, "decide_appeal": appeals.decide_appeal,
}


# --- helpers ----------------------------------------------------------------------------------------------

def snapshot(engine, tables) -> dict[str, list]:
    """Every row of the tables (sorted), to show a refused call changed nothing at all."""
    with engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr) for t in tables}


def last_audit_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(audit_log.c.id))).scalar() or 0


def audit_since(engine, after: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id))
        return [dict(r._mapping) for r in rows]


# --- the table: every function × every role ---------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_function_allows_and_refuses_by_role(engine, small_files, case, role):
    actor = ROLES_ACTORS[role]
    ctx = case.setup(engine, small_files)
    before, mark = snapshot(engine, case.tables), last_audit_id(engine)
    if role in case.roles.split():
        case.call(engine, ctx, actor)
        assert snapshot(engine, case.tables) != before, "an allowed call changes the store"
        rows = [(r["action"], r["username"], r["role"], r["outcome"]) for r in audit_since(engine, mark)]
        assert (case.action, actor.username, role, "ok") in rows
    else:
        with pytest.raises(PermissionDenied):
            case.call(engine, ctx, actor)
        assert snapshot(engine, case.tables) == before
        rows = [(r["action"], r["username"], r["role"], r["outcome"]) for r in audit_since(engine, mark)]
        assert rows == [(f"denied:{case.perm}", actor.username, role, "denied")]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_table_matches_the_permission_table(case):
    """The roles each case expects are the roles the permission grants (the table above is not stale)."""
    assert set(case.roles.split()) == set(PERMISSIONS[case.perm])


def _takes_actor(fn) -> bool:
    return "actor" in inspect.signature(fn).parameters


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_actor_is_a_required_keyword(name):
    """A forgotten actor is a TypeError, never a silent administrator."""
    param = inspect.signature(FUNCTIONS[name]).parameters["actor"]
    assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty


def test_every_function_that_takes_an_actor_is_in_the_table():
    """A new data-changing function in these modules must be added to CASES (and so be tested per role)."""
    modules = (store_imports, pipeline, docs, custom, targets, forms_store, sampling, qa_store, appeals)
    public = {f"{m.__name__}.{n}" for m in modules for n, fn in vars(m).items()
              if inspect.isfunction(fn) and fn.__module__ == m.__name__ and not n.startswith("_") and _takes_actor(fn)}
    tested = {f"{fn.__module__}.{n}" for n, fn in FUNCTIONS.items()}
    assert public == tested
    assert {c.name.split(" ")[0] for c in CASES} == set(FUNCTIONS)


# --- refusals that depend on the data --------------------------------------------------------------------

def test_a_viewer_cannot_import(engine, small_files):
    with pytest.raises(PermissionDenied):
        pipeline.import_file(engine, small_files["calls"], "calls", actor=VIEWER)
    with pytest.raises(PermissionDenied):  # not even a dry run (it reads the saved mappings)
        pipeline.import_file(engine, small_files["calls"], "calls", actor=VIEWER, dry_run=True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(imports)).scalar() == 0
    assert [r["action"] for r in audit_since(engine, 0)] == ["denied:imports.run"] * 2


def test_a_dry_run_writes_nothing_not_even_an_audit_row(engine, small_files):
    outcome = pipeline.import_file(engine, small_files["calls"], "calls", actor=LEAD, dry_run=True)
    assert outcome.prepared.ok and outcome.commit is None
    assert audit_since(engine, 0) == []


def test_an_agent_cannot_appeal_another_agents_evaluation(engine):
    eid = _evaluation(engine, agent="A01")
    mark = last_audit_id(engine)
    with pytest.raises(PermissionDenied):
        appeals.file_appeal(engine, eid, "greeting", "不是我的", actor=AGENT2)
    assert appeals.appeals(engine).empty
    assert [(r["action"], r["username"], r["target"]) for r in audit_since(engine, mark)] == [
        ("denied:qa.appeal.file", "a02", f"evaluation:{eid}")]
    appeal_id = appeals.file_appeal(engine, eid, "greeting", "我说了开头语", actor=AGENT, agent_id="A02")
    filed = appeals.appeals(engine)
    assert filed["id"].tolist() == [appeal_id] and filed["agent_id"].tolist() == ["A01"]  # always under their own id


def test_an_inspector_scores_only_as_themselves(engine):
    rec = {"recording_id": "R5", "agent_id": "A01", "date": "2026-03-02"}
    mark = last_audit_id(engine)
    with pytest.raises(PermissionDenied):
        qa_store.save_evaluation(engine, recording=rec, form=FORM, results=ALL_PASS, status="final",
                                 inspector="qa2", actor=INSPECTOR)
    assert qa_store.evaluations(engine).empty
    assert [r["action"] for r in audit_since(engine, mark)] == ["denied:qa.score"]
    eid = qa_store.save_evaluation(engine, recording=rec, form=FORM, results=ALL_PASS, status="final", actor=INSPECTOR)
    assert qa_store.load_evaluation(engine, eid)["inspector"] == INSPECTOR.username  # the signed-in user's name
    # a lead may enter a score for another inspector; an inspector may not continue someone else's draft
    other = qa_store.save_evaluation(engine, recording={**rec, "recording_id": "R6"}, form=FORM,
                                     results={"greeting": ItemResult("pass")}, status="draft", inspector="qa2",
                                     actor=LEAD)
    with pytest.raises(PermissionDenied):
        qa_store.save_evaluation(engine, recording={**rec, "recording_id": "R6"}, form=FORM, results=ALL_PASS,
                                 status="final", evaluation_id=other, actor=INSPECTOR)
    assert qa_store.load_evaluation(engine, other)["status"] == "draft"


def test_no_actor_is_refused_without_an_audit_row(engine):
    with pytest.raises(PermissionDenied) as info:
        targets.set_target(engine, "answer_rate", 0.9, actor=None)
    assert info.value.code == "auth.no_actor"
    assert audit_since(engine, 0) == []


# --- the audit row is part of the change's transaction ------------------------------------------------------

def test_an_import_with_errors_leaves_no_import_audit_row(engine, tmp_path):
    from tests.conftest import write_xlsx
    bad = write_xlsx(tmp_path / "bad.xlsx", ["甲", "乙"], [["x", "y"]])  # no recognised column: an error finding
    outcome = pipeline.import_file(engine, bad, "calls", actor=LEAD, dry_run=True)
    assert not outcome.prepared.ok
    with pytest.raises(CcdashError):
        pipeline.run_import(engine, outcome.prepared, actor=LEAD)
    assert [r["action"] for r in audit_since(engine, 0)] == []


def test_an_import_that_fails_midway_rolls_back_its_audit_row(engine, small_files, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(store_imports, "_rebuild_after_import", boom)
    with pytest.raises(RuntimeError):
        pipeline.import_file(engine, small_files["calls"], "calls", actor=LEAD)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(imports)).scalar() == 0
    assert audit_since(engine, 0) == []


def test_the_import_audit_row_says_what_was_imported(engine, small_files):
    outcome = pipeline.import_file(engine, small_files["calls"], "calls", actor=LEAD)
    row = next(r for r in audit_since(engine, 0) if r["action"] == "import.run")
    detail = json.loads(row["detail"])
    assert row["target"] == f"import:{outcome.commit.import_id}" and row["username"] == "lead1"
    assert (detail["file_name"], detail["kind"], detail["sha256"]) == ("calls.xlsx", "calls", outcome.prepared.sha256)
    assert detail["counts"]["accepted"] == outcome.prepared.report["accepted"]


# --- the message --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("zh", ["view1", "查看者", "导入或撤销数据"]),
    ("en", ["view1", "Viewer", "import or undo data"]),
])
def test_the_refusal_names_the_user_the_role_and_the_action(engine, small_files, lang, words):
    with pytest.raises(PermissionDenied) as info:
        pipeline.import_file(engine, small_files["calls"], "calls", actor=VIEWER)
    message = info.value.message(lang)
    assert all(w in message for w in words), message


def test_actors_module_has_one_actor_per_role():
    assert set(ROLES_ACTORS) == set(ROLES)
    assert all(isinstance(a, Actor) and a.role == r for r, a in ROLES_ACTORS.items())
    assert (AGENT.agent_id, AGENT2.agent_id, ADMIN.role, LEAD.role) == ("A01", "A02", "admin", "lead")
