"""One-line quick add: phrasings → the exact widget; nonsense → a clear zh/en message; docs match the code."""

from __future__ import annotations

import itertools
import re

import pytest

from ccdash.dashboards.model import Period, Widget, WidgetOptions
from ccdash.dashboards.quickadd import KEYWORDS, build_lexicon, parse_quick_add, tokenize
from ccdash.findings import CcdashError
from ccdash.indicators.catalog import load_catalog
from tests.conftest import ROOT


def W(kind, *indicators, grain="total", breakdown=None, period="today", **options) -> Widget:
    """The widget expected, in one line."""
    return Widget(kind=kind, indicators=list(indicators), grain=grain, breakdown=breakdown,
                  period=Period(kind=period), options=WidgetOptions(**options))


PHRASINGS = [
    # Chinese
    ("接通率 按天 折线 本月", W("line", "answer_rate", grain="day", period="this_month")),
    ("接通率按天折线本月", W("line", "answer_rate", grain="day", period="this_month")),
    ("接通率", W("kpi", "answer_rate")),
    ("接通率 按坐席", W("bar", "answer_rate", breakdown="agent", sort="desc")),
    ("服务水平 按小时", W("line", "service_level", grain="hour")),
    ("接通率和服务水平 按天 本周", W("line", "answer_rate", "service_level", grain="day", period="this_week")),
    ("接通率、放弃率、平均处理时长 本月 卡片", W("kpi", "answer_rate", "abandon_rate", "aht", period="this_month")),
    ("坐席接通率排名前10 本月", W("table", "answer_rate", breakdown="agent", period="this_month", sort="desc", top_n=10)),
    ("平均处理时长 按班组 柱状 升序 昨天", W("bar", "aht", breakdown="team", period="yesterday", sort="asc")),
    ("满意度 按技能组 横向柱状图 近7天",  # a synonym of csat_rate
     W("bar", "csat_rate", breakdown="queue", period="last_7_days", sort="desc", horizontal=True)),
    ("进线量 按半小时 面积图 今天", W("area", "offered", grain="interval")),
    ("呼损率 每30分钟 昨日", W("line", "abandon_rate", grain="interval", period="yesterday")),
    ("接通量 按业务类型 饼图 上个月", W("donut", "answered", breakdown="business_type", period="last_month")),
    ("接通率 热力图", W("heatmap", "answer_rate", grain="hour", period="this_month")),
    ("服务水平 仪表盘", W("gauge", "service_level")),
    ("20秒接通率 按周 上月", W("line", "service_level", grain="week", period="last_month")),
    ("接通量按队列堆叠本月按天", W("stacked_bar", "answered", grain="day", breakdown="queue", period="this_month")),
    ("接通率 柱状", W("bar", "answer_rate", grain="hour")),
    ("未接通率 最近7天 从低到高 按班组 前3名",
     W("bar", "unanswered_rate", breakdown="team", period="last_7_days", sort="asc", top_n=3)),
    ("接 通 率 按 天", W("line", "answer_rate", grain="day", period="this_month")),
    # English
    ("AHT by agent bar last 7 days", W("bar", "aht", breakdown="agent", period="last_7_days", sort="desc")),
    ("answer rate daily line this month", W("line", "answer_rate", grain="day", period="this_month")),
    ("Answer rate", W("kpi", "answer_rate")),
    ("service level hourly", W("line", "service_level", grain="hour")),
    ("answer rate and AHT by day this week", W("line", "answer_rate", "aht", grain="day", period="this_week")),
    ("top 10 agents by AHT", W("bar", "aht", breakdown="agent", sort="desc", top_n=10)),
    ("Top15 answer rate by team ranking this month",
     W("table", "answer_rate", breakdown="team", period="this_month", sort="desc", top_n=15)),
    ("abandon rate by queue horizontal bar ascending yesterday",
     W("bar", "abandon_rate", breakdown="queue", period="yesterday", sort="asc", horizontal=True)),
    ("offered by interval area today", W("area", "offered", grain="interval")),
    ("CSAT by business type donut last month", W("donut", "csat_rate", breakdown="business_type", period="last_month")),
    ("ASA heatmap by agent",
     W("heatmap", "asa", grain="day", breakdown="agent", period="this_month", heatmap="agent_day")),
    ("utilization gauge yesterday", W("gauge", "utilization", period="yesterday")),
    ("answered, abandoned stacked bar by queue weekly last month",
     W("stacked_bar", "answered", "abandoned", grain="week", breakdown="queue", period="last_month")),
    ("answer_rate + service_level KPI card this month", W("kpi", "answer_rate", "service_level", period="this_month")),
    ("worst 5 teams by answer rate", W("bar", "answer_rate", breakdown="team", sort="asc", top_n=5)),
    ("FCR monthly", W("line", "resolution_rate", grain="month", period="this_month")),
    ("contacts per hour by agent table last 7 days",
     W("table", "cph", breakdown="agent", period="last_7_days", sort="desc")),
    ("handled per agent", W("bar", "handled", breakdown="agent", sort="desc")),
    # both languages in one line, full-width forms
    ("接通率 by agent 柱状 last month", W("bar", "answer_rate", breakdown="agent", period="last_month", sort="desc")),
    ("AHT 按坐席 后5名", W("bar", "aht", breakdown="agent", sort="asc", top_n=5)),
    ("SL和ASA daily 本周", W("line", "service_level", "asa", grain="day", period="this_week")),
    ("Ａｎｓｗｅｒ　ｒａｔｅ，ＡＨＴ", W("kpi", "answer_rate", "aht")),
]


