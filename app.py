"""ccdash — the Streamlit entry point: page setup, language switch, the store, and the page router.

Run with ``streamlit run app.py`` (the store is ``CCDASH_DB_URL`` or ./data/ccdash.db; an empty store
is filled with the sample month on the first start).
"""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.ui import common

st.set_page_config(layout="wide", page_title="ccdash", page_icon="📞")
common.mark_frame()
lang = common.language_switch()

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
    st.Page("pages/indicators.py", title=t("nav.indicators", lang), icon=":material/monitoring:", url_path="indicators", default=True),
    st.Page("pages/upload.py", title=t("nav.upload", lang), icon=":material/upload_file:", url_path="upload"),
    st.Page("pages/history.py", title=t("nav.history", lang), icon=":material/history:", url_path="history"),
]
st.navigation(pages).run()
