"""The recordings the QA workbench can score: imported recording exports merged with call records.

A recording comes from one of two sources:

* ``recordings`` — a recording system's export (rec_recordings): id, call id, agent, time, business type,
  length, audio path/URL, transcript;
* ``calls`` — a call record (rec_calls) that carries a recording id, when no recording row exists for it.

A recording row wins over the call it belongs to (same ``call_id`` or same ``recording_id``), but the
fields it lacks (agent, business type, talk time, satisfaction, transfer flag, caller hash) are filled
from that call, so the targeted samples (low satisfaction, repeat callers, transfers) also work for
recordings imported from a recording system. The team comes from the current roster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from ccdash.store.db import day_text
from ccdash.store.schema import RECORDS

COLUMNS = ["recording_id", "call_id", "agent_id", "agent_name", "team", "business_type", "start_time", "date",
           "duration_s", "audio_url", "transcript", "talk_s", "csat", "transferred", "caller_hash", "source"]
TEXT_COLUMNS = ["recording_id", "call_id", "agent_id", "agent_name", "team", "business_type", "date", "audio_url",
                "transcript", "caller_hash", "source"]
NUMBER_COLUMNS = ["duration_s", "talk_s", "csat"]
CALL_FIELDS = ["recording_id", "call_id", "agent_id", "agent_name", "business_type", "start_time", "date", "talk_s",
               "csat", "transferred", "caller_hash"]
# fields of a recording row that its call fills when the recording system left them empty
FILLED_FROM_CALL = ["agent_id", "agent_name", "business_type", "talk_s", "csat", "transferred", "caller_hash"]
CHUNK = 500  # ids per IN (...) query, well under every driver's parameter limit


def _read(conn, table, columns: list[str], *conditions) -> pd.DataFrame:
    cols = [table.c[c] for c in columns if c in table.c]
    rows = conn.execute(select(*cols).where(table.c.is_current == 1, *conditions)).fetchall()
    return pd.DataFrame(rows, columns=[c.name for c in cols])


def _read_in(conn, table, columns: list[str], column: str, values: Iterable[str]) -> pd.DataFrame:
    """Current rows whose ``column`` is one of ``values`` (queried in chunks)."""
    values = sorted({v for v in values if v})
    parts = [_read(conn, table, columns, table.c[column].in_(values[i:i + CHUNK]))
             for i in range(0, len(values), CHUNK)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().eq("").fillna(True)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    for col in TEXT_COLUMNS:
        out[col] = out[col].astype("string")
    for col in NUMBER_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["transferred"] = pd.to_numeric(out["transferred"], errors="coerce").round().astype("Int64")
    out["start_time"] = pd.to_datetime(out["start_time"].astype("string"), format="ISO8601")
    return out[COLUMNS]


def _frame(engine: Engine, d0=None, d1=None, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The merged recordings, dated d0..d1 (inclusive) or, with ``ids``, just those recording ids."""
    rec, calls, roster = RECORDS["recordings"], RECORDS["calls"], RECORDS["roster"]
    d0, d1 = day_text(d0), day_text(d1)
    rec_cols = ["recording_id", "call_id", "agent_id", "agent_name", "business_type", "start_time", "date",
                "rec_duration_s", "audio_url", "transcript"]
    with engine.connect() as conn:
        if ids is not None:
            ids = list(ids)
            recs = _read_in(conn, rec, rec_cols, "recording_id", ids)
            call_rows = _read_in(conn, calls, CALL_FIELDS, "recording_id", ids)
        else:
            # the date column may be empty in a recording export: those rows are dated by start_time below
            cond = [] if d0 is None and d1 is None else [or_(rec.c.date.is_(None), and_(
                *([rec.c.date >= d0] if d0 else []), *([rec.c.date <= d1] if d1 else [])))]
            recs = _read(conn, rec, rec_cols, *cond)
            call_cond = [calls.c.recording_id.is_not(None), calls.c.recording_id != ""]
            call_cond += [calls.c.date >= d0] if d0 else []
            call_cond += [calls.c.date <= d1] if d1 else []
            call_rows = _read(conn, calls, CALL_FIELDS, *call_cond)
        # the recording rows covering these calls (outside the period too), so such a call is not listed again:
        # by id, only those of the calls found (a page looking up one recording does not read them all)
        if ids is None:
            known = _read(conn, rec, ["recording_id", "call_id"])
        else:
            known = pd.concat([recs[["recording_id", "call_id"]], _read_in(
                conn, rec, ["recording_id", "call_id"], "call_id", call_rows["call_id"].dropna().tolist())])
        # the calls the recording rows belong to, for filling their empty fields
        match_by_call = _read_in(conn, calls, CALL_FIELDS, "call_id", recs["call_id"].dropna().tolist())
        match_by_rec = _read_in(conn, calls, CALL_FIELDS, "recording_id", recs["recording_id"].dropna().tolist())
        teams = dict(conn.execute(select(roster.c.agent_id, roster.c.team).where(roster.c.is_current == 1)).all())
        names = dict(conn.execute(select(roster.c.agent_id, roster.c.agent_name)
                                  .where(roster.c.is_current == 1)).all())

    recs = recs.rename(columns={"rec_duration_s": "duration_s"}).assign(source="recordings")
    recs = _fill_from_calls(recs, match_by_call, match_by_rec)
    covered = call_rows["recording_id"].isin(set(known["recording_id"].dropna())) | \
        call_rows["call_id"].isin(set(known["call_id"].dropna()))
    from_calls = call_rows[~covered].assign(source="calls")
    from_calls["duration_s"] = from_calls["talk_s"]
    frames = [f for f in (recs, from_calls) if len(f)]
    out = _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS))
    out["date"] = out["date"].fillna(out["start_time"].dt.strftime("%Y-%m-%d").astype("string"))
    out["team"] = out["agent_id"].map(lambda a: teams.get(a) if pd.notna(a) else None).astype("string")
    out["agent_name"] = out["agent_name"].fillna(
        out["agent_id"].map(lambda a: names.get(a) if pd.notna(a) else None).astype("string"))
    if ids is None and d0:
        out = out[out["date"].ge(d0).fillna(False)]
    if ids is None and d1:
        out = out[out["date"].le(d1).fillna(False)]
    out = out.drop_duplicates("recording_id", keep="first")  # a recording listed twice by its calls: the first
    return out.sort_values(["start_time", "recording_id"], kind="stable", ignore_index=True)


