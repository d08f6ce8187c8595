"""The QA forms page: every scoring form with its items, editing a form as its next version (past scores keep
the version they were scored on), and the business type → form routing. Drawing only: validation, versions
and routes are :mod:`ccdash.qa.forms` and :mod:`ccdash.qa.forms_store`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
import yaml
from sqlalchemy import Engine

from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.qa import forms_store
from ccdash.qa.forms import choose_form, normalize_business_type
from ccdash.qa.recordings import list_recordings, recordings_span
from ccdash.ui.common import current_actor

RECENT_DAYS = 90  # the routing table counts the recordings of the newest 90 days

MESSAGES = {
    "qa.fm.title": {"zh": "质检表", "en": "QA forms"},
    "qa.fm.intro": {
        "zh": "每种业务类型用自己的质检表，没有对应表的业务类型使用通用表。质检项来自统一的质检项目录，"
              "所以“身份核实”在每张表里都是同一个项目，可以跨表分析。修改质检表会生成新版本，已保存的评分保持原版本不变。",
        "en": "Each business type is scored on its own form; a business type without one uses the general form. Items come "
              "from one shared item catalog, so “identity check” is the same item on every form and can be analysed across "
              "forms. Editing a form makes its next version; saved scores keep the version they were scored on.",
    },
    "qa.fm.sec_forms": {"zh": "质检表", "en": "Forms"},
    "qa.fm.sec_routes": {"zh": "业务类型对应", "en": "Business types"},
    "qa.fm.col_id": {"zh": "代码", "en": "ID"},
    "qa.fm.col_name": {"zh": "名称", "en": "Name"},
    "qa.fm.col_version": {"zh": "版本", "en": "Version"},
    "qa.fm.col_btypes": {"zh": "适用业务类型", "en": "Business types"},
    "qa.fm.col_items": {"zh": "质检项", "en": "Items"},
    "qa.fm.col_points": {"zh": "总分", "en": "Points"},
    "qa.fm.col_mark": {"zh": "合格线", "en": "Pass mark"},
    "qa.fm.col_fatal": {"zh": "致命项", "en": "Fatal items"},
    "qa.fm.general": {"zh": "（通用表，兜底）", "en": "(general form, the fallback)"},
    "qa.fm.pick": {"zh": "查看质检表", "en": "Form"},
    "qa.fm.col_section": {"zh": "环节", "en": "Section"},
    "qa.fm.col_code": {"zh": "质检项代码", "en": "Item code"},
    "qa.fm.col_item": {"zh": "质检项", "en": "Item"},
    "qa.fm.col_max": {"zh": "分值", "en": "Points"},
    "qa.fm.col_weight": {"zh": "权重", "en": "Weight"},
    "qa.fm.col_is_fatal": {"zh": "一票否决", "en": "Fatal"},
    "qa.fm.col_na": {"zh": "可不适用", "en": "N/A allowed"},
    "qa.fm.col_phrases": {"zh": "标准话术", "en": "Standard phrases"},
    "qa.fm.edit": {"zh": "编辑（YAML）— 保存为第 {version} 版", "en": "Edit (YAML) — saved as version {version}"},
    "qa.fm.edit_help": {"zh": "改 id 即另存为一张新表。", "en": "Change the id to save it as a new form."},
    "qa.fm.save": {"zh": "保存", "en": "Save"},
    "qa.fm.saved": {"zh": "已保存 {form}（第 {version} 版）", "en": "Saved {form} (version {version})"},
    "qa.fm.bad_yaml": {"zh": "YAML 格式有误：{detail}", "en": "The YAML is not valid: {detail}"},
    "qa.fm.delete": {"zh": "删除这张表", "en": "Delete this form"},
    "qa.fm.deleted": {"zh": "已删除 {form}", "en": "Deleted {form}"},
    "qa.fm.col_btype": {"zh": "业务类型", "en": "Business type"},
    "qa.fm.col_form": {"zh": "使用的质检表", "en": "Form used"},
    "qa.fm.col_how": {"zh": "来源", "en": "How"},
    "qa.fm.how_declared": {"zh": "质检表中声明", "en": "declared by the form"},
    "qa.fm.how_override": {"zh": "在此指定（{by}，{at}）", "en": "set here ({by}, {at})"},
    "qa.fm.how_fallback": {"zh": "无对应 → 通用表", "en": "no route → general form"},
    "qa.fm.col_recordings": {"zh": "近 90 天录音数", "en": "Recordings, last 90 days"},
    "qa.fm.route_btype": {"zh": "业务类型", "en": "Business type"},
    "qa.fm.route_form": {"zh": "改用质检表", "en": "Use form"},
    "qa.fm.route_save": {"zh": "保存对应", "en": "Save route"},
    "qa.fm.route_saved": {"zh": "「{btype}」现在使用「{form}」", "en": "“{btype}” now uses “{form}”"},
    "qa.fm.route_reset": {"zh": "恢复为质检表中的声明", "en": "Back to what the forms declare"},
    "qa.fm.route_reset_help": {"zh": "删除在此指定的对应；该业务类型回到质检表自己声明的表（没有声明则用通用表）",
                               "en": "Removes the route set here; the business type goes back to the form that declares "
                                     "it (the general form when none does)"},
    "qa.fm.route_was_reset": {"zh": "「{btype}」现在使用「{form}」（质检表中声明）",
                              "en": "“{btype}” now uses “{form}” (as the forms declare)"},
}
register(MESSAGES)


def forms_page(engine: Engine, lang: str) -> None:
    st.title(t("qa.fm.title", lang))
    st.caption(t("qa.fm.intro", lang))
    sections = {"forms": t("qa.fm.sec_forms", lang), "routes": t("qa.fm.sec_routes", lang)}
    section = st.segmented_control(" ", list(sections), format_func=sections.get, default="forms", key="qa_fm_section",
                                   label_visibility="collapsed") or "forms"
    if section == "routes":
        routes_panel(engine, lang)
    else:
        forms_panel(engine, lang)


def forms_table(forms: dict, lang: str) -> pd.DataFrame:
    rows = []
    for form in forms.values():
        items = form.items()
        rows.append({
            t("qa.fm.col_id", lang): form.id, t("qa.fm.col_name", lang): form.name.get(lang),
            t("qa.fm.col_version", lang): form.version,
            t("qa.fm.col_btypes", lang): t("qa.fm.general", lang) if form.general else "、".join(form.business_types),
            t("qa.fm.col_items", lang): len(items), t("qa.fm.col_points", lang): sum(i.max_points for i in items),
            t("qa.fm.col_mark", lang): form.pass_mark, t("qa.fm.col_fatal", lang): sum(1 for i in items if i.fatal),
        })
    return pd.DataFrame(rows)


def items_table(form, lang: str) -> pd.DataFrame:
    rows = []
    for section in form.sections:
        for item in section.items:
            rows.append({
                t("qa.fm.col_section", lang): section.title.get(lang), t("qa.fm.col_code", lang): item.code,
                t("qa.fm.col_item", lang): form.item_label(item.code, lang), t("qa.fm.col_max", lang): item.max_points,
                t("qa.fm.col_weight", lang): item.weight, t("qa.fm.col_is_fatal", lang): "★" if item.fatal else "",
                t("qa.fm.col_na", lang): "✓" if item.na_allowed else "",
                t("qa.fm.col_phrases", lang): " / ".join(p.text for p in item.phrases),
            })
    return pd.DataFrame(rows)


def form_yaml(form) -> str:
    return yaml.safe_dump(form.doc(), allow_unicode=True, sort_keys=False, width=120)


def forms_panel(engine: Engine, lang: str) -> None:
    forms = forms_store.current_forms(engine)
    st.dataframe(forms_table(forms, lang), hide_index=True, width="stretch")
    names = {fid: f"{f.name.get(lang)} ({fid})" for fid, f in forms.items()}
    fid = st.selectbox(t("qa.fm.pick", lang), list(forms), format_func=names.get, key="qa_fm_pick")
    form = forms[fid]
    st.dataframe(items_table(form, lang), hide_index=True, width="stretch")
    with st.expander(t("qa.fm.edit", lang, version=form.version + 1)):
        text = st.text_area("YAML", value=form_yaml(form), height=420, key=f"qa_fm_yaml_{fid}_{form.version}",
                            help=t("qa.fm.edit_help", lang))
        left, right, _rest = st.columns([1, 1, 3])
        if left.button(t("qa.fm.save", lang), key="qa_fm_save", type="primary"):
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                st.error(t("qa.fm.bad_yaml", lang, detail=str(exc)[:300]), icon="🚫")
            else:
                try:
                    saved = forms_store.save_form(engine, doc, actor=current_actor())
                except CcdashError as exc:
                    st.error(exc.message(lang), icon="🚫")
                else:
                    st.toast(t("qa.fm.saved", lang, form=saved.name.get(lang), version=saved.version))
                    st.rerun()
        if not form.general and right.button(t("qa.fm.delete", lang), key="qa_fm_delete"):
            try:
                forms_store.delete_form(engine, fid, actor=current_actor())
            except CcdashError as exc:
                st.error(exc.message(lang), icon="🚫")
            else:
                st.toast(t("qa.fm.deleted", lang, form=form.name.get(lang)))
                st.rerun()


def routing_table(engine: Engine, lang: str, overrides: dict[str, dict]) -> pd.DataFrame:
    """Every business type seen in the recordings or named by a route, with the form it gets and how
    (``overrides``: the routes set on this page, by normalized business type)."""
    span = recordings_span(engine)
    recs = list_recordings(engine, span[1] - dt.timedelta(days=RECENT_DAYS - 1), span[1]) if span else None
    counts = recs["business_type"].fillna("").astype(str).value_counts() if recs is not None else pd.Series(dtype="int64")
    forms, routes = forms_store.current_forms(engine), forms_store.routes(engine)
    seen = {normalize_business_type(b): b for b in counts.index if b}
    for key in [*routes, *overrides]:
        seen.setdefault(key, key)
    rows = []
    for key, shown in sorted(seen.items()):
        choice = choose_form(shown, forms, routes)
        if key in overrides:
            how = t("qa.fm.how_override", lang, by=overrides[key]["updated_by"] or "-", at=overrides[key]["updated_at"][:10])
        else:
            how = t("qa.fm.how_declared" if choice.matched else "qa.fm.how_fallback", lang)
        rows.append({t("qa.fm.col_btype", lang): shown, t("qa.fm.col_form", lang): choice.form.name.get(lang),
                     t("qa.fm.col_how", lang): how, t("qa.fm.col_recordings", lang): int(counts.get(shown, 0))})
    return pd.DataFrame(rows)


def routes_panel(engine: Engine, lang: str) -> None:
    overrides = {r["business_type"]: r for r in forms_store.route_overrides(engine)}
    table = routing_table(engine, lang, overrides)
    st.dataframe(table, hide_index=True, width="stretch")
    forms = forms_store.current_forms(engine)
    names = {fid: f"{f.name.get(lang)} ({fid})" for fid, f in forms.items()}
    c = st.columns([2, 2, 1])
    known = table[t("qa.fm.col_btype", lang)].tolist() if len(table) else []
    btype = c[0].selectbox(t("qa.fm.route_btype", lang), known, key="qa_fm_route_btype", accept_new_options=True)
    fid = c[1].selectbox(t("qa.fm.route_form", lang), list(forms), format_func=names.get, key="qa_fm_route_form")
    c[2].write("")
    if c[2].button(t("qa.fm.route_save", lang), key="qa_fm_route_save", type="primary", disabled=not btype):
        try:
            forms_store.set_route(engine, btype, fid, actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("qa.fm.route_saved", lang, btype=btype, form=forms[fid].name.get(lang)))
            st.rerun()
    overridden = bool(btype) and normalize_business_type(btype) in overrides
    if overridden and st.button(t("qa.fm.route_reset", lang), key="qa_fm_route_reset", help=t("qa.fm.route_reset_help", lang)):
        try:
            forms_store.set_route(engine, btype, None, actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            form = forms_store.choose_form_for(engine, btype).form
            st.toast(t("qa.fm.route_was_reset", lang, btype=btype, form=form.name.get(lang)))
            st.rerun()
