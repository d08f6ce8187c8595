"""Calibration: how far QA inspectors agree when they score the same recordings, item by item.

In a calibration session two or more inspectors score the same recordings with the same form. For each
item this module reports the **percent agreement** and a **kappa** — agreement corrected for the agreement
expected by chance — and lists the disagreements. See docs/qa_calibration.md for the explanation given to
team leads.

**Categories.** The item results ``pass``, ``fail``, ``partial`` and ``na`` are four nominal categories,
unweighted: ``na`` is a category of its own, so one inspector's N/A against another's pass is a
disagreement (they disagree on whether the item applies), and partial against fail counts as fully as pass
against fail.

**Cohen's kappa** (two raters a and b, n subjects): p_o = share of subjects on which they agree,
p_e = Σ_k p_a(k)·p_b(k) with p_x(k) the share of x's ratings in category k, κ = (p_o − p_e)/(1 − p_e).
**Fleiss' kappa** (N subjects each rated by the same number n ≥ 2 of raters; n_ij raters put subject i
in category j): P_i = (Σ_j n_ij² − n)/(n(n − 1)) — the share of rater pairs agreeing on subject i —,
P̄ = mean P_i, p_j = Σ_i n_ij/(N n), P̄_e = Σ_j p_j², κ = (P̄ − P̄_e)/(1 − P̄_e). Both are computed in exact
rational arithmetic and returned as floats.

**Undefined kappa (None).** With no rating at all, or when the expected agreement is 1 — every rating of
every rater is the same single category (e.g. all inspectors passed the item on every recording) — the
ratio is 0/0. The page should then show "—" for kappa with the note :data:`MESSAGES` ``qa.kappa.undefined``
next to the percent agreement (which is 100 %): the inspectors agree, but these recordings cannot tell
agreement from chance; calibrate on recordings where the item is sometimes failed.

**Which statistic, which recordings** (:func:`calibration_report`). A subject is a recording × item scored
by at least two inspectors; a rating by one inspector only is left out (nothing to compare with). For an
item whose subjects were scored by exactly two inspectors overall, Cohen's kappa over those subjects. With
more inspectors, Fleiss' kappa over the recordings that *every one* of them scored for the item; recordings
that some of them did not score are left out of the item's kappa and agreement (counted in the column
``incomplete``) but still appear in the inspector pairs and in the disagreement list. The item's
``agreement`` is the share of agreeing inspector pairs (P̄ above; for two inspectors simply the share of
recordings they agree on). The pairs table pools all items: for each pair of inspectors, Cohen's kappa
over every recording × item both scored. If an inspector scored the same item of the same recording more
than once, the last row of the frame counts.

**Bands** (Landis & Koch, 1977): κ < 0 poor, ≤ 0.20 slight, ≤ 0.40 fair, ≤ 0.60 moderate, ≤ 0.80
substantial, above almost perfect — :func:`kappa_band` and :func:`band_label`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np
import pandas as pd

from ccdash.findings import CcdashError
from ccdash.i18n import DEFAULT_LANG, joined, register, t

__all__ = ["RESULTS", "BANDS", "percent_agreement", "cohen_kappa", "fleiss_kappa", "pair_agreement",
           "kappa_band", "band_label", "Overall", "CalibrationReport", "calibration_report"]

RESULTS = ("pass", "fail", "partial", "na")  # the categories, in this order in count matrices
COLUMNS = ("recording_id", "inspector", "item_code", "result")
BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
         (float("inf"), "almost_perfect"))  # upper bounds (inclusive); below 0 is "poor"

MESSAGES = {
    "qa.calibration.columns": {"zh": "校准数据缺少列：{missing}",
                               "en": "The calibration data lacks the columns: {missing}"},
    "qa.calibration.result": {
        "zh": "未知的评分结果“{value}”（应为 pass、fail、partial 或 na）",
        "en": "Unknown result \"{value}\" (expected pass, fail, partial or na)"},
    "qa.kappa.undefined": {
        "zh": "κ 无法计算：所有评分都落在同一类别（一致率 100 %），这些录音无法区分真实一致与偶然一致",
        "en": "κ is undefined: every rating is the same category (100 % agreement), so these recordings "
              "cannot tell real agreement from chance"},
    "qa.kappa.poor": {"zh": "差（低于随机）", "en": "poor (below chance)"},
    "qa.kappa.slight": {"zh": "轻微一致", "en": "slight"},
    "qa.kappa.fair": {"zh": "一般一致", "en": "fair"},
    "qa.kappa.moderate": {"zh": "中等一致", "en": "moderate"},
    "qa.kappa.substantial": {"zh": "高度一致", "en": "substantial"},
    "qa.kappa.almost_perfect": {"zh": "几乎完全一致", "en": "almost perfect"},
}
register(MESSAGES)


# ---------------------------------------------------------------------------------------------- statistics

def percent_agreement(a: Sequence, b: Sequence) -> float | None:
    """Share of subjects on which two raters gave the same category; None without any subject."""
    _same_length(a, b)
    if len(a) == 0:
        return None
    return sum(x == y for x, y in zip(a, b)) / len(a)


def cohen_kappa(a: Sequence, b: Sequence) -> float | None:
    """Cohen's kappa (nominal, unweighted) of two raters' ratings of the same subjects, in order.

    None when undefined: no subject, or expected agreement 1 (both raters used one and the same
    category throughout).
    """
    _same_length(a, b)
    n = len(a)
    if n == 0:
        return None
    agree = sum(x == y for x, y in zip(a, b))
    ca, cb = Counter(a), Counter(b)
    chance = sum(ca[k] * cb[k] for k in ca)  # p_e · n²
    if chance == n * n:
        return None
    return float(Fraction(n * agree - chance, n * n - chance))  # (p_o − p_e)/(1 − p_e), times n²/n²


def _counts(counts) -> np.ndarray:
    m = np.asarray(counts)
    if m.ndim != 2:
        raise ValueError("counts must be a subjects × categories matrix")
    if m.size and (np.any(m < 0) or np.any(m != np.round(m))):
        raise ValueError("counts must be non-negative whole numbers")
    m = m.astype(np.int64)
    if m.shape[0] and len(set(m.sum(axis=1).tolist())) != 1:
        raise ValueError("every subject must be rated by the same number of raters")
    return m


def pair_agreement(counts) -> float | None:
    """Fleiss' P̄: over the subjects, the mean share of rater pairs that agree; None when undefined."""
    m = _counts(counts)
    big_n = m.shape[0]
    n = int(m[0].sum()) if big_n else 0
    if big_n == 0 or n < 2:
        return None
    return float(Fraction(int((m * m).sum()) - big_n * n, big_n * n * (n - 1)))