@pytest.mark.parametrize("line, expected", PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_phrasings(line, expected):
    assert parse_quick_add(line) == expected


def test_the_table_is_half_chinese_half_english():
    chinese = sum(bool(re.search(r"[\u4e00-\u9fff]", line)) for line, _ in PHRASINGS)
    assert len(PHRASINGS) >= 30 and chinese >= 15 and len(PHRASINGS) - chinese >= 15


@pytest.mark.parametrize("parts, expected", [
    (["接通率", "按坐席", "柱状", "升序", "昨天", "前5"],
     W("bar", "answer_rate", breakdown="agent", period="yesterday", sort="asc", top_n=5)),
    (["AHT", "by team", "horizontal", "bar", "this month", "top 3"],
     W("bar", "aht", breakdown="team", period="this_month", sort="desc", top_n=3, horizontal=True)),
])
def test_parts_in_any_order_with_or_without_spaces(parts, expected):
    """hypothesis is not installed: every order of the parts is tried instead (720 lines each)."""
    chinese = all(re.search(r"[\u4e00-\u9fff]", part) for part in parts)
    for order in itertools.permutations(parts):
        assert parse_quick_add(" ".join(order)) == expected, order
        assert not chinese or parse_quick_add("".join(order)) == expected, order


NONSENSE = [
    ("", "请写一句话，例如「接通率 按天 折线 本月」", "Write one line, e.g. “answer rate daily line this month”"),
    ("   ", "请写一句话，例如「接通率 按天 折线 本月」", "Write one line, e.g. “answer rate daily line this month”"),
    ("折线图", "「折线图」里没有指标：请加一个，例如「接通率」", "“折线图” names no indicator: add one, e.g. “answer rate”"),
    ("bar chart by agent", "「bar chart by agent」里没有指标：请加一个，例如「接通率」",
     "“bar chart by agent” names no indicator: add one, e.g. “answer rate”"),
    ("接通率 今天 昨天", "「今天」和「昨天」矛盾：一个组件只能有一个时段",
     "“今天” and “昨天” contradict each other: a widget has one period"),
    ("AHT line bar", "「line」和「bar」矛盾：一个组件只能有一个图形",
     "“line” and “bar” contradict each other: a widget has one chart kind"),
    ("接通率 按坐席 按班组", "「按坐席」和「按班组」矛盾：一个组件只能有一个维度",
     "“按坐席” and “按班组” contradict each other: a widget has one breakdown"),
    ("接通率 后5 降序 按坐席", "「后5」和「降序」矛盾：一个组件只能有一个排序",
     "“后5” and “降序” contradict each other: a widget has one sort order"),
    ("接通率 卡片 按坐席", "指标卡只显示一个数值，不能再「按坐席」拆分：去掉「按坐席」，或改用柱状图",
     "A KPI card shows a single value and cannot be split “按坐席”: drop “按坐席” or use a bar chart"),
    ("answer rate KPI daily", "指标卡只显示一个数值，不能再「daily」拆分：去掉「daily」，或改用折线图",
     "A KPI card shows a single value and cannot be split “daily”: drop “daily” or use a line chart"),
    ("接通率 按坐席 前0", "「前0」：前N的N要在 1 到 500 之间", "“前0”: the N of top N must be between 1 and 500"),
    ("AHT by agent top 501", "「top 501」：前N的N要在 1 到 500 之间", "“top 501”: the N of top N must be between 1 and 500"),
    ("接通率 前10", "「前10」需要一个维度，例如「按坐席」", "“前10” needs a breakdown, e.g. “by agent”"),
    ("answer rate pie", "「pie」需要一个维度，例如「按坐席」", "“pie” needs a breakdown, e.g. “by agent”"),
    ("接通率 按坐席 前10 折线", "折线图不能和「前10」一起用", "“前10” does not work with line charts"),
    ("接通率 堆叠 折线", "折线图不能和「堆叠」一起用", "“堆叠” does not work with line charts"),
    ("answered horizontal stacked by team", "堆叠柱状图不能和「horizontal」一起用",
     "“horizontal” does not work with stacked bar charts"),
    ("接通率 按班组 热力图", "热力图不能和「按班组」一起用", "“按班组” does not work with heatmaps"),
    ("接通率和服务水平 仪表", "仪表只能显示一个指标，这里有 2 个：接通率、服务水平",
     "A gauge shows one indicator; this line names 2: Answer rate, Service level"),
    ("接通绿", "没看懂「接通绿」— 是不是「接通率」?", "Did not understand “接通绿” — did you mean “接通率”?"),
    ("接通绿 折綫 本月", "没看懂「接通绿」、「折綫」— 是不是「接通率」、「折线」?",
     "Did not understand “接通绿”, “折綫” — did you mean “接通率”, “折线”?"),
    ("answr rate by day", "没看懂「answr rate」— 是不是「Answer rate」?",
     "Did not understand “answr rate” — did you mean “Answer rate”?"),
    ("AHT bar by agnet", "没看懂「agnet」— 是不是「agent」?", "Did not understand “agnet” — did you mean “agent”?"),
    ("近30天 接通率", "没看懂「近30天」— 是不是「近7天」?", "Did not understand “近30天” — did you mean “近7天”?"),
    ("xyzzy", "没看懂「xyzzy」：可以写指标（如「接通率」）、图形（折线、柱状…）、粒度（按天…）、维度（按坐席…）、时段（本月…）、前N（前10）",
     "Did not understand “xyzzy”: write an indicator (e.g. “answer rate”), a chart (line, bar…), a grain (daily…), "
     "a breakdown (by agent…), a period (this month…) or top N (top 10)"),
]


@pytest.mark.parametrize("line, zh, en", NONSENSE, ids=[n[0] or "empty" for n in NONSENSE])
def test_nonsense_is_explained(line, zh, en):
    with pytest.raises(CcdashError) as exc:
        parse_quick_add(line)
    assert (exc.value.message("zh"), exc.value.message("en")) == (zh, en)


def test_never_evaluated():
    with pytest.raises(CcdashError) as exc:
        parse_quick_add("__import__('os').system('echo hacked')")
    assert exc.value.code == "quickadd.unknown_hint" and "__import__" in exc.value.message("en")


def test_lang_picks_the_suggestion_for_a_word_without_letters():
    assert "「按30分钟」" in _error("30", lang="zh").message("zh")
    assert "“30 min”" in _error("30", lang="en").message("en")


def _error(line: str, **kwargs) -> CcdashError:
    with pytest.raises(CcdashError) as exc:
        parse_quick_add(line, **kwargs)
    return exc.value


def test_the_catalog_given_is_the_one_used():
    full = load_catalog()
    answer_rate = full.indicators["answer_rate"].model_copy(update={"synonyms": ("接听率",)})
    small = full.model_copy(update={"indicators": {"answer_rate": answer_rate}})
    assert parse_quick_add("接听率 按天", catalog=small).indicators == ["answer_rate"]
    assert _error("AHT", catalog=small).code.startswith("quickadd.unknown")


def _indicator_phrases():
    for code, ind in load_catalog().indicators.items():
        for phrase in (code, ind.name.zh, ind.name.en, *ind.synonyms):
            yield phrase, code


@pytest.mark.parametrize("phrase, code", list(_indicator_phrases()))
def test_every_name_and_synonym_of_the_catalog_is_understood(phrase, code):
    assert parse_quick_add(phrase) == W("kpi", code)
    assert parse_quick_add(phrase.upper() + " 按天").indicators == [code]


def _keyword_phrases():
    for slot, values in KEYWORDS.items():
        for value, phrases in values.items():
            for phrase in phrases:
                yield phrase, slot, value


@pytest.mark.parametrize("phrase, slot, value", list(_keyword_phrases()))
def test_every_keyword_reads_as_itself(phrase, slot, value):
    """No keyword is hidden by a longer phrase or taken by an indicator name."""
    tokens = tokenize(phrase, build_lexicon())
    assert [(t.slot, t.value) for t in tokens] == [(slot, value)]


def _quick_add_docs() -> str:
    text = (ROOT / "docs" / "dashboards.md").read_text(encoding="utf-8")
    return text.split("\n## Quick add\n", 1)[1].split("\n## ", 1)[0]


def test_every_keyword_is_documented():
    docs = _quick_add_docs()
    missing = [phrase for phrase, _, _ in _keyword_phrases() if phrase not in docs]
    assert not missing


def _documented_examples():
    for row in _quick_add_docs().splitlines():
        cells = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
        if len(cells) == 7 and row.startswith("| `"):
            yield cells


@pytest.mark.parametrize("line, kind, indicators, grain, breakdown, period, options", list(_documented_examples()))
def test_documented_examples(line, kind, indicators, grain, breakdown, period, options):
    opts = dict(o.split("=") if "=" in o else (o, True) for o in options.replace("—", "").split())
    opts["top_n"] = int(opts["top_n"]) if "top_n" in opts else None
    expected = W(kind, *indicators.split(", "), grain=grain, breakdown=None if breakdown == "—" else breakdown,
                 period=period, **opts)
    assert parse_quick_add(line) == expected


def test_the_docs_have_examples():
    assert len(list(_documented_examples())) >= 10
