"""The formula language a team lead writes: values on the hand-made store, errors with carets, units,
cycles, and properties (hypothesis) of the parser — it never crashes and accepts nothing outside the grammar.

The small store (tests/conftest.py, worked out in tests/test_indicators_by_hand.py), as summed measures:

    measure            day 1 (03-02)   day 2 (03-03)   total
    offered            5               3               8
    answered           3               3               6
    abandoned          2               0               2
    handled            3               3               6
    transferred        1               0               1
    wait_answered_s    10+30+5 = 45    15+60+25 = 100  145
    talk/hold/acw_s    350 / 10 / 60   500 / 20 / 60   850 / 30 / 120   (handle 420 | 580 | 1000)
    ans_wait_le_20     2 (10, 5)       1 (15)          3
    abn_wait_le_5      1 (C003: 4 s)   0               1
    resolved yes/known 2 / 3           2 / 2           4 / 5
    csat resp/sat/dis  3 / 1 / 1       2 / 2 / 0       5 / 3 / 1        (score sum 9 | 9 | 18)
    repeat 24h / base  2 / 3           0 / 3           2 / 6
    login_s            28800+14400     28800+28800     100800
    aux_s              1200+600        600+1200+3600   7200
    st_talk+st_acw     350+60 = 410    520+60 = 580    990
    agents, agent_days 2, 2            2, 2            2, 4
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccdash.findings import CcdashError
from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import wide
from ccdash.indicators.custom import formula_vocabulary, preview_formula
from ccdash.indicators.formula import (
    FUNCTIONS, KEYWORDS, FormulaError, Node, caret_line, check_cycles, evaluate, infer_unit, names, parse, to_text,
)
from ccdash.store.db import make_engine
from tests.conftest import CALL_HEADERS, SMALL_CALLS, SMALL_STATES, write_xlsx
from tests.actors import ADMIN

D1, D2 = "2026-03-02", "2026-03-03"
CATALOG = load_catalog()
VOCAB = formula_vocabulary(CATALOG)
NAN = math.nan


@pytest.fixture(scope="module")
def store(tmp_path_factory, module_stores):
    """The small hand-checked store, built once for this module (the same files as ``small_files``)."""
    from ccdash.ingest.pipeline import import_file
    folder = tmp_path_factory.mktemp("formula_store")
    files = {
        "roster": write_xlsx(folder / "roster.xlsx", ["工号", "姓名", "班组", "班组长"],
                             [["A01", "张三", "T1", "王组长"], ["A02", "李四", "T2", "赵组长"]]),
        "calls": write_xlsx(folder / "calls.xlsx", CALL_HEADERS, SMALL_CALLS, title="呼入明细报表",
                            total=["合计", None, None, None, None, None, 189]),
        "agent_states": write_xlsx(folder / "states.xlsx", ["日期", "工号", "签入时长(秒)", "空闲时长(秒)", "小休时长(秒)",
                                                            "就餐时长(秒)", "总通话时长(秒)", "话后处理时长(秒)"], SMALL_STATES),
    }
    engine = make_engine(module_stores.new())
    for kind in ("roster", "calls", "agent_states"):
        assert import_file(engine, files[kind], kind, actor=ADMIN).prepared.ok
    yield engine
    engine.dispose()


# formula, (day 1, day 2, the two days together) — every value worked out by hand from the table above
FORMULAS = [
    # ratios of sums: the total is Σ/Σ, not the mean of the daily ratios
    ("answered / offered", (3 / 5, 3 / 3, 6 / 8)),  # mean of daily ratios would be (0.6 + 1) / 2 = 0.8
    ("接通量 / 进线量", (3 / 5, 3 / 3, 6 / 8)),
    ("[Answer rate]", (3 / 5, 1.0, 6 / 8)),
    ("Answer rate * 100", (60.0, 100.0, 75.0)),  # a known name with a space, no brackets needed
    ("1 - 接通率", (2 / 5, 0.0, 2 / 8)),
    ("abandoned / offered", (2 / 5, 0 / 3, 2 / 8)),
    ("放弃量 + 接通量", (5.0, 3.0, 8.0)),
    ("(接通量 + 放弃量) / 进线量", (1.0, 1.0, 1.0)),
    ("（接通量＋放弃量）×2", (10.0, 6.0, 16.0)),  # full-width parentheses and operators
    ("AHT", (420 / 3, 580 / 3, 1000 / 6)),
    ("aht / 60", (420 / 180, 580 / 180, 1000 / 360)),
    ("(talk_s + hold_s + acw_s) / handled", (420 / 3, 580 / 3, 1000 / 6)),  # stored measures by code
    ("平均通话时长 + 平均保持时长 + 平均话后时长", ((350 + 10 + 60) / 3, (500 + 20 + 60) / 3, (850 + 30 + 120) / 6)),
    ("ans_wait_le_20 / offered", (2 / 5, 1 / 3, 3 / 8)),
    ("接通量_20秒 / (进线量 - 5秒内放弃量)", (2 / (5 - 1), 1 / (3 - 0), 3 / (8 - 1))),  # 3/7, not (0.5 + 1/3) / 2
    ("20秒接通率", (2 / 5, 1 / 3, 3 / 8)),  # a synonym starting with digits: the longest known name wins
    ("handled / (login_s / 3600)", (3 / 12, 3 / 16, 6 / 28)),
    ("每小时处理量 * 8", (3 / 12 * 8, 3 / 16 * 8, 6 / 28 * 8)),
    ("min(接通率, 90%)", (0.6, 0.9, 0.75)),
    ("max(接通率, 90%)", (0.9, 1.0, 0.9)),
    ("MAX(answered, abandoned, 2.5)", (3.0, 3.0, 6.0)),  # function names in any case
    ("max(answered - 4, 0)", (0.0, 0.0, 2.0)),
    ("abs(放弃量 - 接通量)", (1.0, 3.0, 4.0)),
    ("round(AHT)", (140.0, 193.0, 167.0)),  # 193.33 → 193, 166.67 → 167
    ("round(AHT, 1)", (140.0, 193.3, 166.7)),
    ("round(2.5) + round(-2.5) + offered", (5.0, 3.0, 8.0)),  # half away from zero: 3 + (-3) + offered
    ("round(offered / 2)", (3.0, 2.0, 4.0)),  # 2.5 → 3, 1.5 → 2, 4
    ("if(接通率 >= 0.9, 1, 0)", (0.0, 1.0, 0.0)),
    ("if(放弃量 = 0, 接通量, -1)", (-1.0, 3.0, -1.0)),
    ("if(abandoned == 0, 1, 0) + if(abandoned != 0, 10, 0)", (10.0, 1.0, 10.0)),
    ("if(offered > 4 and abandoned > 0, 1, 2)", (1.0, 2.0, 1.0)),
    ("if(offered < 4 or abandoned > 2, 1, 0)", (0.0, 1.0, 0.0)),  # 5<4 no, 2>2 no | 3<4 | 8<4 no, 2>2 no
    ("if(not abandoned, 1, 0)", (0.0, 1.0, 0.0)),
    ("if(offered <= 3, 1, 0) + if(offered < 3, 1, 0)", (0.0, 1.0, 0.0)),
    ("if(接通率 < 0.9, 接通率 - 0.9, 0)", (0.6 - 0.9, 0.0, 0.75 - 0.9)),
    ("nullif(abandoned, 0)", (2.0, NAN, 2.0)),
    ("answered / nullif(abandoned, 0)", (3 / 2, NAN, 6 / 2)),
    ("abandoned / abandoned", (1.0, NAN, 1.0)),  # 0 / 0 is empty
    ("safe_div(transferred, handled)", (1 / 3, 0 / 3, 1 / 6)),
    ("answered / 0", (NAN, NAN, NAN)),
    ("-abandoned", (-2.0, 0.0, -2.0)),
    ("--answered", (3.0, 3.0, 6.0)),
    ("2 * offered + 4", (14.0, 10.0, 20.0)),  # * before +
    ("2 * (offered + 4)", (18.0, 14.0, 24.0)),
    ("offered - 4 - 3", (-2.0, -4.0, 1.0)),  # left to right
    ("48 / offered / 2", (4.8, 8.0, 3.0)),
    ("85% * offered", (0.85 * 5, 0.85 * 3, 0.85 * 8)),
    ("1.5e1 + .5 * offered", (17.5, 16.5, 19.0)),
    ("平均满意度", (9 / 3, 9 / 2, 18 / 5)),
    ("(csat_score_sum / csat_responses) / 5", (9 / 3 / 5, 9 / 2 / 5, 18 / 5 / 5)),
    ("满意率 - 不满意率", (1 / 3 - 1 / 3, 2 / 2 - 0 / 2, 3 / 5 - 1 / 5)),
    ("[CSAT (satisfied share)]", (1 / 3, 1.0, 3 / 5)),
    ("Repeat-call rate", (2 / 3, 0.0, 2 / 6)),  # an English name with a hyphen, no brackets needed
    ("解决率", (2 / 3, 2 / 2, 4 / 5)),
    ("人均接听量", (3 / 2, 3 / 2, 6 / 4)),
    ("出勤人数 * 8", (16.0, 16.0, 16.0)),
    ("工时利用率", (410 / 43200, 580 / 57600, 990 / 100800)),
    ("(st_talk_s + st_acw_s + st_hold_s) / login_s", (410 / 43200, 580 / 57600, 990 / 100800)),
    ("aux_s / 3600", (0.5, 1.5, 2.0)),
    ("ASA - 20", (45 / 3 - 20, 100 / 3 - 20, 145 / 6 - 20)),
]


def _values(engine, formula: str, grain: str) -> list[float]:
    got = wide(preview_formula(engine, formula, D1, D2, grain, catalog=CATALOG))
    return list(got["__preview__"])


def test_the_table_is_big_enough():
    assert len(FORMULAS) >= 40


@pytest.mark.parametrize("formula, expected", FORMULAS, ids=[f for f, _ in FORMULAS])
def test_formula_values_by_day_and_total(store, formula, expected):
    day1, day2, total = expected
    assert _values(store, formula, "day") == pytest.approx([day1, day2], nan_ok=True)
    assert _values(store, formula, "total") == pytest.approx([total], nan_ok=True)


def test_ratio_of_sums_differs_from_mean_of_daily_ratios(store):
    daily = _values(store, "answered / offered", "day")
    total = _values(store, "answered / offered", "total")[0]
    assert total == pytest.approx(6 / 8)
    assert sum(daily) / len(daily) == pytest.approx(0.8) != pytest.approx(total)


def test_division_by_zero_is_empty_never_infinite():
    for text, env in [("a / b", {"a": 1.0, "b": 0.0}), ("safe_div(a, b)", {"a": 1.0, "b": 0.0}),
                      ("a / (b - b)", {"a": 0.0, "b": 2.0}), ("1e300 * 1e300 / b", {"b": 1.0})]:
        assert math.isnan(evaluate(parse(text), env)), text
    got = evaluate(parse("a / b"), {"a": pd.Series([1.0, -1.0, 0.0, 2.0]), "b": pd.Series([0.0, 0.0, 0.0, 4.0])})
    assert got.isna().tolist() == [True, True, True, False] and got[3] == 0.5


def test_comparison_with_an_empty_value_is_empty():
    env = {"a": pd.Series([1.0, NAN]), "b": pd.Series([2.0, 2.0])}
    got = evaluate(parse("if(a < b, 1, 0)"), env)
    assert got[0] == 1.0 and math.isnan(got[1])


def test_names_resolve_to_codes():
    assert names(parse("接通量 / [Offered] + 应答率 - AHT / aht", VOCAB)) == {"answered", "offered", "answer_rate", "aht"}
    assert parse("answer rate", VOCAB) == parse("[ANSWER   RATE]", VOCAB) == ("name", "answer_rate")


# ---- errors -------------------------------------------------------------------------------------------------

# formula, error kind, position (1-based character), length of the caret, a piece of the zh and of the en message
ERRORS = [
    ("", "empty", 1, 1, "公式是空的", "The formula is empty"),
    ("   ", "empty", 1, 1, "公式是空的", "The formula is empty"),
    ("接通量 / 进线数", "unknown_name", 7, 3, "未知名称「进线数」 — 是不是「进线」？", "Unknown name “进线数” — did you mean “进线”?"),
    ("answerd / offered", "unknown_name", 1, 7, "是不是「answered」", "did you mean “answered”"),
    ("接通量 +", "trailing_operator", 6, 1, "公式在「+」之后就结束了", "The formula ends after “+”"),
    ("(接通量 + 放弃量", "unclosed_paren", 11, 1, "第 1 个字符的「(」没有闭合", "the “(” at character 1 is never closed"),
    ("接通量 + 放弃量)", "unmatched_close", 10, 1, "多余的「)」", "This “)” has no matching “(”"),
    ("()", "empty_parens", 1, 2, "括号里是空的", "Nothing inside the parentheses"),
    ("* 接通量", "missing_left", 1, 1, "「*」前面缺少一个数或名称", "A number or name is missing before “*”"),
    ("接通量 + * 放弃量", "missing_right", 5, 1, "「+」后面缺少一个数或名称", "A number or name is missing after “+”"),
    ("(接通量 + ) / 2", "missing_right", 6, 1, "「+」后面缺少一个数或名称", "missing after “+”"),
    ("1 2", "missing_operator", 3, 1, "「1」和「2」之间缺少运算符", "An operator (+ - * /) is missing between “1” and “2”"),
    ("接通量 进线量", "missing_operator", 5, 3, "「接通量」和「进线量」之间缺少运算符", "missing between “接通量” and “进线量”"),
    ("mean(接通量, 进线量)", "unknown_function", 1, 4, "未知函数「mean」（是不是「min」？）",
     "Unknown function “mean” (did you mean “min”?)"),
    ("abs(接通量, 进线量)", "arity", 1, 3, "函数 abs 需要 1 个参数，这里给了 2 个", "The function abs takes 1 argument(s), not 2"),
    ("if(接通率 > 0.9, 1)", "arity", 1, 2, "函数 if 需要 3 个参数", "The function if takes 3 argument(s), not 2"),
    ("round(aht, 1.5)", "round_digits", 12, 3, "round 的第二个参数", "The second argument of round"),
    ("接通率 > 0.9", "comparison_outside_if", 5, 1, "只能用在 if(条件, 是, 否) 的条件里", "only be used in the condition of if"),
    ("1 + (aht < 2)", "comparison_outside_if", 10, 1, "只能用在 if", "only be used in the condition"),
    ("if(1 < 2 < 3, 1, 0)", "chained_comparison", 10, 1, "比较不能连写", "Comparisons cannot be chained"),
    ("接通量 $ 进线量", "bad_char", 5, 1, "公式里不能有字符「$」", "The character “$” cannot be used"),
    ("'接通量' / 进线量", "quote", 1, 1, "公式里不用引号", "No quotes in a formula"),
    ("[Answer rate", "unclosed_bracket", 1, 1, "方括号「[」没有闭合", "This “[” is never closed"),
    ("[] + 1", "empty_bracket", 1, 2, "方括号里是空的", "Nothing inside the square brackets"),
    ("接通量]", "unmatched_bracket", 4, 1, "多余的「]」", "This “]” has no matching “[”"),
    ("接通量 % 2", "percent_misplaced", 5, 1, "% 只能直接写在数字后面", "% can only follow a number"),
    ("接通量, 进线量", "comma_outside", 4, 1, "逗号只用来分隔函数的参数", "A comma only separates the arguments"),
    ("max(接通量,)", "missing_argument", 9, 1, "函数 max 缺少参数", "An argument of max is missing"),
    ("max(接通量, 进线量", "unclosed_call", 1, 3, "函数 max 的括号没有闭合", "The parentheses of max are not closed"),
    ("接通率(2)", "not_function", 1, 3, "「接通率」是指标名称，不是函数", "“接通率” is a name, not a function"),
    ("max + 1", "function_needs_parens", 1, 3, "函数 max 后面要跟括号", "The function max needs parentheses"),
    ("1e999 * 接通量", "number_too_large", 1, 5, "数字「1e999」太大", "The number “1e999” is too large"),
    ("(" * 50 + "1" + ")" * 50, "too_deep", 41, 1, "公式嵌套太深", "nested too deeply"),
    ("1 +" * 200, "too_long", 501, 1, "公式太长", "The formula is too long"),
    ("__import__('os')", "quote", 12, 1, "公式里不用引号", "No quotes"),
    ("接通量.real", "bad_char", 4, 1, "字符「.」", "The character “.”"),
    ("lambda: 1", "bad_char", 7, 1, "字符「:」", "The character “:”"),
    ("not 接通量", "comparison_outside_if", 1, 3, "and/or/not 只能用在 if", "and/or/not can only be used"),
]


def test_there_are_enough_malformed_formulas():
    assert len(ERRORS) >= 20 and len({kind for _, kind, *_ in ERRORS}) >= 20


@pytest.mark.parametrize("text, kind, pos, length, zh, en", ERRORS, ids=[e[1] + ":" + e[0][:20] for e in ERRORS])
def test_malformed_formulas_say_what_and_where(text, kind, pos, length, zh, en):
    with pytest.raises(FormulaError) as caught:
        parse(text, VOCAB)
    exc = caught.value
    assert (exc.kind, exc.position + 1, exc.length) == (kind, pos, length)
    assert isinstance(exc, CcdashError) and exc.code == f"formula.{kind}"
    assert zh in exc.message("zh") and en in exc.message("en")
    if kind != "empty":
        for lang in ("zh", "en"):
            lines = exc.message(lang).splitlines()
            assert lines[-2:] == [text, caret_line(text, pos - 1, length)]
            assert f"character {pos}" in exc.message("en") and f"第 {pos} 个字符" in exc.message("zh")


def test_unknown_name_message_in_full():
    with pytest.raises(FormulaError) as caught:
        parse("接通量 / 进线数", VOCAB)
    assert caught.value.message("zh") == "未知名称「进线数」 — 是不是「进线」？（第 7 个字符）\n接通量 / 进线数\n         ^^^^^^"
    assert caught.value.message("en") == ("Unknown name “进线数” — did you mean “进线”? (at character 7)\n"
                                          "接通量 / 进线数\n         ^^^^^^")
    assert str(caught.value) == caught.value.message("zh")


def test_the_caret_counts_wide_characters_twice():
    assert caret_line("接通量 / x", 6) == " " * 9 + "^"
    assert caret_line("a + b", 4) == "    ^" and caret_line("ab", 2) == "  ^"


# ---- units --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, unit", [
    ("answered / offered", "percent"),  # count / count
    ("接通量_20秒 / (进线量 - 5秒内放弃量)", "percent"),
    ("talk_s / handled", "seconds"),  # seconds / count
    ("平均通话时长 + 平均保持时长", "seconds"),  # seconds + seconds
    ("answered * 2", "count"),  # count × number
    ("接通率 * 2", "percent"),  # percent × number
    ("1 - answer_rate", "percent"),
    ("min(aht, asa)", "seconds"), ("max(接通率, 90%)", "percent"),
    ("if(offered > 0, aht, asa)", "seconds"),
    ("handled / (login_s / 3600)", "per_hour"),
    ("每小时处理量 * 8", "per_hour"),
    ("handled / agents", "count"),
    ("(st_talk_s + st_acw_s) / login_s", "percent"),
    ("平均满意度 - 3", "score"),
    ("round(aht, 1)", "seconds"), ("abs(接通率 - 0.9)", "percent"),
    ("aht + answered", "number"), ("接通率 / 放弃率", "number"), ("2 + 3", "number"), ("aht * asa", "number"),
])
def test_units_are_inferred(formula, unit):
    assert infer_unit(parse(formula, VOCAB), CATALOG) == unit


# ---- cycles -------------------------------------------------------------------------------------------------

def test_a_cycle_between_custom_indicators_is_shown():
    with pytest.raises(CcdashError) as caught:
        check_cycles({"a_rate": "b_rate + 1", "b_rate": "c_rate * 2", "c_rate": "a_rate / 接通量"}, CATALOG)
    assert caught.value.code == "formula.cycle"
    assert "a_rate → b_rate → c_rate → a_rate" in caught.value.message("zh")
    assert caught.value.message("en") == ("Custom indicators refer to each other in a cycle: "
                                          "a_rate → b_rate → c_rate → a_rate")


def test_self_reference_and_no_cycle():
    with pytest.raises(CcdashError, match="x_rate → x_rate"):
        check_cycles({"x_rate": "x_rate + 1"}, CATALOG)
    check_cycles({"a_rate": "b_rate + c_rate", "b_rate": "c_rate * 2", "c_rate": "接通量 / 进线量"}, CATALOG)
    with pytest.raises(FormulaError):  # each formula must parse
        check_cycles({"a_rate": "b_rate +"}, CATALOG)


# ---- printing -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, printed", [
    ("a - (b - c)", "a - (b - c)"), ("(a - b) - c", "a - b - c"), ("a / (b * c)", "a / (b * c)"),
    ("-(a + b) * 2", "-(a + b) * 2"), ("a - -b", "a - -b"), ("85%", "0.85"), ("1.50", "1.5"),
    ("if(not (a < b or c >= d) and e, 1, 0)", "if(not (a < b or c >= d) and e, 1, 0)"),
    ("MIN(a,b)", "min(a, b)"), ("[Answer rate] * 2", "[Answer rate] * 2"),
    ("[and] + [min] + [2x]", "[and] + [min] + [2x]"),
])
def test_printing_uses_as_few_parentheses_as_needed(text, printed):
    assert to_text(parse(text)) == printed
    assert parse(printed) == parse(text)


def test_trees_remember_positions_but_compare_by_content():
    tree = parse("接通量 / 进线量", VOCAB)
    assert isinstance(tree, Node) and (tree.pos, tree[1].pos, tree[2].pos) == (4, 0, 6)
    assert tree == ("/", ("name", "answered"), ("name", "offered"))


# ---- properties ---------------------------------------------------------------------------------------------

ALLOWED_TAGS = {"num", "name", "neg", "not", "call", "+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=", "and", "or"}
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_grammar(node, known: set[str] | None) -> None:
    assert isinstance(node, tuple) and node[0] in ALLOWED_TAGS, node
    if node[0] == "num":
        assert isinstance(node[1], float) and math.isfinite(node[1])
    elif node[0] == "name":
        assert isinstance(node[1], str) and (known is None or node[1] in known)
    elif node[0] == "call":
        assert node[1] in FUNCTIONS
        for arg in node[2:]:
            _only_grammar(arg, known)
    else:
        for child in node[1:]:
            _only_grammar(child, known)


GRAMMAR_ALPHABET = "ab 1.5e%+-*/(),<>=![]_接通量率进线" + "".join(FUNCTIONS)[:12]
SNIPPETS = st.sampled_from([
    "__import__('os')", "os.system", "a.b", "lambda x: x", "\"text\"", "'s'", "exec(1)", "eval(a)", "open(f)",
    "().__class__", "x[0]", "{a}", "a if b else c", "a ** 2", "a // 2", "a @ b", "a; b", "`a`", "a:=1", "f'x'",
    "接通量", "answer_rate", "+", "(", ")", ",", "max(", "if(", " and ", " not ", "85%", "1e5", "[Answer rate]",
])


def _tree_or_formula_error(text: str) -> None:
    for vocab in (None, VOCAB):
        try:
            tree = parse(text, vocab)
        except FormulaError as exc:
            assert 0 <= exc.position <= max(len(text), 500) and exc.message("en") and exc.message("zh")
        else:
            _only_grammar(tree, None if vocab is None else set(VOCAB.codes.values()))


@PROPERTY
@given(st.text(max_size=80))
def test_arbitrary_text_gives_a_tree_or_a_formula_error(text):
    _tree_or_formula_error(text)


@PROPERTY
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=60))
def test_text_near_the_grammar_gives_a_tree_or_a_formula_error(text):
    _tree_or_formula_error(text)


@PROPERTY
@given(st.lists(SNIPPETS, min_size=1, max_size=6).map("".join))
def test_python_outside_the_grammar_is_never_accepted_or_run(text):
    """Attribute access, strings, lambdas, subscripts, imports: a FormulaError, or (made of the grammar's own
    pieces) a tree of grammar nodes over known names only — evaluating it only does arithmetic."""
    try:
        tree = parse(text, VOCAB)
    except FormulaError:
        return
    codes = set(VOCAB.codes.values())
    _only_grammar(tree, codes)
    env = {code: pd.Series([1.0, 0.0]) for code in names(tree)}
    value = evaluate(tree, env)
    assert isinstance(value, (float, pd.Series))
    assert not any(bad in text for bad in ("__", "lambda", "'", '"', ".system", "exec", "eval", "open("))


def _name_ok(name: str) -> bool:
    from ccdash.indicators.formula import FULL_WIDTH
    return name == " ".join(name.split()) and "]" not in name and name.translate(FULL_WIDTH) == name and name != ""


NAMES = st.one_of(
    st.sampled_from(["a", "b_2", "接通量", "接通量_20秒", "Answer rate", "and", "min", "2x", "x[y", "CSAT (share)"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8).filter(_name_ok),
)
NUMBERS = st.one_of(st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False),
                    st.integers(min_value=0, max_value=10**6).map(float))


def _trees():
    leaves = st.one_of(NUMBERS.map(lambda v: ("num", v)), NAMES.map(lambda n: ("name", n)))

    def extend(values):
        conditions = st.deferred(lambda: st.one_of(
            st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), values, values),
            st.tuples(st.sampled_from(["and", "or"]), conditions, conditions),
            st.tuples(st.just("not"), conditions),
            values))
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), values, values),
            st.tuples(st.just("neg"), values),
            st.tuples(st.just("call"), st.sampled_from(["min", "max"]), values, values).map(tuple),
            st.tuples(st.just("call"), st.sampled_from(["abs", "round"]), values),
            st.tuples(st.just("call"), st.just("round"), values,
                      st.integers(0, 10).map(lambda n: ("num", float(n)))),
            st.tuples(st.just("call"), st.sampled_from(["nullif", "safe_div"]), values, values),
            st.tuples(st.just("call"), st.just("if"), conditions, values, values),
        )
    return st.recursive(leaves, extend, max_leaves=12)


@PROPERTY
@given(_trees())
def test_printing_a_tree_and_parsing_it_again_gives_the_same_tree(tree):
    text = to_text(tree)
    if len(text) > 500:
        return
    assert parse(text) == tree, text


@PROPERTY
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=60))
def test_parsed_text_prints_back_to_the_same_tree(text):
    for vocab in (None, VOCAB):
        try:
            tree = parse(text, vocab)
        except FormulaError:
            continue
        assert parse(to_text(tree)) == tree


def test_keywords_and_functions_are_not_plain_names():
    for word in (*KEYWORDS, *FUNCTIONS):
        assert to_text(("name", word)) == f"[{word}]"
