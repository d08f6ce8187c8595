"""Item-level analysis on a hand-built item_scores frame; every expected number is worked out in the comments.

Four final evaluations, two forms ("loss" and "complaint") sharing three catalog items — greeting,
identity_check (fatal on both, worded differently on each form) and closing:

    eval  form       agent team  date        greeting    identity_check       closing        score
    1     loss       A1    T1    2026-10-05  pass 5/5    FAIL 0/15 (fatal)    pass 10/10     0 (fatal)
    2     complaint  A1    T1    2026-10-06  pass 5/5    pass 10/10 ×2        partial 5/10   30/35 = 85.7 pass
    3     loss       A2    T2    2026-10-13  fail 0/5    pass 15/15           n/a            15/20 = 75
    4     complaint  A2    T2    2026-10-14  pass 5/5    pass 10/10 ×2        fail 0/10      25/35 = 71.4
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ccdash.qa.analysis import (
    agent_item_matrix, analysis_workbook, coaching_list, item_failure, item_trend, phrase_compliance,
    score_summary,
)
from ccdash.qa.forms import parse_form

COLUMNS = ["evaluation_id", "recording_id", "inspector", "form_id", "form_version", "agent_id", "team",
           "business_type", "call_date", "item_code", "section", "label", "result", "points", "max_points",
           "weight", "fatal", "eval_fatal", "eval_score", "eval_passed", "purpose"]
ID_LOSS, ID_CMP = "身份核实（姓名+证件号+卡号）", "身份核实"

EVALS = {  # id: (recording, form, agent, team, business type, date, fatal, score, passed)
    1: ("R1", "loss", "A1", "T1", "借记卡挂失", "2026-10-05", 1, 0.0, 0),
    2: ("R2", "complaint", "A1", "T1", "投诉处理", "2026-10-06", 0, 30 / 35 * 100, 1),
    3: ("R3", "loss", "A2", "T2", "借记卡挂失", "2026-10-13", 0, 75.0, 0),
    4: ("R4", "complaint", "A2", "T2", "投诉处理", "2026-10-14", 0, 25 / 35 * 100, 0),
}
ITEMS = [  # eval, code, label, result, points, max, weight, fatal item
    (1, "greeting", "开头语", "pass", 5, 5, 1, 0), (1, "identity_check", ID_LOSS, "fail", 0, 15, 1, 1),
    (1, "closing", "结束语", "pass", 10, 10, 1, 0),
    (2, "greeting", "开头语", "pass", 5, 5, 1, 0), (2, "identity_check", ID_CMP, "pass", 10, 10, 2, 1),
    (2, "closing", "结束语", "partial", 5, 10, 1, 0),
    (3, "greeting", "开头语", "fail", 0, 5, 1, 0), (3, "identity_check", ID_LOSS, "pass", 15, 15, 1, 1),
    (3, "closing", "结束语", "na", None, 10, 1, 0),
    (4, "greeting", "开头语", "pass", 5, 5, 1, 0), (4, "identity_check", ID_CMP, "pass", 10, 10, 2, 1),
    (4, "closing", "结束语", "fail", 0, 10, 1, 0),
]


def make_frame(items=ITEMS, evals=EVALS) -> pd.DataFrame:
    rows = []
    for ev, code, label, result, points, mx, weight, fatal in items:
        rid, form, agent, team, btype, date, efatal, score, passed = evals[ev]
        rows.append([ev, rid, "王", form, 1, agent, team, btype, date, code, "", label, result,
                     np.nan if points is None else float(points), float(mx), float(weight), fatal, efatal, score,
                     passed, "regular"])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("recording_id", "inspector", "form_id", "agent_id", "team", "business_type", "call_date",
                "item_code", "section", "label", "result", "purpose"):
        frame[col] = frame[col].astype("string")
    return frame


FRAME = make_frame()


def as_records(frame: pd.DataFrame, cols: list[str]) -> list[list]:
    return [[round(v, 6) if isinstance(v, float) else v for v in row] for row in frame[cols].values.tolist()]


def test_item_failure_counts_a_shared_item_once_across_forms():
    out = item_failure(FRAME)
    assert out.columns.tolist() == ["item_code", "label", "applicable", "failed", "partial", "fail_rate", "forms",
                                    "fatal_failures"]
    # closing: 3 applicable (eval 3 is n/a), 1 failed, 1 partial → 1/3, first; then the 1/4 items by code
    assert as_records(out, ["item_code", "applicable", "failed", "partial", "fail_rate", "forms",
                            "fatal_failures"]) == [
        ["closing", 3, 1, 1, round(1 / 3, 6), 2, 0],
        ["greeting", 4, 1, 0, 0.25, 2, 0],
        ["identity_check", 4, 1, 0, 0.25, 2, 1],  # one item over both forms, its one fatal failure
    ]
    # two wordings, two rows each: the tie goes to the first in sort order
    assert out.set_index("item_code").loc["identity_check", "label"] == ID_CMP


def test_item_failure_by_agent_team_and_form():
    by_agent = item_failure(FRAME, by="agent_id")
    assert as_records(by_agent, ["agent_id", "item_code", "applicable", "failed", "partial", "fail_rate"]) == [
        ["A1", "identity_check", 2, 1, 0, 0.5],
        ["A1", "closing", 2, 0, 1, 0.0],
        ["A1", "greeting", 2, 0, 0, 0.0],
        ["A2", "closing", 1, 1, 0, 1.0],
        ["A2", "greeting", 2, 1, 0, 0.5],
        ["A2", "identity_check", 2, 0, 0, 0.0],
    ]
    by_team = item_failure(FRAME, by="team")
    assert by_team[["team", "item_code"]].values.tolist()[:3] == [["T1", "identity_check"], ["T1", "closing"],
                                                                  ["T1", "greeting"]]
    by_form = item_failure(FRAME, by="form_id").set_index(["form_id", "item_code"])
    assert by_form.loc[("loss", "closing"), "applicable"] == 1  # eval 1 pass; eval 3 n/a
    assert np.isnan(item_failure(FRAME[FRAME["result"] == "na"])["fail_rate"].iloc[0])  # nothing applicable
    with pytest.raises(ValueError):
        item_failure(FRAME, by="inspector_name")


def test_agent_item_matrix():
    m = agent_item_matrix(FRAME)
    assert m.index.tolist() == ["A1", "A2"] and m.columns.tolist() == ["closing", "greeting", "identity_check"]
    assert m.loc["A1"].tolist() == [0.0, 0.0, 0.5]
    assert m.loc["A2"].tolist() == [1.0, 0.5, 0.0]
    m2 = agent_item_matrix(FRAME, min_applicable=2)
    assert np.isnan(m2.loc["A2", "closing"]) and m2.loc["A2", "greeting"] == 0.5  # 1 applicable < 2
    # an item an agent never had applicable is NaN, not 0
    only_a1_closing = FRAME[~((FRAME["agent_id"] == "A2") & (FRAME["item_code"] == "closing"))]
    assert np.isnan(agent_item_matrix(only_a1_closing).loc["A2", "closing"])


def test_item_trend_by_week_and_month():
    week = item_trend(FRAME, "week")
    assert as_records(week, ["period", "item_code", "applicable", "failed", "fail_rate"]) == [
        ["2026-10-05", "closing", 2, 0, 0.0], ["2026-10-05", "greeting", 2, 0, 0.0],
        ["2026-10-05", "identity_check", 2, 1, 0.5],
        ["2026-10-12", "closing", 1, 1, 1.0], ["2026-10-12", "greeting", 2, 1, 0.5],
        ["2026-10-12", "identity_check", 2, 0, 0.0],
    ]
    month = item_trend(FRAME, "month")
    assert month["period"].unique().tolist() == ["2026-10-01"]
    assert as_records(month, ["item_code", "applicable", "failed"]) == [["closing", 3, 1], ["greeting", 4, 1],
                                                                        ["identity_check", 4, 1]]
    with pytest.raises(ValueError):
        item_trend(FRAME, "day")


def test_coaching_list_ranks_items_by_the_gap_to_the_center():
    # center: closing 1/3, greeting 1/4, identity_check 1/4
    out = coaching_list(FRAME, top=3, min_applicable=1)
    assert as_records(out, ["agent_id", "team", "rank", "item_code", "applicable", "failed", "agent_rate",
                            "center_applicable", "center_failed", "center_rate", "gap"]) == [
        ["A1", "T1", 1, "identity_check", 2, 1, 0.5, 4, 1, 0.25, 0.25],
        ["A2", "T2", 1, "closing", 1, 1, 1.0, 3, 1, round(1 / 3, 6), round(2 / 3, 6)],
        ["A2", "T2", 2, "greeting", 2, 1, 0.5, 4, 1, 0.25, 0.25],
    ]  # items where the agent is not worse than the center are not listed
    assert coaching_list(FRAME, top=1, min_applicable=1)["item_code"].tolist() == ["identity_check", "closing"]
    # A2's closing had 1 applicable score: below min_applicable=2 it is left out
    assert coaching_list(FRAME, top=3, min_applicable=2)[["agent_id", "item_code"]].values.tolist() == [
        ["A1", "identity_check"], ["A2", "greeting"]]
    assert coaching_list(FRAME).empty  # default min_applicable=3: nobody has 3 scores of an item


def test_coaching_list_breaks_equal_gaps_by_failures_then_code():
    # A3: six scores of "zeta" (3 fail) and two of "alpha" (1 fail), both 50 % against a center of 0 % elsewhere
    evals = {i: (f"S{i}", "f", agent, "T", "b", "2026-10-01", 0, 50.0, 0) for i, agent in
             enumerate(["A3"] * 6 + ["A4"] * 4, start=1)}
    items = [(i, "zeta", "z", "fail" if i <= 3 else "pass", 0, 1, 1, 0) for i in range(1, 7)]
    items += [(i, "alpha", "a", "fail" if i == 1 else "pass", 0, 1, 1, 0) for i in (1, 2)]
    items += [(i, code, code, "pass", 1, 1, 1, 0) for i in range(7, 11) for code in ("zeta", "alpha")]
    out = coaching_list(make_frame(items, evals), min_applicable=2)
    # zeta: 3/6 vs center 3/10 → gap 0.2; alpha: 1/2 vs center 1/6 → gap 1/3: alpha first despite fewer failures
    assert out[["item_code", "rank"]].values.tolist() == [["alpha", 1], ["zeta", 2]]
    assert round(out["gap"].iloc[0], 6) == round(0.5 - 1 / 6, 6)


def test_score_summary_counts_each_evaluation_once():
    # Σ earned_w = 0 + 30 + 15 + 25 = 70 (eval 1 is 0: fatal); Σ possible_w = 30 + 35 + 20 + 35 = 120
    total = score_summary(FRAME)
    assert as_records(total, ["evaluations", "avg_score", "passed", "pass_rate", "fatal", "fatal_rate"]) == [
        [4, round(100 * 70 / 120, 6), 1, 0.25, 1, 0.25]]
    by_agent = score_summary(FRAME, by="agent_id")
    assert as_records(by_agent, ["agent_id", "evaluations", "avg_score", "pass_rate", "fatal_rate"]) == [
        ["A1", 2, round(100 * 30 / 65, 6), 0.5, 0.5],
        ["A2", 2, round(100 * 40 / 55, 6), 0.0, 0.0],
    ]
    by_form = score_summary(FRAME, by="form_id").set_index("form_id")
    assert round(by_form.loc["complaint", "avg_score"], 6) == round(100 * 55 / 70, 6)
    assert round(by_form.loc["loss", "avg_score"], 6) == round(100 * 15 / 50, 6)


def test_score_summary_uses_the_evaluations_own_components_when_given():
    frame = FRAME.assign(eval_earned_w=FRAME["evaluation_id"].map({1: 0.0, 2: 30.0, 3: 15.0, 4: 5.0}),
                         eval_possible_w=FRAME["evaluation_id"].map({1: 30.0, 2: 35.0, 3: 20.0, 4: 35.0}))
    assert round(score_summary(frame)["avg_score"].iloc[0], 6) == round(100 * 50 / 120, 6)


FORMS = {
    "loss": parse_form({
        "schema_version": 1, "id": "loss", "name": {"zh": "挂失", "en": "Loss"}, "business_types": ["借记卡挂失"],
        "sections": [{"title": {"zh": "全部", "en": "All"}, "items": [
            {"code": "greeting", "max_points": 5, "phrases": [{"text": "您好，很高兴为您服务"}]},
            {"code": "closing", "max_points": 10, "phrases": [{"text": "请问还有其他可以帮您的吗"},
                                                              {"text": "感谢您的来电，再见"}]},
        ]}]}),
    "general": parse_form({
        "schema_version": 1, "id": "general", "name": {"zh": "通用", "en": "General"}, "general": True,
        "sections": [{"title": {"zh": "全部", "en": "All"}, "items": [
            {"code": "greeting", "max_points": 5, "phrases": [{"text": "您好，很高兴为您服务"}]},
        ]}]}),
}


def test_phrase_compliance_per_form_item_and_phrase():
    recordings = pd.DataFrame({
        "recording_id": ["R1", "R2", "R3", "R4", "R5"],
        "business_type": ["借记卡挂失", "借记卡挂失", "借记卡挂失", "借记卡挂失", "其他咨询"],
        "transcript": [
            "坐席：您好，很高兴为您服务。……坐席：请问还有其他可以帮您的吗？客户：没有了。坐席：感谢您的来电，再见。",
            "坐席：您好很高兴为您服务！……坐席：感谢您的来电，再见。",  # punctuation differs; no "还有其他"
            "坐席：喂？……客户：好的。",  # nothing
            None,  # no transcript: not counted
            "坐席：您好，很高兴为您服务。",
        ]})
    evaluations = pd.DataFrame({
        "recording_id": ["R1", "R1", "R2", "R3", "R4", "R5", "R9"],
        "form_id": ["loss", "loss", "other_system", "loss", "loss", "general", "loss"],  # R1 twice (calibration)
        "business_type": ["借记卡挂失"] * 5 + ["其他咨询", "借记卡挂失"],
    })
    out = phrase_compliance(recordings, evaluations, FORMS)
    # loss: R1, R2 (imported on another system's form, routed by its business type), R3 → 3 recordings
    assert as_records(out, ["form_id", "item_code", "phrase", "recordings", "found", "share"]) == [
        ["general", "greeting", "您好，很高兴为您服务", 1, 1, 1.0],
        ["loss", "greeting", "您好，很高兴为您服务", 3, 2, round(2 / 3, 6)],
        ["loss", "closing", "请问还有其他可以帮您的吗", 3, 1, round(1 / 3, 6)],
        ["loss", "closing", "感谢您的来电，再见", 3, 2, round(2 / 3, 6)],
    ]
    # routed by the given routes: 借记卡挂失 → general
    routed = phrase_compliance(recordings, evaluations[evaluations["form_id"] == "other_system"], FORMS,
                               {"借记卡挂失": "general"})
    assert as_records(routed, ["form_id", "recordings", "found"]) == [["general", 1, 1]]
    assert phrase_compliance(recordings, evaluations.iloc[0:0], FORMS).empty


def test_analysis_workbook_escapes_formulas_and_heads_columns_in_the_language():
    failures = item_failure(FRAME)
    failures.loc[0, "label"] = '=HYPERLINK("http://x","点我")'
    matrix = agent_item_matrix(FRAME)
    matrix.columns = ["@closing", "greeting", "identity_check"]
    data = analysis_workbook({"质检项": failures, "坐席×质检项": matrix, "bad:name?": score_summary(FRAME)}, "zh")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["质检项", "坐席×质检项", "bad_name_"]
    ws = wb["质检项"]
    header = [c.value for c in ws[1]]
    assert header == ["质检项代码", "质检项", "适用次数", "不合格次数", "部分得分次数", "不合格率", "涉及质检表数", "致命项不合格"]
    cell = ws.cell(2, 2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK") and cell.quotePrefix  # text, never a formula
    assert ws.cell(2, 3).value == 3 and abs(ws.cell(2, 6).value - 1 / 3) < 1e-9  # numbers stay numbers
    mx = wb["坐席×质检项"]
    assert [c.value for c in mx[1]] == ["坐席工号", "@closing", "greeting", "identity_check"] and mx["B1"].quotePrefix
    assert [c.value for c in mx[3]] == ["A2", 1, 0.5, 0]
    en = openpyxl.load_workbook(io.BytesIO(analysis_workbook({"Items": item_failure(FRAME)}, "en")))
    assert [c.value for c in en["Items"][1]][:3] == ["Item code", "Item", "Applicable"]
