"""The Import history page's "original file" section: download the kept original of an import, and re-run
the import from it with the saved mapping or a corrected one (the upload page's mapping pickers).

The re-run itself is :func:`ccdash.store.originals.rerun_import`: the old import is undone and the file
imported again in one transaction, so a failure leaves the old import in place.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import can
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.store.originals import import_original, kept_originals, rerun_import
from ccdash.ui import upload
from ccdash.ui.common import XLSX_MIME, show_error

MESSAGES = {
    "hist.original": {"zh": "原始文件与重新导入", "en": "Original files and re-runs"},
    "hist.original_help": {
        "zh": "每次导入的原始文件都会保存。修正映射后可以用原始文件重新导入：旧导入会被撤销、文件按当前映射重新导入，两步在同一事务中完成——任何一步失败，旧导入保持不变。",
        "en": "The original file of every import is kept. After fixing a mapping, re-run the import from it: the "
              "old import is undone and the file imported again with the current mapping in one transaction — if "
              "anything fails, the old import stays as it was.",
    },
    "hist.no_originals": {
        "zh": "还没有保存的原始文件（早于此版本的导入没有保存原始文件）。",
        "en": "No original file is kept yet (imports made before this version kept none).",
    },
    "hist.rerun_pick": {"zh": "导入", "en": "Import"},
    "hist.download": {"zh": "下载原始文件", "en": "Download the original file"},
    "hist.rerun_edit": {"zh": "重新导入前修改映射", "en": "Edit the mapping before re-running"},
    "hist.rerun_saved": {
        "zh": "将按保存的映射读取原始文件；下方为检查结果。", "en": "The original is read with the saved mapping; the checks are below.",
    },
    "hist.rerun_button": {"zh": "重新导入", "en": "Re-run the import"},
    "hist.rerun_done": {
        "zh": "导入 #{old} 已重新导入为 #{id}：新增 {inserted} 条，更新 {updated} 条。",
        "en": "Import #{old} was re-run as import #{id}: {inserted} new, {updated} updated.",
    },
}
register(MESSAGES)

MIME = {"xlsx": XLSX_MIME, "csv": "text/csv", "txt": "text/plain", "xls": "application/vnd.ms-excel"}


def draw_originals(engine: Engine, history: pd.DataFrame, actor, lang: str, kind_text) -> None:
    """The section: pick an import whose original is kept, download it, re-run it (with ``imports.run``);
    ``kind_text(kind)`` names a kind of export in ``lang``."""
    st.subheader(t("hist.original", lang))
    st.caption(t("hist.original_help", lang))
    kind_, text = st.session_state.pop("rerun_msg", (None, None))
    if kind_:
        (st.success if kind_ == "success" else st.error)(text)
    kept = kept_originals(engine)
    rows = {int(r.id): r for r in history.itertuples() if r.sha256 in kept}
    if not rows:
        st.info(t("hist.no_originals", lang))
        return
    if st.session_state.get("rerun_id") not in rows:
        st.session_state.pop("rerun_id", None)
    import_id = st.selectbox(t("hist.rerun_pick", lang), list(rows), key="rerun_id", format_func=lambda i: t(
        "hist.option", lang, id=i, kind=kind_text(rows[i].kind), file=rows[i].file_name, when=rows[i].created_at))
    name, data = import_original(engine, import_id)
    st.download_button(t("hist.download", lang), data, file_name=name, key="original_dl", on_click="ignore",
                       mime=MIME.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream"), icon="⬇️")
    if not can(actor, "imports.run"):  # the download only: no re-run control for a role the library refuses
        return
    prepared = _prepare(engine, rows[import_id], name, data, lang)
    if prepared is not None:
        st.button(t("hist.rerun_button", lang), key="rerun", type="primary", disabled=not prepared.ok,
                  on_click=_do_rerun, args=(engine, import_id, prepared, actor, lang))


def _prepare(engine: Engine, row, name: str, data: bytes, lang: str):
    """The original read again: with the saved mapping, or with the user's corrections (the upload page's
    pickers). Shows the checks; None when the file cannot be read at all (the message is shown)."""
    try:
        if st.checkbox(t("hist.rerun_edit", lang), key="rerun_edit"):
            plan = upload.plan(engine, data, name, row.kind, lang)
            upload.draw_sheet(st, lang)
            upload.draw_mapping(plan, lang)
            upload.draw_options(plan, lang)
            upload.draw_values(plan, lang)
            upload.draw_key(plan, lang)
            prepared = plan.final
        else:
            st.caption(t("hist.rerun_saved", lang))
            prepared = upload.prepare_cached(engine, data, name, row.kind, lang, sheet=row.sheet or None)
    except CcdashError as exc:
        show_error(exc, lang)
        return None
    upload.draw_checks(prepared, lang)
    return prepared


def _do_rerun(engine: Engine, import_id: int, prepared, actor, lang: str) -> None:
    """Button callback: re-run, remember the outcome for the next run of the page."""
    try:
        commit = rerun_import(engine, import_id, actor=actor, prepared=prepared).commit
    except CcdashError as exc:
        st.session_state["rerun_msg"] = ("error", exc.message(lang))
        return
    st.session_state.pop(upload.CACHE_KEY, None)  # the saved mapping changed: prepare again
    if commit.status == "same_file":
        text = t("import.same_file", lang, when=(commit.previous or {}).get("created_at", ""), id=commit.import_id)
    else:
        text = t("hist.rerun_done", lang, old=import_id, id=commit.import_id, inserted=commit.inserted,
                 updated=commit.updated)
    st.session_state["rerun_msg"] = ("success", text)
    st.session_state.pop("rerun_id", None)
