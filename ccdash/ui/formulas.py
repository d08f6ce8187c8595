"""My indicators: type a formula, see it checked and previewed, name it, set a target, save (drawing only;
parsing, units, preview and storage are :mod:`ccdash.indicators.formula` and :mod:`ccdash.indicators.custom`)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.indicators.custom import (
    UNITS, catalog_with_custom, compile_custom, dashboards_using, delete_custom, display_formula, list_custom,
    preview_formula, save_custom,
)
from ccdash.indicators.format import format_series
from ccdash.indicators.formula import FormulaError, infer_unit
from ccdash.store.info import data_date_range, default_period
from ccdash.ui.common import current_actor

MESSAGES = {
    "fx.title": {"zh": "自定义指标", "en": "My indicators"},
    "fx.rule": {
        "zh": "公式在**汇总后的分子分母**上计算：`A / B` 的月度值是“本月 A 之和 ÷ 本月 B 之和”，和内置的比率指标一样，"
              "而不是每天比率的平均。例：周一 5 个来电接通 3 个（60%），周二 3 个接通 3 个（100%）——两天的接通率是 "
              "6 ÷ 8 = **75%**，而“每天接通率的平均”是 80%，那是错的：它把 3 个来电的周二和 5 个来电的周一算得一样重。",
        "en": "A formula is computed on the **summed components**: the monthly value of `A / B` is “ΣA over the month ÷ "
              "ΣB over the month”, exactly like a built-in ratio, never an average of daily ratios. Example: Monday "
              "5 calls, 3 answered (60%); Tuesday 3 calls, 3 answered (100%) — the answer rate of the two days is "
              "6 ÷ 8 = **75%**; the average of the daily rates, 80%, is wrong: it weighs Tuesday's 3 calls like "
              "Monday's 5.",
    },
    "fx.formula": {"zh": "公式", "en": "Formula"},
    "fx.formula_help": {"zh": "用指标的中文名、英文名或代码，例如：接通量_20秒 / (进线量 - 短时放弃量)；名称含空格时写在 [ ] 里。",
                        "en": "Use indicator names (Chinese or English) or codes, e.g. [Answered] / [Offered]; names with spaces go in [ ]."},
    "fx.ok": {"zh": "公式有效，单位：{unit}", "en": "The formula is valid; unit: {unit}"},
    "fx.preview": {"zh": "预览：{start} ~ {end} 按天", "en": "Preview: {start} ~ {end} by day"},
    "fx.code": {"zh": "代码（小写字母开头，如 eff_answer_rate）", "en": "Code (starts with a lowercase letter, e.g. eff_answer_rate)"},
    "fx.name_zh": {"zh": "中文名称", "en": "Chinese name"},
    "fx.name_en": {"zh": "英文名称", "en": "English name"},
    "fx.unit": {"zh": "单位", "en": "Unit"},
    "fx.unit_auto": {"zh": "自动（{unit}）", "en": "Automatic ({unit})"},
    "fx.direction": {"zh": "方向", "en": "Direction"},
    "fx.target": {"zh": "目标（可空；百分比写 0.85）", "en": "Target (optional; a percentage as 0.85)"},
    "fx.save": {"zh": "保存指标", "en": "Save indicator"},
    "fx.saved": {"zh": "已保存 {code}（第 {version} 版），可在看板、指标查询中使用", "en": "Saved {code} (version {version}); usable in dashboards and the indicator pages"},
    "fx.list": {"zh": "已定义的指标", "en": "Defined indicators"},
    "fx.none": {"zh": "还没有自定义指标。", "en": "No custom indicators yet."},
    "fx.delete": {"zh": "删除", "en": "Delete"},
    "fx.deleted": {"zh": "已删除 {code}", "en": "Deleted {code}"},
    "fx.pick_delete": {"zh": "选择指标", "en": "Indicator"},
    "fx.edit": {"zh": "编辑", "en": "Edit"},
    "fx.col_code": {"zh": "代码", "en": "Code"}, "fx.col_name": {"zh": "名称", "en": "Name"},
    "fx.col_formula": {"zh": "公式", "en": "Formula"}, "fx.col_unit": {"zh": "单位", "en": "Unit"},
    "fx.col_version": {"zh": "版本", "en": "Version"}, "fx.col_by": {"zh": "修改人 / 时间", "en": "By / at"},
}
register(MESSAGES)
UNIT_NAMES = {"count": ("个数", "count"), "seconds": ("秒", "seconds"), "percent": ("百分比", "percent"),
              "per_hour": ("每小时", "per hour"), "score": ("分", "score"), "agents": ("人", "agents"), "number": ("数值", "number")}
DIRECTION_NAMES = {"higher": ("越高越好", "higher is better"), "lower": ("越低越好", "lower is better"), "neutral": ("无方向", "neutral")}


def _name(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def check(engine: Engine, formula: str, lang: str):
    """The formula's unit when it parses (with a preview drawn), else None with the message (caret included)."""
    catalog = catalog_with_custom(engine)
    try:
        unit = infer_unit(compile_custom(formula, catalog), catalog)
    except FormulaError as exc:
        st.error(t("fx.formula", lang), icon="✏️")
        st.code(exc.message(lang), language=None)
        return None
    st.success(t("fx.ok", lang, unit=_name(UNIT_NAMES.get(unit, (unit, unit)), lang)))
    span = data_date_range(engine)
    if span:
        start, end = default_period(*span)
        tidy = preview_formula(engine, formula, start, end, "day", catalog=catalog)
        st.caption(t("fx.preview", lang, start=start, end=end))
        if len(tidy):
            frame = pd.DataFrame({"date": pd.to_datetime(tidy["period"]), "value": tidy["value"].astype("float64")})
            frame["text"] = format_series(frame["value"], unit, 2 if unit in ("number", "per_hour") else 1, lang)
            chart = alt.Chart(frame).mark_line(point=True).encode(
                x=alt.X("date:T", title=None), y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".1%" if unit == "percent" else "~s")),
                tooltip=["date:T", "text:N"]).properties(height=220)
            st.altair_chart(chart, width="stretch")
    return unit


