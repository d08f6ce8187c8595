"""The tab snapshot (PNG) through the CLI, and the copy-summary text, on the hand-checked small store."""

from __future__ import annotations

import datetime as dt

from ccdash.cli import main
from ccdash.dashboards.data import widget_data
from ccdash.dashboards.model import Dashboard, Tab, Text, Widget, WidgetOptions
from ccdash.dashboards.summary import tab_summary

D2 = dt.date(2026, 3, 3)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_cli_snapshot_writes_the_tab_png(small_store, tmp_path, capsys):
    url = small_store.url.render_as_string(hide_password=False)
    out = tmp_path / "ops.png"
    assert main(["--db", url, "snapshot", "--dashboard", "运营总览", "--tab", "今日概况", "--date", "2026-03-03",
                 "--out", str(out)]) == 0
    width, height = png_size(out.read_bytes())
    assert width >= 2 * 1400 and height >= 2 * 500  # 2× scale, the whole tab (two rows of widgets)
    assert "ops.png" in capsys.readouterr().out
    assert main(["--db", url, "--lang", "en", "snapshot", "--dashboard", "ops_overview", "--tab", "nope",
                 "--out", str(tmp_path / "x.png")]) == 2
    assert "has no tab “nope”" in capsys.readouterr().err
    assert main(["--db", url, "snapshot", "--dashboard", "no_such", "--out", str(tmp_path / "y.png")]) == 2
    assert main(["--db", url, "snapshot", "--dashboard", "ops_overview", "--date", "3/3", "--out", str(out)]) == 2


def test_summary_lists_kpi_values_with_target_and_previous(small_store):
    dash = Dashboard(id="d", title=Text(zh="班组日看板", en="Team daily"), widgets={
        "a": Widget(kind="kpi", indicators=["answer_rate"], options=WidgetOptions(compare=["target", "previous"])),
        "b": Widget(kind="kpi", indicators=["offered"]),
        "c": Widget(kind="bar", indicators=["aht"], breakdown="agent"),
    }, tabs=[Tab(id="t", title=Text(zh="今日", en="Today"), rows=[["a", "b"], ["c"]])])
    data = {w: widget_data(small_store, dash.widgets[w], D2, lang) for w, lang in (("a", "zh"), ("b", "zh"), ("c", "zh"))}
    text = tab_summary(dash, dash.tabs[0], data, "zh").splitlines()
    # Day 2 (hand-checked): C006–C008 answered, C009 ignored → 3 offered, 3 answered → 100.0 %;
    # day 1: C001, C002, C004 answered, C003, C005 abandoned → 3/5 = 60.0 %; the catalog's target is 90 %
    assert text[0].startswith("【班组日看板 · 今日】2026-03-03")
    assert text[1] == "接通率 100.0%（目标 90.0% ✓，较上期 +40.0%）"
    assert text[2] == "进线量 3（较上期 -2）"
    assert len(text) == 3  # the bar chart has no KPI value
