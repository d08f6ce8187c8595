"""Every .xlsx/.csv ccdash writes keeps text that a spreadsheet would run as a formula as text (issue 6, point 7).

Hostile text enters the store the way an attacker would put it there — an agent's name and team in the roster,
a queue and a business type in the calls export, an inspector and an item in another system's QA scores, a
custom indicator's name, a user name typed at the sign-in — and every export path writes a real file that is
read back: with openpyxl (no cell is a formula; the text is the original, stored as a quote-prefixed string)
and with the csv module (every such cell starts with an apostrophe). Numbers stay numbers throughout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tokenize
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ccdash import explorer as ex
from ccdash.indicators.custom import catalog_with_custom, save_custom
from ccdash.ingest.clean import rejects_table
from ccdash.ingest.pipeline import import_file
from ccdash.reports_io import (Cell, Formula, Sheet, safe_cell, to_csv_bytes, to_csv_text, write_formatted_xlsx,
                               write_xlsx)
from tests.actors import ADMIN
from tests.conftest import CALL_HEADERS, ROOT, D1, D2, at

LINK = '=HYPERLINK("http://evil","x")'
HOSTILE = [LINK, "@SUM(A1:A2)", "+1+1", "-2+3", "\t=1+1", "\uff1d1+1", "\r=1+1"]
# what a spreadsheet may run (kept here on purpose, not imported: the test must not share the code's list)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def shown(text: str) -> str:
    """The text as an .xlsx gives it back: XML reads a carriage return as a line feed."""
    return text.replace("\r", "\n")


def check_xlsx(data: bytes, expected, formulas: tuple = ()) -> list:
    """The cells of an .xlsx after checking it: no formula anywhere (but the app's own ``formulas``), every
    text a spreadsheet would run stored as a quote-prefixed string, each ``expected`` text there as it was."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert [c.value for c in cells if c.data_type == "f"] == list(formulas)
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS) and c.data_type != "f"]
    assert [(c.coordinate, c.value) for c in risky if c.data_type != "s" or not c.quotePrefix] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert [h for h in expected if shown(h) not in texts] == []
    return cells


def check_csv(data: bytes | str, expected) -> list[list[str]]:
    """The rows of a CSV after checking it: no cell starts like a formula unless it is a number, and each
    ``expected`` text is there with an apostrophe in front."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    flat = [cell for row in rows for cell in row]
    assert [c for c in flat if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)] == []
    assert [h for h in expected if "'" + h not in flat] == []
    return rows


def numbers(cells) -> list[float]:
    return [c.value for c in cells if c.data_type == "n" and isinstance(c.value, (int, float))]


# --- the writers themselves ----------------------------------------------------------------------------------


def test_safe_cell_escapes_only_text_that_would_run():
    assert [safe_cell(h) for h in HOSTILE] == ["'" + h for h in HOSTILE]
    assert [safe_cell(v) for v in ("张三", "A01", " =1", "a=b", "", None, -5, -2.5, 0)] == [
        "张三", "A01", " =1", "a=b", "", None, -5, -2.5, 0]
    assert safe_cell("-5") == "'-5"  # "-5" in a text column is text
    assert safe_cell(Formula("=SUM(B2:B3)")) == "=SUM(B2:B3)"  # the app's own formula is not untrusted


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"name": HOSTILE, "code": ["-5", "A01", "\x01=1", "y", "z", "w", "v"],
                         "value": [-5, 3, 0, -1, 2, 7, 1], "rate": [-2.5, 0.5, float("nan"), 1, 2, 3, 4],
                         "mixed": ["=1", 4, None, -3, "ok", 1.5, "@x"], LINK: range(7)})


def test_plain_workbook_and_csv_keep_text_and_numbers(tmp_path):
    frame = hostile_frame()
    path = tmp_path / "plain.xlsx"
    write_xlsx({"=bad:sheet?": frame}, path)
    cells = check_xlsx(path.read_bytes(), [*HOSTILE, "-5", "=1", "@x"])
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.title == "=bad_sheet_" and ws["F1"].value == LINK and ws["F1"].quotePrefix  # a header too
    assert [ws.cell(r, 3).value for r in range(2, 9)] == [-5, 3, 0, -1, 2, 7, 1]  # negative numbers are numbers
    assert ws["D2"].value == -2.5 and ws["D4"].value is None and ws["B2"].data_type == "s"
    assert ws["B4"].value == "=1" and ws["B4"].quotePrefix  # a control character an .xlsx cannot hold goes
    assert [ws.cell(r, 5).value for r in (3, 5, 7)] == [4, -3, 1.5]  # numbers in a mixed column stay numbers
    assert len(numbers(cells)) > 20
    for data in (to_csv_bytes(frame), to_csv_text(frame).encode()):
        rows = check_csv(data, [*HOSTILE, "-5", "=1", "@x"])
        assert rows[0][-1] == "'" + LINK and [r[2] for r in rows[1:]] == ["-5", "3", "0", "-1", "2", "7", "1"]
        assert rows[1][:2] == ["'" + LINK, "'-5"] and rows[4][4] == "-3"  # a negative number stays a number
    assert to_csv_bytes(frame).startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese text as UTF-8


def test_formatted_workbook_keeps_text_and_the_apps_own_formulas():
    sheet = Sheet(LINK, [HOSTILE[1], "标题"], ["名称", HOSTILE[2]], note=HOSTILE[3],
                  rows=[[Cell(h), Cell(-1.5, "0.0%"), i] for i, h in enumerate(HOSTILE)],
                  footer=[["合计", Formula("=SUM(B5:B11)"), -7]])
    data = write_formatted_xlsx([sheet])
    cells = check_xlsx(data, HOSTILE, formulas=("=SUM(B5:B11)",))  # only the app's own formula is one
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["B12"].data_type == "f" and ws["A5"].value == LINK and ws["A1"].value == HOSTILE[1]
    assert ws.title == '=HYPERLINK("http___evil","x")'  # Excel refuses : and / in a sheet name
    assert ws["B5"].value == -1.5 and ws["B5"].number_format == "0.0%" and ws["C12"].value == -7
    assert len(numbers(cells)) == 7 + 7 + 1


# --- the store: hostile text where an attacker can put it ----------------------------------------------------


def write_csv(path: Path, headers: list, rows: list) -> Path:
    """A real CSV upload (a CSV keeps formula-like text as text, unlike an .xlsx written by openpyxl)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


