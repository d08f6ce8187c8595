"""Edits the builder makes to a dashboard document: pure functions, each returning a new document.

The builder page keeps the document being edited in the session and calls these; nothing here
touches Streamlit or the store, and each result is re-validated by the model, so an edit can never
produce a document that would fail to load. Ids are short, stable and unique within the document.
"""

from __future__ import annotations

import re

from ccdash.dashboards.model import MAX_PER_ROW, Dashboard, Tab, Text, Widget
from ccdash.findings import CcdashError
from ccdash.i18n import register

MESSAGES = {
    "edit.no_tab": {"zh": "没有标签页 {tab}", "en": "There is no tab {tab}"},
    "edit.no_widget": {"zh": "没有部件 {widget}", "en": "There is no widget {widget}"},
    "edit.last_tab": {"zh": "看板至少要有一个标签页", "en": "A dashboard needs at least one tab"},
}
register(MESSAGES)

Direction = str  # "up" | "down" | "left" | "right"


def new_id(prefix: str, taken) -> str:
    """``prefix`` + the smallest number not yet taken (w1, w2, … / t1, t2, …)."""
    taken = set(taken)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def slug(text: str) -> str:
    """A dashboard id from a title: ASCII words kept, anything else dropped; empty → ``dashboard``."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "_".join(w.lower() for w in words)[:48] or "dashboard"


def _copy(doc: Dashboard, **changes) -> Dashboard:
    data = doc.model_dump()
    data.update({k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in changes.items()})
    return Dashboard.model_validate(data)


def _tab_index(doc: Dashboard, tab_id: str) -> int:
    for i, tab in enumerate(doc.tabs):
        if tab.id == tab_id:
            return i
    raise CcdashError("edit.no_tab", tab=tab_id)


def _where(doc: Dashboard, widget_id: str) -> tuple[int, int, int]:
    for ti, tab in enumerate(doc.tabs):
        for ri, row in enumerate(tab.rows):
            if widget_id in row:
                return ti, ri, row.index(widget_id)
    raise CcdashError("edit.no_widget", widget=widget_id)


def new_dashboard(title: str, lang: str = "zh", taken=()) -> Dashboard:
    """An empty dashboard with one tab, titled in the user's language."""
    base = slug(title)
    ident = base if base not in set(taken) else new_id(base + "_", taken)
    text = Text(**{lang: title})
    return Dashboard(id=ident, title=text, tabs=[Tab(id="t1", title=Text(zh="概况", en="Overview"))])


def add_tab(doc: Dashboard, title: Text) -> tuple[Dashboard, str]:
    tab_id = new_id("t", [t.id for t in doc.tabs])
    tabs = [*doc.tabs, Tab(id=tab_id, title=title)]
    return _copy(doc, tabs=[t.model_dump() for t in tabs]), tab_id


def rename_tab(doc: Dashboard, tab_id: str, title: Text) -> Dashboard:
    tabs = [t.model_copy(update={"title": title}) if t.id == tab_id else t for t in doc.tabs]
    _tab_index(doc, tab_id)
    return _copy(doc, tabs=[t.model_dump() for t in tabs])


def remove_tab(doc: Dashboard, tab_id: str) -> Dashboard:
    """Remove a tab and the widgets on it."""
    index = _tab_index(doc, tab_id)
    if len(doc.tabs) == 1:
        raise CcdashError("edit.last_tab")
    gone = set(doc.tabs[index].widget_ids())
    widgets = {k: w.model_dump() for k, w in doc.widgets.items() if k not in gone}
    tabs = [t.model_dump() for t in doc.tabs if t.id != tab_id]
    return _copy(doc, tabs=tabs, widgets=widgets)


def move_tab(doc: Dashboard, tab_id: str, step: int) -> Dashboard:
    """Move a tab left (−1) or right (+1); at either end nothing changes."""
    i = _tab_index(doc, tab_id)
    j = min(max(i + step, 0), len(doc.tabs) - 1)
    tabs = list(doc.tabs)
    tabs.insert(j, tabs.pop(i))
    return _copy(doc, tabs=[t.model_dump() for t in tabs])


def add_widget(doc: Dashboard, tab_id: str, widget: Widget, *, new_row: bool = False) -> tuple[Dashboard, str]:
    """Add a widget at the end of the tab's last row (a new row when asked or when that row is full)."""
    i = _tab_index(doc, tab_id)
    widget_id = new_id("w", doc.widgets)
    rows = [list(r) for r in doc.tabs[i].rows]
    if new_row or not rows or len(rows[-1]) >= MAX_PER_ROW:
        rows.append([widget_id])
    else:
        rows[-1].append(widget_id)
    tabs = [t.model_dump() for t in doc.tabs]
    tabs[i]["rows"] = rows
    widgets = {**{k: w.model_dump() for k, w in doc.widgets.items()}, widget_id: widget.model_dump()}
    return _copy(doc, tabs=tabs, widgets=widgets), widget_id


def replace_widget(doc: Dashboard, widget_id: str, widget: Widget) -> Dashboard:
    _where(doc, widget_id)
    widgets = {k: (widget if k == widget_id else w).model_dump() for k, w in doc.widgets.items()}
    return _copy(doc, widgets=widgets)


def remove_widget(doc: Dashboard, widget_id: str) -> Dashboard:
    ti, ri, _ = _where(doc, widget_id)
    tabs = [t.model_dump() for t in doc.tabs]
    rows = [[w for w in row if w != widget_id] for row in tabs[ti]["rows"]]
    tabs[ti]["rows"] = [row for row in rows if row]
    widgets = {k: w.model_dump() for k, w in doc.widgets.items() if k != widget_id}
    return _copy(doc, tabs=tabs, widgets=widgets)


def move_widget(doc: Dashboard, widget_id: str, direction: Direction) -> Dashboard:
    """Left/right within its row; up/down to the end of the row above/below (a new row past the edge)."""
    ti, ri, ci = _where(doc, widget_id)
    tabs = [t.model_dump() for t in doc.tabs]
    rows = [list(r) for r in tabs[ti]["rows"]]
    row = rows[ri]
    if direction in ("left", "right"):
        cj = min(max(ci + (1 if direction == "right" else -1), 0), len(row) - 1)
        row.insert(cj, row.pop(ci))
    else:
        row.pop(ci)
        rj = ri + (1 if direction == "down" else -1)
        if rj < 0 or rj >= len(rows):
            rows.insert(0 if rj < 0 else len(rows), [widget_id])
        elif len(rows[rj]) >= MAX_PER_ROW:
            rows.insert(rj + (1 if direction == "down" else 0), [widget_id])
        else:
            rows[rj].append(widget_id)
    tabs[ti]["rows"] = [r for r in rows if r]
    return _copy(doc, tabs=tabs)
