"""Tests for ccdash.ingest.read with real files built in memory (openpyxl, xlwt, encoded CSV)."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt

from ccdash.findings import CcdashError
from ccdash.ingest.read import (
    EXCEL_CELL_LIMIT, FORMULA_MARK, RawSheet, column_letter, read_preview, read_sheet, sheet_names,
)

BANK = Path("/work/shared/datasets/anonymous-bank-1999-02")


def xlsx_bytes(build) -> bytes:
    """An .xlsx made by ``build(workbook)``."""
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def grid(sheet: RawSheet) -> list[list]:
    """The cells as lists with None for NA."""
    return [[None if pd.isna(x) else x for x in row] for row in sheet.cells.itertuples(index=False)]


def excel_row(sheet: RawSheet, value: str) -> tuple[int, str]:
    """(Excel row, column letter) where ``value`` sits in the grid."""
    for i, row in enumerate(grid(sheet)):
        if value in row:
            return sheet.first_row + i, column_letter(sheet.first_col + row.index(value))
    raise AssertionError(value)


def assert_error(exc: pytest.ExceptionInfo, code: str) -> None:
    """The error has the code and non-empty messages in both languages."""
    assert exc.value.code == code
    assert exc.value.message("zh") and exc.value.message("en")
    assert exc.value.message("zh") != code and exc.value.message("en") != code


# --- workbooks --------------------------------------------------------------------------------


def _report(wb):
    ws = wb.active
    ws.title = "通话明细"
    ws["C2"] = "呼叫中心通话报表"  # title above, table starts at column B
    ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "工号", "主叫", "开始时间", "通话时长"
    ws["B5"], ws["C5"] = "000123", 13900001111
    ws["D5"], ws["E5"] = dt.datetime(2026, 3, 1, 9, 5), dt.time(0, 2, 35)
    ws["B6"], ws["C6"], ws["D6"], ws["E6"] = 125, 6222021234567890123, 46082.5, 1.5
    ws["F6"] = "#REF!"
    ws["F6"].data_type = "e"
    ws["B7"] = "   "
    wb.create_sheet("空表")
    wb.create_sheet("Second")["A1"] = "x"


def test_xlsx_positions_and_values():
    data = xlsx_bytes(_report)
    sheet = read_sheet(data, "report.xlsx")
    assert sheet.name == "通话明细"
    assert (sheet.first_row, sheet.first_col) == (2, 1)
    assert excel_row(sheet, "工号") == (4, "B")
    assert excel_row(sheet, "呼叫中心通话报表") == (2, "C")
    assert excel_row(sheet, "000123") == (5, "B")
    assert excel_row(sheet, "#REF!") == (6, "F")
    cells = grid(sheet)
    assert cells[3][1:4] == ["13900001111", "2026-03-01 09:05:00", "1899-12-31 00:02:35"]
    assert cells[4][:4] == ["125", "6222021234567889920", "46082.5", "1.5"]
    assert list(sheet.cells.columns) == list(range(5))
    assert all(str(t) == "string" for t in sheet.cells.dtypes)
    assert len(cells) == 5  # the whitespace-only B7 row is blank and trimmed


def test_sheet_names_and_selection():
    data = xlsx_bytes(_report)
    assert sheet_names(data, "r.xlsx") == ["通话明细", "空表", "Second"]
    assert grid(read_sheet(data, "r.xlsx", "Second")) == [["x"]]
    assert grid(read_sheet(data, "r.xlsx", 2)) == [["x"]]
    empty = read_sheet(data, "r.xlsx", "空表")
    assert empty.cells.empty
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, "r.xlsx", "Nope")
    assert_error(exc, "read.sheet_not_found")
    assert "通话明细, 空表, Second" in exc.value.message("en")  # each language's list separator
    assert "通话明细、空表、Second" in exc.value.message("zh")
    with pytest.raises(CcdashError):
        read_sheet(data, "r.xlsx", 9)


def test_preview_every_sheet():
    data = xlsx_bytes(_report)
    sheets = read_preview(data, "r.xlsx", n_rows=4)
    assert [s.name for s in sheets] == ["通话明细", "空表", "Second"]
    first = sheets[0]
    assert first.first_row == 2 and grid(first)[-1][0] == "000123"
    assert len(first.cells) == 4  # n_rows counts rows from the first non-empty one


def test_xls_via_xlwt():
    wb = xlwt.Workbook()
    ws = wb.add_sheet("明细")
    ws.write(1, 2, "标题")
    ws.write(3, 1, "工号")
    ws.write(4, 1, "000123")
    ws.write(4, 2, 13900001111)
    ws.write(4, 3, dt.datetime(2026, 3, 1, 9, 5), xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss"))
    wb.add_sheet("B")
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    assert sheet_names(data, "old.xls") == ["明细", "B"]
    sheet = read_sheet(data, "old.xls")
    assert excel_row(sheet, "标题") == (2, "C")
    assert excel_row(sheet, "工号") == (4, "B")
    assert grid(sheet)[-1][:3] == ["000123", "13900001111", "2026-03-01 09:05:00"]
    assert read_sheet(data, "old.xls", "B").cells.empty


def test_error_cells_become_text():
    def build(wb):
        ws = wb.active
        ws.append(["a", "b"])
        for col, text in (("A2", "#DIV/0!"), ("B2", "#N/A"), ("A3", "#VALUE!")):
            ws[col] = text
            ws[col].data_type = "e"
        ws["B3"] = "=1/0"  # openpyxl stores no cached value: marked so that the row is rejected, not blank

    sheet = read_sheet(xlsx_bytes(build), "e.xlsx")
    assert grid(sheet) == [["a", "b"], ["#DIV/0!", "#N/A"], ["#VALUE!", FORMULA_MARK + "=1/0"]]


def test_workbook_extension_but_csv_text():
    sheet = read_sheet("工号,姓名\n001,张三\n".encode("gbk"), "export.xlsx")
    assert grid(sheet) == [["工号", "姓名"], ["001", "张三"]]
    assert sheet.name == "export"


# --- bad files --------------------------------------------------------------------------------


def test_corrupt_xlsx():
    data = xlsx_bytes(_report)
    with pytest.raises(CcdashError) as exc:
        read_sheet(data[: len(data) // 2], "broken.xlsx")
    assert_error(exc, "read.corrupt_workbook")
    assert "broken.xlsx" in str(exc.value)


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_docx_renamed():
    data = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, "report.xlsx")
    assert_error(exc, "read.looks_like_word")
    assert "Word" in exc.value.message("en") and "Word" in exc.value.message("zh")


def test_other_zip_renamed():
    with pytest.raises(CcdashError) as exc:
        sheet_names(_zip({"a.txt": "hi"}), "x.xlsx")
    assert_error(exc, "read.corrupt_workbook")


def test_ole_garbage_and_encrypted():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(CcdashError) as exc:
        read_sheet(ole, "x.xls")
    assert_error(exc, "read.corrupt_workbook")
    with pytest.raises(CcdashError) as exc:
        read_sheet(ole + "EncryptedPackage".encode("utf-16-le"), "x.xlsx")
    assert_error(exc, "read.encrypted")


@pytest.mark.parametrize(
    "data, name, code",
    [(b"", "a.xlsx", "read.empty_file"), (b"", "a.csv", "read.empty_file"),
     (b"abc", "a.pdf", "read.unsupported_type"), (b"abc", "noext", "read.unsupported_type"),
     (b"\x00\x01\x02binary\x00", "a.csv", "read.undecodable"),
     (b"\x00\x01\x02binary\x00", "a.xlsx", "read.corrupt_workbook"),
     (bytes(range(1, 256)) * 4, "a.xlsx", "read.corrupt_workbook"),
     ("\x8f\x1b垃圾 binary".encode("gb18030") * 20, "a.xls", "read.corrupt_workbook"),
     (b"just a sentence and not a table\n", "a.xlsx", "read.corrupt_workbook")],
)
def test_bad_input_codes(data, name, code):
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, name)
    assert_error(exc, code)


def test_cell_too_long_csv_is_fast():
    data = b"a,b\n1," + b"x" * 10_000_000 + b"\n"
    start = time.perf_counter()
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, "big.csv")
    assert time.perf_counter() - start < 10
    assert_error(exc, "read.cell_too_long")
    assert exc.value.finding.params["row"] == 2 and exc.value.finding.params["column"] == "B"


def test_cell_too_long_xlsx_is_fast():
    def build(wb):
        wb.active["A1"] = "h"
        wb.active["C3"] = "y" * 10_000_000

    data = xlsx_bytes(build)
    start = time.perf_counter()
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, "big.xlsx")
    assert time.perf_counter() - start < 10
    assert_error(exc, "read.cell_too_long")
    assert (exc.value.finding.params["row"], exc.value.finding.params["column"]) == (3, "C")


def test_cell_at_limit_is_fine():
    data = b"a\n" + b"x" * EXCEL_CELL_LIMIT + b"\n"
    assert len(grid(read_sheet(data, "ok.csv"))[1][0]) == EXCEL_CELL_LIMIT


# --- text files -------------------------------------------------------------------------------

ROWS = [["工号", "坐席姓名", "通话时长"], ["000123", "张三", "0:02:35"], ["000124", "李四", ""]]
EXPECTED = [["工号", "坐席姓名", "通话时长"], ["000123", "张三", "0:02:35"], ["000124", "李四", None]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_csv_encodings_delimiters_newlines(encoding, sep, newline):
    text = newline.join(sep.join(r) for r in ROWS) + newline
    sheet = read_sheet(text.encode(encoding), "calls.csv")
    assert grid(sheet) == EXPECTED
    assert (sheet.name, sheet.first_row, sheet.first_col) == ("calls", 1, 0)
    assert sheet_names(text.encode(encoding), "calls.csv") == ["calls"]


def test_csv_quoted_newlines_and_commas():
    data = '编号,备注\n1,"第一行\n第二行"\n2,"a, b"\n3,"say ""hi"""\n'.encode()
    assert grid(read_sheet(data, "q.csv")) == [
        ["编号", "备注"], ["1", "第一行\n第二行"], ["2", "a, b"], ["3", 'say "hi"']]