CALLS = [  # two more days of calls in hostile queues and business types, answered by A01 and A02
    ["H001", "13900000011", HOSTILE[5], "A01", LINK, at(D1, 14, 0), 12, "0:02:00", 0, 20, "接通", "否", "是", 5],
    ["H002", "13900000012", HOSTILE[4], "A02", HOSTILE[6], at(D1, 14, 5), 8, "0:01:00", 0, 10, "接通", "否", "是", 4],
    ["H003", "13900000013", HOSTILE[5], "A01", LINK, at(D2, 14, 0), 30, "0:03:00", 5, 30, "接通", "是", "否", 2],
]


@pytest.fixture
def hostile_store(small_store, tmp_path):
    """The hand-checked store with hostile names, teams, queues, business types and a custom indicator."""
    roster = write_csv(tmp_path / "roster.csv", ["工号", "姓名", "班组", "班组长"],
                       [["A01", LINK, HOSTILE[1], "王组长"], ["A02", HOSTILE[2], HOSTILE[3], "赵组长"]])
    calls = write_csv(tmp_path / "calls.csv", CALL_HEADERS,
                      [[v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in row] for row in CALLS])
    for path, kind in ((roster, "roster"), (calls, "calls")):
        outcome = import_file(small_store, path, kind, actor=ADMIN)
        assert outcome.prepared.ok, [f.message("en") for f in outcome.prepared.findings]
    save_custom(small_store, "evil_rate", LINK, "@SUM(A1:A2)", "answered / offered", actor=ADMIN)
    return small_store


# what the store keeps of the hostile text (a leading tab or CR is trimmed on import, leaving "=1+1")
NAMES, TEAMS = [LINK, "+1+1"], ["@SUM(A1:A2)", "-2+3"]
QUEUES, BTYPES = [HOSTILE[5], "=1+1"], [LINK, "=1+1"]


def test_report_workbooks(hostile_store, tmp_path):
    from ccdash.reports import DEFAULT_INDICATORS, build_report
    catalog = catalog_with_custom(hostile_store)
    for lang in ("zh", "en"):
        data = build_report(hostile_store, "week", D2, lang, catalog=catalog,
                            indicators=[*DEFAULT_INDICATORS, "evil_rate"], generated_at=dt.datetime(2026, 3, 9, 8))
        cells = check_xlsx(data, [*NAMES, *TEAMS, *QUEUES, LINK if lang == "zh" else "@SUM(A1:A2)"])
        values = numbers(cells)
        assert len(values) > 100 and any(v < 0 for v in values)  # e.g. a change below the previous period


def test_report_from_the_command_line(hostile_store, tmp_path):
    from ccdash.cli import main
    url = hostile_store.url.render_as_string(hide_password=False)
    out = tmp_path / "week.xlsx"
    assert main(["--db", url, "report", "--period", "week", "--date", str(D2), "--out", str(out), "--lang", "en"]) == 0
    check_xlsx(out.read_bytes(), [*NAMES, *TEAMS, *QUEUES])


