"""Standard phrases in transcripts: punctuation and one-character slips tolerated, offsets into the original."""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest
from rapidfuzz.distance import Levenshtein

import ccdash.qa.phrases as phrases_module
from ccdash.qa.forms import parse_form
from ccdash.qa.phrases import PhraseHit, highlight, match_phrases, normalize, suggest_results, tolerance

GREETING = "您好，很高兴为您服务"  # 9 characters without the comma → 1 edit allowed
BLOCKED = "已为您办理临时挂失"  # 9 characters
KEY_1 = "临时挂失有效期为五天"  # 10
KEY_2 = "请在五日内携带本人有效身份证件到网点办理正式挂失"  # 24 → 2 edits allowed


def make_form(*items: dict):
    """A one-section form with the given items (codes from config/qa_items.yaml)."""
    return parse_form({
        "schema_version": 1, "id": "phrase_test", "name": {"zh": "测试", "en": "Test"},
        "sections": [{"title": {"zh": "全部", "en": "All"},
                      "items": [{"max_points": 10, **item} for item in items]}],
    })


def phrases(*texts: str | tuple[str, list[str]]) -> list[dict]:
    return [{"text": t} if isinstance(t, str) else {"text": t[0], "variants": t[1]} for t in texts]


FORM = make_form(
    {"code": "greeting", "phrases": phrases(GREETING)},
    {"code": "identity_check"},  # no phrases: never suggested
    {"code": "loss_execute", "phrases": phrases((BLOCKED, ["已帮您挂失好了"]))},
    {"code": "loss_key_points", "phrases": phrases(KEY_1, KEY_2)},
)


def hit(transcript: str, code: str = "greeting", form=FORM) -> PhraseHit:
    return next(h for h in match_phrases(transcript, form) if h.item_code == code)


def test_tolerance_rule():
    assert [tolerance(n) for n in (1, 5, 6, 9, 14, 15, 24, 25, 34, 35)] == [0, 0, 1, 1, 1, 2, 2, 3, 3, 4]


def test_normalize_keeps_a_map_to_the_original_characters():
    text = "Ａ，b Straße！"
    norm, starts, ends = normalize(text)
    assert norm == "abstrasse"  # full-width folded, punctuation and space dropped, ß casefolded to ss
    assert [text[s:e] for s, e in zip(starts, ends)] == ["Ａ", "b", "S", "t", "r", "a", "ß", "ß", "e"]


def test_found_with_punctuation_changed_and_offsets_into_the_original():
    transcript = "客服：您好!很高兴 为您服务。请问有什么可以帮您？"
    h = hit(transcript)
    assert (h.found, h.distance, h.phrase) == (True, 0, GREETING)
    assert (h.start, h.end) == (3, 14)  # "客服：" is 3 characters; the match keeps its own "!" and space
    assert h.matched == "您好!很高兴 为您服务" == transcript[h.start:h.end]


def test_found_with_line_breaks_full_width_and_case():
    form = make_form({"code": "greeting", "phrases": phrases("欢迎致电VIP客户专线")})
    transcript = "嗯。欢迎致电\nｖｉｐ\u200b客户专线！"
    h = hit(transcript, form=form)
    assert (h.found, h.distance, h.matched) == (True, 0, "欢迎致电\nｖｉｐ\u200b客户专线")
    assert transcript[h.start:h.end] == h.matched


@pytest.mark.parametrize("spoken, matched", [
    ("您好，很高兴为你服务", "您好，很高兴为你服务"),  # 您 → 你 substituted
    ("您好，很高兴为服务", "您好，很高兴为服务"),  # 您 missing
    ("您好，很高兴来为您服务", "您好，很高兴来为您服务"),  # 来 extra
    ("你好，很高兴为您服务", "你好，很高兴为您服务"),  # the first character substituted: whole span kept
    ("您好，很高兴为您服物", "您好，很高兴为您服物"),  # the last one
])
def test_found_with_one_character_different(spoken, matched):
    transcript = f"喂？{spoken}。我想问一下。"
    h = hit(transcript)
    assert (h.found, h.distance, h.matched) == (True, 1, matched)
    assert (h.start, transcript[h.start:h.end]) == (2, matched)


