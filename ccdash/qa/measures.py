"""QA measures: the ``qa_day`` table (additive components per call date × agent × team × business type).

Only FINAL evaluations of purpose ``regular`` or ``imported`` count. Calibration evaluations — the same
recording scored by several inspectors to check that they agree — never count in any indicator: they
would count one call several times. Drafts do not count either, and neither does an evaluation without
a call date (it falls in no period).

Each evaluation adds: qa_evals 1, qa_earned_w (Σ points × weight, 0 after a fatal failure), qa_possible_w
(Σ max × weight over applicable items), qa_passed, qa_fatal (0/1), qa_items_applicable (items whose result
is not N/A) and qa_items_failed (items whose result is fail). The QA indicators are ratios of their sums.

The table is small (one row per day × agent × business type with a score), so it is rewritten from the
evaluations: whole (after an import) or for the dates a save touched.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, case, delete, func, select

from ccdash.store.db import bulk_insert, get_setting, set_setting
from ccdash.store.locks import import_lock
from ccdash.store.measures import time_dims
from ccdash.store.rebuild import team_map
from ccdash.store.schema import QA_MEASURES, qa_day, qa_evaluations, qa_item_scores

COUNTED_PURPOSES = ("regular", "imported")
QA_VERSION_KEY = "qa_version"  # bumped by every rebuild: part of the dashboards' cache key


def qa_day_frame(conn: Connection, dates: Iterable[str] | None = None) -> pd.DataFrame:
    """The ``qa_day`` rows computed from the evaluations (all dates, or only ``dates``)."""
    ev, it = qa_evaluations, qa_item_scores
    dates = None if dates is None else sorted(set(dates))
    items = select(it.c.evaluation_id,
                   func.sum(case((it.c.result != "na", 1), else_=0)).label("applicable"),
                   func.sum(case((it.c.result == "fail", 1), else_=0)).label("failed"))
    if dates is not None:
        items = items.where(it.c.evaluation_id.in_(select(ev.c.id).where(ev.c.call_date.in_(dates))))
    items = items.group_by(it.c.evaluation_id).subquery()
    keys = (ev.c.call_date, ev.c.agent_id, ev.c.business_type)
    query = (select(*keys, func.count().label("qa_evals"), func.sum(ev.c.earned_w), func.sum(ev.c.possible_w),
                    func.sum(ev.c.passed), func.sum(ev.c.fatal), func.sum(func.coalesce(items.c.applicable, 0)),
                    func.sum(func.coalesce(items.c.failed, 0)))
             .select_from(ev.outerjoin(items, items.c.evaluation_id == ev.c.id))
             .where(ev.c.status == "final", ev.c.purpose.in_(COUNTED_PURPOSES), ev.c.call_date.is_not(None))
             .group_by(*keys))
    if dates is not None:
        query = query.where(ev.c.call_date.in_(dates))
    rows = conn.execute(query).fetchall()
    cols = ["date", "agent_id", "business_type", *QA_MEASURES]
    frame = pd.DataFrame(dict(zip(cols, zip(*rows))) if rows else {c: [] for c in cols}, columns=cols)
    for m in QA_MEASURES:
        frame[m] = frame[m].astype("float64").fillna(0.0)
    for name in ("agent_id", "business_type"):
        frame[name] = frame[name].astype("string").fillna("")
    dims = time_dims(pd.to_datetime(frame["date"].astype("string"), format="%Y-%m-%d"))
    frame["week"], frame["month"] = dims["week"].to_numpy(), dims["month"].to_numpy()
    frame["team"] = frame["agent_id"].map(team_map(conn)).astype("string").fillna("")
    return frame[["date", "week", "month", "agent_id", "team", "business_type", *QA_MEASURES]]


def rebuild_qa(conn: Connection, dates: Iterable[str | None] | None = None) -> int:
    """Rewrite ``qa_day`` from the final regular and imported evaluations, inside the caller's transaction:
    the whole table, or only the given call dates (what one save or appeal touched). Returns the rows
    written, and bumps the QA version so cached dashboards are redrawn. Takes the import lock first, so a QA
    save and an import of QA scores never rebuild the same days at once (ccdash/store/locks.py)."""
    import_lock(conn)
    if dates is not None:
        dates = sorted({d for d in dates if d})
        if dates:
            conn.execute(delete(qa_day).where(qa_day.c.date.in_(dates)))
    else:
        conn.execute(delete(qa_day))
    written = bulk_insert(conn, qa_day, qa_day_frame(conn, dates)) if dates is None or dates else 0
    set_setting(conn, QA_VERSION_KEY, str(int(get_setting(conn, QA_VERSION_KEY) or 0) + 1))
    return written


def qa_version(conn: Connection) -> str:
    """A text that changes whenever the QA measures were rebuilt."""
    return get_setting(conn, QA_VERSION_KEY) or "0"
