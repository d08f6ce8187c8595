"""Targets and status bands as data in the store: per indicator, for the whole center, a team or a queue.

A target row says, for one indicator and one *scope* — ``all`` (the whole center), ``team`` or ``queue``
with its value — the target, the direction (``higher`` or ``lower`` is better) and optional ``warning`` /
``critical`` bands (values of the indicator: for higher-is-better, below ``warning`` is amber and below
``critical`` red — the rule of :func:`ccdash.dashboards.data.status`). Every set and delete is kept in
``target_versions`` with its author and time.

:func:`target_for` resolves the most specific target first: the team's (or the queue's) row, else the
``all`` row, else the catalog's default target and direction (``config/indicators.yaml``, or a custom
indicator's own target). It returns a :class:`ccdash.dashboards.model.Threshold`, so a dashboard widget or
an alert classifies values with exactly the same rule; :func:`thresholds_for` does it for many indicators
in one read.

Validation (:func:`set_target`): the indicator must be known (code, Chinese or English name, synonym);
the direction must be higher or lower (a neutral indicator needs one given); ``warning`` and ``critical``
must lie on the worse side of the target — for higher-is-better critical ≤ warning ≤ target, for
lower-is-better target ≤ warning ≤ critical. Each problem has its own message in Chinese and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from ccdash import audit
from ccdash.auth.roles import Actor, authorize
from ccdash.dashboards.model import Threshold
from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, register, t
from ccdash.indicators.catalog import Catalog, find_indicator, load_catalog
from ccdash.store.db import now_text
from ccdash.store.schema import target_versions, targets

DIRECTION_WORDS = {"higher": {"zh": "越高越好", "en": "higher is better"},
                   "lower": {"zh": "越低越好", "en": "lower is better"}}
FIELD_WORDS = {"target": {"zh": "目标值", "en": "target"}, "warning": {"zh": "预警值", "en": "warning level"},
               "critical": {"zh": "告警值", "en": "critical level"}}

MESSAGES = {
    "targets.two_scopes": {
        "zh": "目标只能按一个范围设置：班组或技能组，不能同时指定（班组 {team}，技能组 {queue}）",
        "en": "A target applies to one scope: a team or a queue, not both (team {team}, queue {queue})",
    },
    "targets.empty_scope": {
        "zh": "班组或技能组名称不能为空", "en": "The team or queue name cannot be empty",
    },
    "targets.not_a_number": {
        "zh": "{field}必须是数字，收到「{value}」", "en": "The {field} must be a number, got “{value}”",
    },
    "targets.missing_target": {"zh": "请填写目标值", "en": "Please give a target value"},
    "targets.bad_direction": {
        "zh": "方向只能是 higher（越高越好）或 lower（越低越好），收到「{value}」",
        "en": "The direction must be higher or lower (is better), got “{value}”",
    },
    "targets.no_direction": {
        "zh": "指标「{name}」没有好坏方向，请指定方向：higher（越高越好）或 lower（越低越好）",
        "en": "Indicator “{name}” has no direction; say whether higher or lower is better",
    },
    "targets.wrong_side": {
        "zh": "{field} {value} 应在目标值 {target} 的{side}一侧（{name}{direction}）",
        "en": "The {field} {value} must be on the {side} side of the target {target} ({name}: {direction})",
    },
    "targets.bands_order": {
        "zh": "告警值 {critical} 应比预警值 {warning} 更差（{name}{direction}：应{relation}预警值）",
        "en": "The critical level {critical} must be worse than the warning level {warning} "
              "({name}: {direction}, so {relation} the warning level)",
    },
    "targets.not_found": {
        "zh": "指标「{name}」没有为{scope}设置目标", "en": "Indicator “{name}” has no target for {scope}",
    },
    "targets.scope_all": {"zh": "全中心", "en": "the whole center"},
    "targets.scope_team": {"zh": "班组 {value}", "en": "team {value}"},
    "targets.scope_queue": {"zh": "技能组 {value}", "en": "queue {value}"},
}
register(MESSAGES)

SCOPES = ("all", "team", "queue")


@dataclass(frozen=True)
class Target:
    """One stored target: an indicator × scope (``all`` | ``team`` | ``queue``) with its value."""
    code: str
    scope: str
    scope_value: str  # the team or queue; "" for all
    target: float
    direction: str  # higher | lower
    warning: float | None
    critical: float | None
    version: int
    updated_at: str
    updated_by: str

    def threshold(self) -> Threshold:
        return Threshold(target=self.target, warning=self.warning, critical=self.critical, direction=self.direction)


def default_catalog(engine: Engine) -> Catalog:
    """The catalog targets and alerts use: the configuration's plus the stored custom indicators."""
    from ccdash.indicators.custom import catalog_with_custom
    return catalog_with_custom(engine, load_catalog())


