"""The builder's edits: each returns a valid new document and leaves the old one untouched."""

from __future__ import annotations

import pytest

from ccdash.dashboards.editing import (
    add_tab, add_widget, move_tab, move_widget, new_dashboard, new_id, remove_tab, remove_widget, rename_tab,
    replace_widget, slug,
)
from ccdash.dashboards.model import MAX_PER_ROW, Text, Widget
from ccdash.findings import CcdashError

KPI = Widget(kind="kpi", indicators=["answer_rate"])
BAR = Widget(kind="bar", indicators=["aht"], breakdown="agent")


def layout(doc):
    return [(t.id, t.rows) for t in doc.tabs]


def test_new_dashboard_and_ids():
    doc = new_dashboard("班组日看板 Team daily", "zh")
    assert doc.id == "team_daily" and doc.title.get("zh") == "班组日看板 Team daily" and doc.title.get("en") == doc.title.zh
    assert new_dashboard("班组日看板").id == "dashboard"
    assert new_dashboard("Ops", taken=["ops"]).id == "ops_1"
    assert new_id("w", ["w1", "w3"]) == "w2" and slug("AHT by agent!") == "aht_by_agent"


def test_widgets_fill_a_row_then_start_the_next():
    doc = new_dashboard("x")
    ids = []
    for _ in range(MAX_PER_ROW + 1):
        doc, wid = add_widget(doc, "t1", KPI)
        ids.append(wid)
    assert layout(doc) == [("t1", [ids[:MAX_PER_ROW], ids[MAX_PER_ROW:]])]
    doc, extra = add_widget(doc, "t1", BAR, new_row=True)
    assert doc.tabs[0].rows[-1] == [extra] and doc.widgets[extra].breakdown == "agent"


def test_moves_and_removals():
    doc = new_dashboard("x")
    doc, a = add_widget(doc, "t1", KPI)
    doc, b = add_widget(doc, "t1", KPI)
    doc, c = add_widget(doc, "t1", BAR, new_row=True)
    before = doc
    doc = move_widget(doc, b, "left")
    assert doc.tabs[0].rows == [[b, a], [c]] and before.tabs[0].rows == [[a, b], [c]]
    assert move_widget(doc, b, "left").tabs[0].rows == [[b, a], [c]]  # at the edge: unchanged
    assert move_widget(doc, a, "down").tabs[0].rows == [[b], [c, a]]
    assert move_widget(doc, c, "down").tabs[0].rows == [[b, a], [c]]  # already alone at the bottom
    assert move_widget(doc, b, "up").tabs[0].rows == [[b], [a], [c]]
    doc = remove_widget(doc, c)
    assert doc.tabs[0].rows == [[b, a]] and c not in doc.widgets


def test_tabs_add_rename_move_remove():
    doc = new_dashboard("x")
    doc, t2 = add_tab(doc, Text(zh="坐席", en="Agents"))
    doc, w = add_widget(doc, t2, BAR)
    doc = rename_tab(doc, t2, Text(zh="坐席表现"))
    assert doc.tabs[1].title.get("en") == "坐席表现"
    doc = move_tab(doc, t2, -1)
    assert [t.id for t in doc.tabs] == [t2, "t1"]
    doc = remove_tab(doc, t2)
    assert [t.id for t in doc.tabs] == ["t1"] and w not in doc.widgets
    with pytest.raises(CcdashError) as err:
        remove_tab(doc, "t1")
    assert err.value.code == "edit.last_tab"


def test_replace_and_unknown_ids():
    doc, w = add_widget(new_dashboard("x"), "t1", KPI)
    doc = replace_widget(doc, w, Widget(kind="gauge", indicators=["service_level"]))
    assert doc.widgets[w].kind == "gauge"
    for call in (lambda: remove_widget(doc, "w9"), lambda: add_widget(doc, "t9", KPI), lambda: move_tab(doc, "t9", 1)):
        with pytest.raises(CcdashError):
            call()
