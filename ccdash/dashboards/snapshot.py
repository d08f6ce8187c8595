"""Snapshots of a dashboard tab: the PNG a team lead sends her manager, and the text summary beside it.

Shared by the viewer's "Download PNG" button and ``python -m ccdash snapshot`` (for a scheduled job),
so both draw the same picture: the header (dashboard · tab, period end day, filters, data as of) and
the tab's widgets laid out in their rows, light theme, 2× scale.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from ccdash.dashboards.data import WidgetData, data_as_of, widget_data
from ccdash.dashboards.model import Dashboard, Tab
from ccdash.dashboards.png import tab_png
from ccdash.dashboards.widgets import build
from ccdash.findings import CcdashError
from ccdash.i18n import joined, register, t

MESSAGES = {
    "snap.no_tab": {"zh": "看板“{dashboard}”没有标签页“{tab}”；可选：{choices}",
                    "en": "Dashboard “{dashboard}” has no tab “{tab}”; choose one of: {choices}"},
    "snap.period": {"zh": "时间段截至 {day}", "en": "Periods up to {day}"},
    "snap.filters": {"zh": "筛选：{filters}", "en": "Filters: {filters}"},
    "snap.as_of": {"zh": "数据截至 {as_of}", "en": "Data as of {as_of}"},
}
register(MESSAGES)


def find_tab(dash: Dashboard, name: str | None) -> Tab:
    """A tab by id or by its Chinese or English title (the first tab when ``name`` is empty)."""
    if not name:
        return dash.tabs[0]
    key = name.strip().casefold()
    for tab in dash.tabs:
        if key in {tab.id.casefold(), tab.title.zh.casefold(), tab.title.en.casefold()} - {""}:
            return tab
    choices = [tab.title.zh or tab.id for tab in dash.tabs]
    raise CcdashError("snap.no_tab", dashboard=dash.title.zh or dash.id, tab=name, choices=joined(choices))


def header_lines(anchor: dt.date, filters: list[str], as_of: str | None, lang: str) -> list[str]:
    lines = [t("snap.period", lang, day=anchor.isoformat())]
    if filters:
        lines.append(t("snap.filters", lang, filters=", ".join(filters)))
    if as_of:
        lines.append(t("snap.as_of", lang, as_of=as_of[:16]))
    return lines


def tab_image(dash: Dashboard, tab: Tab, data: dict[str, object], lang: str, lines: list[str], scale: float = 2) -> bytes:
    """The PNG of ``tab`` from its widgets' data (a widget whose data failed is left out)."""
    rows = [[build(dash.widgets[w], data[w], lang, "light") for w in row if isinstance(data.get(w), WidgetData)]
            for row in tab.rows]
    return tab_png(f"{dash.title.get(lang)} · {tab.title.get(lang)}", lines, [r for r in rows if r], scale)


def snapshot(engine: Engine, dash: Dashboard, tab_name: str | None, anchor: dt.date, lang: str = "zh",
             scale: float = 2) -> bytes:
    """The PNG of one tab of ``dash`` for the periods ending on ``anchor``, from the store."""
    tab = find_tab(dash, tab_name)
    data = {w: widget_data(engine, dash.widgets[w], anchor, lang) for w in tab.widget_ids()}
    return tab_image(dash, tab, data, lang, header_lines(anchor, [], data_as_of(engine), lang), scale)
