"""ccdash — the Streamlit entry point: page setup, language switch, the store, and the page router.

Run with ``streamlit run app.py`` (the store is ``CCDASH_DB_URL`` or ./data/ccdash.db; an empty store
is filled with the sample month on the first start).
"""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.ui import common
from ccdash.ui import explorer as _explorer  # noqa: F401  (registers the Explorer's texts, its nav title too)

wall = common.wall_mode()
st.set_page_config(layout="wide", page_title="ccdash", page_icon="📞",
                   initial_sidebar_state="collapsed" if wall else "auto")
common.mark_frame()
common.static_font()
if wall and st.query_params.get("lang") in ("zh", "en"):
    st.session_state["lang"] = st.query_params["lang"]
lang = common.lang() if wall else common.language_switch()

try:
    common.engine()
    common.ensure_sample_once(lang)
except CcdashError as exc:
    common.show_error(exc, lang)
    st.stop()
except SQLAlchemyError as exc:
    st.error(t("app.db_error", lang, detail=str(getattr(exc, "orig", None) or exc)[:300]), icon="🚫")
    st.stop()

pages = [
    st.Page("pages/dashboards.py", title=t("nav.dashboards", lang), icon=":material/dashboard:", url_path="dashboards", default=True),
    st.Page("pages/builder.py", title=t("nav.builder", lang), icon=":material/dashboard_customize:", url_path="builder"),
    st.Page("pages/indicators.py", title=t("nav.indicators", lang), icon=":material/monitoring:", url_path="indicators"),
    st.Page("pages/explorer.py", title=t("nav.explorer", lang), icon=":material/explore:", url_path="explorer"),
    st.Page("pages/alerts.py", title=t("nav.alerts", lang), icon=":material/notifications:", url_path="alerts"),
    st.Page("pages/formulas.py", title=t("nav.formulas", lang), icon=":material/function:", url_path="formulas"),
    st.Page("pages/reports.py", title=t("nav.reports", lang), icon=":material/summarize:", url_path="reports"),
    st.Page("pages/qa_workbench.py", title=t("nav.qa_workbench", lang), icon=":material/headphones:", url_path="qa"),
    st.Page("pages/qa_analysis.py", title=t("nav.qa_analysis", lang), icon=":material/fact_check:", url_path="qa_analysis"),
    st.Page("pages/qa_forms.py", title=t("nav.qa_forms", lang), icon=":material/checklist:", url_path="qa_forms"),
    st.Page("pages/upload.py", title=t("nav.upload", lang), icon=":material/upload_file:", url_path="upload"),
    st.Page("pages/history.py", title=t("nav.history", lang), icon=":material/history:", url_path="history"),
]
st.navigation(pages, position="hidden" if wall else "sidebar").run()
