"""Scoring one evaluation, checked against hand-computed numbers: weights, N/A, fatal items, partial
points, the pass mark, drafts, and every refusal in Chinese and English."""

from __future__ import annotations

import pytest

from ccdash.findings import CcdashError
from ccdash.qa.forms import parse_form
from ccdash.qa.scoring import ItemResult, score_evaluation


def _form(sections, pass_mark=80, form_id="t"):
    return parse_form({"schema_version": 1, "id": form_id, "name": {"zh": "测试表", "en": "Test form"},
                       "pass_mark": pass_mark, "sections": sections})


# Items 10 / 20 / 30 points with weights 1 / 2 / 1.
WEIGHTED = _form([{"title": {"zh": "服务", "en": "Service"}, "items": [
    {"code": "greeting", "max_points": 10},
    {"code": "answer_accuracy", "max_points": 20, "weight": 2},
    {"code": "closing", "max_points": 30},
]}])

# greeting 10 · ★identity_check 20 · hold_etiquette 10 (N/A allowed) · answer_accuracy 60; pass mark 80.
MIXED = _form([
    {"title": {"zh": "开场", "en": "Opening"}, "items": [
        {"code": "greeting", "max_points": 10},
        {"code": "identity_check", "max_points": 20, "fatal": True,
         "label": {"zh": "核身（测试）", "en": "Verification (test)"}},
    ]},
    {"title": {"zh": "处理", "en": "Handling"}, "items": [
        {"code": "hold_etiquette", "max_points": 10, "na_allowed": True},
        {"code": "answer_accuracy", "max_points": 60},
    ]},
])


def R(result, points=None, comment=""):
    return ItemResult(result, points, comment)


def test_weights_and_partial_points():
    # earned   = 10×1 (pass) + 15×2 (partial 15 of 20) + 0×1 (fail) = 10 + 30 + 0 = 40
    # possible = 10×1 + 20×2 + 30×1 = 80  →  score = 100 × 40 / 80 = 50
    s = score_evaluation(WEIGHTED, {"greeting": R("pass"), "answer_accuracy": R("partial", 15),
                                    "closing": R("fail")})
    assert (s.earned_w, s.possible_w, s.score) == (40.0, 80.0, 50.0)
    assert not s.passed and not s.fatal and s.complete
    assert [(i.code, i.points, i.weight) for i in s.items] == [
        ("greeting", 10.0, 1.0), ("answer_accuracy", 15.0, 2.0), ("closing", 0.0, 1.0)]


def test_weight_changes_the_score():
    # Same results with the weights ignored would be (10 + 15 + 0) / 60 = 41.67; with weight 2 on the partial
    # item, a pass on it instead: earned = 10 + 20×2 + 0 = 50 of 80 → 62.5
    s = score_evaluation(WEIGHTED, {"greeting": R("pass"), "answer_accuracy": R("pass"), "closing": R("fail")})
    assert s.score == 62.5


def test_na_is_left_out_of_both_sums():
    # greeting 10 + identity 20 + accuracy partial 45 = 75 earned; possible 10 + 20 + 60 = 90 (hold N/A)
    # score = 100 × 75 / 90 = 83.333333 ≥ 80 → passed. Counting hold as 0 of 10 would give 75 → fail.
    s = score_evaluation(MIXED, {"greeting": R("pass"), "identity_check": R("pass"), "hold_etiquette": R("na"),
                                 "answer_accuracy": R("partial", 45)})
    assert (s.earned_w, s.possible_w) == (75.0, 90.0)
    assert s.score == pytest.approx(83.333333, abs=1e-6)
    assert s.passed
    hold = next(i for i in s.items if i.code == "hold_etiquette")
    assert hold.result == "na" and hold.points is None and hold.max_points == 10


def test_fatal_failure_scores_zero_and_is_counted():
    # Everything else passes (80 of 100), but the fatal identity check fails → score 0, earned 0, fatal.
    s = score_evaluation(MIXED, {"greeting": R("pass"), "identity_check": R("fail"), "hold_etiquette": R("pass"),
                                 "answer_accuracy": R("pass")})
    assert s.score == 0.0 and s.earned_w == 0.0 and s.possible_w == 100.0
    assert s.fatal and s.fatal_items == ("identity_check",) and not s.passed
    assert next(i for i in s.items if i.code == "identity_check").fatal


def test_non_fatal_failure_is_not_fatal():
    # greeting fails (non-fatal): 0 + 20 + 10 + 60 = 90 of 100
    s = score_evaluation(MIXED, {"greeting": R("fail"), "identity_check": R("pass"), "hold_etiquette": R("pass"),
                                 "answer_accuracy": R("pass")})
    assert s.score == 90.0 and not s.fatal and s.fatal_items == () and s.passed


