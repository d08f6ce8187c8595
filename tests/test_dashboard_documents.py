"""Dashboard documents: the defaults, validation messages, the store, files, and the migration chain."""

from __future__ import annotations

import copy
import json
import re
import shutil
import typing
from pathlib import Path

import pytest
import yaml

from ccdash.dashboards import documents as docs
from ccdash.dashboards import model
from ccdash.dashboards.documents import DashboardInvalid
from ccdash.dashboards.migrations import MIGRATIONS
from ccdash.findings import CcdashError
from tests.conftest import CJK, ROOT
from tests.actors import ADMIN, LEAD

GOLDEN = ROOT / "tests" / "golden" / "dashboards"
DEFAULT_IDS = ["ops_overview", "agent_performance", "wall"]


def board(**changes) -> dict:
    """A small valid document: two tabs, three widgets."""
    doc = {
        "schema_version": 2, "id": "test_board", "title": {"zh": "测试看板", "en": "Test board"},
        "widgets": {
            "kpi_a": {"kind": "kpi", "title": {"zh": "接通", "en": "Answering"}, "indicators": ["answer_rate"]},
            "line_b": {"kind": "line", "indicators": ["service_level"], "grain": "interval"},
            "note": {"kind": "text", "options": {"text": {"zh": "备注", "en": "Note"}}},
        },
        "tabs": [
            {"id": "today", "title": {"zh": "今日", "en": "Today"}, "rows": [["kpi_a", "line_b"]]},
            {"id": "notes", "title": {"zh": "说明", "en": "Notes"}, "rows": [["note"]]},
        ],
    }
    return doc | changes


def problem(doc) -> DashboardInvalid:
    with pytest.raises(DashboardInvalid) as info:
        docs.validate(doc)
    return info.value


def messages(exc: CcdashError) -> tuple[str, str]:
    return exc.message("zh"), exc.message("en")


# ---- the defaults ----

def test_defaults_load_and_validate():
    defaults = docs.default_dashboards()
    assert list(defaults) == DEFAULT_IDS
    for dash_id, dash in defaults.items():
        assert docs.validate(dash) == dash
        assert docs.load_dashboard(None, dash_id) == dash
        texts = [dash.title, *(t.title for t in dash.tabs), *(w.title for w in dash.widgets.values() if w.title.zh)]
        assert all(t.zh and t.en and not CJK.search(t.en) for t in texts), dash_id


def test_defaults_use_every_widget_kind_and_the_wall_is_set_up_for_the_room():
    kinds = {w.kind for d in docs.default_dashboards().values() for w in d.widgets.values()}
    assert kinds == set(typing.get_args(model.WidgetKind))
    wall = docs.load_dashboard(None, "大屏")
    assert (wall.theme, wall.refresh_s, wall.rotate_s, len(wall.tabs)) == ("dark", 60, 30, 2)


def test_defaults_name_only_catalog_indicators_and_periods_the_sample_month_fills():
    from ccdash.indicators.catalog import load_catalog
    codes = set(load_catalog().indicators)
    for dash in docs.default_dashboards().values():
        for wid, widget in dash.widgets.items():
            assert set(widget.indicators) <= codes, wid
            assert widget.period.kind != "custom", wid  # custom dates would go stale; relative periods do not


def test_a_broken_default_file_is_named(tmp_path):
    shutil.copy(ROOT / "config" / "indicators.yaml", tmp_path / "indicators.yaml")
    (tmp_path / "dashboards").mkdir()
    doc = board(widgets={**board()["widgets"], "kpi_a": {"kind": "kpi", "indicators": ["nope_rate"]}})
    (tmp_path / "dashboards" / "10_broken.yaml").write_bytes(docs.export_dashboard(docs.Dashboard.model_validate(doc)))
    with pytest.raises(CcdashError) as info:
        docs.default_dashboards(tmp_path)
    zh, en = messages(info.value)
    assert "10_broken.yaml" in zh and "nope_rate" in zh and "10_broken.yaml" in en and "nope_rate" in en


# ---- validation: every problem names the dashboard, the tab and the widget in both languages ----

def _tab(tab_id: str, rows: list[list[str]], zh: str = "页", en: str = "Page") -> dict:
    return {"id": tab_id, "title": {"zh": zh, "en": en}, "rows": rows}


