"""One-line quick add: a short Chinese or English line → a dashboard :class:`~ccdash.dashboards.model.Widget`.

``parse_quick_add("接通率 按天 折线 本月")`` is a line chart of ``answer_rate`` by day over this month. The
line is read by a small hand-written lexer — never ``eval``-ed — that takes, at each position, the longest
known phrase: an indicator (its code, Chinese or English name, or a synonym from the indicator catalog) or
a keyword of :data:`KEYWORDS`. Chinese needs no spaces (``接通率按天折线本月``), case and full-width forms
do not matter, and the two languages can be mixed. Grammar (parts in any order; only an indicator is
required)::

    line  := part+
    part  := INDICATOR | KIND | GRAIN | BREAKDOWN | PERIOD | SORT | TOP | FILLER
    TOP   := ("前" | "top") N ["名" | "位" | "个"]                   the N highest: sort desc
           | ("后" | "倒数" | "bottom" | "worst") N ["名" | …]       the N lowest: sort asc
    FILLER := 、 , ， + & / ; 和 与 及 的 图 and by of for vs …   ignored; they join indicators

Rules, in this order:

1. Every indicator named is shown, in the order written (a repeat counts once).
2. One value per slot: two different periods, grains, breakdowns, sorts, top Ns or chart kinds are an
   error naming both words. 横向/horizontal makes a bar chart horizontal; 堆叠/stacked makes a bar chart a
   ``stacked_bar`` (not both: options.horizontal is for ``bar``).
3. Chart kind when none is named: a grain → ``line``; else a breakdown → ``bar``; else a ``kpi`` card.
4. Period when none is named: ``this_month`` for a grain of a day or coarser or for a heatmap; else ``today``.
5. Grain when none is named: a time chart (line, area; bar, stacked bar or table without a breakdown) is
   by ``hour`` over today or yesterday and by ``day`` over longer periods; a heatmap is weekday × ``hour``,
   or agent × ``day`` by agent; anything else is the ``total``.
6. Sort when none is named: ``desc`` with a top N, or for a bar or table by a breakdown over the total. A
   top N (1 to 500) or a sort needs a breakdown, and a bar chart or table to show it.
7. A KPI card or gauge shows one value (no grain, no breakdown); a donut needs a breakdown and no grain; a
   heatmap is by no breakdown or by agent; a gauge, donut or heatmap shows one indicator.
8. A word that is none of these is an error naming it, with the nearest known phrase (:mod:`difflib`; a
   tie goes to a headline indicator — one with a target — so 接通绿 suggests 接通率); the suggestion is in
   the word's script, or in ``lang`` when the word has no letters (``30``).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from ccdash.dashboards.model import Period, Widget, WidgetOptions
from ccdash.findings import CcdashError
from ccdash.i18n import LIST_SEP, in_each_lang, register
from ccdash.indicators.catalog import Catalog, load_catalog

MESSAGES = {
    "quickadd.empty": {"zh": "请写一句话，例如「接通率 按天 折线 本月」",
                       "en": "Write one line, e.g. “answer rate daily line this month”"},
    "quickadd.no_indicator": {"zh": "「{text}」里没有指标：请加一个，例如「接通率」",
                              "en": "“{text}” names no indicator: add one, e.g. “answer rate”"},
    "quickadd.unknown": {"zh": "没看懂{words}— 是不是{suggest}?",
                         "en": "Did not understand {words} — did you mean {suggest}?"},
    "quickadd.unknown_hint": {
        "zh": "没看懂{words}：可以写指标（如「接通率」）、图形（折线、柱状…）、粒度（按天…）、维度（按坐席…）、时段（本月…）、前N（前10）",
        "en": "Did not understand {words}: write an indicator (e.g. “answer rate”), a chart (line, bar…), a grain "
              "(daily…), a breakdown (by agent…), a period (this month…) or top N (top 10)",
    },
    "quickadd.conflict": {"zh": "「{first}」和「{second}」矛盾：一个组件只能有一个{slot}",
                          "en": "“{first}” and “{second}” contradict each other: a widget has one {slot}"},
    "quickadd.single_value": {
        "zh": "{kind}只显示一个数值，不能再「{word}」拆分：去掉「{word}」，或改用{instead}",
        "en": "A {kind} shows a single value and cannot be split “{word}”: drop “{word}” or use a {instead}",
    },
    "quickadd.not_with": {"zh": "{kind}不能和「{word}」一起用", "en": "“{word}” does not work with {kind}s"},
    "quickadd.one_indicator": {"zh": "{kind}只能显示一个指标，这里有 {count} 个：{names}",
                               "en": "A {kind} shows one indicator; this line names {count}: {names}"},
    "quickadd.needs_breakdown": {"zh": "「{word}」需要一个维度，例如「按坐席」",
                                 "en": "“{word}” needs a breakdown, e.g. “by agent”"},
    "quickadd.top_range": {"zh": "「{word}」：前N的N要在 1 到 {most} 之间",
                           "en": "“{word}”: the N of top N must be between 1 and {most}"},
}
register(MESSAGES)

# slot → value → phrases. "horizontal" and "stacked" are modifiers of a bar chart, not kinds of their own.
KEYWORDS: dict[str, dict] = {
    "kind": {
        "line": ("折线", "折线图", "线图", "曲线", "趋势", "趋势图", "line", "line chart", "trend"),
        "bar": ("柱状", "柱状图", "柱图", "柱形图", "条形", "条形图", "bar", "bars", "bar chart", "column chart"),
        "horizontal": ("横向", "横向柱状图", "横向条形图", "横条", "horizontal", "horizontal bar"),
        "stacked": ("堆叠", "堆叠柱状图", "堆积", "stacked", "stacked bar"),
        "area": ("面积", "面积图", "area", "area chart"),
        "table": ("表格", "明细表", "排名", "排行", "排行榜", "table", "ranking", "leaderboard"),
        "heatmap": ("热力图", "热力", "热图", "heatmap", "heat map"),
        "gauge": ("仪表", "仪表盘", "进度", "进度条", "gauge", "progress"),
        "donut": ("饼图", "饼", "环形", "环形图", "donut", "doughnut", "pie", "pie chart"),
        "kpi": ("卡片", "指标卡", "数字卡", "KPI", "KPI card", "card"),
    },
    "grain": {
        "interval": ("按半小时", "每半小时", "半小时", "按30分钟", "每30分钟", "按时段", "分时段", "by interval",
                     "per interval", "half-hourly", "half hourly", "by half hour", "30 min", "30-minute"),
        "hour": ("按小时", "每小时", "逐小时", "分时", "hourly", "by hour", "per hour"),
        "day": ("按天", "按日", "每天", "每日", "逐日", "daily", "by day", "per day", "by date"),
        "week": ("按周", "每周", "逐周", "weekly", "by week", "per week"),
        "month": ("按月", "每月", "逐月", "monthly", "by month", "per month"),
    },
    "breakdown": {
        "agent": ("按坐席", "按座席", "按员工", "按人", "按工号", "各坐席", "分坐席", "每个坐席", "坐席", "座席",
                  "by agent", "per agent", "agent", "agents", "by rep"),
        "team": ("按班组", "按组", "各班组", "分班组", "班组", "by team", "per team", "team", "teams"),
        "queue": ("按技能组", "按队列", "各技能组", "各队列", "分技能组", "技能组", "队列", "by queue", "per queue",
                  "by skill", "by skill group", "queue", "queues"),
        "business_type": ("按业务类型", "按业务", "各业务类型", "分业务", "业务类型", "by business type",
                          "per business type", "by business", "business type"),
    },
    "period": {
        "today": ("今天", "今日", "当天", "当日", "today"),
        "yesterday": ("昨天", "昨日", "yesterday"),
        "this_week": ("本周", "这周", "本星期", "this week"),
        "last_7_days": ("近7天", "近7日", "最近7天", "过去7天", "近七天", "最近七天", "过去七天", "近一周", "最近一周",
                        "last 7 days", "past 7 days", "last seven days"),
        "this_month": ("本月", "这个月", "当月", "本月至今", "this month", "month to date", "MTD"),
        "last_month": ("上月", "上个月", "上一个月", "last month", "previous month"),
    },
    "sort": {
        "desc": ("降序", "从高到低", "由高到低", "倒序", "desc", "descending", "high to low", "highest first"),
        "asc": ("升序", "从低到高", "由低到高", "正序", "asc", "ascending", "low to high", "lowest first"),
    },
    "filler": {None: ("和", "与", "及", "以及", "的", "图", "图表", "看", "显示", "and", "by", "of", "for", "the",
                      "in", "show", "chart", "graph", "vs")},
}
SEPARATORS = "、,，+&/;；"
TOP = r"(?P<top>(?:前|(?<![a-z0-9])top)\s*(?P<top_n>\d+)(?:\s*[名位个])?)"
BOTTOM = r"(?P<bottom>(?:后|倒数|(?<![a-z0-9])(?:bottom|worst))\s*(?P<bottom_n>\d+)(?:\s*[名位个])?)"
MAX_TOP = 500
MODIFIERS = ("stacked", "horizontal")  # kind words kept in their own slot: they combine with "bar"
ONE_VALUE = ("kpi", "gauge")
ONE_INDICATOR = ("gauge", "donut", "heatmap")
SORTABLE = ("bar", "table")  # the kinds with options.sort and options.top_n
TIMED_UNLESS_BROKEN_DOWN = ("bar", "stacked_bar", "table")  # a time axis when there is no breakdown
COARSE = ("day", "week", "month")
TIME_GRAIN = {"today": "hour", "yesterday": "hour"}  # other periods: "day"
CLOSE_ENOUGH = 0.5  # difflib's ratio for a suggestion
CJK = re.compile(r"[\u3400-\u9fff]")
QUOTES = {"zh": "「{}」", "en": "“{}”"}
KIND_NAMES = {
    "kpi": {"zh": "指标卡", "en": "KPI card"}, "gauge": {"zh": "仪表", "en": "gauge"},
    "line": {"zh": "折线图", "en": "line chart"}, "area": {"zh": "面积图", "en": "area chart"},
    "bar": {"zh": "柱状图", "en": "bar chart"}, "stacked_bar": {"zh": "堆叠柱状图", "en": "stacked bar chart"},
    "table": {"zh": "表格", "en": "table"}, "heatmap": {"zh": "热力图", "en": "heatmap"},
    "donut": {"zh": "环形图", "en": "donut chart"},
}
SLOT_NAMES = {"kind": {"zh": "图形", "en": "chart kind"}, "grain": {"zh": "时间粒度", "en": "time grain"},
              "breakdown": {"zh": "维度", "en": "breakdown"}, "period": {"zh": "时段", "en": "period"},
              "sort": {"zh": "排序", "en": "sort order"}, "top": {"zh": "前N", "en": "top N"}}


class Token(NamedTuple):
    slot: str  # indicator | kind | grain | breakdown | period | sort | top | filler | unknown
    value: object
    word: str  # as typed
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    pattern: re.Pattern
    meaning: dict[str, tuple[str, object, str]]  # phrase key → (slot, value, the phrase as declared)


@functools.lru_cache(maxsize=4096)  # pure; the lexicon is built on every call
def _key(phrase: str) -> str:
    """A phrase as looked up: lower case, one space between Latin words, none next to Chinese."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", phrase).strip().lower())
    return re.sub(r" ?([^\x00-\x7f]) ?", r"\1", text)


