"""Property-based tests (hypothesis) of the value parsers and the header normalisation (issue 6).

Whatever text a cell holds, a parser returns its declared ``(values, bad)`` pair and never raises; blanks
are never bad; a bad cell has no value; the forms exports use round-trip (H:MM:SS, MM:SS, x分y秒,
x小时y分z秒, numbers with separators and full-width digits, Excel serial days, ISO stamps). Header keys
ignore width, spaces, 座席/坐席 and the way a unit is written, and never crash on arbitrary unicode.
Examples are few (``max_examples``) and unbounded in time (``deadline=None``): a few seconds in all.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccdash.config import value_maps
from ccdash.ingest import values as V
from ccdash.ingest.clean import value_index
from ccdash.ingest.csat import parse_csat
from ccdash.ingest.headers import match_headers, normalize_header, synonym_index
from ccdash.ingest.mapping import Mapping, kind_spec

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELL = st.one_of(st.none(), st.text(max_size=30),
                 st.sampled_from(["--", " ", "N/A", "#REF!", "1,234", "１２", "0:02:35", "2分3秒", "45764.5",
                                  "1899-12-31 00:02:35", "2026/3/2 9:05", "是", "否", "接通", "∞", "1e309"]))
COLUMN = st.lists(CELL, max_size=12)
RESULT_INDEX = value_index("result", Mapping(kind="calls", sheet="", header_row=0))
PARSERS = {
    "number": V.parse_number, "duration_s": V.parse_duration, "duration_min": lambda s: V.parse_duration(s, "min"),
    "datetime": V.parse_datetime, "datetime_dayfirst": lambda s: V.parse_datetime(s, dayfirst=True),
    "date": V.parse_date, "time_of_day": V.parse_time_of_day, "bool": V.parse_bool, "id": V.parse_id,
    "result_map": lambda s: V.map_values(s, RESULT_INDEX), "csat": parse_csat,
}


def series(cells: list) -> pd.Series:
    return pd.Series(cells, dtype="string", index=pd.RangeIndex(100, 100 + len(cells)))


def one(func, text: str):
    values, bad = func(series([text]))
    value = values.iloc[0]
    return (None if pd.isna(value) else value), bool(bad.iloc[0])


def is_blank(cell) -> bool:
    return cell is None or cell.strip() in ("", *V.PLACEHOLDERS)


# --- every parser: only its declared result, whatever the input -------------------------------


@FAST
@given(cells=COLUMN, name=st.sampled_from(sorted(PARSERS)))
def test_parsers_return_their_pair_and_never_raise(cells, name):
    s = series(cells)
    values, bad = PARSERS[name](s)
    assert values.index.equals(s.index) and bad.index.equals(s.index)
    assert bad.dtype == bool
    assert not (bad & values.notna()).any()  # a bad cell has no value
    blank = np.array([is_blank(c) for c in cells], dtype=bool)
    assert not bad[blank].any() and values[blank].isna().all()


@FAST
@given(cells=COLUMN)
def test_parsers_work_cell_by_cell_as_on_the_column(cells):
    """Vectorised parsing gives each cell what it gets alone (no leak between rows), dates aside
    (a day-first column is decided by the whole column)."""
    for name in ("number", "duration_s", "bool", "id", "result_map", "time_of_day"):
        values, bad = PARSERS[name](series(cells))
        for i, cell in enumerate(cells):
            alone = one(PARSERS[name], cell)
            got = None if pd.isna(values.iloc[i]) else values.iloc[i]
            assert (got, bool(bad.iloc[i])) == alone, (name, cell)


# --- idempotence ------------------------------------------------------------------------------


@FAST
@given(text=st.text(max_size=40))
def test_normalize_text_is_idempotent(text):
    once = V.normalize_text(text)
    assert V.normalize_text(once) == once
    assert not any(ch.isspace() for ch in once)


@FAST
@given(cells=COLUMN)
def test_parse_id_and_value_map_are_idempotent(cells):
    ids, _ = V.parse_id(series(cells))
    again, bad = V.parse_id(ids.astype("string"))
    assert again.equals(ids) and not bad.any()
    mapped, _ = V.map_values(series(cells), RESULT_INDEX)
    remapped, unknown = V.map_values(mapped.astype("string"), RESULT_INDEX)
    assert remapped.equals(mapped) and not unknown.any()


# --- round trips ------------------------------------------------------------------------------

SECONDS = st.integers(min_value=0, max_value=999 * 3600 + 3599)


@FAST
@given(total=SECONDS, negative=st.booleans())
def test_durations_round_trip(total, negative):
    h, m, s = total // 3600, total // 60 % 60, total % 60
    sign = -1 if negative and total else 1
    prefix = "-" if sign < 0 else ""
    forms = [f"{prefix}{h}:{m:02d}:{s:02d}", f"{prefix}{h}小时{m}分{s}秒", f"{prefix}{total}"]
    if h == 0:
        forms += [f"{prefix}{m}:{s:02d}", f"{prefix}{m}分{s}秒"]
    for form in forms:
        assert one(V.parse_duration, form) == (sign * total, False), form
    assert one(V.parse_duration, f"{h}:{m:02d}:{s:02d}".translate(FULL_WIDTH)) == (total, False)
    assert one(lambda x: V.parse_duration(x, "min"), str(total)) == (total * 60, False)


@FAST
@given(clock=st.integers(min_value=0, max_value=86_399))
def test_excel_time_cells_round_trip(clock):
    """fastexcel renders a time cell (serial < 1) as 1899-12-31 HH:MM:SS: a duration and a time of day."""
    text = f"1899-12-31 {clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}"
    assert one(V.parse_duration, text) == (clock, False)
    assert one(V.parse_time_of_day, text) == (clock, False)


STAMPS = st.datetimes(min_value=dt.datetime(1955, 1, 1), max_value=dt.datetime(2099, 12, 31, 23, 59, 59))


@FAST
@given(when=STAMPS)
def test_datetimes_round_trip(when):
    when = when.replace(microsecond=0)
    for text in (when.strftime("%Y-%m-%d %H:%M:%S"), f"{when.year}/{when.month}/{when.day} {when.hour}:{when:%M:%S}",
                 f"{when.year}年{when.month}月{when.day}日 {when.hour}:{when:%M:%S}", when.strftime("%Y%m%d%H%M%S")):
        assert one(V.parse_datetime, text) == (pd.Timestamp(when), False), text


@FAST
@given(serial=st.decimals(min_value=20000, max_value=80000, places=5, allow_nan=False, allow_infinity=False))
def test_excel_serials_round_trip(serial):
    text = format(serial, "f")
    expected = pd.Timestamp("1899-12-30") + pd.Timedelta(seconds=round(float(text) * 86400))
    assert one(V.parse_datetime, text) == (expected, False)


FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


@FAST
@given(number=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_numbers_round_trip(number):
    for text in (repr(number), f"{number:,}", f"{number:.6f}".translate(FULL_WIDTH)):
        value, bad = one(V.parse_number, text)
        assert not bad and np.isclose(value, float(text.translate({v: k for k, v in FULL_WIDTH.items()})
                                                   .replace(",", ""))), text


@FAST
@given(word=st.sampled_from(sorted(V.TRUE_WORDS | V.FALSE_WORDS)), upper=st.booleans(), pad=st.booleans(),
       wide=st.booleans())
def test_yes_no_words_whatever_their_case_width_and_spaces(word, upper, pad, wide):
    text = word.upper() if upper else word
    text = text.translate(FULL_WIDTH) if wide else text
    text = f"  {text} " if pad else text
    assert one(V.parse_bool, text) == (word in V.TRUE_WORDS, False)


@FAST
@given(canonical=st.sampled_from(sorted(value_maps()["result"])), wide=st.booleans(), pad=st.booleans())
def test_result_synonyms_map_whatever_their_width(canonical, wide, pad):
    for raw in [canonical, *(value_maps()["result"][canonical] or [])]:
        text = str(raw).translate(FULL_WIDTH) if wide else str(raw)
        assert one(lambda s: V.map_values(s, RESULT_INDEX), f" {text} " if pad else text) == (canonical, False)


# --- header normalisation and mapping ---------------------------------------------------------

CALL_INDEX = synonym_index(__import__("ccdash.config", fromlist=["field_dictionary"]).field_dictionary(),
                           kind_spec("calls").fields)
UNITS = {"s": ["(秒)", "（秒）", "(s)", "[秒]", "(单位：秒)", "(sec)"], "min": ["(分钟)", "（分）", "(min)"],
         "h": ["(小时)", "(h)", "(hours)"]}


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.none(), st.text(max_size=40), st.floats(allow_nan=True)))
def test_normalize_header_never_crashes_and_is_stable(text):
    key, unit = normalize_header(text)
    assert isinstance(key, str) and unit in (None, "s", "min", "h", "hms")
    assert not any(ch.isspace() for ch in key)
    assert normalize_header(text) == (key, unit)


@FAST
@given(synonym=st.sampled_from(sorted(CALL_INDEX)), unit=st.sampled_from(sorted(UNITS)), spaces=st.booleans(),
       wide=st.booleans(), pick=st.integers(min_value=0, max_value=5))
def test_header_variants_map_to_the_same_field(synonym, unit, spaces, wide, pick):
    field = CALL_INDEX[synonym]
    text = " ".join(synonym) if spaces else synonym
    text = text.translate(FULL_WIDTH) if wide else text
    written = UNITS[unit][pick % len(UNITS[unit])]
    key, found = normalize_header(text + written)
    assert (CALL_INDEX.get(key), found) == (field, unit)
    assert normalize_header(text.replace("坐席", "座席"))[0] == normalize_header(text)[0]


@FAST
@given(headers=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(sorted(CALL_INDEX))), max_size=20))
def test_match_headers_is_one_to_one_and_deterministic(headers):
    matches = match_headers(headers, CALL_INDEX)
    assert [m.column for m in matches] == list(range(len(headers)))
    fields = [m.field for m in matches if m.field]
    assert len(fields) == len(set(fields))
    assert match_headers(headers, CALL_INDEX) == matches