def fleiss_kappa(counts) -> float | None:
    """Fleiss' kappa of a subjects × categories count matrix (each row: how many raters chose each category).

    Every row must sum to the same number of raters n. None when undefined: no subject, fewer than two
    raters, or expected agreement 1 (all ratings in one category).
    """
    m = _counts(counts)
    big_n = m.shape[0]
    n = int(m[0].sum()) if big_n else 0
    if big_n == 0 or n < 2:
        return None
    total = big_n * n
    columns = m.sum(axis=0)
    chance = Fraction(int((columns * columns).sum()), total * total)  # P̄_e
    if chance == 1:
        return None
    observed = Fraction(int((m * m).sum()) - total, total * (n - 1))  # P̄
    return float((observed - chance) / (1 - chance))


def kappa_band(kappa: float | None) -> str | None:
    """The Landis & Koch band of a kappa: poor, slight, fair, moderate, substantial, almost_perfect."""
    if kappa is None or pd.isna(kappa):
        return None
    k = round(float(kappa), 9)  # 0.6000000001 from float noise is still "moderate"
    if k < 0:
        return "poor"
    return next(name for upper, name in BANDS if k <= upper)


def band_label(band: str | None, lang: str = DEFAULT_LANG) -> str:
    """The band's name for the page; for no band (kappa undefined) "—"."""
    if band is None or pd.isna(band):
        return "—"
    return t(f"qa.kappa.{band}", lang)


def _same_length(a: Sequence, b: Sequence) -> None:
    if len(a) != len(b):
        raise ValueError(f"the two raters rated different numbers of subjects ({len(a)} and {len(b)})")


# --------------------------------------------------------------------------------------------- the report

@dataclass(frozen=True)
class Overall:
    """All items pooled: each recording × item scored by two or more inspectors is one subject."""

    recordings: int  # distinct recordings with at least one subject
    subjects: int  # recording × item subjects used for the kappa (see incomplete)
    incomplete: int  # subjects left out because not every inspector scored them (Fleiss only)
    inspectors: int
    agreement: float | None
    kappa: float | None
    method: str | None  # "cohen" / "fleiss"; None without subjects
    band: str | None
    disagreements: int  # subjects on which the inspectors did not all agree


@dataclass(frozen=True)
class CalibrationReport:
    by_item: pd.DataFrame  # item_code, recordings, incomplete, inspectors, agreement, kappa, method, band
    by_pair: pd.DataFrame  # inspector_a, inspector_b, ratings, agreement, kappa, band
    disagreements: pd.DataFrame  # recording_id, item_code, then one column per inspector (result or NA)
    overall: Overall
    inspectors: tuple[str, ...]  # everyone with at least one compared rating, sorted