def test_csv_ragged_and_title_and_blank_lines():
    data = "通话报表\n\n工号,姓名,时长\n001,张三\n002,李四,30,extra\n\n".encode("gbk")
    sheet = read_sheet(data, "r.csv")
    assert sheet.first_row == 1
    assert grid(sheet) == [
        ["通话报表", None, None, None], [None, None, None, None], ["工号", "姓名", "时长", None],
        ["001", "张三", None, None], ["002", "李四", "30", "extra"]]
    assert excel_row(sheet, "002") == (5, "A")


def test_csv_leading_blank_lines_move_first_row():
    sheet = read_sheet(b"\n\na,b\n1,2\n", "r.csv")
    assert sheet.first_row == 3 and grid(sheet)[0] == ["a", "b"]


def test_csv_n_rows_and_preview():
    data = ("a,b\n" + "".join(f"{i},{i}\n" for i in range(100))).encode()
    assert len(read_sheet(data, "r.csv", n_rows=10).cells) == 10
    (preview,) = read_preview(data, "r.csv", n_rows=5)
    assert len(preview.cells) == 5
    with pytest.raises(CcdashError) as exc:
        read_sheet(data, "r.csv", "other")
    assert_error(exc, "read.sheet_not_found")


def test_csv_single_column_and_whitespace_only():
    assert grid(read_sheet(b"name\nx\n  \ny\n", "one.txt")) == [["name"], ["x"], [None], ["y"]]
    assert read_sheet(b" \n\n", "blank.csv").cells.empty


