"""Widget periods: the dates a period names, relative to an anchor day, and the period to compare with.

The *anchor day* is the newest day with call data in the store (today's date for an empty store), so a
dashboard over yesterday's export shows yesterday's numbers as "today" instead of an empty screen.

``resolve(period, anchor)`` — the dates, both ends included:

==============  ================================================
today           anchor
yesterday       anchor − 1
this_week       Monday of the anchor's week … anchor
last_7_days     anchor − 6 … anchor
this_month      the 1st of the anchor's month … anchor
last_month      the whole calendar month before the anchor's
custom          the period's own start … end
==============  ================================================

``previous(d0, d1, kind)`` — the comparable previous period ("vs previous" on a KPI card):

==============  ==========================================================================
today           the day before (yesterday)
yesterday       the day before that
this_week       the same weekdays of the week before (Mon…Wed → last Mon…Wed)
last_7_days     the 7 days before
this_month      the month before, from the 1st to the same day of the month, cut at that
                month's end (Mar 1…31 → Feb 1…28; in a leap year Feb 1…29)
last_month      the whole month before that
custom          whole calendar months → the same number of whole months before;
                anything else → the same number of days just before (d0 − n … d0 − 1)
==============  ==========================================================================

A partial period is always compared with the same part of the period before (month-to-date with
month-to-date), never with a whole period.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from ccdash.dashboards.model import Period
from ccdash.i18n import register, t
from ccdash.store.schema import MEASURE_TABLES

MESSAGES = {
    "periods.today": {"zh": "今天", "en": "Today"},
    "periods.yesterday": {"zh": "昨天", "en": "Yesterday"},
    "periods.this_week": {"zh": "本周", "en": "This week"},
    "periods.last_7_days": {"zh": "近7天", "en": "Last 7 days"},
    "periods.this_month": {"zh": "本月", "en": "This month"},
    "periods.last_month": {"zh": "上月", "en": "Last month"},
    "periods.custom": {"zh": "自定义", "en": "Custom"},
}
register(MESSAGES)

DAY = dt.timedelta(days=1)


def anchor_day(engine: Engine) -> dt.date:
    """The newest day with call data in the store; today's date when the store is empty.

    One ``max(date)`` (answered from the date index in a fraction of a millisecond) rather than
    ``data_date_range``, whose ``min`` and ``max`` in one query scan the whole daily table (~0.2–1 s on
    a year of a large center): the wall screen asks on every refresh."""
    day = MEASURE_TABLES[("calls", "day")]
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(day.c.date))).scalar()
    return dt.date.fromisoformat(str(newest)[:10]) if newest else dt.date.today()


def month_end(day: dt.date) -> dt.date:
    return shift_months(day.replace(day=1), 1) - DAY


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later (earlier when negative), cut at that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - DAY).day
    return first.replace(day=min(day.day, last))


def resolve(period: Period, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of ``period`` for the anchor day."""
    kind = period.kind
    if kind == "custom":
        return period.start, period.end
    if kind == "today":
        return anchor, anchor
    if kind == "yesterday":
        return anchor - DAY, anchor - DAY
    if kind == "this_week":
        return anchor - anchor.weekday() * DAY, anchor
    if kind == "last_7_days":
        return anchor - 6 * DAY, anchor
    if kind == "this_month":
        return anchor.replace(day=1), anchor
    if kind == "last_month":
        last = anchor.replace(day=1) - DAY
        return last.replace(day=1), last
    raise ValueError(f"unknown period kind {kind!r}")


def _whole_months(d0: dt.date, d1: dt.date) -> int:
    """How many calendar months [d0, d1] covers exactly (0 when it does not start on a 1st and end on a month end)."""
    if d0.day != 1 or d1 != month_end(d1):
        return 0
    return (d1.year - d0.year) * 12 + d1.month - d0.month + 1


def previous(d0: dt.date, d1: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The comparable period before [d0, d1] for a period of ``kind`` (the rule is in the module doc)."""
    if kind in ("today", "yesterday"):
        return d0 - DAY, d1 - DAY
    if kind in ("this_week", "last_7_days"):
        return d0 - 7 * DAY, d1 - 7 * DAY
    if kind == "this_month":
        return shift_months(d0, -1), shift_months(d1, -1)
    months = _whole_months(d0, d1)
    if kind == "last_month" or months:
        months = months or 1
        return shift_months(d0, -months), d0 - DAY
    days = (d1 - d0).days + 1
    return d0 - days * DAY, d0 - DAY


def period_name(kind: str, lang: str) -> str:
    """The period kind as people say it: 今天, 本月, Last 7 days …"""
    return t(f"periods.{kind}", lang)


def period_text(d0: dt.date, d1: dt.date) -> str:
    """The dates as shown under a widget title: "2026-03-02" or "2026-03-01 ~ 2026-03-31"."""
    return d0.isoformat() if d0 == d1 else f"{d0.isoformat()} ~ {d1.isoformat()}"
