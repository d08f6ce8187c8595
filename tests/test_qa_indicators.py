"""QA indicators roll up like every other indicator: ratios of summed components, by agent, team, business
type and period — checked against values computed by hand.

The form (tests/test_qa_store.py): greeting 10; identity_check 10, fatal; answer_accuracy 20 × weight 2;
soothe 10, N/A allowed — 70 weighted points when everything applies; pass mark 80.
Roster: A01 → T1, A02 → T2, A03 → T1.

  E1 A01 挂失 2026-03-02  pass, pass, partial 10 (×2 = 20), N/A  → 40 / 60 = 66.67, not passed; 3 applicable, 0 failed
  E2 A01 激活 2026-03-03  pass ×4                                → 70 / 70 = 100,   passed;     4 applicable, 0 failed
  E3 A02 挂失 2026-03-03  fail, pass, pass, pass                 → 60 / 70 = 85.71, passed;     4 applicable, 1 failed
  E4 A02 激活 2026-04-01  pass, FAIL (fatal), pass, pass         →  0 / 70 = 0,     fatal;      4 applicable, 1 failed
  E5 A03 挂失 2026-04-02  pass, pass, partial 15 (×2 = 30), N/A  → 50 / 60 = 83.33, passed;     3 applicable, 0 failed
Not counted: a calibration score of R1 by another inspector (all fail), and a draft.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ccdash.dashboards.data import widget_data
from ccdash.dashboards.model import Widget
from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import query, wide
from ccdash.ingest.pipeline import import_file
from ccdash.qa.scoring import ItemResult
from ccdash.qa.store import save_evaluation
from tests.conftest import write_xlsx
from tests.test_qa_store import FORM
from tests.actors import ADMIN

QA = ["qa_evaluations", "qa_score", "qa_pass_rate", "qa_fatal_rate", "qa_item_fail_rate"]
P, F, NA = ItemResult("pass"), ItemResult("fail"), ItemResult("na")
ALL_PASS = {"greeting": P, "identity_check": P, "answer_accuracy": P, "soothe": P}
EVALS = [  # recording, agent, business type, date, results
    ("R1", "A01", "挂失", "2026-03-02", {**ALL_PASS, "answer_accuracy": ItemResult("partial", 10), "soothe": NA}),
    ("R2", "A01", "激活", "2026-03-03", ALL_PASS),
    ("R3", "A02", "挂失", "2026-03-03", {**ALL_PASS, "greeting": F}),
    ("R4", "A02", "激活", "2026-04-01", {**ALL_PASS, "identity_check": F}),
    ("R5", "A03", "挂失", "2026-04-02", {**ALL_PASS, "answer_accuracy": ItemResult("partial", 15), "soothe": NA}),
]


def hand(evals: int, earned: float, possible: float, passed: int, fatal: int, failed: int, applicable: int) -> dict:
    return {"qa_evaluations": evals, "qa_score": 100 * earned / possible, "qa_pass_rate": passed / evals,
            "qa_fatal_rate": fatal / evals, "qa_item_fail_rate": failed / applicable}


BY_AGENT = {"A01": hand(2, 40 + 70, 60 + 70, 1, 0, 0, 7), "A02": hand(2, 60 + 0, 70 + 70, 1, 1, 2, 8),
            "A03": hand(1, 50, 60, 1, 0, 0, 3)}
BY_TEAM = {"T1": hand(3, 40 + 70 + 50, 60 + 70 + 60, 2, 0, 0, 10), "T2": BY_AGENT["A02"]}
BY_BUSINESS = {"挂失": hand(3, 40 + 60 + 50, 60 + 70 + 60, 2, 0, 1, 10), "激活": hand(2, 70 + 0, 70 + 70, 1, 1, 1, 8)}
BY_MONTH = {"2026-03": hand(3, 40 + 70 + 60, 60 + 70 + 70, 2, 0, 1, 11), "2026-04": hand(2, 0 + 50, 70 + 60, 1, 1, 1, 7)}
TOTAL = hand(5, 40 + 70 + 60 + 0 + 50, 60 + 70 + 70 + 70 + 60, 3, 1, 2, 18)


@pytest.fixture
def qa_store(engine, tmp_path):
    roster = write_xlsx(tmp_path / "roster.xlsx", ["工号", "姓名", "班组"],
                        [["A01", "张三", "T1"], ["A02", "李四", "T2"], ["A03", "王五", "T1"]])
    import_file(engine, roster, "roster", actor=ADMIN)
    for recording_id, agent, business, day, results in EVALS:
        save_evaluation(engine, recording={"recording_id": recording_id, "agent_id": agent,
                                           "business_type": business, "date": day},
                        form=FORM, results=results, inspector="QA1", status="final", actor=ADMIN)
    save_evaluation(engine, recording={"recording_id": "R1", "agent_id": "A01", "business_type": "挂失",
                                       "date": "2026-03-02"}, form=FORM, inspector="QA2", status="final",
                    purpose="calibration", results={"greeting": F, "identity_check": F, "answer_accuracy": F,
                                                    "soothe": F}, actor=ADMIN)
    save_evaluation(engine, recording={"recording_id": "R6", "agent_id": "A03", "business_type": "激活",
                                       "date": "2026-03-03"}, form=FORM, inspector="QA1", status="draft",
                    results={"greeting": F}, actor=ADMIN)
    return engine


def check(got, expected: dict) -> None:
    for code, value in expected.items():
        assert got[code] == pytest.approx(value), code


def by(engine, breakdown: str, grain: str = "total", **kw):
    return wide(query(engine, QA, "2026-03-01", "2026-04-30", grain, by=breakdown, **kw), [breakdown]).set_index(breakdown)


def test_every_qa_indicator_is_checked_here():
    assert set(QA) == {code for code, ind in load_catalog().indicators.items() if ind.source == "qa"}
    assert set(TOTAL) == set(QA)


def test_total_is_the_ratio_of_sums_not_the_mean_of_call_scores(qa_store):
    got = wide(query(qa_store, QA, "2026-03-01", "2026-04-30", "total")).iloc[0]
    check(got, TOTAL)  # 220 / 330 = 66.67 over 5 evaluations: the calibration score and the draft are left out
    mean_of_scores = (100 * 40 / 60 + 100 + 100 * 60 / 70 + 0 + 100 * 50 / 60) / 5
    assert got["qa_score"] != pytest.approx(mean_of_scores, abs=0.1)  # 66.67 vs 67.14


@pytest.mark.parametrize("breakdown, expected", [("agent", BY_AGENT), ("team", BY_TEAM), ("business_type", BY_BUSINESS)])
def test_by_agent_team_and_business_type(qa_store, breakdown, expected):
    got = by(qa_store, breakdown)
    assert set(got.index) == set(expected)
    for member, values in expected.items():
        check(got.loc[member], values)


def test_a_roll_up_where_the_ratio_of_sums_differs_from_the_mean_of_call_scores(qa_store):
    got = by(qa_store, "agent")
    # A01: (40 + 70) / (60 + 70) = 84.6; the mean of the two call scores (66.7 + 100) / 2 = 83.3 is wrong
    assert got.loc["A01", "qa_score"] == pytest.approx(100 * 110 / 130)
    assert got.loc["A01", "qa_score"] != pytest.approx((100 * 40 / 60 + 100) / 2, abs=0.5)
    # 挂失: (40 + 60 + 50) / (60 + 70 + 60) = 78.9 vs the mean (66.7 + 85.7 + 83.3) / 3 = 78.6
    got = by(qa_store, "business_type")
    assert got.loc["挂失", "qa_score"] == pytest.approx(100 * 150 / 190)
    assert got.loc["挂失", "qa_score"] != pytest.approx((100 * 40 / 60 + 100 * 60 / 70 + 100 * 50 / 60) / 3, abs=0.1)


def test_by_month_week_and_day(qa_store):
    month = wide(query(qa_store, QA, "2026-03-01", "2026-04-30", "month")).set_index("period")
    for period, values in BY_MONTH.items():
        check(month.loc[period], values)
    week = wide(query(qa_store, ["qa_evaluations", "qa_score"], "2026-03-01", "2026-04-30", "week")).set_index("period")
    assert week["qa_evaluations"].to_dict() == {"2026-03-02": 3, "2026-03-30": 2}  # 1 April 2026 is a Wednesday
    day = wide(query(qa_store, ["qa_score"], "2026-03-03", "2026-03-03", "day")).iloc[0]
    assert day["qa_score"] == pytest.approx(100 * (70 + 60) / (70 + 70))


def test_filters_by_team_agent_and_business_type(qa_store):
    def total(**filters):
        return wide(query(qa_store, QA, "2026-03-01", "2026-04-30", "total", filters=filters)).iloc[0]
    check(total(team="T1"), BY_TEAM["T1"])
    check(total(agent_id=["A02"]), BY_AGENT["A02"])
    check(total(business_type="激活"), BY_BUSINESS["激活"])
    got = total(team="T1", business_type="挂失")  # E1 + E5
    check(got, hand(2, 40 + 50, 60 + 60, 1, 0, 0, 6))


def test_queue_and_intervals_leave_qa_indicators_empty(qa_store, small_files):
    import_file(qa_store, small_files["calls"], "calls", actor=ADMIN)
    got = wide(query(qa_store, ["answered", "qa_score"], "2026-03-02", "2026-03-02", "day", by="queue"), ["queue"])
    assert got["qa_score"].isna().all() and dict(zip(got["queue"], got["answered"])) == {"Q1": 2, "Q2": 1}
    got = wide(query(qa_store, ["offered", "qa_score"], "2026-03-02", "2026-03-02", "interval"))
    assert got["qa_score"].isna().all() and got["offered"].sum() == 5
    only = wide(query(qa_store, ["qa_score"], "2026-03-02", "2026-03-02", "total", filters={"queue": "Q1"}))
    assert only.empty or only["qa_score"].isna().all()


def test_qa_and_call_indicators_side_by_side_by_agent(qa_store, small_files):
    import_file(qa_store, small_files["calls"], "calls", actor=ADMIN)
    got = wide(query(qa_store, ["handled", "qa_score", "qa_evaluations"], "2026-03-02", "2026-03-03", "total",
                     by="agent"), ["agent"]).set_index("agent")
    assert got.loc["A01", "handled"] == 3 and got.loc["A02", "handled"] == 3
    assert got.loc["A01", "qa_score"] == pytest.approx(100 * 110 / 130) and got.loc["A01", "qa_evaluations"] == 2
    assert got.loc["A02", "qa_score"] == pytest.approx(100 * 60 / 70)  # March only: E3
    assert "A03" not in got.index or math.isnan(got.loc["A03", "handled"])


def test_a_dashboard_widget_shows_qa_indicators(qa_store):
    widget = Widget.model_validate({"kind": "table", "indicators": ["qa_score", "qa_pass_rate"], "breakdown": "agent",
                                    "period": {"kind": "this_month"}})
    data = widget_data(qa_store, widget, dt.date(2026, 3, 31), "zh")
    frame = data.frame.set_index(["agent", "indicator"])
    assert frame.loc[("A01", "qa_score"), "value"] == pytest.approx(100 * 110 / 130)
    assert frame.loc[("A01", "qa_score"), "text"] == "84.6"
    assert frame.loc[("A02", "qa_pass_rate"), "text"] == "100.0%"  # March: E3 passed


def test_a_new_roster_relabels_the_qa_history(qa_store, tmp_path):
    moved = write_xlsx(tmp_path / "roster2.xlsx", ["工号", "姓名", "班组"], [["A03", "王五", "T2"]])
    import_file(qa_store, moved, "roster", actor=ADMIN)  # A03 moves to T2: its past scores follow (as for calls)
    got = by(qa_store, "team")
    check(got.loc["T1"], BY_AGENT["A01"])
    check(got.loc["T2"], hand(3, 60 + 50, 140 + 60, 2, 1, 2, 11))
