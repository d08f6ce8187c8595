"""The indicator dashboard's pieces: the controls, the one data call (:func:`indicator_view`), the drawing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.i18n import CATALOG as TEXTS
from ccdash.i18n import t
from ccdash.indicators.catalog import Catalog
from ccdash.indicators.compute import BREAKDOWNS, GRAINS, query, wide
from ccdash.indicators.format import format_delta, format_series, format_value, indicator_label
from ccdash.store.info import agent_names, data_date_range, default_period, dimension_values

DEFAULT_CODES = ("offered", "answer_rate", "service_level", "aht")
KPI_COUNT = 4
UNIT_HEADER = {"percent": "(%)", "seconds": {"zh": "(秒)", "en": "(s)"}}


@dataclass
class Selection:
    codes: list[str]
    start: dt.date
    end: dt.date
    grain: str = "day"
    by: str | None = None
    filters: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass
class View:
    selection: Selection
    tidy: pd.DataFrame  # period × breakdown × indicator
    totals: dict[str, float]  # the KPI indicators over the whole period
    by_totals: pd.DataFrame | None  # with a breakdown: indicator totals per member (for bar charts)
    names: dict[str, str] = field(default_factory=dict)  # agent id → name


def indicator_view(engine: Engine, sel: Selection, catalog: Catalog) -> View:
    """Everything the dashboard draws, from the store: the period table, the KPI totals, the bars."""
    common = dict(filters=sel.filters, params=sel.params, catalog=catalog)
    tidy = query(engine, sel.codes, sel.start, sel.end, sel.grain, sel.by, **common)
    kpi = query(engine, sel.codes[:KPI_COUNT], sel.start, sel.end, "total", None, **common)
    totals = dict(zip(kpi["indicator"], kpi["value"]))
    by_totals = query(engine, sel.codes, sel.start, sel.end, "total", sel.by, **common) if sel.by else None
    names = agent_names(engine) if sel.by == "agent" else {}
    return View(sel, tidy, totals, by_totals, names)


def _option_text(name: str, value, lang: str) -> str:
    code = f"param.{name}.{value}"
    return t(code, lang) if code in TEXTS else str(value)


def controls(engine: Engine, catalog: Catalog, lang: str) -> Selection | None:
    """The pickers (indicators, period, grain, breakdown, filters, parameters); None until usable."""
    ss = st.session_state
    span = data_date_range(engine)
    if span is None:
        st.info(t("ind.no_data", lang))
        return None
    first, last = span
    ss.setdefault("ind_codes", [c for c in DEFAULT_CODES if c in catalog.indicators])
    period = ss.get("ind_period")
    if not period or any(d < first or d > last for d in period):
        ss["ind_period"] = default_period(first, last)
    ss.setdefault("ind_grain", "day")
    ss.setdefault("ind_by", "none")
    inds = catalog.indicators
    codes = st.multiselect(t("ind.pick", lang), list(inds), format_func=lambda c: indicator_label(inds[c], lang),
                           key="ind_codes")
    c1, c2, c3 = st.columns([2, 1, 1])
    dates = c1.date_input(t("ind.period", lang), min_value=first, max_value=last, key="ind_period")
    grain = c2.selectbox(t("ind.grain", lang), GRAINS, format_func=lambda g: t(f"grain.{g}", lang), key="ind_grain")
    by = c3.selectbox(t("ind.by", lang), ["none", *BREAKDOWNS], format_func=lambda b: t(f"by.{b}", lang),
                      key="ind_by")
    with st.expander(t("ind.more", lang)):
        f1, f2 = st.columns(2)
        teams = f1.multiselect(t("ind.teams", lang), dimension_values(engine, "team"), key="ind_teams",
                               placeholder=t("ind.all", lang))
        queues = f2.multiselect(t("ind.queues", lang), dimension_values(engine, "queue"), key="ind_queues",
                                placeholder=t("ind.all", lang))
        params = {}
        cols = st.columns(max(1, len(catalog.parameters)))
        for col, (name, p) in zip(cols, catalog.parameters.items()):
            ss.setdefault(f"param_{name}", p.default)
            params[name] = col.selectbox(p.label.get(lang), list(p.choices), key=f"param_{name}",
                                         format_func=lambda v, n=name: _option_text(n, v, lang))
    if not codes:
        st.info(t("ind.pick_one", lang))
        return None
    if not isinstance(dates, (tuple, list)) or len(dates) != 2:
        st.info(t("ind.pick_dates", lang))
        return None
    filters = {k: v for k, v in (("team", teams), ("queue", queues)) if v}
    return Selection(list(codes), dates[0], dates[1], grain, None if by == "none" else by, filters, params)


def draw_kpis(view: View, catalog: Catalog, lang: str) -> None:
    sel = view.selection
    trend = view.tidy if sel.by is None and sel.grain != "total" else None
    cols = st.columns(KPI_COUNT)
    for col, code in zip(cols, sel.codes[:KPI_COUNT]):
        ind = catalog.indicators[code]
        value = view.totals.get(code, float("nan"))
        kwargs = {}
        if ind.target is not None and pd.notna(value):
            kwargs = dict(delta=format_delta(value - ind.target, ind.unit, ind.decimals, lang),
                          delta_color={"higher": "normal", "lower": "inverse"}.get(ind.direction, "off"),
                          delta_description=t("ind.vs_target", lang,
                                              target=format_value(ind.target, ind.unit, ind.decimals, lang)))
        if trend is not None:
            points = trend.loc[trend["indicator"] == code, "value"].dropna()
            kwargs["chart_data"] = points.tolist() if len(points) > 1 else None
        col.metric(ind.name.get(lang), format_value(value, ind.unit, ind.decimals, lang), border=True,
                   help=t("ind.total_help", lang, start=sel.start, end=sel.end), **kwargs)


def _member_labels(values: pd.Series, by: str | None, names: dict, lang: str) -> pd.Series:
    text = values.astype("string").fillna("")
    if by == "agent" and names:
        text = text.map(lambda a: f"{a} {names[a]}" if a in names else a)
    return text.mask(text == "", t("ind.unassigned", lang))


def tables(view: View, catalog: Catalog, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide table as text for the page, and with numbers for a download (percent ×100)."""
    sel = view.selection
    by = [sel.by] if sel.by else []
    table = wide(view.tidy, by)
    shown, raw = pd.DataFrame(index=table.index), pd.DataFrame(index=table.index)
    shown[t("ind.period_col", lang)] = raw[t("ind.period_col", lang)] = table["period"]
    for b in by:
        shown[t(f"by.{b}", lang)] = raw[t(f"by.{b}", lang)] = _member_labels(table[b], b, view.names, lang)
    for code in sel.codes:
        ind = catalog.indicators[code]
        values = table[code] if code in table else pd.Series(float("nan"), index=table.index)
        name = ind.name.get(lang)
        shown[name] = format_series(values, ind.unit, ind.decimals, lang)
        suffix = UNIT_HEADER.get(ind.unit)
        suffix = suffix.get(lang, "") if isinstance(suffix, dict) else (suffix or "")
        raw[f"{name}{suffix}"] = (values * 100 if ind.unit == "percent" else values).round(ind.decimals + 2)
    return shown, raw