@functools.lru_cache(maxsize=4096)  # pure; the lexicon is built on every call
def _phrase_regex(phrase: str) -> str:
    """A phrase as a pattern: any spaces where it has one, optional spaces next to Chinese characters."""
    out = []
    for a, b in zip(phrase, phrase[1:] + " "):
        out.append(r"\s+" if a == " " else re.escape(a))
        if " " not in (a, b) and not (a.isascii() and b.isascii()):
            out.append(r"\s*")
    head = r"(?<![a-z0-9])" if phrase[0].isascii() and phrase[0].isalnum() else ""
    tail = r"(?![a-z0-9])" if phrase[-1].isascii() and phrase[-1].isalnum() else ""
    return head + "".join(out) + tail


def build_lexicon(catalog: Catalog | None = None) -> Lexicon:
    """Every known phrase: the catalog's indicators, then :data:`KEYWORDS` (a keyword wins a clash)."""
    catalog = catalog or load_catalog()
    meaning = {}
    for code, ind in catalog.indicators.items():
        for phrase in (code, ind.name.zh, ind.name.en, *ind.synonyms):
            meaning.setdefault(_key(phrase), ("indicator", code, phrase))
    for slot, values in KEYWORDS.items():
        for value, phrases in values.items():
            meaning.update({_key(p): (slot, value, p) for p in phrases})
    longest_first = "|".join(_phrase_regex(p) for p in sorted(meaning, key=len, reverse=True))
    pattern = rf"\s*(?:{TOP}|{BOTTOM}|(?P<phrase>{longest_first})|(?P<sep>[{re.escape(SEPARATORS)}]+)" \
              rf"|(?P<word>[a-z0-9_'%.\-]+)|(?P<char>\S))"
    return Lexicon(re.compile(pattern, re.IGNORECASE), meaning)


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """The line as tokens, longest known phrase first; what is not known is one ``unknown`` token a piece."""
    text, tokens, pos = unicodedata.normalize("NFKC", text), [], 0
    while text[pos:].strip():
        m = lexicon.pattern.match(text, pos)
        group, pos = m.lastgroup, m.end()
        word, start = m.group(group), m.start(group)
        if group == "phrase":
            slot, value, _ = lexicon.meaning[_key(word)]
            tokens.append(Token(slot, value, word, start, pos))
        elif group in ("top", "bottom"):
            tokens.append(Token("top", int(m.group(group + "_n")), word, start, pos))
            tokens += [Token("sort", "asc", word, start, pos)] if group == "bottom" else []
        else:
            tokens.append(Token("filler" if group == "sep" else "unknown", None, word, start, pos))
    return tokens


