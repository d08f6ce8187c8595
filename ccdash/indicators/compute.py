"""Any indicator, any period, grain and breakdown: one query function over the measure tables.

Measures are summed in SQL to (period × breakdown) first; indicators are then evaluated on those
sums, so every ratio is Σnumerator/Σdenominator at the requested grain. The smallest table that has
the query's columns answers it: the 30-minute table for interval and hour queries, the per-agent daily
roll-up for day/week/month/total queries by team or agent, the full daily roll-up when the query
breaks down or filters by queue or business type. QA measures come from ``qa_day`` (day × agent × team ×
business type): at interval or hour grain, or broken down or filtered by queue, they are empty (NaN) —
a QA score belongs to a call's day, not to a half hour or a queue.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, func, select

from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.indicators.catalog import Catalog, Derived, Simple, bind, default_params, fraction, load_catalog
from ccdash.indicators.formula import evaluate, names
from ccdash.store.measures import CALL_MEASURES, REPEAT_WINDOWS, STATE_MEASURES
from ccdash.store.db import get_setting
from ccdash.store.rebuild import NEWEST_CALL_KEY
from ccdash.store.schema import MEASURE_TABLES, QA_MEASURES

MESSAGES = {
    "query.bad_grain": {"zh": "未知粒度 {grain}；可选：{choices}", "en": "Unknown grain {grain}; choose one of: {choices}"},
    "query.bad_by": {"zh": "未知分组 {by}；可选：{choices}", "en": "Unknown breakdown {by}; choose one of: {choices}"},
    "query.bad_dates": {"zh": "开始日期 {start} 晚于结束日期 {end}", "en": "Start date {start} is after end date {end}"},
}
register(MESSAGES)

GRAINS = ("interval", "hour", "day", "week", "month", "total")
BREAKDOWNS = {"agent": "agent_id", "team": "team", "queue": "queue", "business_type": "business_type"}
FILTERS = ("agent_id", "team", "queue", "business_type")
CALL_ONLY = ("queue", "business_type")
NOT_QA = ("queue",)  # qa_day has agent, team and business type but no queue


def _period_cols(grain: str) -> list[str]:
    return {"interval": ["date", "interval"], "hour": ["date", "interval"], "day": ["date"],
            "week": ["week"], "month": ["month"], "total": []}[grain]


def needed_measures(codes: list[str], catalog: Catalog, params: dict) -> set[str]:
    """Every stored measure the indicators need (following derived indicators)."""
    found: set[str] = set()
    for code in codes:
        ind = catalog.indicators[code]
        if isinstance(ind, Simple):
            found.add(ind.measure or ind.distinct)
        elif isinstance(ind, Derived):  # names are indicators (a custom formula may also name stored measures)
            used = names(bind(ind.expr, catalog, params))
            found |= needed_measures(sorted(used & set(catalog.indicators)), catalog, params)
            found |= used - set(catalog.indicators)
        else:
            num, den = fraction(ind, catalog, params)
            found |= names(num) | names(den)
    return found


def _sum_table(conn, key: tuple[str, str], measures: list[str], groups: list[str], d0: str, d1: str,
               filters: dict) -> pd.DataFrame:
    table = MEASURE_TABLES[key]
    cols = [table.c[g] for g in groups]
    query = select(*cols, *(func.sum(table.c[m]).label(m) for m in measures)).where(table.c.date.between(d0, d1))
    for name, allowed in filters.items():
        query = query.where(table.c[name].in_(list(allowed)))
    query = query.group_by(*cols) if cols else query
    rows = conn.execute(query).fetchall()
    labels = [*groups, *measures]  # built column by column: much faster than from a list of row tuples
    frame = pd.DataFrame(dict(zip(labels, zip(*rows))) if rows else {n: [] for n in labels}, columns=labels)
    return frame if cols else frame.dropna(how="all", subset=measures)  # SUM over no rows is one NULL row


def call_table(grain: str, groups: list[str], filters: dict) -> tuple[str, str]:
    """The smallest call-measure table with every column the query needs."""
    if grain in ("interval", "hour"):
        return ("calls", "fine")
    if any(c in CALL_ONLY for c in [*groups, *filters]):
        return ("calls", "day")
    return ("calls", "agent_day")


def _distinct(conn, groups: list[str], d0: str, d1: str, filters: dict, with_states: bool) -> pd.DataFrame:
    """Agents (and agent-days) with any activity — handled calls or logged-in time — per group."""
    cols = sorted({*groups, "date", "agent_id"})
    table = call_table("day", cols, filters)
    parts = [_sum_table(conn, table, ["handled"], cols, d0, d1, filters).query("handled > 0")]
    if with_states:
        parts.append(_sum_table(conn, ("states", "day"), ["login_s"], cols, d0, d1, filters).query("login_s > 0"))
    active = pd.concat(parts)[cols].drop_duplicates()
    active = active[active["agent_id"] != ""]
    grouped = active.groupby(groups, dropna=False) if groups else active.assign(_all=1).groupby("_all")
    out = pd.DataFrame({"agents": grouped["agent_id"].nunique(), "agent_days": grouped.size()}).reset_index()
    return out.drop(columns="_all", errors="ignore")


def components(engine: Engine, measures: set[str], grain: str, by: list[str], d0: str, d1: str,
               filters: dict) -> pd.DataFrame:
    """Measures summed to the period and breakdown columns."""
    size = "fine" if grain in ("interval", "hour") else "day"
    groups = _period_cols(grain) + [BREAKDOWNS[b] for b in by]
    calls_key = call_table(grain, groups, filters)
    call_m = [m for m in CALL_MEASURES if m in measures]
    state_m = [m for m in STATE_MEASURES if m in measures]
    states_ok = not any(b in CALL_ONLY for b in by) and not any(f in CALL_ONLY for f in filters)
    qa_m = [m for m in QA_MEASURES if m in measures]
    qa_ok = size == "day" and not any(c in NOT_QA for c in [*groups, *filters])
    frames = []
    with engine.connect() as conn:
        if call_m:
            frames.append(_sum_table(conn, calls_key, call_m, groups, d0, d1, filters))
        if state_m and states_ok:
            frames.append(_sum_table(conn, ("states", size), state_m, groups, d0, d1, filters))
        if qa_m and qa_ok:
            frames.append(_sum_table(conn, ("qa", "day"), qa_m, groups, d0, d1, filters))
        if measures & {"agents", "agent_days"} and grain not in ("interval", "hour"):
            frames.append(_distinct(conn, groups, d0, d1, filters, states_ok))
    merged = frames[0] if frames else pd.DataFrame(columns=groups)
    for frame in frames[1:]:
        merged = merged.merge(frame, on=groups, how="outer") if groups else pd.concat([merged, frame], axis=1)
    if grain == "hour" and len(merged):
        merged["interval"] = merged["interval"] // 60 * 60
        merged = merged.groupby(groups, as_index=False, dropna=False).sum(min_count=1)
    for m in measures:
        if m not in merged:
            merged[m] = float("nan")
    return merged


def period_label(frame: pd.DataFrame, grain: str, d0: str, d1: str) -> pd.Series:
    if grain in ("interval", "hour"):
        mins = frame["interval"].astype(int)
        return frame["date"] + " " + (mins // 60).map("{:02d}".format) + ":" + (mins % 60).map("{:02d}".format)
    if grain == "day":
        return frame["date"]
    if grain == "week":
        return frame["week"]
    if grain == "month":
        return frame["month"].str.slice(0, 7)
    return pd.Series(f"{d0}~{d1}", index=frame.index)


def evaluate_indicator(code: str, comps: pd.DataFrame, catalog: Catalog, params: dict) -> pd.Series:
    """One indicator's values on summed components (ratio of sums; x/0 → empty)."""
    ind = catalog.indicators[code]
    if isinstance(ind, Simple):
        return comps[ind.measure or ind.distinct].astype("float64")
    if isinstance(ind, Derived):
        tree = bind(ind.expr, catalog, params)
        env = {name: evaluate_indicator(name, comps, catalog, params) if name in catalog.indicators
               else comps[name].astype("float64") for name in names(tree)}
        return pd.Series(evaluate(tree, env), index=comps.index, dtype="float64")
    num, den = fraction(ind, catalog, params)
    env = {m: comps[m].astype("float64") for m in names(num) | names(den)}
    return pd.Series(evaluate(("/", num, den), env), index=comps.index, dtype="float64")


