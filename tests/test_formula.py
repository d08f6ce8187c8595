"""The formula language: parsed, never eval-ed; errors point at the position; x/0 is empty."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ccdash.findings import CcdashError
from ccdash.indicators.formula import evaluate, names, parse


@pytest.mark.parametrize("text, env, expected", [
    ("a / b", {"a": 3, "b": 4}, 0.75),
    ("(a - b) / c", {"a": 10, "b": 4, "c": 3}, 2.0),
    ("-a + 2 * b", {"a": 1, "b": 3}, 5.0),
    ("a - b - c", {"a": 10, "b": 3, "c": 2}, 5.0),
    ("a / b / c", {"a": 12, "b": 3, "c": 2}, 2.0),
    ("1 - x", {"x": 0.25}, 0.75),
    ("handled / (login_s / 3600)", {"handled": 30, "login_s": 8 * 3600}, 3.75),
])
def test_arithmetic(text, env, expected):
    assert evaluate(parse(text), env) == pytest.approx(expected)


def test_names():
    assert names(parse("(talk_s + hold_s + acw_s) / handled")) == {"talk_s", "hold_s", "acw_s", "handled"}


def test_division_by_zero_is_empty():
    assert math.isnan(evaluate(parse("a / b"), {"a": 1, "b": 0}))
    got = evaluate(parse("a / b"), {"a": pd.Series([1.0, 2.0]), "b": pd.Series([0.0, 4.0])})
    assert math.isnan(got[0]) and got[1] == 0.5


@pytest.mark.parametrize("text, pos", [("a +", 4), ("a ) b", 3), ("(a + b", 7), ("a $ b", 3), ("__import__('os')", 12)])
def test_syntax_errors_point_at_the_position(text, pos):
    with pytest.raises(CcdashError) as exc:
        parse(text)
    message = exc.value.message("en")
    assert f"character {pos}" in message and message.splitlines()[-1] == " " * (pos - 1) + "^"