def test_pass_mark_boundary():
    base = {"greeting": R("pass"), "identity_check": R("pass"), "hold_etiquette": R("pass")}
    # 10 + 20 + 10 + 40 = 80 of 100 → exactly the pass mark → passes
    at = score_evaluation(MIXED, {**base, "answer_accuracy": R("partial", 40)})
    assert at.score == 80.0 and at.passed
    # 10 + 20 + 10 + 39.9 = 79.9 → just below → fails
    below = score_evaluation(MIXED, {**base, "answer_accuracy": R("partial", 39.9)})
    assert below.score == pytest.approx(79.9) and not below.passed


def test_pass_mark_exact_despite_float_rounding():
    # earned = 1.0×0.1 + 8.7×1 = 8.8, possible = 10×0.1 + 10×1 = 11 → 100 × 8.8 / 11 = 80 exactly (in floats
    # it computes as 79.99999999999999; the score is rounded to 6 decimals, so it passes the mark of 80).
    form = _form([{"title": {"zh": "服务", "en": "Service"}, "items": [
        {"code": "greeting", "max_points": 10, "weight": 0.1},
        {"code": "answer_accuracy", "max_points": 10},
    ]}])
    s = score_evaluation(form, {"greeting": R("partial", 1.0), "answer_accuracy": R("partial", 8.7)})
    assert s.score == 80.0 and s.passed


def test_draft_scores_the_items_so_far_and_final_needs_all():
    draft = score_evaluation(MIXED, {"greeting": R("pass"), "answer_accuracy": R("partial", 30)})
    # (10 + 30) / (10 + 60) = 57.142857
    assert not draft.complete
    assert draft.score == pytest.approx(57.142857, abs=1e-6)
    assert [i.code for i in draft.items] == ["greeting", "answer_accuracy"]
    with pytest.raises(CcdashError) as err:
        score_evaluation(MIXED, {"greeting": R("pass"), "answer_accuracy": R("partial", 30)}, require_complete=True)
    assert err.value.code == "qa.score_incomplete"
    assert "核身（测试）" in str(err.value) and "等待致歉致谢" in str(err.value) and "2" in str(err.value)
    en = err.value.message("en")
    assert "incomplete" in en and "Verification (test)" in en and "Hold etiquette" in en


def test_nothing_applicable_has_no_score():
    s = score_evaluation(MIXED, {"hold_etiquette": R("na")})
    assert s.score is None and not s.passed and s.possible_w == 0.0
    empty = score_evaluation(MIXED, {})
    assert empty.score is None and empty.items == () and not empty.complete


def test_item_scores_carry_chinese_section_and_label_and_comment():
    s = score_evaluation(MIXED, {"identity_check": R("pass", 20, "核了三要素"), "greeting": R("pass", 10)})
    first, second = s.items  # in form order, not in the order given
    assert (first.code, first.section, first.label) == ("greeting", "开场", "开头语+工号+录音提示")
    assert (second.section, second.label, second.comment) == ("开场", "核身（测试）", "核了三要素")


@pytest.mark.parametrize("results, code, zh_words, en_words", [
    ({"soothe": R("pass")}, "qa.score_unknown_item", ["soothe", "没有评分项"], ["soothe", "no item"]),
    ({"answer_accuracy": R("partial")}, "qa.score_partial_points", ["部分得分", "大于 0", "60"],
     ["partial", "more than 0", "60"]),
    ({"answer_accuracy": R("partial", 0)}, "qa.score_partial_points", ["小于满分 60"], ["less than the maximum 60"]),
    ({"answer_accuracy": R("partial", 60)}, "qa.score_partial_points", ["当前：60"], ["given: 60"]),
    ({"answer_accuracy": R("partial", -1)}, "qa.score_partial_points", ["当前：-1"], ["given: -1"]),
    ({"greeting": R("pass", 5)}, "qa.score_points_mismatch", ["合格", "应为 10", "不是 5"],
     ["is pass", "should be 10, not 5"]),
    ({"greeting": R("fail", 3)}, "qa.score_points_mismatch", ["不合格", "应为 0"], ["is fail", "should be 0, not 3"]),
    ({"greeting": R("na")}, "qa.score_na_not_allowed", ["不适用", "开头语+工号+录音提示"],
     ["not applicable", "Opening (greeting, staff ID, recording notice)"]),
    ({"identity_check": R("partial", 10)}, "qa.score_partial_not_allowed", ["核身（测试）", "只能判合格或不合格"],
     ["Verification (test)", "pass/fail only"]),
    ({"greeting": R("good")}, "qa.score_bad_result", ["good", "无效"], ["good", "invalid"]),
])
def test_refusals_in_both_languages(results, code, zh_words, en_words):
    with pytest.raises(CcdashError) as err:
        score_evaluation(MIXED, results)
    assert err.value.code == code
    for word in zh_words:
        assert word in str(err.value)
    for word in en_words:
        assert word in err.value.message("en")


def test_points_that_agree_with_the_result_are_accepted():
    s = score_evaluation(MIXED, {"greeting": R("pass", 10), "identity_check": R("fail", 0)})
    assert s.fatal and s.score == 0.0