def test_two_characters_allowed_only_in_longer_phrases():
    assert not hit("你好，很高兴为你服务").found  # 2 edits in a 9-character phrase (1 allowed)

    def key_2(transcript):
        return next(h for h in match_phrases(transcript, FORM) if h.phrase == KEY_2)

    h = key_2("请在5日内携带本人有效身份证到网点办理正式挂失。")  # 五→5 and 件 missing: 2 edits in 24 characters
    assert (h.found, h.distance, h.matched) == (True, 2, "请在5日内携带本人有效身份证到网点办理正式挂失")
    assert not key_2("请在5日内携带本人有效身份证到网点办理正试挂失。").found  # and 式→试: 3 edits


def test_not_found_when_absent_or_too_different():
    transcript = "您好，请问有什么可以帮您？我要查一下账单。好的，请稍等。"
    assert [h.found for h in match_phrases(transcript, FORM)] == [False, False, False, False]
    assert not hit("您好，很开心给你服务").found  # 3 characters differ
    short = make_form({"code": "greeting", "phrases": phrases("请您稍等")})  # < 6 characters: exact only
    assert hit("好的请您稍等", form=short).found
    assert not hit("好的请你稍等", form=short).found  # one character is already too many
    assert not hit("好的麻烦等下", form=short).found  # 3 differ
    miss = hit("没有", "loss_execute")
    assert (miss.found, miss.matched, miss.start, miss.end, miss.distance) == (False, "", -1, -1, -1)


def test_found_via_a_variant_reported_under_the_canonical_text():
    transcript = "好的，已帮您挂失好了。"
    h = hit(transcript, "loss_execute")
    assert (h.found, h.phrase, h.matched, h.distance, h.start, h.end) == (True, BLOCKED, "已帮您挂失好了", 0, 3, 10)


def test_the_best_alignment_wins_exact_later_over_fuzzy_earlier():
    transcript = "您好，很高兴为你服务。……您好，很高兴为您服务"
    h = hit(transcript)
    assert (h.distance, h.start) == (0, 13)


def _mutated(rng: random.Random, text: str, alphabet: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        at = rng.randrange(len(chars) + 1)
        kind = rng.choice("sdi") if at < len(chars) else "i"
        if kind == "s":
            chars[at] = rng.choice(alphabet)
        elif kind == "d":
            del chars[at]
        else:
            chars.insert(at, rng.choice(alphabet))
    return "".join(chars)


@pytest.mark.parametrize("scan_share", [0.0, 0.25, 2.0])  # every window / the default / candidates only
def test_best_alignment_equals_brute_force_over_all_substrings(monkeypatch, scan_share):
    """Against the definition, whichever way the windows are compared: the substring with the fewest edits,
    then the length closest to the phrase's, then the earliest; found only within the tolerance."""
    monkeypatch.setattr(phrases_module, "_SCAN_SHARE", scan_share)
    rng = random.Random(5)
    alphabet = "您好很高兴为服务请问"  # few letters: many near-matches and ties
    found = 0
    for _ in range(300):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 26)))
        said = _mutated(rng, pattern, alphabet, rng.randint(0, 4))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) + said + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        form = make_form({"code": "greeting", "phrases": phrases(pattern)})
        m, k = len(pattern), tolerance(len(pattern))
        keys = [(Levenshtein.distance(pattern, text[i:j]), abs(j - i - m), i, j)
                for i in range(len(text)) for j in range(i + 1, len(text) + 1)]
        distance, _, start, end = min(keys)
        h = hit(text, form=form)
        if distance <= k:
            found += 1
            assert (h.found, h.distance, h.start, h.end) == (True, distance, start, end), (text, pattern)
        else:
            assert not h.found, (text, pattern)
    assert 150 < found < 290, found  # both outcomes well covered


def test_offsets_always_point_at_the_original_text():
    transcript = "客服：您 好！很高兴，为您服务…已为您办理了临时挂失。临时挂失有效期为5天！请在五日内携带本人有效身份证件到网点办理正式挂失。"
    hits = match_phrases(transcript, FORM)
    assert [(h.found, h.distance) for h in hits] == [(True, 0), (True, 1), (True, 1), (True, 0)]
    assert hits[0].matched == "您 好！很高兴，为您服务"
    for h in hits:
        assert transcript[h.start:h.end] == h.matched
        assert h.matched[0] not in "，。！…" and h.matched[-1] not in "，。！…"


