"""Dashboard builder: tabs → widgets → indicators, quick add, live preview, save/duplicate/delete/export/import."""

import streamlit as st

from ccdash.findings import CcdashError
from ccdash.ui import common
from ccdash.ui.builder import builder

common.require_frame()
common.require("dashboards.edit")
lang = common.lang()
try:
    builder(common.engine(), lang)
except CcdashError as exc:
    common.show_error(exc, lang)
    st.stop()
