"""Indicators a team lead defines herself: a formula over other indicators, kept in the store as data.

A custom indicator is saved with its formula as typed (names in Chinese or English, synonyms, codes) and
the same formula over codes (``expr``), which is what the catalog evaluates: :func:`catalog_with_custom`
returns the configuration's catalog plus every custom indicator as a ``derived`` entry marked
``custom=True``, so ``compute.query(..., catalog=catalog_with_custom(engine))`` computes it like a
built-in — on the components summed to the requested grain, so ``answered / offered`` for a month is
Σanswered / Σoffered. Every save and delete is a new version in ``custom_indicator_versions`` (author,
time). A custom indicator used by a dashboard (or by another custom indicator) cannot be deleted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.findings import CcdashError
from ccdash.i18n import joined, register
from ccdash.indicators.catalog import MEASURES, Catalog, Derived, load_catalog
from ccdash.indicators.compute import needed_measures
from ccdash.indicators.formula import (
    FUNCTIONS, KEYWORDS, check_cycles, infer_unit, names, parse, to_text, vocabulary,
)
from ccdash.config import Label
from ccdash.store.db import now_text
from ccdash.store.measures import CALL_MEASURES, STATE_MEASURES, WAIT_BUCKETS
from ccdash.store.schema import custom_indicator_versions, custom_indicators, dashboards

MESSAGES = {
    "custom.bad_code": {
        "zh": "指标代码「{code}」不合适：请用小写字母开头，只含小写字母、数字和下划线（2–64 个字符），例如 valid_answer_rate",
        "en": "The indicator code {code!r} cannot be used: start with a lowercase letter and use only lowercase "
              "letters, digits and _ (2–64 characters), e.g. valid_answer_rate",
    },
    "custom.code_taken": {
        "zh": "指标代码「{code}」已被系统指标或数据度量使用，请换一个", "en": "The code {code!r} is taken by a built-in "
        "indicator or a stored measure; choose another",
    },
    "custom.name_missing": {"zh": "请填写指标的中文名称", "en": "The indicator needs a Chinese name"},
    "custom.bad_name": {
        "zh": "名称「{name}」不能含方括号，也不能是数字或函数名", "en": "The name {name!r} cannot contain square brackets, "
        "be a number or the name of a function",
    },
    "custom.name_taken": {
        "zh": "名称「{name}」已是指标「{owner}」的名称或同义词，请换一个",
        "en": "The name {name!r} already belongs to the indicator {owner!r}; choose another",
    },
    "custom.constant": {
        "zh": "公式里至少要用到一个指标（现在只有数字）", "en": "The formula must use at least one indicator (it has only numbers)",
    },
    "custom.bad_unit": {"zh": "未知单位 {unit}；可选：{choices}", "en": "Unknown unit {unit}; choose one of: {choices}"},
    "custom.bad_direction": {
        "zh": "方向只能是 higher（越高越好）、lower（越低越好）或 neutral",
        "en": "The direction is higher, lower or neutral",
    },
    "custom.not_found": {"zh": "没有自定义指标「{code}」", "en": "No custom indicator {code!r}"},
    "custom.builtin": {
        "zh": "「{code}」是系统指标，不能删除", "en": "{code!r} is a built-in indicator and cannot be deleted",
    },
    "custom.in_use": {
        "zh": "自定义指标「{name}」正被看板使用，不能删除：{dashboards}。请先从这些看板中移除它",
        "en": "The custom indicator {name!r} is used by dashboards and cannot be deleted: {dashboards}. "
              "Remove it from them first",
    },
    "custom.used_by_custom": {
        "zh": "自定义指标「{name}」被其他自定义指标引用，不能删除：{others}",
        "en": "The custom indicator {name!r} is used in the formulas of other custom indicators: {others}",
    },
}
register(MESSAGES)

CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")
UNITS = ("count", "seconds", "percent", "per_hour", "score", "agents", "number")
DIRECTIONS = ("higher", "lower", "neutral")
DECIMALS = {"percent": 1, "seconds": 1, "per_hour": 2, "score": 2, "number": 2}
MEASURE_CODES = tuple(m for m in (*CALL_MEASURES, *STATE_MEASURES) if m in MEASURES) + ("agents", "agent_days")


def measure_names() -> dict[str, str]:
    """Stored measures a formula may name besides indicators: by code, and the wait buckets in Chinese
    (``20秒内接通量`` = ``接通量_20秒`` = ``ans_wait_le_20``; ``放弃量_5秒`` = ``abn_wait_le_5``)."""
    out = {m: m for m in MEASURE_CODES}
    for t in WAIT_BUCKETS:
        out |= {f"{t}秒内接通量": f"ans_wait_le_{t}", f"接通量_{t}秒": f"ans_wait_le_{t}",
                f"{t}秒内放弃量": f"abn_wait_le_{t}", f"放弃量_{t}秒": f"abn_wait_le_{t}"}
    return out


@dataclass(frozen=True)
class CustomIndicator:
    code: str
    name_zh: str
    name_en: str
    formula: str  # as typed
    expr: str  # over codes
    unit: str
    unit_inferred: bool
    decimals: int
    direction: str
    target: float | None
    version: int
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str

    def as_indicator(self) -> Derived:
        return Derived(type="derived", name=Label(zh=self.name_zh, en=self.name_en or self.name_zh), expr=self.expr,
                       unit=self.unit, decimals=self.decimals, direction=self.direction, target=self.target,
                       custom=True)


def _rows(engine: Engine, *, deleted: bool = False) -> list[CustomIndicator]:
    table = custom_indicators
    query = select(table).where(table.c.deleted == int(deleted)).order_by(table.c.code)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    return [CustomIndicator(r.code, r.name_zh, r.name_en, r.formula, r.expr, r.unit, bool(r.unit_inferred), r.decimals,
                            r.direction, r.target, r.version, r.created_at, r.created_by, r.updated_at, r.updated_by)
            for r in rows]


def list_custom(engine: Engine) -> list[CustomIndicator]:
    """The custom indicators (not deleted), by code."""
    return _rows(engine)


def _with(base: Catalog, customs: list[CustomIndicator]) -> Catalog:
    inds = {c.code: c.as_indicator() for c in customs if c.code not in base.indicators}  # a built-in wins
    catalog = base.model_copy(update={"indicators": {**base.indicators, **inds}})
    for code in inds:  # which source's measures each one needs (state-based ones have no queue)
        try:
            used = needed_measures([code], catalog, {})
        except (CcdashError, KeyError, RecursionError):
            continue
        calls, states = used & set(CALL_MEASURES), used & set(STATE_MEASURES)
        source = "both" if (calls and states) or used & {"agents", "agent_days"} else "states" if states else "calls"
        inds[code] = inds[code].model_copy(update={"source": source})
    return base.model_copy(update={"indicators": {**base.indicators, **inds}})


def catalog_with_custom(engine: Engine, base: Catalog | None = None) -> Catalog:
    """The configuration's catalog plus the stored custom indicators (``custom=True``, type ``derived``)."""
    return _with(base or load_catalog(), _rows(engine))


