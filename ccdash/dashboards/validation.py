"""Validation of dashboard documents: the model's own rules, the layout rules and the catalog.

:func:`validate` takes a document (a dict of any known ``schema_version``, migrated first, or a
:class:`~ccdash.dashboards.model.Dashboard`) and returns the valid model or raises
:class:`DashboardInvalid`, whose message names the dashboard, the tab and the widget of each problem
in Chinese and English. :func:`check_dashboard` returns the same problems as findings, for a table.
The rules are small functions in :data:`RULES`; :mod:`ccdash.dashboards.documents` is the public face.
"""

from __future__ import annotations

import difflib
from collections import Counter

from pydantic import ValidationError

from ccdash.dashboards.migrations import migrate
from ccdash.dashboards.model import MAX_PER_ROW, MAX_TABS, MAX_WIDGETS_PER_TAB, Dashboard, Tab, Text
from ccdash.findings import CcdashError, Finding
from ccdash.i18n import LIST_SEP, in_each_lang, register, t
from ccdash.indicators.catalog import Catalog, find_indicator, load_catalog

MESSAGES = {
    "dash.invalid_field": {"zh": "{where}：{path} — {reason}", "en": "{where}: {path} — {reason}"},
    "dash.no_tabs": {
        "zh": "{where}：没有标签页；请至少添加一个标签页",
        "en": "{where}: has no tabs; add at least one tab",
    },
    "dash.too_many_tabs": {
        "zh": "{where}：有 {count} 个标签页，最多只能有 {max} 个；请删除或合并标签页",
        "en": "{where}: has {count} tabs, at most {max} are allowed; remove or merge tabs",
    },
    "dash.duplicate_tab": {
        "zh": "{where}：标签页 id「{tab_id}」出现了 {count} 次；每个标签页的 id 必须不同",
        "en": "{where}: the tab id {tab_id!r} is used {count} times; every tab needs its own id",
    },
    "dash.empty_tab": {
        "zh": "{where}：这个标签页没有组件；请添加组件，或删除这个标签页",
        "en": "{where}: this tab has no widgets; add a widget or remove the tab",
    },
    "dash.too_many_widgets": {
        "zh": "{where}：有 {count} 个组件，每个标签页最多 {max} 个；请移到其他标签页",
        "en": "{where}: has {count} widgets, a tab holds at most {max}; move some to another tab",
    },
    "dash.row_too_long": {
        "zh": "{where}：第 {row} 行有 {count} 个组件，每行最多 {max} 个；请分成两行",
        "en": "{where}: row {row} has {count} widgets, a row holds at most {max}; split it in two",
    },
    "dash.unknown_widget": {
        "zh": "{where}：第 {row} 行引用的组件 {widget_id} 不存在{suggest}",
        "en": "{where}: row {row} names widget {widget_id}, which does not exist{suggest}",
    },
    "dash.widget_twice": {
        "zh": "{where}：在布局中出现了 {count} 次（{places}）；一个组件只能放在一处，需要两份请复制组件",
        "en": "{where}: is placed {count} times ({places}); a widget goes in one place only — duplicate it "
              "to show it twice",
    },
    "dash.widget_unplaced": {
        "zh": "{where}：没有放在任何标签页里；请把它加入某个标签页的一行，或删除它",
        "en": "{where}: is not placed on any tab; add it to a row of a tab or delete it",
    },
    "dash.unknown_indicator": {
        "zh": "{where}：未知指标 {indicator}{suggest}",
        "en": "{where}: unknown indicator {indicator}{suggest}",
    },
    "dash.suggest": {"zh": "；是否指：{items}？", "en": "; did you mean: {items}?"},
    "dash.more_problems": {"zh": "另有 {count} 处问题：", "en": "{count} more problems:"},
}
register(MESSAGES)

