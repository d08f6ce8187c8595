"""Report workbooks (ccdash/reports.py): read back with openpyxl and checked against hand-worked values.

The small store (tests/conftest.py; every value worked out in tests/test_indicators_by_hand.py):
day 1 = 2026-03-02 (C001–C005), day 2 = 2026-03-03 (C006–C008; C009 is a 测试 call, ignored).
Roster: A01 张三 team T1, A02 李四 team T2. Agent states: A01 8 h + 8 h, A02 4 h + 8 h logged in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys

import openpyxl
import pytest

from ccdash.indicators.catalog import load_catalog
from ccdash.indicators.compute import query, wide
from ccdash.reports import (DEFAULT_INDICATORS, build_report, period_dates, previous_dates, report_filename)
from ccdash.reports_io import STATUS_FILLS, safe_cell, write_xlsx
from tests.conftest import CJK, ROOT
from tests.actors import ADMIN

D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
NOW = dt.datetime(2026, 3, 4, 8, 30)
HEADER = 7  # rows 1–5 title block, row 6 note, row 7 the header
SHEETS = {"zh": ["汇总", "按班组", "按坐席", "按技能组", "指标说明"],
          "en": ["Summary", "By team", "By agent", "By queue", "Definitions"]}
GREEN, RED, AMBER = (STATUS_FILLS[s][0] for s in ("good", "critical", "warning"))

# Day 2 (2026-03-03) by hand: C006 (Q1, A01, wait 15, 300+20+40 s), C007 (Q2, A02, wait 60, 120+0+0 s),
# C008 (Q2, A02, wait 25, 80+0+20 s); resolved yes, blank, yes; satisfaction blank, 4, 5.
DAY2 = {
    "offered": 3, "answered": 3,
    "answer_rate": 3 / 3,
    "abandon_rate": 0 / 3,
    "service_level": 1 / 3,                      # only C006 waited ≤ 20 s
    "asa": (15 + 60 + 25) / 3,                   # 33.3 s
    "aht": (360 + 120 + 100) / 3,                # 580 / 3 = 193.3 s
    "avg_talk": (300 + 120 + 80) / 3,
    "transfer_rate": 0 / 3,
    "repeat_rate": 0 / 3,
    "resolution_rate": 2 / 2,
    "csat_rate": 2 / 2,                          # scores 4 and 5, both satisfied
    "cph": 3 / ((28800 + 28800) / 3600),         # 3 handled over 16 logged-in hours
    "utilization": (320 + 40 + 200 + 20) / (28800 + 28800),
    "handled_per_agent": 3 / 2,                  # 3 handled over 2 agent-days
}
# Day 1 (2026-03-02): 5 offered, 3 answered (waits 10, 30, 5), 2 abandoned (waits 4, 40); handle 420 s.
DAY1 = {
    "offered": 5, "answered": 3,
    "answer_rate": 3 / 5,
    "abandon_rate": 2 / 5,
    "service_level": 2 / 5,                      # C001 (10 s) and C004 (5 s) over answered + abandoned
    "asa": (10 + 30 + 5) / 3,
    "aht": 420 / 3,                              # (100+0+20) + (200+10+30) + (50+0+10)
    "avg_talk": (100 + 200 + 50) / 3,
    "transfer_rate": 1 / 3,                      # C002
    "repeat_rate": 2 / 3,                        # callers …001 and …002 called again within 24 h
    "resolution_rate": 2 / 3,
    "csat_rate": 1 / 3,                          # scores 5, 3, 1
    "cph": 3 / ((28800 + 14400) / 3600),         # 3 handled over 12 h
    "utilization": (300 + 50 + 50 + 10) / (28800 + 14400),
    "handled_per_agent": 3 / 2,
}


def book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(ws, header_row: int = HEADER) -> list[dict]:
    """The body rows under the header as dicts keyed by the header text."""
    head = [c.value for c in ws[header_row]]
    return [dict(zip(head, (c.value for c in row))) for row in ws.iter_rows(min_row=header_row + 1)]


def cells(ws, header_row: int = HEADER) -> dict[str, list]:
    """Each body row's cells keyed by the first column's text."""
    return {row[0].value: row for row in ws.iter_rows(min_row=header_row + 1)}


@pytest.fixture
def day2(small_store) -> openpyxl.Workbook:
    return book(build_report(small_store, "day", D2, "zh", generated_at=NOW))


def test_periods_and_previous_periods():
    assert period_dates("day", D2) == (D2, D2) and previous_dates("day", D2) == (D1, D1)
    # 2026-03-04 is a Wednesday: its ISO week is Monday 03-02 … Sunday 03-08; the week before 02-23 … 03-01
    assert period_dates("week", dt.date(2026, 3, 4)) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert previous_dates("week", dt.date(2026, 3, 4)) == (dt.date(2026, 2, 23), dt.date(2026, 3, 1))
    # a month is the calendar month; the month before March 2026 is the whole of February (28 days)
    assert period_dates("month", D2) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert previous_dates("month", D2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert previous_dates("month", dt.date(2026, 1, 31)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert report_filename("week", D2) == "周报_2026-W10.xlsx"
    assert report_filename("month", D2, "en") == "monthly_report_2026-03.xlsx"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sheet_names_and_title_block_per_language(small_store, lang):
    wb = book(build_report(small_store, "day", D2, lang, generated_at=NOW))
    assert wb.sheetnames == SHEETS[lang]
    for ws in wb:
        title = [ws.cell(r, 1).value for r in range(1, 6)]
        assert title[0].startswith("呼叫中心运营日报" if lang == "zh" else "Contact center daily report")
        assert "2026-03-03" in title[1] and "2026-03-02" in title[2]  # the period, the previous period
        assert "2026-03-04 08:30" in title[3]  # generated at
        assert "2026-03-03 11:00:00" in title[4]  # data as of: the newest call (C009, 11:30, is ignored)
    summary = wb[SHEETS[lang][0]]
    assert [c.value for c in summary[HEADER]][:3] == (["指标", "本期", "目标"] if lang == "zh" else
                                                      ["Indicator", "This period", "Target"])


def test_the_english_workbook_has_no_chinese_label(small_store):
    wb = book(build_report(small_store, "week", D2, "en", generated_at=NOW))
    for ws in wb:
        names = [c.column for c in ws[HEADER] if c.value == "Name" and ws.title == "By agent"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.column not in names]
        assert not [x for x in texts if CJK.search(x)], ws.title  # only the roster's names are Chinese
    assert {r["Name"] for r in table(wb["By agent"])} >= {"张三", "李四"}


def test_summary_values_equal_the_hand_computed_numbers(day2):
    catalog = load_catalog()
    rows = {r["指标"]: r for r in table(day2["汇总"])}
    assert list(rows) == [catalog.indicators[c].name.zh for c in DEFAULT_INDICATORS]
    for code, value in DAY2.items():
        assert rows[catalog.indicators[code].name.zh]["本期"] == pytest.approx(value), code
    aht = rows["平均处理时长"]
    assert aht["目标"] == 300 and aht["与目标差"] == pytest.approx(580 / 3 - 300)  # −106.7 s: better
    assert aht["状态"] == "达标"
    assert rows["服务水平"]["状态"] == "未达标"  # 33.3 % < 80 % × 0.95
    assert rows["平均通话时长"]["状态"] is None  # neutral, no target: no status


def test_previous_period_column_of_the_day_report_is_the_day_before(day2):
    catalog = load_catalog()
    rows = {r["指标"]: r for r in table(day2["汇总"])}
    for code, value in DAY1.items():
        row = rows[catalog.indicators[code].name.zh]
        assert row["上期"] == pytest.approx(value), code
        assert row["变化"] == pytest.approx(DAY2[code] - value), code
    assert rows["进线量"]["变化率"] == pytest.approx((3 - 5) / 5)  # −40 %
    assert rows["接通率"]["变化率"] is None  # a rate's change is already in points: no relative change


def test_by_team_and_by_agent_sheets(day2):
    team = {r["班组"]: r for r in table(day2["按班组"])}
    assert list(team) == ["T1", "T2", "合计"]  # the total row sits below the filtered rows
    # T1 = A01: C006 only (handle 300+20+40 = 360 s over 8 logged-in hours); T2 = A02: C007, C008
    assert team["T1"]["接通量"] == 1 and team["T2"]["接通量"] == 2
    assert team["T1"]["平均处理时长（秒）"] == pytest.approx(360)
    assert team["T2"]["平均处理时长（秒）"] == pytest.approx((120 + 100) / 2)
    assert team["T2"]["平均应答速度（秒）"] == pytest.approx((60 + 25) / 2)
    assert team["T1"]["每小时处理量（/小时）"] == pytest.approx(1 / 8)
    assert team["T2"]["每小时处理量（/小时）"] == pytest.approx(2 / 8)
    assert team["合计"]["平均处理时长（秒）"] == pytest.approx(580 / 3)  # ratio of sums, not (360 + 110) / 2
    agent = table(day2["按坐席"])
    assert [(r["工号"], r["姓名"], r["班组"]) for r in agent] == [("A01", "张三", "T1"), ("A02", "李四", "T2"),
                                                               ("合计", None, None)]
    assert agent[0]["工时利用率"] == pytest.approx((320 + 40) / 28800)
    assert agent[1]["工时利用率"] == pytest.approx((200 + 20) / 28800)
    assert agent[1]["满意率"] == pytest.approx(2 / 2)


def test_by_queue_shows_a_dash_for_agent_state_indicators(day2):
    queue = {r["技能组"]: r for r in table(day2["按技能组"])}
    assert queue["Q1"]["进线量"] == 1 and queue["Q2"]["进线量"] == 2  # C009 (Q2) is a 测试 call
    for q in ("Q1", "Q2"):
        assert queue[q]["工时利用率"] == "—" and queue[q]["每小时处理量（/小时）"] == "—"
    assert queue["Q2"]["人均接听量"] == pytest.approx(2 / 1)  # 2 handled by A02 on 1 agent-day


def test_number_formats_frozen_panes_and_filters(day2):
    summary = day2["汇总"]
    assert summary.freeze_panes == "B8" and summary.auto_filter.ref.startswith("A7:")
    row = cells(summary)
    assert row["接通率"][1].number_format == "0.0%"
    assert row["平均处理时长"][1].number_format == "0.0"
    assert row["进线量"][1].number_format == "#,##0"
    assert row["人均接听量"][1].number_format == "#,##0.0"
    assert row["每小时处理量"][1].number_format == "0.00"
    assert row["平均处理时长"][3].number_format.startswith("+0.0;-0.0")  # vs target is signed
    assert day2["按坐席"].freeze_panes == "D8"  # id, name and team stay in view
    assert day2["按班组"].freeze_panes == "B8" and day2["按班组"].auto_filter.ref == "A7:P9"  # not the total row
    for ws in day2:
        assert ws.column_dimensions["A"].width >= 8
        assert ws.cell(HEADER, 1).font.b


def test_status_fills_follow_the_dashboard_rule(small_store):
    wb = book(build_report(small_store, "day", D2, "zh", generated_at=NOW))
    row = cells(wb["汇总"])
    assert row["服务水平"][1].fill.fgColor.rgb.endswith(RED)  # 33.3 % vs target 80 %
    assert row["平均应答速度"][1].fill.fgColor.rgb.endswith(RED)  # 33.3 s vs 20 s (lower is better)
    assert row["接通率"][1].fill.fgColor.rgb.endswith(GREEN)
    assert row["平均通话时长"][1].fill.fill_type is None  # neutral
    team = cells(wb["按班组"])
    assert team["T1"][7].fill.fgColor.rgb.endswith(RED)  # T1's AHT 360 s > 300 × 1.05
    assert team["T2"][7].fill.fgColor.rgb.endswith(GREEN)  # 110 s
    # a target just above the value: 100 % vs 102 % is worse by 2 points, within 5 % of the target → amber
    catalog = load_catalog()
    ind = catalog.indicators["answer_rate"].model_copy(update={"target": 1.02})
    amber = catalog.model_copy(update={"indicators": {**catalog.indicators, "answer_rate": ind}})
    row = cells(book(build_report(small_store, "day", D2, "zh", catalog=amber))["汇总"])
    assert row["接通率"][1].fill.fgColor.rgb.endswith(AMBER) and row["接通率"][7].value == "接近目标"


def _malicious_roster(tmp_path):
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["工号", "姓名", "班组", "班组长"])
        writer.writerow(["A01", '=HYPERLINK("http://x","y")', "+T1", "王组长"])
        writer.writerow(["A02", "@SUM(A1)", "-T2", "赵组长"])
    return path


def test_text_that_looks_like_a_formula_stays_text(small_store, tmp_path):
    from ccdash.ingest.pipeline import import_file
    outcome = import_file(small_store, _malicious_roster(tmp_path), "roster", actor=ADMIN)
    assert outcome.prepared.ok, [f.message("en") for f in outcome.prepared.findings]
    wb = book(build_report(small_store, "week", D2, "en", generated_at=NOW))
    agents = table(wb["By agent"])
    # the exact text, stored as text with Excel's quote prefix (what typing a leading ' does)
    assert [(r["Name"], r["Team"]) for r in agents[:2]] == [("=HYPERLINK(\"http://x\",\"y\")", "+T1"),
                                                          ("@SUM(A1)", "-T2")]
    assert [r["Team"] for r in table(wb["By team"])][:2] == ["+T1", "-T2"]
    for ws in wb:  # no cell anywhere is a formula
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title


def test_safe_cell_and_the_plain_writer_still_work():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@x") == "'@x" and safe_cell("-2") == "'-2"
    assert safe_cell("张三") == "张三" and safe_cell(-2) == -2  # a negative number is not text
    import pandas as pd
    wb = book(write_xlsx({"rejects": pd.DataFrame({"名称": ["=cmd", "a\x07b"], "n": [1, 2]})}))
    cells = list(wb["rejects"]["A"])
    assert [c.value for c in cells] == ["名称", "=cmd", "ab"] and wb["rejects"].freeze_panes == "A2"  # control chars go
    assert cells[1].data_type == "s" and cells[1].quotePrefix and not cells[2].quotePrefix


@pytest.mark.parametrize("lang, text", [("zh", "没有数据"), ("en", "No data for this period")])
def test_an_empty_period_says_so(small_store, lang, text):
    wb = book(build_report(small_store, "day", dt.date(2026, 3, 10), lang, generated_at=NOW))
    summary = wb[SHEETS[lang][0]]
    assert text in summary.cell(6, 1).value
    values = [r["本期" if lang == "zh" else "This period"] for r in table(summary)]
    assert values == ["—"] * len(DEFAULT_INDICATORS)
    for name in SHEETS[lang][1:4]:
        assert text in wb[name].cell(6, 1).value and table(wb[name]) == []


def test_an_empty_store_gives_a_report_too(engine):
    wb = book(build_report(engine, "month", D2, "en"))
    assert "No data" in wb["Summary"].cell(6, 1).value and "no data" in wb["Summary"].cell(5, 1).value


def test_definitions_say_the_formula_in_words(day2):
    rows = {r["代码"]: r for r in table(day2["指标说明"])}
    assert list(rows) == list(DEFAULT_INDICATORS)
    assert rows["answer_rate"]["分子"] == "接通量" and rows["answer_rate"]["分母"] == "进线量"
    assert rows["aht"]["计算方法"] == "统计期内 (通话时长 + 保持时长 + 话后处理时长) 之和 ÷ 处理量 之和"
    assert rows["service_level"]["分子"] == "20秒内接通量"  # the default threshold written in
    assert rows["abandon_rate"]["分子"] == "放弃量"  # no short abandons excluded by default: no "− 0"
    assert rows["asa"]["方向"] == "越低越好" and rows["asa"]["目标"] == 20
    assert rows["utilization"]["备注"] and rows["offered"]["备注"] is None


def test_unknown_period_or_indicator_is_a_clear_error(small_store):
    from ccdash.findings import CcdashError
    with pytest.raises(CcdashError) as err:
        build_report(small_store, "quarter", D2)
    assert "day" in err.value.message("en")
    wb = book(build_report(small_store, "day", D2, "zh", indicators=["接通率", "aht"]))
    assert [r["指标"] for r in table(wb["汇总"])] == ["接通率", "平均处理时长"]


# --- the command line -----------------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccdash", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_writes_the_report(small_store, tmp_path):
    url = small_store.url.render_as_string(hide_password=False)
    out = tmp_path / "sub" / "day.xlsx"
    done = run("--db", url, "report", "--period", "day", "--date", "2026-03-03", "--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "Saved" in done.stdout and "2026-03-03" in done.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS["en"]
    assert {r["Indicator"]: r["This period"] for r in table(wb["Summary"])}["Offered"] == 3


@pytest.mark.parametrize("args, lang, text", [
    (["--date", "2026-13-01"], "zh", "日期 2026-13-01 的格式应为 YYYY-MM-DD"),
    (["--date", "yesterday"], "en", "Date yesterday should look like YYYY-MM-DD"),
    (["--date", "2026-03-03", "--period", "quarter"], "en", "Report period quarter is not valid"),
])
def test_cli_bad_input_is_one_clear_message_and_exit_2(tmp_path, args, lang, text):
    argv = ["--db", f"sqlite:///{tmp_path / 'r.db'}", "report", "--period", "day", "--out", str(tmp_path / "r.xlsx"),
            *args, "--lang", lang]
    done = run(*argv)
    assert done.returncode == 2 and text in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "r.xlsx").exists()


# --- the sample month ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_store(sample_url):
    """The sample month (the run's shared store, tests/conftest.py): the reports only read it."""
    from ccdash.store.db import make_engine
    eng = make_engine(sample_url)
    yield eng
    eng.dispose()


def test_weekly_and_monthly_reports_on_the_sample_month(sample_store):
    codes = list(DEFAULT_INDICATORS)
    month = book(build_report(sample_store, "month", dt.date(2026, 10, 15), "zh"))
    want = wide(query(sample_store, codes, "2026-10-01", "2026-10-31", "total")).iloc[0]
    got = {r["指标"]: r for r in table(month["汇总"])}
    catalog = load_catalog()
    for code in codes:
        assert got[catalog.indicators[code].name.zh]["本期"] == pytest.approx(want[code]), code
        assert got[catalog.indicators[code].name.zh]["上期"] == "—"  # no September in the sample
    agents = table(month["按坐席"])
    n_agents = len(query(sample_store, ["handled"], "2026-10-01", "2026-10-31", "total", "agent")
                   .query("agent != ''"))
    assert len(agents) - 1 >= n_agents >= 50  # every agent with calls, plus the total row
    assert all(r["姓名"] for r in agents[:n_agents])  # names from the roster
    teams = [r["班组"] for r in table(month["按班组"])]
    assert teams[-1] == "合计" and len(teams) >= 3
    queue = table(month["按技能组"])
    assert all(r["工时利用率"] == "—" for r in queue[:-1]) and queue[-1]["工时利用率"] != "—"

    week = book(build_report(sample_store, "week", dt.date(2026, 10, 15), "en"))  # Mon 10-12 … Sun 10-18
    rows = {r["Indicator"]: r for r in table(week["Summary"])}
    this = wide(query(sample_store, ["offered", "aht"], "2026-10-12", "2026-10-18", "total")).iloc[0]
    before = wide(query(sample_store, ["offered", "aht"], "2026-10-05", "2026-10-11", "total")).iloc[0]
    assert rows["Offered"]["This period"] == this["offered"] and rows["Offered"]["Previous period"] == before["offered"]
    assert rows["AHT"]["Change"] == pytest.approx(this["aht"] - before["aht"])
    assert "2026-10-12 ~ 2026-10-18" in week["Summary"].cell(2, 1).value
    assert week["Summary"].cell(6, 1).value is None  # a complete week: no note


def test_the_monthly_workbook_opens_in_libreoffice(sample_store, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("CCDASH_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here (CCDASH_REQUIRE_LIBREOFFICE) but not installed")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    path = tmp_path / "month.xlsx"
    path.write_bytes(build_report(sample_store, "month", dt.date(2026, 10, 15), "zh"))
    done = subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and (tmp_path / "month.pdf").stat().st_size > 10_000, done.stderr


def test_custom_indicators_are_in_the_report(small_store):
    from ccdash.indicators.custom import save_custom
    save_custom(small_store, "my_rate", "我的接通率", "My answer rate", "接通量 / 进线量", direction="higher", target=0.9,
                actor=ADMIN)
    book = openpyxl.load_workbook(io.BytesIO(build_report(small_store, "day", dt.date(2026, 3, 3), "en")))
    names = [book["Summary"].cell(r, 1).value for r in range(1, book["Summary"].max_row + 1)]
    assert "My answer rate" in names  # after the default indicators
    defs = [book["Definitions"].cell(r, 1).value for r in range(1, book["Definitions"].max_row + 1)]
    assert "my_rate" in defs


def test_the_centers_stored_target_is_the_reports_target(small_store):
    from ccdash.indicators.targets import set_target
    set_target(small_store, "answer_rate", 0.5, actor=ADMIN)
    book = openpyxl.load_workbook(io.BytesIO(build_report(small_store, "day", dt.date(2026, 3, 2), "en")))
    sheet = book["Summary"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Answer rate")
    header = next(r for r in range(1, row) if sheet.cell(r, 1).value and sheet.cell(r, 2).value and
                  any(sheet.cell(r, c).value == "Target" for c in range(1, sheet.max_column + 1)))
    col = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(header, c).value == "Target")
    assert sheet.cell(row, col).value == 0.5  # 3/5 = 60 % now meets the target
