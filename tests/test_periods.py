"""Widget periods: resolve and previous, table-driven (month ends, Jan 1, leap years, Monday anchors)."""

from __future__ import annotations

import datetime as dt

import pytest

from ccdash.dashboards.model import Period
from ccdash.dashboards.periods import anchor_day, period_text, previous, resolve, shift_months

D = dt.date.fromisoformat

RESOLVE = [  # kind, anchor, (d0, d1)
    ("today", "2026-03-04", ("2026-03-04", "2026-03-04")),
    ("yesterday", "2026-03-04", ("2026-03-03", "2026-03-03")),
    ("yesterday", "2026-01-01", ("2025-12-31", "2025-12-31")),
    ("yesterday", "2024-03-01", ("2024-02-29", "2024-02-29")),  # leap year
    ("this_week", "2026-03-04", ("2026-03-02", "2026-03-04")),  # a Wednesday
    ("this_week", "2026-03-02", ("2026-03-02", "2026-03-02")),  # a Monday: just that day
    ("this_week", "2026-03-08", ("2026-03-02", "2026-03-08")),  # a Sunday: the whole week
    ("this_week", "2026-01-01", ("2025-12-29", "2026-01-01")),  # across the new year
    ("last_7_days", "2026-03-04", ("2026-02-26", "2026-03-04")),
    ("last_7_days", "2024-03-02", ("2024-02-25", "2024-03-02")),
    ("this_month", "2026-03-04", ("2026-03-01", "2026-03-04")),
    ("this_month", "2026-03-01", ("2026-03-01", "2026-03-01")),
    ("this_month", "2026-12-31", ("2026-12-01", "2026-12-31")),
    ("last_month", "2026-03-04", ("2026-02-01", "2026-02-28")),
    ("last_month", "2024-03-31", ("2024-02-01", "2024-02-29")),
    ("last_month", "2026-01-01", ("2025-12-01", "2025-12-31")),
    ("last_month", "2026-08-31", ("2026-07-01", "2026-07-31")),
]


@pytest.mark.parametrize(("kind", "anchor", "expected"), RESOLVE)
def test_resolve(kind, anchor, expected):
    assert resolve(Period(kind=kind), D(anchor)) == (D(expected[0]), D(expected[1]))


def test_resolve_custom_ignores_the_anchor():
    period = Period(kind="custom", start=D("2025-11-03"), end=D("2025-11-09"))
    assert resolve(period, D("2026-03-04")) == (D("2025-11-03"), D("2025-11-09"))


PREVIOUS = [  # kind, (d0, d1), (p0, p1)
    ("today", ("2026-03-04", "2026-03-04"), ("2026-03-03", "2026-03-03")),
    ("today", ("2026-01-01", "2026-01-01"), ("2025-12-31", "2025-12-31")),
    ("today", ("2026-03-02", "2026-03-02"), ("2026-03-01", "2026-03-01")),  # Monday → Sunday
    ("yesterday", ("2024-03-01", "2024-03-01"), ("2024-02-29", "2024-02-29")),
    ("this_week", ("2026-03-02", "2026-03-04"), ("2026-02-23", "2026-02-25")),  # Mon–Wed → last Mon–Wed
    ("this_week", ("2026-03-02", "2026-03-02"), ("2026-02-23", "2026-02-23")),  # Monday anchor
    ("this_week", ("2025-12-29", "2026-01-01"), ("2025-12-22", "2025-12-25")),
    ("last_7_days", ("2026-02-26", "2026-03-04"), ("2026-02-19", "2026-02-25")),
    ("this_month", ("2026-03-01", "2026-03-04"), ("2026-02-01", "2026-02-04")),
    ("this_month", ("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-02-28")),  # cut at Feb's end
    ("this_month", ("2024-03-01", "2024-03-30"), ("2024-02-01", "2024-02-29")),  # leap year
    ("this_month", ("2026-01-01", "2026-01-15"), ("2025-12-01", "2025-12-15")),  # Jan → last December
    ("this_month", ("2026-05-01", "2026-05-31"), ("2026-04-01", "2026-04-30")),
    ("last_month", ("2026-02-01", "2026-02-28"), ("2026-01-01", "2026-01-31")),
    ("last_month", ("2025-12-01", "2025-12-31"), ("2025-11-01", "2025-11-30")),
    ("last_month", ("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29")),
    ("custom", ("2026-03-10", "2026-03-12"), ("2026-03-07", "2026-03-09")),  # 3 days → 3 days before
    ("custom", ("2026-03-01", "2026-03-01"), ("2026-02-28", "2026-02-28")),
    ("custom", ("2026-01-01", "2026-03-31"), ("2025-10-01", "2025-12-31")),  # a quarter → the quarter before
    ("custom", ("2024-02-01", "2024-02-29"), ("2024-01-01", "2024-01-31")),  # a whole month → the month before
    ("custom", ("2026-02-15", "2026-03-14"), ("2026-01-18", "2026-02-14")),  # 28 days → 28 days
]


@pytest.mark.parametrize(("kind", "period", "expected"), PREVIOUS)
def test_previous(kind, period, expected):
    assert previous(D(period[0]), D(period[1]), kind) == (D(expected[0]), D(expected[1]))


@pytest.mark.parametrize("kind", ["today", "yesterday", "this_week", "last_7_days", "last_month"])
def test_previous_of_a_whole_period_has_the_same_length(kind):
    for anchor in ("2024-02-29", "2026-01-01", "2026-03-02", "2026-12-31"):
        d0, d1 = resolve(Period(kind=kind), D(anchor))
        p0, p1 = previous(d0, d1, kind)
        assert p1 < d0
        if kind != "last_month":
            assert (p1 - p0) == (d1 - d0)


@pytest.mark.parametrize(("day", "months", "expected"), [
    ("2026-03-31", -1, "2026-02-28"), ("2024-03-31", -1, "2024-02-29"), ("2026-01-15", -1, "2025-12-15"),
    ("2025-12-31", 1, "2026-01-31"), ("2026-01-31", 1, "2026-02-28"), ("2026-05-31", -3, "2026-02-28"),
    ("2026-03-01", -14, "2025-01-01"),
])
def test_shift_months(day, months, expected):
    assert shift_months(D(day), months) == D(expected)


def test_period_text():
    assert period_text(D("2026-03-02"), D("2026-03-02")) == "2026-03-02"
    assert period_text(D("2026-03-01"), D("2026-03-31")) == "2026-03-01 ~ 2026-03-31"


def test_anchor_day_is_the_newest_day_with_data(small_store):
    assert anchor_day(small_store) == D("2026-03-03")


def test_anchor_day_of_an_empty_store_is_today(engine):
    assert anchor_day(engine) == dt.date.today()