def query(engine: Engine, indicators: list[str], date_from, date_to, grain: str = "day",
          by: list[str] | str | None = None, filters: dict | None = None, params: dict | None = None,
          catalog: Catalog | None = None) -> pd.DataFrame:
    """Tidy indicator values: one row per period × breakdown × indicator (``value`` NaN when undefined)."""
    catalog = catalog or load_catalog()
    by = [by] if isinstance(by, str) else list(by or [])
    params = {**default_params(catalog), **(params or {})}
    d0, d1 = str(date_from)[:10], str(date_to)[:10]
    _check(indicators, grain, by, d0, d1, catalog)
    filters = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (filters or {}).items() if v}
    comps = components(engine, needed_measures(indicators, catalog, params), grain, by, d0, d1, filters)
    if comps.empty:
        return pd.DataFrame(columns=["period", *by, "indicator", "value"])
    base = pd.DataFrame({"period": period_label(comps, grain, d0, d1)})
    for b in by:
        base[b] = comps[BREAKDOWNS[b]].to_numpy()
    parts = [base.assign(indicator=code, value=evaluate_indicator(code, comps, catalog, params).to_numpy())
             for code in indicators]
    out = pd.concat(parts, ignore_index=True).sort_values(["period", *by], kind="stable", ignore_index=True)
    if "repeat_rate" in indicators:
        out["censored"] = (out["indicator"] == "repeat_rate") & _censored(engine, out, grain, params, d1)
    return out


