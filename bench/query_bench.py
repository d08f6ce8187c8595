"""Query benchmark: a year of a 700k-calls/month center (8.4 M calls), 20 indicators by day for one team.

    python bench/query_bench.py [--months 12] [--rows 700000] [--db sqlite:///bench/out/year.db]

Builds the store once (a roster of 300 agents in 10 teams, then each month's calls through ccdash's own
import path — prepare_import on an all-text sheet, as the reader would hand it over, and run_import),
then times the query (first run and the median of 5). Target (issue #2): ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ccdash.auth.roles import SYSTEM  # noqa: E402
from ccdash.indicators.compute import query  # noqa: E402
from ccdash.ingest.pipeline import prepare_import, run_import  # noqa: E402
from ccdash.ingest.read import RawSheet  # noqa: E402
from ccdash.store.db import make_engine  # noqa: E402
from ccdash.store.schema import imports  # noqa: E402

INDICATORS = ["offered", "answered", "abandoned", "handled", "answer_rate", "abandon_rate", "unanswered_rate",
              "service_level", "asa", "avg_talk", "avg_hold", "avg_acw", "aht", "transfer_rate", "repeat_rate",
              "resolution_rate", "csat_rate", "dissat_rate", "csat_avg", "handled_per_agent"]


def as_sheet(name: str, columns: dict[str, np.ndarray]) -> RawSheet:
    """Columns as the reader hands them over: a header row, then every cell as text."""
    text = {}
    for header, values in columns.items():
        if values.dtype.kind == "M":
            s = pd.Series(values.astype("datetime64[s]").astype(str)).replace("NaT", None)
        else:
            s = pd.Series(values).astype("string")
        text[header] = s.astype("string")
    body = pd.DataFrame(text)
    header = pd.DataFrame([list(columns)], columns=list(columns)).astype("string")
    cells = pd.concat([header, body], ignore_index=True)
    return RawSheet(name, cells.set_axis(range(cells.shape[1]), axis=1), 1, 0)


def months_back(last: str, count: int) -> list[str]:
    end = pd.Period(last, "M")
    return [str(end - i) for i in range(count - 1, -1, -1)]


def build(engine, months: list[str], rows: int) -> None:
    from make_export import N_AGENTS, build_columns
    roster = {"工号": np.array([f"{i:04d}" for i in range(1, N_AGENTS + 1)], dtype=object),
              "班组": np.array([f"班组{(i - 1) // 30 + 1:02d}" for i in range(1, N_AGENTS + 1)], dtype=object)}
    run_import(engine, prepare_import(b"roster", "roster.xlsx", "roster", raw=as_sheet("roster", roster)), actor=SYSTEM)
    for i, month in enumerate(months):
        t0 = time.perf_counter()
        cols = build_columns(rows, month, 100 + i)
        cols["通话ID"] = np.array([f"{month}-{x}" for x in cols["通话ID"]], dtype=object)
        sheet = as_sheet(month, cols)
        outcome = run_import(engine, prepare_import(month.encode(), f"calls_{month}.xlsx", "calls", raw=sheet), actor=SYSTEM)
        print(f"  {month}: {outcome.commit.inserted} calls in {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--rows", type=int, default=700_000)
    ap.add_argument("--last", default="2026-10")
    ap.add_argument("--db", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'year.db'}")
    args = ap.parse_args()
    engine = make_engine(args.db)
    months = months_back(args.last, args.months)
    with engine.connect() as conn:
        done = conn.execute(imports.select()).fetchall()
    if len(done) < args.months + 1:
        print(f"building {args.months} months × {args.rows} calls into {args.db} …", flush=True)
        build(engine, months, args.rows)
    d0, d1 = f"{months[0]}-01", str((pd.Period(args.last, "M") + 1).start_time.date() - pd.Timedelta(days=1))[:10]
    with engine.connect() as conn:
        calls = conn.exec_driver_sql("SELECT COUNT(*) FROM rec_calls WHERE is_current = 1").scalar()
        fine = conn.exec_driver_sql("SELECT COUNT(*) FROM call_fine").scalar()
        day = conn.exec_driver_sql("SELECT COUNT(*) FROM call_day").scalar()
    print(f"store: {calls:,} calls; call_fine {fine:,} rows; call_day {day:,} rows")
    times = []
    for _ in range(6):
        t0 = time.perf_counter()
        tidy = query(engine, INDICATORS, d0, d1, "day", filters={"team": ["班组03"]})
        times.append(time.perf_counter() - t0)
    print(f"20 indicators × {tidy['period'].nunique()} days for one team: first {times[0] * 1000:.0f} ms, "
          f"median of next 5 {statistics.median(times[1:]) * 1000:.0f} ms (target ≤ 300 ms)")
    t0 = time.perf_counter()
    query(engine, INDICATORS, d0, d1, "month", by="team")
    print(f"20 indicators × 12 months by team (all teams): {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    query(engine, ["offered", "service_level", "aht"], d1, d1, "interval")
    print(f"3 indicators by 30-minute interval for the last day: {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