WHERE = {  # how a message names the dashboard, the tab and the widget
    "zh": {"dashboard": "看板「{title}」（{id}）", "tab": "标签页「{title}」", "widget": "组件「{title}」（{id}）",
           "widget_id": "组件 {id}", "sep": "，", "row": "「{tab}」第 {row} 行"},
    "en": {"dashboard": 'Dashboard "{title}" ({id})', "tab": 'tab "{title}"', "widget": 'widget "{title}" ({id})',
           "widget_id": "widget {id}", "sep": ", ", "row": '"{tab}" row {row}'},
}
REASONS_ZH = {  # pydantic error types → Chinese reasons (English uses pydantic's own message)
    "missing": "缺少此项", "extra_forbidden": "不是可用的字段（拼写错误？）",
    "literal_error": "应为以下之一：{expected}", "string_too_short": "不能为空",
    "string_too_long": "太长（最多 {max_length} 个字符）", "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}", "int_parsing": "应为整数", "int_type": "应为整数",
    "int_from_float": "应为整数", "float_parsing": "应为数字", "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false", "string_type": "应为文本",
    "list_type": "应为列表", "dict_type": "应为“键: 值”的映射", "model_type": "应为“键: 值”的映射",
    "date_parsing": "应为日期（YYYY-MM-DD）", "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
}
VALUE_ERRORS_ZH = {  # the model's own rules (ccdash/dashboards/model.py), by a phrase of their English text
    "a custom period needs": "自定义期间需要开始日期和结束日期，且开始不晚于结束",
    "needs at least one indicator": "这种组件至少需要一个指标",
    "needs a breakdown or a grain": "这种组件需要一个分组维度，或“汇总”以外的时间粒度",
    "shows one value: no breakdown": "这种组件只显示一个值，不能设分组维度",
    "thresholds for indicators the widget does not show": "阈值针对的指标不在本组件的指标里",
}
MAX_LISTED = 10  # problems spelled out in one error message


class DashboardInvalid(CcdashError):
    """A document that cannot be used: ``code`` is the first problem's, ``findings`` holds them all."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(findings[0].code, **findings[0].params)

    def message(self, lang: str = "zh") -> str:
        first, rest = self.findings[0].message(lang), self.findings[1:MAX_LISTED]
        if not rest:
            return first
        more = t("dash.more_problems", lang, count=len(self.findings) - 1)
        return "\n".join([first, more, *(f"- {f.message(lang)}" for f in rest)])

    def __str__(self) -> str:
        return self.message("zh")


def _where(dash: dict, tab=None, widget: tuple[str, object] | None = None) -> dict[str, str]:
    """'Dashboard "…" (id), tab "…", widget "…" (id)' in each language, from raw or validated parts."""
    def text(lang: str) -> str:
        w = WHERE[lang]
        parts = [w["dashboard"].format(title=_title(dash, lang) or dash.get("id") or "?", id=dash.get("id") or "?")]
        if tab is not None:
            parts.append(w["tab"].format(title=_title(tab, lang) or _get(tab, "id") or "?"))
        if widget is not None:
            wid, spec = widget
            title = _title(spec, lang)
            parts.append(w["widget"].format(title=title, id=wid) if title else w["widget_id"].format(id=wid))
        return w["sep"].join(parts)
    return in_each_lang(text)


def _get(part, name: str):
    """A field of a validated model or of a raw dict (where it may be missing or of any type)."""
    return part.get(name) if isinstance(part, dict) else getattr(part, name, None)


def _title(part, lang: str) -> str:
    title = _get(part, "title")
    if isinstance(title, Text):
        return title.get(lang)
    if isinstance(title, dict):
        return str(title.get(lang) or title.get("zh") or title.get("en") or "")
    return str(title or "")


def _finding(code: str, dash: dict, tab=None, widget: tuple[str, object] | None = None, **params) -> Finding:
    """A problem located in the dashboard (and the tab, and the widget): named in the message, and by id
    in ``where`` for a table."""
    located = {"dashboard": dash.get("id"), "tab": _get(tab, "id") if tab is not None else None,
               "widget": widget[0] if widget else None}
    return Finding("error", code, {"where": _where(dash, tab, widget), **params},
                   {k: v for k, v in located.items() if v is not None})


def suggest(word: str, choices: dict[str, dict[str, str]]) -> dict[str, str] | str:
    """'; did you mean: …?' in each language for the choices closest to ``word`` (``choices``: the
    matchable text → how to show the match in each language), or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    shown = list(dict.fromkeys(tuple(choices[c].items()) for c in close))
    return did_you_mean([dict(s) for s in shown]) if shown else ""


