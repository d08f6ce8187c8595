"""Widget data: what one widget shows, from the store — values, statuses, the compared values.

:func:`widget_data` runs the widget's queries (through :func:`ccdash.indicators.compute.query`, so every
value is a ratio of sums) and returns a :class:`WidgetData` that the pure builders in
:mod:`ccdash.dashboards.widgets` draw without touching the store again.

The frame is tidy — ``period, [breakdown], indicator, value`` as ``query()`` returns it — plus the
columns the builders need: ``when`` (the period start as ISO text, for time axes), ``member`` (the
breakdown value as people read it: "A01 张三", blank → 未分配), ``order`` (1 = first bar/row after
sorting), ``status`` (good / warning / critical / empty) and ``text`` (the value formatted by the
catalog's unit and decimals, in the language).

Status (:func:`status`) is direction-aware. The direction comes from the widget's threshold, else the
catalog, else from the order of the bands (critical < warning → higher is better). With bands
(``warning`` / ``critical`` in the widget) higher-is-better is green at or above ``warning``, amber below
it, red below ``critical`` (mirrored for lower-is-better). With only a target (the widget's, else the
catalog's) the default bands are: on or better than the target green; worse by at most 5 % of the
target (relative) amber; worse than that red — e.g. answer rate target 90 %: ≥ 90 % green,
85.5–90 % amber, < 85.5 % red; AHT target 300 s: ≤ 300 green, 300–315 amber, > 315 red. Neutral
indicators without bands, and empty values, have no status.

Caching: ``widget_data`` is a pure function of the store's content, the widget, the anchor day and the
language. :func:`cache_key` gives those as plain text (engine URL, widget JSON, anchor, language,
:func:`store_version`); :func:`widget_data_for` takes exactly that key, so a page can wrap it in
``st.cache_data`` and :func:`cached_widget_data` is the same in a process-wide LRU cache (CLI, bench).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from ccdash.dashboards.model import Threshold, Widget
from ccdash.dashboards.periods import previous, resolve
from ccdash.i18n import register, t
from ccdash.indicators.catalog import Catalog, default_params, load_catalog
from ccdash.indicators.compute import components, evaluate_indicator, needed_measures, query
from ccdash.indicators.format import finite_number, format_series
from ccdash.qa.measures import qa_version
from ccdash.store.db import get_setting, make_engine
from ccdash.store.info import agent_names
from ccdash.store.rebuild import NEWEST_CALL_KEY
from ccdash.store.schema import custom_indicator_versions, imports, target_versions

MESSAGES = {
    "widget_data.unassigned": {"zh": "未分配", "en": "Unassigned"},
    **{f"widget_data.weekday.{i}": {"zh": zh, "en": en} for i, (zh, en) in enumerate(zip(
        ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")))},
}
register(MESSAGES)

STATUSES = ("good", "warning", "critical")
DEFAULT_BAND = 0.05  # with only a target: worse by at most 5 % of the target (relative) is amber
TIDY = ["period", "indicator", "value"]


@dataclass(frozen=True)
class IndicatorInfo:
    """What a builder needs to know about one indicator of the widget (name in the widget's language)."""
    code: str
    name: str
    unit: str = "count"
    decimals: int = 0
    direction: str = "neutral"
    target: float | None = None  # the widget's threshold target, else the catalog's


@dataclass(frozen=True)
class Kpi:
    """One KPI card value with what it is compared with."""
    indicator: str
    value: float | None
    previous: float | None = None
    target: float | None = None
    delta: float | None = None  # value − previous
    to_target: float | None = None  # value − target
    status: str | None = None


@dataclass(frozen=True, eq=False)
class WidgetData:
    """Everything one widget draws: the tidy frame, the period, and for KPI cards the compared values."""
    kind: str
    start: dt.date
    end: dt.date
    anchor: dt.date
    indicators: dict[str, IndicatorInfo]
    frame: pd.DataFrame
    breakdown: str | None = None
    previous_start: dt.date | None = None
    previous_end: dt.date | None = None
    kpis: tuple[Kpi, ...] = ()
    sparkline: pd.DataFrame | None = None
    as_of: str | None = None  # the newest call in the store, "YYYY-MM-DD HH:MM:SS"


@dataclass(frozen=True)
class Bands:
    """Status bands of one indicator: for higher-is-better, below ``warning`` amber, below ``critical`` red."""
    direction: str  # higher | lower
    warning: float | None
    critical: float | None

    def classify(self, values: pd.Series) -> pd.Series:
        sign = 1.0 if self.direction == "higher" else -1.0
        v = sign * pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        red = v < sign * self.critical if self.critical is not None else np.zeros(len(v), bool)
        amber = v < sign * self.warning if self.warning is not None else np.zeros(len(v), bool)
        picked = np.select([np.isnan(v), red, amber], [None, "critical", "warning"], "good")
        return pd.Series(picked, index=values.index, dtype="object")


def _direction(threshold: Threshold, catalog_direction: str) -> str | None:
    if threshold.direction:
        return None if threshold.direction == "neutral" else threshold.direction
    if catalog_direction != "neutral":
        return catalog_direction
    if threshold.warning is not None and threshold.critical is not None and threshold.warning != threshold.critical:
        return "higher" if threshold.critical < threshold.warning else "lower"
    return None


def bands(indicator: str, threshold: Threshold | None = None, catalog: Catalog | None = None) -> Bands | None:
    """The status bands of ``indicator`` in a widget (see the module doc); None when it has no status."""
    catalog = catalog or load_catalog()
    ind = catalog.indicators.get(indicator)
    threshold = threshold or Threshold()
    direction = _direction(threshold, ind.direction if ind else "neutral")
    if direction is None:
        return None
    if threshold.warning is not None or threshold.critical is not None:
        return Bands(direction, threshold.warning, threshold.critical)
    target = threshold.target if threshold.target is not None else (ind.target if ind else None)
    if target is None:
        return None
    edge = target - (1 if direction == "higher" else -1) * abs(target) * DEFAULT_BAND
    return Bands(direction, target, edge)


def status(value, indicator: str, threshold: Threshold | None = None, catalog: Catalog | None = None) -> str | None:
    """"good", "warning", "critical" or None for one value of ``indicator`` (direction-aware)."""
    rule = bands(indicator, threshold, catalog)
    if rule is None or finite_number(value) is None:
        return None
    return rule.classify(pd.Series([float(value)])).iloc[0]


def indicator_info(code: str, widget: Widget, catalog: Catalog, lang: str) -> IndicatorInfo:
    ind = catalog.indicators[code]
    threshold = widget.thresholds.get(code) or Threshold()
    target = threshold.target if threshold.target is not None else ind.target
    direction = _direction(threshold, ind.direction) or "neutral"
    return IndicatorInfo(code, ind.name.get(lang), ind.unit, ind.decimals, direction, target)


def member_labels(values: pd.Series, breakdown: str | None, names: dict[str, str], lang: str) -> pd.Series:
    """Breakdown values as people read them: agents with their roster name, blank → 未分配."""
    text = values.astype("string").fillna("")
    if breakdown == "agent" and names:
        text = text.map(lambda a: f"{a} {names[a]}" if a in names else a)
    return text.mask(text == "", t("widget_data.unassigned", lang)).astype("object")


def _when(period: pd.Series, grain: str) -> pd.Series:
    if grain == "total":
        return pd.Series(None, index=period.index, dtype="object")
    text = period.astype("object")
    if grain == "month":
        text = text + "-01"
    if grain in ("interval", "hour"):
        return (text.str.replace(" ", "T") + ":00").astype("object")
    return (text + "T00:00:00").astype("object")


def decorate(frame: pd.DataFrame, widget: Widget, infos: dict[str, IndicatorInfo], lang: str,
             catalog: Catalog) -> pd.DataFrame:
    """Add ``status`` (None where there is none) and ``text`` (the formatted value) per indicator."""
    state = np.full(len(frame), None, dtype=object)
    text = np.full(len(frame), "", dtype=object)
    for code, info in infos.items():
        rows = (frame["indicator"] == code).to_numpy()
        if not rows.any():
            continue
        values = frame.loc[rows, "value"]
        rule = bands(code, widget.thresholds.get(code), catalog)
        if rule is not None:
            state[rows] = rule.classify(values).to_numpy()
        text[rows] = format_series(values, info.unit, info.decimals, lang).to_numpy()
    return frame.assign(status=pd.Series(state, index=frame.index, dtype=object),
                        text=pd.Series(text, index=frame.index, dtype=object))


def sort_order(widget: Widget, infos: dict[str, IndicatorInfo]) -> str | None:
    """How breakdown members are ordered: the widget's sort; a table ranks best first, a donut and a
    top N largest first; otherwise None (by name)."""
    if widget.options.sort or not (widget.kind in ("table", "donut") or widget.options.top_n):
        return widget.options.sort
    direction = infos[widget.indicators[0]].direction
    return "asc" if widget.kind == "table" and direction == "lower" else "desc"


def _ranking(values: pd.Series, sort: str | None, top_n: int | None) -> list:
    """Breakdown members in display order (by the first indicator's value), cut to the top N."""
    if sort is None:
        ordered = sorted(values.index, key=str)
    else:
        ordered = list(values.sort_values(ascending=sort == "asc", na_position="last", kind="stable").index)
    return ordered[:top_n] if top_n else ordered


def _member_values(engine, widget: Widget, tidy: pd.DataFrame, d0, d1, sort: str | None,
                   catalog: Catalog) -> pd.Series:
    """The first indicator's value per member over the whole period (the ranking key)."""
    by, first = widget.breakdown, widget.indicators[0]
    members = tidy[by].astype("string").fillna("").unique()
    if sort is None:
        return pd.Series(np.nan, index=members)
    if widget.grain != "total":
        tidy = query(engine, [first], d0, d1, "total", by, widget.filters.as_query(), catalog=catalog)
    rows = tidy[tidy["indicator"] == first]
    return pd.Series(rows["value"].to_numpy(dtype="float64"), index=rows[by].astype("string").fillna(""))


def ranked(tidy: pd.DataFrame, by: str, ordered: list, names: dict, lang: str) -> pd.DataFrame:
    """The frame with ``member`` and ``order`` columns, only the members in ``ordered``."""
    order = {m: i + 1 for i, m in enumerate(ordered)}
    out = tidy.assign(order=tidy[by].astype("string").fillna("").map(order),
                      member=member_labels(tidy[by], by, names, lang))
    out = out[out["order"].notna()].astype({"order": "int64"})
    return out.sort_values("order", kind="stable", ignore_index=True)


def without_empty_members(tidy: pd.DataFrame, by: str) -> pd.DataFrame:
    """Drop breakdown members with no value for any indicator (e.g. the blank agent of abandoned calls
    in an AHT ranking): they would only add empty bars and rows."""
    keys = tidy[by].astype("string").fillna("")
    return tidy[keys.isin(set(keys[tidy["value"].notna()]))]


def regroup(comps: pd.DataFrame, keys: list[str], codes: list[str], catalog: Catalog,
            params: dict | None = None) -> pd.DataFrame:
    """Indicators on components re-summed to ``keys`` (a ratio of sums at the new grain, never a mean of
    ratios): ``keys…, indicator, value``."""
    params = {**default_params(catalog), **(params or {})}
    measures = sorted(needed_measures(codes, catalog, params) & set(comps.columns))
    summed = comps.groupby(keys, as_index=False, dropna=False)[measures].sum(min_count=1)
    for m in needed_measures(codes, catalog, params) - set(measures):
        summed[m] = np.nan
    parts = [summed[keys].assign(indicator=code, value=evaluate_indicator(code, summed, catalog, params).to_numpy())
             for code in codes]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*keys, "indicator", "value"])


