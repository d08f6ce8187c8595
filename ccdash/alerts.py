"""Alerts: the indicators off target for the latest day, week or month, worst first, each with its drivers.

**Which indicators.** For the period — the anchor day (``day``), the anchor's week from Monday to the
anchor (``week``) or its month from the 1st to the anchor (``month``); the anchor is by default the newest
day with call data — every indicator is computed as a ratio of sums over the whole period and classified
with the dashboards' rule (:func:`ccdash.dashboards.data.status`) against its target from
:func:`ccdash.indicators.targets.target_for` (the stored target, else the catalog's default). Status
``warning`` or ``critical`` makes an alert. Alerts are ordered worst first by the size of the gap relative
to the target, ``|value − target| / |target|``.

**Drivers: contribution to the deviation, not the worst rate.** For a ratio indicator R = ΣN / ΣD with
target T, breakdown member i (a queue, team, agent, business type or half-hour) with numerator N_i and
denominator D_i contributes

    c_i = (N_i − T·D_i) / ΣD

— what the member's calls add to R − T: its own distance from the target, N_i/D_i − T, weighted by its
share of the volume, D_i/ΣD. The c_i of one breakdown sum exactly to R − T. For higher-is-better a negative
c_i pulls the total below target (for lower-is-better a positive one pushes it above), so a low-volume
agent with a terrible rate contributes little and a big queue slightly below target a lot. Worked example
(the hand-checked store of ``tests/conftest.py``, 2026-03-02, answer rate 3/5 = 60 %, target 90 %):
Q1 answered 2 of 3 → c = (2 − 0.9·3)/5 = −0.14; Q2 answered 1 of 2 → c = (1 − 0.9·2)/5 = −0.16; together
−0.30 = 60 % − 90 %. Q2 drives the miss slightly more although both missed.

N_i and D_i are the catalog's numerator and denominator (``catalog.fraction``, with the parameters: the
service-level threshold and variant, the short-abandon threshold, the repeat window) evaluated on the
members' summed measures (:func:`ccdash.indicators.compute.components`); they are linear in the measures,
so they add up exactly to the total's. A **derived** indicator (``1 − answer_rate``, a custom formula) is
first rewritten as one such fraction when its formula allows it — sums, differences and constant multiples
of ratios with the same denominator, ratios of sums of measures (``1 − answer_rate`` = (offered −
answered)/offered) — and treated the same way. A **count** (``abandoned``, or a formula that is a sum of
measures) has no rate per member: its gap V − T is shared in proportion to the members' counts,
c_i = (V − T)·V_i/V, so the members rank by volume. Anything else (a count of distinct agents, a formula
with ``min``/``if``…) gets no drivers (an empty frame).

A breakdown whose members' numerators or denominators do not add up to the total's (agent-state
indicators by queue or business type — states have neither —, agents counted in several queues, state data
given as daily summaries broken down by half-hour) is left out rather than shown wrong. Agent-state
indicators (``source: states`` or ``both``: CPH, utilization …) are never broken down by queue or business
type.

:func:`alerts` is the entry point for a page or a script; :func:`alerts_frame` lays the alerts out as one
table. See docs/alerts.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ccdash.dashboards.data import bands, member_labels, status
from ccdash.dashboards.model import Threshold
from ccdash.dashboards.periods import anchor_day
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.indicators.catalog import Catalog, Ratio, Simple, bind, default_params, find_indicator, fraction
from ccdash.indicators.compute import BREAKDOWNS, components, evaluate_indicator, needed_measures
from ccdash.indicators.targets import default_catalog, thresholds_for
from ccdash.store.info import agent_names

MESSAGES = {
    "alerts.bad_grain": {"zh": "未知告警周期 {grain}；可选：day、week、month",
                         "en": "Unknown alert period {grain}; choose one of: day, week, month"},
    "alerts.dim.queue": {"zh": "技能组", "en": "Queue"},
    "alerts.dim.team": {"zh": "班组", "en": "Team"},
    "alerts.dim.agent": {"zh": "坐席", "en": "Agent"},
    "alerts.dim.business_type": {"zh": "业务类型", "en": "Business type"},
    "alerts.dim.interval": {"zh": "时段（半小时）", "en": "Half-hour"},
}
register(MESSAGES)

GRAINS = ("day", "week", "month")
DIMENSIONS = ("queue", "team", "agent", "business_type", "interval")
CALL_ONLY_DIMENSIONS = ("queue", "business_type")
DRIVER_COLUMNS = ["dimension", "dimension_name", "member", "label", "numerator", "denominator", "value",
                  "volume_share", "contribution", "share_of_gap", "harm", "rank"]
TOLERANCE = 1e-9  # relative: the members' sums must match the total's


@dataclass(frozen=True, eq=False)
class Alert:
    """One indicator off target over ``start`` … ``end``, with its drivers (see the module doc)."""
    code: str
    name: str
    value: float
    target: float
    gap: float  # value − target
    relative_gap: float  # |gap| / |target| (∞ when the target is 0)
    status: str  # warning | critical
    direction: str  # higher | lower
    unit: str
    decimals: int
    grain: str
    start: dt.date
    end: dt.date
    threshold: Threshold
    method: str  # ratio | count | none: how the drivers were computed
    drivers: pd.DataFrame = field(repr=False)

    def top_drivers(self, n: int = 3, dimension: str | None = None) -> pd.DataFrame:
        """The ``n`` members pulling the most in the wrong direction, per dimension (or in one)."""
        frame = self.drivers if dimension is None else self.drivers[self.drivers["dimension"] == dimension]
        picked = frame[frame["harm"] > 0].groupby("dimension", sort=False).head(n) if len(frame) else frame
        return picked.reset_index(drop=True)


# ---- periods ----------------------------------------------------------------------------------------------

def alert_period(grain: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The days an alert of ``grain`` covers: the anchor day, its week from Monday, its month from the 1st."""
    if grain not in GRAINS:
        raise CcdashError("alerts.bad_grain", grain=grain)
    if grain == "day":
        return anchor, anchor
    if grain == "week":
        return anchor - dt.timedelta(days=anchor.weekday()), anchor
    return anchor.replace(day=1), anchor