def test_csv_latin1_falls_back():
    sheet = read_sheet("name;city\nJosé;Zürich\nRené;Genève\n".encode("cp1252"), "eu.csv")
    assert len(grid(sheet)) == 3 and len(grid(sheet)[0]) == 2


@pytest.mark.skipif(not BANK.exists(), reason="/work/shared data set not available")
def test_bank_shifts_cr_only():
    sheet = read_sheet((BANK / "data_anonymous_bank_shifts.csv").read_bytes(), "shifts.csv")
    assert grid(sheet)[0][:3] == ["Hour", "StartTime", "Shift1"]
    assert grid(sheet)[1][:2] == ["1", "Midnight"]
    assert sheet.cells.shape[1] == 10 and len(sheet.cells) == 25


@pytest.mark.skipif(not BANK.exists(), reason="/work/shared data set not available")
def test_bank_february_tab_crlf():
    data = (BANK / "data_anonymous_bank_february.txt").read_bytes()
    sheet = read_sheet(data, "february.txt")
    assert sheet.cells.shape[1] == 17
    assert grid(sheet)[0][:2] == ["vru+line", "call_id"]
    assert grid(sheet)[1][5:7] == ["990201", "7:02:47"]
    assert len(sheet.cells) == data.count(b"\r\n") - (not data.endswith(b"\r\n"))
