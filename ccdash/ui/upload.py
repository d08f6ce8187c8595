"""The upload page's logic: prepare (cached per file and options), the user's choices, the drawing.

The page is computed in three stages so every widget keeps its options while the user works:
``base`` (the automatic or saved mapping: the defaults of the column pickers), ``staged`` (with the
user's columns: the unknown values to map) and ``final`` (every choice: what is shown and imported).
The choices live in widget keys ``map_<field>``, ``val_<field>_<raw>``, ``opt_<option>``, ``key_cols``
and ``sheet``, and are reset when another file or kind is chosen. Reading, checking and writing show a
progress bar fed by the library's ``progress`` callback.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.config import active_kinds, field_dictionary, value_maps
from ccdash.i18n import CATALOG as TEXTS
from ccdash.i18n import LIST_SEP, t
from ccdash.ingest.clean import rejects_table
from ccdash.ingest.csat import SCALES
from ccdash.ingest.pipeline import Prepared, prepare_import, run_import
from ccdash.ingest.read import sheet_names
from ccdash.reports_io import write_xlsx
from ccdash.store.imports import hash_numbers, sha256_of
from ccdash.ui.common import XLSX_MIME, current_actor, show_error, show_findings
from ccdash.findings import CcdashError

UPLOAD_TYPES = ["xlsx", "xlsb", "xls", "csv", "txt"]
MARKS = {"exact": "✅", "contains": "🟡", "similar": "🟡", "manual": "✋", "profile": "💾"}
CACHE_KEY, CACHE_SIZE = "_upload_prepared", 4
REJECTS_SHOWN = 500
DAYFIRST = {"auto": "auto", "day": True, "month": False}  # choice → prepare_import(dayfirst=…)
ORDER_OF = {None: "auto", True: "day", False: "month"}  # Mapping.dayfirst → choice


@dataclass
class Plan:
    sheets: list[str]
    base: Prepared
    staged: Prepared
    final: Prepared
    columns: dict[str, str]  # the user's column overrides (field → header, "" = not imported)
    options: dict  # the user's csat_scale / dayfirst where they differ from the base mapping


def reset_for(token: tuple) -> None:
    """Forget the choices made for another file or kind (all of them) or another sheet (but the sheet)."""
    ss = st.session_state
    new_file = ss.get("_upload_token") != token
    if not new_file and ss.get("sheet") == ss.get("_upload_sheet"):
        return
    drop = ("key_cols", "sheet") if new_file else ("key_cols",)
    for key in [k for k in ss if isinstance(k, str) and (k.startswith(("map_", "val_", "opt_")) or k in drop)]:
        del ss[key]
    ss["_upload_token"] = token
    if new_file:
        ss["_upload_sheets"] = []


@contextmanager
def progress_bar(lang: str, file: str, stage: str = "read"):
    """A progress bar for one library step; yields its ``progress`` callback and goes away when done."""
    bar = st.progress(0.0, text=t(f"up.stage.{stage}", lang, file=file))

    def report(fraction: float, stage: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"up.stage.{stage}", lang, file=file))

    try:
        yield report
    finally:
        bar.empty()


def prepare_cached(engine: Engine, data: bytes, name: str, kind: str, lang: str, **options) -> Prepared:
    """``prepare_import`` once per (file, kind, options) in this session; a progress bar while it reads."""
    cache = st.session_state.setdefault(CACHE_KEY, OrderedDict())
    key = (sha256_of(data), name, kind, json.dumps(options, sort_keys=True, ensure_ascii=False, default=list))
    if key not in cache:
        with progress_bar(lang, name) as progress:
            cache[key] = prepare_import(data, name, kind, engine=engine, progress=progress, **options)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return cache[key]


def column_overrides(base_columns: dict[str, str], chosen: dict[str, str]) -> dict[str, str]:
    """The columns the user changed from the automatic mapping ("" = do not import the field)."""
    return {f: h for f, h in chosen.items() if h != base_columns.get(f, "")}


def plan(engine: Engine, data: bytes, name: str, kind: str, lang: str) -> Plan:
    """Read the user's choices from the session and prepare the import (raises CcdashError)."""
    ss = st.session_state
    reset_for((sha256_of(data), name, kind))
    sheets = ss["_upload_sheets"] = sheet_names(data, name)
    base = prepare_cached(engine, data, name, kind, lang)
    sheet: dict[str, str] = {}
    if len(sheets) > 1:
        ss.setdefault("sheet", base.mapping.sheet)
        if ss["sheet"] != base.mapping.sheet:
            sheet = {"sheet": ss["sheet"]}
            base = prepare_cached(engine, data, name, kind, lang, **sheet)
    ss["_upload_sheet"] = ss.get("sheet")
    options = chosen_options(base)
    fields = active_kinds()[kind].fields
    for f in fields:
        if ss.get(f"map_{f}") not in ("", *base.headers):
            ss[f"map_{f}"] = base.mapping.columns.get(f, "")
    columns = column_overrides(base.mapping.columns, {f: ss[f"map_{f}"] for f in fields})
    staged = prepare_cached(engine, data, name, kind, lang, **sheet, **options, columns=columns) \
        if columns or options else base
    values: dict[str, dict[str, str]] = {}
    for f, raws in staged.cleaned.unknown_values.items():
        for raw in raws:
            choice = ss.setdefault(f"val_{f}_{raw}", "")  # the picker in draw_values
            if choice:
                values.setdefault(f, {})[str(raw)] = choice
    key = [h for h in ss.get("key_cols") or [] if h in staged.headers]
    final = staged
    if values or key:
        final = prepare_cached(engine, data, name, kind, lang, **sheet, **options, columns=columns, values=values,
                               key=tuple(key) or None)
    return Plan(sheets, base, staged, final, columns, options)