TIME_FORMAT = {"interval": "%m-%d %H:%M", "hour": "%m-%d %H:%M", "day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}


def _chart(data: pd.DataFrame, ind, lang: str, *, bars: bool, grain: str = "day") -> tuple[alt.LayerChart, int]:
    axis = alt.Axis(format=".0%" if ind.unit == "percent" else ",.4~g", title=None)
    scale = alt.Scale(zero=ind.unit in ("count", "agents") or bars)
    data = data.assign(text=format_series(data["value"], ind.unit, ind.decimals, lang))
    if bars:
        height = max(120, 30 * len(data))
        chart = alt.Chart(data).mark_bar().encode(
            y=alt.Y("member:N", sort="-x", title=None, axis=alt.Axis(labelLimit=160, labelOverlap=False)), x=alt.X("value:Q", axis=axis),
            tooltip=[alt.Tooltip("member:N", title=" "), alt.Tooltip("text:N", title=ind.name.get(lang))])
    else:
        height = 220
        chart = alt.Chart(data).mark_line(point=len(data) <= 62).encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format=TIME_FORMAT.get(grain, "%m-%d"), labelOverlap=True)),
            y=alt.Y("value:Q", axis=axis, scale=scale),
            tooltip=[alt.Tooltip("period:N", title=" "), alt.Tooltip("text:N", title=ind.name.get(lang))])
    layers = [chart]
    if ind.target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [ind.target]})).mark_rule(strokeDash=[4, 4], color="#999")
        layers.append(rule.encode(**({"x": "target:Q"} if bars else {"y": "target:Q"})))
    return alt.layer(*layers).properties(height=height, title=ind.name.get(lang)), height


def draw_charts(view: View, catalog: Catalog, lang: str) -> None:
    """A line per indicator over the periods, or bars per breakdown member (totals for the period)."""
    sel = view.selection
    if sel.by:
        st.caption(t("ind.bar_note", lang, by=t(f"by.{sel.by}", lang), start=sel.start, end=sel.end))
        source = view.by_totals.assign(member=lambda d: _member_labels(d[sel.by], sel.by, view.names, lang))
    elif sel.grain != "total":
        source = view.tidy.assign(when=lambda d: pd.to_datetime(d["period"], errors="coerce"))
    else:
        return
    cols = st.columns(2)
    for i, code in enumerate(sel.codes):
        data = source[source["indicator"] == code].dropna(subset=["value"])
        if data.empty:
            continue
        chart, height = _chart(data, catalog.indicators[code], lang, bars=bool(sel.by), grain=sel.grain)
        cols[i % 2].altair_chart(chart, height=height + 60)
