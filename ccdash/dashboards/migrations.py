"""The ``schema_version`` chain: older dashboard documents are upgraded one step at a time.

Each step is a pure ``dict -> dict`` function registered in :data:`MIGRATIONS` under the version it
upgrades *from*; :func:`migrate` runs them in order up to :data:`~ccdash.dashboards.model.SCHEMA_VERSION`.
Every step has golden-file tests (``tests/golden/dashboards/v<N>_*.yaml`` → ``.expected.json``).

**Version 1** (the first builder's documents): tabs held their widgets inline, titles were plain
Chinese strings and the refresh interval was ``refresh_seconds``::

    schema_version: 1
    id: daily
    title: 班组日看板
    refresh_seconds: 60
    tabs:
      - title: 今日概况
        widgets:
          - {kind: kpi, indicator: answer_rate, name: 接通率, period: today, target: 0.9, compare: [target]}
          - {kind: text, text: "备注"}

A v1 widget has ``kind``, ``indicator`` (one code; none for text), ``name``, ``period`` (a period
kind such as ``today``), ``grain``, ``breakdown``, ``filters``, ``target``, ``compare``, ``sort``,
``top_n`` and ``text``. Keys it does not know are carried over as they are, so validation names them.
"""

from __future__ import annotations

import copy
from typing import Callable

from ccdash.dashboards.model import SCHEMA_VERSION
from ccdash.findings import CcdashError
from ccdash.i18n import register

MESSAGES = {
    "dash.not_a_document": {
        "zh": "看板文件的内容不是一个文档（应为“键: 值”的映射，实际是 {found}）",
        "en": "The dashboard file does not hold a document (expected a mapping of keys to values, found {found})",
    },
    "dash.no_version": {
        "zh": "看板 {dashboard} 没有写 schema_version；请在文件开头加上 schema_version: {current}（当前格式）",
        "en": "Dashboard {dashboard} has no schema_version; add `schema_version: {current}` (the current format) "
              "at the top of the file",
    },
    "dash.newer_version": {
        "zh": "看板 {dashboard} 的格式版本是 {version}，比本程序认识的版本 {current} 新；请升级 ccdash 后再打开",
        "en": "Dashboard {dashboard} is in format version {version}, newer than the version this program knows "
              "({current}); upgrade ccdash to open it",
    },
    "dash.bad_version": {
        "zh": "看板 {dashboard} 的 schema_version「{version}」无法识别；可用的版本：{known}",
        "en": "Dashboard {dashboard} has an unknown schema_version {version!r}; known versions: {known}",
    },
    "dash.bad_shape": {
        "zh": "看板 {dashboard}（格式版本 {version}）的 {path} 应为{expected}",
        "en": "Dashboard {dashboard} (format version {version}): {path} should be {expected}",
    },
}
register(MESSAGES)

SHAPES = {list: {"zh": "列表", "en": "a list"}, dict: {"zh": "“键: 值”的映射", "en": "a mapping"}}
KPI_PER_ROW, OTHER_PER_ROW = 3, 2  # v1 → v2: a run of KPI cards fills rows of 3, other widgets rows of 2
V1_WIDGET_KEYS = ("kind", "indicator", "name", "period", "grain", "breakdown", "filters", "target",
                  "compare", "sort", "top_n", "text")


def _label(doc: dict) -> str:
    """The dashboard as named in a message before it is validated: its id, else its title."""
    return str(doc.get("id") or doc.get("title") or "?")


def _expect(value, kind: type, path: str, doc: dict):
    if not isinstance(value, kind):
        raise CcdashError("dash.bad_shape", dashboard=_label(doc), version=doc.get("schema_version"),
                          path=path, expected=SHAPES[kind])
    return value


def _text(value) -> dict | None:
    """A v1 plain (Chinese) string as a {zh, en} text; anything else is left for validation to judge."""
    return {"zh": value, "en": ""} if isinstance(value, str) else value