def _fill_from_calls(recs: pd.DataFrame, by_call: pd.DataFrame, by_rec: pd.DataFrame) -> pd.DataFrame:
    """Recording rows with their empty agent/business/talk/csat/transfer/caller fields taken from the call with
    the same call id (else the same recording id)."""
    out = recs.copy()
    for col in FILLED_FROM_CALL:
        if col not in out:
            out[col] = None
    for source, key in ((by_call, "call_id"), (by_rec, "recording_id")):
        if source.empty or out.empty:
            continue
        lookup = source.drop_duplicates(key, keep="last").set_index(key)
        fill_cols = FILLED_FROM_CALL + (["call_id"] if key == "recording_id" else [])
        for col in fill_cols:
            filler = out[key].map(lookup[col]).astype(object)
            empty = out[col].isna() if col in ("talk_s", "csat", "transferred") else _blank(out[col])
            out[col] = out[col].astype(object).where(~empty, filler)
    return out


def recordings_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """The first and last day with recordings — of the recordings exports and of the calls (which may carry a
    recording id) — read from indexes and the daily roll-up, without loading any recording; None when empty."""
    from ccdash.store.info import data_date_range

    rec = RECORDS["recordings"]
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(rec.c.date), func.max(rec.c.date))
                                   .where(rec.c.is_current == 1)).one()
    days = [dt.date.fromisoformat(d) for d in (first, last) if d]
    days += list(data_date_range(engine) or ())
    return (min(days), max(days)) if days else None


def list_recordings(engine: Engine, d0=None, d1=None) -> pd.DataFrame:
    """Every recording dated ``d0``..``d1`` (inclusive; dates or ISO text, None = open), one row each, ordered by
    start time: the columns of :data:`COLUMNS`, ``start_time`` as datetime64, ``transferred`` 0/1,
    ``csat`` on the 1–5 scale, ``source`` "recordings" or "calls"."""
    return _frame(engine, d0, d1)


def recordings_by_id(engine: Engine, ids: Iterable[str]) -> pd.DataFrame:
    """The recordings with these ids, whatever their date (columns of :data:`COLUMNS`)."""
    return _frame(engine, ids=[str(i) for i in ids])


def get_recording(engine: Engine, recording_id: str) -> dict | None:
    """One recording as a dict (missing values None, ``start_time`` a datetime), or None if unknown."""
    frame = recordings_by_id(engine, [recording_id])
    frame = frame[frame["recording_id"].eq(str(recording_id)).fillna(False)]
    if frame.empty:
        return None
    row = frame.iloc[0]
    out = {}
    for col in COLUMNS:
        value = row[col]
        if pd.isna(value):
            out[col] = None
        elif col == "start_time":
            out[col] = value.to_pydatetime()
        elif col == "transferred":
            out[col] = int(value)
        elif col in NUMBER_COLUMNS:
            out[col] = float(value)
        else:
            out[col] = str(value)
    return out