ITEM_COLUMNS = ["item_code", "recordings", "incomplete", "inspectors", "agreement", "kappa", "method", "band"]
PAIR_COLUMNS = ["inspector_a", "inspector_b", "ratings", "agreement", "kappa", "band"]


def _ratings(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, str]]:
    """(recording, item) → {inspector: result}, in the frame's order of first appearance."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise CcdashError("qa.calibration.columns", missing=joined(missing))
    rows = frame.loc[frame["result"].notna(), list(COLUMNS)]
    ratings: dict[tuple[str, str], dict[str, str]] = {}
    for rec, inspector, item, result in rows.itertuples(index=False, name=None):
        value = str(result).strip().lower()
        if value not in RESULTS:
            raise CcdashError("qa.calibration.result", value=result)
        ratings.setdefault((str(rec), str(item)), {})[str(inspector)] = value  # the last row counts
    return ratings


def _agreement(subjects: list[dict[str, str]]) -> dict:
    """The rule of the module docstring over some subjects (each {inspector: result}, ≥ 2 ratings)."""
    raters = sorted({name for s in subjects for name in s})
    if len(raters) == 2:
        a = [s[raters[0]] for s in subjects]
        b = [s[raters[1]] for s in subjects]
        return {"subjects": len(subjects), "incomplete": 0, "inspectors": 2,
                "agreement": percent_agreement(a, b), "kappa": cohen_kappa(a, b), "method": "cohen"}
    complete = [s for s in subjects if len(s) == len(raters)]
    counts = np.array([[Counter(s.values())[r] for r in RESULTS] for s in complete], dtype=np.int64)
    counts = counts.reshape(len(complete), len(RESULTS))
    return {"subjects": len(complete), "incomplete": len(subjects) - len(complete), "inspectors": len(raters),
            "agreement": pair_agreement(counts), "kappa": fleiss_kappa(counts), "method": "fleiss"}


def calibration_report(frame: pd.DataFrame) -> CalibrationReport:
    """Agreement per item, per inspector pair and overall, and the list of disagreements.

    ``frame``: one row per recording × inspector × item from calibration evaluations, columns
    recording_id, inspector, item_code, result (pass/fail/partial/na; rows without a result are ignored).
    Items and disagreements are listed in the order the frame first mentions them; inspector pairs and
    the disagreement columns in name order.
    """
    ratings = _ratings(frame)
    compared = {key: r for key, r in ratings.items() if len(r) >= 2}
    inspectors = tuple(sorted({name for r in compared.values() for name in r}))

    by_item_rows = []
    for item in dict.fromkeys(item for _, item in compared):
        stats = _agreement([r for (_, it), r in compared.items() if it == item])
        by_item_rows.append({"item_code": item, "recordings": stats["subjects"], "incomplete": stats["incomplete"],
                             "inspectors": stats["inspectors"], "agreement": stats["agreement"],
                             "kappa": stats["kappa"], "method": stats["method"],
                             "band": kappa_band(stats["kappa"])})

    pair_rows = []
    for x, y in combinations(inspectors, 2):
        both = [r for r in compared.values() if x in r and y in r]
        if not both:
            continue
        a, b = [r[x] for r in both], [r[y] for r in both]
        kappa = cohen_kappa(a, b)
        pair_rows.append({"inspector_a": x, "inspector_b": y, "ratings": len(both),
                          "agreement": percent_agreement(a, b), "kappa": kappa, "band": kappa_band(kappa)})

    disagreement_rows = [{"recording_id": rec, "item_code": item, **{name: r.get(name) for name in inspectors}}
                         for (rec, item), r in compared.items() if len(set(r.values())) > 1]

    if compared:
        stats = _agreement(list(compared.values()))
        overall = Overall(recordings=len({rec for rec, _ in compared}), subjects=stats["subjects"],
                          incomplete=stats["incomplete"], inspectors=stats["inspectors"],
                          agreement=stats["agreement"], kappa=stats["kappa"], method=stats["method"],
                          band=kappa_band(stats["kappa"]), disagreements=len(disagreement_rows))
    else:
        overall = Overall(0, 0, 0, 0, None, None, None, None, 0)

    return CalibrationReport(
        by_item=_frame(by_item_rows, ITEM_COLUMNS),
        by_pair=_frame(pair_rows, PAIR_COLUMNS),
        disagreements=_frame(disagreement_rows, ["recording_id", "item_code", *inspectors]),
        overall=overall,
        inspectors=inspectors,
    )


_DTYPES = {"recordings": "int64", "incomplete": "int64", "inspectors": "int64", "ratings": "int64",
           "agreement": "float64", "kappa": "float64"}  # every other column is text


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame with fixed dtypes, also when empty; undefined agreement/kappa/band are missing."""
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({c: _DTYPES.get(c, "str") for c in columns})
