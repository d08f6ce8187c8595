"""Vectorized parsers from raw cell text to typed values.

Every ``parse_*`` takes a pandas Series of strings (NA for blank), keeps its index and returns
``(values, bad)``: ``bad`` is a numpy-bool Series, True where a non-blank input could not be parsed
(its value is then missing too). Blank means NA, empty/whitespace, or a placeholder that Chinese
reports print for "no value" (:data:`PLACEHOLDERS`, e.g. ``--``); blank is never bad.

Speed: the work happens in pyarrow (RE2 regexes, casts) and numpy on whole columns; the formats
that need Python code (booleans, free text) run once per distinct value.

Rules worth knowing:

* numbers: ``1,234.5`` and full-width digits are fine; ``12%`` is **bad** (a share must be a
  number in the unit the field expects, we never guess whether 12% means 12 or 0.12);
* durations: a plain number is in ``unit``; two colon parts are MM:SS; Excel time cells arrive as
  ``1899-12-31 00:02:35`` (fastexcel's rendering of serial 0.0018) → 155 s;
* datetimes: ``a/b/yyyy`` is month-first unless ``dayfirst=True``, or ``dayfirst`` is None and
  some first field in the column is above 12 (then the whole column is day-first); 5-digit
  numbers 20000–80000 (with decimals) are Excel serial days since 1899-12-30, rounded to the
  second; 6 digits are YYMMDD (00–68 → 20xx); epoch seconds and time zones are bad.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ccdash.findings import CcdashError
from ccdash.i18n import register

MESSAGES = {
    "values.ambiguous_synonym": {
        "zh": "取值“{value}”同时被映射为“{first}”和“{second}”，请只保留一个。",
        "en": "The value '{value}' is mapped to both '{first}' and '{second}'; keep only one.",
    },
}
register(MESSAGES)

STRING = pd.StringDtype("pyarrow")
PLACEHOLDERS = ["-", "--", "---", "—", "——", "－", "/", "N/A", "n/a", "NULL", "null"]
UNIT_SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0}
EXCEL_ERRORS = {"#REF!", "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#VALUE!", "#GETTING_DATA"}
TRUE_WORDS = {"是", "有", "对", "真", "y", "yes", "true", "t", "1", "解决", "已解决", "转接", "已转接",
              "√", "✓", "✔", "on"}
FALSE_WORDS = {"否", "无", "没有", "不", "假", "n", "no", "false", "f", "0", "未解决", "未转接",
               "×", "✗", "✘", "off"}
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_HMS = r"^[+-]?(?P<a>\d+):(?P<b>\d{1,2})(?::(?P<c>\d{1,2}(?:\.\d+)?))?$"
_EXCEL_TIME = (r"^(?P<y>1899|1900)-(?P<mo>\d{2})-(?P<d>\d{2})[ T](?P<h>\d{1,2}):(?P<mi>\d{2})"
               r"(?::(?P<s>\d{2}(?:\.\d+)?))?$")
_UNITS = (r"^[+-]?(?:(?P<h>\d+(?:\.\d+)?)(?:小时|时|hours|hour|hrs|hr|h))?"
          r"(?:(?P<m>\d+(?:\.\d+)?)(?:分钟|分|minutes|minute|mins|min|m))?"
          r"(?:(?P<s>\d+(?:\.\d+)?)(?:秒钟|秒|seconds|second|secs|sec|s))?$")
_TIME = (r"(?:[ tT]*(?P<h>\d{1,2})[:时](?P<mi>\d{1,2})(?:[:分](?P<s>\d{1,2}(?:\.\d{1,9})?))?"
         r"[分秒]?)?$")
_YMD = r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _TIME
_COMPACT = r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:[ tT]?(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?$"
_YYMMDD = r"^(?P<y>\d{2})(?P<mo>\d{2})(?P<d>\d{2})$"
_ABY = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME
_SERIAL = r"^\d{5}(\.\d+)?$"
_CLOCK = r"^(?P<h>\d{1,2})[:时](?P<mi>\d{1,2})(?:[:分](?P<s>\d{1,2}(?:\.\d+)?))?[分秒]?$"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
DATE_MIN, DATE_END = pd.Timestamp("1900-01-01"), pd.Timestamp("2101-01-01")  # accepted: [DATE_MIN, DATE_END)


# --- shared helpers ---------------------------------------------------------------------------


def _prep(s: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """(stripped arrow text with blanks as null, blank mask) of a Series of cell text."""
    arr = pa.array(s.astype(STRING).array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.utf8_trim_whitespace(arr)
    blank = pc.or_kleene(pc.equal(arr, ""), pc.is_in(arr, pa.array(PLACEHOLDERS)))
    arr = pc.if_else(pc.fill_null(blank, True), pa.scalar(None, pa.string()), arr)
    return arr, _np_bool(pc.is_null(arr))


def _np_bool(mask) -> np.ndarray:
    """A numpy bool array of an arrow boolean array (null → False)."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _pending(arr: pa.Array, done: np.ndarray) -> pa.Array:
    """``arr`` with the rows already parsed set to null, so later formats only see leftovers."""
    return pc.if_else(pa.array(done), pa.scalar(None, pa.string()), arr)