def _check(indicators, grain, by, d0, d1, catalog) -> None:
    from ccdash.indicators.catalog import find_indicator
    for code in indicators:
        if code not in catalog.indicators:
            find_indicator(code, catalog)
    if grain not in GRAINS:
        raise CcdashError("query.bad_grain", grain=grain, choices=", ".join(GRAINS))
    for b in by:
        if b not in BREAKDOWNS:
            raise CcdashError("query.bad_by", by=b, choices=", ".join(BREAKDOWNS))
    if d0 > d1:
        raise CcdashError("query.bad_dates", start=d0, end=d1)


def _censored(engine: Engine, out: pd.DataFrame, grain: str, params: dict, d1: str) -> pd.Series:
    """Periods whose repeat window reaches past the newest call in the store (right-censored)."""
    with engine.connect() as conn:
        newest = get_setting(conn, NEWEST_CALL_KEY)  # kept by every rebuild of the call measures
    if newest is None:
        return pd.Series(True, index=out.index)
    window = dt.timedelta(seconds=REPEAT_WINDOWS[str(params["repeat_window"])])
    periods = out["period"].unique()
    ends = out["period"].map(dict(zip(periods, (period_end(p, grain, d1) for p in periods))))
    return ends + window > pd.Timestamp(newest)


def period_end(label: str, grain: str, d1: str) -> pd.Timestamp:
    if grain == "total":
        return pd.Timestamp(d1) + pd.Timedelta(days=1)
    if grain in ("interval", "hour"):
        return pd.Timestamp(label) + pd.Timedelta(minutes=30 if grain == "interval" else 60)
    start = pd.Timestamp(label if grain != "month" else label + "-01")
    step = {"day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7)}.get(grain)
    return min(start + step if step else start + pd.offsets.MonthBegin(1), pd.Timestamp(d1) + pd.Timedelta(days=1))


def wide(tidy: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """The tidy result as one column per indicator."""
    keys = ["period", *(by or [])]
    return tidy.pivot_table(index=keys, columns="indicator", values="value", aggfunc="first", sort=False,
                            dropna=False).reset_index()