def _unknown_words(tokens: list[Token], text: str) -> list[str]:
    """Runs of unknown pieces: touching ones, and Latin words separated by spaces (``answr rate``)."""
    runs: list[Token] = []
    for before, tok in zip([None, *tokens], tokens):
        if tok.slot != "unknown":
            continue
        if before and before.slot == "unknown" and (before.end == tok.start or (before.word + tok.word).isascii()):
            runs[-1] = runs[-1]._replace(end=tok.end)
        else:
            runs.append(tok)
    return [text[r.start:r.end] for r in runs]


def _nearest(word: str, lexicon: Lexicon, catalog: Catalog, lang: str) -> str | None:
    """The known phrase closest to ``word`` in the word's own script (``lang`` when it has no letters).

    Ties go to an indicator with a target (a headline indicator: 接通绿 → 接通率, not 接通量), then to any
    indicator, then to the keyword declared first."""
    chinese = bool(CJK.search(word)) if re.search(r"[^\W\d_]", word) else lang == "zh"

    def closeness(entry: tuple[str, object, str]) -> tuple:
        slot, value, phrase = entry
        headline = slot == "indicator" and catalog.indicators[value].target is not None
        return difflib.SequenceMatcher(None, word.lower(), phrase.lower()).ratio(), headline, slot == "indicator"

    pool = [e for e in lexicon.meaning.values() if bool(CJK.search(e[2])) == chinese]
    best = max(pool, key=closeness, default=None)
    return best[2] if best and closeness(best)[0] >= CLOSE_ENOUGH else None