def editor(engine: Engine, lang: str) -> None:
    formula = st.text_input(t("fx.formula", lang), key="fx_formula", help=t("fx.formula_help", lang),
                            placeholder="接通量_20秒 / (进线量 - 短时放弃量)")
    unit = check(engine, formula, lang) if formula.strip() else None
    c = st.columns(3)
    code = c[0].text_input(t("fx.code", lang), key="fx_code")
    name_zh = c[1].text_input(t("fx.name_zh", lang), key="fx_name_zh")
    name_en = c[2].text_input(t("fx.name_en", lang), key="fx_name_en")
    c = st.columns(3)
    units = [None, *UNITS]
    chosen = c[0].selectbox(t("fx.unit", lang), units, key="fx_unit", format_func=lambda u: t(
        "fx.unit_auto", lang, unit=_name(UNIT_NAMES.get(unit or "number", ("", "")), lang)) if u is None else _name(UNIT_NAMES[u], lang))
    direction = c[1].selectbox(t("fx.direction", lang), list(DIRECTION_NAMES), key="fx_direction",
                               format_func=lambda d: _name(DIRECTION_NAMES[d], lang))
    target = c[2].number_input(t("fx.target", lang), value=None, format="%.4g", key="fx_target")
    if st.button(t("fx.save", lang), key="fx_save", type="primary", disabled=unit is None):
        try:
            saved = save_custom(engine, code, name_zh, name_en, formula, unit=chosen, direction=direction, target=target,
                                actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("fx.saved", lang, code=saved.code, version=saved.version))


def listing(engine: Engine, lang: str) -> None:
    st.subheader(t("fx.list", lang))
    customs = list_custom(engine)
    if not customs:
        st.info(t("fx.none", lang))
        return
    catalog = catalog_with_custom(engine)
    rows = [{t("fx.col_code", lang): c.code, t("fx.col_name", lang): c.name_en if lang == "en" and c.name_en else c.name_zh,
             t("fx.col_formula", lang): display_formula(c.expr, catalog, lang),
             t("fx.col_unit", lang): _name(UNIT_NAMES.get(c.unit, (c.unit, c.unit)), lang),
             t("fx.col_version", lang): c.version, t("fx.col_by", lang): f"{c.updated_by or '—'} {c.updated_at}"}
            for c in customs]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    left, mid, right = st.columns([3, 1, 1])
    code = left.selectbox(t("fx.pick_delete", lang), [c.code for c in customs], key="fx_delete_code")
    mid.button(t("fx.edit", lang), key="fx_edit", on_click=_load, args=(next(c for c in customs if c.code == code),))
    if right.button(t("fx.delete", lang), key="fx_delete"):
        try:
            delete_custom(engine, code, used_by=dashboards_using(engine, code), actor=current_actor())
        except CcdashError as exc:
            st.error(exc.message(lang), icon="🚫")
        else:
            st.toast(t("fx.deleted", lang, code=code))
            st.rerun()


def _load(custom) -> None:
    """Put a saved indicator into the editor (saving it again makes its next version)."""
    st.session_state.update(fx_formula=custom.formula, fx_code=custom.code, fx_name_zh=custom.name_zh,
                            fx_name_en=custom.name_en, fx_unit=None if custom.unit_inferred else custom.unit,
                            fx_direction=custom.direction, fx_target=custom.target)


def formulas(engine: Engine, lang: str) -> None:
    st.title(t("fx.title", lang))
    st.info(t("fx.rule", lang), icon="➗")
    editor(engine, lang)
    st.divider()
    listing(engine, lang)
