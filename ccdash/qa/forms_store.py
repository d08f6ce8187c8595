"""Scoring forms and business-type routes edited in the app, kept in the store.

Every save or delete of a form is a new row of ``qa_form_versions`` (the whole document as JSON); the
shipped forms (``config/qa_forms/``) are version 1 (or whatever they declare), so the first save of a shipped
form is its version 2. A score keeps the (form id, version) it was scored on and :func:`form_version`
returns exactly that document, so editing a form never changes a past score.

Routes (business type → form) come from the current forms' ``business_types``, overridden by the rows of
``qa_routes`` that the mapping editor writes (:func:`set_route`; form id "" removes a route).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Engine, func, select

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import joined, register
from ccdash.qa.forms import (
    FormChoice, QaForm, choose_form, load_shipped_forms, normalize_business_type, parse_form,
)
from ccdash.store.db import now_text
from ccdash.store.schema import qa_form_versions, qa_routes

MESSAGES = {
    "qa.form_version_unknown": {
        "zh": "找不到质检表 “{id}” 的第 {version} 版",
        "en": "Version {version} of form “{id}” was not found",
    },
    "qa.form_general_delete": {
        "zh": "通用质检表 “{id}” 不能删除：没有对应质检表的业务类型都要用它评分",
        "en": "The general form “{id}” cannot be deleted: every business type without a form of its own uses it",
    },
    "qa.form_general_change": {
        "zh": "质检表 “{id}” 是唯一的通用质检表，不能取消其通用标记；请先将另一张表设为通用表",
        "en": "Form “{id}” is the only general form and must stay general; make another form general first",
    },
    "qa.route_taken": {
        "zh": "业务类型 “{business_type}” 已对应质检表 “{owner}”，不能再加到 “{id}”：请在业务类型映射中改派",
        "en": "Business type “{business_type}” already uses form “{owner}” and cannot be added to “{id}”; move "
              "it in the business-type mapping instead",
    },
    "qa.route_unknown_form": {
        "zh": "不能把业务类型 “{business_type}” 指向不存在的质检表 “{id}”",
        "en": "Business type “{business_type}” cannot be routed to the unknown form “{id}”",
    },
    "qa.route_empty": {"zh": "业务类型不能为空", "en": "The business type cannot be empty"},
    "qa.route_ambiguous": {
        "zh": "业务类型 “{business_type}” 在质检表 {forms} 中都有声明，请明确指定一张",
        "en": "Business type “{business_type}” is declared by forms {forms}; choose one explicitly",
    },
}
register(MESSAGES)


# ------------------------------------------------------------------------------------------- forms

def _latest_rows(conn) -> dict[str, dict]:
    """The latest stored row of each form id."""
    latest = (select(qa_form_versions.c.form_id, func.max(qa_form_versions.c.version).label("v"))
              .group_by(qa_form_versions.c.form_id).subquery())
    query = select(qa_form_versions).join(
        latest, (qa_form_versions.c.form_id == latest.c.form_id) & (qa_form_versions.c.version == latest.c.v))
    return {r.form_id: dict(r._mapping) for r in conn.execute(query)}


def _from_row(row: Mapping) -> QaForm:
    """A stored document (validated when it was saved) as a form."""
    return QaForm.model_validate(json.loads(row["doc"]))


def current_forms(engine: Engine) -> dict[str, QaForm]:
    """The forms in use: the shipped ones overlaid by the latest stored version of each; deleted ones hidden."""
    forms = dict(load_shipped_forms())
    with engine.connect() as conn:
        latest = _latest_rows(conn)
    for form_id, row in sorted(latest.items()):
        if row["action"] == "delete":
            forms.pop(form_id, None)
        else:
            forms[form_id] = _from_row(row)
    return forms


def form_version(engine: Engine, form_id: str, version: int) -> QaForm:
    """Exactly the form a score was made on: stored version ``version`` of ``form_id``, or the shipped one."""
    with engine.connect() as conn:
        row = conn.execute(select(qa_form_versions).where(
            (qa_form_versions.c.form_id == form_id) & (qa_form_versions.c.version == int(version))
            & (qa_form_versions.c.action == "save"))).first()
    if row is not None:
        return _from_row(row._mapping)
    shipped = load_shipped_forms().get(form_id)
    if shipped is not None and shipped.version == int(version):
        return shipped
    raise CcdashError("qa.form_version_unknown", id=form_id, version=version)


def form_history(engine: Engine, form_id: str) -> list[dict]:
    """The stored versions of a form, oldest first: version, action, saved_at, saved_by (no documents)."""
    cols = [qa_form_versions.c.version, qa_form_versions.c.action, qa_form_versions.c.saved_at,
            qa_form_versions.c.saved_by]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).where(qa_form_versions.c.form_id == form_id)
                            .order_by(qa_form_versions.c.version))
        return [dict(r._mapping) for r in rows]


def _next_version(conn, form_id: str) -> int:
    stored = conn.execute(select(func.max(qa_form_versions.c.version))
                          .where(qa_form_versions.c.form_id == form_id)).scalar() or 0
    shipped = load_shipped_forms().get(form_id)
    return max(stored, shipped.version if shipped else 0) + 1


def _route_rows(conn) -> dict[str, str]:
    return {r.business_type: r.form_id for r in conn.execute(select(qa_routes.c.business_type, qa_routes.c.form_id))}


def save_form(engine: Engine, form_or_doc: QaForm | Mapping, *, actor: Actor) -> QaForm:
    """Validate and store a form as its next version (the version is stamped into the document).

    Besides the document's own checks: exactly one general form must remain, and a business type this form
    declares must not already be routed to another form (move a route with :func:`set_route`).
    Needs ``qa.forms.edit``."""
    authorize(actor, "qa.forms.edit", engine)
    return _save_form(engine, form_or_doc, actor, "qa.form.save")


def _save_form(engine: Engine, form_or_doc: QaForm | Mapping, actor: Actor, action: str) -> QaForm:
    """The save itself (already authorized), audited as ``action`` in its transaction."""
    doc = form_or_doc.doc() if isinstance(form_or_doc, QaForm) else dict(form_or_doc)
    form = parse_form(doc)
    forms = current_forms(engine)
    others = {fid: f for fid, f in forms.items() if fid != form.id}
    previous = forms.get(form.id)
    if previous is not None and previous.general and not form.general:
        raise CcdashError("qa.form_general_change", id=form.id)
    general = [f.id for f in (*others.values(), form) if f.general]
    if len(general) != 1:
        raise CcdashError("qa.forms_general", count=len(general), forms=joined(general or ["—"]))
    with engine.connect() as conn:
        rows = _route_rows(conn)
    effective = _effective_routes(others, rows)
    for business_type in form.business_types:
        key = normalize_business_type(business_type)
        owner = effective.get(key)
        if owner and owner != form.id:
            raise CcdashError("qa.route_taken", business_type=business_type, owner=owner, id=form.id)
    with engine.begin() as conn:
        version = _next_version(conn, form.id)
        form = form.model_copy(update={"version": version})
        conn.execute(qa_form_versions.insert().values(
            form_id=form.id, version=version, doc=json.dumps(form.doc(), ensure_ascii=False), action="save",
            saved_at=now_text(), saved_by=actor.username))
        audit.record(conn, actor, action, form.id, {"version": version})
    return form


def delete_form(engine: Engine, form_id: str, *, actor: Actor) -> None:
    """Hide a form (a new version with action "delete"; its earlier versions stay for the scores made on
    them). The general form cannot be deleted. Saving the form again restores it. Needs ``qa.forms.edit``."""
    authorize(actor, "qa.forms.edit", engine)
    form = current_forms(engine).get(form_id)
    if form is None:
        raise CcdashError("qa.form_unknown", id=form_id)
    if form.general:
        raise CcdashError("qa.form_general_delete", id=form_id)
    with engine.begin() as conn:
        version = _next_version(conn, form_id)
        conn.execute(qa_form_versions.insert().values(
            form_id=form_id, version=version, doc=json.dumps(form.doc(), ensure_ascii=False), action="delete",
            saved_at=now_text(), saved_by=actor.username))
        audit.record(conn, actor, "qa.form.delete", form_id, {"version": version})


def restore_form(engine: Engine, form_id: str, *, actor: Actor) -> QaForm:
    """Bring back a deleted form: its last document saved again as the next version. Needs ``qa.forms.edit``."""
    authorize(actor, "qa.forms.edit", engine)
    with engine.connect() as conn:
        row = _latest_rows(conn).get(form_id)
    if row is None or row["action"] != "delete":
        raise CcdashError("qa.form_unknown", id=form_id)
    return _save_form(engine, json.loads(row["doc"]), actor, "qa.form.restore")


# ------------------------------------------------------------------------------------------ routes

def _declared(forms: Mapping[str, QaForm]) -> dict[str, list[str]]:
    """Normalized business type → the forms whose documents declare it."""
    declared: dict[str, list[str]] = {}
    for form in forms.values():
        for business_type in form.business_types:
            key = normalize_business_type(business_type)
            if key and form.id not in declared.setdefault(key, []):
                declared[key].append(form.id)
    return declared


def _effective_routes(forms: Mapping[str, QaForm], rows: Mapping[str, str]) -> dict[str, str]:
    routes = {key: ids[0] for key, ids in _declared(forms).items()}
    for key, form_id in rows.items():
        if form_id:
            routes[key] = form_id
        else:
            routes.pop(key, None)
    return {key: form_id for key, form_id in routes.items() if form_id in forms}


def routes(engine: Engine) -> dict[str, str]:
    """Normalized business type → form id: the current forms' declarations overridden by ``qa_routes``
    (a route to a form that no longer exists is left out — such a type gets the general form)."""
    forms = current_forms(engine)
    with engine.connect() as conn:
        rows = _route_rows(conn)
    return _effective_routes(forms, rows)


def route_overrides(engine: Engine) -> list[dict]:
    """The rows of the mapping editor: business_type (normalized), form_id ("" = removed), updated_at/by."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(qa_routes).order_by(qa_routes.c.business_type))]


