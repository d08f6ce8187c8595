"""QA workbench timings: phrase matching, saving a score, the QA measure rebuild, the item analysis.

    python bench/qa_bench.py [--evaluations 20000]

Builds a temporary SQLite store with a year of a large center's QA (default 20,000 final evaluations on the
shipped forms — ~1,700 a month, a 300-seat center scoring 5–6 calls per agent a month), then prints medians:

* matching a form's standard phrases in a 3,000-character transcript (what the workbench does per recording);
* ``save_evaluation`` of one final score (items, evaluation, the day's QA measures) — the click on Submit;
* ``rebuild_qa`` of the whole ``qa_day`` table (after an import of another system's scores);
* the QA indicators by month × team through ``query`` (what a dashboard widget does);
* ``item_scores`` + ``item_failure`` by agent + ``coaching_list`` over the year (the analysis page).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccdash.auth.roles import SYSTEM  # noqa: E402
from ccdash.indicators.compute import query  # noqa: E402
from ccdash.qa import analysis  # noqa: E402
from ccdash.qa.forms import load_shipped_forms  # noqa: E402
from ccdash.qa.measures import rebuild_qa  # noqa: E402
from ccdash.qa.phrases import match_phrases  # noqa: E402
from ccdash.qa.scoring import ItemResult, score_evaluation  # noqa: E402
from ccdash.qa.store import item_scores, save_evaluation  # noqa: E402
from timing import median_ms  # noqa: E402
from ccdash.store.db import bulk_insert, make_engine  # noqa: E402
from ccdash.store.schema import qa_evaluations, qa_item_scores  # noqa: E402


def fill(engine, n: int, seed: int = 7) -> None:
    """n final evaluations spread over 2026, 300 agents, results drawn per item (90 % pass)."""
    rng = np.random.default_rng(seed)
    forms = list(load_shipped_forms().values())
    evals, items = [], []
    start = dt.date(2026, 1, 1)
    for eid in range(1, n + 1):
        form = forms[eid % len(forms)]
        results = {}
        for item in form.items():
            draw = rng.random()
            if item.na_allowed and draw > 0.97:
                results[item.code] = ItemResult("na")
            elif draw < 0.9 or item.fatal and draw < 0.97:
                results[item.code] = ItemResult("pass")
            elif item.partial_allowed and draw < 0.95:
                results[item.code] = ItemResult("partial", item.max_points / 2)
            else:
                results[item.code] = ItemResult("fail")
        score = score_evaluation(form, results, require_complete=True)
        day = (start + dt.timedelta(days=int(rng.integers(0, 365)))).isoformat()
        evals.append({"id": eid, "recording_id": f"R{eid}", "purpose": "regular", "inspector": f"QA{eid % 8}",
                      "form_id": form.id, "form_version": form.version, "status": "final",
                      "agent_id": f"{int(rng.integers(1, 301)):04d}", "business_type": form.name.zh,
                      "call_date": day, "score": score.score, "earned_w": score.earned_w,
                      "possible_w": score.possible_w, "fatal": int(score.fatal), "passed": int(score.passed),
                      "comment": "", "created_at": day + " 12:00:00", "updated_at": day + " 12:00:00"})
        items += [{"evaluation_id": eid, "item_code": s.code, "section": s.section, "label": s.label,
                   "result": s.result, "points": s.points, "max_points": s.max_points, "weight": s.weight,
                   "fatal": int(s.fatal), "comment": ""} for s in score.items]
    with engine.begin() as conn:
        bulk_insert(conn, qa_evaluations, pd.DataFrame(evals))
        bulk_insert(conn, qa_item_scores, pd.DataFrame(items))
    print(f"store: {n:,} evaluations, {len(items):,} item scores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=20_000)
    args = parser.parse_args(argv)
    forms = load_shipped_forms()
    loss = forms["debit_card_loss"]
    said = [p.text for item in loss.items() for p in item.phrases]
    filler = "客户：嗯，好的，我明白了，那请问这个需要多久才能办好呢？坐席：一般三到五个工作日。"
    transcript = (filler * 80)[:2900] + "，".join(said[:-1]) + "。"  # ~3,000 characters, one phrase missing
    hits = match_phrases(transcript, loss)
    assert sum(h.found for h in hits) == len(said) - 1
    print(f"phrase matching: {len(transcript):,} characters × {len(said)} phrases: "
          f"{median_ms(lambda: match_phrases(transcript, loss), 20):.1f} ms median")
    with tempfile.TemporaryDirectory(prefix="ccdash-qa-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'qa.db'}")
        t0 = time.perf_counter()
        fill(engine, args.evaluations)
        print(f"  filled in {time.perf_counter() - t0:.1f} s")
        with engine.begin() as conn:
            t0 = time.perf_counter()
            rows = rebuild_qa(conn)
            full = time.perf_counter() - t0
        print(f"rebuild_qa, whole table: {full * 1000:.0f} ms ({rows:,} qa_day rows)")
        counter = iter(range(10**6))
        results = {item.code: ItemResult("pass") for item in loss.items()}

        def submit():
            k = next(counter)
            save_evaluation(engine, recording={"recording_id": f"B{k}", "agent_id": "0001", "business_type": "借记卡挂失",
                                               "date": "2026-06-15"}, form=loss, results=results, inspector="bench",
                            status="final", actor=SYSTEM)
        print(f"save_evaluation (final, {len(results)} items): {median_ms(submit, 10):.1f} ms median")
        codes = ["qa_score", "qa_pass_rate", "qa_fatal_rate", "qa_item_fail_rate", "qa_evaluations"]
        print(f"QA indicators by month × team, a year: "
              f"{median_ms(lambda: query(engine, codes, '2026-01-01', '2026-12-31', 'month', by=['team'])):.0f} ms median")

        def analyse():
            frame = item_scores(engine, "2026-01-01", "2026-12-31")
            analysis.item_failure(frame, by="agent_id")
            analysis.coaching_list(frame)
        print(f"analysis page (item_scores + item failure by agent + coaching list), a year: {median_ms(analyse, 3):.0f} ms median")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