# ---- indicators as one fraction of linear forms over additive measures -------------------------------------
# A linear form is {measure: coefficient}; ("const", c), ("lin", form) and ("frac", num_form, den_form).

def _add(a: dict, b: dict, sign: float = 1.0) -> dict:
    out = dict(a)
    for name, coef in b.items():
        out[name] = out.get(name, 0.0) + sign * coef
    return out


def _scale(form: dict, k: float) -> dict:
    return {name: coef * k for name, coef in form.items()}


def _reduce(node, catalog: Catalog, params: dict, depth: int = 0):
    """The expression as const, lin or frac — or None when it is not a ratio of sums of measures."""
    if depth > 60:
        return None
    tag = node[0]
    if tag == "num":
        return ("const", float(node[1]))
    if tag == "name":
        return _reduce_name(node[1], catalog, params, depth + 1)
    if tag == "neg":
        inner = _reduce(node[1], catalog, params, depth + 1)
        return None if inner is None else _times(inner, -1.0)
    if tag in ("+", "-"):
        a, b = (_reduce(child, catalog, params, depth + 1) for child in node[1:3])
        return None if a is None or b is None else _plus(a, b, 1.0 if tag == "+" else -1.0)
    if tag == "*":
        a, b = (_reduce(child, catalog, params, depth + 1) for child in node[1:3])
        if a is None or b is None:
            return None
        if a[0] == "const":
            return _times(b, a[1])
        return _times(a, b[1]) if b[0] == "const" else None
    if tag == "/":
        a, b = (_reduce(child, catalog, params, depth + 1) for child in node[1:3])
        if a is None or b is None:
            return None
        if b[0] == "const":
            return _times(a, 1.0 / b[1]) if b[1] != 0 else None
        if a[0] == "lin" and b[0] == "lin":
            return ("frac", a[1], b[1])
        if a[0] == "frac" and b[0] == "frac" and _same(a[2], b[2]):
            return ("frac", a[1], b[1])  # (N1/D) / (N2/D) = N1/N2
        return None
    return None  # functions, comparisons


def _reduce_name(name: str, catalog: Catalog, params: dict, depth: int):
    ind = catalog.indicators.get(name)
    if ind is None:
        return ("lin", {name: 1.0})  # a stored measure (custom formulas may name them)
    if isinstance(ind, Simple):
        return ("lin", {ind.measure: 1.0}) if ind.measure else None  # distinct counts do not add up
    if isinstance(ind, Ratio):
        num, den = (_reduce(tree, catalog, params, depth) for tree in fraction(ind, catalog, params))
        if num is not None and num[0] == "const" and num[1] == 0:
            num = ("lin", {})
        if num is None or den is None or num[0] != "lin" or den[0] != "lin":
            return None
        return ("frac", num[1], den[1])
    return _reduce(bind(ind.expr, catalog, params), catalog, params, depth)