def _scope(team: str | None, queue: str | None) -> tuple[str, str]:
    if team is not None and queue is not None:
        raise CcdashError("targets.two_scopes", team=team, queue=queue)
    if team is None and queue is None:
        return "all", ""
    value = str(team if team is not None else queue).strip()
    if not value:
        raise CcdashError("targets.empty_scope")
    return ("team" if team is not None else "queue"), value


def _scope_words(scope: str, value: str) -> dict[str, str]:
    return in_each_lang(lambda lang: t(f"targets.scope_{scope}", lang, value=value))


def _number(field: str, value, required: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CcdashError("targets.missing_target")
        return None
    try:
        number = float(str(value).strip().rstrip("%")) / 100 if isinstance(value, str) and value.strip().endswith("%") \
            else float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise CcdashError("targets.not_a_number", field=FIELD_WORDS[field], value=value)
    return number


def _name(code: str, catalog: Catalog) -> dict[str, str]:
    return in_each_lang(catalog.indicators[code].name.get)


def _direction(code: str, direction: str | None, catalog: Catalog) -> str:
    if direction is not None:
        direction = str(direction).strip().lower()
        if direction not in ("higher", "lower", "neutral"):
            raise CcdashError("targets.bad_direction", value=direction)
    chosen = direction or catalog.indicators[code].direction
    if chosen not in ("higher", "lower"):
        raise CcdashError("targets.no_direction", name=_name(code, catalog))
    return chosen


def check_bands(code: str, target: float, direction: str, warning: float | None, critical: float | None,
                catalog: Catalog) -> None:
    """Raise when ``warning`` / ``critical`` are not on the worse side of the target (or out of order)."""
    sign = 1.0 if direction == "higher" else -1.0  # sign × value: larger is better
    side = in_each_lang(lambda lang: {"higher": {"zh": "下方（不高于）", "en": "lower"},
                                      "lower": {"zh": "上方（不低于）", "en": "upper"}}[direction][lang])
    words = DIRECTION_WORDS[direction]
    for field, value in (("warning", warning), ("critical", critical)):
        if value is not None and sign * value > sign * target:
            raise CcdashError("targets.wrong_side", field=FIELD_WORDS[field], value=f"{value:g}", target=f"{target:g}",
                              side=side, name=_name(code, catalog), direction=words)
    if warning is not None and critical is not None and sign * critical > sign * warning:
        relation = {"higher": {"zh": "不高于", "en": "at or below"}, "lower": {"zh": "不低于", "en": "at or above"}}
        raise CcdashError("targets.bands_order", critical=f"{critical:g}", warning=f"{warning:g}",
                          name=_name(code, catalog), direction=words, relation=relation[direction])


def _row(r) -> Target:
    return Target(r.code, r.scope, r.scope_value, r.target, r.direction, r.warning, r.critical, r.version,
                  r.updated_at, r.updated_by)


def _next_version(conn, code: str, scope: str, value: str) -> int:
    newest = conn.execute(select(func.max(target_versions.c.version)).where(
        target_versions.c.code == code, target_versions.c.scope == scope,
        target_versions.c.scope_value == value)).scalar()
    return int(newest or 0) + 1


def _key(code: str, scope: str, value: str):
    return (targets.c.code == code) & (targets.c.scope == scope) & (targets.c.scope_value == value)


def set_target(engine: Engine, code: str, target, direction: str | None = None, warning=None, critical=None,
               team: str | None = None, queue: str | None = None, *, actor: Actor,
               catalog: Catalog | None = None) -> Target:
    """Store (or replace) the target of one indicator for the whole center, a team or a queue.

    ``code`` may be the code or a name of the indicator; ``direction`` defaults to the catalog's.
    Numbers may be given as text (``"90%"`` is 0.9). Raises :class:`CcdashError` with a zh/en message.
    Needs ``targets.edit``."""
    catalog, code, scope, value = _locate(engine, actor, code, team, queue, catalog)
    user = actor.username
    target = _number("target", target, required=True)
    warning, critical = _number("warning", warning), _number("critical", critical)
    direction = _direction(code, direction, catalog)
    check_bands(code, target, direction, warning, critical, catalog)
    when = now_text()
    with engine.begin() as conn:
        version = _next_version(conn, code, scope, value)
        fields = dict(target=target, direction=direction, warning=warning, critical=critical, version=version,
                      updated_at=when, updated_by=user)
        conn.execute(targets.delete().where(_key(code, scope, value)))
        conn.execute(targets.insert().values(code=code, scope=scope, scope_value=value, **fields))
        conn.execute(target_versions.insert().values(code=code, scope=scope, scope_value=value, action="set", **fields))
        audit.record(conn, actor, "target.set", _audit_target(code, scope, value),
                     {"target": target, "direction": direction, "warning": warning, "critical": critical})
    return Target(code, scope, value, target, direction, warning, critical, version, when, user)


def delete_target(engine: Engine, code: str, team: str | None = None, queue: str | None = None, *, actor: Actor,
                  catalog: Catalog | None = None) -> None:
    """Remove one stored target (the scope then falls back to the next one); kept in the history.
    Needs ``targets.edit``."""
    catalog, code, scope, value = _locate(engine, actor, code, team, queue, catalog)
    with engine.begin() as conn:
        if conn.execute(select(targets.c.code).where(_key(code, scope, value))).first() is None:
            raise CcdashError("targets.not_found", name=_name(code, catalog), scope=_scope_words(scope, value))
        version = _next_version(conn, code, scope, value)
        conn.execute(targets.delete().where(_key(code, scope, value)))
        conn.execute(target_versions.insert().values(code=code, scope=scope, scope_value=value, version=version,
                                                     action="delete", updated_at=now_text(), updated_by=actor.username))
        audit.record(conn, actor, "target.delete", _audit_target(code, scope, value), {"version": version})


def _locate(engine: Engine, actor: Actor, code: str, team: str | None, queue: str | None,
            catalog: Catalog | None) -> tuple[Catalog, str, str, str]:
    """Check ``targets.edit``, then the catalog, the indicator's code (given by code or name) and the scope."""
    authorize(actor, "targets.edit", engine)
    catalog = catalog or default_catalog(engine)
    code = code if code in catalog.indicators else find_indicator(str(code), catalog)
    return (catalog, code, *_scope(team, queue))


def _audit_target(code: str, scope: str, value: str) -> str:
    """``code`` for the whole center, ``code@team:Team 1`` for a team or a queue (the audit row's target)."""
    return code if scope == "all" else f"{code}@{scope}:{value}"


def list_targets(engine: Engine, code: str | None = None) -> list[Target]:
    """The stored targets (of one indicator code, or all): by code, then all → team → queue, then value."""
    query = select(targets)
    if code is not None:
        query = query.where(targets.c.code == code)
    with engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(query).fetchall()]
    return sorted(rows, key=lambda r: (r.code, SCOPES.index(r.scope), r.scope_value))


