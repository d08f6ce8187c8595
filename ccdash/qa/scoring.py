"""Scoring one evaluation on one form: item results → the call's score, fatal flag and pass.

score = 100 × Σ(points × weight) / Σ(max_points × weight), both sums over the applicable items (those
scored and not N/A). A fatal (一票否决) item that fails sets the score to 0 (earned_w = 0) and marks the
evaluation fatal. passed = score ≥ the form's pass mark (never when fatal or nothing was applicable).
A draft may leave items unscored: the score is then over the items scored so far (the live total);
``require_complete=True`` (saving a final score) refuses that and names the missing items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ccdash.findings import CcdashError
from ccdash.i18n import in_each_lang, joined, register
from ccdash.qa.forms import QaForm

Result = Literal["pass", "fail", "partial", "na"]
RESULTS = ("pass", "fail", "partial", "na")
DIGITS = 6  # the score is rounded to this many decimals, so 80 computed as 79.99999999 still passes 80

MESSAGES = {
    "qa.score_unknown_item": {
        "zh": "质检表 {form} 中没有评分项 “{item}”，无法评分",
        "en": "Form {form} has no item “{item}” to score",
    },
    "qa.score_bad_result": {
        "zh": "评分项 {label} 的结果 “{result}” 无效：应为 合格(pass)、不合格(fail)、部分得分(partial) 或 不适用(na)",
        "en": "Item {label}: result “{result}” is invalid; use pass, fail, partial or na",
    },
    "qa.score_partial_points": {
        "zh": "评分项 {label} 判为部分得分，得分必须大于 0 且小于满分 {max}（当前：{points}）",
        "en": "Item {label} is partial: its points must be more than 0 and less than the maximum {max} "
              "(given: {points})",
    },
    "qa.score_points_mismatch": {
        "zh": "评分项 {label} 判为{result}，得分应为 {expected}，而不是 {points}",
        "en": "Item {label} is {result}: its points should be {expected}, not {points}",
    },
    "qa.score_na_not_allowed": {
        "zh": "评分项 {label} 不允许判为不适用（N/A）",
        "en": "Item {label} cannot be marked not applicable (N/A)",
    },
    "qa.score_partial_not_allowed": {
        "zh": "评分项 {label} 只能判合格或不合格，不允许部分得分",
        "en": "Item {label} is pass/fail only; partial points are not allowed",
    },
    "qa.score_incomplete": {
        "zh": "评分未完成：还有 {count} 项未评：{items}",
        "en": "The score is incomplete: {count} item(s) not scored yet: {items}",
    },
}
register(MESSAGES)

RESULT_NAMES = {"pass": {"zh": "合格", "en": "pass"}, "fail": {"zh": "不合格", "en": "fail"},
                "partial": {"zh": "部分得分", "en": "partial"}, "na": {"zh": "不适用", "en": "N/A"}}


@dataclass(frozen=True)
class ItemResult:
    result: Result
    points: float | None = None  # required for partial; for pass/fail optional (must then be max / 0)
    comment: str = ""


@dataclass(frozen=True)
class ItemScore:
    code: str
    section: str  # the section's title (Chinese)
    label: str  # the item's label (Chinese)
    result: Result
    points: float | None  # earned; None for na
    max_points: float
    weight: float
    fatal: bool  # the item is a fatal item
    comment: str


@dataclass(frozen=True)
class Score:
    score: float | None  # 0–100; 0 when a fatal item failed; None when nothing was applicable
    earned_w: float  # Σ points × weight over applicable items (0 when fatal)
    possible_w: float  # Σ max_points × weight over applicable (scored, non-N/A) items
    fatal: bool
    fatal_items: tuple[str, ...]  # codes of the fatal items that failed
    passed: bool
    complete: bool  # every item of the form has a result
    items: tuple[ItemScore, ...]  # one per scored item, in form order


def _label(form: QaForm, code: str) -> dict[str, str]:
    """“label”（code） as a message parameter in each language."""
    return in_each_lang(lambda lang: f"“{form.item_label(code, lang)}”"
                        + (f"（{code}）" if lang == "zh" else f" ({code})"))


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def item_points(form: QaForm, code: str, given: ItemResult) -> float | None:
    """The points an item earns, after checking the result against the item; None for N/A."""
    item = form.item(code)
    label = _label(form, code)
    result = given.result
    if result not in RESULTS:
        raise CcdashError("qa.score_bad_result", label=label, result=result)
    if result == "na":
        if not item.na_allowed:
            raise CcdashError("qa.score_na_not_allowed", label=label)
        if given.points not in (None, 0):
            raise CcdashError("qa.score_points_mismatch", label=label, result=RESULT_NAMES["na"],
                              expected="—", points=_num(given.points))
        return None
    if result == "partial":
        if not item.partial_allowed:
            raise CcdashError("qa.score_partial_not_allowed", label=label)
        if given.points is None or not 0 < given.points < item.max_points:
            raise CcdashError("qa.score_partial_points", label=label, max=_num(item.max_points),
                              points=_num(given.points))
        return float(given.points)
    expected = item.max_points if result == "pass" else 0.0
    if given.points is not None and abs(given.points - expected) > 1e-9:
        raise CcdashError("qa.score_points_mismatch", label=label, result=RESULT_NAMES[result],
                          expected=_num(expected), points=_num(given.points))
    return float(expected)


def score_evaluation(form: QaForm, results: Mapping[str, ItemResult], *,
                     require_complete: bool = False) -> Score:
    """Score ``results`` (item code → result) on ``form``; raises CcdashError for a result the form does not
    allow, naming the item."""
    for code in results:
        if not form.has_item(code):
            raise CcdashError("qa.score_unknown_item", form=form.id, item=code)
    missing = [item.code for item in form.items() if item.code not in results]
    if require_complete and missing:
        raise CcdashError("qa.score_incomplete", count=len(missing),
                          items=in_each_lang(lambda lang: joined(
                              [form.item_label(code, lang) for code in missing])[lang]))
    scored: list[ItemScore] = []
    earned_w = possible_w = 0.0
    fatal_items: list[str] = []
    for section in form.sections:
        for item in section.items:
            given = results.get(item.code)
            if given is None:
                continue
            points = item_points(form, item.code, given)
            if points is not None:
                earned_w += points * item.weight
                possible_w += item.max_points * item.weight
            if item.fatal and given.result == "fail":
                fatal_items.append(item.code)
            scored.append(ItemScore(code=item.code, section=section.title.zh, label=form.item_label(item.code, "zh"),
                                    result=given.result, points=points, max_points=item.max_points,
                                    weight=item.weight, fatal=item.fatal, comment=given.comment))
    fatal = bool(fatal_items)
    if fatal:
        earned_w = 0.0
    score = None if possible_w <= 0 else (0.0 if fatal else round(100.0 * earned_w / possible_w, DIGITS))
    passed = score is not None and not fatal and score >= form.pass_mark
    return Score(score=score, earned_w=earned_w, possible_w=possible_w, fatal=fatal,
                 fatal_items=tuple(fatal_items), passed=passed, complete=not missing, items=tuple(scored))