def today(*rows: list[str]) -> dict:
    return _tab("today", list(rows), "今日", "Today")


NOTES = _tab("notes", [["note"]], "说明", "Notes")


def with_kpis(n: int, tabs: list[dict]) -> dict:
    """The small board plus KPI cards k0 … k<n-1>, laid out by ``tabs``."""
    extra = {f"k{i}": {"kind": "kpi", "indicators": ["offered"]} for i in range(n)}
    return board(widgets={**board()["widgets"], **extra}, tabs=tabs)


def with_kpi_a(**changes) -> dict:
    doc = copy.deepcopy(board())
    doc["widgets"]["kpi_a"] |= changes
    return doc


K = [f"k{i}" for i in range(19)]
WHERE_ZH = ["看板「测试看板」（test_board）", "标签页「今日」", "组件「接通」（kpi_a）"]
WHERE_EN = ['Dashboard "Test board" (test_board)', 'tab "Today"', 'widget "Answering" (kpi_a)']
CASES = [  # document, code, texts in the Chinese message, texts in the English message
    pytest.param(with_kpi_a(indicators=["answer_rat"]), "dash.unknown_indicator",
                 [*WHERE_ZH, "未知指标 answer_rat", "是否指：answer_rate（接通率）"],
                 [*WHERE_EN, "unknown indicator answer_rat", "did you mean: answer_rate (Answer rate)"],
                 id="unknown indicator"),
    pytest.param(with_kpi_a(indicators=["服务水平"]), "dash.unknown_indicator",
                 [*WHERE_ZH, "未知指标 服务水平", "是否指：service_level（服务水平）"],
                 [*WHERE_EN, "did you mean: service_level (Service level)"], id="a name instead of a code"),
    pytest.param(board(tabs=[*board()["tabs"], _tab("spare", [], "备用", "Spare")]), "dash.empty_tab",
                 [WHERE_ZH[0], "标签页「备用」", "没有组件"], [WHERE_EN[0], 'tab "Spare"', "has no widgets"],
                 id="empty tab"),
    pytest.param(board(tabs=[today(["kpi_a", "line_b", "kpi_b"]), NOTES]), "dash.unknown_widget",
                 [*WHERE_ZH[:2], "第 1 行引用的组件 kpi_b 不存在", "是否指：kpi_a、line_b"],
                 [*WHERE_EN[:2], "row 1 names widget kpi_b, which does not exist", "did you mean: kpi_a, line_b"],
                 id="layout names a missing widget"),
    pytest.param(board(tabs=[today(["kpi_a", "line_b"]), _tab("notes", [["note"], ["kpi_a"]], "说明", "Notes")]),
                 "dash.widget_twice", [WHERE_ZH[0], WHERE_ZH[2], "出现了 2 次（「今日」第 1 行，「说明」第 2 行）"],
                 [WHERE_EN[0], WHERE_EN[2], 'placed 2 times ("Today" row 1, "Notes" row 2)'], id="widget placed twice"),
    pytest.param(board(tabs=[today(["kpi_a"]), NOTES]), "dash.widget_unplaced",
                 [WHERE_ZH[0], "组件 line_b：没有放在任何标签页里"], [WHERE_EN[0], "widget line_b: is not placed on any tab"],
                 id="widget not placed"),
    pytest.param(with_kpis(9, [*board()["tabs"], *(_tab(f"t{i}", [[f"k{i}"]]) for i in range(9))]),
                 "dash.too_many_tabs", [WHERE_ZH[0], "有 11 个标签页，最多只能有 10 个"],
                 [WHERE_EN[0], "has 11 tabs, at most 10"], id="too many tabs"),
    pytest.param(board(tabs=[today(["kpi_a", "line_b"]), _tab("today", [["note"]], "说明", "Notes")]),
                 "dash.duplicate_tab", [WHERE_ZH[0], "标签页 id「today」出现了 2 次"],
                 [WHERE_EN[0], "tab id 'today' is used 2 times"], id="duplicate tab ids"),
    pytest.param(with_kpis(7, [today(["kpi_a", "line_b"], K[:7]), NOTES]), "dash.row_too_long",
                 [*WHERE_ZH[:2], "第 2 行有 7 个组件，每行最多 6 个"], [*WHERE_EN[:2], "row 2 has 7 widgets"],
                 id="row too long"),
    pytest.param(with_kpis(19, [today(["kpi_a", "line_b"], K[:5], K[5:10], K[10:15], K[15:]), NOTES]),
                 "dash.too_many_widgets", [*WHERE_ZH[:2], "有 21 个组件，每个标签页最多 20 个"],
                 [*WHERE_EN[:2], "has 21 widgets, a tab holds at most 20"], id="too many widgets in a tab"),
    pytest.param(board(tabs=[], widgets={}), "dash.no_tabs", [WHERE_ZH[0], "没有标签页"], [WHERE_EN[0], "has no tabs"],
                 id="no tabs"),
    pytest.param(with_kpi_a(kind="pie"), "dash.invalid_field",
                 [WHERE_ZH[0], WHERE_ZH[2], "widgets.kpi_a.kind — 应为以下之一：'kpi', 'line'"],
                 [WHERE_EN[0], WHERE_EN[2], "widgets.kpi_a.kind — Input should be 'kpi', 'line'"],
                 id="unknown widget kind (pydantic)"),
    pytest.param(with_kpi_a(indicator="aht"), "dash.invalid_field",
                 [WHERE_ZH[2], "widgets.kpi_a.indicator — 不是可用的字段（拼写错误？）"],
                 [WHERE_EN[2], "widgets.kpi_a.indicator — Extra inputs are not permitted"], id="a misspelt field"),
    pytest.param(with_kpi_a(breakdown="team"), "dash.invalid_field",
                 [WHERE_ZH[2], "widgets.kpi_a — 这种组件只显示一个值，不能设分组维度"],
                 [WHERE_EN[2], "widgets.kpi_a — a kpi widget shows one value: no breakdown"],
                 id="a KPI card with a breakdown (model rule)"),
    pytest.param(board(tabs=[today(["kpi_a", "line_b"]), {"id": "notes", "rows": [["note"]]}]), "dash.invalid_field",
                 [WHERE_ZH[0], "标签页「notes」", "tabs.1.title — 缺少此项"],
                 [WHERE_EN[0], 'tab "notes"', "tabs.1.title — Field required"], id="a tab without a title"),
    pytest.param(board(refresh_s=5), "dash.invalid_field", [WHERE_ZH[0], "refresh_s — 应不小于 10"],
                 [WHERE_EN[0], "refresh_s — Input should be greater than or equal to 10"], id="refresh too fast"),
]


