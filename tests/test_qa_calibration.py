"""Calibration statistics: kappas against values computed by hand, and the report on a hand-built session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ccdash.findings import CcdashError
from ccdash.qa.calibration import (band_label, calibration_report, cohen_kappa, fleiss_kappa, kappa_band,
                                   pair_agreement, percent_agreement)

# -------------------------------------------------------------------------------------------------- Cohen


def test_cohen_wikipedia_example():
    """Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, no/no 15, A yes/B no 5, A no/B yes 10.

    p_o = 35/50 = 0.7; A says yes 25 times, B 30 times: p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5 = 0.4.
    """
    a = ["yes"] * 20 + ["no"] * 15 + ["yes"] * 5 + ["no"] * 10
    b = ["yes"] * 20 + ["no"] * 15 + ["no"] * 5 + ["yes"] * 10
    assert percent_agreement(a, b) == pytest.approx(0.7)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert kappa_band(cohen_kappa(a, b)) == "fair"


def test_cohen_three_categories_by_hand():
    """10 recordings, pass/fail/partial.

    (pass,pass)×4, (fail,fail)×2, (partial,partial)×1, (pass,fail)×1, (fail,pass)×1, (pass,partial)×1
    p_o = 7/10. a: pass 6, fail 3, partial 1; b: pass 5, fail 3, partial 2.
    p_e = (6·5 + 3·3 + 1·2)/100 = 0.41; κ = (0.70 − 0.41)/(1 − 0.41) = 0.29/0.59 = 29/59 ≈ 0.4915.
    """
    pairs = ([("pass", "pass")] * 4 + [("fail", "fail")] * 2 + [("partial", "partial")]
             + [("pass", "fail"), ("fail", "pass"), ("pass", "partial")])
    a, b = zip(*pairs)
    assert percent_agreement(a, b) == pytest.approx(0.7)
    assert cohen_kappa(a, b) == pytest.approx(29 / 59)
    assert cohen_kappa(b, a) == pytest.approx(29 / 59)  # symmetric


def test_docs_example_agreement_flatters():
    """docs/qa_calibration.md: 16 both pass, 1 both fail, 2 A pass/B fail, 1 A fail/B pass.

    p_o = 17/20 = 0.85; p_e = 0.9·0.85 + 0.1·0.15 = 0.78; κ = 0.07/0.22 = 7/22 ≈ 0.318 (fair).
    """
    a = ["pass"] * 16 + ["fail"] + ["pass"] * 2 + ["fail"]
    b = ["pass"] * 16 + ["fail"] + ["fail"] * 2 + ["pass"]
    assert percent_agreement(a, b) == pytest.approx(0.85)
    assert cohen_kappa(a, b) == pytest.approx(7 / 22)
    assert kappa_band(7 / 22) == "fair"


def test_cohen_edge_cases():
    assert cohen_kappa(["pass", "fail", "fail"], ["pass", "fail", "fail"]) == 1.0  # perfect, two categories
    assert cohen_kappa(["pass"] * 5, ["pass"] * 5) is None  # one category only: p_e = 1, undefined
    assert percent_agreement(["pass"] * 5, ["pass"] * 5) == 1.0
    assert cohen_kappa([], []) is None and percent_agreement([], []) is None
    assert cohen_kappa(["pass", "fail"], ["fail", "pass"]) == -1.0  # p_o 0, p_e 0.5
    # one rater constant, the other not: p_e = 0.5 (defined), p_o = 0.5 → κ = 0
    assert cohen_kappa(["pass"] * 4, ["pass", "pass", "fail", "fail"]) == 0.0
    with pytest.raises(ValueError):
        cohen_kappa(["pass"], ["pass", "fail"])


# -------------------------------------------------------------------------------------------------- Fleiss

WIKIPEDIA_FLEISS = [  # 10 subjects, 14 raters, 5 categories (Wikipedia "Fleiss' kappa", worked example)
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def test_fleiss_wikipedia_example():
    """P̄ = 0.378, P̄_e = 0.213, κ = (0.378 − 0.213)/(1 − 0.213) ≈ 0.210."""
    assert pair_agreement(WIKIPEDIA_FLEISS) == pytest.approx(0.378, abs=5e-4)
    assert fleiss_kappa(WIKIPEDIA_FLEISS) == pytest.approx(0.210, abs=5e-4)
    assert fleiss_kappa(np.array(WIKIPEDIA_FLEISS)) == pytest.approx(0.20993, abs=1e-5)


def test_fleiss_small_case_by_hand():
    """3 recordings × 3 inspectors, pass/fail counts [3,0], [2,1], [0,3].

    P_i = (Σ n_ij² − 3)/(3·2): 1, (4+1−3)/6 = 1/3, 1 → P̄ = 7/9.
    p_pass = 5/9, p_fail = 4/9 → P̄_e = 25/81 + 16/81 = 41/81.
    κ = (63/81 − 41/81)/(40/81) = 22/40 = 0.55.
    """
    counts = [[3, 0], [2, 1], [0, 3]]
    assert pair_agreement(counts) == pytest.approx(7 / 9)
    assert fleiss_kappa(counts) == pytest.approx(0.55)


def test_fleiss_edge_cases():
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # every rating in one category
    assert fleiss_kappa([[1, 0], [0, 1]]) is None  # one rater per subject: no pairs
    assert fleiss_kappa(np.zeros((0, 4))) is None and pair_agreement(np.zeros((0, 4))) is None
    assert fleiss_kappa([[2, 0], [0, 2]]) == 1.0
    with pytest.raises(ValueError):
        fleiss_kappa([[3, 0], [1, 1]])  # 3 raters, then 2
    with pytest.raises(ValueError):
        fleiss_kappa([3, 0])
    with pytest.raises(ValueError):
        fleiss_kappa([[-1, 3]])


@pytest.mark.parametrize("kappa, band", [
    (-0.01, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.4, "fair"), (0.41, "moderate"),
    (0.6, "moderate"), (0.6 + 1e-12, "moderate"), (0.61, "substantial"), (0.8, "substantial"),
    (0.81, "almost_perfect"), (1.0, "almost_perfect"), (None, None), (float("nan"), None),
])
def test_landis_koch_bands(kappa, band):
    assert kappa_band(kappa) == band


def test_band_labels_in_both_languages():
    assert band_label("moderate", "zh") == "中等一致" and band_label("moderate", "en") == "moderate"
    assert band_label("almost_perfect", "en") == "almost perfect"
    assert band_label("poor", "zh").startswith("差")
    assert band_label(None) == "—"


# -------------------------------------------------------------------------------------------------- report

def session() -> pd.DataFrame:
    """Four recordings, three inspectors (li, wang, zhang), four items.

    greeting        zhang & li on R1–R4          zhang p p f p / li p f f p
    identity_check  all three on R1–R3, R4 by zhang & li only
                    R1 p p p · R2 zhang f, li f, wang p · R3 zhang na, li f, wang f · R4 zhang p, li p
    closing         zhang & wang on R1, R2, all pass
    anti_fraud      zhang alone on R1 (li's row has no result): nothing to compare
    zhang first scored R2 greeting "fail" and corrected it to "pass" later (the last row counts).
    """
    rows = [
        ("R1", "zhang", "greeting", "pass"), ("R1", "zhang", "identity_check", "pass"),
        ("R1", "zhang", "closing", "pass"), ("R1", "zhang", "anti_fraud", "pass"),
        ("R1", "li", "greeting", "pass"), ("R1", "li", "identity_check", "pass"), ("R1", "li", "anti_fraud", None),
        ("R1", "wang", "identity_check", "pass"), ("R1", "wang", "closing", "pass"),
        ("R2", "zhang", "greeting", "fail"), ("R2", "zhang", "identity_check", "fail"),
        ("R2", "zhang", "closing", "pass"),
        ("R2", "li", "greeting", "fail"), ("R2", "li", "identity_check", "fail"),
        ("R2", "wang", "identity_check", "pass"), ("R2", "wang", "closing", " Pass "),
        ("R3", "zhang", "greeting", "fail"), ("R3", "zhang", "identity_check", "na"),
        ("R3", "li", "greeting", "fail"), ("R3", "li", "identity_check", "fail"),
        ("R3", "wang", "identity_check", "fail"),
        ("R4", "zhang", "greeting", "pass"), ("R4", "zhang", "identity_check", "pass"),
        ("R4", "li", "greeting", "pass"), ("R4", "li", "identity_check", "pass"),
        ("R2", "zhang", "greeting", "pass"),  # the correction
    ]
    return pd.DataFrame(rows, columns=["recording_id", "inspector", "item_code", "result"])


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows with missing values as None, so they can be compared exactly."""
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def test_report_by_item():
    """greeting (Cohen): agree on 3 of 4; zhang pass 3 fail 1, li pass 2 fail 2 → p_e = (3·2 + 1·2)/16 = 0.5,
    κ = (0.75 − 0.5)/0.5 = 0.5.

    identity_check (Fleiss over R1–R3; R4 lacks wang): counts over (pass, fail, partial, na)
    R1 [3,0,0,0], R2 [1,2,0,0], R3 [0,2,0,1]. Σ n² = 9 + 5 + 5 = 19 → P̄ = (19 − 9)/(9·2) = 5/9.
    Columns pass 4, fail 4, na 1 of 9 → P̄_e = 33/81 = 11/27. κ = (15/27 − 11/27)/(16/27) = 0.25.
    closing: both pass twice → agreement 1, κ undefined.
    """
    by_item = records(calibration_report(session()).by_item)
    assert [row.pop("agreement") for row in by_item] == pytest.approx([0.75, 5 / 9, 1.0])
    assert [row.pop("kappa") for row in by_item] == [pytest.approx(0.5), pytest.approx(0.25), None]
    assert by_item == [
        {"item_code": "greeting", "recordings": 4, "incomplete": 0, "inspectors": 2, "method": "cohen",
         "band": "moderate"},
        {"item_code": "identity_check", "recordings": 3, "incomplete": 1, "inspectors": 3, "method": "fleiss",
         "band": "fair"},
        {"item_code": "closing", "recordings": 2, "incomplete": 0, "inspectors": 2, "method": "cohen",
         "band": None},
    ]


def test_report_by_pair():
    """Every recording × item both scored, all items pooled.

    li–wang: identity R1 p/p, R2 f/p, R3 f/f → 2/3; li p1 f2, wang p2 f1 → p_e = 4/9, κ = (2/9)/(5/9) = 0.4.
    li–zhang: greeting R1–R4 + identity R1–R4 = 8; agree 3 + 3 = 6 → 0.75. li p4 f4; zhang p5 f2 na1 →
      p_e = (4·5 + 4·2)/64 = 7/16, κ = (12/16 − 7/16)/(9/16) = 5/9.
    wang–zhang: identity R1–R3 (p/p, p/f, f/na) + closing R1, R2 (p/p) = 5; agree 3 → 0.6. wang p4 f1;
      zhang p3 f1 na1 → p_e = (12 + 1)/25 = 13/25, κ = (2/25)/(12/25) = 1/6.
    """
    by_pair = records(calibration_report(session()).by_pair)
    assert [(r["inspector_a"], r["inspector_b"], r["ratings"], r["band"]) for r in by_pair] == [
        ("li", "wang", 3, "fair"), ("li", "zhang", 8, "moderate"), ("wang", "zhang", 5, "slight")]
    assert [r["agreement"] for r in by_pair] == pytest.approx([2 / 3, 0.75, 0.6])
    assert [r["kappa"] for r in by_pair] == pytest.approx([0.4, 5 / 9, 1 / 6])


def test_report_disagreements_exactly():
    report = calibration_report(session())
    assert report.inspectors == ("li", "wang", "zhang")
    assert list(report.disagreements.columns) == ["recording_id", "item_code", "li", "wang", "zhang"]
    assert records(report.disagreements) == [
        {"recording_id": "R2", "item_code": "greeting", "li": "fail", "wang": None, "zhang": "pass"},
        {"recording_id": "R2", "item_code": "identity_check", "li": "fail", "wang": "pass", "zhang": "fail"},
        {"recording_id": "R3", "item_code": "identity_check", "li": "fail", "wang": "fail", "zhang": "na"},
    ]


def test_report_overall():
    """Three inspectors → Fleiss over the subjects all three scored: identity_check R1–R3 (as above);
    the other 7 compared subjects (greeting ×4, identity R4, closing ×2) are incomplete."""
    o = calibration_report(session()).overall
    assert (o.recordings, o.subjects, o.incomplete, o.inspectors, o.method, o.band, o.disagreements) == (
        4, 3, 7, 3, "fleiss", "fair", 3)
    assert (o.agreement, o.kappa) == (pytest.approx(5 / 9), pytest.approx(0.25))


def test_report_two_inspectors_overall_is_cohen():
    frame = session()
    frame = frame[frame["inspector"] != "wang"]
    o = calibration_report(frame).overall
    # li–zhang pooled as in test_report_by_pair
    assert (o.subjects, o.method, o.agreement, o.kappa) == (8, "cohen", 0.75, pytest.approx(5 / 9))


def test_report_without_comparisons():
    empty = calibration_report(pd.DataFrame(columns=["recording_id", "inspector", "item_code", "result"]))
    alone = calibration_report(session().query("inspector == 'zhang'"))
    for report in (empty, alone):
        assert report.by_item.empty and report.by_pair.empty and report.disagreements.empty
        assert report.overall.subjects == 0 and report.overall.kappa is None
        assert list(report.by_item.columns) == ["item_code", "recordings", "incomplete", "inspectors",
                                                "agreement", "kappa", "method", "band"]
        assert report.by_item["kappa"].dtype == "float64" and report.by_pair["ratings"].dtype == "int64"


def test_report_refuses_bad_input():
    with pytest.raises(CcdashError) as err:
        calibration_report(pd.DataFrame({"recording_id": ["R1"], "inspector": ["li"]}))
    assert err.value.code == "qa.calibration.columns"
    assert "item_code" in err.value.message("en") and "result" in str(err.value)
    bad = session()
    bad.loc[3, "result"] = "ok"
    with pytest.raises(CcdashError) as err:
        calibration_report(bad)
    assert err.value.code == "qa.calibration.result" and "ok" in err.value.message("en")