def formula_vocabulary(catalog: Catalog, extra: dict | None = None):
    """The names a custom formula may use: every indicator of ``catalog`` and the stored measures."""
    return vocabulary(catalog, extra, measure_names())


def _check_names(code: str, name_zh: str, name_en: str, base: Catalog, customs: list[CustomIndicator]) -> None:
    if not CODE.fullmatch(code or "") or code in KEYWORDS or code in FUNCTIONS:
        raise CcdashError("custom.bad_code", code=code)
    if code in base.indicators or code in measure_names():
        raise CcdashError("custom.code_taken", code=code)
    if not (name_zh or "").strip():
        raise CcdashError("custom.name_missing")
    owners: dict[str, str] = {}
    for other, ind in base.indicators.items():
        for n in (other, ind.name.zh, ind.name.en, *ind.synonyms):
            owners.setdefault(n.casefold(), ind.name.zh)
    for n, m in measure_names().items():
        owners.setdefault(n.casefold(), m)
    for c in customs:
        if c.code != code:
            for n in (c.code, c.name_zh, c.name_en):
                if n:
                    owners.setdefault(n.casefold(), c.name_zh)
    for name in (name_zh, name_en):
        name = " ".join((name or "").split())
        if not name:
            continue
        if "[" in name or "]" in name or name.casefold() in (*FUNCTIONS, *KEYWORDS) or re.fullmatch(r"[\d.%]+", name):
            raise CcdashError("custom.bad_name", name=name)
        if name.casefold() in owners:
            raise CcdashError("custom.name_taken", name=name, owner=owners[name.casefold()])


