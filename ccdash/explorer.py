"""The explorer ("any indicator, any way"): a view, its pivot table, its exports and its shareable URL.

Pure functions over :func:`ccdash.indicators.compute.query`'s tidy frame, testable without Streamlit.

A :class:`View` is everything the page shows: indicators, period, grain, up to two breakdowns, filters,
catalog parameters, the pivot layout (which dimensions go on the rows and which on the columns) and the
sort. The dimensions of a view are ``period``, each breakdown and ``indicator``; every one of them is on
the rows or on the columns (:func:`normalize` places the ones left out), so a pivot only reshapes the
query result and never aggregates: every cell is one ``query()`` value — a ratio of sums at the view's
grain and breakdown (a team × month cell is the team's monthly Σanswered / Σoffered, not an average).

:func:`view_to_params` / :func:`params_to_view` turn a view into URL query parameters and back::

    ?ind=answer_rate,aht&from=2026-10-01&to=2026-10-31&grain=day&by=team&rows=team&cols=period,indicator
     &team=一组,二组&queue=…&btype=…&sl_threshold=30&sort=2026-10-01|answer_rate&order=desc

Values are comma-separated; catalog parameters use their own name and appear only when not the default.
Invalid values are ignored one by one, each with a :class:`~ccdash.findings.Finding` to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ccdash.findings import CcdashError, Finding
from ccdash.i18n import register, t
from ccdash.indicators.catalog import Catalog, default_params, find_indicator
from ccdash.indicators.compute import BREAKDOWNS, GRAINS
from ccdash.indicators.format import format_value
from ccdash.reports_io import Cell, Sheet, to_csv_bytes, write_formatted_xlsx

MESSAGES = {
    "explorer.bad_param": {"zh": "链接参数 {key}={value} 无效，已忽略", "en": "Ignored {key}={value} from the link: not valid"},
    "explorer.bad_dates": {
        "zh": "链接中的日期 {start} 至 {end} 不可用（数据范围 {first} 至 {last}），已改用默认期间",
        "en": "The link's dates {start} to {end} cannot be used (data from {first} to {last}); using the default period",
    },
    "explorer.too_many_by": {"zh": "最多两个分组，已忽略 {value}", "en": "At most two breakdowns; ignored {value}"},
    "explorer.value": {"zh": "数值", "en": "Value"},
    "explorer.indicator": {"zh": "指标", "en": "Indicator"},
    "explorer.period": {"zh": "周期", "en": "Period"},
    "explorer.unassigned": {"zh": "（未分配）", "en": "(unassigned)"},
    "explorer.sheet": {"zh": "数据探索", "en": "Explorer"},
    "explorer.file_title": {"zh": "数据探索 {start} 至 {end}（{grain}）", "en": "Explorer {start} to {end} ({grain})"},
    "explorer.grain.interval": {"zh": "30 分钟", "en": "30 minutes"},
    "explorer.grain.hour": {"zh": "小时", "en": "hour"},
    "explorer.grain.day": {"zh": "日", "en": "day"},
    "explorer.grain.week": {"zh": "周", "en": "week"},
    "explorer.grain.month": {"zh": "月", "en": "month"},
    "explorer.grain.total": {"zh": "合计", "en": "total"},
    **{f"explorer.by.{b}": texts for b, texts in {
        "agent": {"zh": "坐席", "en": "Agent"}, "team": {"zh": "班组", "en": "Team"},
        "queue": {"zh": "技能组", "en": "Queue"}, "business_type": {"zh": "业务类型", "en": "Business type"}}.items()},
}
register(MESSAGES)

MAX_BY = 2
FILTERS = {"team": "team", "queue": "queue", "btype": "business_type"}  # URL key → query filter column
TIME_GRAINS = ("interval", "hour", "day", "week", "month")
DEFAULT_CODES = ("offered", "answer_rate", "service_level", "aht")
SEP = "|"  # between the parts of a value column's id (one part per column dimension)
CSV_SUFFIX = {"percent": {"zh": "(%)", "en": "(%)"}, "seconds": {"zh": "(秒)", "en": "(s)"}}


@dataclass(frozen=True)
class View:
    """What the explorer shows; ``params`` holds only the parameters that differ from the catalog's default."""
    indicators: tuple[str, ...]
    start: dt.date
    end: dt.date
    grain: str = "day"
    by: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # team / queue / business_type
    params: dict[str, object] = field(default_factory=dict)
    rows: tuple[str, ...] = ("period",)
    cols: tuple[str, ...] = ("indicator",)
    sort: str | None = None  # a column id of the pivot (see :class:`Pivot`)
    desc: bool = False


