"""Explorer: any indicators, any period, grain and breakdowns → a pivot table, a chart, downloads, a link."""

import streamlit as st

from ccdash import explorer as ex
from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.indicators.custom import catalog_with_custom
from ccdash.indicators.targets import thresholds_for
from ccdash.ui import common
from ccdash.ui import explorer as ui

common.require_frame()
common.require("dashboards.view")
lang = common.lang()
st.title(t("exp.title", lang))
st.caption(t("exp.intro", lang))

try:
    engine = common.engine()
    catalog = catalog_with_custom(engine)  # the built-ins and the team lead's own indicators
    view, problems = ui.controls(engine, catalog, lang)
    for problem in problems:  # a link with values that cannot be used: a small note each, never a crash
        st.caption(f"⚠️ {problem.message(lang)}")
    if view is None:
        st.stop()
    tidy, names = ui.load(engine, view, catalog)
except CcdashError as exc:
    common.show_error(exc, lang)
    st.stop()

if tidy.empty:
    st.info(t("exp.empty", lang))
    ui.share(view, lang)
    st.stop()

targets = thresholds_for(engine, list(view.indicators), catalog=catalog)  # the store's targets color the cells
table = ex.pivot(tidy, list(view.rows), list(view.cols), list(view.indicators), catalog, lang=lang, names=names,
                 thresholds=targets)
view = ui.sort_controls(view, table, lang)
table = ex.sort_pivot(table, view.sort, view.desc)

tab_table, tab_chart = st.tabs([t("exp.table", lang), t("exp.chart", lang)])
with tab_table:
    ui.draw_table(table, catalog, lang)
    ui.downloads(view, table, catalog, lang)
with tab_chart:
    ui.draw_chart(view, tidy, catalog, names, lang)
ui.share(view, lang)