def weekday_hour(engine: Engine, codes: list[str], d0, d1, filters: dict, catalog: Catalog, lang: str) -> pd.DataFrame:
    """Indicators by weekday × hour over [d0, d1]: measures by date × hour, re-summed per weekday and hour."""
    params = default_params(catalog)
    comps = components(engine, needed_measures(codes, catalog, params), "hour", [], str(d0), str(d1),
                       {k: list(v) for k, v in filters.items()})
    comps = comps.assign(weekday=pd.to_datetime(comps["date"]).dt.day_of_week.astype("int64"),
                         hour=(comps["interval"].astype("int64") // 60))
    out = regroup(comps, ["weekday", "hour"], codes, catalog, params)
    names = {i: t(f"widget_data.weekday.{i}", lang) for i in range(7)}
    return out.assign(period=out["weekday"].map(names).astype("object") + " "
                      + out["hour"].map("{:02d}:00".format).astype("object"))


def data_as_of(engine: Engine) -> str | None:
    """The start time of the newest call in the store ("YYYY-MM-DD HH:MM:SS"), None when empty."""
    with engine.connect() as conn:
        newest = get_setting(conn, NEWEST_CALL_KEY)
    return str(newest).replace("T", " ")[:19] if newest else None


def _totals(engine, widget: Widget, d0, d1, catalog: Catalog) -> dict[str, float]:
    tidy = query(engine, widget.indicators, d0, d1, "total", None, widget.filters.as_query(), catalog=catalog)
    return {code: finite_number(v) for code, v in zip(tidy["indicator"], tidy["value"])}


def _kpis(engine, widget: Widget, d0, d1, p, infos, catalog: Catalog) -> tuple[Kpi, ...]:
    now = _totals(engine, widget, d0, d1, catalog)
    before = _totals(engine, widget, *p, catalog) if p else {}
    out = []
    for code, info in infos.items():
        value, prev = now.get(code), before.get(code)
        out.append(Kpi(code, value, prev, info.target,
                       None if value is None or prev is None else value - prev,
                       None if value is None or info.target is None else value - info.target,
                       status(value, code, widget.thresholds.get(code), catalog)))
    return tuple(out)


def _with_when(tidy: pd.DataFrame, grain: str) -> pd.DataFrame:
    return tidy.assign(when=_when(tidy["period"], grain))


def kpi_data(engine, widget: Widget, d0, d1, infos, lang, catalog) -> dict:
    """The KPI / gauge part: the values, the previous period's, the sparkline (by the widget's grain; with
    grain total by hour for a one-day period, else by day)."""
    p = previous(d0, d1, widget.period.kind) if widget.kind == "kpi" or "previous" in widget.options.compare else None
    kpis = _kpis(engine, widget, d0, d1, p, infos, catalog)
    frame = pd.DataFrame({"period": f"{d0}~{d1}", "indicator": [k.indicator for k in kpis],
                          "value": [np.nan if k.value is None else k.value for k in kpis]})
    spark = None
    if widget.options.sparkline:
        grain = widget.grain if widget.grain != "total" else ("hour" if d0 == d1 else "day")
        tidy = query(engine, widget.indicators, d0, d1, grain, None, widget.filters.as_query(), catalog=catalog)
        spark = decorate(_with_when(tidy[TIDY], grain), widget, infos, lang, catalog)
    return dict(kpis=kpis, frame=decorate(_with_when(frame, "total"), widget, infos, lang, catalog),
                sparkline=spark, previous_start=p[0] if p else None, previous_end=p[1] if p else None)


def heatmap_data(engine, widget: Widget, d0, d1, infos, lang, catalog) -> dict:
    if widget.options.heatmap == "weekday_hour":
        tidy = weekday_hour(engine, widget.indicators, d0, d1, widget.filters.as_query(), catalog, lang)
        return dict(frame=decorate(tidy.assign(when=None), widget, infos, lang, catalog))
    return breakdown_data(engine, widget.model_copy(update={"grain": "day", "breakdown": widget.breakdown or "agent"}),
                          d0, d1, infos, lang, catalog)


def breakdown_data(engine, widget: Widget, d0, d1, infos, lang, catalog) -> dict:
    """Line, bar, table, donut … : the query at the widget's grain and breakdown, ranked and cut to top N."""
    by = widget.breakdown
    tidy = query(engine, widget.indicators, d0, d1, widget.grain, by, widget.filters.as_query(), catalog=catalog)
    tidy = _with_when(tidy, widget.grain)
    if by:
        tidy = without_empty_members(tidy, by)
        sort = sort_order(widget, infos)
        ordered = _ranking(_member_values(engine, widget, tidy, d0, d1, sort, catalog), sort, widget.options.top_n)
        tidy = ranked(tidy, by, ordered, agent_names(engine) if by == "agent" else {}, lang)
    return dict(frame=decorate(tidy, widget, infos, lang, catalog), breakdown=by)


PARTS = {"kpi": kpi_data, "gauge": kpi_data, "heatmap": heatmap_data}


def widget_data(engine: Engine, widget: Widget, anchor: dt.date, lang: str, catalog: Catalog | None = None) -> WidgetData:
    """Everything ``widget`` shows for the anchor day, from the store (custom indicators included)."""
    from ccdash.indicators.custom import catalog_with_custom
    catalog = catalog or catalog_with_custom(engine)
    widget = with_store_targets(engine, widget, catalog)
    d0, d1 = resolve(widget.period, anchor)
    infos = {code: indicator_info(code, widget, catalog, lang) for code in widget.indicators}
    base = dict(kind=widget.kind, start=d0, end=d1, anchor=anchor, indicators=infos, as_of=data_as_of(engine))
    if widget.kind == "text":
        return WidgetData(frame=pd.DataFrame(columns=TIDY), **base)
    part = PARTS.get(widget.kind, breakdown_data)(engine, widget, d0, d1, infos, lang, catalog)
    return WidgetData(**base, **part)


def with_store_targets(engine: Engine, widget: Widget, catalog: Catalog) -> Widget:
    """The widget with the targets set in the store (for its one team or queue, else the center's) for the
    indicators it gives no threshold of its own; the widget's own thresholds win."""
    from ccdash.indicators.targets import list_targets, thresholds_for
    codes = [c for c in widget.indicators if c not in widget.thresholds]
    stored = {row.code for row in list_targets(engine)} & set(codes)
    if not stored:
        return widget
    team = widget.filters.team[0] if len(widget.filters.team) == 1 else None
    queue = widget.filters.queue[0] if len(widget.filters.queue) == 1 else None
    found = thresholds_for(engine, sorted(stored), team, queue, catalog)
    return widget.model_copy(update={"thresholds": {**found, **widget.thresholds}})


def store_version(engine: Engine) -> str:
    """Changes whenever what a widget shows may have changed — an import or an undo, a target set or
    deleted, a custom indicator saved or deleted, a QA score saved or changed by an appeal (every rebuild
    of the QA measures bumps a counter): part of the cache key."""
    with engine.connect() as conn:
        count, last, undone = conn.execute(
            select(func.count(), func.max(imports.c.id), func.max(imports.c.undone_at))).one()
        targets = conn.execute(select(func.count()).select_from(target_versions)).scalar()
        customs = conn.execute(select(func.count()).select_from(custom_indicator_versions)).scalar()
        qa = qa_version(conn)
    return f"{count}:{last}:{undone or ''}:t{targets}:c{customs}:q{qa}"


def cache_key(engine: Engine, widget: Widget, anchor: dt.date, lang: str) -> tuple[str, str, str, str, str]:
    """(engine URL, widget JSON, anchor, language, store version): the arguments of :func:`widget_data_for`."""
    return (engine.url.render_as_string(hide_password=False), widget.model_dump_json(), anchor.isoformat(), lang,
            store_version(engine))


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url, create=False)


def widget_data_for(url: str, widget_json: str, anchor: str, lang: str, version: str = "") -> WidgetData:
    """:func:`widget_data` from plain-text arguments (``version`` only keys a cache): wrap in ``st.cache_data``."""
    return widget_data(engine_for(url), Widget.model_validate_json(widget_json), dt.date.fromisoformat(anchor), lang)


cached_widget_data = functools.lru_cache(maxsize=512)(widget_data_for)
