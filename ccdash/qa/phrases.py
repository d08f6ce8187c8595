"""Standard phrases found in a call transcript, tolerating punctuation and a character or two.

A form's items may list standard phrases (``Phrase.text`` plus accepted ``variants``). The workbench ticks
the phrases the transcript contains and *suggests* pass/fail for those items; the inspector decides.

**Normalisation.** Both the transcript and the phrases are compared in a normalised form: each character
(with any combining marks that follow it) is NFKC-normalised — full-width Ａ１ become A1, compatibility forms
their plain letters — and casefolded; then punctuation (Unicode categories P*: ，。！？、；：“”‘’（）…—·
and the ASCII ones), whitespace and separators (Z*), control and format characters (C*: line breaks,
zero-width spaces) and math/modifier symbols (Sm, Sk: ~ ～ + = ^) are dropped. Letters, digits, currency
and other symbols are kept. Every normalised character remembers which original characters it came from,
so a match is reported with offsets into the ORIGINAL transcript: ``transcript[start:end] == matched``,
punctuation inside the match included, none before or after it.

**Tolerance rule.** Let L be the length of the normalised phrase (or variant). A phrase is found when some
substring of the normalised transcript is within k edits (Levenshtein: a character substituted, missing or
extra) of it, where

    k = 0                          for L < 6   (short phrases such as 您好 must appear exactly),
    k = max(1, round_half_up(L/10)) for L ≥ 6   (6–14 characters: 1 edit, 15–24: 2, 25–34: 3 …).

That is the issue's "a character or two": a one-character slip of the speech recogniser in a sentence-long
phrase is accepted, three wrong characters in a short phrase are not. A phrase is found when its text or
any variant is found; the best (fewest edits, then the canonical text before the variants in their
order) is reported, always under the phrase's canonical ``text``.

**Best alignment.** The smallest edit distance of the phrase to any substring of the transcript. A
substring within k edits of a phrase of length L has a length between L − k and L + k, so comparing the
phrase with every window of those lengths (``rapidfuzz.distance.Levenshtein`` with a score cutoff) finds
exactly the best substring whenever one is within the tolerance. Ties: fewest edits, then the window
length closest to L, then the earliest position. An exact occurrence is looked up first with ``str.find``.
Otherwise only windows that can match are compared (pigeonhole filter): cut the phrase into k + 1 pieces;
k edits can spoil at most k of them, so a match contains one piece unchanged, and its window starts within
k of where that piece's exact occurrence puts it. When the pieces are so common that this leaves more than
a quarter of the positions, every window is compared in one C call (``rapidfuzz.process.cdist``). Both
give the same answer (tested against brute force); a 3,000-character transcript with ten phrases matches
in a few milliseconds (see tests/test_qa_phrases.py).

An empty or missing transcript (None, or NaN / pd.NA from a frame) finds nothing: :func:`suggest_results`
then suggests nothing (no transcript is no evidence either way), while :func:`match_phrases` still lists
every phrase as not found.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

__all__ = ["PhraseHit", "tolerance", "normalize", "match_phrases", "suggest_results", "suggestions", "highlight"]

_DROP_CATEGORIES = ("P", "Z", "C")  # punctuation, separators/whitespace, control/format characters
_DROP_EXACT = {"Sm", "Sk"}  # math and modifier symbols: ~ ～ + = ^ `


@dataclass(frozen=True)
class PhraseHit:
    """One standard phrase of a form and where (if anywhere) the transcript contains it."""

    item_code: str
    phrase: str  # the phrase's canonical text (even when a variant matched)
    found: bool
    matched: str  # the transcript text that matched ("" when not found)
    start: int  # offsets in the ORIGINAL transcript (-1 when not found)
    end: int
    distance: int  # edits between the phrase (or its best variant) and the match (-1 when not found)


def _kept(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return not (cat[0] in _DROP_CATEGORIES or cat in _DROP_EXACT)


def _units(text: str):
    """The text cut into units: a character with the combining marks following it, as (start, end)."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def normalize(text: str | None) -> tuple[str, list[int], list[int]]:
    """``text`` normalised for matching, with each normalised character's original [start, end) offsets."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if not isinstance(text, str):  # None, or a missing value (NaN, pd.NA) from a recordings frame
        return "", starts, ends
    for i, j in _units(text):
        unit = text[i:j]
        folded = unicodedata.normalize("NFKC", unit).casefold() if not unit.isascii() else unit.lower()
        for ch in folded:
            if _kept(ch):
                chars.append(ch)
                starts.append(i)
                ends.append(j)
    return "".join(chars), starts, ends


def tolerance(length: int) -> int:
    """Edits allowed for a normalised phrase of ``length`` characters (see the module docstring)."""
    if length < 6:
        return 0
    return max(1, (length + 5) // 10)  # round half up of length / 10


def _windows(norm: str, length: int, cache: dict[int, list[str]]) -> list[str]:
    if length not in cache:
        cache[length] = [norm[i:i + length] for i in range(len(norm) - length + 1)]
    return cache[length]


def _candidate_starts(norm: str, pattern: str, k: int) -> set[int]:
    """Window starts that can hold a match within k edits (the pigeonhole filter of the module docstring)."""
    m, n = len(pattern), len(norm)
    bounds = [m * i // (k + 1) for i in range(k + 2)]
    starts: set[int] = set()
    for offset, stop in zip(bounds, bounds[1:]):
        piece = pattern[offset:stop]
        pos = norm.find(piece)
        while pos >= 0:
            starts.update(range(max(0, pos - offset - k), min(n, pos - offset + k + 1)))
            pos = norm.find(piece, pos + 1)
    return starts


_SCAN_SHARE = 0.25  # above this share of candidate starts, compare every window in one C call instead


def _best(norm: str, pattern: str, cache: dict[int, list[str]]) -> tuple[int, int, int] | None:
    """The best alignment of ``pattern`` in ``norm`` within its tolerance: (distance, start, length) or None."""
    m, n = len(pattern), len(norm)
    if m == 0 or n == 0:
        return None
    at = norm.find(pattern)
    if at >= 0:
        return 0, at, m
    k = tolerance(m)
    if k == 0:
        return None
    lengths = range(max(1, m - k), m + k + 1)
    best: tuple[int, int, int, int] | None = None  # (distance, |length − m|, start, length)
    starts = _candidate_starts(norm, pattern, k)
    if len(starts) <= _SCAN_SHARE * n:
        for start in sorted(starts):
            for length in lengths:
                if start + length > n:
                    break
                d = Levenshtein.distance(pattern, norm[start:start + length], score_cutoff=k)
                key = (d, abs(length - m), start, length)
                if d <= k and (best is None or key < best):
                    best = key
    else:
        for length in lengths:
            windows = _windows(norm, length, cache)
            if not windows:
                continue
            dists = process.cdist([pattern], windows, scorer=Levenshtein.distance, score_cutoff=k,
                                  dtype=np.int32, workers=1)[0]
            start = int(np.argmin(dists))  # the earliest among the smallest
            d = int(dists[start])
            key = (d, abs(length - m), start, length)
            if d <= k and (best is None or key < best):
                best = key
    if best is None:
        return None
    return best[0], best[2], best[3]


def match_phrases(transcript: str | None, form) -> list[PhraseHit]:
    """One :class:`PhraseHit` per standard phrase of ``form``, in form order (items, then their phrases)."""
    norm, starts, ends = normalize(transcript)
    cache: dict[int, list[str]] = {}
    hits: list[PhraseHit] = []
    for item in form.items():
        for phrase in item.phrases:
            best: tuple[int, int, int] | None = None
            for text in (phrase.text, *phrase.variants):
                found = _best(norm, normalize(text)[0], cache)
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
                if best is not None and best[0] == 0:
                    break
            if best is None:
                hits.append(PhraseHit(item.code, phrase.text, False, "", -1, -1, -1))
                continue
            distance, at, length = best
            start, end = starts[at], ends[at + length - 1]
            hits.append(PhraseHit(item.code, phrase.text, True, transcript[start:end], start, end, distance))
    return hits


def suggest_results(transcript: str | None, form) -> dict[str, str]:
    """item code → "pass" when all of the item's phrases are found, else "fail"; items with phrases only.

    Only a suggestion for the inspector. Without a transcript (missing, empty or only punctuation and
    spaces) nothing is suggested.
    """
    if not normalize(transcript)[0]:
        return {}
    return suggestions(match_phrases(transcript, form))


def suggestions(hits: list[PhraseHit]) -> dict[str, str]:
    """:func:`suggest_results` from hits already matched (the workbench matches once, for the checklist too)."""
    suggestion: dict[str, str] = {}
    for hit in hits:
        ok = suggestion.get(hit.item_code, "pass") == "pass" and hit.found
        suggestion[hit.item_code] = "pass" if ok else "fail"
    return suggestion


def highlight(transcript: str | None, hits: list[PhraseHit]) -> list[tuple[str, str | None]]:
    """The transcript as consecutive (text, item code or None) segments covering every character once.

    Found hits mark their spans with their item code. Where hits overlap, the one starting first (the
    longer one on a tie) keeps the overlap and the other keeps the rest of its span; adjacent or
    overlapping spans of the same item merge into one segment. Hits that are not found or whose offsets
    do not fit the transcript are ignored.
    """
    if not isinstance(transcript, str) or not transcript:
        return []
    n = len(transcript)
    owner: list[str | None] = [None] * n
    spans = sorted((h for h in hits if h.found and 0 <= h.start < h.end <= n),
                   key=lambda h: (h.start, h.start - h.end))
    for hit in spans:
        for i in range(hit.start, hit.end):
            if owner[i] is None:
                owner[i] = hit.item_code
    segments: list[tuple[str, str | None]] = []
    begin = 0
    for i in range(1, n + 1):
        if i == n or owner[i] != owner[begin]:
            segments.append((transcript[begin:i], owner[begin]))
            begin = i
    return segments
