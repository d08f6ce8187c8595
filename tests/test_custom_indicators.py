"""Custom indicators as data: saved with versions in a real store, validated, computed like built-ins,
and protected from deletion while a dashboard (or another custom indicator) uses them.

Hand values from the small store (see tests/test_formula_language.py for the summed measures):
day 1 offered 5, answered 3, answered within 20 s 2, abandoned within 5 s 1 (C003 waited 4 s);
day 2 offered 3, answered 3, answered within 20 s 1 (C006 waited 15 s), no abandons.
"""

from __future__ import annotations

import math

import pytest

from ccdash.dashboards.documents import save_dashboard
from ccdash.findings import CcdashError
from ccdash.indicators.catalog import Derived, load_catalog
from ccdash.indicators.compute import GRAINS, query, wide
from ccdash.indicators.custom import (
    catalog_with_custom, custom_history, dashboards_using, delete_custom, display_formula, list_custom,
    preview_formula, save_custom,
)
from ccdash.indicators.formula import FormulaError
from tests.actors import ADMIN, LEAD

D1, D2 = "2026-03-02", "2026-03-03"


def _dashboard(dash_id: str, title: str, codes: list[str]) -> dict:
    return {"schema_version": 2, "id": dash_id, "title": {"zh": title, "en": title + " (en)"},
            "widgets": {f"w{i}": {"kind": "kpi", "indicators": [code]} for i, code in enumerate(codes)},
            "tabs": [{"id": "main", "title": {"zh": "总览"}, "rows": [[f"w{i}" for i in range(len(codes))]]}]}


def test_save_list_edit_delete_with_versions(engine):
    saved = save_custom(engine, "valid_answer_rate", "有效接通率", "Valid answer rate",
                        "接通量_20秒 / (进线量 - 5秒内放弃量)", direction="higher", target=0.85, actor=LEAD)
    assert (saved.code, saved.version, saved.unit, saved.unit_inferred, saved.decimals) == (
        "valid_answer_rate", 1, "percent", True, 1)
    assert saved.expr == "ans_wait_le_20 / (offered - abn_wait_le_5)"
    assert (saved.created_by, saved.updated_by, saved.target, saved.direction) == ("lead1", "lead1", 0.85, "higher")
    assert [c.code for c in list_custom(engine)] == ["valid_answer_rate"]

    edited = save_custom(engine, "valid_answer_rate", "有效接通率", "Valid answer rate", "接通量_20秒 / 进线量",
                         unit="number", actor=ADMIN)
    assert (edited.version, edited.unit, edited.unit_inferred, edited.decimals) == (2, "number", False, 2)
    assert (edited.created_by, edited.updated_by) == (LEAD.username, ADMIN.username)

    delete_custom(engine, "valid_answer_rate", actor=ADMIN)
    assert list_custom(engine) == []
    history = custom_history(engine, "valid_answer_rate")
    assert [(h["version"], h["action"], h["author"]) for h in history] == [
        (1, "save", "lead1"), (2, "save", "admin1"), (3, "delete", "admin1")]
    assert history[0]["formula"] == "接通量_20秒 / (进线量 - 5秒内放弃量)" and history[1]["unit"] == "number"

    again = save_custom(engine, "valid_answer_rate", "有效接通率", "", "answered / offered", actor=ADMIN)
    assert again.version == 4 and [c.code for c in list_custom(engine)] == ["valid_answer_rate"]


def test_query_of_a_custom_indicator_by_day_equals_hand_values(small_store):
    save_custom(small_store, "valid_answer_rate", "有效接通率", "Valid answer rate",
                "接通量_20秒 / (进线量 - 5秒内放弃量)", actor=ADMIN)
    catalog = catalog_with_custom(small_store)
    by_day = wide(query(small_store, ["valid_answer_rate"], D1, D2, "day", catalog=catalog)).set_index("period")
    assert by_day.loc[D1, "valid_answer_rate"] == pytest.approx(2 / (5 - 1))
    assert by_day.loc[D2, "valid_answer_rate"] == pytest.approx(1 / (3 - 0))
    total = wide(query(small_store, ["valid_answer_rate"], D1, D2, "total", catalog=catalog)).iloc[0]
    assert total["valid_answer_rate"] == pytest.approx((2 + 1) / (8 - 1))  # ratio of sums: 3/7 = 0.4286
    assert (2 / 4 + 1 / 3) / 2 != pytest.approx(total["valid_answer_rate"])  # not the mean of the days, 0.4167


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("by", [None, "team", "agent", "queue", "business_type"])
def test_custom_ratio_equals_the_built_in_at_every_grain_and_breakdown(small_store, grain, by):
    save_custom(small_store, "my_answer_rate", "我的接通率", "My answer rate", "answered / offered", actor=ADMIN)
    got = wide(query(small_store, ["answer_rate", "my_answer_rate"], D1, D2, grain, by,
                     catalog=catalog_with_custom(small_store)), [by] if by else [])
    assert len(got) > 0
    assert got["my_answer_rate"].tolist() == pytest.approx(got["answer_rate"].tolist(), nan_ok=True)


