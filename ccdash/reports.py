"""Daily, weekly and monthly report workbooks (.xlsx): one entry point, :func:`build_report`.

``build_report(engine, "day" | "week" | "month", day, lang)`` returns the bytes of a workbook for the day,
the ISO week (Monday–Sunday) or the calendar month that contains ``day``, compared with the period just
before (the day before, the week before, the month before). Sheets, in the language (zh by default):

==========  ==============  ================================================================================
汇总         Summary         the key indicators: value, target, vs target, previous period, change, status
按班组       By team         the indicators per team, the period total below
按坐席       By agent        per agent: id, roster name, team, the indicators
按技能组     By queue        per queue; agent-state indicators have no queue: a dash, not a number
指标说明     Definitions     code, name, unit, the formula in words, direction, target
==========  ==============  ================================================================================

Every value comes from :func:`ccdash.indicators.compute.query` (a ratio of sums over the period), every
status from :func:`ccdash.dashboards.data.bands` (the dashboards' green / amber / red rule), and every text
cell goes through :func:`ccdash.reports_io.put_cell` (text starting with = + - @ stays text). A period
without data gives a workbook that says so on its summary sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
from sqlalchemy import Engine

from ccdash.dashboards.data import bands, data_as_of
from ccdash.dashboards.periods import DAY, month_end, shift_months
from ccdash.findings import CcdashError
from ccdash.i18n import CATALOG, DEFAULT_LANG, register, t
from ccdash.indicators.catalog import Catalog, Derived, Simple, default_params, find_indicator
from ccdash.indicators.compute import needed_measures, query, wide
from ccdash.indicators.format import MISSING, finite_number
from ccdash.reports_io import Cell, Sheet, write_formatted_xlsx
from ccdash.store.info import agent_names
from ccdash.store.measures import STATE_MEASURES

PERIODS = ("day", "week", "month")
DEFAULT_INDICATORS = (
    "offered", "answered", "answer_rate", "abandon_rate", "service_level", "asa", "aht", "avg_talk",
    "transfer_rate", "repeat_rate", "resolution_rate", "csat_rate", "cph", "utilization", "handled_per_agent",
)

MESSAGES = {
    "reports.bad_period": {"zh": "报表周期 {value} 无效；可选：day（日报）、week（周报）、month（月报）",
                           "en": "Report period {value} is not valid; choose day, week or month"},
    "reports.name.day": {"zh": "呼叫中心运营日报", "en": "Contact center daily report"},
    "reports.name.week": {"zh": "呼叫中心运营周报", "en": "Contact center weekly report"},
    "reports.name.month": {"zh": "呼叫中心运营月报", "en": "Contact center monthly report"},
    "reports.file.day": {"zh": "日报_{key}.xlsx", "en": "daily_report_{key}.xlsx"},
    "reports.file.week": {"zh": "周报_{key}.xlsx", "en": "weekly_report_{key}.xlsx"},
    "reports.file.month": {"zh": "月报_{key}.xlsx", "en": "monthly_report_{key}.xlsx"},
    "reports.sheet.summary": {"zh": "汇总", "en": "Summary"},
    "reports.sheet.team": {"zh": "按班组", "en": "By team"},
    "reports.sheet.agent": {"zh": "按坐席", "en": "By agent"},
    "reports.sheet.queue": {"zh": "按技能组", "en": "By queue"},
    "reports.sheet.definitions": {"zh": "指标说明", "en": "Definitions"},
    "reports.title": {"zh": "{name} · {sheet}", "en": "{name} · {sheet}"},
    "reports.period": {"zh": "统计期间：{text}", "en": "Period: {text}"},
    "reports.previous": {"zh": "对比期间（上期）：{text}", "en": "Compared with (previous period): {text}"},
    "reports.generated": {"zh": "生成时间：{when}", "en": "Generated at: {when}"},
    "reports.as_of": {"zh": "数据截至：{when}", "en": "Data as of: {when}"},
    "reports.no_data_yet": {"zh": "无数据", "en": "no data"},
    "reports.empty": {"zh": "本期（{text}）没有数据：所有指标为空。请先导入该期间的话务数据。",
                      "en": "No data for this period ({text}): every indicator is empty. Import the period's call data first."},
    "reports.partial": {"zh": "本期尚未结束或数据不完整：数据截至 {when}。",
                        "en": "The period is not complete in the data: data as of {when}."},
    "reports.week_text": {"zh": "{year}年第{week}周（{d0} ~ {d1}）", "en": "Week {week} of {year} ({d0} ~ {d1})"},
    "reports.month_text": {"zh": "{year}年{month}月（{d0} ~ {d1}）", "en": "{month_name} {year} ({d0} ~ {d1})"},
    "reports.day_text": {"zh": "{d0}（{weekday}）", "en": "{d0} ({weekday})"},
    "reports.col.indicator": {"zh": "指标", "en": "Indicator"},
    "reports.col.value": {"zh": "本期", "en": "This period"},
    "reports.col.target": {"zh": "目标", "en": "Target"},
    "reports.col.vs_target": {"zh": "与目标差", "en": "vs target"},
    "reports.col.previous": {"zh": "上期", "en": "Previous period"},
    "reports.col.change": {"zh": "变化", "en": "Change"},
    "reports.col.change_pct": {"zh": "变化率", "en": "Change %"},
    "reports.col.status": {"zh": "状态", "en": "Status"},
    "reports.col.note": {"zh": "备注", "en": "Note"},
    "reports.col.team": {"zh": "班组", "en": "Team"},
    "reports.col.agent_id": {"zh": "工号", "en": "Agent ID"},
    "reports.col.agent_name": {"zh": "姓名", "en": "Name"},
    "reports.col.queue": {"zh": "技能组", "en": "Queue"},
    "reports.col.code": {"zh": "代码", "en": "Code"},
    "reports.col.name": {"zh": "名称", "en": "Name"},
    "reports.col.unit": {"zh": "单位", "en": "Unit"},
    "reports.col.type": {"zh": "类型", "en": "Type"},
    "reports.col.numerator": {"zh": "分子", "en": "Numerator"},
    "reports.col.denominator": {"zh": "分母", "en": "Denominator"},
    "reports.col.definition": {"zh": "计算方法", "en": "How it is computed"},
    "reports.col.direction": {"zh": "方向", "en": "Direction"},
    "reports.total": {"zh": "合计", "en": "Total"},
    "reports.status.good": {"zh": "达标", "en": "On target"},
    "reports.status.warning": {"zh": "接近目标", "en": "Near target"},
    "reports.status.critical": {"zh": "未达标", "en": "Off target"},
    "reports.censored": {"zh": "重复来电窗口超出最新数据，数值可能偏低", "en": "Repeat window reaches past the newest data; may read low"},
    "reports.state_only": {"zh": "来自坐席状态数据，按技能组无值", "en": "From agent states; empty by queue"},
    "reports.direction.higher": {"zh": "越高越好", "en": "Higher is better"},
    "reports.direction.lower": {"zh": "越低越好", "en": "Lower is better"},
    "reports.direction.neutral": {"zh": "中性（无好坏方向）", "en": "Neutral"},
    "reports.type.simple": {"zh": "求和", "en": "Sum"},
    "reports.type.ratio": {"zh": "比率（先求和再相除）", "en": "Ratio (sums first, then divide)"},
    "reports.type.derived": {"zh": "派生", "en": "Derived"},
    "reports.def.ratio": {"zh": "统计期内 {num} 之和 ÷ {den} 之和", "en": "Sum of {num} ÷ sum of {den} over the period"},
    "reports.def.simple": {"zh": "统计期内 {measure} 之和", "en": "Sum of {measure} over the period"},
    "reports.def.agents": {"zh": "有处理话务或签入时长的坐席人数（去重）",
                           "en": "Distinct agents with handled calls or logged-in time"},
    "reports.def.agent_days": {"zh": "有处理话务或签入时长的坐席人天数", "en": "Agent-days with handled calls or logged-in time"},
    "reports.def.derived": {"zh": "{expr}（由其他指标计算）", "en": "{expr} (from other indicators)"},
    "reports.def.rule": {"zh": "比率类指标一律先在统计期内分别对分子、分母求和再相除，而不是每日比率的平均。",
                         "en": "Every ratio is the period's sum of the numerator divided by the period's sum of the "
                               "denominator — never the average of daily ratios."},
    **{f"reports.unit.{u}": {"zh": zh, "en": en} for u, zh, en in (
        ("count", "数量", "count"), ("seconds", "秒", "seconds"), ("percent", "百分比", "percent"),
        ("per_hour", "每小时", "per hour"), ("score", "分", "score"), ("agents", "人", "agents"))},
}
register(MESSAGES)

HEADER_UNIT = {"zh": {"seconds": "（秒）", "per_hour": "（/小时）"}, "en": {"seconds": "", "per_hour": " (/h)"}}
WINDOW_TEXT = {"zh": {"2h": "2小时", "24h": "24小时", "48h": "48小时", "7d": "7天"},
               "en": {"2h": "2 h", "24h": "24 h", "48h": "48 h", "7d": "7 days"}}
MEASURE_NAMES = {  # stored measures as people say them (zh, en); offered/answered/… take the catalog's names
    "ivr": ("IVR自助量", "IVR-only calls"),
    "outbound": ("外呼量", "outbound calls"),
    "outbound_connected": ("外呼接通量", "connected outbound calls"),
    "transferred": ("转接量", "transferred calls"),
    "wait_answered_s": ("接通来电的排队时长", "queue wait of answered calls"),
    "wait_abandoned_s": ("放弃来电的排队时长", "queue wait of abandoned calls"),
    "ring_s": ("振铃时长", "ring time"),
    "talk_s": ("通话时长", "talk time"),
    "hold_s": ("保持时长", "hold time"),
    "acw_s": ("话后处理时长", "after-call work"),
    "resolved_yes": ("已解决量", "resolved calls"),
    "resolved_known": ("有解决结果的处理量", "handled calls with a resolution answer"),
    "csat_responses": ("参评量", "survey responses"),
    "csat_satisfied": ("满意评价量", "satisfied responses (4–5)"),
    "csat_dissatisfied": ("不满意评价量", "dissatisfied responses (1–2)"),
    "csat_score_sum": ("满意度评分合计", "sum of satisfaction scores (1–5)"),
    "repeat_base": ("接通的呼入量（重复来电基数）", "answered inbound calls (repeat base)"),
    "login_s": ("签入时长", "logged-in time"),
    "ready_s": ("空闲时长", "ready time"),
    "aux_s": ("小休置忙时长", "aux (break) time"),
    "st_talk_s": ("状态通话时长", "talk time in agent states"),
    "st_hold_s": ("状态保持时长", "hold time in agent states"),
    "st_acw_s": ("状态话后时长", "after-call work in agent states"),
    "st_other_s": ("其他状态时长", "other state time"),
    "agents": ("出勤坐席数", "agents on duty"),
    "agent_days": ("出勤人天", "agent-days"),
}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[-*/]")  # names, and the operators written as people write them
OPERATOR = re.compile(r"[-+*/]")
OPERATORS = {"*": "×", "/": "÷", "-": "−"}


# --- periods ------------------------------------------------------------------------------------------

def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise CcdashError("reports.bad_period", value=period)


def period_dates(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The day, the ISO week (Monday–Sunday) or the calendar month containing ``day``."""
    _check_period(period)
    if period == "day":
        return day, day
    if period == "week":
        monday = day - day.weekday() * DAY
        return monday, monday + 6 * DAY
    return day.replace(day=1), month_end(day)