def _rows(placed: list[tuple[str, bool]]) -> list[list[str]]:
    """Widget ids in order → rows: a new row starts when the row is full or KPI cards meet other kinds."""
    rows: list[list[str]] = []
    kinds: list[bool] = []
    for wid, is_kpi in placed:
        width = KPI_PER_ROW if is_kpi else OTHER_PER_ROW
        if not rows or kinds[-1] != is_kpi or len(rows[-1]) >= width:
            rows.append([])
            kinds.append(is_kpi)
        rows[-1].append(wid)
    return rows


def _widget_id(widget: dict, taken: set[str]) -> str:
    """``<kind>_<indicator>`` (``text`` for a note), with ``_2``, ``_3`` … when taken."""
    base = "_".join(str(p) for p in (widget.get("kind") or "widget", widget.get("indicator")) if p)
    wid, n = base, 1
    while wid in taken:
        n += 1
        wid = f"{base}_{n}"
    taken.add(wid)
    return wid


def _widget_v2(w: dict) -> dict:
    indicator = w.get("indicator")
    out = {"kind": w.get("kind")}
    if w.get("name") is not None:
        out["title"] = _text(w["name"])
    if indicator is not None:
        out["indicators"] = [indicator]
    if w.get("period") is not None:
        out["period"] = {"kind": w["period"]} if isinstance(w["period"], str) else w["period"]
    out |= {k: w[k] for k in ("grain", "breakdown", "filters") if k in w}
    if w.get("target") is not None:
        out["thresholds"] = {indicator: {"target": w["target"]}}
    options = {k: w[k] for k in ("compare", "sort", "top_n") if k in w}
    if w.get("text") is not None:
        options["text"] = _text(w["text"])
    if options:
        out["options"] = options
    return out | {k: v for k, v in w.items() if k not in V1_WIDGET_KEYS}


def _v1_to_v2(doc: dict) -> dict:
    widgets: dict[str, dict] = {}
    tabs = []
    for t, tab in enumerate(_expect(doc.get("tabs", []), list, "tabs", doc), start=1):
        tab = _expect(tab, dict, f"tabs[{t - 1}]", doc)
        placed = []
        for i, w in enumerate(_expect(tab.get("widgets", []), list, f"tabs[{t - 1}].widgets", doc)):
            w = _expect(w, dict, f"tabs[{t - 1}].widgets[{i}]", doc)
            wid = _widget_id(w, set(widgets))
            widgets[wid] = _widget_v2(w)
            placed.append((wid, w.get("kind") == "kpi"))
        rest = {k: v for k, v in tab.items() if k not in ("title", "widgets")}
        tabs.append({"id": f"tab_{t}", "title": _text(tab.get("title")), "rows": _rows(placed), **rest})
    out = {"schema_version": 2, "id": doc.get("id"), "title": _text(doc.get("title"))}
    if "description" in doc:
        out["description"] = _text(doc["description"])
    out |= {"widgets": widgets, "tabs": tabs}
    if "refresh_seconds" in doc:
        out["refresh_s"] = doc["refresh_seconds"]
    skip = ("schema_version", "id", "title", "description", "tabs", "refresh_seconds")
    return out | {k: v for k, v in doc.items() if k not in skip}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


def migrate(doc: dict) -> dict:
    """``doc`` upgraded step by step to the current ``schema_version`` (a new dict; ``doc`` is kept)."""
    if not isinstance(doc, dict):
        raise CcdashError("dash.not_a_document", found=type(doc).__name__)
    version = doc.get("schema_version")
    if version is None:
        raise CcdashError("dash.no_version", dashboard=_label(doc), current=SCHEMA_VERSION)
    known = [*MIGRATIONS, SCHEMA_VERSION]
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise CcdashError("dash.newer_version", dashboard=_label(doc), version=version, current=SCHEMA_VERSION)
    if version not in known or isinstance(version, bool):
        raise CcdashError("dash.bad_version", dashboard=_label(doc), version=version,
                          known=", ".join(map(str, known)))
    doc = copy.deepcopy(doc)
    while doc["schema_version"] != SCHEMA_VERSION:
        doc = MIGRATIONS[doc["schema_version"]](doc)
    return doc