def chosen_options(base: Prepared) -> dict:
    """The satisfaction scale and date order picked in ``draw_options`` where they differ from the base
    mapping (which holds the defaults, or the choices of a saved profile)."""
    ss, m = st.session_state, base.mapping
    ss.setdefault("opt_csat_scale", m.csat_scale if m.csat_scale in SCALES else "auto")
    ss.setdefault("opt_dayfirst", ORDER_OF[m.dayfirst])
    current = {"csat_scale": m.csat_scale, "dayfirst": DAYFIRST[ORDER_OF[m.dayfirst]]}
    chosen = {"csat_scale": ss["opt_csat_scale"], "dayfirst": DAYFIRST[ss["opt_dayfirst"]]}
    return {k: v for k, v in chosen.items() if v != current[k]}


def draw_sheet(where, lang: str) -> None:
    """The sheet picker, when the workbook has several sheets (also after a sheet failed to read)."""
    sheets = st.session_state.get("_upload_sheets") or []
    if len(sheets) > 1 and st.session_state.get("sheet") in sheets:
        where.selectbox(t("up.sheet", lang), sheets, key="sheet")


def mapping_table(prepared: Prepared, lang: str) -> pd.DataFrame:
    """Required and mapped fields: label, required, the file's column, the match mark, fill rate."""
    spec = active_kinds()[prepared.kind]
    labels, m = field_dictionary(), prepared.mapping
    required = {f for entry in spec.required for f in entry.split("|")}
    fill = prepared.report.get("fill_rate", {})
    how = {f: m.confidence.get(f, "manual") for f in m.columns}  # exact … manual, or profile (saved)
    conf = {f: f"{MARKS.get(c, '')} {t(f'conf.{c}', lang)}".strip() for f, c in how.items()}
    fields = [f for f in spec.fields if f in required or f in m.columns]
    return pd.DataFrame({
        t("up.col_field", lang): [labels[f].label.get(lang) for f in fields],
        t("up.col_required", lang): [t("yes", lang) if f in required else "" for f in fields],
        t("up.col_header", lang): [m.columns.get(f, "") for f in fields],
        t("up.col_mark", lang): [conf.get(f, "") for f in fields],
        t("up.col_fill", lang): [fill.get(f) for f in fields],
    })