def test_the_mean_of_daily_ratios_differs(small_store):
    save_custom(small_store, "my_answer_rate", "我的接通率", "", "answered / offered", actor=ADMIN)
    catalog = catalog_with_custom(small_store)
    daily = wide(query(small_store, ["my_answer_rate"], D1, D2, "day", catalog=catalog))["my_answer_rate"]
    total = wide(query(small_store, ["my_answer_rate"], D1, D2, "total", catalog=catalog))["my_answer_rate"][0]
    assert daily.tolist() == pytest.approx([3 / 5, 3 / 3]) and total == pytest.approx(6 / 8)
    assert daily.mean() == pytest.approx(0.8) != pytest.approx(total)


def test_custom_indicators_refer_to_each_other_and_to_parameters(small_store):
    save_custom(small_store, "lost_calls", "流失量", "Lost calls", "进线量 - 接通量", actor=ADMIN)
    save_custom(small_store, "lost_share", "流失占比", "Lost share", "流失量 / 进线量", actor=ADMIN)
    save_custom(small_store, "sl_gap", "服务水平差距", "SL gap", "服务水平 - 80%", actor=ADMIN)
    catalog = catalog_with_custom(small_store)
    got = wide(query(small_store, ["lost_calls", "lost_share", "sl_gap"], D1, D2, "day", catalog=catalog,
                     params={"sl_threshold": 30})).set_index("period")
    assert got.loc[D1, "lost_calls"] == 2 and got.loc[D2, "lost_calls"] == 0
    assert got.loc[D1, "lost_share"] == pytest.approx(2 / 5) and got.loc[D2, "lost_share"] == 0
    assert got.loc[D1, "sl_gap"] == pytest.approx(3 / 5 - 0.8)  # within 30 s: 10, 30, 5 of 5 offered
    assert got.loc[D2, "sl_gap"] == pytest.approx(2 / 3 - 0.8)  # within 30 s: 15, 25 of 3
    assert catalog.indicators["lost_calls"].unit == "count" and catalog.indicators["lost_share"].unit == "percent"


def test_catalog_marks_custom_entries(engine):
    save_custom(engine, "login_hours", "签入小时数", "Login hours", "login_s / 3600", unit="number", actor=ADMIN)
    save_custom(engine, "calls_per_login_hour", "每签入小时接通量", "", "接通量 / (login_s / 3600)", actor=ADMIN)
    catalog = catalog_with_custom(engine)
    ind = catalog.indicators["calls_per_login_hour"]
    assert isinstance(ind, Derived) and ind.custom and ind.unit == "per_hour" and ind.source == "both"
    assert ind.name.zh == ind.name.en == "每签入小时接通量"
    assert catalog.indicators["login_hours"].source == "states"
    assert not any(i.custom for code, i in catalog.indicators.items() if code in load_catalog().indicators)
    assert "calls_per_login_hour" not in load_catalog().indicators  # the configuration's catalog is untouched
    assert display_formula(ind.expr, catalog, "zh") == "接通量 / (login_s / 3600)"
    assert display_formula("ans_wait_le_20 / answer_rate", catalog, "en") == "ans_wait_le_20 / [Answer rate]"


@pytest.mark.parametrize("kwargs, code", [
    (dict(code="answer_rate"), "custom.code_taken"),  # a built-in code
    (dict(code="talk_s"), "custom.code_taken"),  # a stored measure
    (dict(code="Bad Code"), "custom.bad_code"),
    (dict(code="min"), "custom.bad_code"),
    (dict(name_zh=" "), "custom.name_missing"),
    (dict(name_zh="接通率"), "custom.name_taken"),  # a built-in name
    (dict(name_en="AHT"), "custom.name_taken"),  # a built-in synonym
    (dict(name_zh="[x]"), "custom.bad_name"),
    (dict(unit="hours"), "custom.bad_unit"),
    (dict(direction="up"), "custom.bad_direction"),
    (dict(formula="接通量 / 进线数"), "formula.unknown_name"),
    (dict(formula="接通量 / "), "formula.trailing_operator"),
    (dict(formula="round(2.5) * 100%"), "custom.constant"),
])
def test_invalid_definitions_are_refused(engine, kwargs, code):
    args = dict(code="my_rate", name_zh="我的指标", name_en="Mine", formula="answered / offered") | kwargs
    with pytest.raises(CcdashError) as caught:
        save_custom(engine, **args, actor=ADMIN)
    assert caught.value.code == code
    assert caught.value.message("zh") and caught.value.message("en")
    assert list_custom(engine) == []