def compile_custom(formula: str, catalog: Catalog, extra: dict | None = None):
    """The tree of a custom formula, names resolved to codes, with ``catalog`` (``extra``: code → names of
    indicators not in it yet); raises :class:`FormulaError` with the position of the problem."""
    return parse(formula, formula_vocabulary(catalog, extra))


def save_custom(engine: Engine, code: str, name_zh: str, name_en: str, formula: str, unit: str | None = None,
                direction: str = "neutral", target: float | None = None, *, actor: Actor,
                decimals: int | None = None) -> CustomIndicator:
    """Validate and store a custom indicator (a new one, or the next version of ``code``). The formula must
    parse and name only known indicators or measures, must not refer back to itself through other custom
    indicators, and the code and names must not clash with the built-ins. ``unit`` None: inferred.
    Needs ``formulas.edit``; the author stored is ``actor.username``."""
    authorize(actor, "formulas.edit", engine)
    author = actor.username
    code, name_zh, name_en = (code or "").strip(), " ".join((name_zh or "").split()), " ".join((name_en or "").split())
    base = load_catalog()
    customs = _rows(engine)
    _check_names(code, name_zh, name_en, base, customs)
    if direction not in DIRECTIONS:
        raise CcdashError("custom.bad_direction")
    if unit is not None and unit not in UNITS:
        raise CcdashError("custom.bad_unit", unit=unit, choices=joined(UNITS))
    others = [c for c in customs if c.code != code]
    catalog = _with(base, others)
    names_of = {code: [n for n in (name_zh, name_en) if n]}
    tree = compile_custom(formula, catalog, names_of)
    if not names(tree):
        raise CcdashError("custom.constant")
    expr = to_text(tree)
    check_cycles({**{c.code: c.expr for c in others}, code: expr}, base, measure_names())
    units = {c.code: c.unit for c in others}
    inferred = infer_unit(tree, catalog, units)
    chosen = unit or inferred
    digits = DECIMALS.get(chosen, 0) if decimals is None else int(decimals)
    now = now_text()
    values = dict(name_zh=name_zh, name_en=name_en, formula=str(formula).strip(), expr=expr, unit=chosen,
                  decimals=digits, direction=direction, target=None if target is None else float(target))
    with engine.begin() as conn:
        row = conn.execute(select(custom_indicators).where(custom_indicators.c.code == code)).first()
        version = (conn.execute(select(func.max(custom_indicator_versions.c.version))
                                .where(custom_indicator_versions.c.code == code)).scalar() or 0) + 1
        current = dict(values, unit_inferred=int(unit is None), version=version, updated_at=now, updated_by=author,
                       deleted=0)
        if row is None:
            conn.execute(custom_indicators.insert().values(code=code, created_at=now, created_by=author, **current))
        else:
            conn.execute(custom_indicators.update().where(custom_indicators.c.code == code).values(**current))
        conn.execute(custom_indicator_versions.insert().values(code=code, version=version, action="save",
                                                               author=author, saved_at=now, **values))
        audit.record(conn, actor, "formula.save", code, {"version": version, "formula": values["formula"]})
    return next(c for c in _rows(engine) if c.code == code)


def custom_history(engine: Engine, code: str) -> list[dict]:
    """Every saved (or deleted) version of a custom indicator, oldest first."""
    query = select(custom_indicator_versions).where(custom_indicator_versions.c.code == code)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(custom_indicator_versions.c.version))]