def previous_dates(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period before: the day before, the week before, the whole month before."""
    d0, d1 = period_dates(period, day)
    if period == "month":
        return shift_months(d0, -1), d0 - DAY
    step = DAY if period == "day" else 7 * DAY
    return d0 - step, d1 - step


def period_text(period: str, d0: dt.date, d1: dt.date, lang: str) -> str:
    """2026-03-03（周二） · 2026年第10周（2026-03-02 ~ 2026-03-08） · 2026年3月（2026-03-01 ~ 2026-03-31）"""
    if period == "day":
        return t("reports.day_text", lang, d0=d0.isoformat(), weekday=t(f"widget_data.weekday.{d0.weekday()}", lang))
    if period == "week":
        year, week, _ = d0.isocalendar()
        return t("reports.week_text", lang, year=year, week=week, d0=d0.isoformat(), d1=d1.isoformat())
    return t("reports.month_text", lang, year=d0.year, month=d0.month, month_name=MONTHS_EN[d0.month - 1],
             d0=d0.isoformat(), d1=d1.isoformat())


def report_filename(period: str, day: dt.date, lang: str = DEFAULT_LANG) -> str:
    """A file name for the download: 日报_2026-03-03.xlsx, 周报_2026-W10.xlsx, monthly_report_2026-03.xlsx."""
    d0, _ = period_dates(period, day)
    year, week, _ = d0.isocalendar()
    key = {"day": d0.isoformat(), "week": f"{year}-W{week:02d}", "month": d0.strftime("%Y-%m")}[period]
    return t(f"reports.file.{period}", lang, key=key)


# --- formats ------------------------------------------------------------------------------------------

def number_format(unit: str, decimals: int, signed: bool = False) -> str:
    """Excel number format by unit: percent 0.0%, counts #,##0, seconds 0.0 (decimals from the catalog)."""
    tail = "." + "0" * decimals if decimals else ""
    if unit == "percent":
        fmt = f"0{tail}%"
    elif unit in ("count", "agents"):
        fmt = f"#,##0{tail}"
    else:
        fmt = f"0{tail}"
    return f"+{fmt};-{fmt};{fmt}" if signed else fmt


def _value_cell(value, fmt: str, state: str | None = None, bold: bool = False) -> Cell:
    number = finite_number(value)
    if number is None:
        return Cell(MISSING, align="center", bold=bold)
    return Cell(number, fmt, state, bold)


def _header(code: str, catalog: Catalog, lang: str) -> str:
    ind = catalog.indicators[code]
    return ind.name.get(lang) + HEADER_UNIT[lang].get(ind.unit, "")


# --- the formula in words -------------------------------------------------------------------------------

def _measure_name(name: str, catalog: Catalog, lang: str) -> str:
    for ind in catalog.indicators.values():
        if isinstance(ind, Simple) and ind.measure == name:
            return ind.name.get(lang)
    i = 0 if lang == "zh" else 1
    if name in MEASURE_NAMES:
        return MEASURE_NAMES[name][i]
    if m := re.fullmatch(r"(ans|abn)_wait_le_(\d+)", name):
        what = {"ans": ("{n}秒内接通量", "answered within {n} s"), "abn": ("{n}秒内放弃量", "abandoned within {n} s")}
        return what[m[1]][i].format(n=m[2])
    if m := re.fullmatch(r"repeat_(\w+)", name):
        window = WINDOW_TEXT[lang].get(m[1], m[1])
        return ("{w}内同一来电者再次来电的接通量", "answered calls whose caller called again within {w}")[i].format(w=window)
    return name


def _bound_text(text: str, catalog: Catalog) -> str:
    """The expression with the default parameter values written in (as the catalog binds them)."""
    values = default_params(catalog)
    for name, p in catalog.parameters.items():
        text = text.replace("{" + name + "}", p.text_for(values[name]))
    return re.sub(r"\s*-\s*0(?![\d.])", "", text)  # "abandoned - 0" (no short abandons excluded) → "abandoned"


def expression_words(text: str, catalog: Catalog, lang: str, indicators: bool = False) -> str:
    """``talk_s + hold_s + acw_s`` → ``通话时长 + 保持时长 + 话后处理时长`` (names of measures, or of
    indicators for a derived expression); × and ÷ for * and /."""
    def word(m: re.Match) -> str:
        token = m[0]
        if token in OPERATORS:
            return OPERATORS[token]
        if indicators and token in catalog.indicators:
            return catalog.indicators[token].name.get(lang)
        return _measure_name(token, catalog, lang)
    return TOKEN.sub(word, _bound_text(text, catalog))


def _grouped(text: str, catalog: Catalog, lang: str) -> str:
    """The expression in words, in parentheses when it has an operator (so "sum of (a + b)" reads right)."""
    words = expression_words(text, catalog, lang)
    return f"({words})" if OPERATOR.search(_bound_text(text, catalog)) else words


def _fraction_text(ind, catalog: Catalog) -> tuple[str, str] | None:
    if getattr(ind, "variants", None):
        pair = ind.variants[str(default_params(catalog)[ind.variant_param])]
        return pair.numerator, pair.denominator
    if getattr(ind, "numerator", None) and getattr(ind, "denominator", None):
        return ind.numerator, ind.denominator
    return None


def definition_row(code: str, catalog: Catalog, lang: str) -> list:
    """Code, name, unit, type, numerator, denominator, the formula in words, direction, target, note."""
    ind = catalog.indicators[code]
    num = den = MISSING
    if isinstance(ind, Simple):
        if ind.distinct:
            words = t(f"reports.def.{ind.distinct}", lang)
        else:
            words = t("reports.def.simple", lang, measure=_measure_name(ind.measure, catalog, lang))
    elif isinstance(ind, Derived):
        words = t("reports.def.derived", lang, expr=expression_words(ind.expr, catalog, lang, indicators=True))
    elif (pair := _fraction_text(ind, catalog)) is not None:
        num_text, den_text = pair
        num, den = expression_words(num_text, catalog, lang), expression_words(den_text, catalog, lang)
        words = t("reports.def.ratio", lang, num=_grouped(num_text, catalog, lang), den=_grouped(den_text, catalog, lang))
    else:  # a kind of indicator this sheet does not know how to put in words
        words = MISSING
    target = _value_cell(ind.target, number_format(ind.unit, ind.decimals)) if ind.target is not None else Cell("")
    state_based = needed_measures([code], catalog, default_params(catalog)) & set(STATE_MEASURES)
    note = t("reports.state_only", lang) if state_based else ""
    kind = t(f"reports.type.{ind.type}", lang) if f"reports.type.{ind.type}" in CATALOG else str(ind.type)
    return [code, ind.name.get(lang), t(f"reports.unit.{ind.unit}", lang), kind,
            num, den, words, t(f"reports.direction.{ind.direction}", lang), target, note]


# --- the sheets ---------------------------------------------------------------------------------------

def _totals(engine, codes, d0, d1, catalog) -> tuple[dict[str, float | None], bool]:
    tidy = query(engine, codes, d0, d1, "total", catalog=catalog)
    values = {code: finite_number(v) for code, v in zip(tidy["indicator"], tidy["value"])}
    censored = bool(tidy.loc[tidy["indicator"] == "repeat_rate", "censored"].any()) if "censored" in tidy else False
    return values, censored


def with_center_targets(engine: Engine, catalog: Catalog) -> Catalog:
    """The catalog with the whole center's targets set in the store (Alerts page) in place of the defaults,
    so a report's targets and colors agree with the dashboards and alerts."""
    from ccdash.indicators.targets import list_targets
    stored = {row.code: row for row in list_targets(engine) if row.scope == "all" and row.code in catalog.indicators}
    if not stored:
        return catalog
    changed = {code: catalog.indicators[code].model_copy(update={"target": row.target, "direction": row.direction})
               for code, row in stored.items()}
    return catalog.model_copy(update={"indicators": {**catalog.indicators, **changed}})


def _statuses(code: str, values: pd.Series, catalog: Catalog) -> list[str | None]:
    rule = bands(code, None, catalog)
    if rule is None:
        return [None] * len(values)
    return list(rule.classify(pd.Series(values, dtype="float64").reset_index(drop=True)))


def _status(code: str, value: float | None, catalog: Catalog) -> str | None:
    return _statuses(code, pd.Series([math.nan if value is None else value]), catalog)[0]


def summary_rows(codes, now: dict, before: dict, censored: bool, catalog: Catalog, lang: str) -> list[list]:
    rows = []
    for code in codes:
        ind = catalog.indicators[code]
        fmt, signed = number_format(ind.unit, ind.decimals), number_format(ind.unit, ind.decimals, True)
        value, prev = now.get(code), before.get(code)
        state = _status(code, value, catalog)
        to_target = None if value is None or ind.target is None else value - ind.target
        change = None if value is None or prev is None else value - prev
        change_pct = None if change is None or ind.unit == "percent" or not prev else change / abs(prev)
        note = t("reports.censored", lang) if code == "repeat_rate" and censored and value is not None else ""
        rows.append([
            Cell(ind.name.get(lang), bold=True),
            _value_cell(value, fmt, state, bold=True),
            _value_cell(ind.target, fmt) if ind.target is not None else Cell(""),
            _value_cell(to_target, signed, state) if ind.target is not None else Cell(""),
            _value_cell(prev, fmt),
            _value_cell(change, signed),
            Cell("") if ind.unit == "percent" else _value_cell(change_pct, "+0.0%;-0.0%;0.0%"),
            Cell(t(f"reports.status.{state}", lang), status=state, align="center") if state else Cell(""),
            note,
        ])
    return rows


def breakdown_rows(engine, codes, d0, d1, by: list[str], catalog: Catalog, label) -> list[list]:
    """One row per member of the breakdown: the label cells (``label(row)``), then one cell per indicator."""
    tidy = query(engine, codes, d0, d1, "total", by, catalog=catalog)
    if tidy.empty:
        return []
    table = wide(tidy, by)
    for b in by:
        table[b] = table[b].astype("string").fillna("")
    for code in codes:
        if code not in table:
            table[code] = math.nan
    table = table.dropna(subset=codes, how="all")  # wide() pivots with every combination of the keys
    order, keys = pd.DataFrame(index=table.index), []
    for i, b in enumerate(by):  # by name, unassigned (blank) members last
        order[f"blank{i}"], order[f"key{i}"] = table[b].eq(""), table[b]
        keys += [f"blank{i}", f"key{i}"]
    table = table.loc[order.sort_values(keys, kind="stable").index].reset_index(drop=True)
    states = {code: _statuses(code, table[code], catalog) for code in codes}
    rows = []
    for i, row in table.iterrows():
        cells = label(row)
        for code in codes:
            ind = catalog.indicators[code]
            cells.append(_value_cell(row[code], number_format(ind.unit, ind.decimals), states[code][i]))
        rows.append(cells)
    return rows


def _total_row(n_labels: int, codes, now: dict, catalog: Catalog, lang: str) -> list:
    cells = [Cell(t("reports.total", lang), bold=True)] + [Cell("")] * (n_labels - 1)
    for code in codes:
        ind = catalog.indicators[code]
        state = _status(code, now.get(code), catalog)
        cells.append(_value_cell(now.get(code), number_format(ind.unit, ind.decimals), state, bold=True))
    return cells


def report_sheets(engine: Engine, period: str, day: dt.date, lang: str = DEFAULT_LANG,
                  catalog: Catalog | None = None, indicators=None,
                  generated_at: dt.datetime | None = None) -> list[Sheet]:
    """The report's sheets (what :func:`build_report` writes), for a caller that wants them as data."""
    _check_period(period)
    from ccdash.indicators.custom import catalog_with_custom
    catalog = catalog or catalog_with_custom(engine)
    catalog = with_center_targets(engine, catalog)
    mine = [code for code, ind in catalog.indicators.items() if getattr(ind, "custom", False)]  # the team's own
    codes = [code if code in catalog.indicators else find_indicator(code, catalog)
             for code in (indicators or (*DEFAULT_INDICATORS, *mine))]
    codes = list(dict.fromkeys(codes))
    d0, d1 = period_dates(period, day)
    p0, p1 = previous_dates(period, day)
    now, censored = _totals(engine, codes, d0, d1, catalog)
    before, _ = _totals(engine, codes, p0, p1, catalog)
    empty = all(v is None for v in now.values())
    as_of = data_as_of(engine)
    this_text = period_text(period, d0, d1, lang)
    if empty:
        note = t("reports.empty", lang, text=this_text)
    elif as_of and as_of[:10] < d1.isoformat():
        note = t("reports.partial", lang, when=as_of)
    else:
        note = None
    generated = (generated_at or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    name = t(f"reports.name.{period}", lang)

    def title(sheet: str) -> list[str]:
        return [t("reports.title", lang, name=name, sheet=t(f"reports.sheet.{sheet}", lang)),
                t("reports.period", lang, text=this_text),
                t("reports.previous", lang, text=period_text(period, p0, p1, lang)),
                t("reports.generated", lang, when=generated),
                t("reports.as_of", lang, when=as_of or t("reports.no_data_yet", lang))]

    def col(key: str) -> str:
        return t(f"reports.col.{key}", lang)

    heads = [_header(code, catalog, lang) for code in codes]
    unassigned = t("widget_data.unassigned", lang)
    names = agent_names(engine)
    summary = Sheet(t("reports.sheet.summary", lang), title("summary"),
                    [col(c) for c in ("indicator", "value", "target", "vs_target", "previous", "change",
                                      "change_pct", "status", "note")],
                    summary_rows(codes, now, before, censored, catalog, lang), note=note, max_width=48)

    def team_label(row) -> list:
        return [row["team"] or unassigned]

    def agent_label(row) -> list:
        agent = row["agent"]
        return [agent or unassigned, names.get(agent, ""), row["team"] or unassigned]

    def queue_label(row) -> list:
        return [row["queue"] or unassigned]

    sheets = [summary]
    for key, by, labels, label in (("team", ["team"], [col("team")], team_label),
                                   ("agent", ["team", "agent"], [col("agent_id"), col("agent_name"), col("team")],
                                    agent_label),
                                   ("queue", ["queue"], [col("queue")], queue_label)):
        rows = [] if empty else breakdown_rows(engine, codes, d0, d1, by, catalog, label)
        footer = [] if empty else [_total_row(len(labels), codes, now, catalog, lang)]
        sheets.append(Sheet(t(f"reports.sheet.{key}", lang), title(key), [*labels, *heads], rows, footer,
                            note=note if empty else None, freeze_cols=len(labels), max_width=24))
    definitions = [definition_row(code, catalog, lang) for code in codes]
    sheets.append(Sheet(t("reports.sheet.definitions", lang), title("definitions"),
                        [col(c) for c in ("code", "name", "unit", "type", "numerator", "denominator", "definition",
                                          "direction", "target", "note")],
                        definitions, note=t("reports.def.rule", lang), freeze_cols=2, wrap_cols=(4, 5, 6, 9),
                        max_width=44))
    return sheets


def build_report(engine: Engine, period: str, day: dt.date, lang: str = DEFAULT_LANG,
                 catalog: Catalog | None = None, indicators=None,
                 generated_at: dt.datetime | None = None) -> bytes:
    """The report workbook (.xlsx bytes) for the day / ISO week / calendar month containing ``day``.

    ``indicators``: codes or names (default :data:`DEFAULT_INDICATORS`). Raises :class:`CcdashError` for
    an unknown period or indicator; a period without data is not an error (the summary says so)."""
    return write_formatted_xlsx(report_sheets(engine, period, day, lang, catalog, indicators, generated_at))
