"""What the store holds: the date range of the call data, the teams and queues seen, a default period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from ccdash.store.schema import MEASURE_TABLES

DIMENSIONS = ("team", "queue", "business_type", "agent_id")


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    return dt.date.fromisoformat(str(value)[:10])


def data_date_range(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """The first and last day with call data (``call_day.date``), or None for an empty store."""
    day = MEASURE_TABLES[("calls", "day")]
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(day.c.date), func.max(day.c.date))).one()
    first, last = _as_date(first), _as_date(last)
    return (first, last) if first and last else None


def default_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The latest full calendar month inside [first, last]; with no full month, the last month's data."""
    month_end = last if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1) - dt.timedelta(days=1)
    month_start = month_end.replace(day=1)
    if month_start >= first:
        return month_start, month_end
    return max(first, last.replace(day=1)), last


def dimension_values(engine: Engine, dimension: str) -> list[str]:
    """The distinct non-blank values of a call breakdown (team, queue, business_type, agent_id), sorted."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {DIMENSIONS}")
    day = MEASURE_TABLES[("calls", "day")]
    col = day.c[dimension]
    with engine.connect() as conn:
        rows = conn.execute(select(col).where(col != "").distinct().order_by(col)).scalars().all()
    return [str(v) for v in rows if v is not None]


def agent_names(engine: Engine) -> dict[str, str]:
    """Agent id → name from the current roster (empty when no roster was imported)."""
    from ccdash.store.schema import RECORDS
    roster = RECORDS["roster"]
    with engine.connect() as conn:
        rows = conn.execute(select(roster.c.agent_id, roster.c.agent_name).where(roster.c.is_current == 1)).all()
    return {str(a): str(n) for a, n in rows if a is not None and n}


def last_import_time(engine: Engine) -> str | None:
    """When the newest import still in effect was made ("YYYY-MM-DD HH:MM:SS"), or None."""
    from ccdash.store.schema import imports
    with engine.connect() as conn:
        return conn.execute(select(func.max(imports.c.created_at)).where(imports.c.status == "active")).scalar()
