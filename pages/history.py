"""Import history: every import with its counts and dates, its original file (download, re-run), and undo."""

import streamlit as st

from ccdash.auth.roles import can
from ccdash.config import active_kinds
from ccdash.findings import CcdashError
from ccdash.i18n import CATALOG, t
from ccdash.store.imports import import_history, undo_import
from ccdash.ui import common
from ccdash.ui import history as hist_ui

COLUMNS = ("id", "status", "kind", "file_name", "sheet", "rows_read", "accepted", "rejected", "ignored",
           "inserted", "updated", "dates", "created_at", "undone_at")
common.require_frame()
common.require("imports.view")
lang = common.lang()
kinds = active_kinds()


def kind_text(kind: str) -> str:
    return kinds[kind].label.get(lang) if kind in kinds else kind


def header(col: str) -> str:
    return t(f"rep.{col}" if f"rep.{col}" in CATALOG else f"col.{col}", lang)


def do_undo() -> None:
    """Button callback: undo the chosen import, remember the outcome, clear the confirmation."""
    import_id = st.session_state.get("undo_id")
    try:
        result = undo_import(common.engine(), int(import_id), actor=common.current_actor())
        st.session_state["undo_msg"] = ("success", t("hist.undone", lang, id=import_id, restored=result["restored"]))
    except CcdashError as exc:
        st.session_state["undo_msg"] = ("error", exc.message(lang))
    st.session_state["undo_confirm"] = False


st.title(t("hist.title", lang))
try:
    history = import_history(common.engine())
except CcdashError as exc:
    common.show_error(exc, lang)
    st.stop()

kind_, text = st.session_state.pop("undo_msg", (None, None))
if kind_:
    (st.success if kind_ == "success" else st.error)(text)

if history.empty:
    st.info(t("hist.empty", lang))
    st.stop()

dates = history["date_from"].fillna("").astype(str) + " ~ " + history["date_to"].fillna("").astype(str)
table = history.assign(status=history["status"].map(lambda s: t(f"status.{s}", lang)),
                       kind=history["kind"].map(kind_text), dates=dates.where(history["date_from"].notna(), "—"),
                       undone_at=history["undone_at"].fillna(""), sheet=history["sheet"].fillna(""))
columns = [c for c in COLUMNS if c != "undone_at" or (history["status"] == "undone").any()]
st.dataframe(table[columns].rename(columns={c: header(c) for c in columns}), hide_index=True)

hist_ui.draw_originals(common.engine(), history, common.current_actor(), lang, kind_text)  # download, re-run

if not can(common.current_actor(), "imports.run"):  # the table only: undo is the importers' (the library refuses too)
    st.stop()
st.subheader(t("hist.undo", lang))
st.caption(t("hist.undo_help", lang))
active = history[history["status"] == "active"]
if active.empty:
    st.info(t("hist.none_active", lang))
    st.stop()
rows = {int(r.id): r for r in active.itertuples()}
if st.session_state.get("undo_id") not in rows:
    st.session_state.pop("undo_id", None)
st.selectbox(t("hist.pick", lang), list(rows), key="undo_id", format_func=lambda i: t(
    "hist.option", lang, id=i, kind=kind_text(rows[i].kind), file=rows[i].file_name, when=rows[i].created_at))
confirmed = st.checkbox(t("hist.confirm", lang), key="undo_confirm")
st.button(t("hist.button", lang), key="undo", type="primary", disabled=not confirmed, on_click=do_undo)
