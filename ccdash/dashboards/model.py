"""Dashboard documents: the shared model (a dashboard is data, validated on load and on save).

A dashboard holds widgets by id and a layout of tabs → rows → widget ids, plus refresh, rotation,
staleness and theme settings. Structural rules live here (pydantic); rules that need the indicator
catalog (unknown indicator codes) live in :mod:`ccdash.dashboards.documents`, which also migrates
older ``schema_version``\\ s and loads/saves documents.

Periods are relative to an *anchor day*: the day the viewer asks for, by default the newest day with
data in the store (shown as "data as of"), so a dashboard over yesterday's export is never empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 2
MAX_TABS = 10
MAX_WIDGETS_PER_TAB = 20
MAX_PER_ROW = 6

WidgetKind = Literal["kpi", "line", "area", "bar", "stacked_bar", "table", "heatmap", "gauge", "donut", "text"]
PeriodKind = Literal["today", "yesterday", "this_week", "last_7_days", "this_month", "last_month", "custom"]
Grain = Literal["interval", "hour", "day", "week", "month", "total"]
Breakdown = Literal["agent", "team", "queue", "business_type"]
Direction = Literal["higher", "lower", "neutral"]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(Doc):
    """A display text in both languages (either may be empty; the other is used then)."""
    zh: str = ""
    en: str = ""

    def get(self, lang: str) -> str:
        first, second = (self.en, self.zh) if lang == "en" else (self.zh, self.en)
        return first or second


class Period(Doc):
    kind: PeriodKind = "today"
    start: dt.date | None = None  # custom only
    end: dt.date | None = None

    @model_validator(mode="after")
    def _custom_has_dates(self) -> "Period":
        if self.kind == "custom" and (self.start is None or self.end is None or self.start > self.end):
            raise ValueError("a custom period needs start ≤ end")
        return self


class Filters(Doc):
    team: list[str] = []
    queue: list[str] = []
    business_type: list[str] = []

    def as_query(self) -> dict[str, list[str]]:
        """The filters as :func:`ccdash.indicators.compute.query` takes them."""
        return {k: v for k, v in self.model_dump().items() if v}


class Threshold(Doc):
    """Target and bands for one indicator in one widget; empty fields fall back to the catalog
    (target, direction) or to no band. ``warning``/``critical`` are values of the indicator:
    for higher-is-better, below ``warning`` is amber and below ``critical`` red."""
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    direction: Direction | None = None


class WidgetOptions(Doc):
    compare: list[Literal["target", "previous"]] = []  # KPI card: vs target, vs the previous period
    sparkline: bool = False  # KPI card: the trend over the period by day
    target_line: bool = False  # line/area/bar: a rule at the target
    sort: Literal["asc", "desc"] | None = None  # bar/table
    top_n: int | None = Field(default=None, ge=1, le=500)
    horizontal: bool = False  # bar
    heatmap: Literal["weekday_hour", "agent_day"] = "weekday_hour"
    color: str | None = None  # a CSS color for single-series charts
    text: Text = Text()  # the text widget's markdown


class Widget(Doc):
    kind: WidgetKind
    title: Text = Text()  # the display name; empty → the first indicator's catalog name
    indicators: list[str] = []
    period: Period = Period()
    grain: Grain = "total"
    breakdown: Breakdown | None = None
    filters: Filters = Filters()
    thresholds: dict[str, Threshold] = {}
    options: WidgetOptions = WidgetOptions()

    @model_validator(mode="after")
    def _shape(self) -> "Widget":
        if self.kind != "text" and not self.indicators:
            raise ValueError(f"a {self.kind} widget needs at least one indicator")
        if self.kind in ("bar", "stacked_bar", "donut", "table") and self.breakdown is None and self.grain == "total":
            raise ValueError(f"a {self.kind} widget needs a breakdown or a grain other than total")
        if self.kind in ("kpi", "gauge") and self.breakdown is not None:
            raise ValueError(f"a {self.kind} widget shows one value: no breakdown")
        unknown = set(self.thresholds) - set(self.indicators)
        if unknown:
            raise ValueError(f"thresholds for indicators the widget does not show: {sorted(unknown)}")
        return self


class Tab(Doc):
    id: str = Field(min_length=1, max_length=64)
    title: Text
    rows: list[list[str]] = []  # widget ids, left to right

    def widget_ids(self) -> list[str]:
        return [w for row in self.rows for w in row]


class Dashboard(Doc):
    schema_version: Literal[2] = SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=64)
    title: Text
    description: Text = Text()
    widgets: dict[str, Widget] = {}
    tabs: list[Tab] = []
    refresh_s: int = Field(default=60, ge=10, le=3600)  # wall mode: data refresh
    rotate_s: int = Field(default=30, ge=0, le=3600)  # wall mode: tab rotation (0 = off)
    stale_after_min: int = Field(default=24 * 60, ge=1)  # wall mode: warn when the newest data is older
    theme: Literal["light", "dark"] = "light"
