"""The "copy summary" of a tab: its KPI values as a few lines of text for pasting into a chat.

Example (zh)::

    【运营总览 · 今日概况】2026-10-31（数据截至 2026-10-31 20:58）
    接通率 91.2%（目标 90.0% ✓，较上期 +1.3pp）
    平均处理时长 258.0 秒（目标 240.0 秒 ✗，较上期 -4.0 秒）
"""

from __future__ import annotations

from ccdash.dashboards.data import IndicatorInfo, Kpi, WidgetData
from ccdash.dashboards.model import Dashboard, Tab
from ccdash.i18n import register, t
from ccdash.indicators.format import format_delta, format_value

MESSAGES = {
    "sum.header": {"zh": "【{dashboard} · {tab}】{period}", "en": "[{dashboard} · {tab}] {period}"},
    "sum.as_of": {"zh": "（数据截至 {as_of}）", "en": " (data as of {as_of})"},
    "sum.target": {"zh": "目标 {target} {mark}", "en": "target {target} {mark}"},
    "sum.previous": {"zh": "较上期 {delta}", "en": "{delta} vs previous"},
    "sum.open": {"zh": "（", "en": " ("},
    "sum.close": {"zh": "）", "en": ")"},
    "sum.sep": {"zh": "，", "en": ", "},
    "sum.no_kpis": {"zh": "此标签页没有指标卡。", "en": "This tab has no KPI cards."},
}
register(MESSAGES)
MARKS = {"good": "✓", "warning": "!", "critical": "✗", None: ""}


def kpi_line(kpi: Kpi, info: IndicatorInfo, lang: str) -> str:
    """``name value (target … ✓, ±delta vs previous)`` — the parts that are known."""
    text = f"{info.name} {format_value(kpi.value, info.unit, info.decimals, lang)}"
    parts = []
    if kpi.target is not None:
        target = format_value(kpi.target, info.unit, info.decimals, lang)
        parts.append(t("sum.target", lang, target=target, mark=MARKS.get(kpi.status, "")).strip())
    if kpi.delta is not None:
        parts.append(t("sum.previous", lang, delta=format_delta(kpi.delta, info.unit, info.decimals, lang)))
    if parts:
        text += t("sum.open", lang) + t("sum.sep", lang).join(parts) + t("sum.close", lang)
    return text


def tab_summary(dash: Dashboard, tab: Tab, data: dict[str, WidgetData], lang: str) -> str:
    """The summary of ``tab``: a header line, then one line per KPI value of its KPI cards and gauges."""
    lines, period, as_of = [], "", None
    for widget_id in tab.widget_ids():
        wd = data.get(widget_id)
        if not isinstance(wd, WidgetData) or not wd.kpis:  # missing, failed (an exception) or no KPI values
            continue
        period = period or (str(wd.start) if wd.start == wd.end else f"{wd.start} ~ {wd.end}")
        as_of = as_of or wd.as_of
        lines += [kpi_line(k, wd.indicators[k.indicator], lang) for k in wd.kpis]
    header = t("sum.header", lang, dashboard=dash.title.get(lang), tab=tab.title.get(lang), period=period).rstrip()
    if as_of:
        header += t("sum.as_of", lang, as_of=as_of[:16])
    return "\n".join([header, *(lines or [t("sum.no_kpis", lang)])])
