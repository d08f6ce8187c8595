"""The Alerts page on the sample month: alerts worst first with their drivers; a target set from the page."""

from __future__ import annotations

import datetime as dt

from ccdash.alerts import alerts
from ccdash.indicators.targets import list_targets
from ccdash.store.db import make_engine
from tests.test_pages import app, sample_store, store  # noqa: F401  (fixtures)


def test_alerts_show_the_library_result_worst_first(store):
    at = app("zh", "pages/alerts.py")
    assert not at.exception and not at.error
    expected = alerts(make_engine(), "day", dt.date(2026, 10, 31), lang="zh")
    assert expected  # the sample month's last day misses some targets (service level 63 % vs 80 %)
    heads = [e.label for e in at.expander]
    assert len(heads) == len(expected) and expected[0].name in heads[0]
    assert at.dataframe and len(at.dataframe[0].value) > 0  # the first alert's drivers
    at.segmented_control(key="al_grain").set_value("month").run()
    assert not at.exception and not at.error


def test_a_target_set_on_the_page_is_stored_and_changes_the_alerts(store):
    at = app("en", "pages/alerts.py")
    before = len(at.expander)
    at.selectbox(key="tg_code").set_value("service_level").run()
    at.number_input(key="tg_target_service_level").set_value(0.5).run()
    at.button(key="tg_save").click().run()
    assert not at.exception and not at.error
    (row,) = list_targets(make_engine())
    assert (row.code, row.scope, row.target) == ("service_level", "all", 0.5)
    at.run()
    labels = " ".join(e.label for e in at.expander)
    assert "Service level" not in labels and len(at.expander) == before - 1  # 63 % now meets a 50 % target
    at.number_input(key="tg_warning").set_value(0.6).run()
    at.button(key="tg_save").click().run()
    assert at.error  # a warning band above a higher-is-better target is refused with a message