def test_a_cycle_is_refused_and_shown(engine):
    save_custom(engine, "a_part", "甲", "", "接通量 + 1", actor=ADMIN)
    save_custom(engine, "b_part", "乙", "", "甲 * 2", actor=ADMIN)
    with pytest.raises(CcdashError) as caught:
        save_custom(engine, "a_part", "甲", "", "乙 - 1", actor=ADMIN)
    assert caught.value.code == "formula.cycle"
    assert "a_part → b_part → a_part" in caught.value.message("en")
    with pytest.raises(CcdashError, match="c_part → c_part"):
        save_custom(engine, "c_part", "丙", "", "丙 + 1", actor=ADMIN)
    assert [c.formula for c in list_custom(engine)] == ["接通量 + 1", "甲 * 2"]


def test_the_names_of_other_custom_indicators_are_taken(engine):
    save_custom(engine, "a_part", "甲", "Part A", "接通量 + 1", actor=ADMIN)
    with pytest.raises(CcdashError) as caught:
        save_custom(engine, "b_part", "甲", "", "接通量", actor=ADMIN)
    assert caught.value.code == "custom.name_taken"
    save_custom(engine, "a_part", "甲", "Part A", "接通量 + 2", actor=ADMIN)  # its own names are fine when editing


def test_delete_is_refused_while_dashboards_use_it(engine):
    save_custom(engine, "my_rate", "我的接通率", "My answer rate", "接通量 / 进线量", actor=ADMIN)
    catalog = catalog_with_custom(engine)
    save_dashboard(engine, _dashboard("team_a", "甲组看板", ["my_rate", "aht"]), catalog=catalog, actor=ADMIN)
    save_dashboard(engine, _dashboard("team_b", "乙组看板", ["my_rate"]), catalog=catalog, actor=ADMIN)
    save_dashboard(engine, _dashboard("team_c", "丙组看板", ["aht"]), catalog=catalog, actor=ADMIN)
    used_by = dashboards_using(engine, "my_rate")
    assert sorted(used_by) == sorted(["甲组看板", "乙组看板"])
    with pytest.raises(CcdashError) as caught:
        delete_custom(engine, "my_rate", ["甲组看板", "乙组看板"], actor=ADMIN)
    assert caught.value.code == "custom.in_use"
    assert caught.value.message("zh") == "自定义指标「我的接通率」正被看板使用，不能删除：甲组看板、乙组看板。请先从这些看板中移除它"
    assert "甲组看板, 乙组看板" in caught.value.message("en")
    assert [c.code for c in list_custom(engine)] == ["my_rate"]
    assert "运营总览" in dashboards_using(engine, "answer_rate")  # the shipped defaults are looked through too


def test_delete_is_refused_while_another_custom_indicator_uses_it(engine):
    save_custom(engine, "lost_calls", "流失量", "", "进线量 - 接通量", actor=ADMIN)
    save_custom(engine, "lost_share", "流失占比", "", "流失量 / 进线量", actor=ADMIN)
    with pytest.raises(CcdashError) as caught:
        delete_custom(engine, "lost_calls", actor=ADMIN)
    assert caught.value.code == "custom.used_by_custom" and "流失占比" in caught.value.message("zh")
    delete_custom(engine, "lost_share", actor=ADMIN)
    delete_custom(engine, "lost_calls", actor=ADMIN)
    assert list_custom(engine) == []


def test_delete_of_a_built_in_or_an_unknown_code(engine):
    with pytest.raises(CcdashError) as caught:
        delete_custom(engine, "answer_rate", actor=ADMIN)
    assert caught.value.code == "custom.builtin"
    with pytest.raises(CcdashError) as caught:
        delete_custom(engine, "no_such_thing", actor=ADMIN)
    assert caught.value.code == "custom.not_found"


def test_preview_before_saving(small_store):
    got = wide(preview_formula(small_store, "round(接通率 * 100, 1)", D1, D2, "day"))
    assert got["__preview__"].tolist() == [60.0, 100.0]
    with pytest.raises(FormulaError) as caught:
        preview_formula(small_store, "接通率 *", D1, D2)
    assert caught.value.position == len("接通率 *")
    empty = wide(preview_formula(small_store, "answered / abandoned", D2, D2, "day"))["__preview__"]
    assert math.isnan(empty[0])  # 3 / 0: empty, not infinite
