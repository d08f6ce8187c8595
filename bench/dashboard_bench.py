"""Dashboard benchmark: a 20-widget tab over a year of a 700k-calls/month center (the store of query_bench.py).

    python bench/dashboard_bench.py [--db sqlite:///bench/out/year.db] [--repeat 5] [--theme dark]

For every widget: its data (``widget_data``: the queries, ranking, statuses) and its Vega-Lite spec
(``build`` + ``to_dict``). Times

* the first run (empty caches: every query runs, every chart is built),
* a refresh after caching — what the wall screen does every minute while no import has happened: read
  the anchor day and the store version, then fetch each widget's spec from the cache (``cached_spec``,
  keyed by engine URL, widget JSON, anchor, language, store version and theme),
* a refresh that rebuilds the charts from cached data (no spec cache), for comparison.

Target (issue #3): ≤ 300 ms per refresh after caching. Build the store first with bench/query_bench.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccdash.dashboards import data as wdata  # noqa: E402
from ccdash.dashboards.model import Widget  # noqa: E402
from ccdash.dashboards.periods import anchor_day  # noqa: E402
from ccdash.dashboards.widgets import build, cached_spec  # noqa: E402
from ccdash.store.db import make_engine  # noqa: E402

TODAY_KPI = {"period": {"kind": "today"}, "options": {"compare": ["previous", "target"], "sparkline": True}}
TAB = [  # a wall-screen tab: 6 KPI cards, trends, rankings, a heatmap, shares, gauges, a note
    {"kind": "kpi", "indicators": ["offered"], **TODAY_KPI},
    {"kind": "kpi", "indicators": ["answer_rate"], **TODAY_KPI},
    {"kind": "kpi", "indicators": ["service_level"], **TODAY_KPI},
    {"kind": "kpi", "indicators": ["abandon_rate"], **TODAY_KPI},
    {"kind": "kpi", "indicators": ["aht"], **TODAY_KPI},
    {"kind": "kpi", "indicators": ["csat_rate"], **TODAY_KPI},
    {"kind": "line", "indicators": ["service_level"], "grain": "interval", "period": {"kind": "today"},
     "options": {"target_line": True}},
    {"kind": "area", "indicators": ["offered", "answered"], "grain": "hour", "period": {"kind": "today"}},
    {"kind": "line", "indicators": ["answer_rate", "service_level"], "grain": "day", "period": {"kind": "this_month"},
     "options": {"target_line": True}},
    {"kind": "bar", "indicators": ["aht"], "breakdown": "agent", "period": {"kind": "this_month"},
     "options": {"sort": "desc", "top_n": 15, "horizontal": True, "target_line": True}},
    {"kind": "table", "indicators": ["handled", "aht", "answer_rate"], "breakdown": "agent",
     "period": {"kind": "this_month"}, "options": {"top_n": 20}},
    {"kind": "bar", "indicators": ["answer_rate"], "breakdown": "team", "period": {"kind": "last_7_days"}},
    {"kind": "stacked_bar", "indicators": ["answered"], "grain": "day", "breakdown": "business_type",
     "period": {"kind": "this_week"}},
    {"kind": "donut", "indicators": ["offered"], "breakdown": "business_type", "period": {"kind": "this_month"}},
    {"kind": "heatmap", "indicators": ["answer_rate"], "period": {"kind": "last_month"}},
    {"kind": "heatmap", "indicators": ["aht"], "period": {"kind": "this_week"}, "options": {"heatmap": "agent_day"}},
    {"kind": "gauge", "indicators": ["answer_rate"], "period": {"kind": "this_month"}},
    {"kind": "gauge", "indicators": ["service_level"], "period": {"kind": "today"}},
    {"kind": "bar", "indicators": ["offered"], "grain": "week", "period": {"kind": "last_month"}},
    {"kind": "text", "title": {"zh": "今日提示"}, "options": {"text": {"zh": "## 今日重点\n- 接通率目标 90%\n- 关注 AHT 超标坐席"}}},
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def refresh(engine, url: str, widgets: list[Widget], lang: str, theme: str) -> list[dict]:
    """What a page does on a rerun: anchor and store version, then every widget's spec (cached)."""
    anchor, version = anchor_day(engine).isoformat(), wdata.store_version(engine)
    return [cached_spec(url, w.model_dump_json(), anchor, lang, version, theme) for w in widgets]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'year.db'}")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--theme", default="dark")
    args = ap.parse_args()
    path = Path(args.db.removeprefix("sqlite:///"))
    if args.db.startswith("sqlite:///") and not path.exists():
        sys.exit(f"{path} is missing: build it first with `python bench/query_bench.py`")
    engine = make_engine(args.db)
    url = engine.url.render_as_string(hide_password=False)
    widgets = [Widget.model_validate(w) for w in TAB]
    anchor = anchor_day(engine)
    print(f"store {args.db}; anchor day {anchor}; {len(widgets)} widgets ({args.lang}, {args.theme})")

    t0 = time.perf_counter()
    version = wdata.store_version(engine)
    rows = []
    for w in widgets:
        t1 = time.perf_counter()
        data = wdata.cached_widget_data(url, w.model_dump_json(), anchor.isoformat(), args.lang, version)
        t2 = time.perf_counter()
        cached_spec(url, w.model_dump_json(), anchor.isoformat(), args.lang, version, args.theme)
        rows.append((w, len(data.frame), t2 - t1, time.perf_counter() - t2))
    first = time.perf_counter() - t0
    for w, n, t_data, t_spec in rows:
        what = f"{w.kind} {','.join(w.indicators) or '-'} {w.period.kind} {w.grain} {w.breakdown or ''}".strip()
        print(f"  {what:<62} {n:>5} rows  data {ms(t_data):>9}  spec {ms(t_spec):>7}")
    print(f"first run (queries + charts): {ms(first)}  (data {ms(sum(r[2] for r in rows))}, "
          f"specs {ms(sum(r[3] for r in rows))})")

    cached = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        specs = refresh(engine, url, widgets, args.lang, args.theme)
        cached.append(time.perf_counter() - t0)
    assert len(specs) == len(widgets)
    print(f"refresh after caching (anchor + store version + {len(widgets)} cached specs): "
          f"median {ms(statistics.median(cached))}, max {ms(max(cached))} over {args.repeat}  (target ≤ 300 ms)")

    rebuilt = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        a, v = anchor_day(engine).isoformat(), wdata.store_version(engine)
        for w in widgets:
            build(w, wdata.cached_widget_data(url, w.model_dump_json(), a, args.lang, v), args.lang, args.theme).to_dict()
        rebuilt.append(time.perf_counter() - t0)
    print(f"refresh with cached data but charts rebuilt: median {ms(statistics.median(rebuilt))}")


if __name__ == "__main__":
    main()
