"""Every catalog indicator against values worked out by hand on the small workbook (tests/conftest.py).

Day 1 (2026-03-02): C001–C005 — 5 offered, 3 answered (waits 10, 30, 5), 2 abandoned (waits 4, 40).
  handle = (100+0+20) + (200+10+30) + (50+0+10) = 420 s over 3 handled; C002 transferred;
  resolved: yes, no, yes; satisfaction 5, 3, 1; caller …001 calls again 1 h later (C004),
  caller …002 calls again 23 h 50 min later (C006).
Day 2 (2026-03-03): C006–C008 — 3 offered, 3 answered (waits 15, 60, 25), handle 360+120+100 = 580 s;
  resolved yes, (blank), yes; satisfaction (blank), 4, 5. C009 is a 测试 call: ignored by a value map.
Agent states (daily summary): A01 8 h + 8 h, A02 4 h + 8 h logged in; see SMALL_STATES.
"""

from __future__ import annotations

import math

import pytest

from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import query, wide

D1, D2 = "2026-03-02", "2026-03-03"

BY_DAY = {  # indicator: (day 1, day 2)
    "offered": (5, 3),
    "answered": (3, 3),
    "abandoned": (2, 0),
    "handled": (3, 3),
    "answer_rate": (3 / 5, 3 / 3),
    "abandon_rate": (2 / 5, 0 / 3),
    "short_abandoned": (0, 0),  # the short-abandon threshold defaults to 0 s: none
    "unanswered_rate": (1 - 3 / 5, 0.0),
    "service_level": (2 / 5, 1 / 3),
    "asa": ((10 + 30 + 5) / 3, (15 + 60 + 25) / 3),
    "avg_talk": ((100 + 200 + 50) / 3, (300 + 120 + 80) / 3),
    "avg_hold": (10 / 3, 20 / 3),
    "avg_acw": ((20 + 30 + 10) / 3, (40 + 0 + 20) / 3),
    "aht": (420 / 3, 580 / 3),
    "transfer_rate": (1 / 3, 0 / 3),
    "repeat_rate": (2 / 3, 0 / 3),
    "resolution_rate": (2 / 3, 2 / 2),
    "csat_rate": (1 / 3, 2 / 2),
    "dissat_rate": (1 / 3, 0 / 2),
    "csat_avg": ((5 + 3 + 1) / 3, (4 + 5) / 2),
    "csat_response_rate": (3 / 3, 2 / 3),
    "cph": (3 / ((28800 + 14400) / 3600), 3 / ((28800 + 28800) / 3600)),
    "utilization": ((300 + 50 + 50 + 10) / (28800 + 14400), (320 + 40 + 200 + 20) / (28800 + 28800)),
    "occupancy": ((410) / (410 + 3600 + 7200), (580) / (580 + 10000 + 5000)),
    "aux_share": ((1200 + 600) / 43200, (600 + 1200 + 3600) / 57600),
    "agents_on_duty": (2, 2),
    "handled_per_agent": (3 / 2, 3 / 2),
}

TOTAL = {  # the two days together: ratio of sums
    "answer_rate": 6 / 8,
    "service_level": 3 / 8,
    "aht": (420 + 580) / 6,
    "csat_avg": (5 + 3 + 1 + 4 + 5) / 5,
    "repeat_rate": 2 / 6,
    "cph": 6 / (28800 * 3 + 14400) * 3600,
    "agents_on_duty": 2,
    "handled_per_agent": 6 / 4,
}


def test_every_catalog_indicator_has_a_hand_value():
    # the QA indicators (source: qa) have no data in this workbook: tests/test_qa_indicators.py checks them by hand
    assert set(BY_DAY) == {code for code, ind in load_catalog().indicators.items() if ind.source != "qa"}


def test_by_day_matches_hand_values(small_store):
    got = wide(query(small_store, list(BY_DAY), D1, D2, "day")).set_index("period")
    for code, (day1, day2) in BY_DAY.items():
        assert got.loc[D1, code] == pytest.approx(day1), code
        assert got.loc[D2, code] == pytest.approx(day2), code