@pytest.mark.parametrize("doc, code, zh_parts, en_parts", CASES)
def test_validation_names_the_problem_in_both_languages(doc, code, zh_parts, en_parts):
    exc = problem(doc)
    zh, en = messages(exc)
    assert exc.code == code and len(exc.findings) == 1, [f.message("en") for f in exc.findings]
    assert [p for p in zh_parts if p not in zh] == [], zh
    assert [p for p in en_parts if p not in en] == [], en
    assert not CJK.search(en.replace("服务水平", "")), en  # only the code the user wrote may be Chinese
    assert exc.findings[0].where["dashboard"] == "test_board"


def test_every_problem_is_listed_and_located():
    doc = with_kpi_a(indicators=["nope"]) | {"tabs": [today(["kpi_a", "ghost"])]}
    exc = problem(doc)
    assert [f.code for f in exc.findings] == ["dash.unknown_widget", "dash.widget_unplaced", "dash.widget_unplaced",
                                              "dash.unknown_indicator"]
    assert exc.findings[-1].where == {"dashboard": "test_board", "tab": "today", "widget": "kpi_a"}
    zh, en = messages(exc)
    assert "另有 3 处问题" in zh and "3 more problems" in en and "line_b" in en and "nope" in en
    assert docs.check_dashboard(doc)[0] is None and len(docs.check_dashboard(doc)[1]) == 4


def test_validate_takes_a_model_or_a_dict_and_rechecks_an_edited_model():
    dash = docs.validate(board())
    assert docs.validate(dash) == dash
    dash.tabs[0].rows[0].append("ghost")  # an edit made in place, after construction
    assert problem(dash).code == "dash.unknown_widget"


