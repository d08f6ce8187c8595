"""Indicators: pick indicators, period, grain and breakdown → KPI row, table, charts, downloads."""

import streamlit as st

from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.indicators.custom import catalog_with_custom
from ccdash.ui import common
from ccdash.ui import indicators as ui

common.require_frame()
common.require("dashboards.view")
lang = common.lang()
st.title(t("ind.title", lang))

try:
    engine = common.engine()
    catalog = catalog_with_custom(engine)  # the built-ins and the team lead's own indicators
    selection = ui.controls(engine, catalog, lang)
    view = ui.indicator_view(engine, selection, catalog) if selection else None
except CcdashError as exc:
    common.show_error(exc, lang)
    st.stop()

if view is None:
    st.stop()
if view.tidy.empty:
    st.info(t("ind.empty", lang))
    st.stop()

ui.draw_kpis(view, catalog, lang)
if "censored" in view.tidy and view.tidy["censored"].fillna(False).astype(bool).any():
    st.caption(t("ind.censored", lang))

sel = view.selection
shown, raw = ui.tables(view, catalog, lang)
has_chart = bool(sel.by) or sel.grain != "total"
tabs = st.tabs([t("ind.chart", lang), t("ind.table", lang)] if has_chart else [t("ind.table", lang)])
if has_chart:
    with tabs[0]:
        ui.draw_charts(view, catalog, lang)
with tabs[-1]:
    st.dataframe(shown, hide_index=True)
    common.download_buttons(raw, f"ccdash_{sel.start}_{sel.end}_{sel.grain}", lang, key="ind_dl")