def did_you_mean(shown: list[dict[str, str]]) -> dict[str, str]:
    """'; did you mean: a, b?' in each language, for a message parameter."""
    items = in_each_lang(lambda lang: LIST_SEP[lang].join(s[lang] for s in shown))
    return in_each_lang(lambda lang: t("dash.suggest", lang, items=items))


# ---- rules: each takes the validated model (and the catalog) and returns findings ----

def _rule_tabs(dash: Dashboard, _catalog: Catalog) -> list[Finding]:
    doc = _raw(dash)
    found = [_finding("dash.no_tabs", doc)] if not dash.tabs else []
    if len(dash.tabs) > MAX_TABS:
        found.append(_finding("dash.too_many_tabs", doc, count=len(dash.tabs), max=MAX_TABS))
    return found + [_finding("dash.duplicate_tab", doc, tab_id=tab_id, count=count)
                    for tab_id, count in Counter(t.id for t in dash.tabs).items() if count > 1]


def _rule_tab_sizes(dash: Dashboard, _catalog: Catalog) -> list[Finding]:
    doc, found = _raw(dash), []
    for tab in dash.tabs:
        ids = tab.widget_ids()
        if not ids:
            found.append(_finding("dash.empty_tab", doc, tab))
        if len(ids) > MAX_WIDGETS_PER_TAB:
            found.append(_finding("dash.too_many_widgets", doc, tab, count=len(ids), max=MAX_WIDGETS_PER_TAB))
        found += [_finding("dash.row_too_long", doc, tab, row=r, count=len(row), max=MAX_PER_ROW)
                  for r, row in enumerate(tab.rows, start=1) if len(row) > MAX_PER_ROW]
    return found


def _rule_layout_ids(dash: Dashboard, _catalog: Catalog) -> list[Finding]:
    choices = {wid: {"zh": wid, "en": wid} for wid in dash.widgets}
    return [
        _finding("dash.unknown_widget", _raw(dash), tab, row=r, widget_id=wid, suggest=suggest(wid, choices))
        for tab in dash.tabs for r, row in enumerate(tab.rows, start=1) for wid in row if wid not in dash.widgets
    ]


def _rule_placement(dash: Dashboard, _catalog: Catalog) -> list[Finding]:
    places: dict[str, list[tuple[Tab, int]]] = {wid: [] for wid in dash.widgets}
    for tab in dash.tabs:
        for r, row in enumerate(tab.rows, start=1):
            for wid in row:
                places.setdefault(wid, []).append((tab, r))  # unknown ids: reported by _rule_layout_ids
    found = []
    for wid, widget in dash.widgets.items():
        where = places[wid]
        if not where:
            found.append(_finding("dash.widget_unplaced", _raw(dash), widget=(wid, widget)))
        elif len(where) > 1:
            shown = in_each_lang(lambda lang, w=where: WHERE[lang]["sep"].join(
                WHERE[lang]["row"].format(tab=_title(t, lang) or t.id, row=r) for t, r in w))
            found.append(_finding("dash.widget_twice", _raw(dash), widget=(wid, widget), count=len(where),
                                  places=shown))
    return found


