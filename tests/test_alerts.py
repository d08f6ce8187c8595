"""Alerts and their drivers (contribution to the deviation) on real SQLite stores.

The hand-checked store (tests/conftest.py), day 1 = 2026-03-02 (a Monday):
  Q1 挂失: C001 answered (A01, 09:00, wait 10), C002 answered (A01, 09:10, wait 30), C003 abandoned (09:40, wait 4)
  Q2 激活: C004 answered (A02, 10:00, wait 5),  C005 abandoned (10:05, wait 40)
  → answer rate 3/5 = 0.6. Day 2 (03-03): C006–C008 all answered (C009 is a test call, ignored) → 3/3.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from ccdash.alerts import DIMENSIONS, alert_period, alerts, alerts_frame, decompose, drivers
from ccdash.findings import CcdashError
from ccdash.indicators.catalog import Ratio, load_catalog
from ccdash.indicators.compute import query
from ccdash.indicators.targets import set_target
from tests.conftest import CALL_HEADERS, D1, D2, at, write_xlsx
from tests.actors import ADMIN

DAY1, DAY2 = D1, D2


def _by(found, code):
    hits = [a for a in found if a.code == code]
    assert len(hits) == 1, [a.code for a in found]
    return hits[0]


def _contrib(alert, dimension) -> dict:
    rows = alert.drivers[alert.drivers["dimension"] == dimension]
    return dict(zip(rows["member"], rows["contribution"]))


def test_answer_rate_alert_with_hand_computed_contributions(small_store):
    found = alerts(small_store, "day", DAY1, lang="en")
    alert = _by(found, "answer_rate")  # catalog target 0.9, higher is better
    assert (alert.name, alert.target, alert.status, alert.method) == ("Answer rate", 0.9, "critical", "ratio")
    assert alert.value == pytest.approx(3 / 5)
    assert alert.gap == pytest.approx(0.6 - 0.9)
    assert (alert.start, alert.end) == (DAY1, DAY1)

    by_queue = alert.drivers[alert.drivers["dimension"] == "queue"]
    # Q1: C001, C002 answered, C003 abandoned → N = 2, D = 3: c = (2 − 0.9·3) / 5 = −0.14
    # Q2: C004 answered, C005 abandoned      → N = 1, D = 2: c = (1 − 0.9·2) / 5 = −0.16
    # −0.14 + −0.16 = −0.30 = 0.6 − 0.9; Q2 pulls harder, so it comes first
    assert list(by_queue["member"]) == ["Q2", "Q1"]
    assert list(by_queue["numerator"]) == [1, 2] and list(by_queue["denominator"]) == [2, 3]
    assert list(by_queue["contribution"]) == pytest.approx([-0.16, -0.14])
    assert list(by_queue["value"]) == pytest.approx([1 / 2, 2 / 3])
    assert list(by_queue["share_of_gap"]) == pytest.approx([0.16 / 0.3, 0.14 / 0.3])
    assert list(by_queue["rank"]) == [1, 2]

    # by agent: the two abandoned calls have no agent (N = 0, D = 2): (0 − 1.8)/5 = −0.36;
    # A01 answered 2 of 2: (2 − 1.8)/5 = +0.04; A02 1 of 1: (1 − 0.9)/5 = +0.02 → −0.30 again
    by_agent = alert.drivers[alert.drivers["dimension"] == "agent"]
    assert list(by_agent["member"]) == ["", "A02", "A01"]
    assert list(by_agent["label"]) == ["Unassigned", "A02 李四", "A01 张三"]
    assert list(by_agent["contribution"]) == pytest.approx([-0.36, 0.02, 0.04])
    # by half-hour: 09:00 (C001, C002) 2/2 → +0.04; 09:30 (C003) 0/1 → −0.18; 10:00 (C004, C005) 1/2 → −0.16
    assert _contrib(alert, "interval") == pytest.approx({"09:00": 0.04, "09:30": -0.18, "10:00": -0.16})
    assert list(alert.drivers[alert.drivers["dimension"] == "interval"]["label"]) == [
        "09:30–10:00", "10:00–10:30", "09:00–09:30"]
    assert _contrib(alert, "business_type") == pytest.approx({"挂失": -0.14, "激活": -0.16})
    assert _contrib(alert, "team") == pytest.approx({"": -0.36, "T1": 0.04, "T2": 0.02})
    assert list(alert.drivers["dimension"].unique()) == list(DIMENSIONS)
    top = alert.top_drivers(1)
    assert dict(zip(top["dimension"], top["member"])) == {
        "queue": "Q2", "team": "", "agent": "", "business_type": "激活", "interval": "09:30"}


def test_contributions_sum_to_value_minus_target_for_every_ratio_and_breakdown(small_store):
    catalog = load_catalog()
    ratios = [code for code in catalog.indicators if decompose(code, catalog) and decompose(code, catalog)[0] == "frac"]
    assert {"answer_rate", "service_level", "abandon_rate", "aht", "cph", "utilization", "unanswered_rate",
            "handled_per_agent"} <= set(ratios)
    settings = [{}, {"sl_threshold": 10, "sl_variant": "within_incl_abandoned", "short_abandon": 5,
                     "repeat_window": "2h"}, {"sl_variant": "within_over_answered_and_late_abandons"}]
    checked = 0
    for params in settings:
        for d0, d1 in ((DAY1, DAY1), (DAY1, DAY2)):
            values = query(small_store, ratios, d0, d1, "total", params=params).set_index("indicator")["value"]
            for code in ratios:
                if math.isnan(values[code]):
                    continue
                target = 0.77 * values[code] + 0.5  # any target: the identity holds for every T
                frame = drivers(small_store, code, d0, d1, target, params=params, lang="en")
                dims = set(frame["dimension"])
                state_based = catalog.indicators[code].source != "calls"
                assert dims.isdisjoint({"queue", "business_type"}) if state_based else {"queue", "team"} <= dims, code
                assert {"team", "agent"} <= dims, code
                for dim, rows in frame.groupby("dimension"):
                    assert rows["contribution"].sum() == pytest.approx(values[code] - target, abs=1e-9), (code, dim)
                    # and each member's numerator and denominator add up to the total's
                    assert rows["volume_share"].sum() == pytest.approx(1.0), (code, dim)
                    checked += 1
    assert checked > 150


def test_parameterised_ratios_split_by_the_parameters(small_store):
    # service level within 10 s over offered, day 1: C001 (10 s) and C004 (5 s) → 2/5 = 0.4; target 0.8
    # Q1: N = 1 (C001), D = 3 → (1 − 2.4)/5 = −0.28; Q2: N = 1 (C004), D = 2 → (1 − 1.6)/5 = −0.12
    got = drivers(small_store, "service_level", DAY1, DAY1, 0.8, params={"sl_threshold": 10}, dimensions=["queue"])
    assert dict(zip(got["member"], got["contribution"])) == pytest.approx({"Q1": -0.28, "Q2": -0.12})
    # abandon rate without abandons within 5 s (C003 waited 4 s): (2 − 1)/(5 − 1) = 0.25, target 0.08
    # Q1: N = 1 − 1 = 0, D = 3 − 1 = 2 → (0 − 0.16)/4 = −0.04; Q2: N = 1, D = 2 → (1 − 0.16)/4 = +0.21
    got = drivers(small_store, "abandon_rate", DAY1, DAY1, 0.08, params={"short_abandon": 5}, dimensions=["queue"])
    assert list(got["member"]) == ["Q2", "Q1"]  # lower is better: the positive contribution hurts
    assert list(got["contribution"]) == pytest.approx([0.21, -0.04])
    assert got["contribution"].sum() == pytest.approx(0.25 - 0.08)


def test_worst_first_by_relative_gap(small_store):
    found = alerts(small_store, "day", DAY1)
    gaps = [a.relative_gap for a in found]
    assert gaps == sorted(gaps, reverse=True)
    # day 1 against the catalog targets: repeat 2/3 vs 0.1 (+567 %), abandon 0.4 vs 0.08 (+400 %),
    # CSAT 1/3 vs 0.95 (−65 %), service level 2/5 vs 0.8 (−50 %), answer rate 0.6 vs 0.9 (−33 %)
    assert [a.code for a in found] == ["repeat_rate", "abandon_rate", "csat_rate", "service_level", "answer_rate"]
    assert found[0].relative_gap == pytest.approx((2 / 3 - 0.1) / 0.1)
    assert _by(found, "answer_rate").relative_gap == pytest.approx(0.3 / 0.9)
    assert all(a.status in ("warning", "critical") for a in found)
    table = alerts_frame(found)
    assert list(table["indicator"]) == [a.code for a in found]
    assert table.loc[table["indicator"] == "answer_rate", "top_queue"].item() == "Q2"
    assert table.loc[table["indicator"] == "answer_rate", "name"].item() == "接通率"  # zh by default


def test_lower_is_better_aht(small_store):
    set_target(small_store, "aht", 100, actor=ADMIN)
    alert = _by(alerts(small_store, "day", DAY1, indicators=["aht"]), "aht")
    # day 1 AHT = 420/3 = 140 s vs 100 s (lower is better): +40 % → critical
    assert (alert.value, alert.target, alert.direction, alert.status) == (pytest.approx(140), 100, "lower", "critical")
    # Q1: C001 120 s + C002 240 s over 2 handled → (360 − 100·2)/3 = +53.33 (pushes AHT up: harm)
    # Q2: C004 60 s over 1 handled             → (60 − 100·1)/3 = −13.33 (pulls it down)
    by_queue = alert.drivers[alert.drivers["dimension"] == "queue"]
    assert list(by_queue["member"]) == ["Q1", "Q2"]
    assert list(by_queue["contribution"]) == pytest.approx([160 / 3, -40 / 3])
    assert list(by_queue["harm"]) == pytest.approx([160 / 3, -40 / 3])
    assert by_queue["contribution"].sum() == pytest.approx(140 - 100)
    # abandoned calls have no handle time: the blank agent is not a member of an AHT breakdown
    assert "" not in set(alert.drivers.loc[alert.drivers["dimension"] == "agent", "member"])


def test_lower_is_better_abandon_rate_with_bands(small_store):
    set_target(small_store, "abandon_rate", 0.3, warning=0.35, critical=0.5, actor=ADMIN)
    alert = _by(alerts(small_store, "day", DAY1), "abandon_rate")
    assert alert.status == "warning" and alert.value == pytest.approx(0.4) and alert.target == 0.3
    # Q1: 1 abandoned of 3 → (1 − 0.3·3)/5 = +0.02; Q2: 1 of 2 → (1 − 0.3·2)/5 = +0.08 → +0.10 = 0.4 − 0.3
    assert _contrib(alert, "queue") == pytest.approx({"Q1": 0.02, "Q2": 0.08})


def test_on_target_gives_no_alert(small_store):
    assert "answer_rate" not in [a.code for a in alerts(small_store, "day", DAY2)]  # 3/3 ≥ 0.9
    set_target(small_store, "answer_rate", 0.6, actor=ADMIN)  # day 1 exactly on target
    assert "answer_rate" not in [a.code for a in alerts(small_store, "day", DAY1)]
    set_target(small_store, "answer_rate", 0.62, actor=ADMIN)  # 0.6 is within 5 % of 0.62: warning
    assert _by(alerts(small_store, "day", DAY1), "answer_rate").status == "warning"
    set_target(small_store, "answer_rate", 0.9, warning=0.6, critical=0.5,
               actor=ADMIN)  # below target, not below warning
    assert alerts(small_store, "day", DAY1, indicators=["answer_rate"]) == []


def test_week_and_month(small_store):
    assert alert_period("week", DAY2) == (DAY1, DAY2)  # 2026-03-02 is a Monday
    assert alert_period("month", DAY2) == (dt.date(2026, 3, 1), DAY2)
    for grain in ("week", "month"):
        alert = _by(alerts(small_store, grain, DAY2), "answer_rate")
        assert alert.value == pytest.approx(6 / 8) and alert.end == DAY2
        # Q1: C001, C002, C006 answered, C003 abandoned → (3 − 0.9·4)/8 = −0.075
        # Q2: C004, C007, C008 answered, C005 abandoned → (3 − 0.9·4)/8 = −0.075
        assert _contrib(alert, "queue") == pytest.approx({"Q1": -0.075, "Q2": -0.075})
        # half-hours over both days: 09:00 holds C001, C002 (day 1) and C006 (day 2): 3/3 → (3 − 2.7)/8
        assert _contrib(alert, "interval")["09:00"] == pytest.approx(0.3 / 8)
        assert sum(_contrib(alert, "interval").values()) == pytest.approx(0.75 - 0.9)
    assert alerts(small_store, "week", DAY2)[0].start == DAY1
    assert alerts(small_store, "month", DAY2)[0].start == dt.date(2026, 3, 1)


def test_default_anchor_is_the_newest_day_with_data(small_store):
    found = alerts(small_store, "day")
    assert found and all(a.start == a.end == DAY2 for a in found)
    as_text = alerts(small_store, "day", "2026-03-02")
    assert [a.code for a in as_text] == [a.code for a in alerts(small_store, "day", DAY1)]


def test_empty_store_gives_no_alerts(engine):
    for grain in ("day", "week", "month"):
        assert alerts(engine, grain) == []
        assert alerts(engine, grain, DAY1) == []
    assert alerts_frame([]).empty
    assert drivers(engine, "answer_rate", DAY1, DAY1, 0.9).empty


def test_unknown_grain(small_store):
    with pytest.raises(CcdashError) as excinfo:
        alerts(small_store, "year")
    assert excinfo.value.message("en") == "Unknown alert period year; choose one of: day, week, month"


def test_state_indicators_skip_queue_and_business_type(small_store):
    set_target(small_store, "cph", 1.0, actor=ADMIN)  # day 1: 3 handled over 12 login hours = 0.25 per hour
    alert = _by(alerts(small_store, "day", DAY1), "cph")
    assert set(alert.drivers["dimension"]) == {"team", "agent"}  # states are daily summaries: no half-hours
    # T1 (A01): 2 handled over 8 h → (2 − 1·8)/12 = −0.5; T2 (A02): 1 over 4 h → (1 − 4)/12 = −0.25
    assert _contrib(alert, "team") == pytest.approx({"T1": -0.5, "T2": -0.25})
    assert sum(_contrib(alert, "team").values()) == pytest.approx(0.25 - 1.0)


def test_per_team_alerts_use_the_team_target(small_store):
    set_target(small_store, "aht", 500, actor=ADMIN)
    set_target(small_store, "aht", 100, team="T1", actor=ADMIN)
    assert alerts(small_store, "day", DAY1, indicators=["aht"]) == []  # 140 s is fine against 500 s
    alert = _by(alerts(small_store, "day", DAY1, indicators=["aht"], team="T1"), "aht")
    assert alert.value == pytest.approx(360 / 2) and alert.target == 100  # T1 = A01: C001 + C002


def test_counts_share_the_gap_by_volume(small_store):
    set_target(small_store, "abandoned", 1, actor=ADMIN)
    alert = _by(alerts(small_store, "day", DAY1), "abandoned")
    assert alert.method == "count" and alert.value == 2 and alert.gap == 1
    # one abandoned call in each queue: each carries half of the gap of 1
    assert _contrib(alert, "queue") == pytest.approx({"Q1": 0.5, "Q2": 0.5})


def test_derived_indicator_splits_as_a_ratio(small_store):
    set_target(small_store, "unanswered_rate", 0.1, actor=ADMIN)  # 1 − answer_rate = (offered − answered)/offered
    alert = _by(alerts(small_store, "day", DAY1), "unanswered_rate")
    assert alert.method == "ratio" and alert.value == pytest.approx(0.4)
    # Q1: (3 − 2 − 0.1·3)/5 = 0.14; Q2: (2 − 1 − 0.1·2)/5 = 0.16
    assert _contrib(alert, "queue") == pytest.approx({"Q1": 0.14, "Q2": 0.16})


def test_custom_formula_indicator_alerts_with_its_own_target(small_store):
    from ccdash.indicators.custom import save_custom
    from ccdash.indicators.targets import target_for
    save_custom(small_store, "eff_answer", "有效接通率", "Effective answer rate", "接通量_20秒 / (进线量 - 5秒内放弃量)",
                direction="higher", target=0.85, actor=ADMIN)
    assert target_for(small_store, "eff_answer").target == 0.85  # the custom indicator's own target
    alert = _by(alerts(small_store, "day", DAY1), "eff_answer")
    # day 1: answered within 20 s = C001 (10 s), C004 (5 s); offered 5 less C003 (abandoned after 4 s) → 2/4
    assert alert.method == "ratio" and alert.value == pytest.approx(0.5)
    # Q1: N = 1 (C001), D = 3 − 1 = 2 → (1 − 0.85·2)/4 = −0.175; Q2: N = 1 (C004), D = 2 → −0.175
    assert _contrib(alert, "queue") == pytest.approx({"Q1": -0.175, "Q2": -0.175})
    set_target(small_store, "eff_answer", 0.5, actor=ADMIN)  # a stored target overrides the custom indicator's own
    assert "eff_answer" not in [a.code for a in alerts(small_store, "day", DAY1)]


def test_distinct_counts_have_no_drivers(small_store):
    set_target(small_store, "agents_on_duty", 5, direction="higher", actor=ADMIN)
    alert = _by(alerts(small_store, "day", DAY1), "agents_on_duty")
    assert alert.method == "none" and alert.drivers.empty


# ---- a big member slightly under target outweighs a small one with a terrible rate ------------------------

def _calls(queue: str, business: str, agent: str, offered: int, answered: int, start: int) -> list:
    rows = []
    for i in range(offered):
        ok = i < answered
        when = at(DAY1, 8 + (i % 10), 0 if i % 2 else 30)
        rows.append([f"{queue}{start + i:05d}", f"139{start + i:08d}", queue, agent if ok else None, business, when,
                     12, "0:02:00" if ok else None, 0 if ok else None, 10 if ok else None,
                     "接通" if ok else "放弃", "否" if ok else None, None, None])
    return rows


@pytest.fixture
def big_small_store(engine, tmp_path):
    from ccdash.ingest.pipeline import import_file
    rows = (_calls("QBIG", "信用卡", "A01", 200, 170, 0)  # 85 % answered, slightly under 90 %
            + _calls("QSMALL", "外汇", "A02", 5, 0, 1000))  # 0 % answered, but only 5 calls
    outcome = import_file(engine, write_xlsx(tmp_path / "calls.xlsx", CALL_HEADERS, rows), "calls", actor=ADMIN)
    assert outcome.prepared.ok
    return engine


def test_big_member_slightly_under_target_ranks_above_small_terrible_one(big_small_store):
    alert = _by(alerts(big_small_store, "day", DAY1, indicators=["answer_rate"]), "answer_rate")
    assert alert.value == pytest.approx(170 / 205)
    by_queue = alert.drivers[alert.drivers["dimension"] == "queue"].set_index("member")
    # QBIG: (170 − 0.9·200)/205 = −10/205 ≈ −4.9 points; QSMALL: (0 − 0.9·5)/205 = −4.5/205 ≈ −2.2 points
    assert by_queue.loc["QBIG", "contribution"] == pytest.approx(-10 / 205)
    assert by_queue.loc["QSMALL", "contribution"] == pytest.approx(-4.5 / 205)
    assert by_queue.loc["QSMALL", "value"] == 0 < by_queue.loc["QBIG", "value"]  # the worse rate …
    assert list(by_queue.index) == ["QBIG", "QSMALL"]  # … but the smaller contribution
    assert by_queue.loc["QBIG", "rank"] == 1
    by_type = alert.drivers[alert.drivers["dimension"] == "business_type"]
    assert list(by_type["member"]) == ["信用卡", "外汇"]
    worst_rate = by_queue["value"].idxmin()
    assert worst_rate == "QSMALL" != by_queue.index[0]


def test_drivers_frame_columns(small_store):
    frame = drivers(small_store, "answer_rate", DAY1, DAY1, 0.9, dimensions=["queue"])
    assert list(frame.columns) == ["dimension", "dimension_name", "member", "label", "numerator", "denominator",
                                   "value", "volume_share", "contribution", "share_of_gap", "harm", "rank"]
    assert isinstance(frame, pd.DataFrame) and list(frame["dimension_name"].unique()) == ["技能组"]
    assert all(isinstance(c, str) for c in frame["member"])
    assert Ratio  # the catalog's ratios are what `decompose` splits exactly