def _float(arr: pa.Array) -> np.ndarray:
    """Float of each text that is a plain decimal number (NaN elsewhere)."""
    looks = pc.fill_null(pc.match_substring_regex(arr, _NUMBER), False)
    values = pc.cast(pc.if_else(looks, arr, pa.scalar(None, pa.string())), pa.float64())
    return values.to_numpy(zero_copy_only=False).astype(float)


def _groups(arr: pa.Array, pattern: str) -> dict[str, np.ndarray] | None:
    """Named groups of ``pattern`` as float arrays (NaN where no match or group empty)."""
    matched = pc.extract_regex(arr, pattern)
    if matched.null_count == len(matched):
        return None
    out = {}
    for i, name in enumerate(f.name for f in matched.type):
        field = pc.if_else(pc.is_valid(matched), matched.field(i), pa.scalar(None, pa.string()))
        field = pc.if_else(pc.equal(field, ""), pa.scalar(None, pa.string()), field)
        out[name] = pc.cast(field, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    out["_hit"] = _np_bool(pc.is_valid(matched))
    return out


def _nfkc_lower(arr: pa.Array) -> pa.Array:
    """NFKC (full-width → half-width) and lower case of the non-null texts."""
    return pc.utf8_lower(pc.utf8_normalize(arr, "NFKC"))


def _nfkc_if_needed(arr: pa.Array) -> pa.Array:
    """NFKC of the non-ASCII texts only (full-width digits and colons → ASCII)."""
    wide = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if not pc.any(wide).as_py():
        return arr
    return pc.if_else(wide, pc.utf8_normalize(arr, "NFKC"), arr)


def _result(values, bad: np.ndarray, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """The ``(values, bad)`` pair with the caller's index."""
    return pd.Series(values, index=index), pd.Series(bad, index=index, dtype=bool)


def _by_unique(s: pd.Series, func) -> np.ndarray:
    """``func`` applied once per distinct non-NA value; object array (None for NA)."""
    codes, uniques = pd.factorize(s.astype(STRING), use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return mapped[np.where(codes < 0, len(uniques), codes)]


# --- text -------------------------------------------------------------------------------------


def normalize_text(s: str) -> str:
    """Matching form of a text: NFKC, no whitespace at all, lower case, 座席 → 坐席. NFKC runs again at the
    end, so the form is stable (hypothesis: "R¸" → "r" + a combining cedilla once its space is gone → "ŗ")."""
    text = "".join(unicodedata.normalize("NFKC", s).split()).lower()
    return unicodedata.normalize("NFKC", text).replace("座席", "坐席")


def normalize_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_text` of every value (NA stays NA), computed once per distinct value."""
    return pd.Series(_by_unique(s, normalize_text), index=s.index, dtype=STRING)


def build_value_index(mapping: dict[str, list[str]]) -> dict[str, str]:
    """{canonical: [synonyms]} → {normalized synonym: canonical}, canonical names included."""
    index: dict[str, str] = {}
    for canonical, synonyms in mapping.items():
        for raw in [canonical, *(synonyms or [])]:
            key = normalize_text(str(raw))
            if index.get(key, canonical) != str(canonical):
                raise CcdashError(
                    "values.ambiguous_synonym", value=raw, first=index[key], second=canonical
                )
            index[key] = str(canonical)
    return index


def map_values(s: pd.Series, index: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Canonical value of each cell through ``index`` (NA when blank or unknown), and ``unknown``."""
    _, blank = _prep(s)
    values = _by_unique(s, lambda v: index.get(normalize_text(v)))
    values[blank] = None
    unknown = ~blank & pd.isna(values)
    return _result(pd.array(values, dtype=STRING), unknown, s.index)


# --- numbers, ids, booleans -------------------------------------------------------------------


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Float of each cell: ``12``, `` 3 ``, ``1,234.5``, ``-0.5``, full-width digits; ``12%`` is bad."""
    arr, blank = _prep(s)
    values = _float(arr)
    left = ~blank & np.isnan(values)
    if left.any():
        rest = pc.utf8_normalize(_pending(arr, ~left), "NFKC")
        grouped = pc.fill_null(pc.match_substring_regex(rest, _THOUSANDS), False)
        rest = pc.if_else(grouped, pc.replace_substring(rest, ",", ""), rest)
        values = np.where(left, _float(rest), values)
    values[~np.isfinite(values)] = np.nan
    return _result(values, ~blank & np.isnan(values), s.index)


def parse_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Identifier text: stripped, leading zeros kept, ``125.0`` → ``125``; ``3.26702E+11`` kept as is.

    Bad: Excel error values (``#REF!``) and texts with line breaks or control characters.
    """
    arr, blank = _prep(s)
    arr = pc.replace_substring_regex(arr, r"^(-?\d+)\.0+$", r"\1")
    bad = _np_bool(pc.is_in(arr, pa.array(sorted(EXCEL_ERRORS))))
    bad |= _np_bool(pc.match_substring_regex(arr, r"[\x00-\x1f\x7f]"))
    arr = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), arr)
    return _result(STRING.__from_arrow__(arr), bad & ~blank, s.index)


def _bool_word(value: str) -> bool | None:
    """True/False of one (normalized) yes/no word or count; None when it is neither."""
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        return None if not number >= 0 else number > 0
    if value.startswith("已"):
        return True
    if value.startswith(("未", "没", "不", "无", "非")):
        return False
    return None


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no: 是/否, 有/无, Y/N, yes/no, 1/0, TRUE/FALSE, 已…/未…, 转接/未转接; a count > 0 is True."""
    _, blank = _prep(s)
    values = _by_unique(s, lambda v: _bool_word(normalize_text(v)))
    values[blank] = None
    bad = ~blank & pd.isna(values)
    return _result(pd.array(values, dtype="boolean"), bad, s.index)


# --- durations --------------------------------------------------------------------------------


def parse_duration(s: pd.Series, unit: str = "s") -> tuple[pd.Series, pd.Series]:
    """Seconds of each cell: a number in ``unit`` (s/min/h/day), H:MM:SS, MM:SS, x小时y分z秒,
    1.5分钟, or an Excel time cell ``1899-12-31 00:02:35``. Negative values are kept as they are."""
    arr, blank = _prep(s)
    seconds = _float(arr) * UNIT_SECONDS[unit]
    if (~blank & np.isnan(seconds)).any():
        arr = _nfkc_if_needed(arr)
    in_unit = lambda a: _float(a) * UNIT_SECONDS[unit]  # noqa: E731 (full-width digits)
    for parser in (in_unit, _colon_seconds, _excel_time_seconds, _unit_seconds):
        left = ~blank & np.isnan(seconds)
        if not left.any():
            break
        seconds = np.where(left, parser(_pending(arr, ~left)), seconds)
    return _result(seconds, ~blank & np.isnan(seconds), s.index)


def _colon_seconds(arr: pa.Array) -> np.ndarray:
    """H:MM:SS or MM:SS (two parts are minutes:seconds) → seconds; minutes/seconds below 60."""
    g = _groups(arr, _HMS)
    if g is None:
        return np.full(len(arr), np.nan)
    three = ~np.isnan(g["c"])
    total = np.where(three, g["a"] * 3600 + g["b"] * 60 + g["c"], g["a"] * 60 + g["b"])
    ok = g["_hit"] & (g["b"] < 60) & (~three | (g["c"] < 60))
    sign = np.where(_np_bool(pc.starts_with(arr, "-")), -1.0, 1.0)
    return np.where(ok, total * sign, np.nan)


def _excel_time_seconds(arr: pa.Array) -> np.ndarray:
    """fastexcel's rendering of a time cell (serial days since 1899-12-31) → seconds."""
    g = _groups(arr, _EXCEL_TIME)
    if g is None:
        return np.full(len(arr), np.nan)
    days, ok = _days(g["y"], g["mo"], g["d"])
    base = np.where(days >= np.datetime64("1900-03-01"), -2, -1)  # Excel's 1900-02-29 bug
    base = np.where(days == np.datetime64("1899-12-30"), -2, base)
    offset = (days - np.datetime64("1900-01-01", "D")).astype("int64") - base
    clock, clock_ok = _clock(g["h"], g["mi"], np.nan_to_num(g["s"]))
    return np.where(ok & clock_ok, offset * 86400.0 + clock, np.nan)


def _unit_seconds(arr: pa.Array) -> np.ndarray:
    """``x小时y分z秒``, ``1.5分钟``, ``2h30m``, ``45 sec`` … → seconds."""
    text = pc.replace_substring_regex(_nfkc_lower(arr), r"\s+", "")
    g = _groups(text, _UNITS)
    if g is None:
        return np.full(len(arr), np.nan)
    parts = np.stack([g["h"], g["m"], g["s"]])
    any_part = ~np.isnan(parts).all(axis=0)
    total = np.nansum(parts * np.array([[3600.0], [60.0], [1.0]]), axis=0)
    sign = np.where(_np_bool(pc.starts_with(text, "-")), -1.0, 1.0)
    return np.where(g["_hit"] & any_part, total * sign, np.nan)


# --- dates and times --------------------------------------------------------------------------


def _days(y, mo, d) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[D], valid) from float year/month/day arrays; impossible dates are invalid."""
    ok = ~(np.isnan(y) | np.isnan(mo) | np.isnan(d))
    ok &= (y >= 1678) & (y <= 2261) & (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= 31)
    months = np.where(ok, (y - 1970) * 12 + mo - 1, 0).astype("int64").astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months
    return days, ok


def _clock(h, mi, sec) -> tuple[np.ndarray, np.ndarray]:
    """(seconds since midnight, valid) with hours 0–23 and minutes/seconds 0–59."""
    h, mi, sec = (np.nan_to_num(x, nan=0.0) for x in (h, mi, sec))
    ok = (h <= 23) & (mi <= 59) & (sec < 60)
    return h * 3600 + mi * 60 + sec, ok


def _stamp(days: np.ndarray, seconds: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """datetime64[ns] of day + seconds, NaT where not ``ok``."""
    ns = np.round(np.where(ok, seconds, 0) * 1e9).astype("int64").astype("timedelta64[ns]")
    out = days.astype("datetime64[ns]") + ns
    out[~ok] = np.datetime64("NaT")
    return out


def _from_groups(g, year) -> np.ndarray:
    """datetime64[ns] of matched date(-time) groups; ``year`` overrides g["y"]."""
    days, ok = _days(year, g["mo"], g["d"])
    clock, clock_ok = _clock(g.get("h", 0), g.get("mi", 0), g.get("s", 0))
    return _stamp(days, clock, ok & clock_ok & g["_hit"])


def _ampm(arr: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(text without am/pm or 上午/下午, is_am, is_pm); those rows also get NFKC and lower case.

    Rows made only of digits, separators, T and 年月日时分秒 skip the (slower) rewriting.
    """
    special = _np_bool(pc.match_substring_regex(arr, r"[^0-9 :/.\-Tt年月日时分秒]"))
    none = np.zeros(len(arr), dtype=bool)
    if not special.any():
        return arr, none, none
    text = _nfkc_lower(_pending(arr, ~special))
    am = _np_bool(pc.match_substring_regex(text, r"(^|\s|\d)am(\s|$)|上午|凌晨|早上"))
    pm = _np_bool(pc.match_substring_regex(text, r"(^|\s|\d)pm(\s|$)|下午|晚上"))
    text = pc.replace_substring_regex(text, r"\s*(am|pm|上午|下午|凌晨|早上|晚上)\s*", " ")
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pa.array(special), text, arr), am, pm


def _apply_ampm(g: dict, am: np.ndarray, pm: np.ndarray) -> None:
    """Move 12-hour clock hours to 24-hour in place (12 am → 0, 1 pm → 13)."""
    h = g["h"]
    bad = (am | pm) & ((h > 12) | (h < 1))
    g["h"] = np.where(pm & (h < 12), h + 12, np.where(am & (h == 12), 0, h))
    g["_hit"] = g["_hit"] & ~bad


def _dayfirst(g: dict, dayfirst: bool | None) -> bool:
    """Column rule for a/b/yyyy: day-first if asked, or if asked nothing and some a > 12."""
    if dayfirst is not None:
        return dayfirst
    return bool(np.nanmax(np.where(g["_hit"], g["a"], 0)) > 12)


def _by_sample_hits(arr: pa.Array, patterns: tuple[str, ...]) -> list[str]:
    """``patterns`` ordered by how many of the first 200 values they match (most first)."""
    sample = arr.drop_null().slice(0, 200)
    hits = [pc.sum(pc.match_substring_regex(sample, p)).as_py() or 0 for p in patterns]
    return [p for _, p in sorted(zip(hits, patterns), key=lambda x: -x[0])]


def _datetime_leftovers(arr: pa.Array, dayfirst: bool | None) -> np.ndarray:
    """Every non-ISO format: Y/M/D, Chinese, compact, YYMMDD, a/b/yyyy and Excel serials."""
    text, am, pm = _ampm(arr)
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
    for pattern in _by_sample_hits(text, (_YMD, _COMPACT, _YYMMDD, _ABY)):
        pending = pc.if_else(pa.array(~np.isnat(out)), pa.scalar(None, pa.string()), text)
        g = _groups(pending, pattern) if pending.null_count < len(pending) else None
        if g is None:
            continue
        if "h" in g:
            _apply_ampm(g, am, pm)
        year = g["y"]
        if pattern == _YYMMDD:
            year = np.where(year <= 68, 2000 + year, 1900 + year)
        if pattern == _ABY:
            first = _dayfirst(g, dayfirst)
            g["d"], g["mo"] = (g["a"], g["b"]) if first else (g["b"], g["a"])
        out = np.where(np.isnat(out), _from_groups(g, year), out)
    return np.where(np.isnat(out), _serial(text), out)


def _serial(arr: pa.Array) -> np.ndarray:
    """Excel serial day numbers 20000–80000 → datetime64[ns], rounded to the second."""
    looks = pc.fill_null(pc.match_substring_regex(arr, _SERIAL), False)
    serial = _float(pc.if_else(looks, arr, pa.scalar(None, pa.string())))
    ok = (serial >= 20000) & (serial <= 80000)
    seconds = np.round(np.where(ok, serial, 0) * 86400).astype("int64")
    out = _EXCEL_EPOCH + seconds.astype("timedelta64[s]").astype("timedelta64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def _iso_fast(arr: pa.Array) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` via pyarrow's strptime, which rolls 02-30 over: such rows → NaT."""
    fast = pc.strptime(arr, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    day_text = pc.if_else(pc.is_valid(fast), pc.utf8_slice_codeunits(arr, 8, 10), None)
    same_day = pc.equal(pc.day(fast), pc.cast(day_text, pa.int64()))
    out = fast.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False).copy()
    out[~_np_bool(same_day)] = np.datetime64("NaT")
    return out


def parse_datetime(s: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Naive datetime64[ns] of each cell (formats in the module docstring); a bare time is bad."""
    arr, blank = _prep(s)
    out = _iso_fast(arr)
    left = ~blank & np.isnat(out)
    if left.any():
        out = np.where(left, _datetime_leftovers(_pending(arr, ~left), dayfirst), out)
    return _result(out, ~blank & np.isnat(out), s.index)


def parse_date(s: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Dates at midnight; like :func:`parse_datetime` but a time part other than 0:00 is bad."""
    values, bad = parse_datetime(s, dayfirst=dayfirst)
    has_time = (values.notna() & (values != values.dt.normalize())).to_numpy()
    values = values.mask(has_time)
    return values, bad | pd.Series(has_time, index=s.index)


def parse_time_of_day(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Seconds since midnight: ``9:05``, ``09:05:07``, ``2:05 PM``, ``下午2:05``, Excel
    ``1899-12-31 09:05:00``, or an Excel time fraction ``0.378`` (0 ≤ x < 1, rounded to the second)."""
    arr, blank = _prep(s)
    fraction = _float(arr)
    seconds = np.where((fraction >= 0) & (fraction < 1), np.round(fraction * 86400), np.nan)
    left = ~blank & np.isnan(seconds) & np.isnan(fraction)
    if left.any():
        seconds = np.where(left, _clock_seconds(_pending(arr, ~left)), seconds)
    return _result(seconds, ~blank & np.isnan(seconds), s.index)


def _clock_seconds(arr: pa.Array) -> np.ndarray:
    """H:MM(:SS) with optional am/pm, or 1899-12-30/31 + time → seconds since midnight."""
    text, am, pm = _ampm(arr)
    text = pc.replace_substring_regex(text, r"^1899-12-3[01][ t]", "")
    g = _groups(text, _CLOCK)
    if g is None:
        return np.full(len(arr), np.nan)
    _apply_ampm(g, am, pm)
    clock, ok = _clock(g["h"], g["mi"], g["s"])
    return np.where(g["_hit"] & ok, clock, np.nan)


def looks_like_time_of_day(s: pd.Series) -> bool:
    """True when at least 80 % of the (first 2,000) non-blank values are clock times with no date."""
    arr, blank = _prep(s)
    sample = arr.filter(pa.array(~blank)).slice(0, 2000)
    if len(sample) == 0:
        return False
    return float(np.mean(~np.isnan(_clock_seconds(sample)))) >= 0.8


def combine_date_time(date: pd.Series, seconds: pd.Series) -> pd.Series:
    """The day of ``date`` plus ``seconds`` since midnight; NaT where either is missing."""
    days = pd.to_datetime(date).dt.normalize().astype("datetime64[ns]")
    offset = pd.to_timedelta(pd.to_numeric(seconds, errors="coerce").to_numpy(), unit="s")
    return pd.Series(days.to_numpy() + offset.to_numpy(), index=date.index)