def dimensions(view: View) -> list[str]:
    """The dimensions of the view's query result: period (not for a total: it has one), the breakdowns, indicator."""
    return [*(["period"] if view.grain != "total" else []), *view.by, "indicator"]


def normalize(view: View) -> View:
    """The layout made complete: rows win over columns, unknown dimensions go, every dimension is placed
    (a missing indicator on the columns, anything else on the rows)."""
    dims = dimensions(view)
    rows = [d for d in dict.fromkeys(view.rows) if d in dims]
    cols = [d for d in dict.fromkeys(view.cols) if d in dims and d not in rows]
    for d in dims:
        if d in rows or d in cols:
            continue
        (cols if d == "indicator" else rows).append(d)
    filters = {k: tuple(v) for k, v in view.filters.items() if v}
    return replace(view, indicators=tuple(dict.fromkeys(view.indicators)), by=tuple(dict.fromkeys(view.by)),
                   rows=tuple(rows), cols=tuple(cols), filters=filters)


def default_view(catalog: Catalog, start: dt.date, end: dt.date) -> View:
    codes = tuple(c for c in DEFAULT_CODES if c in catalog.indicators) or tuple(catalog.indicators)[:1]
    return normalize(View(codes, start, end))


# --- the pivot --------------------------------------------------------------------------------------