def target_history(engine: Engine, code: str, team: str | None = None, queue: str | None = None) -> list[dict]:
    """Every set and delete of one indicator × scope, oldest first."""
    scope, value = _scope(team, queue)
    query = select(target_versions).where(
        target_versions.c.code == code, target_versions.c.scope == scope, target_versions.c.scope_value == value,
    ).order_by(target_versions.c.version)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query).fetchall()]


def _resolve(code: str, stored: dict[tuple[str, str], Target], team: str | None, queue: str | None,
             catalog: Catalog) -> Threshold:
    for scope, value in (("team", team), ("queue", queue), ("all", "")):
        if scope == "all" or value is not None:
            found = stored.get((scope, "" if scope == "all" else str(value)))
            if found is not None:
                return found.threshold()
    ind = catalog.indicators.get(code)
    if ind is None:
        return Threshold()
    return Threshold(target=ind.target, direction=ind.direction)


def thresholds_for(engine: Engine, codes=None, team: str | None = None, queue: str | None = None,
                   catalog: Catalog | None = None) -> dict[str, Threshold]:
    """:func:`target_for` for many indicators (every catalog indicator when ``codes`` is None), one read."""
    catalog = catalog or default_catalog(engine)
    codes = list(catalog.indicators) if codes is None else list(codes)
    stored: dict[str, dict[tuple[str, str], Target]] = {}
    for row in list_targets(engine):
        stored.setdefault(row.code, {})[(row.scope, row.scope_value)] = row
    return {code: _resolve(code, stored.get(code, {}), team, queue, catalog) for code in codes}


def target_for(engine: Engine, code: str, team: str | None = None, queue: str | None = None,
               catalog: Catalog | None = None) -> Threshold:
    """The threshold of ``code``, most specific first: the team's (else the queue's) stored target → the
    whole center's → the catalog's default target and direction (``Threshold()`` fields None when none).

    When both a team and a queue are given, the team's target wins over the queue's."""
    return thresholds_for(engine, [code], team, queue, catalog)[code]
