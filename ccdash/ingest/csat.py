"""Satisfaction answers on any declared scale → one score on a 1–5 scale.

The scale is declared per import (``Mapping.csat_scale``): ``5`` (1–5), ``10`` (1–10, mapped
linearly: 1 → 1, 10 → 5), ``3level`` (满意/一般/不满意 → 5/3/1), or ``auto`` (numbers up to 5 are 1–5,
up to 10 are 1–10; words use the 3-level map when only those three words occur, else the 5-level
word map in config/value_maps.yaml ``csat_text``). Satisfied = score ≥ 4, dissatisfied = score ≤ 2.
"""

from __future__ import annotations

import pandas as pd

from ccdash.config import value_maps
from ccdash.ingest import values as V

THREE_LEVEL = {"满意": 5.0, "一般": 3.0, "不满意": 1.0, "satisfied": 5.0, "neutral": 3.0, "dissatisfied": 1.0}
SATISFIED_MIN = 4.0
DISSATISFIED_MAX = 2.0
SCALES = ("auto", "5", "10", "3level")


def parse_csat(raw: pd.Series, scale: str = "auto") -> tuple[pd.Series, pd.Series]:
    """``(score 1–5, bad)`` for a satisfaction column."""
    numbers, not_number = V.parse_number(raw)
    text = V.normalize_series(raw.astype("string"))
    scale = _detect(numbers, text, not_number) if scale == "auto" else scale
    if scale == "10":
        score = 1 + (numbers - 1) * 4 / 9
        bad = not_number | numbers.lt(1) | numbers.gt(10)
    elif scale == "5":
        score, bad = numbers, not_number | numbers.lt(1) | numbers.gt(5)
    else:
        words = THREE_LEVEL if scale == "3level" else _five_level()
        score = text.map(words).astype("float64")
        score = score.fillna(numbers.where(numbers.between(1, 5)))
        blank = numbers.isna() & ~not_number  # NA, empty, whitespace, "--" …: never bad (found by hypothesis)
        bad = ~blank & score.isna()
    return score.astype("float64").where(~bad.fillna(False)), bad.fillna(False).astype(bool)


def _detect(numbers: pd.Series, text: pd.Series, not_number: pd.Series) -> str:
    given = text.notna() & text.ne("")
    if given.any() and not (not_number & given).any():
        return "5" if numbers.max() <= 5 else "10"
    words = set(text[given & not_number].unique())
    return "3level" if words and words <= set(THREE_LEVEL) else "5text"


def _five_level() -> dict[str, float]:
    index = V.build_value_index(value_maps()["csat_text"])
    return {raw: float(canon) for raw, canon in index.items()}
