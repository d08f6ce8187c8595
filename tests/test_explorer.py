"""The explorer's library (ccdash.explorer): pivots against query(), sorting, statuses, exports, the URL."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ccdash import explorer as ex
from ccdash.i18n import t
from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import query
from ccdash.indicators.custom import catalog_with_custom
from ccdash.indicators.format import format_value
from ccdash.store.db import make_engine
from ccdash.store.info import data_date_range, default_period
from tests.test_pages import sample_store  # noqa: F401  (the module's store with the sample month)

CODES = ["answer_rate", "aht", "offered"]


@pytest.fixture(scope="module")
def engine(sample_store):  # noqa: F811
    eng = make_engine(sample_store)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def month(engine):
    return default_period(*data_date_range(engine))


@pytest.fixture(scope="module")
def catalog(engine):
    return catalog_with_custom(engine)


def test_team_by_month_cells_are_each_teams_monthly_ratio_of_sums(engine, month, catalog):
    d0, d1 = month
    tidy = query(engine, CODES, d0, d1, "month", ["team"], catalog=catalog)
    p = ex.pivot(tidy, ["team"], ["period", "indicator"], CODES, catalog, lang="en")
    label = d0.strftime("%Y-%m")
    assert list(p.values.columns) == ["team", *(f"{label}|{c}" for c in CODES)]
    teams = [tm for tm in tidy["team"].unique() if tm]
    assert len(p.values) == len(teams) + 1  # + the unassigned calls
    differs = False
    for team in teams:
        row = p.values[p.values["team"] == team].iloc[0]
        alone = query(engine, ["answer_rate"], d0, d1, "month", filters={"team": team}, catalog=catalog)
        assert row[f"{label}|answer_rate"] == pytest.approx(alone["value"].iloc[0], rel=1e-12)
        daily = query(engine, ["answer_rate"], d0, d1, "day", filters={"team": team}, catalog=catalog)
        differs |= abs(daily["value"].mean() - row[f"{label}|answer_rate"]) > 1e-6  # an average of rates is not it
    assert differs
    assert p.labels[f"{label}|answer_rate"] == f"{label} · Answer rate" and p.labels["team"] == "Team"


def test_pivot_shapes(engine, month, catalog):
    d0, d1 = month
    days = (d1 - d0).days + 1
    by_agent = query(engine, ["answer_rate"], d0, d1, "day", ["agent"], catalog=catalog)
    agents = by_agent["agent"].nunique()
    p = ex.pivot(by_agent, ["agent"], ["period"], "answer_rate", catalog, names={"A001": "张三"})
    assert p.values.shape == (agents, 1 + days)
    some = by_agent.dropna(subset=["value"]).iloc[5]
    row = p.values[p.values["agent"].str.split(" ").str[0] == some["agent"]].iloc[0]
    assert row[some["period"]] == some["value"]

    daily = query(engine, CODES, d0, d1, "day", catalog=catalog)
    p = ex.pivot(daily, ["period"], ["indicator"], CODES, catalog)
    assert p.values.shape == (days, 1 + len(CODES)) and p.value_columns == CODES
    flipped = ex.pivot(daily, ["indicator"], ["period"], CODES, catalog, lang="zh")
    assert flipped.values.shape == (len(CODES), 1 + days)
    assert list(flipped.values["indicator"]) == ["接通率", "平均处理时长", "进线量"]  # in the chosen order
    assert flipped.values.iloc[0, 1] == p.values.iloc[0]["answer_rate"]

    total = query(engine, CODES, d0, d1, "total", ["team", "queue"], catalog=catalog)
    p = ex.pivot(total, ["team"], ["queue", "indicator"], CODES, catalog)  # the single period is left out
    assert p.keys == ["team"] and len(p.value_columns) == total["queue"].nunique() * len(CODES)
    one = ex.pivot(query(engine, ["offered"], d0, d1, "total", catalog=catalog), [], [], ["offered"], catalog)
    assert one.values.shape == (1, 1) and one.values.iloc[0, 0] == daily[daily.indicator == "offered"]["value"].sum()
    with pytest.raises(ValueError):
        ex.pivot(daily, ["period"], [], CODES, catalog)  # the indicators must go somewhere


def test_text_and_statuses_follow_the_catalog(engine, month, catalog):
    d0, d1 = month
    tidy = query(engine, CODES, d0, d1, "total", ["team"], catalog=catalog)
    p = ex.pivot(tidy, ["team"], ["indicator"], CODES, catalog, lang="zh")
    for _, row in p.values.iterrows():
        i = row.name
        assert p.text.loc[i, "answer_rate"] == format_value(row["answer_rate"], "percent", 1, "zh")
        assert p.text.loc[i, "aht"] == format_value(row["aht"], "seconds", 1, "zh")
        rate = row["answer_rate"]
        expected = "good" if rate >= 0.9 else "warning" if rate >= 0.9 * 0.95 else "critical"
        assert p.status.loc[i, "answer_rate"] == expected
        aht = row["aht"]
        expected = None if np.isnan(aht) else "good" if aht <= 300 else "warning" if aht <= 315 else "critical"
        assert p.status.loc[i, "aht"] == expected  # lower is better
        assert p.status.loc[i, "offered"] is None  # neutral, no target
        assert p.status.loc[i, "team"] is None
    unassigned = p.values["team"] == "（未分配）"
    assert unassigned.sum() == 1 and p.status.loc[unassigned, "answer_rate"].iloc[0] == "critical"
    assert {"good", "critical"} <= set(p.status["answer_rate"])


def test_sorting_by_any_column(engine, month, catalog):
    d0, d1 = month
    tidy = query(engine, CODES, d0, d1, "total", ["team"], catalog=catalog)
    p = ex.pivot(tidy, ["team"], ["indicator"], CODES, catalog)
    down = ex.sort_pivot(p, "aht", desc=True)
    values = down.values["aht"].tolist()
    numbers = [v for v in values if not np.isnan(v)]
    assert numbers == sorted(numbers, reverse=True) and np.isnan(values[-1])  # empty last
    assert down.text["aht"].iloc[0] == format_value(numbers[0], "seconds", 1, "zh")  # frames stay in step
    assert down.status.iloc[0]["aht"] == p.status.loc[p.values["aht"] == numbers[0], "aht"].iloc[0]
    up = ex.sort_pivot(p, "aht")
    assert [v for v in up.values["aht"] if not np.isnan(v)] == sorted(numbers) and np.isnan(up.values["aht"].iloc[-1])
    by_name = ex.sort_pivot(p, "team", desc=True)
    assert by_name.values["team"].tolist() == sorted(p.values["team"], reverse=True)
    assert ex.sort_pivot(p, "nope") is p and ex.sort_pivot(p, None) is p


def _view(**kw) -> ex.View:
    base = dict(indicators=("answer_rate", "aht"), start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    return ex.normalize(ex.View(**{**base, **kw}))


@pytest.mark.parametrize("view", [
    _view(),
    _view(grain="week", by=("team",), rows=("team",), cols=("period", "indicator"), sort="2026-10-05|aht", desc=True),
    _view(grain="total", by=("agent", "queue"), rows=("indicator",), cols=("queue",), sort="indicator"),
    _view(grain="hour", filters={"team": ("信用卡一组", "借记卡二组"), "queue": ("Q1",), "business_type": ("挂失",)},
          params={"sl_threshold": 30, "sl_variant": "within_over_answered", "repeat_window": "7d"}),
    _view(indicators=("offered",), rows=("indicator", "period"), cols=()),
])
def test_url_round_trip(view):
    catalog = load_catalog()
    params = ex.view_to_params(view)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    back, problems = ex.params_to_view(params, catalog)
    assert problems == [] and back == view


def test_url_format():
    view = _view(grain="day", by=("team",), rows=("team",), cols=("period",), sort="2026-10-01", desc=True,
                 params={"sl_threshold": 30}, filters={"queue": ("Q1", "Q2")})
    assert ex.view_to_params(view) == {
        "ind": "answer_rate,aht", "from": "2026-10-01", "to": "2026-10-31", "grain": "day", "by": "team",
        "queue": "Q1,Q2", "sl_threshold": "30", "rows": "team", "cols": "period,indicator", "sort": "2026-10-01",
        "order": "desc"}


def test_invalid_params_are_ignored_with_a_note_each():
    catalog = load_catalog()
    default = _view()
    params = {"ind": "接通率,Average handle time,nope", "from": "2026-13-01", "to": "2026-10-20", "grain": "year",
              "by": "team,team,galaxy,agent,queue", "rows": "queue,team", "cols": "indicator,stars",
              "sl_threshold": "7", "sl_variant": "within_over_answered", "team": "信用卡一组,=HYPERLINK(1)",
              "order": "sideways", "dashboard": "wall"}
    view, problems = ex.params_to_view(params, catalog, default, known={"team": ["信用卡一组"]})
    assert view.indicators == ("answer_rate", "aht")  # by Chinese or English name too
    assert (view.start, view.end, view.grain) == (dt.date(2026, 10, 1), dt.date(2026, 10, 20), "day")
    assert view.by == ("team", "agent") and view.rows == ("team", "period", "agent") and view.cols == ("indicator",)
    assert view.params == {"sl_variant": "within_over_answered"} and view.filters == {"team": ("信用卡一组",)}
    assert not view.desc
    found = {(f.code, f.params.get("key"), str(f.params.get("value"))) for f in problems}
    assert found == {
        ("explorer.bad_param", "ind", "nope"), ("explorer.bad_param", "from", "2026-13-01"),
        ("explorer.bad_param", "grain", "year"), ("explorer.bad_param", "by", "team"),
        ("explorer.bad_param", "by", "galaxy"), ("explorer.too_many_by", None, "queue"),
        ("explorer.bad_param", "rows", "queue"), ("explorer.bad_param", "cols", "stars"),
        ("explorer.bad_param", "sl_threshold", "7"), ("explorer.bad_param", "team", "=HYPERLINK(1)"),
        ("explorer.bad_param", "order", "sideways")}
    for f in problems:  # every note in both languages, with its value
        assert "{" not in f.message("zh") and "{" not in f.message("en")
    assert t("explorer.bad_param", "en", key="grain", value="year") == "Ignored grain=year from the link: not valid"


def test_dates_outside_the_data_or_reversed_keep_the_default():
    catalog = load_catalog()
    default = _view()
    span = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    for params in ({"from": "2025-01-01", "to": "2025-01-31"}, {"from": "2026-10-20", "to": "2026-10-10"}):
        view, problems = ex.params_to_view(params, catalog, default, span=span)
        assert (view.start, view.end) == (default.start, default.end)
        assert [f.code for f in problems] == ["explorer.bad_dates"]
    view, problems = ex.params_to_view({"ind": ",,", "from": "", "by": ""}, catalog, default, span=span)
    assert view.indicators == default.indicators and view.by == ()
    assert [f.params["key"] for f in problems] == ["from"]
    assert ex.params_to_view({}, catalog, default) == (default, [])


def test_normalize_places_every_dimension():
    v = ex.normalize(ex.View(("aht",), dt.date(2026, 10, 1), dt.date(2026, 10, 2), "day", ("team", "queue"),
                             rows=("queue", "queue", "agent"), cols=("queue", "indicator")))
    assert v.rows == ("queue", "period", "team") and v.cols == ("indicator",)
    v = ex.normalize(ex.View(("aht",), dt.date(2026, 10, 1), dt.date(2026, 10, 2), "total", rows=(), cols=()))
    assert v.rows == () and v.cols == ("indicator",)


BAD_TEAM = '=HYPERLINK("http://evil.example","点我")'
BAD_AGENT = "@SUM(A1)"


def _hand_made() -> tuple[pd.DataFrame, ex.Pivot, ex.View]:
    tidy = pd.DataFrame({
        "period": ["2026-10-01"] * 6,
        "team": [BAD_TEAM, BAD_TEAM, BAD_TEAM, "二组", "二组", "二组"],
        "indicator": ["answer_rate", "aht", "offered"] * 2,
        "value": [0.923456, 185.25, 1234.0, 0.5, np.nan, 10.0],
    })
    view = _view(indicators=("answer_rate", "aht", "offered"), by=("team",), rows=("team",), cols=("indicator",))
    p = ex.pivot(tidy, ["team"], ["indicator"], list(view.indicators), load_catalog(), lang="zh")
    return tidy, p, view


def test_xlsx_export_has_numbers_formats_colors_and_escapes_names():
    _tidy, p, view = _hand_made()
    wb = openpyxl.load_workbook(io.BytesIO(ex.xlsx_bytes(p, load_catalog(), view, "zh")))
    ws = wb.active
    rows = [[c for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0].value == "班组")
    assert [c.value for c in rows[header]] == ["班组", "接通率", "平均处理时长(秒)", "进线量"]
    bad, good = rows[header + 1], rows[header + 2]
    assert bad[0].value == BAD_TEAM and bad[0].data_type == "s" and bad[0].quotePrefix  # text, never a formula
    assert bad[1].value == pytest.approx(0.923456) and bad[1].number_format == "0.0%"
    assert bad[2].value == pytest.approx(185.25) and isinstance(bad[3].value, (int, float)) and bad[3].value == 1234
    assert bad[1].fill.start_color.rgb.endswith("C6EFCE")  # on target: green
    assert good[1].fill.start_color.rgb.endswith("FFC7CE") and good[2].value is None
    assert not any(c.data_type == "f" for r in rows for c in r)  # the name's exact text, as a string cell


def test_csv_export_has_numbers_and_escapes_names():
    _tidy, p, _view_ = _hand_made()
    text = ex.csv_bytes(p, load_catalog(), "zh").decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "班组,接通率(%),平均处理时长(秒),进线量"
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[1].endswith(",92.346,185.25,1234.0")
    assert lines[2] == "二组,50.0,,10.0"
    frame = pd.read_csv(io.StringIO(text))
    assert frame["进线量"].dtype.kind == "f"
    flipped = ex.pivot(_tidy, ["indicator"], ["team"], ["answer_rate", "aht"], load_catalog(), lang="en")
    out = ex.export_frame(flipped, load_catalog(), "en")
    assert list(out["Indicator"]) == ["Answer rate(%)", "AHT(s)"] and out.columns[1] == BAD_TEAM
    header = pd.read_csv(io.BytesIO(ex.csv_bytes(flipped, load_catalog(), "en")), encoding="utf-8-sig").columns
    assert list(header) == ["Indicator", "'" + BAD_TEAM, "二组"]  # a name in a header is escaped too
    agents = pd.DataFrame({"period": ["2026-10-01"], "agent": [BAD_AGENT], "indicator": ["offered"], "value": [3.0]})
    p = ex.pivot(agents, ["agent"], ["indicator"], ["offered"], load_catalog())
    assert "'" + BAD_AGENT in ex.csv_bytes(p, load_catalog()).decode("utf-8-sig")
    assert ex.file_base(_view()) == "ccdash_explorer_2026-10-01_2026-10-31_day"


def test_statuses_follow_the_targets_given(engine, month, catalog):
    from ccdash.dashboards.model import Threshold
    d0, d1 = month
    tidy = query(engine, ["answer_rate"], d0, d1, "total", ["team"], catalog=catalog)
    easy = ex.pivot(tidy, ["team"], ["indicator"], ["answer_rate"], catalog, thresholds={"answer_rate": Threshold(target=0.0)})
    assert set(easy.status["answer_rate"].dropna()) == {"good"}  # every team meets a 0 % target
    hard = ex.pivot(tidy, ["team"], ["indicator"], ["answer_rate"], catalog, thresholds={"answer_rate": Threshold(target=1.0, warning=0.999, critical=0.998)})
    assert set(hard.status["answer_rate"].dropna()) == {"critical"}
