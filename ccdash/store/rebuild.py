"""Keep the measure tables equal to the current records, date range by date range.

Measures are never patched in place: after an import or an undo, the affected dates are deleted and
recomputed from the current records of those dates. For a first import of new dates (nothing else
current there) the importer hands over measures it computed from its frame instead.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, update

from ccdash.store.db import bulk_insert, get_setting, set_setting
from ccdash.store.locks import import_lock
from ccdash.store.measures import CALL_MEASURES, REPEAT_HORIZON, call_measures, group_sum, roll_up_day
from ccdash.store.schema import MEASURE_TABLES, RECORDS, aux_reason_day
from ccdash.store.state_measures import state_measures

DATETIME_COLUMNS = ("start_time", "answer_time", "end_time", "state_start")
CALL_TABLES = (("calls", "fine"), ("calls", "day"), ("calls", "agent_day"))
NEWEST_CALL_KEY = "calls_newest_start"
ROLLUP_KEY, ROLLUP_VERSION = "rollups", "1"  # bump when a roll-up table is added


def team_map(conn: Connection) -> dict[str, str]:
    roster = RECORDS["roster"]
    rows = conn.execute(select(roster.c.agent_id, roster.c.team).where(roster.c.is_current == 1))
    return {a: t or "" for a, t in rows if a}


def read_records(conn: Connection, kind: str, d0: str, d1: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Current records of ``kind`` dated ``d0``..``d1`` as a typed frame."""
    table = RECORDS[kind]
    cols = [table.c[c] for c in columns] if columns else [c for c in table.c if c.name not in ("rkey", "row_no")]
    query = select(*cols).where(table.c.is_current == 1, table.c.date.between(d0, d1))
    frame = pd.DataFrame(conn.execute(query).fetchall(), columns=[c.name for c in cols])
    for name in DATETIME_COLUMNS:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601")
    for name in ("direction", "result", "caller_hash", "agent_id", "queue", "business_type", "state"):
        if name in frame:
            frame[name] = frame[name].astype("string")
    return frame


def others_in_range(conn: Connection, kind: str, d0: str, d1: str, import_id: int) -> int:
    table = RECORDS[kind]
    return conn.execute(select(func.count()).select_from(table).where(
        table.c.is_current == 1, table.c.import_id != import_id, table.c.date.between(d0, d1))).scalar()


def shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _replace(conn: Connection, key: tuple[str, str], d0: str, d1: str, frame: pd.DataFrame) -> None:
    table = MEASURE_TABLES[key]
    conn.execute(delete(table).where(table.c.date.between(d0, d1)))
    bulk_insert(conn, table, frame)


def call_context(conn: Connection, d1: str) -> tuple[dict[str, str], pd.DataFrame]:
    """What computing the call measures of a range ending ``d1`` needs besides its own records: the
    agents' teams and the later calls that may be repeats of its calls."""
    context = read_records(conn, "calls", shift(d1, 1), shift(d1, REPEAT_HORIZON.days),
                           ["caller_hash", "start_time", "direction", "result"])
    return team_map(conn), context


def rebuild_calls(conn: Connection, d0: str, d1: str, fine: pd.DataFrame | None = None) -> None:
    """Recompute call measures for ``d0``..``d1`` from the current records (or write ``fine``, the
    measures already computed from the range's records by the caller)."""
    if fine is None:
        records = read_records(conn, "calls", d0, d1)
        if records.empty:  # nothing current in the range: its measures are simply gone
            for key in CALL_TABLES:
                conn.execute(delete(MEASURE_TABLES[key]).where(MEASURE_TABLES[key].c.date.between(d0, d1)))
            note_newest_call(conn)
            return
        fine = call_measures(records.reset_index(drop=True), *call_context(conn, d1))
    _replace(conn, ("calls", "fine"), d0, d1, fine)
    day = roll_up_day(fine, CALL_MEASURES)
    _replace(conn, ("calls", "day"), d0, d1, day)
    _replace(conn, ("calls", "agent_day"), d0, d1, roll_up_agent_day(day))
    note_newest_call(conn)