def test_suggest_results():
    all_said = "您好，很高兴为您服务。已为您办理临时挂失，临时挂失有效期为五天，请在五日内携带本人有效身份证件到网点办理正式挂失。"
    assert suggest_results(all_said, FORM) == {"greeting": "pass", "loss_execute": "pass", "loss_key_points": "pass"}
    one_missing = "您好，很高兴为您服务。已为您办理临时挂失，临时挂失有效期为五天。"
    assert suggest_results(one_missing, FORM) == {"greeting": "pass", "loss_execute": "pass",
                                                  "loss_key_points": "fail"}  # KEY_2 not said
    assert suggest_results("喂？", FORM) == {"greeting": "fail", "loss_execute": "fail", "loss_key_points": "fail"}


@pytest.mark.parametrize("transcript", [None, float("nan"), pd.NA, "", "  \n", "。。。"])
def test_no_transcript_finds_nothing_and_suggests_nothing(transcript):
    hits = match_phrases(transcript, FORM)
    assert [(h.item_code, h.phrase, h.found, h.start) for h in hits] == [
        ("greeting", GREETING, False, -1), ("loss_execute", BLOCKED, False, -1),
        ("loss_key_points", KEY_1, False, -1), ("loss_key_points", KEY_2, False, -1)]
    assert suggest_results(transcript, FORM) == {}
    assert highlight(transcript, hits) == ([(transcript, None)] if isinstance(transcript, str) and transcript else [])


def test_highlight_segments_cover_the_transcript_once():
    transcript = "客服：您好，很高兴为您服务。好的，已帮您挂失好了。"
    segments = highlight(transcript, match_phrases(transcript, FORM))
    assert segments == [("客服：", None), ("您好，很高兴为您服务", "greeting"), ("。好的，", None),
                        ("已帮您挂失好了", "loss_execute"), ("。", None)]
    assert "".join(text for text, _ in segments) == transcript


def test_highlight_merges_overlaps():
    text = "0123456789"

    def h(code, start, end, found=True):
        return PhraseHit(code, "p", found, text[start:end] if found else "", start, end, 0)

    # same item overlapping or touching → one segment; a different item keeps only what is not taken
    hits = [h("b", 5, 9), h("a", 1, 3), h("a", 2, 5), h("x", 0, 10, found=False), h("y", 8, 12)]
    assert highlight(text, hits) == [("0", None), ("1234", "a"), ("5678", "b"), ("9", None)]
    # a longer hit starting at the same place wins the overlap
    assert highlight(text, [h("a", 2, 4), h("b", 2, 6)]) == [("01", None), ("2345", "b"), ("6789", None)]
    assert highlight(text, []) == [(text, None)]


def test_three_thousand_characters_and_ten_phrases_match_fast(capsys):
    rng = random.Random(7)
    filler = [chr(c) for c in range(0x4E00, 0x9FA6)]  # CJK ideographs: any speech-like text does
    key = [GREETING, BLOCKED, KEY_1, KEY_2, "请不要向任何人透露密码和验证码", "请问还有其他可以帮您的吗",
           "感谢您的耐心等待", "为了您的资金安全", "请您提供姓名身份证号码和卡号", "稍后会有短信发送给您"]
    form = make_form({"code": "greeting", "phrases": phrases(*key[:5])},
                     {"code": "closing", "phrases": phrases(*key[5:])})
    parts = []
    for i, phrase in enumerate(key[:6]):  # six said (three with a slip), four not said at all
        spoken = phrase if i % 2 else phrase[:3] + "嗯" + phrase[4:]
        parts += ["".join(rng.choice(filler) for _ in range(400)), "，", spoken, "。"]
    transcript = "".join(parts)
    transcript += "".join(rng.choice(filler) for _ in range(3000 - len(transcript)))
    assert len(transcript) == 3000
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        hits = match_phrases(transcript, form)
        times.append(time.perf_counter() - t0)
    assert [h.found for h in hits] == [True] * 6 + [False] * 4
    assert [h.distance for h in hits[:6]] == [1, 0, 1, 0, 1, 0]
    with capsys.disabled():
        print(f"\n3,000 characters × 10 phrases: best {min(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms")
    assert min(times) < 0.05  # the brief's budget; typically a few ms