def delete_custom(engine: Engine, code: str, used_by: list[str] | tuple[str, ...] = (), *, actor: Actor) -> None:
    """Delete a custom indicator (its versions are kept). Refused while ``used_by`` (the dashboards that
    use it: see :func:`dashboards_using`) is not empty, or while another custom indicator's formula names it.
    Needs ``formulas.edit``."""
    authorize(actor, "formulas.edit", engine)
    author = actor.username
    customs = _rows(engine)
    mine = next((c for c in customs if c.code == code), None)
    if mine is None:
        raise CcdashError("custom.builtin" if code in load_catalog().indicators else "custom.not_found", code=code)
    if used_by:
        raise CcdashError("custom.in_use", name=mine.name_zh, dashboards=joined(used_by))
    others = [c.name_zh for c in customs if c.code != code and code in names(parse(c.expr))]
    if others:
        raise CcdashError("custom.used_by_custom", name=mine.name_zh, others=joined(others))
    now = now_text()
    with engine.begin() as conn:
        version = (conn.execute(select(func.max(custom_indicator_versions.c.version))
                                .where(custom_indicator_versions.c.code == code)).scalar() or 0) + 1
        conn.execute(custom_indicators.update().where(custom_indicators.c.code == code)
                     .values(deleted=1, version=version, updated_at=now, updated_by=author))
        conn.execute(custom_indicator_versions.insert().values(
            code=code, version=version, action="delete", name_zh=mine.name_zh, name_en=mine.name_en,
            formula=mine.formula, expr=mine.expr, unit=mine.unit, decimals=mine.decimals, direction=mine.direction,
            target=mine.target, author=author, saved_at=now))
        audit.record(conn, actor, "formula.delete", code, {"version": version, "formula": mine.formula})


def dashboards_using(engine: Engine, code: str) -> list[str]:
    """The titles (Chinese, else English, else id) of the dashboards with a widget showing ``code``."""
    from ccdash.dashboards.documents import list_dashboards, load_dashboard  # the dashboards import the catalog
    catalog = catalog_with_custom(engine)
    found = []
    for summary in list_dashboards(engine):
        try:
            widgets = load_dashboard(engine, summary.id, catalog=catalog).widgets.values()
            used = any(code in w.indicators for w in widgets)
        except CcdashError:  # a stored document that no longer validates: read its widgets as they are
            used = _raw_uses(engine, summary.id, code)
        if used:
            found.append(summary.title.zh or summary.title.en or summary.id)
    return found


def _raw_uses(engine: Engine, dash_id: str, code: str) -> bool:
    with engine.connect() as conn:
        text = conn.execute(select(dashboards.c.doc).where(dashboards.c.id == dash_id)).scalar()
    try:
        widgets = (json.loads(text or "{}").get("widgets") or {}).values()
        return any(code in (w.get("indicators") or []) for w in widgets if isinstance(w, dict))
    except (ValueError, AttributeError):
        return False


def display_formula(expr: str, catalog: Catalog, lang: str = "zh") -> str:
    """A stored formula (over codes) with the indicators' current names in ``lang`` (the wait-bucket
    measures by their Chinese names in Chinese, other measures by code)."""
    measure_zh = {code: name for name, code in measure_names().items() if name.endswith("量")}

    def label(code: str) -> str:
        ind = catalog.indicators.get(code)
        if ind is not None:
            return ind.name.get(lang)
        return measure_zh.get(code, code) if lang == "zh" else code
    return to_text(parse(expr), label)


def preview_formula(engine: Engine, formula: str, date_from, date_to, grain: str = "day", by=None,
                    filters: dict | None = None, params: dict | None = None, unit: str | None = None,
                    catalog: Catalog | None = None):
    """A formula's values before it is saved (for an editor's preview): the tidy result of
    :func:`ccdash.indicators.compute.query` with the indicator ``__preview__``; raises FormulaError."""
    from ccdash.indicators.compute import query
    catalog = catalog or catalog_with_custom(engine)
    tree = compile_custom(formula, catalog)
    ind = Derived(type="derived", name=Label(zh="预览", en="Preview"), expr=to_text(tree),
                  unit=unit or infer_unit(tree, catalog), custom=True)
    trial = catalog.model_copy(update={"indicators": {**catalog.indicators, "__preview__": ind}})
    return query(engine, ["__preview__"], date_from, date_to, grain, by, filters, params, catalog=trial)


__all__ = ["CustomIndicator", "catalog_with_custom", "compile_custom", "custom_history", "dashboards_using",
           "delete_custom", "display_formula", "formula_vocabulary", "list_custom", "measure_names", "preview_formula",
           "save_custom"]
