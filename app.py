"""ccdash — the Streamlit entry point: page setup, language switch, the store, the sign-in gate and the router.

Run with ``streamlit run app.py`` (the store is ``CCDASH_DB_URL`` or ./data/ccdash.db; an empty store
is filled with the sample month on the first start).
"""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.ui import auth, common

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

auth.navigate(common.engine(), lang)  # who acts in this run → their pages (ccdash/ui/auth.py)