def test_a_dashboard_of_10_tabs_by_20_widgets_validates_and_11_tabs_do_not():
    widgets = {f"w{t}_{i}": {"kind": "kpi", "indicators": ["offered"]} for t in range(11) for i in range(20)}
    tabs = [_tab(f"t{t}", [[f"w{t}_{i}" for i in range(r, r + 5)] for r in range(0, 20, 5)]) for t in range(11)]
    full = board(widgets={k: v for k, v in widgets.items() if not k.startswith("w10_")}, tabs=tabs[:10])
    dash = docs.validate(full)
    assert len(dash.tabs) == 10 and all(len(t.widget_ids()) == 20 for t in dash.tabs)
    exc = problem(board(widgets=widgets, tabs=tabs))
    assert exc.code == "dash.too_many_tabs" and len(exc.findings) == 1


# ---- the store ----

def test_save_then_load_gives_the_same_document_and_each_save_is_a_new_version(engine):
    first = docs.save_dashboard(engine, board(), actor=LEAD)
    assert (first.version, first.source, first.updated_by, first.is_default) == (1, "store", LEAD.username, False)
    assert docs.load_dashboard(engine, "test_board") == docs.validate(board())
    changed = board(title={"zh": "测试看板二", "en": "Test board 2"}, refresh_s=120)
    assert docs.save_dashboard(engine, changed, actor=ADMIN).version == 2
    assert docs.load_dashboard(engine, "Test board 2") == docs.validate(changed)  # found by its English title
    assert docs.load_dashboard(engine, "测试看板二").refresh_s == 120
    assert [h["version"] for h in docs.dashboard_history(engine, "test_board")] == [1, 2]
    assert [s.id for s in docs.list_dashboards(engine)] == [*DEFAULT_IDS, "test_board"]


def test_restore_saves_an_earlier_version_as_the_newest(engine):
    docs.save_dashboard(engine, board(), actor=ADMIN)
    docs.save_dashboard(engine, board(refresh_s=600), actor=ADMIN)
    restored = docs.restore_dashboard(engine, "test_board", 1, actor=LEAD)
    assert restored.version == 3 and docs.load_dashboard(engine, "test_board").refresh_s == 60
    with pytest.raises(CcdashError) as info:
        docs.restore_dashboard(engine, "test_board", 9, actor=ADMIN)
    assert "没有第 9 版" in info.value.message("zh") and "1、2、3" in info.value.message("zh")
    assert "no version 9" in info.value.message("en") and "1, 2, 3" in info.value.message("en")


def test_a_save_over_a_newer_save_is_refused(engine):
    docs.save_dashboard(engine, board(), actor=LEAD)
    docs.save_dashboard(engine, board(refresh_s=90), actor=ADMIN, base_version=1)
    with pytest.raises(CcdashError) as info:
        docs.save_dashboard(engine, board(refresh_s=30), actor=LEAD, base_version=1)
    assert info.value.code == "dash.conflict"
    assert ADMIN.username in info.value.message("zh") and "version 2" in info.value.message("en")
    assert docs.load_dashboard(engine, "test_board").refresh_s == 90


def test_an_invalid_document_is_not_saved(engine):
    with pytest.raises(DashboardInvalid):
        docs.save_dashboard(engine, with_kpi_a(indicators=["nope"]), actor=ADMIN)
    assert [s.id for s in docs.list_dashboards(engine)] == DEFAULT_IDS


def test_duplicate(engine):
    copy_ = docs.duplicate_dashboard(engine, "运营总览", "my_ops", "我的运营总览", actor=LEAD)
    assert (copy_.id, copy_.version, copy_.title.zh) == ("my_ops", 1, "我的运营总览")
    mine, original = docs.load_dashboard(engine, "my_ops"), docs.load_dashboard(engine, "ops_overview")
    assert mine.widgets == original.widgets and mine.tabs == original.tabs and mine.title.zh == "我的运营总览"
    with pytest.raises(CcdashError) as info:
        docs.duplicate_dashboard(engine, "my_ops", "wall", {"zh": "大屏二", "en": "Wall 2"}, actor=ADMIN)
    assert info.value.code == "dash.exists" and "wall" in info.value.message("en")


