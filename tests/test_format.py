"""Number formatting for people, the store's date range / default period, and the page texts."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from ccdash.i18n import CATALOG, LANGS
from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.format import MISSING, format_delta, format_series, format_value
from ccdash.store.info import agent_names, data_date_range, default_period, dimension_values


@pytest.mark.parametrize("value, unit, decimals, lang, expected", [
    (0.9234, "percent", 1, "en", "92.3%"),
    (0.9234, "percent", 1, "zh", "92.3%"),
    (1, "percent", 0, "en", "100%"),
    (185.24, "seconds", 1, "en", "185.2 s"),
    (185.24, "seconds", 1, "zh", "185.2 秒"),
    (12345, "count", 0, "en", "12,345"),
    (12345.0, "count", 0, "zh", "12,345"),
    (1234567.891, "count", 1, "en", "1,234,567.9"),
    (4.256, "score", 2, "en", "4.26"),
    (6.5, "per_hour", 2, "en", "6.50 /h"),
    (6.5, "per_hour", 2, "zh", "6.50 /小时"),
    (60, "agents", 0, "zh", "60 人"),
    (60, "agents", 0, "en", "60"),
    (-0.0001, "count", 1, "en", "0.0"),
])
def test_format_value(value, unit, decimals, lang, expected):
    assert format_value(value, unit, decimals, lang) == expected


@pytest.mark.parametrize("missing", [float("nan"), None, pd.NA, math.inf, -math.inf, "abc"])
def test_format_value_missing_is_a_dash(missing):
    assert format_value(missing, "percent", 1, "en") == MISSING == "—"


def test_format_delta_signs_and_percentage_points():
    assert format_delta(0.018, "percent", 1, "en") == "+1.8%"
    assert format_delta(-44.14, "seconds", 1, "zh") == "-44.1 秒"
    assert format_delta(0.00001, "percent", 1, "en") == "0.0%"  # no arrow for a rounded zero
    assert format_delta(float("nan"), "count", 0, "en") == ""


def test_format_series_keeps_the_index():
    out = format_series(pd.Series([0.5, None], index=[3, 7]), "percent", 0, "en")
    assert out.to_dict() == {3: "50%", 7: "—"}


def test_every_catalog_unit_can_be_formatted():
    for ind in load_catalog().indicators.values():
        assert format_value(1.5, ind.unit, ind.decimals, "zh") != MISSING


@pytest.mark.parametrize("first, last, expected", [
    ("2026-10-01", "2026-10-31", ("2026-10-01", "2026-10-31")),  # one full month
    ("2026-09-15", "2026-11-20", ("2026-10-01", "2026-10-31")),  # the latest full month
    ("2026-10-03", "2026-10-31", ("2026-10-03", "2026-10-31")),  # no full month: the data there is
    ("2026-10-03", "2026-10-20", ("2026-10-03", "2026-10-20")),
    ("2026-09-10", "2026-10-20", ("2026-10-01", "2026-10-20")),  # no full month: the last month
    ("2024-01-01", "2024-02-29", ("2024-02-01", "2024-02-29")),  # leap February is full
])
def test_default_period(first, last, expected):
    d = dt.date.fromisoformat
    assert default_period(d(first), d(last)) == (d(expected[0]), d(expected[1]))


def test_store_info_on_empty_and_filled_store(engine, small_store):
    assert data_date_range(small_store) == (dt.date(2026, 3, 2), dt.date(2026, 3, 3))
    assert dimension_values(small_store, "team") == ["T1", "T2"]
    assert dimension_values(small_store, "queue") == ["Q1", "Q2"]
    assert agent_names(small_store) == {"A01": "张三", "A02": "李四"}
    with pytest.raises(ValueError):
        dimension_values(small_store, "caller")


def test_empty_store_has_no_date_range(stores):
    from ccdash.store.db import make_engine
    eng = make_engine(stores.new("empty"))
    assert data_date_range(eng) is None
    assert dimension_values(eng, "team") == []
    eng.dispose()


def test_page_texts_exist_in_both_languages():
    import ccdash.ui.texts as texts
    for code in texts.MESSAGES:
        assert all(CATALOG[code].get(lang) for lang in LANGS), code
    # every grain, breakdown and confidence the pages show has a text
    from ccdash.indicators.compute import BREAKDOWNS, GRAINS
    for code in [*(f"grain.{g}" for g in GRAINS), *(f"by.{b}" for b in ("none", *BREAKDOWNS)),
                 *(f"conf.{c}" for c in ("exact", "contains", "similar", "manual", "profile"))]:
        assert code in CATALOG, code


def test_every_canonical_value_has_a_text():
    import ccdash.ui.texts  # noqa: F401
    from ccdash.config import field_dictionary, value_maps
    maps = value_maps()
    for f in field_dictionary().values():
        if f.type == "enum":
            for canonical in maps[f.value_map]:
                assert f"value.{canonical}" in CATALOG, canonical


def test_indicator_labels_mark_custom_indicators():
    from ccdash.indicators.catalog import Derived, Label
    from ccdash.indicators.format import indicator_label
    builtin = load_catalog().indicators["answer_rate"]
    assert indicator_label(builtin, "zh") == "接通率" and indicator_label(builtin, "en", both=True) == "Answer rate · 接通率"
    mine = Derived(type="derived", name=Label(zh="有效接通率", en="Effective answer rate"), expr="answered / offered", custom=True)
    assert indicator_label(mine, "zh") == "有效接通率 ✎"