def test_explorer_downloads(hostile_store):
    catalog = catalog_with_custom(hostile_store)
    from ccdash.store.info import agent_names
    from ccdash.indicators.compute import query
    codes = ["offered", "answer_rate", "aht", "evil_rate"]
    tidy = query(hostile_store, codes, D1, D2, "total", ["team", "queue"], catalog=catalog)
    view = ex.normalize(ex.View(tuple(codes), D1, D2, "total", by=("team", "queue"), rows=("team",),
                                cols=("queue", "indicator")))
    p = ex.pivot(tidy, list(view.rows), list(view.cols), codes, catalog, names=agent_names(hostile_store))
    cells = check_xlsx(ex.xlsx_bytes(p, catalog, view, "zh"), TEAMS)
    assert len(numbers(cells)) > 10
    check_csv(ex.csv_bytes(p, catalog, "zh"), TEAMS)
    flipped = ex.pivot(query(hostile_store, codes, D1, D2, "total", ["business_type"], catalog=catalog),
                       ["indicator"], ["business_type"], codes, catalog)  # names in the headers, rows by indicator
    cells = check_xlsx(ex.xlsx_bytes(flipped, catalog, view, "zh"), [*BTYPES, LINK])
    rows = check_csv(ex.csv_bytes(flipped, catalog, "zh"), [*BTYPES, LINK])
    assert any(isinstance(v, float) for v in numbers(cells)) and float(rows[1][1]) >= 0


def test_indicators_page_downloads(hostile_store):
    from ccdash.ui.indicators import Selection, indicator_view, tables
    catalog = catalog_with_custom(hostile_store)
    for by in ("queue", "team", "business_type", "agent"):
        view = indicator_view(hostile_store, Selection(["offered", "aht", "evil_rate"], D1, D2, "day", by), catalog)
        _shown, raw = tables(view, catalog, "zh")
        header = [c for c in raw.columns if c.startswith(LINK)]  # the custom indicator's name (and unit)
        expected = [*{"queue": QUEUES, "team": TEAMS, "business_type": BTYPES, "agent": []}[by], *header]
        assert len(header) == 1 and set(expected) <= {*raw.columns, *raw.iloc[:, 1]}
        cells = check_xlsx(write_xlsx({"data": raw}), expected)
        check_csv(to_csv_bytes(raw), expected)
        assert numbers(cells)


def test_rejected_rows_download(hostile_store, tmp_path):
    bad = [["B001", "13900000021", "Q1", "A01", "挂失", LINK, 10, "0:01:00", 0, 0, "接通", "否", "是", 5],
           ["B002", "13900000022", "Q1", "A01", "挂失", "2026-03-02 10:00", "@SUM(A1:A2)", "+1+1", 0, 0, "接通", "否",
            "是", "-2+3"]]
    path = write_csv(tmp_path / "bad_calls.csv", CALL_HEADERS, bad)
    outcome = import_file(hostile_store, path, "calls", actor=ADMIN, dry_run=True)
    rejects = rejects_table(outcome.prepared.cleaned, "zh")
    stored = [v for v in rejects.iloc[:, 2] if isinstance(v, str) and v.startswith(TRIGGERS)]
    assert {LINK, "@SUM(A1:A2)", "+1+1"} <= set(stored)
    cells = check_xlsx(write_xlsx({"rejects": rejects}), stored)
    assert numbers(cells)  # the Excel row numbers
    check_csv(to_csv_bytes(rejects), stored)


def test_rejected_rows_from_the_command_line(hostile_store, tmp_path):
    from ccdash.cli import main
    bad = [["B001", "13900000021", "Q1", "A01", "挂失", LINK, 10, "0:01:00", 0, 0, "接通", "否", "是", 5],
           ["B002", "13900000022", "Q1", "A01", "挂失", "2026-03-02 10:00", 10, "0:01:00", 0, 0, "接通", "否", "是", 5]]
    path = write_csv(tmp_path / "bad_calls.csv", CALL_HEADERS, bad)
    out = tmp_path / "rejects.xlsx"
    url = hostile_store.url.render_as_string(hide_password=False)
    assert main(["--db", url, "import", str(path), "--kind", "calls", "--dry-run", "--rejects", str(out)]) == 0
    check_xlsx(out.read_bytes(), [LINK])


def test_query_csv_on_the_command_line(hostile_store, capsys):
    from ccdash.cli import main
    url = hostile_store.url.render_as_string(hide_password=False)
    assert main(["--db", url, "query", "offered,aht", "--from", str(D1), "--to", str(D2), "--grain", "total",
                 "--by", "queue"]) == 0
    rows = check_csv(capsys.readouterr().out, QUEUES)
    assert [float(r[-1]) for r in rows[1:] if r[-1]]  # the values are plain numbers


QA_HEADERS = ["录音编号", "坐席工号", "业务类型", "日期", "开始时间", "质检员", "质检表", "质检项", "得分", "满分",
              "质检结果", "是否致命项", "质检评语"]