def _same(a: dict, b: dict) -> bool:
    keys = set(a) | set(b)
    return all(math.isclose(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)


def _times(x, k: float):
    if x[0] == "const":
        return ("const", x[1] * k)
    if x[0] == "lin":
        return ("lin", _scale(x[1], k))
    return ("frac", _scale(x[1], k), x[2])


def _plus(a, b, sign: float):
    kinds = (a[0], b[0])
    if kinds != ("const", "const") and b == ("const", 0.0):  # `abandoned - 0` (no short abandons excluded)
        return a
    if kinds != ("const", "const") and a == ("const", 0.0):
        return _times(b, sign)
    if kinds == ("const", "const"):
        return ("const", a[1] + sign * b[1])
    if kinds == ("lin", "lin"):
        return ("lin", _add(a[1], b[1], sign))
    if kinds == ("frac", "frac"):
        return ("frac", _add(a[1], b[1], sign), a[2]) if _same(a[2], b[2]) else None
    if kinds == ("const", "frac"):  # c ± N/D = (c·D ± N)/D
        return ("frac", _add(_scale(b[2], a[1]), b[1], sign), b[2])
    if kinds == ("frac", "const"):
        return ("frac", _add(a[1], _scale(a[2], b[1]), sign), a[2])
    return None  # a count plus a rate, a count plus a constant: not a sum over members


def decompose(code: str, catalog: Catalog, params: dict | None = None):
    """How ``code`` splits over breakdown members: ``("frac", N, D)`` (a ratio of sums; N and D as
    {measure: coefficient}), ``("lin", V)`` (a count) or None (no exact split)."""
    params = {**default_params(catalog), **(params or {})}
    try:
        shape = _reduce(("name", code), catalog, params)
    except (CcdashError, KeyError, RecursionError):
        return None
    if shape is None or shape[0] == "const":
        return None
    if shape[0] == "frac" and not any(shape[2].values()):
        return None
    return shape


def _linear(form: dict, comps: pd.DataFrame) -> pd.Series:
    total = pd.Series(0.0, index=comps.index)
    for name, coef in form.items():
        if coef:
            total = total + coef * pd.to_numeric(comps[name], errors="coerce").astype("float64")
    return total


# ---- drivers ---------------------------------------------------------------------------------------------

def _dimension_frames(engine: Engine, measures: set[str], d0: str, d1: str, filters: dict,
                      dims: list[str]) -> dict[str, pd.DataFrame]:
    """Summed measures per member of each dimension over the period (``member`` column, as text)."""
    out = {}
    for dim in dims:
        if dim == "interval":
            fine = components(engine, measures - {"agents", "agent_days"}, "interval", [], d0, d1, filters)
            cols = [m for m in measures if m in fine]
            frame = fine.drop(columns="date").groupby("interval", as_index=False).sum(min_count=1) if len(fine) \
                else fine.drop(columns="date", errors="ignore")
            member = [f"{int(m) // 60:02d}:{int(m) % 60:02d}" for m in frame.get("interval", [])]
            frame = frame[cols].assign(member=pd.Series(member, index=frame.index, dtype="object"))
        else:
            frame = components(engine, measures, "total", [dim], d0, d1, filters)
            frame = frame.rename(columns={BREAKDOWNS[dim]: "member"})
            frame["member"] = frame["member"].astype("string").fillna("").astype("object")
        for m in measures:
            if m not in frame:
                frame[m] = np.nan
        out[dim] = frame.reset_index(drop=True)
    return out


def _adds_up(parts: pd.Series, total: float) -> bool:
    got = float(parts.fillna(0.0).sum())
    return math.isclose(got, total, rel_tol=TOLERANCE, abs_tol=TOLERANCE * max(1.0, abs(total)))


def _member_text(dim: str, members: pd.Series, names: dict, lang: str) -> pd.Series:
    if dim == "interval":  # "09:30" → "09:30–10:00"
        def span(start: str) -> str:
            end = int(start[:2]) * 60 + int(start[3:5]) + 30
            return f"{start}–{end // 60:02d}:{end % 60:02d}"
        return pd.Series([span(m) for m in members], index=members.index, dtype="object")
    return member_labels(members, dim, names, lang)


def drivers_for(shape, value: float, target: float, direction: str, total: pd.Series,
                frames: dict[str, pd.DataFrame], dims: list[str], names: dict | None = None,
                lang: str = "zh") -> pd.DataFrame:
    """The contribution of every member of every dimension to ``value − target`` (see the module doc).

    ``total`` holds the period's summed measures; columns: dimension, dimension_name, member, label,
    numerator, denominator (count: the member's value; NaN), value (the member's own rate), volume_share,
    contribution (c_i; they sum to value − target per dimension), share_of_gap (c_i / (value − target)),
    harm (the contribution in the bad direction: > 0 pulls the wrong way), rank (1 = drives the miss most)."""
    sign = 1.0 if direction == "higher" else -1.0
    gap = value - target
    parts = []
    one = pd.DataFrame([total])
    for dim in dims:
        frame = frames.get(dim)
        if frame is None or frame.empty:
            continue
        if shape[0] == "frac":
            num, den = _linear(shape[1], frame), _linear(shape[2], frame)
            total_num, total_den = float(_linear(shape[1], one).iloc[0]), float(_linear(shape[2], one).iloc[0])
            if not (_adds_up(num, total_num) and _adds_up(den, total_den)) or not total_den:
                continue
            keep = (num.fillna(0) != 0) | (den.fillna(0) != 0)
            num, den, frame = num[keep].fillna(0.0), den[keep].fillna(0.0), frame[keep]
            contribution = (num - target * den) / total_den
            own = (num / den.where(den != 0)).astype("float64")
            volume = den / total_den
        else:
            num = _linear(shape[1], frame)
            total_value = float(_linear(shape[1], one).iloc[0])
            if not _adds_up(num, total_value) or not total_value:
                continue
            keep = num.fillna(0) != 0
            num, frame = num[keep].fillna(0.0), frame[keep]
            den = pd.Series(np.nan, index=num.index)
            own = num
            volume = num / total_value
            contribution = gap * volume
        part = pd.DataFrame({
            "dimension": dim, "dimension_name": t(f"alerts.dim.{dim}", lang),
            "member": frame["member"].to_numpy(),
            "label": _member_text(dim, frame["member"].reset_index(drop=True), names or {}, lang).to_numpy(),
            "numerator": num.to_numpy(), "denominator": den.to_numpy(), "value": own.to_numpy(),
            "volume_share": volume.to_numpy(), "contribution": contribution.to_numpy(),
            "share_of_gap": (contribution / gap).to_numpy() if gap else np.nan,
            "harm": (-sign * contribution).to_numpy(),
        })
        part = part.sort_values(["harm", "member"], ascending=[False, True], kind="stable", ignore_index=True)
        parts.append(part.assign(rank=np.arange(1, len(part) + 1)))
    if not parts:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def drivers(engine: Engine, code: str, start, end, target: float, direction: str | None = None,
            dimensions=DIMENSIONS, lang: str = "zh", catalog: Catalog | None = None, params: dict | None = None,
            filters: dict | None = None) -> pd.DataFrame:
    """The drill-down of one indicator over ``start`` … ``end`` against ``target`` (any indicator, alert or
    not): every member's contribution to value − target per dimension, most harmful first (see
    :func:`drivers_for` for the columns). Empty when the indicator does not split over members."""
    catalog = catalog or default_catalog(engine)
    params = {**default_params(catalog), **(params or {})}
    ind = catalog.indicators[code]
    direction = direction or (ind.direction if ind.direction != "neutral" else "higher")
    filters = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (filters or {}).items() if v}
    d0, d1 = str(start)[:10], str(end)[:10]
    shape = decompose(code, catalog, params)
    comps = components(engine, needed_measures([code], catalog, params), "total", [], d0, d1, filters)
    if shape is None or comps.empty:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    value = float(evaluate_indicator(code, comps, catalog, params).iloc[0])
    dims = [d for d in DIMENSIONS if d in dimensions and not (ind.source != "calls" and d in CALL_ONLY_DIMENSIONS)]
    measures = {m for form in shape[1:] for m in form}
    frames = _dimension_frames(engine, measures, d0, d1, filters, dims)
    names = agent_names(engine) if "agent" in dims else {}
    return drivers_for(shape, value, target, direction, comps.iloc[0], frames, dims, names, lang)