def _dedupe(field: str) -> None:
    """A column maps to one field: picking it for ``field`` clears it from the other pickers."""
    ss, header = st.session_state, st.session_state.get(f"map_{field}")
    if header:
        for key in [k for k in ss if isinstance(k, str) and k.startswith("map_") and k != f"map_{field}"]:
            if ss[key] == header:
                ss[key] = ""


def draw_mapping(p: Plan, lang: str) -> None:
    st.subheader(t("up.mapping", lang))
    st.caption(t("up.marks", lang))
    table = mapping_table(p.final, lang)
    st.dataframe(table, hide_index=True, height=36 * (len(table) + 1) + 2, column_config={
        t("up.col_fill", lang): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
    labels = field_dictionary()
    unused = [h for h in p.final.headers if h and h not in p.final.mapping.columns.values()]
    unmapped = [labels[f].label.get(lang) for f in active_kinds()[p.final.kind].fields
                if f not in p.final.mapping.columns]
    if unused:
        st.caption(t("up.unused", lang, cols=LIST_SEP[lang].join(unused)))
    if unmapped:
        st.caption(t("up.unmapped_fields", lang, fields=LIST_SEP[lang].join(unmapped)))
    blocked = any(f.code in ("map.no_headers", "import.missing_fields") for f in p.final.findings)
    with st.expander(t("up.adjust", lang), expanded=bool(p.columns) or blocked):
        cols = st.columns(3)
        for i, f in enumerate(active_kinds()[p.final.kind].fields):
            cols[i % 3].selectbox(labels[f].label.get(lang), ["", *p.base.headers], key=f"map_{f}",
                                  format_func=lambda h: h or t("up.unmapped", lang), on_change=_dedupe, args=(f,))


def draw_options(p: Plan, lang: str) -> None:
    """The per-import options: the satisfaction scale (kinds with a satisfaction field) and the date order."""
    with st.expander(t("up.options", lang), expanded=bool(p.options)):
        left, right, _rest = st.columns(3)
        if "csat" in active_kinds()[p.final.kind].fields:
            left.selectbox(t("up.csat_scale", lang), SCALES, key="opt_csat_scale", help=t("up.csat_scale_help", lang),
                           format_func=lambda scale: _option_text("up.csat", scale, lang))
        right.selectbox(t("up.dayfirst", lang), list(DAYFIRST), key="opt_dayfirst", help=t("up.dayfirst_help", lang),
                        format_func=lambda order: _option_text("up.dayfirst", order, lang))


def _option_text(prefix: str, choice: str, lang: str) -> str:
    return t("up.auto" if choice == "auto" else f"{prefix}.{choice}", lang)


def _value_text(value: str, lang: str) -> str:
    return t(f"value.{value}", lang) if f"value.{value}" in TEXTS else value


def draw_values(p: Plan, lang: str) -> None:
    unknown = p.staged.cleaned.unknown_values
    if not unknown:
        return
    st.subheader(t("up.values", lang))
    st.caption(t("up.values_help", lang))
    labels, maps = field_dictionary(), value_maps()
    cols = st.columns(3)
    i = 0
    for f, raws in unknown.items():
        choices = ["", *maps[labels[f].value_map]]
        for raw, count in raws.items():
            label = t("up.value_label", lang, field=labels[f].label.get(lang), raw=raw, count=count)
            cols[i % 3].selectbox(label, choices, key=f"val_{f}_{raw}",
                                  format_func=lambda v: _value_text(v, lang) if v else t("up.value_unset", lang))
            i += 1


def draw_key(p: Plan, lang: str) -> None:
    m = p.final.mapping
    key_fields = active_kinds()[p.final.kind].key_for(p.final.cleaned.shape)
    default = LIST_SEP[lang].join(m.columns.get(f, f) for f in key_fields)
    st.multiselect(t("up.key", lang), p.staged.headers, key="key_cols", help=t("up.key_help", lang, default=default),
                   placeholder=default)


def draw_report(prepared: Prepared, lang: str) -> None:
    r = prepared.report
    dates = f"{r['date_from']} ~ {r['date_to']}" if r.get("date_from") else "—"
    items = [(t(f"rep.{k}", lang), f"{int(r[k]):,}") for k in
             ("rows_read", "accepted", "rejected", "ignored", "blank_rows", "total_rows")]
    items += [(t("rep.agents", lang), f"{int(r.get('agents', 0)):,}")]
    for col, (label, value) in zip(st.columns(len(items)), items):
        col.metric(label, value)
    st.markdown(f"**{t('rep.dates', lang)}**：{dates}")


def draw_checks(prepared: Prepared, lang: str) -> None:
    st.subheader(t("up.checks", lang))
    show_findings(prepared.findings, lang)  # rejected rows are a warning among them
    if prepared.ok and not any(f.level == "warning" for f in prepared.findings):
        st.success(t("up.all_good", lang), icon="✅")
    draw_report(prepared, lang)


def preview_frame(prepared: Prepared, lang: str, rows: int = 20) -> pd.DataFrame:
    """The first accepted rows with field labels as headers; phone numbers masked as in the store."""
    labels = field_dictionary()
    frame = prepared.cleaned.frame.head(rows).drop(columns=["rkey"], errors="ignore")
    for f in [c for c in frame.columns if c in labels and labels[c].type == "phone"]:
        frame[f] = hash_numbers(frame[f], "")[1]
    for f in [c for c in frame.columns if c in labels and labels[c].type == "enum"]:
        frame[f] = frame[f].map(lambda v: _value_text(v, lang) if isinstance(v, str) else v)
    frame = frame[["row_no", *[c for c in frame.columns if c != "row_no"]]] if "row_no" in frame else frame
    return frame.rename(columns={"row_no": t("rep.row_no", lang),
                                 **{c: labels[c].label.get(lang) for c in frame.columns if c in labels}})


def draw_rows(prepared: Prepared, lang: str) -> None:
    rejects = rejects_table(prepared.cleaned, lang)
    tabs = st.tabs([t("up.preview", lang), t("up.rejects", lang, count=prepared.cleaned.rejected)])
    tabs[0].dataframe(preview_frame(prepared, lang), hide_index=True)
    with tabs[1]:
        if rejects.empty:
            st.info(t("up.no_rejects", lang))
            return
        st.dataframe(rejects.head(REJECTS_SHOWN), hide_index=True)
        if len(rejects) > REJECTS_SHOWN:
            st.caption(t("up.rejects_more", lang, shown=REJECTS_SHOWN))
        st.download_button(t("up.rejects_download", lang), write_xlsx({"rejects": rejects}), key="rejects_dl",
                           file_name=f"rejects_{prepared.file_name.rsplit('.', 1)[0]}.xlsx", mime=XLSX_MIME,
                           on_click="ignore", icon="⬇️")


def import_button(engine: Engine, prepared: Prepared, lang: str) -> None:
    if not prepared.ok:
        st.warning(t("up.blocked", lang))
    if not st.button(t("up.import", lang), key="do_import", type="primary", disabled=not prepared.ok):
        return
    try:
        with progress_bar(lang, prepared.file_name, "write") as progress:
            commit = run_import(engine, prepared, actor=current_actor(), progress=progress).commit
    except CcdashError as exc:
        show_error(exc, lang)
        return
    st.session_state.pop(CACHE_KEY, None)  # prepare again next time: the saved mapping now applies
    if commit.status == "same_file":
        st.info(t("import.same_file", lang, when=(commit.previous or {}).get("created_at", ""), id=commit.import_id))
    else:
        st.success(t("up.imported", lang, id=commit.import_id, inserted=commit.inserted, updated=commit.updated))
