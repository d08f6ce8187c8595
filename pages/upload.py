"""Upload: kind and file → mapping, value map, checks, preview, rejected rows → import."""

import streamlit as st

from ccdash.config import active_kinds
from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.ui import common
from ccdash.ui import upload as ui

common.require_frame()
common.require("imports.run")
lang = common.lang()
kinds = active_kinds()
st.title(t("up.title", lang))

left, right = st.columns([1, 3])
kind = left.selectbox(t("up.kind", lang), list(kinds), format_func=lambda k: kinds[k].label.get(lang), key="kind")
uploaded = right.file_uploader(t("up.file", lang), type=ui.UPLOAD_TYPES, key="upload_file")
if uploaded is None:
    st.info(t("up.no_file", lang))
    st.stop()

engine = common.engine()
try:
    plan = ui.plan(engine, uploaded.getvalue(), uploaded.name, kind, lang)
except CcdashError as exc:
    plan = None
    common.show_error(exc, lang)
except Exception as exc:  # noqa: BLE001 — a library failure on a user's file is shown as a message
    plan = None
    common.show_unexpected(exc, lang)
ui.draw_sheet(left, lang)
if plan is None:
    st.stop()
ui.draw_checks(plan.final, lang)
ui.draw_mapping(plan, lang)
ui.draw_options(plan, lang)
ui.draw_values(plan, lang)
ui.draw_key(plan, lang)
ui.draw_rows(plan.final, lang)
ui.import_button(engine, plan.final, lang)