# ---- alerts ----------------------------------------------------------------------------------------------

def _relative(gap: float, target: float) -> float:
    return abs(gap) / abs(target) if target else (math.inf if gap else 0.0)


def alerts(engine: Engine, grain: str = "day", anchor: dt.date | str | None = None, indicators=None, lang: str = "zh",
           catalog: Catalog | None = None, params: dict | None = None, team: str | None = None,
           queue: str | None = None, dimensions=DIMENSIONS) -> list[Alert]:
    """Every indicator off target (status warning or critical) over the latest ``grain`` ending on the
    anchor day, worst first (relative gap), each with its drivers over ``dimensions``.

    ``indicators``: codes to check (default every indicator with a target and a direction); ``team`` /
    ``queue``: look at one team or queue only, against its own target (most specific first); ``params``:
    the indicator parameters (service-level threshold …). An empty store gives no alerts."""
    if grain not in GRAINS:
        raise CcdashError("alerts.bad_grain", grain=grain)
    catalog = catalog or default_catalog(engine)
    params = {**default_params(catalog), **(params or {})}
    anchor = dt.date.fromisoformat(str(anchor)[:10]) if anchor else anchor_day(engine)  # a date or "YYYY-MM-DD"
    d0, d1 = alert_period(grain, anchor)
    codes = list(catalog.indicators) if indicators is None else \
        [c if c in catalog.indicators else find_indicator(str(c), catalog) for c in indicators]
    rules = thresholds_for(engine, codes, team, queue, catalog)
    rules = {c: r for c, r in rules.items() if bands(c, r, catalog) is not None}  # a direction and bands
    if not rules:
        return []
    filters = {k: [v] for k, v in (("team", team), ("queue", queue)) if v is not None}
    measures = needed_measures(list(rules), catalog, params)
    comps = components(engine, measures, "total", [], d0.isoformat(), d1.isoformat(), filters)
    if comps.empty:
        return []
    found = []
    for code, rule in rules.items():
        value = float(evaluate_indicator(code, comps, catalog, params).iloc[0])
        state = status(value, code, rule, catalog)
        if state not in ("warning", "critical"):
            continue
        band = bands(code, rule, catalog)
        target = next(x for x in (rule.target, catalog.indicators[code].target, band.warning, band.critical)
                      if x is not None)
        found.append((code, value, float(target), state, band.direction, rule))
    if not found:
        return []
    shapes = {code: decompose(code, catalog, params) for code, *_ in found}
    wanted = [d for d in DIMENSIONS if d in dimensions]
    linear_measures = {m for s in shapes.values() if s for form in s[1:] for m in form}
    frames = _dimension_frames(engine, linear_measures, d0.isoformat(), d1.isoformat(), filters, wanted) \
        if linear_measures else {}
    names = agent_names(engine) if "agent" in wanted else {}
    out = []
    for code, value, target, state, direction, rule in found:
        ind = catalog.indicators[code]
        shape = shapes[code]
        dims = [d for d in wanted if not (ind.source != "calls" and d in CALL_ONLY_DIMENSIONS)]
        if shape is None:
            drivers, method = pd.DataFrame(columns=DRIVER_COLUMNS), "none"
        else:
            drivers = drivers_for(shape, value, target, direction, comps.iloc[0], frames, dims, names, lang)
            method = "ratio" if shape[0] == "frac" else "count"
        gap = value - target
        out.append(Alert(code, ind.name.get(lang), value, target, gap, _relative(gap, target), state, direction,
                         ind.unit, ind.decimals, grain, d0, d1, rule, method, drivers))
    severity = {"critical": 0, "warning": 1}
    return sorted(out, key=lambda a: (-a.relative_gap, severity[a.status], a.code))


def alerts_frame(found: list[Alert]) -> pd.DataFrame:
    """The alerts as one table (one row each, worst first), with each alert's top driver per dimension."""
    rows = []
    for a in found:
        top = a.top_drivers(1)
        row = {"indicator": a.code, "name": a.name, "value": a.value, "target": a.target, "gap": a.gap,
               "relative_gap": a.relative_gap, "status": a.status, "start": a.start, "end": a.end}
        for dim in DIMENSIONS:
            hit = top[top["dimension"] == dim] if len(top) else top
            row[f"top_{dim}"] = hit["label"].iloc[0] if len(hit) else None
        rows.append(row)
    cols = ["indicator", "name", "value", "target", "gap", "relative_gap", "status", "start", "end",
            *(f"top_{d}" for d in DIMENSIONS)]
    return pd.DataFrame(rows, columns=cols)