def indicator_choices(catalog: Catalog) -> dict[str, dict[str, str]]:
    """Every code and name of the catalog → how a suggestion shows it: 'answer_rate（接通率）'."""
    out = {}
    for code, ind in catalog.indicators.items():
        shown = {"zh": f"{code}（{ind.name.zh}）", "en": f"{code} ({ind.name.en})"}
        out |= {code: shown, ind.name.zh: shown, ind.name.en: shown}
    return out


def _indicator_suggestion(code: str, catalog: Catalog) -> dict[str, str] | str:
    """A name or synonym written instead of the code suggests exactly that code; else the closest."""
    try:
        exact = find_indicator(code, catalog)
    except CcdashError:
        return suggest(code, indicator_choices(catalog))
    return did_you_mean([indicator_choices(catalog)[exact]])


def _rule_indicators(dash: Dashboard, catalog: Catalog) -> list[Finding]:
    tab_of = {wid: tab for tab in dash.tabs for wid in tab.widget_ids()}
    return [
        _finding("dash.unknown_indicator", _raw(dash), tab_of.get(wid), (wid, widget), indicator=code,
                 suggest=_indicator_suggestion(code, catalog))
        for wid, widget in dash.widgets.items() for code in widget.indicators if code not in catalog.indicators
    ]


RULES = (_rule_tabs, _rule_tab_sizes, _rule_layout_ids, _rule_placement, _rule_indicators)


def _reason(err: dict) -> dict[str, str]:
    """One pydantic error's reason in each language."""
    en = err["msg"].removeprefix("Value error, ")
    if err["type"] == "value_error":
        zh = next((text for start, text in VALUE_ERRORS_ZH.items() if start in en), en)
    else:
        ctx = {k: str(v).replace(" or ", ", ") for k, v in (err.get("ctx") or {}).items()}
        zh = REASONS_ZH.get(err["type"], en).format(**ctx) if err["type"] in REASONS_ZH else en
    return {"zh": zh, "en": en}


def _raw(dash: Dashboard) -> dict:
    return {"id": dash.id, "title": dash.title}


def _field_findings(raw: dict, exc: ValidationError) -> list[Finding]:
    """Pydantic errors as findings naming the tab or widget the failing field belongs to."""
    found = []
    for err in exc.errors():
        loc = err["loc"]
        tab = widget = None
        if len(loc) > 1 and loc[0] == "tabs" and isinstance(raw.get("tabs"), list) and isinstance(loc[1], int):
            tab = raw["tabs"][loc[1]] if isinstance(raw["tabs"][loc[1]], dict) else {}
        if len(loc) > 1 and loc[0] == "widgets" and isinstance(raw.get("widgets"), dict):
            spec = raw["widgets"].get(loc[1])
            widget = (str(loc[1]), spec if isinstance(spec, dict) else {})
        path = ".".join(str(p) for p in loc) or "(document)"
        found.append(_finding("dash.invalid_field", raw, tab, widget, path=path, reason=_reason(err)))
    return found


def check_dashboard(doc: dict | Dashboard, catalog: Catalog | None = None) -> tuple[Dashboard | None, list[Finding]]:
    """The valid model (or None) and every problem found. Migration problems are raised: they stop
    everything (a document in an unknown format cannot be checked field by field)."""
    raw = doc.model_dump() if isinstance(doc, Dashboard) else migrate(doc)
    try:
        dash = Dashboard.model_validate(raw)
    except ValidationError as exc:
        return None, _field_findings(raw, exc)
    catalog = catalog or load_catalog()
    found = [f for rule in RULES for f in rule(dash, catalog)]
    return (None if found else dash), found


def validate(doc: dict | Dashboard, catalog: Catalog | None = None) -> Dashboard:
    """The document as a valid :class:`Dashboard`, or :class:`DashboardInvalid` naming every problem."""
    dash, found = check_dashboard(doc, catalog)
    if found:
        raise DashboardInvalid(found)
    return dash

