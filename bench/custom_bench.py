"""Custom formula vs built-in ratio over a year of a 700k-calls/month center (issue #4).

    python bench/custom_bench.py [--db sqlite:///bench/out/year.db]

The year store is the one bench/query_bench.py builds (8.4 M calls). A custom indicator written by a
team lead, ``[接通量] / [进线量]``, is compiled the way the My-indicators page saves it and queried beside
the built-in ``answer_rate`` (the same Σanswered / Σoffered): by day for a year, by team × month, and by
agent × month. Prints the median of 5 runs of each and the ratio. Target: custom ≤ 1.2× built-in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccdash.indicators.catalog import Derived, Label, load_catalog  # noqa: E402
from ccdash.indicators.compute import query  # noqa: E402
from ccdash.indicators.custom import compile_custom  # noqa: E402
from ccdash.indicators.formula import to_text  # noqa: E402
from timing import median_ms  # noqa: E402
from ccdash.store.db import make_engine  # noqa: E402

CASES = [("by day, whole center", "day", None), ("by month × team", "month", "team"), ("by month × agent", "month", "agent")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'year.db'}")
    ap.add_argument("--from", dest="d0", default="2025-11-01")
    ap.add_argument("--to", dest="d1", default="2026-10-31")
    args = ap.parse_args()
    engine = make_engine(args.db)
    base = load_catalog()
    tree = compile_custom("[接通量] / [进线量]", base)
    custom = Derived(type="derived", name=Label(zh="我的接通率", en="My answer rate"), expr=to_text(tree),
                     unit="percent", decimals=1, custom=True)
    catalog = base.model_copy(update={"indicators": {**base.indicators, "my_answer_rate": custom}})
    for label, grain, by in CASES:
        built = median_ms(lambda: query(engine, ["answer_rate"], args.d0, args.d1, grain, by, catalog=catalog))
        mine = median_ms(lambda: query(engine, ["my_answer_rate"], args.d0, args.d1, grain, by, catalog=catalog))
        a = query(engine, ["answer_rate"], args.d0, args.d1, grain, by, catalog=catalog)["value"].to_numpy()
        b = query(engine, ["my_answer_rate"], args.d0, args.d1, grain, by, catalog=catalog)["value"].to_numpy()
        same = len(a) == len(b) and bool(((a - b) ** 2 < 1e-24).all())
        print(f"{label:<22} built-in {built:7.1f} ms   custom {mine:7.1f} ms   ratio {mine / built:4.2f}   "
              f"({len(a)} values, identical: {same})  target ≤ 1.20")


if __name__ == "__main__":
    main()
