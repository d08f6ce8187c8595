"""Indicator values as text for people: 92.3%, 185.2 s, 12,345 — by the indicator's unit and decimals.

Percent indicators are stored as fractions (0.923); an undefined value (NaN, None, ±inf) shows as "—".
"""

from __future__ import annotations

import math

import pandas as pd

from ccdash.i18n import DEFAULT_LANG

MISSING = "—"
SUFFIX = {
    "zh": {"seconds": " 秒", "per_hour": " /小时", "agents": " 人"},
    "en": {"seconds": " s", "per_hour": " /h", "agents": ""},
}


def finite_number(value) -> float | None:
    """``value`` as a float, or None when it is missing, not a number or not finite."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_value(value, unit: str = "count", decimals: int = 0, lang: str = DEFAULT_LANG) -> str:
    """One value as text: percent → "92.3%", seconds → "185.2 s" (zh "185.2 秒"), count → "12,345"."""
    number = finite_number(value)
    if number is None:
        return MISSING
    if unit == "percent":
        return f"{number * 100:,.{decimals}f}%"
    text = f"{number:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # -0.0 → 0.0
    suffix = SUFFIX.get(lang, SUFFIX["en"]).get(unit, "")
    return text + suffix


def format_delta(diff, unit: str = "count", decimals: int = 0, lang: str = DEFAULT_LANG) -> str:
    """A signed difference: "+1.8%", "-12.0 s"; percent differences are in percentage points."""
    number = finite_number(diff)
    if number is None:
        return ""
    text = format_value(abs(number), unit, decimals, lang)
    zero = format_value(0, unit, decimals, lang)
    if text == zero:
        return text
    return ("-" if number < 0 else "+") + text


def format_series(values: pd.Series, unit: str, decimals: int, lang: str = DEFAULT_LANG) -> pd.Series:
    """A column of values as text (for a table shown to people, not for a download)."""
    return pd.Series([format_value(v, unit, decimals, lang) for v in values], index=values.index, dtype="object")


CUSTOM_MARK = "✎"  # shown after the name of an indicator a team lead defined herself


def indicator_label(ind, lang: str = DEFAULT_LANG, *, both: bool = False) -> str:
    """An indicator's name for a picker: in ``lang`` (and the other language when ``both``), marked ✎ when
    it is a custom indicator, so built-ins and the team's own are told apart everywhere."""
    other = "zh" if lang == "en" else "en"
    text = f"{ind.name.get(lang)} · {ind.name.get(other)}" if both else ind.name.get(lang)
    return f"{text} {CUSTOM_MARK}" if getattr(ind, "custom", False) else text
