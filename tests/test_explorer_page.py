"""The Explorer page, driven headless with AppTest on a copy of the sample-month store."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ccdash import explorer as ex
from ccdash.indicators.compute import query
from ccdash.indicators.custom import catalog_with_custom
from ccdash.store.db import make_engine
from ccdash.store.info import data_date_range, default_period
from tests.test_pages import app, sample_store, store  # noqa: F401  (fixtures: the sample month, a private copy)
from tests.actors import ADMIN

PAGE = "pages/explorer.py"


def _month(store):
    engine = make_engine(store)
    try:
        return default_period(*data_date_range(engine))
    finally:
        engine.dispose()


def _query(store, *args, **kwargs):
    engine = make_engine(store)
    try:
        return query(engine, *args, catalog=catalog_with_custom(engine), **kwargs)
    finally:
        engine.dispose()


def _run(at):
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _link(at) -> str:
    return at.code[-1].value


@pytest.mark.parametrize("lang,title", [("zh", "数据探索"), ("en", "Explorer")])
def test_explorer_opens_on_the_latest_full_month(store, lang, title):
    at = app(lang, PAGE)
    assert at.title[0].value == title and not at.error
    start, end = _month(store)
    assert at.date_input(key="exp_period").value == (start, end)
    table = at.dataframe[0].value
    names = {"zh": ["周期", "进线量", "接通率", "服务水平", "平均处理时长"],
             "en": ["Period", "Offered", "Answer rate", "Service level", "AHT"]}[lang]
    assert list(table.columns) == names and len(table) == (end - start).days + 1
    assert table.iloc[:, 1].dtype.kind == "f"  # numbers underneath, formatted for people by the Styler
    styler = at.dataframe[0].proto.arrow_data.styler
    shown = pa.ipc.open_stream(styler.display_values).read_all().to_pandas()
    assert shown.iloc[0, 2].endswith("%") and shown.iloc[0, 4].endswith(" 秒" if lang == "zh" else " s")
    assert shown.iloc[0, 1].replace(",", "").isdigit()
    assert "background-color: #" in styler.styles  # green / amber / red by target and direction
    assert at.get("vega_lite_chart")  # the chart of the view
    assert f"from={start}" in _link(at) and "ind=offered%2Canswer_rate" in _link(at)


def test_agents_by_days_pivot_matches_query(store):
    at = app("zh", PAGE)
    at.multiselect(key="exp_ind").set_value(["answer_rate"])
    at.multiselect(key="exp_by").set_value(["agent"])
    at = _run(at)
    at.multiselect(key="exp_rows").set_value(["agent"])
    at.multiselect(key="exp_cols").set_value(["period"])
    at = _run(at)
    assert at.multiselect(key="exp_rows").value == ["agent"]
    assert at.multiselect(key="exp_cols").value == ["period", "indicator"]
    start, end = _month(store)
    expected = _query(store, ["answer_rate"], start, end, "day", ["agent"])
    table = at.dataframe[0].value
    assert table.shape == (expected["agent"].nunique(), 1 + (end - start).days + 1)
    known = expected.dropna(subset=["value"]).iloc[10]
    day = known["period"]
    row = table[table["坐席"].str.split(" ").str[0] == known["agent"]].iloc[0]
    assert row[f"{day} · 接通率"] == pytest.approx(known["value"], rel=1e-12)
    assert "rows=agent" in _link(at) and "cols=period%2Cindicator" in _link(at) and "by=agent" in _link(at)


def test_team_by_month_cell_is_the_teams_monthly_value_and_sorting(store):
    at = app("en", PAGE)
    at.multiselect(key="exp_ind").set_value(["answer_rate", "aht"])
    at.selectbox(key="exp_grain").set_value("month")
    at.multiselect(key="exp_by").set_value(["team"])
    at = _run(at)
    at.multiselect(key="exp_rows").set_value(["team"])  # a breakdown is a dimension once chosen
    at = _run(at)
    table = at.dataframe[0].value
    start, end = _month(store)
    assert list(table.columns)[:1] == ["Team"] and "Period" in table.columns
    team = "信用卡一组"
    alone = _query(store, ["answer_rate"], start, end, "month", filters={"team": team})
    assert table.loc[table["Team"] == team, "Answer rate"].iloc[0] == pytest.approx(alone["value"].iloc[0])
    at.selectbox(key="exp_sort").set_value("aht")
    at.toggle(key="exp_desc").set_value(True)
    at = _run(at)
    aht = at.dataframe[0].value["AHT"].dropna().tolist()
    assert aht == sorted(aht, reverse=True) and len(aht) >= 6
    assert "sort=aht" in _link(at) and "order=desc" in _link(at)
    at.toggle(key="exp_desc").set_value(False)
    at = _run(at)
    aht = at.dataframe[0].value["AHT"].dropna().tolist()
    assert aht == sorted(aht)


def test_both_downloads_are_offered_with_their_file_names(store):
    at = app("en", PAGE)
    buttons = at.get("download_button")
    start, end = _month(store)
    base = f"ccdash_explorer_{start}_{end}_day"
    assert [b.proto.label for b in buttons] == ["Download Excel", "Download CSV"]
    assert [b.proto.help for b in buttons] == [f"{base}.xlsx", f"{base}.csv"]


def test_opening_the_page_with_query_params_reproduces_the_view(store):
    at = app("zh", PAGE)
    start, end = _month(store)
    view = ex.normalize(ex.View(("aht", "answer_rate"), start, end, "week", ("team",), rows=("team",),
                                cols=("period", "indicator"), params={"sl_threshold": 30}, sort="team", desc=True,
                                filters={"team": ("信用卡一组", "借记卡二组")}))
    for key, value in ex.view_to_params(view).items():
        at.query_params[key] = value
    at = _run(at)
    assert at.multiselect(key="exp_ind").value == ["aht", "answer_rate"]
    assert at.selectbox(key="exp_grain").value == "week"
    assert at.multiselect(key="exp_by").value == ["team"] and at.multiselect(key="exp_rows").value == ["team"]
    assert at.multiselect(key="exp_team").value == ["信用卡一组", "借记卡二组"]
    assert at.selectbox(key="exp_param_sl_threshold").value == 30
    table = at.dataframe[0].value
    assert list(table["班组"]) == sorted(["信用卡一组", "借记卡二组"], reverse=True)  # filtered, sorted by team, desc
    weeks = _query(store, ["aht"], start, end, "week", filters={"team": ["借记卡二组"]})
    first = weeks.iloc[0]
    cell = table.loc[table["班组"] == "借记卡二组", f"{first['period']} · 平均处理时长"].iloc[0]
    assert cell == pytest.approx(first["value"])
    assert table.shape[1] == 1 + 2 * len(weeks)
    assert "sl_threshold=30" in _link(at) and "team=%E4%BF%A1%E7%94%A8%E5%8D%A1%E4%B8%80%E7%BB%84" in _link(at)
    assert not [c for c in at.caption if c.value.startswith("⚠️")]


def test_an_invalid_param_shows_a_note_and_the_rest_still_works(store):
    at = app("en", PAGE)
    at.query_params["ind"] = "answer_rate,nonsense"
    at.query_params["grain"] = "fortnight"
    at.query_params["by"] = "team"
    at.query_params["from"] = "1999-01-01"
    at.query_params["sort"] = "no_such_column"
    at = _run(at)
    notes = [c.value for c in at.caption if c.value.startswith("⚠️")]
    assert "⚠️ Ignored ind=nonsense from the link: not valid" in notes
    assert "⚠️ Ignored grain=fortnight from the link: not valid" in notes
    assert any("1999-01-01" in n for n in notes)
    assert any("no_such_column" in c.value for c in at.caption)
    assert at.multiselect(key="exp_ind").value == ["answer_rate"]
    assert at.selectbox(key="exp_grain").value == "day" and at.multiselect(key="exp_by").value == ["team"]
    assert at.selectbox(key="exp_sort").value == ""
    assert "Team" in at.dataframe[0].value.columns
    at.selectbox(key="exp_grain").set_value("week")  # the notes go once the user changes the view
    at = _run(at)
    assert not [c for c in at.caption if c.value.startswith("⚠️")]
    assert "grain=week" in _link(at)


def test_a_custom_indicator_is_explored_like_a_built_in_and_found_by_its_link(store):
    from ccdash.indicators.custom import save_custom
    engine = make_engine(store)
    save_custom(engine, "my_answer", "我的接通率", "My answer rate", "接通量 / 进线量", direction="higher", target=0.9,
                actor=ADMIN)
    engine.dispose()
    at = app("en", PAGE)
    picker = at.multiselect(key="exp_ind")
    assert "my_answer" in picker.options or "My answer rate · 我的接通率 ✎" in picker.options
    at.query_params["ind"] = "my_answer,answer_rate"
    at.query_params["grain"] = "total"
    at.query_params["by"] = "queue"
    at = _run(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Queue", "My answer rate", "Answer rate"]
    assert table["My answer rate"].tolist() == pytest.approx(table["Answer rate"].tolist(), nan_ok=True)