def qa_rows() -> list[list]:
    """Two hostile inspectors scoring the same recordings (a calibration), with a hostile item and comment."""
    rows = []
    for rec, agent, day in (("R1", "A01", D1), ("R2", "A02", D1), ("R3", "A01", D2), ("R4", "A02", D2)):
        for inspector, points in ((LINK, 5), ("+1+1", 0 if rec in ("R2", "R3") else 5)):
            rows.append([rec, agent, HOSTILE[3], day, None, inspector, "外呼营销", "@SUM(A1:A2)", points, 5, None, "否",
                         "=1+1"])
            rows.append([rec, agent, HOSTILE[3], day, None, inspector, "外呼营销", "开头语", 5 - points // 5, 5, None,
                         "否", None])
    return rows


def test_qa_analysis_downloads(hostile_store, tmp_path):
    from ccdash.qa import analysis as qa
    from ccdash.qa.calibration import calibration_report
    from ccdash.qa.store import item_scores
    outcome = import_file(hostile_store, write_csv(tmp_path / "qa.csv", QA_HEADERS, qa_rows()), "qa_scores",
                          actor=ADMIN)
    assert outcome.prepared.ok, [f.message("en") for f in outcome.prepared.findings]
    frame = item_scores(hostile_store)
    assert {LINK, "+1+1"} <= set(frame["inspector"]) and "@SUM(A1:A2)" in set(frame["label"])
    sheets = {"items": qa.item_failure(frame, by="team"), "scores": qa.score_summary(frame, "business_type"),
              "agent_x_item": qa.agent_item_matrix(frame), "trend": qa.item_trend(frame, "week"),
              "coaching": qa.coaching_list(frame, min_applicable=1)}
    cells = check_xlsx(qa.analysis_workbook(sheets, "zh"), ["@SUM(A1:A2)", *TEAMS])  # item label, teams, business type
    assert len(numbers(cells)) > 10
    report = calibration_report(frame)
    assert len(report.disagreements)
    data = qa.analysis_workbook({"by_item": report.by_item, "by_pair": report.by_pair,
                                 "disagreements": report.disagreements}, "en")
    cells = check_xlsx(data, [LINK, "+1+1"])  # inspectors: in the pair rows and as the disagreements' headers
    assert numbers(cells)


def test_audit_export(engine):
    from ccdash.audit import record_signin_failure, search_audit
    for name in HOSTILE:  # whatever someone types as a user name at the sign-in lands in the trail
        record_signin_failure(engine, name, {"reason": "no_such_user"})
    trail = search_audit(engine, actor=ADMIN)
    assert len(trail) == len(HOSTILE)
    cells = check_xlsx(write_xlsx({"audit": trail}), HOSTILE)
    assert len(numbers(cells)) == len(HOSTILE)  # the ids
    check_csv(to_csv_bytes(trail), HOSTILE)


# --- no writer outside the one module ------------------------------------------------------------------------

WRITERS = re.compile(r"\bopenpyxl\b|\bxlsxwriter\b|\bExcelWriter\b|\.to_excel\(|\.to_csv\(|\bcsv\.(writer|DictWriter)\b"
                     r"|\bWorkbook\(")
ALLOWED = {"ccdash/reports_io.py": "the writer module"}


def code_lines(path: Path) -> list[str]:
    """The file's lines with comments and strings (docstrings too) blanked: only code can write a file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    with path.open("rb") as f:
        tokens = [t for t in tokenize.tokenize(f.readline) if t.type in (tokenize.STRING, tokenize.COMMENT)]
    for tok in tokens:
        (r0, c0), (r1, c1) = tok.start, tok.end
        for r in range(r0, r1 + 1):
            line = lines[r - 1]
            a, b = (c0 if r == r0 else 0), (c1 if r == r1 else len(line))
            lines[r - 1] = line[:a] + " " * (b - a) + line[b:]
    return lines


def test_every_spreadsheet_writer_is_in_the_one_module(tmp_path):
    """A new .xlsx/.csv writer must go through ccdash.reports_io (safe_cell / put_cell), not write on its own."""
    sources = [*(ROOT / "ccdash").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    found = []
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED or not path.exists():
            continue
        for n, line in enumerate(code_lines(path), start=1):
            if WRITERS.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == [], "write spreadsheets with ccdash.reports_io (write_xlsx, to_csv_bytes …):\n" + "\n".join(found)
    probe = tmp_path / "probe.py"  # the check itself: code is caught, a docstring or a comment is not
    probe.write_text('"""Uses openpyxl."""\nimport openpyxl  # openpyxl\nframe.to_csv(index=False)\nx = "to_csv("\n')
    assert [n for n, line in enumerate(code_lines(probe), start=1) if WRITERS.search(line)] == [2, 3]