@dataclass
class Pivot:
    """A pivot table in parallel frames of the same shape and column ids.

    The first ``keys`` columns (ids: the row dimensions) hold the row labels as text; the other columns
    (ids: the column dimensions' raw values joined by ``|``, or ``value`` without column dimensions) hold
    ``values`` (numbers; percent as fractions), ``text`` (formatted for people by the catalog's unit and
    decimals), ``status`` (good / warning / critical / None) and ``indicator`` (each cell's indicator code).
    ``labels`` maps every column id to its header in the language.
    """
    values: pd.DataFrame
    text: pd.DataFrame
    status: pd.DataFrame
    indicator: pd.DataFrame
    keys: list[str]
    labels: dict[str, str]

    @property
    def value_columns(self) -> list[str]:
        return [c for c in self.values.columns if c not in self.keys]

    def shown(self, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """A frame (default: ``text``) with the headers in the language."""
        return (self.text if frame is None else frame).rename(columns=self.labels)


def _dim_label(dim: str, lang: str) -> str:
    return t(f"explorer.{dim}", lang) if dim in ("period", "indicator") else t(f"explorer.by.{dim}", lang)


def member_text(dim: str, raw: str, catalog: Catalog, names: Mapping[str, str], lang: str) -> str:
    """A dimension value as people read it: an indicator's name, "A01 张三" for an agent, blank → 未分配."""
    if dim == "indicator":
        ind = catalog.indicators.get(raw)
        return ind.name.get(lang) if ind else raw
    if raw == "":
        return t("explorer.unassigned", lang)
    if dim == "agent" and raw in names:
        return f"{raw} {names[raw]}"
    return raw


def _status(values: pd.Series, code: str, catalog: Catalog, threshold=None) -> pd.Series:
    from ccdash.dashboards.data import bands
    rule = bands(code, threshold, catalog)
    return rule.classify(values) if rule else pd.Series([None] * len(values), index=values.index, dtype="object")


def pivot(tidy: pd.DataFrame, rows: list[str], columns: list[str], indicators: list[str] | str, catalog: Catalog,
          *, lang: str = "zh", names: Mapping[str, str] | None = None, thresholds: Mapping | None = None) -> Pivot:
    """``tidy`` (``query()``'s frame) as a table: ``rows`` dimensions down, ``columns`` dimensions across.

    Every dimension of ``tidy`` with more than one value must be in ``rows`` or ``columns`` (see
    :func:`normalize`); a dimension left out that has a single value (a total's period) is dropped.
    ``thresholds`` (code → Threshold, e.g. the store's targets) color the cells; the catalog's otherwise.
    """
    codes = [indicators] if isinstance(indicators, str) else list(indicators)
    names = names or {}
    dims = [*rows, *columns]
    data = tidy[tidy["indicator"].isin(codes)].copy()
    for d in ["period", *[c for c in tidy.columns if c in BREAKDOWNS]]:
        data[d] = data[d].astype("string").fillna("").astype("object")
        if d not in dims and data[d].nunique() > 1:
            raise ValueError(f"the dimension {d!r} has several values: put it on the rows or the columns")
    if "indicator" not in dims and len(codes) > 1:
        raise ValueError("several indicators: put the indicator on the rows or the columns")
    order = {c: i for i, c in enumerate(codes)}

    def sort_key(dim: str):
        return (lambda s: s.map(order)) if dim == "indicator" else None

    def combos(ds: list[str]) -> pd.DataFrame:
        if not ds:
            return pd.DataFrame(index=[0])
        frame = data[ds].drop_duplicates()
        for d in reversed(ds):
            frame = frame.sort_values(d, key=sort_key(d), kind="stable")
        return frame.reset_index(drop=True)

    row_keys, col_keys = combos(rows), combos(columns)
    col_ids = [SEP.join(map(str, k)) for k in col_keys[columns].itertuples(index=False)] if columns else ["value"]
    labels = {d: _dim_label(d, lang) for d in rows}
    for cid, key in zip(col_ids, col_keys[columns].itertuples(index=False) if columns else [()]):
        parts = [member_text(d, v, catalog, names, lang) for d, v in zip(columns, key)]
        labels[cid] = " · ".join(parts) if parts else t("explorer.value", lang)
    seen: dict[str, int] = {}
    for cid, label in labels.items():  # headers must be unique for a table and a workbook
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[cid] = f"{label} ({seen[label]})"

    lookup = data.set_index(dims)["value"] if dims else data["value"]
    grid = np.full((len(row_keys), len(col_ids)), np.nan)
    cell_ind = np.full((len(row_keys), len(col_ids)), codes[0] if codes else "", dtype=object)
    if dims:
        index = {k if isinstance(k, tuple) else (k,): float(v) for k, v in lookup.items()}
        for i, rkey in enumerate(row_keys[rows].itertuples(index=False) if rows else [()] * len(row_keys)):
            for j, ckey in enumerate(col_keys[columns].itertuples(index=False) if columns else [()]):
                key = (*rkey, *ckey)
                grid[i, j] = index.get(key, np.nan)
                if "indicator" in dims:
                    cell_ind[i, j] = key[dims.index("indicator")]
    elif len(lookup):
        grid[0, 0] = float(lookup.iloc[0])

    keys_text = pd.DataFrame({d: [member_text(d, v, catalog, names, lang) for v in row_keys[d]] for d in rows},
                             index=range(len(row_keys)))
    values = pd.concat([keys_text, pd.DataFrame(grid, columns=col_ids)], axis=1)
    indicator = pd.concat([keys_text, pd.DataFrame(cell_ind, columns=col_ids)], axis=1)
    text_grid = np.full(grid.shape, "", dtype=object)
    status_grid = np.full(grid.shape, None, dtype=object)
    for code in codes:
        ind = catalog.indicators[code]
        mask = cell_ind == code
        if not mask.any():
            continue
        cells = pd.Series(grid[mask])
        text_grid[mask] = [format_value(v, ind.unit, ind.decimals, lang) for v in cells]
        status_grid[mask] = _status(cells, code, catalog, (thresholds or {}).get(code)).to_numpy()
    text = pd.concat([keys_text, pd.DataFrame(text_grid, columns=col_ids, dtype=object)], axis=1)
    status = pd.concat([keys_text.map(lambda _v: None).astype(object),
                        pd.DataFrame(status_grid, columns=col_ids, dtype=object)], axis=1)
    return Pivot(values, text, status, indicator, list(rows), labels)


def sort_pivot(p: Pivot, column: str | None, desc: bool = False) -> Pivot:
    """The pivot's rows ordered by one column (numbers for value columns, text for row labels; empty last)."""
    if not column or column not in p.values.columns:
        return p
    series = p.values[column]
    key = series.astype("string") if column in p.keys else pd.to_numeric(series, errors="coerce")
    order = key.sort_values(ascending=not desc, na_position="last", kind="stable").index
    take = lambda f: f.loc[order].reset_index(drop=True)  # noqa: E731
    return Pivot(take(p.values), take(p.text), take(p.status), take(p.indicator), p.keys, p.labels)


# --- exports ----------------------------------------------------------------------------------------


def _number_format(unit: str, decimals: int) -> str:
    digits = "." + "0" * decimals if decimals > 0 else ""
    return f"0{digits}%" if unit == "percent" else f"#,##0{digits}"


def _column_indicator(p: Pivot, cid: str) -> str | None:
    """The indicator of a value column when all its cells are of one indicator."""
    codes = set(p.indicator[cid])
    return codes.pop() if len(codes) == 1 else None


def _suffix(unit: str, lang: str, units: tuple[str, ...]) -> str:
    return CSV_SUFFIX[unit][lang] if unit in units and unit in CSV_SUFFIX else ""


def _headers(p: Pivot, catalog: Catalog, lang: str, units: tuple[str, ...]) -> tuple[list[str], pd.DataFrame]:
    """Export headers (a unit mark after an indicator's name) and the row labels with the same marks."""
    heads, keys = [], p.values[p.keys].copy()
    for cid in p.values.columns:
        code = None if cid in p.keys else _column_indicator(p, cid)
        mark = _suffix(catalog.indicators[code].unit, lang, units) if code and "indicator" not in p.keys else ""
        heads.append(p.labels[cid] + mark)
    if "indicator" in p.keys and p.value_columns:
        first = p.indicator[p.value_columns[0]]
        keys["indicator"] = [f"{name}{_suffix(catalog.indicators[c].unit, lang, units)}"
                             for name, c in zip(keys["indicator"], first)]
    return heads, keys


def export_frame(p: Pivot, catalog: Catalog, lang: str = "zh") -> pd.DataFrame:
    """The pivot with numbers for a CSV: percent ×100 (the header or row label says "(%)"), seconds as numbers,
    rounded to the indicator's decimals + 2."""
    heads, keys = _headers(p, catalog, lang, ("percent", "seconds"))
    numbers = {}
    for cid in p.value_columns:
        values = p.values[cid].astype("float64")
        codes = p.indicator[cid]
        pct = codes.map(lambda c: catalog.indicators[c].unit == "percent").astype(bool)  # shown ×100
        decimals = codes.map(lambda c: catalog.indicators[c].decimals).astype(int)
        scaled = values.where(~pct, values * 100)
        numbers[cid] = [round(v, d + 2) if pd.notna(v) else np.nan for v, d in zip(scaled, decimals)]
    out = pd.concat([keys, pd.DataFrame(numbers, index=keys.index, columns=p.value_columns)], axis=1)
    out.columns = heads
    return out


def csv_bytes(p: Pivot, catalog: Catalog, lang: str = "zh") -> bytes:
    """The pivot as CSV (UTF-8 with BOM; :func:`ccdash.reports_io.to_csv_bytes` escapes text that a spreadsheet
    would run as a formula, in cells and in headers — a header can be a team or agent name)."""
    return to_csv_bytes(export_frame(p, catalog, lang))


def xlsx_bytes(p: Pivot, catalog: Catalog, view: View, lang: str = "zh") -> bytes:
    """The pivot as a formatted workbook: numbers stay numbers (percent formatted as %), status colors,
    frozen headers; every text cell is stored as text (a name like ``=HYPERLINK(…)`` never runs)."""
    heads, keys = _headers(p, catalog, lang, ("seconds",))
    rows = []
    for i in range(len(p.values)):
        row = [Cell(str(keys.iloc[i][k])) for k in p.keys]
        for cid in p.value_columns:
            ind = catalog.indicators[p.indicator.iloc[i][cid]]
            value = p.values.iloc[i][cid]
            number = float(value) if pd.notna(value) else None
            row.append(Cell(number, _number_format(ind.unit, ind.decimals), p.status.iloc[i][cid]))
        rows.append(row)
    title = t("explorer.file_title", lang, start=view.start, end=view.end, grain=t(f"explorer.grain.{view.grain}", lang))
    sheet = Sheet(t("explorer.sheet", lang), [title], heads, rows, freeze_cols=max(len(p.keys), 1))
    return write_formatted_xlsx([sheet])


def file_base(view: View) -> str:
    return f"ccdash_explorer_{view.start}_{view.end}_{view.grain}"


# --- the URL ----------------------------------------------------------------------------------------


def _join(values) -> str:
    return ",".join(str(v) for v in values)


def _split(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]


def view_to_params(view: View) -> dict[str, str]:
    """The view as URL query parameters (see the module doc)."""
    out = {"ind": _join(view.indicators), "from": view.start.isoformat(), "to": view.end.isoformat(),
           "grain": view.grain}
    if view.by:
        out["by"] = _join(view.by)
    for key, column in FILTERS.items():
        if view.filters.get(column):
            out[key] = _join(view.filters[column])
    for name, value in view.params.items():
        out[name] = str(value)
    out["rows"], out["cols"] = _join(view.rows), _join(view.cols)
    if view.sort:
        out["sort"] = view.sort
        out["order"] = "desc" if view.desc else "asc"
    return out


def _bad(key: str, value) -> Finding:
    return Finding("warning", "explorer.bad_param", {"key": key, "value": value})


def params_to_view(params: Mapping[str, str], catalog: Catalog, default: View | None = None, *,
                   span: tuple[dt.date, dt.date] | None = None,
                   known: Mapping[str, list[str]] | None = None) -> tuple[View, list[Finding]]:
    """A view from URL query parameters: what is missing comes from ``default``; every invalid value is
    left out with a finding (never an exception). ``span`` (first, last day with data) bounds the dates;
    ``known`` (filter column → values) checks the filter values."""
    if default is None:
        last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        default = default_view(catalog, last.replace(day=1), last)
    problems: list[Finding] = []
    view = default
    get = {k: (v[-1] if isinstance(v, list) and v else v) for k, v in params.items()}

    if "ind" in get:
        codes = []
        for text in _split(get["ind"]):
            try:
                codes.append(text if text in catalog.indicators else find_indicator(text, catalog))
            except CcdashError:
                problems.append(_bad("ind", text))
        if codes:
            view = replace(view, indicators=tuple(dict.fromkeys(codes)))

    start, end = view.start, view.end
    for key in ("from", "to"):
        if key in get:
            try:
                day = dt.date.fromisoformat(str(get[key]).strip())
            except ValueError:
                problems.append(_bad(key, get[key]))
                continue
            start, end = (day, end) if key == "from" else (start, day)
    if (start, end) != (view.start, view.end):
        outside = span is not None and (start < span[0] or end > span[1])
        if start > end or outside:
            first, last = span or (start, end)
            problems.append(Finding("warning", "explorer.bad_dates",
                                    {"start": start, "end": end, "first": first, "last": last}))
        else:
            view = replace(view, start=start, end=end)

    if "grain" in get:
        if get["grain"] in GRAINS:
            view = replace(view, grain=get["grain"])
        else:
            problems.append(_bad("grain", get["grain"]))

    if "by" in get:
        by = []
        for b in _split(get["by"]):
            if b not in BREAKDOWNS or b in by:
                problems.append(_bad("by", b))
            elif len(by) >= MAX_BY:
                problems.append(Finding("warning", "explorer.too_many_by", {"value": b}))
            else:
                by.append(b)
        view = replace(view, by=tuple(by))

    filters = dict(view.filters)
    for key, column in FILTERS.items():
        if key not in get:
            continue
        chosen = []
        for value in _split(get[key]):
            if known is not None and value not in known.get(column, []):
                problems.append(_bad(key, value))
            else:
                chosen.append(value)
        filters[column] = tuple(chosen)
    view = replace(view, filters=filters)

    chosen_params = dict(view.params)
    defaults = default_params(catalog)
    for name, p in catalog.parameters.items():
        if name not in get:
            continue
        match = [c for c in p.choices if str(c) == str(get[name]).strip()]
        if not match:
            problems.append(_bad(name, get[name]))
        elif match[0] == defaults[name]:
            chosen_params.pop(name, None)
        else:
            chosen_params[name] = match[0]
    view = replace(view, params=chosen_params)

    dims = dimensions(view)
    layout = {}
    for key in ("rows", "cols"):
        if key in get:
            layout[key] = []
            for d in _split(get[key]):
                (layout[key].append(d) if d in dims else problems.append(_bad(key, d)))
    if layout:
        view = replace(view, rows=tuple(layout.get("rows", view.rows)), cols=tuple(layout.get("cols", view.cols)))

    if "sort" in get:
        view = replace(view, sort=str(get["sort"]) or None)
    if "order" in get:
        if get["order"] in ("asc", "desc"):
            view = replace(view, desc=get["order"] == "desc")
        else:
            problems.append(_bad("order", get["order"]))
    return normalize(view), problems
