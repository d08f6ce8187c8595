"""The My-indicators page: a formula is checked with a caret message, previewed, saved, then usable everywhere."""

from __future__ import annotations

from ccdash.dashboards.documents import load_dashboard, save_dashboard
from ccdash.dashboards.editing import add_widget
from ccdash.dashboards.model import Widget
from ccdash.indicators.compute import query, wide
from ccdash.indicators.custom import catalog_with_custom
from ccdash.store.db import make_engine
from tests.test_pages import app, sample_store, store  # noqa: F401  (fixtures)
from tests.actors import ADMIN


def test_define_an_indicator_by_formula_and_use_it(store):
    at = app("zh", "pages/formulas.py")
    at.text_input(key="fx_formula").set_value("接通量 / 进线数").run()
    assert "^^^^^^" in at.code[0].value and "进线" in at.code[0].value  # the caret under the unknown name
    assert at.button(key="fx_save").disabled
    at.text_input(key="fx_formula").set_value("接通量_20秒 / 进线量").run()
    assert not at.exception and any("百分比" in s.value for s in at.success)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the preview by day
    at.text_input(key="fx_code").set_value("answered_20s_rate").run()
    at.text_input(key="fx_name_zh").set_value("20秒接通占比").run()
    at.text_input(key="fx_name_en").set_value("Answered within 20 s share").run()
    at.button(key="fx_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.dataframe and "answered_20s_rate" in set(at.dataframe[0].value.iloc[:, 0])
    engine = make_engine()
    catalog = catalog_with_custom(engine)
    got = wide(query(engine, ["answered_20s_rate", "service_level"], "2026-10-01", "2026-10-31", "total",
                     catalog=catalog)).iloc[0]
    # Σ answered within 20 s / Σ offered is the default service-level formula — computed the same way
    assert abs(got["answered_20s_rate"] - got["service_level"]) < 1e-12
    doc, _ = add_widget(load_dashboard(engine, "ops_overview"), "today",
                        Widget(kind="kpi", indicators=["answered_20s_rate"]))
    save_dashboard(engine, doc, actor=ADMIN)  # a dashboard may use it …
    at.selectbox(key="fx_delete_code").set_value("answered_20s_rate").run()
    at.button(key="fx_delete").click().run()
    assert at.error and ("ops_overview" in at.error[0].value or "运营总览" in at.error[0].value)  # … so it cannot be deleted
    assert "answered_20s_rate" in catalog_with_custom(engine).indicators


def test_edit_a_saved_indicator_makes_its_next_version(store):
    from ccdash.indicators.custom import custom_history, save_custom
    engine = make_engine()
    save_custom(engine, "my_rate", "我的接通率", "My rate", "接通量 / 进线量", direction="higher", target=0.9, actor=ADMIN)
    at = app("en", "pages/formulas.py")
    at.selectbox(key="fx_delete_code").set_value("my_rate").run()
    at.button(key="fx_edit").click().run()
    assert at.text_input(key="fx_formula").value == "接通量 / 进线量" and at.text_input(key="fx_code").value == "my_rate"
    at.text_input(key="fx_formula").set_value("接通量 / (进线量 + 1)").run()
    at.button(key="fx_save").click().run()
    assert not at.exception and not at.error
    assert [h["version"] for h in custom_history(engine, "my_rate")] == [1, 2]


def test_the_issue_example_formula_works(store):
    """接通量_20秒 / (进线量 - 短时放弃量): answered within 20 s over offered minus short abandons."""
    at = app("zh", "pages/formulas.py")
    at.text_input(key="fx_formula").set_value("接通量_20秒 / (进线量 - 短时放弃量)").run()
    assert not at.exception and not at.code and any("百分比" in s.value for s in at.success)
