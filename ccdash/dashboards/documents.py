"""Dashboard documents: where they live, and the one place to load, save, export and import them.

* **Defaults** ship in ``config/dashboards/*.yaml`` (read-only; listed in file-name order).
* **User dashboards** live in the store (``dashboards`` table, every saved version in
  ``dashboard_versions``). A stored dashboard with the id of a default **overrides** it; deleting that
  override brings the default back. A default itself cannot be deleted.
* Every document passes :func:`migrate` (older ``schema_version``\\ s) and :func:`validate` (the model,
  the layout and the catalog) when it is loaded, saved or imported. See ``docs/dashboards.md``.

Documents are kept and exported *compact*: fields at their default are left out (so a change of a
default in the model is a ``schema_version`` step).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from sqlalchemy import Engine, func, select

from ccdash import audit, config
from ccdash.auth.roles import Actor, authorize
from ccdash.dashboards.migrations import migrate
from ccdash.dashboards.model import Dashboard, Text
from ccdash.dashboards.validation import DashboardInvalid, check_dashboard, suggest, validate
from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, joined, register
from ccdash.indicators.catalog import Catalog, load_catalog
from ccdash.store.db import now_text
from ccdash.store.schema import dashboard_versions, dashboards

MESSAGES = {
    "dash.not_found": {
        "zh": "找不到看板「{name}」{suggest}", "en": "No dashboard {name!r}{suggest}",
    },
    "dash.default_invalid": {
        "zh": "默认看板文件 {file} 有误：{detail}", "en": "The default dashboard file {file} is invalid: {detail}",
    },
    "dash.default_twice": {
        "zh": "默认看板 id「{id}」在多个文件中出现：{files}", "en": "The default dashboard id {id!r} is in several files: {files}",
    },
    "dash.default_protected": {
        "zh": "「{name}」是系统自带的默认看板，不能删除；可以先复制一份再修改",
        "en": "{name!r} is a built-in default dashboard and cannot be deleted; duplicate it to make your own",
    },
    "dash.exists": {
        "zh": "已经有 id 为「{id}」的看板；请换一个 id", "en": "A dashboard with the id {id!r} exists already; choose another id",
    },
    "dash.conflict": {
        "zh": "看板「{id}」在你编辑期间已被 {user} 保存为第 {version} 版（你编辑的是第 {base} 版）；请重新打开后再修改",
        "en": "Dashboard {id!r} was saved as version {version} by {user} while you edited version {base}; "
              "reopen it and make your changes again",
    },
    "dash.no_version_saved": {
        "zh": "看板「{id}」没有第 {version} 版；已保存的版本：{versions}",
        "en": "Dashboard {id!r} has no version {version}; saved versions: {versions}",
    },
    "dash.bad_file": {"zh": "无法读取看板文件 {file}：{detail}", "en": "Cannot read the dashboard file {file}: {detail}"},
}
register(MESSAGES)

FILE_PROBLEMS = {
    "empty": {"zh": "文件是空的", "en": "the file is empty"},
    "too_big": {"zh": "文件太大（超过 {mb} MB），不像是看板文件", "en": "the file is over {mb} MB: not a dashboard file"},
    "encoding": {"zh": "文件编码无法识别（请保存为 UTF-8）", "en": "the text encoding is not recognised (save it as UTF-8)"},
    "syntax": {"zh": "第 {line} 行第 {col} 列格式有误（{problem}）",
               "en": "syntax error at line {line}, column {col} ({problem})"},
    "not_mapping": {"zh": "内容不是一个看板文档（应为“键: 值”的映射）",
                    "en": "it does not hold a dashboard document (a mapping of keys to values)"},
}
MAX_FILE_BYTES = 2 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "gb18030")  # a file saved by a Chinese Windows editor is often GB18030


@dataclass(frozen=True)
class DashboardSummary:
    """One line of the dashboard list."""
    id: str
    title: Text
    source: Literal["default", "store"]
    version: int = 0  # the stored version (0: the shipped default, never saved)
    updated_at: str | None = None
    updated_by: str = ""
    is_default: bool = False  # a shipped default has this id (a stored one overrides it)


# ---- documents as plain data ----

def document_dict(doc: Dashboard) -> dict:
    """The compact document: ``schema_version`` first, fields at their default left out."""
    return {"schema_version": doc.schema_version, **doc.model_dump(mode="json", exclude_defaults=True)}


class _Dumper(yaml.SafeDumper):
    """Readable YAML: short lists and mappings of scalars on one line, multi-line text as a block."""


def _short(data) -> bool:
    """Scalars (or lists of scalars) only, no line breaks, and about a line's worth."""
    values = data.values() if isinstance(data, dict) else data
    scalars = [x for v in values for x in (v if isinstance(v, list) else [v])]
    return all(isinstance(x, (str, int, float, bool)) and "\n" not in str(x) for x in scalars) \
        and len(json.dumps(data, ensure_ascii=False)) <= 100


