"""The query reads the smallest table that has its columns; every table must tell the same story.

The per-agent daily roll-up (``call_agent_day``) answers day/week/month queries by team or agent;
``call_day`` answers those that need queue or business type. Forcing the other table (a queue filter
listing every queue) must not change a single value — after imports, an overlapping upsert, an undo,
a roster change, and for a store made before the roll-up existed.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, func, select

from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import call_table, query
from ccdash.ingest.pipeline import import_file
from ccdash.store.db import get_setting, make_engine
from ccdash.store.imports import undo_import
from ccdash.store.measures import CALL_MEASURES
from ccdash.store.rebuild import NEWEST_CALL_KEY, ROLLUP_KEY
from ccdash.store.schema import MEASURE_TABLES, meta
from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN

D1, D2 = "2026-03-02", "2026-03-03"
ALL = [code for code in load_catalog().indicators]


def table_sums(engine, key, by) -> pd.DataFrame:
    table = MEASURE_TABLES[key]
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[c] for c in by), *(func.sum(table.c[m]) for m in CALL_MEASURES))
                            .group_by(*(table.c[c] for c in by)).order_by(*(table.c[c] for c in by))).fetchall()
    return pd.DataFrame(rows, columns=[*by, *CALL_MEASURES])


def assert_tables_agree(engine) -> None:
    keys = ["date", "week", "month", "agent_id", "team"]
    pd.testing.assert_frame_equal(table_sums(engine, ("calls", "agent_day"), keys),
                                  table_sums(engine, ("calls", "day"), keys), check_dtype=False)
    pd.testing.assert_frame_equal(table_sums(engine, ("calls", "day"), keys),
                                  table_sums(engine, ("calls", "fine"), keys), check_dtype=False)


def assert_queries_agree(engine) -> None:
    """Every call indicator, by team and by agent, from the per-agent roll-up and from call_day (state
    indicators have no queue, so a queue filter leaves them empty by design)."""
    everything = {"queue": ["Q1", "Q2"]}  # the small month has only these two queues
    for grain in ("day", "week", "total"):
        for by in ("team", "agent"):
            fast = query(engine, ALL, D1, D2, grain, by=by).query("indicator not in @STATE_ONLY")
            full = query(engine, ALL, D1, D2, grain, by=by, filters=everything).query("indicator not in @STATE_ONLY")
            pd.testing.assert_frame_equal(fast.reset_index(drop=True), full.reset_index(drop=True))


STATE_ONLY = ["cph", "utilization", "occupancy", "aux_share", "agents_on_duty", "handled_per_agent"]


def test_the_planner_picks_the_smallest_table():
    assert call_table("interval", ["date", "interval"], {}) == ("calls", "fine")
    assert call_table("day", ["date", "team"], {"team": ["T1"]}) == ("calls", "agent_day")
    assert call_table("month", ["month", "agent_id"], {}) == ("calls", "agent_day")
    assert call_table("day", ["date"], {"queue": ["Q1"]}) == ("calls", "day")
    assert call_table("week", ["week", "business_type"], {}) == ("calls", "day")


def test_tables_agree_through_upsert_undo_and_roster(engine, small_files, tmp_path):
    import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    assert_tables_agree(engine)
    changed = [list(r) for r in SMALL_CALLS[5:8]]
    changed[0][10], changed[0][3] = "放弃", None
    upsert = import_file(engine, write_xlsx(tmp_path / "day2.xlsx", CALL_HEADERS, changed), "calls", actor=ADMIN)
    assert_tables_agree(engine)
    import_file(engine, small_files["roster"], "roster", actor=ADMIN)
    assert_tables_agree(engine)
    undo_import(engine, upsert.commit.import_id, actor=ADMIN)
    assert_tables_agree(engine)


def test_queries_agree_whichever_table_answers(small_store):
    got = query(small_store, ["answered", "aht"], D1, D2, "total", by="team").set_index(["team", "indicator"])
    assert got.loc[("T1", "answered"), "value"] == 3  # not vacuous: the small month has answers by team
    assert_queries_agree(small_store)


def test_newest_call_is_noted_for_censoring(engine, small_files):
    outcome = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    with engine.connect() as conn:
        assert get_setting(conn, NEWEST_CALL_KEY) == "2026-03-03T11:00:00"  # C009 (11:30) is ignored, not current
    undo_import(engine, outcome.commit.import_id, actor=ADMIN)
    with engine.connect() as conn:
        assert get_setting(conn, NEWEST_CALL_KEY) is None


def test_a_store_made_before_the_rollup_is_filled_on_open(small_store):
    before = query(small_store, ALL, D1, D2, "day", by="agent")
    with small_store.begin() as conn:  # what a store made by the previous version looks like
        conn.execute(delete(MEASURE_TABLES[("calls", "agent_day")]))
        conn.execute(delete(meta).where(meta.c.key.in_([ROLLUP_KEY, NEWEST_CALL_KEY])))
    reopened = make_engine(small_store.url.render_as_string(hide_password=False))
    pd.testing.assert_frame_equal(query(reopened, ALL, D1, D2, "day", by="agent"), before)
    assert_tables_agree(reopened)
    reopened.dispose()