def _quoted(words: list[str]) -> dict[str, str]:
    return in_each_lang(lambda lang: LIST_SEP[lang].join(QUOTES[lang].format(w) for w in words))


def _fail_unknown(words: list[str], lexicon: Lexicon, catalog: Catalog, lang: str):
    suggestions = [s for s in (_nearest(w, lexicon, catalog, lang) for w in words) if s]
    if suggestions:
        raise CcdashError("quickadd.unknown", words=_quoted(words), suggest=_quoted(suggestions))
    raise CcdashError("quickadd.unknown_hint", words=_quoted(words))


def _collect(tokens: list[Token]) -> tuple[list[str], dict[str, Token]]:
    """The indicators in order, and the token that fills each other slot (two different ones: an error)."""
    indicators, chosen = [], {}
    for tok in tokens:
        if tok.slot == "indicator" and tok.value not in indicators:
            indicators.append(tok.value)
        elif tok.slot not in ("indicator", "filler"):
            first = chosen.setdefault(tok.value if tok.value in MODIFIERS else tok.slot, tok)
            if first.value != tok.value:
                raise CcdashError("quickadd.conflict", first=first.word, second=tok.word, slot=SLOT_NAMES[tok.slot])
    return indicators, chosen


def _not_with(kind: str, tok: Token) -> CcdashError:
    return CcdashError("quickadd.not_with", kind=KIND_NAMES[kind], word=tok.word)