_Dumper.add_representer(dict, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=_short(data) and len(data) <= 4))
_Dumper.add_representer(list, lambda d, data: d.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=_short(data)))
_Dumper.add_representer(str, lambda d, data: d.represent_scalar(
    "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None))


def export_dashboard(doc: Dashboard | dict) -> bytes:
    """The document as readable UTF-8 YAML (Chinese as it is), ready for :func:`import_dashboard`."""
    dash = doc if isinstance(doc, Dashboard) else Dashboard.model_validate(migrate(doc))
    head = f"# ccdash 看板 / dashboard: {dash.title.get('zh')} ({dash.id})\n"
    body = yaml.dump(document_dict(dash), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return (head + body).encode("utf-8")


def _problem(key: str, **params) -> dict[str, str]:
    return in_each_lang(lambda lang: FILE_PROBLEMS[key][lang].format(**params))


def read_document(data: bytes, filename: str) -> dict:
    """A YAML or JSON file's document (not yet migrated or validated); ``dash.bad_file`` says why not."""
    def bad(key: str, **params):
        return CcdashError("dash.bad_file", file=filename, detail=_problem(key, **params))
    if len(data) > MAX_FILE_BYTES:
        raise bad("too_big", mb=MAX_FILE_BYTES // 2**20)
    text = next((t for t in map(functools.partial(_decode, data), ENCODINGS) if t is not None), None)
    if text is None:
        raise bad("encoding")
    if not text.strip():
        raise bad("empty")
    try:
        doc = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise bad("syntax", line=exc.lineno, col=exc.colno, problem=exc.msg) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise bad("syntax", line=mark.line + 1 if mark else "?", col=mark.column + 1 if mark else "?",
                  problem=getattr(exc, "problem", None) or str(exc)) from exc
    if not isinstance(doc, dict):
        raise bad("not_mapping")
    return doc


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


# ---- the shipped defaults ----

def default_dashboards(config_dir: Path | None = None) -> dict[str, Dashboard]:
    """``config/dashboards/*.yaml`` by id, in file-name order, each migrated and validated against the
    catalog of the same configuration folder (copies: editing one changes nothing here)."""
    return {dash_id: dash.model_copy(deep=True) for dash_id, dash in _defaults(config_dir).items()}


@functools.lru_cache(maxsize=4)
def _defaults(config_dir: Path | None) -> dict[str, Dashboard]:
    catalog = load_catalog(config_dir)
    folder = Path(config_dir or config.CONFIG_DIR) / "dashboards"
    found: dict[str, Dashboard] = {}
    files: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            dash = validate(read_document(path.read_bytes(), path.name), catalog)
        except CcdashError as exc:
            raise CcdashError("dash.default_invalid", file=path.name, detail=in_each_lang(exc.message)) from exc
        if dash.id in found:
            raise CcdashError("dash.default_twice", id=dash.id, files=joined([files[dash.id], path.name]))
        found[dash.id], files[dash.id] = dash, path.name
    return found


# ---- the store ----

def _stored(engine: Engine | None, dash_id: str | None = None, *, deleted: bool = False) -> list:
    if engine is None:
        return []
    query = select(dashboards).where(dashboards.c.deleted == int(deleted))
    if dash_id is not None:
        query = query.where(dashboards.c.id == dash_id)
    with engine.connect() as conn:
        return conn.execute(query.order_by(dashboards.c.title, dashboards.c.id)).fetchall()


def list_dashboards(engine: Engine | None, config_dir: Path | None = None) -> list[DashboardSummary]:
    """The defaults (in file order; a stored override in its place), then the stored ones by title."""
    out = {d.id: DashboardSummary(d.id, d.title, "default", is_default=True)
           for d in _defaults(config_dir).values()}
    for row in _stored(engine):
        out[row.id] = DashboardSummary(row.id, Text(zh=row.title, en=row.title_en), "store", row.version,
                                       row.updated_at, row.updated_by, is_default=row.id in out)
    return list(out.values())


def _find(engine: Engine | None, id_or_title: str, config_dir: Path | None) -> DashboardSummary:
    summaries = list_dashboards(engine, config_dir)
    key = id_or_title.strip().casefold()
    for matches in (lambda s: s.id.casefold() == key,
                    lambda s: key in {s.title.zh.casefold(), s.title.en.casefold()} - {""}):
        hit = next((s for s in summaries if matches(s)), None)
        if hit:
            return hit
    names = {n: {"zh": n, "en": n} for s in summaries for n in (s.id, s.title.zh, s.title.en) if n}
    raise CcdashError("dash.not_found", name=id_or_title, suggest=suggest(id_or_title, names))


def load_dashboard(engine: Engine | None, id_or_title: str, *, config_dir: Path | None = None,
                   catalog: Catalog | None = None) -> Dashboard:
    """A dashboard by id, or by its Chinese or English title: the stored one first, else the default."""
    summary = _find(engine, id_or_title, config_dir)
    if summary.source == "default":
        return _defaults(config_dir)[summary.id].model_copy(deep=True)
    return validate(json.loads(_stored(engine, summary.id)[0].doc), catalog or _catalog(engine))


def _catalog(engine: Engine | None) -> Catalog:
    """The catalog a stored dashboard is checked against: the built-ins and the store's custom indicators."""
    from ccdash.indicators.custom import catalog_with_custom  # custom looks through the dashboards
    return catalog_with_custom(engine) if engine is not None else load_catalog()


def _versions(conn, dash_id: str) -> list[int]:
    query = select(dashboard_versions.c.version).where(dashboard_versions.c.id == dash_id)
    return sorted(conn.execute(query).scalars())


def save_dashboard(engine: Engine, doc: Dashboard | dict, *, actor: Actor, base_version: int | None = None,
                   catalog: Catalog | None = None) -> DashboardSummary:
    """Validate and store ``doc`` as its next version. With ``base_version`` (the version the editor
    opened; 0 for a default or a new dashboard) a save over someone else's newer save is refused.
    Needs ``dashboards.edit``."""
    authorize(actor, "dashboards.edit", engine)
    return _store(engine, doc, actor, "dashboard.save", base_version=base_version, catalog=catalog)


def _store(engine: Engine, doc: Dashboard | dict, actor: Actor, action: str, *, base_version: int | None = None,
           catalog: Catalog | None = None, detail: dict | None = None) -> DashboardSummary:
    """The save itself (already authorized), audited as ``action`` in the same transaction."""
    user = actor.username
    dash = validate(doc, catalog or _catalog(engine))
    text, now = json.dumps(document_dict(dash), ensure_ascii=False), now_text()
    with engine.begin() as conn:
        row = conn.execute(select(dashboards).where(dashboards.c.id == dash.id)).first()
        current = row.version if row is not None and not row.deleted else 0
        if base_version is not None and base_version != current:
            raise CcdashError("dash.conflict", id=dash.id, user=(row and row.updated_by) or "?", version=current,
                              base=base_version)
        version = (conn.execute(select(func.max(dashboard_versions.c.version))
                                .where(dashboard_versions.c.id == dash.id)).scalar() or 0) + 1
        values = dict(title=dash.title.zh, title_en=dash.title.en, doc=text, version=version, updated_at=now,
                      updated_by=user, deleted=0)
        if row is None:
            conn.execute(dashboards.insert().values(id=dash.id, **values))
        else:
            conn.execute(dashboards.update().where(dashboards.c.id == dash.id).values(**values))
        conn.execute(dashboard_versions.insert().values(id=dash.id, version=version, doc=text, updated_at=now,
                                                        updated_by=user))
        audit.record(conn, actor, action, dash.id, {"version": version, **(detail or {})})
    return DashboardSummary(dash.id, dash.title, "store", version, now, user,
                            is_default=dash.id in _defaults(None))


def duplicate_dashboard(engine: Engine, id_or_title: str, new_id: str, new_title: Text | dict | str, *,
                        actor: Actor) -> DashboardSummary:
    """A copy of a dashboard (default or stored) saved under a new id and title. Needs ``dashboards.edit``."""
    authorize(actor, "dashboards.edit", engine)
    if any(s.id == new_id for s in list_dashboards(engine)):
        raise CcdashError("dash.exists", id=new_id)
    source = load_dashboard(engine, id_or_title)
    title = Text(zh=new_title) if isinstance(new_title, str) else Text.model_validate(new_title)
    return _store(engine, source.model_copy(update={"id": new_id, "title": title}, deep=True), actor,
                  "dashboard.save", detail={"copy_of": source.id})


def delete_dashboard(engine: Engine, id_or_title: str, *, actor: Actor) -> DashboardSummary | None:
    """Hide a stored dashboard (its versions are kept). Deleting the override of a default brings the
    default back (returned); a default itself cannot be deleted. Needs ``dashboards.edit``."""
    authorize(actor, "dashboards.edit", engine)
    summary = _find(engine, id_or_title, None)
    if summary.source == "default":
        raise CcdashError("dash.default_protected", name=summary.title.zh or summary.id)
    with engine.begin() as conn:
        conn.execute(dashboards.update().where(dashboards.c.id == summary.id)
                     .values(deleted=1, updated_at=now_text(), updated_by=actor.username))
        audit.record(conn, actor, "dashboard.delete", summary.id, {"version": summary.version})
    return next((s for s in list_dashboards(engine) if s.id == summary.id), None)


def dashboard_history(engine: Engine, dash_id: str) -> list[dict]:
    """Every saved version of a dashboard, oldest first: version, updated_at, updated_by."""
    query = select(dashboard_versions.c.version, dashboard_versions.c.updated_at, dashboard_versions.c.updated_by)
    with engine.connect() as conn:
        rows = conn.execute(query.where(dashboard_versions.c.id == dash_id).order_by(dashboard_versions.c.version))
        return [dict(row._mapping) for row in rows]


def restore_dashboard(engine: Engine, dash_id: str, version: int, *, actor: Actor) -> DashboardSummary:
    """Undo: save an earlier version again, as the newest version. Needs ``dashboards.edit``."""
    authorize(actor, "dashboards.edit", engine)
    with engine.connect() as conn:
        text = conn.execute(select(dashboard_versions.c.doc).where(
            dashboard_versions.c.id == dash_id, dashboard_versions.c.version == version)).scalar()
        known = _versions(conn, dash_id)
    if text is None:
        raise CcdashError("dash.no_version_saved", id=dash_id, version=version, versions=joined(known or ["—"]))
    return _store(engine, json.loads(text), actor, "dashboard.restore", detail={"restored": version})


def import_dashboard(engine: Engine, data: bytes, filename: str, *, actor: Actor,
                     catalog: Catalog | None = None) -> DashboardSummary:
    """A YAML or JSON file, migrated and validated, saved as the next version of its id. Needs
    ``dashboards.edit``."""
    authorize(actor, "dashboards.edit", engine)
    return _store(engine, read_document(data, filename), actor, "dashboard.import", catalog=catalog,
                  detail={"file_name": filename})


__all__ = [
    "DashboardInvalid", "DashboardSummary", "check_dashboard", "dashboard_history", "default_dashboards",
    "delete_dashboard", "document_dict", "duplicate_dashboard", "export_dashboard", "import_dashboard",
    "list_dashboards", "load_dashboard", "migrate", "read_document", "restore_dashboard", "save_dashboard",
    "validate",
]