def set_route(engine: Engine, business_type: str, form_id: str | None, *, actor: Actor) -> None:
    """Route a business type to a form (``""``: no form — it gets the general form; ``None``: drop the
    override, back to what the forms declare). Needs ``qa.forms.edit``."""
    authorize(actor, "qa.forms.edit", engine)
    key = normalize_business_type(business_type)
    if not key:
        raise CcdashError("qa.route_empty")
    forms = current_forms(engine)
    if form_id and form_id not in forms:
        raise CcdashError("qa.route_unknown_form", business_type=business_type, id=form_id)
    if form_id is None:
        owners = _declared(forms).get(key, [])
        if len(owners) > 1:
            raise CcdashError("qa.route_ambiguous", business_type=business_type, forms=joined(owners))
    with engine.begin() as conn:
        conn.execute(qa_routes.delete().where(qa_routes.c.business_type == key))
        if form_id is not None:
            conn.execute(qa_routes.insert().values(business_type=key, form_id=form_id, updated_at=now_text(),
                                                   updated_by=actor.username))
        audit.record(conn, actor, "qa.route.set", key, {"form_id": form_id})


def choose_form_for(engine: Engine, business_type: str | None) -> FormChoice:
    """The current form for a recording's business type (the general form, unmatched, when none)."""
    forms = current_forms(engine)
    with engine.connect() as conn:
        rows = _route_rows(conn)
    return choose_form(business_type, forms, _effective_routes(forms, rows))