def roll_up_agent_day(day: pd.DataFrame) -> pd.DataFrame:
    """``call_day`` rows summed over queue and business type."""
    dims = ["date", "week", "month", "agent_id", "team"]
    return group_sum(day[dims], day[list(CALL_MEASURES)], ["date", "agent_id"])


def note_newest_call(conn: Connection) -> None:
    """Remember the start of the newest current call (repeat-rate censoring reads it at query time)."""
    calls, day = RECORDS["calls"], MEASURE_TABLES[("calls", "day")]
    last_day = conn.execute(select(func.max(day.c.date))).scalar()
    newest = None if last_day is None else conn.execute(select(func.max(calls.c.start_time)).where(
        calls.c.is_current == 1, calls.c.date == last_day)).scalar()
    set_setting(conn, NEWEST_CALL_KEY, newest)


def ensure_rollups(conn: Connection) -> None:
    """Fill roll-ups a store made by an older ccdash lacks (from the tables it has), once.

    Two first starts at once (two app processes, or the app and the CLI) both find the roll-ups missing;
    the import lock makes the second wait, and it finds them made when it looks again."""
    if get_setting(conn, ROLLUP_KEY) == ROLLUP_VERSION:
        return
    import_lock(conn)
    if get_setting(conn, ROLLUP_KEY) == ROLLUP_VERSION:
        return
    agent, day = MEASURE_TABLES[("calls", "agent_day")], MEASURE_TABLES[("calls", "day")]
    conn.execute(delete(agent))
    dims = [day.c[c] for c in ("date", "week", "month", "agent_id", "team")]
    conn.execute(agent.insert().from_select(
        [c.name for c in dims] + list(CALL_MEASURES),
        select(*dims, *(func.sum(day.c[m]) for m in CALL_MEASURES)).group_by(day.c.date, day.c.agent_id,
                                                                               day.c.week, day.c.month, day.c.team)))
    note_newest_call(conn)
    set_setting(conn, ROLLUP_KEY, ROLLUP_VERSION)


def rebuild_states(conn: Connection, d0: str, d1: str) -> None:
    """Recompute agent-state measures for ``d0``..``d1`` from the current state records."""
    records = read_records(conn, "agent_states", d0, d1)
    teams = team_map(conn)
    is_log = records["state_start"].notna() if "state_start" in records else pd.Series(False, index=records.index)
    parts = [state_measures(records[is_log], "log", teams), state_measures(records[~is_log], "summary", teams)]
    _replace(conn, ("states", "fine"), d0, d1, pd.concat([p[0] for p in parts if len(p[0])]) if any(len(p[0]) for p in parts) else parts[0][0])
    _replace(conn, ("states", "day"), d0, d1, pd.concat([p[1] for p in parts]))
    conn.execute(delete(aux_reason_day).where(aux_reason_day.c.date.between(d0, d1)))
    bulk_insert(conn, aux_reason_day, pd.concat([p[2] for p in parts]))


def rebuild(conn: Connection, kind: str, d0: str | None, d1: str | None, fine: pd.DataFrame | None = None) -> None:
    """Bring the measures of ``kind`` up to date for a date range (roster: the team columns; QA scores from
    another system: the imported evaluations and the QA measures, whatever the dates)."""
    if kind == "roster":
        refresh_teams(conn)
    elif kind == "qa_scores":
        from ccdash.qa.imported import rebuild_imported  # the QA package imports this module
        rebuild_imported(conn)
    elif d0 and d1 and kind == "calls":
        rebuild_calls(conn, d0, d1, fine)
    elif d0 and d1 and kind == "agent_states":
        rebuild_states(conn, d0, d1)


def refresh_teams(conn: Connection) -> None:
    """Write each agent's current team into every measure table (after a roster change)."""
    roster = RECORDS["roster"]
    for table in (*MEASURE_TABLES.values(), aux_reason_day):
        team = (select(roster.c.team).where(and_(roster.c.rkey == table.c.agent_id, roster.c.is_current == 1))
                .limit(1).scalar_subquery())
        conn.execute(update(table).values(team=func.coalesce(team, "")))