def test_total_is_ratio_of_sums_not_mean_of_daily_ratios(small_store):
    got = wide(query(small_store, list(TOTAL), D1, D2, "total")).iloc[0]
    for code, value in TOTAL.items():
        assert got[code] == pytest.approx(value), code
    # where the two differ, the mean of the daily ratios would be wrong:
    assert (3 / 5 + 3 / 3) / 2 != pytest.approx(got["answer_rate"])
    assert ((5 + 3 + 1) / 3 + (4 + 5) / 2) / 2 != pytest.approx(got["csat_avg"])


def test_parameters_change_the_formula(small_store):
    def one(code, **params):
        return wide(query(small_store, [code], D1, D1, "day", params=params)).iloc[0][code]

    assert one("abandon_rate", short_abandon=5) == pytest.approx((2 - 1) / (5 - 1))  # C003 waited 4 s
    assert one("short_abandoned", short_abandon=5) == 1 and one("short_abandoned", short_abandon=60) == 2
    assert one("service_level", sl_threshold=10) == pytest.approx(2 / 5)
    assert one("service_level", sl_threshold=30) == pytest.approx(3 / 5)
    assert one("service_level", sl_variant="within_over_answered") == pytest.approx(2 / 3)
    assert one("service_level", sl_variant="within_incl_abandoned") == pytest.approx((2 + 1) / 5)
    assert one("service_level", sl_variant="within_over_answered_and_late_abandons") == pytest.approx(2 / (5 - 1))
    assert one("repeat_rate", repeat_window="2h") == pytest.approx(1 / 3)  # only C001 → C004 within 2 h


def test_breakdown_by_team_and_agent(small_store):
    by_team = wide(query(small_store, ["answered", "aht", "cph"], D1, D1, "day", by="team"), ["team"]).set_index("team")
    assert by_team.loc["T1", "answered"] == 2 and by_team.loc["T2", "answered"] == 1
    assert by_team.loc["T1", "aht"] == pytest.approx((120 + 240) / 2)
    assert by_team.loc["T1", "cph"] == pytest.approx(2 / 8)
    assert by_team.loc["T2", "cph"] == pytest.approx(1 / 4)
    only_t2 = wide(query(small_store, ["handled"], D1, D2, "total", filters={"team": "T2"})).iloc[0]
    assert only_t2["handled"] == 1 + 2


def test_interval_and_hour_grains(small_store):
    tidy = query(small_store, ["offered"], D1, D1, "interval")
    assert dict(zip(tidy["period"], tidy["value"])) == {
        f"{D1} 09:00": 2, f"{D1} 09:30": 1, f"{D1} 10:00": 2}
    hourly = query(small_store, ["offered"], D1, D1, "hour")
    assert dict(zip(hourly["period"], hourly["value"])) == {f"{D1} 09:00": 3, f"{D1} 10:00": 2}


def test_queue_breakdown_leaves_state_indicators_empty(small_store):
    got = wide(query(small_store, ["answered", "utilization"], D1, D1, "day", by="queue"), ["queue"])
    assert got["utilization"].isna().all()
    assert dict(zip(got["queue"], got["answered"])) == {"Q1": 2, "Q2": 1}


def test_repeat_rate_of_the_last_day_is_flagged_censored(small_store):
    tidy = query(small_store, ["repeat_rate"], D1, D2, "day")
    assert dict(zip(tidy["period"], tidy["censored"])) == {D1: True, D2: True}
    weekly = query(small_store, ["repeat_rate"], D1, D1, "day", params={"repeat_window": "2h"})
    assert not weekly["censored"].iloc[0]


def test_division_by_zero_is_empty_not_infinite(small_store):
    got = wide(query(small_store, ["abandon_rate", "transfer_rate"], D2, D2, "day", by="queue"), ["queue"])
    assert all(math.isfinite(v) or math.isnan(v) for v in got["transfer_rate"])