def _kind(chosen: dict[str, Token]) -> str:
    named = chosen["kind"].value if "kind" in chosen else None
    if "stacked" in chosen and named not in (None, "bar"):
        raise _not_with(named, chosen["stacked"])
    kind = "stacked_bar" if "stacked" in chosen else named or ("bar" if "horizontal" in chosen else None)
    if "horizontal" in chosen and kind != "bar":
        raise _not_with(kind, chosen["horizontal"])
    return kind or ("line" if "grain" in chosen else "bar" if "breakdown" in chosen else "kpi")


def _check(kind: str, indicators: list[str], chosen: dict[str, Token], catalog: Catalog) -> None:
    """The rules a chart kind puts on the other parts (rule 7 of the module docstring), and top N's range."""
    if "top" in chosen and not 1 <= chosen["top"].value <= MAX_TOP:
        raise CcdashError("quickadd.top_range", word=chosen["top"].word, most=MAX_TOP)
    for slot, instead in (("breakdown", "bar"), ("grain", "line")):
        if kind in ONE_VALUE and slot in chosen:
            raise CcdashError("quickadd.single_value", kind=KIND_NAMES[kind], word=chosen[slot].word,
                              instead=KIND_NAMES[instead])
    if kind in ONE_INDICATOR and len(indicators) > 1:
        names = in_each_lang(lambda lang: LIST_SEP[lang].join(catalog.indicators[c].name.get(lang) for c in indicators))
        raise CcdashError("quickadd.one_indicator", kind=KIND_NAMES[kind], count=len(indicators), names=names)
    wants_breakdown = [chosen[s] for s in ("top", "sort") if s in chosen]
    wants_breakdown += [chosen["kind"]] if kind == "donut" else []
    if wants_breakdown and "breakdown" not in chosen:
        raise CcdashError("quickadd.needs_breakdown", word=wants_breakdown[0].word)
    for slot in ("top", "sort"):
        if slot in chosen and kind not in SORTABLE:
            raise _not_with(kind, chosen[slot])
    if kind == "donut" and "grain" in chosen:
        raise _not_with(kind, chosen["grain"])
    if kind == "heatmap" and "breakdown" in chosen and chosen["breakdown"].value != "agent":
        raise _not_with(kind, chosen["breakdown"])


def _grain(kind: str, chosen: dict[str, Token], period: str) -> str:
    grain = chosen["grain"].value if "grain" in chosen else None
    if kind == "heatmap":
        allowed = ("day",) if "breakdown" in chosen else ("hour", "interval")
        if grain not in (None, *allowed):
            raise _not_with(kind, chosen["grain"])
        return grain or allowed[0]
    timed = kind in ("line", "area") or (kind in TIMED_UNLESS_BROKEN_DOWN and "breakdown" not in chosen)
    return grain or (TIME_GRAIN.get(period, "day") if timed else "total")


def parse_quick_add(text: str, catalog: Catalog | None = None, lang: str = "zh") -> Widget:
    """The widget one short line asks for; :class:`CcdashError` (zh and en) naming what is not understood."""
    catalog = catalog or load_catalog()
    lexicon = build_lexicon(catalog)
    text = unicodedata.normalize("NFKC", str(text or ""))
    if not text.strip():
        raise CcdashError("quickadd.empty")
    tokens = tokenize(text, lexicon)
    unknown = _unknown_words(tokens, text)
    if unknown:
        _fail_unknown(unknown, lexicon, catalog, lang)
    indicators, chosen = _collect(tokens)
    if not indicators:
        raise CcdashError("quickadd.no_indicator", text=text.strip())
    value = {slot: tok.value for slot, tok in chosen.items()}
    kind = _kind(chosen)
    period = value.get("period") or ("this_month" if kind == "heatmap" or value.get("grain") in COARSE else "today")
    _check(kind, indicators, chosen, catalog)
    grain = _grain(kind, chosen, period)
    breakdown = value.get("breakdown")
    ranked = breakdown is not None and grain == "total" and kind in SORTABLE
    options = WidgetOptions(
        sort=value.get("sort") or ("desc" if "top" in value or ranked else None), top_n=value.get("top"),
        horizontal="horizontal" in value, heatmap="agent_day" if kind == "heatmap" and breakdown else "weekday_hour")
    return Widget(kind=kind, indicators=indicators, period=Period(kind=period), grain=grain, breakdown=breakdown,
                  options=options)
