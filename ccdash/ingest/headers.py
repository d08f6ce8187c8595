"""Header detection and mapping: raw header texts → canonical fields of one source kind.

Headers are normalised before matching (full-width → half-width, spaces and punctuation removed,
units such as （秒）/(s)/(分钟) stripped and remembered, lower case, 座席 → 坐席). A header matches a
field exactly (one of its synonyms), by containment, or by close spelling; each match carries a
confidence the Upload page shows.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from ccdash.config import FieldDef

UNIT_WORDS = {
    "s": ("秒", "s", "sec", "secs", "second", "seconds"),
    "min": ("分", "分钟", "min", "mins", "minute", "minutes"),
    "h": ("小时", "h", "hr", "hrs", "hour", "hours"),
    "hms": ("hh:mm:ss", "h:mm:ss", "时:分:秒"),
}
_UNIT_OF = {word: unit for unit, words in UNIT_WORDS.items() for word in words}
_ALT = "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True))
UNIT_PATTERNS = (
    re.compile(rf"[(\[](?:单位[:：]?)?(?:in)?(?P<u>{_ALT})[)\]]$"),
    re.compile(r"in(?P<u>seconds|minutes|hours)$"),
)
PUNCT = re.compile(r"[\s_\-·./:：()\[\]（）【】]+")
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "汇总", "total", "totals", "sum", "grandtotal"})
CONFIDENCE_ORDER = {"exact": 3, "contains": 2, "similar": 1}


def normalize_header(text: object) -> tuple[str, str | None]:
    """``(key, unit)`` for a header text: ``"排队时长（秒）"`` → ``("排队时长", "s")``."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return "", None
    s = unicodedata.normalize("NFKC", str(text)).strip().lower().replace("座席", "坐席")
    s = re.sub(r"\s+", "", s)
    unit = None
    for pattern in UNIT_PATTERNS:
        m = pattern.search(s)
        if m and m.start() > 0:
            unit, s = _UNIT_OF[m.group("u")], s[: m.start()]
            break
    return PUNCT.sub("", s), unit


@dataclass(frozen=True)
class HeaderMatch:
    column: int  # position in the data frame
    header: str  # the raw header text
    field: str | None
    confidence: str | None  # exact | contains | similar | manual | profile | None
    unit: str | None


def synonym_index(fields: dict[str, FieldDef], kind_fields: tuple[str, ...]) -> dict[str, str]:
    """Normalised synonym → field, for the fields of one source kind (first declaration wins)."""
    index: dict[str, str] = {}
    for name in kind_fields:
        for text in (name, fields[name].label.zh, fields[name].label.en, *fields[name].synonyms):
            key = normalize_header(text)[0]
            if key:
                index.setdefault(key, name)
    return index


def _candidates(key: str, index: dict[str, str]) -> list[tuple[int, float, str, str]]:
    """Scored candidate fields for one normalised header key."""
    if not key:
        return []
    if key in index:
        return [(3, 1.0, index[key], "exact")]
    found = []
    for syn, field in index.items():
        if len(syn) >= 2 and len(key) >= 2 and (syn in key or key in syn):
            found.append((2, min(len(syn), len(key)) / max(len(syn), len(key)), field, "contains"))
    for syn in difflib.get_close_matches(key, list(index), n=3, cutoff=0.8):
        found.append((1, difflib.SequenceMatcher(None, key, syn).ratio(), index[syn], "similar"))
    return sorted(found, reverse=True)


def match_headers(headers: list[str], index: dict[str, str]) -> list[HeaderMatch]:
    """Map each header to at most one field and each field to at most one header, best first."""
    keyed = [normalize_header(h) for h in headers]
    options = []
    for col, (key, _unit) in enumerate(keyed):
        for rank, score, field, how in _candidates(key, index):
            options.append((rank, score, -col, col, field, how))
    taken_cols: dict[int, tuple[str, str]] = {}
    taken_fields: set[str] = set()
    for _rank, _score, _neg, col, field, how in sorted(options, reverse=True):
        if col not in taken_cols and field not in taken_fields:
            taken_cols[col] = (field, how)
            taken_fields.add(field)
    return [
        HeaderMatch(col, str(h), *taken_cols.get(col, (None, None)), keyed[col][1])
        for col, h in enumerate(headers)
    ]


def count_known(row: pd.Series, index: dict[str, str]) -> int:
    """How many cells of a row are exact synonyms of distinct fields."""
    return len({index[k] for k in (normalize_header(v)[0] for v in row.dropna()) if k in index})


def find_header_row(cells: pd.DataFrame, index: dict[str, str], max_scan: int = 30) -> tuple[int, int]:
    """``(row position, recognised headers)`` of the likeliest header row among the first rows."""
    best = (0, 0)
    for pos in range(min(max_scan, len(cells))):
        hits = count_known(cells.iloc[pos], index)
        if hits > best[1]:
            best = (pos, hits)
    return best


def header_signature(headers: list[str]) -> str:
    """A stable id of a header set, used to find the saved mapping profile next time."""
    keys = sorted(k for k in (normalize_header(h)[0] for h in headers) if k)
    return hashlib.sha1("\x1f".join(keys).encode("utf-8")).hexdigest()[:16]


def unique_headers(row: pd.Series) -> list[str]:
    """Header texts of a row, blanks named by column letter, repeats numbered."""
    seen: dict[str, int] = {}
    out = []
    for pos, value in enumerate(row.tolist()):
        text = str(value).strip() if value is not None and not pd.isna(value) else f"({column_letter(pos)})"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def column_letter(pos: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def is_total_row(row: pd.Series) -> bool:
    """A 合计/总计/Total row: one of its first cells says so."""
    for value in row.dropna().head(3):
        if normalize_header(value)[0].rstrip(":") in TOTAL_WORDS:
            return True
    return False