def test_defaults_cannot_be_deleted_but_an_override_can_and_the_default_comes_back(engine):
    with pytest.raises(CcdashError) as info:
        docs.delete_dashboard(engine, "ops_overview", actor=ADMIN)
    assert "默认看板，不能删除" in info.value.message("zh") and "cannot be deleted" in info.value.message("en")
    override = docs.load_dashboard(engine, "ops_overview").model_copy(update={"refresh_s": 900})
    saved = docs.save_dashboard(engine, override, actor=ADMIN)
    assert saved.is_default and docs.load_dashboard(engine, "ops_overview").refresh_s == 900
    listed = {s.id: s for s in docs.list_dashboards(engine)}
    assert list(listed) == DEFAULT_IDS and listed["ops_overview"].source == "store"
    back = docs.delete_dashboard(engine, "ops_overview", actor=ADMIN)
    assert back is not None and back.source == "default"
    assert docs.load_dashboard(engine, "ops_overview") == docs.default_dashboards()["ops_overview"]


def test_delete_a_user_dashboard_and_save_it_again(engine):
    docs.save_dashboard(engine, board(), actor=ADMIN)
    assert docs.delete_dashboard(engine, "test_board", actor=ADMIN) is None
    with pytest.raises(CcdashError) as info:
        docs.load_dashboard(engine, "test_board")
    assert info.value.code == "dash.not_found"
    assert docs.save_dashboard(engine, board(), actor=ADMIN).version == 2  # numbering goes on; version 1 is kept


def test_not_found_suggests_the_closest_name(engine):
    with pytest.raises(CcdashError) as info:
        docs.load_dashboard(engine, "ops_overveiw")
    assert "是否指：ops_overview" in info.value.message("zh") and "did you mean: ops_overview" in info.value.message("en")


def test_a_default_copy_can_be_edited_without_changing_the_default():
    dash = docs.load_dashboard(None, "wall")
    dash.tabs[0].rows.append(["kpi_offered"])
    assert docs.load_dashboard(None, "wall").tabs[0].rows[-1] != ["kpi_offered"]


# ---- files ----

def test_export_then_import_gives_the_same_document(engine):
    ops = docs.load_dashboard(engine, "ops_overview")
    data = docs.export_dashboard(ops)
    text = data.decode("utf-8")
    assert "运营总览" in text and "\\u" not in text and text.index("schema_version") < text.index("widgets")
    assert "grain: total" not in text  # defaults are left out
    assert "- [kpi_offered, kpi_answer_rate" in text  # a row on one line
    copy_ = docs.Dashboard.model_validate(yaml.safe_load(text) | {"id": "ops_copy"})
    summary = docs.import_dashboard(engine, docs.export_dashboard(copy_), "运营总览.yaml", actor=LEAD)
    assert summary.id == "ops_copy" and docs.load_dashboard(engine, "ops_copy") == copy_
    notes = docs.export_dashboard(docs.load_dashboard(engine, "agent_performance")).decode("utf-8")
    assert "zh: |" in notes  # a multi-line note as a block
    assert docs.Dashboard.model_validate(yaml.safe_load(notes)) == docs.load_dashboard(engine, "agent_performance")


def test_import_json_gbk_and_version_1(engine):
    as_json = json.dumps(board(), ensure_ascii=False).encode("utf-8")
    assert docs.import_dashboard(engine, as_json, "board.json", actor=ADMIN).version == 1
    as_gbk = docs.export_dashboard(docs.validate(board(refresh_s=120))).decode("utf-8").encode("gb18030")
    assert docs.import_dashboard(engine, as_gbk, "board.yaml", actor=ADMIN).version == 2
    assert docs.load_dashboard(engine, "test_board").refresh_s == 120
    old = (GOLDEN / "v1_team_daily.yaml").read_bytes()
    assert docs.import_dashboard(engine, old, "old.yaml", actor=ADMIN).id == "team_daily"
    assert docs.load_dashboard(engine, "班组日看板").tabs[0].rows[0] == ["kpi_offered", "kpi_answer_rate",
                                                                       "kpi_service_level"]


