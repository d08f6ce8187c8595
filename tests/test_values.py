"""Tests for ccdash.ingest.values: every accepted format, garbage, blanks, index, speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.ingest import values as v

NA = None


def one(func, text, **kw):
    """(value, bad) of ``func`` on a single cell."""
    out, bad = func(pd.Series([text], dtype="string"), **kw)
    value = out.iloc[0]
    return (None if pd.isna(value) else value), bool(bad.iloc[0])


@pytest.mark.parametrize(
    "raw, expected",
    [("1,234.5", 1234.5), ("12", 12.0), (" 3 ", 3.0), ("-0.5", -0.5), ("１２３", 123.0),
     ("1e3", 1000.0), ("12,345,678", 12345678.0), (".5", 0.5)],
)
def test_parse_number_ok(raw, expected):
    assert one(v.parse_number, raw) == (expected, False)


@pytest.mark.parametrize("raw", ["12%", "abc", "inf", "nan", "1,23", "1.2.3", "#DIV/0!"])
def test_parse_number_bad(raw):
    assert one(v.parse_number, raw) == (None, True)


@pytest.mark.parametrize("raw", [None, "", "   ", "--", "-", "N/A"])
@pytest.mark.parametrize(
    "func",
    [v.parse_number, v.parse_duration, v.parse_datetime, v.parse_date, v.parse_time_of_day,
     v.parse_bool, v.parse_id],
)
def test_blank_is_na_and_not_bad(func, raw):
    assert one(func, raw) == (None, False)


@pytest.mark.parametrize(
    "raw, unit, seconds",
    [("0:02:35", "s", 155), ("1:00:00", "s", 3600), ("10:00:05", "s", 36005), ("02:35", "s", 155),
     ("75:30", "s", 4530), ("0:00:00", "s", 0), ("100:00:00", "s", 360000), ("2分35秒", "s", 155),
     ("1小时2分3秒", "s", 3723), ("3分", "s", 180), ("40秒", "s", 40), ("1.5分钟", "s", 90),
     ("2h30m", "s", 9000), ("45 sec", "s", 45), ("1899-12-31 00:02:35", "s", 155),
     ("1900-01-01 01:00:00", "s", 90000), ("166", "s", 166), ("2.5", "min", 150), ("1", "h", 3600),
     ("0.5", "day", 43200), ("-5", "s", -5), ("-0:00:05", "s", -5), ("１２", "s", 12)],
)
def test_parse_duration_ok(raw, unit, seconds):
    assert one(v.parse_duration, raw, unit=unit) == (seconds, False)


@pytest.mark.parametrize("raw", ["abc", "25:99:99", "1:60", "2026-03-01 09:05:00", "分", "1:2:3:4"])
def test_parse_duration_bad(raw):
    assert one(v.parse_duration, raw) == (None, True)


DT = pd.Timestamp


@pytest.mark.parametrize(
    "raw, expected",
    [("2026-03-01 09:05:00", DT("2026-03-01 09:05")), ("2026-03-01T09:05", DT("2026-03-01 09:05")),
     ("2026/3/1 9:05", DT("2026-03-01 09:05")), ("2026/03/01 09:05:07", DT("2026-03-01 09:05:07")),
     ("2026年3月1日 9:05", DT("2026-03-01 09:05")), ("2026年3月1日", DT("2026-03-01")),
     ("2026年3月1日 9时5分", DT("2026-03-01 09:05")), ("20260301 090500", DT("2026-03-01 09:05")),
     ("20260301", DT("2026-03-01")), ("260301", DT("2026-03-01")), ("990201", DT("1999-02-01")),
     ("46082.5", DT("2026-03-01 12:00")), ("46082", DT("2026-03-01")),
     ("2026-03-01 09:05:00.5", DT("2026-03-01 09:05:00.5")), ("2026-03-01", DT("2026-03-01")),
     ("2026/3/1 下午 2:05:00", DT("2026-03-01 14:05")), ("3/1/2026 2:05 PM", DT("2026-03-01 14:05")),
     ("2026/3/1 12:05 AM", DT("2026-03-01 00:05")), ("２０２６-03-01 09:05", DT("2026-03-01 09:05")),
     ("2024-02-29 10:00:00", DT("2024-02-29 10:00"))],
)
def test_parse_datetime_ok(raw, expected):
    assert one(v.parse_datetime, raw) == (expected, False)


@pytest.mark.parametrize(
    "raw",
    ["abc", "2026-13-45", "2026-02-30 10:00:00", "2026-03-01 24:00:00", "9:05", "1700000000",
     "1700000000000", "2026-03-01T09:05:00+08:00", "12345", "99999.5", "13/13/2026"],
)
def test_parse_datetime_bad(raw):
    assert one(v.parse_datetime, raw) == (None, True)


def test_dayfirst_rules():
    s = pd.Series(["01/03/2026 09:05", "02/03/2026"], dtype="string")
    assert v.parse_datetime(s)[0].tolist() == [DT("2026-01-03 09:05"), DT("2026-02-03")]
    assert v.parse_datetime(s, dayfirst=True)[0].tolist() == [DT("2026-03-01 09:05"), DT("2026-03-02")]
    # one first field above 12 makes the whole column day-first
    s2 = pd.Series(["01/03/2026", "25/03/2026"], dtype="string")
    assert v.parse_datetime(s2)[0].tolist() == [DT("2026-03-01"), DT("2026-03-25")]
    values, bad = v.parse_datetime(s2, dayfirst=False)
    assert bad.tolist() == [False, True]


def test_parse_date():
    s = pd.Series(["2026-03-01", "2026-03-01 00:00:00", "2026-03-01 09:00", "990201", "x"],
                  dtype="string")
    values, bad = v.parse_date(s)
    assert values.iloc[[0, 1, 3]].tolist() == [DT("2026-03-01"), DT("2026-03-01"), DT("1999-02-01")]
    assert bad.tolist() == [False, False, True, False, True]
    assert values.dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    "raw, seconds",
    [("9:05", 32700), ("09:05:07", 32707), ("7:02:47", 25367), ("1899-12-31 09:05:00", 32700),
     ("0.378", 32659), ("0", 0), ("0:00:00", 0), ("下午2:05", 50700), ("9:05 pm", 75900),
     ("9时5分", 32700), ("12:00 am", 0)],
)
def test_parse_time_of_day_ok(raw, seconds):
    assert one(v.parse_time_of_day, raw) == (seconds, False)


@pytest.mark.parametrize("raw", ["24:00", "9:60", "1", "abc", "2026-03-01 09:05:00", "13:00 pm"])
def test_parse_time_of_day_bad(raw):
    assert one(v.parse_time_of_day, raw) == (None, True)


def test_looks_like_time_of_day():
    assert v.looks_like_time_of_day(pd.Series(["9:05", "7:02:47", None, "23:59"]))
    assert not v.looks_like_time_of_day(pd.Series(["2026-03-01 09:05:00", "2026-03-01"]))
    assert not v.looks_like_time_of_day(pd.Series([None, " "], dtype="string"))
    assert not v.looks_like_time_of_day(pd.Series(["0.5", "0.25"]))


def test_combine_date_time():
    date = pd.Series([DT("2026-03-01"), DT("2026-03-02 10:00"), pd.NaT], index=[5, 6, 7])
    seconds = pd.Series([3600.5, np.nan, 10.0], index=[5, 6, 7])
    out = v.combine_date_time(date, seconds)
    assert out.index.tolist() == [5, 6, 7]
    assert out.iloc[0] == DT("2026-03-01 01:00:00.5")
    assert out.iloc[1:].isna().all()


@pytest.mark.parametrize(
    "raw, expected",
    [("是", True), ("否", False), ("有", True), ("无", False), ("Y", True), ("n", False),
     ("yes", True), ("NO", False), ("1", True), ("0", False), ("TRUE", True), ("false", False),
     ("已解决", True), ("未解决", False), ("转接", True), ("未转接", False), ("2", True),
     ("1.0", True), ("已处理", True), ("未处理", False), ("Ｙ", True)],
)
def test_parse_bool_ok(raw, expected):
    assert one(v.parse_bool, raw) == (expected, False)


@pytest.mark.parametrize("raw", ["abc", "-1", "maybe", "是否"])
def test_parse_bool_bad(raw):
    assert one(v.parse_bool, raw) == (None, True)


def test_parse_bool_dtype():
    values, _ = v.parse_bool(pd.Series(["是", None]))
    assert str(values.dtype) == "boolean"


@pytest.mark.parametrize(
    "raw, expected",
    [(" 000123 ", "000123"), ("125.0", "125"), ("125.00", "125"), ("125.5", "125.5"),
     ("3.26702E+11", "3.26702E+11"), ("A01", "A01"), ("13900001111", "13900001111")],
)
def test_parse_id_ok(raw, expected):
    assert one(v.parse_id, raw) == (expected, False)


@pytest.mark.parametrize("raw", ["#REF!", "#N/A", "a\nb"])
def test_parse_id_bad(raw):
    assert one(v.parse_id, raw) == (None, True)


def test_normalize_text():
    assert v.normalize_text(" 座席 工号（秒）") == "坐席工号(秒)"
    assert v.normalize_text("ＡＢ Ｃ") == "abc"
    assert v.normalize_series(pd.Series(["座席A", None, "Ａ B"], index=[3, 4, 5])).tolist() == [
        "坐席a", pd.NA, "ab"]


def test_value_index_and_map():
    index = v.build_value_index({"inbound": ["呼入", "IN", 2], "outbound": ["呼出"]})
    assert index["呼入"] == "inbound" and index["inbound"] == "inbound" and index["2"] == "inbound"
    s = pd.Series(["呼 入", "ｉｎ", "外星", None, "outbound", " "], index=list("abcdef"))
    values, unknown = v.map_values(s, index)
    assert values.tolist() == ["inbound", "inbound", pd.NA, pd.NA, "outbound", pd.NA]
    assert unknown.tolist() == [False, False, True, False, False, False]
    assert list(values.index) == list("abcdef")


def test_value_index_conflict():
    with pytest.raises(CcdashError) as err:
        v.build_value_index({"a": ["x"], "b": ["X "]})
    assert err.value.code == "values.ambiguous_synonym"
    assert t(err.value.code, "en", value="x", first="a", second="b")


@pytest.mark.parametrize(
    "func", [v.parse_number, v.parse_duration, v.parse_datetime, v.parse_time_of_day, v.parse_bool,
             v.parse_id],
)
@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_index_and_dtypes_preserved(func, dtype):
    s = pd.Series(["1", None, "x"], index=[10, 20, 30], dtype=dtype)
    values, bad = func(s)
    assert list(values.index) == [10, 20, 30] and list(bad.index) == [10, 20, 30]
    assert bad.dtype == bool and not bad.iloc[1]


def test_empty_series():
    for func in (v.parse_number, v.parse_duration, v.parse_datetime, v.parse_time_of_day):
        values, bad = func(pd.Series([], dtype="string"))
        assert len(values) == 0 and len(bad) == 0


def test_speed_700k():
    """700k H:MM:SS durations and ISO datetimes each parse in under 2 s."""
    rng = np.random.default_rng(1)
    secs = rng.integers(0, 20000, 700_000)
    hms = pd.Series([f"{x // 3600}:{x // 60 % 60:02d}:{x % 60:02d}" for x in secs], dtype="string")
    stamps = pd.Series(pd.Timestamp("2026-03-01") + pd.to_timedelta(secs * 100, unit="s"))
    iso = stamps.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    start = time.perf_counter()
    seconds, bad = v.parse_duration(hms)
    assert time.perf_counter() - start < 2
    assert not bad.any() and (seconds.to_numpy() == secs).all()
    start = time.perf_counter()
    parsed, bad = v.parse_datetime(iso)
    assert time.perf_counter() - start < 2
    assert not bad.any() and (parsed == stamps).all()