@pytest.mark.parametrize("data, name, zh, en", [
    (b"", "a.yaml", "文件是空的", "the file is empty"),
    (b"schema_version: 2\ntabs: [unclosed\n", "a.yaml", "第 3 行第 1 列", "line 3, column 1"),
    (b'{"schema_version": 2,', "a.json", "第 1 行", "syntax error at line 1"),
    (b"- a\n- b\n", "a.yaml", "不是一个看板文档", "does not hold a dashboard document"),
    (b"\xff\xfe\x00\x81", "a.yaml", "编码无法识别", "encoding is not recognised"),
    (b"#" * (3 * 1024 * 1024), "a.yaml", "文件太大", "over 2 MB"),
])
def test_a_broken_file_gets_one_clear_message(engine, data, name, zh, en):
    with pytest.raises(CcdashError) as info:
        docs.import_dashboard(engine, data, name, actor=ADMIN)
    assert info.value.code == "dash.bad_file"
    assert zh in info.value.message("zh") and name in info.value.message("zh")
    assert en in info.value.message("en") and not CJK.search(info.value.message("en"))


def test_an_imported_document_is_validated(engine):
    data = docs.export_dashboard(docs.Dashboard.model_validate(with_kpi_a(indicators=["nope"])))
    with pytest.raises(DashboardInvalid) as info:
        docs.import_dashboard(engine, data, "x.yaml", actor=ADMIN)
    assert "nope" in info.value.message("en") and [s.id for s in docs.list_dashboards(engine)] == DEFAULT_IDS


# ---- the migration chain ----

GOLDEN_PAIRS = sorted(GOLDEN.glob("v1_*.yaml"))


def test_there_are_golden_files_for_every_step():
    steps = {int(re.match(r"v(\d+)_", p.name).group(1)) for p in GOLDEN.glob("v*_*.yaml")}
    assert steps == set(MIGRATIONS)
    assert len(GOLDEN_PAIRS) >= 3


@pytest.mark.parametrize("path", GOLDEN_PAIRS, ids=lambda p: p.stem)
def test_migration_golden(path: Path):
    old = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = copy.deepcopy(old)
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    assert docs.migrate(old) == expected
    assert old == kept  # the input is not changed
    assert docs.validate(old) == docs.Dashboard.model_validate(expected)


def test_the_v1_row_rule():
    kpi = {"kind": "kpi", "indicator": "offered"}
    line = {"kind": "line", "indicator": "aht", "grain": "day"}
    doc = {"schema_version": 1, "id": "x", "title": "X", "tabs": [{"title": "T", "widgets": [
        kpi, kpi, kpi, kpi, line, line, line, kpi]}]}
    rows = docs.migrate(doc)["tabs"][0]["rows"]
    assert rows == [["kpi_offered", "kpi_offered_2", "kpi_offered_3"], ["kpi_offered_4"],
                    ["line_aht", "line_aht_2"], ["line_aht_3"], ["kpi_offered_5"]]


@pytest.mark.parametrize("doc, code, zh, en", [
    ({"id": "old", "tabs": []}, "dash.no_version", "没有写 schema_version", "has no schema_version"),
    ({"schema_version": 3, "id": "future"}, "dash.newer_version", "比本程序认识的版本 2 新", "newer than the version"),
    ({"schema_version": "two", "id": "odd"}, "dash.bad_version", "无法识别", "unknown schema_version 'two'"),
    ({"schema_version": 1, "id": "bad", "tabs": "今日"}, "dash.bad_shape", "tabs 应为列表", "tabs should be a list"),
    ({"schema_version": 1, "id": "bad", "tabs": [{"title": "T", "widgets": ["kpi"]}]}, "dash.bad_shape",
     "tabs[0].widgets[0] 应为", "tabs[0].widgets[0] should be a mapping"),
])
def test_a_document_in_an_unknown_version_is_refused_clearly(doc, code, zh, en):
    with pytest.raises(CcdashError) as info:
        docs.validate(doc)
    assert info.value.code == code
    assert zh in info.value.message("zh") and en in info.value.message("en")
    assert (doc.get("id") or "") in info.value.message("en")


# ---- docs ----

def test_every_document_field_is_documented():
    text = (ROOT / "docs" / "dashboards.md").read_text(encoding="utf-8")
    for part in (model.Dashboard, model.Tab, model.Widget, model.Period, model.Filters, model.Threshold,
                 model.WidgetOptions):
        missing = [name for name in part.model_fields if f"`{name}`" not in text]
        assert missing == [], f"{part.__name__}: document {missing} in docs/dashboards.md"
