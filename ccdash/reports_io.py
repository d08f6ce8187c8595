"""Writing tables to .xlsx/.csv safely: text a spreadsheet would run as a formula never runs.

This module is the only place in ``ccdash`` that writes spreadsheet files (a meta-test in
``tests/test_safe_exports.py`` keeps it so). :func:`write_xlsx` writes plain tables (downloads, rejected rows),
:func:`write_formatted_xlsx` writes sheets formatted for reading (the report workbooks), :func:`to_csv_bytes` /
:func:`to_csv_text` write CSV. The rule, following OWASP's CSV-injection guidance (see ``docs/exports.md``):
text starting with ``= + - @``, a tab, CR, LF or NUL, or the full-width ``＝ ＋ － ＠`` (which Excel and WPS
accept as the start of a formula when typed), is untrusted text that must stay text:

* CSV — :func:`safe_cell` puts an apostrophe in front (``'=HYPERLINK(…)``); a CSV has no cell types, so this
  is the only way to keep a spreadsheet from evaluating it. Cells and header names alike.
* .xlsx — :func:`put_cell` stores the exact original text as a string cell (openpyxl would otherwise store
  text starting with ``=`` as a FORMULA) with Excel's quote-prefix style, which is what typing a leading ``'``
  does in Excel: the user sees the original text, and editing the cell keeps it text.

Numbers, dates and booleans are never touched. Only a :class:`Formula` the app builds itself is written as a
formula.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# the first characters that make a spreadsheet parse a cell as a formula (or split it into one)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# control characters an .xlsx cannot hold (openpyxl refuses them): dropped from text in .xlsx
ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


class Formula(str):
    """A formula the app itself writes (e.g. ``Formula("=SUM(B2:B9)")``): the only text stored as a formula."""


def looks_like_formula(value) -> bool:
    """Whether ``value`` is text a spreadsheet could run (see FORMULA_START); a Formula is not untrusted."""
    return isinstance(value, str) and not isinstance(value, Formula) and value.startswith(FORMULA_START)


def safe_cell(value):
    """The one escaping rule for a CSV cell: untrusted text that a spreadsheet would run gets a leading
    apostrophe; anything else (numbers — negative ones too —, dates, None, ordinary text) is returned as is."""
    return "'" + value if looks_like_formula(value) else value


CELL_TYPES = (str, bool, int, float, decimal.Decimal, dt.date, dt.time, dt.timedelta)


def _plain(value):
    """A value openpyxl can store: missing and non-finite numbers → empty, time zones dropped, anything else
    (a list, an id object…) as its text — which then goes through the text rule like any other text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value if isinstance(value, CELL_TYPES) else str(value)


def put_cell(ws, row: int, col: int, value):
    """Write one value to an openpyxl sheet safely and return the cell: text is a string cell holding the
    original text (control characters an .xlsx cannot hold dropped), with the quote-prefix style when it
    looks like a formula; a :class:`Formula` is a formula; numbers and dates are themselves."""
    value = _plain(value)
    if isinstance(value, Formula):
        return ws.cell(row=row, column=col, value=str(value))
    if not isinstance(value, str):
        return ws.cell(row=row, column=col, value=value)
    text = ILLEGAL_CHARS.sub("", value)
    target = ws.cell(row=row, column=col, value=text)
    target.data_type = "s"  # openpyxl makes text starting with "=" a formula; this makes it text again
    if looks_like_formula(value) or looks_like_formula(text):  # "\x01=1" is "=1" once cleaned
        target.quotePrefix = True
    return target


def sheet_title(name) -> str:
    """A sheet name Excel accepts: no [ ] : * ? / \\ or control characters, no edge quotes, ≤ 31 characters.
    (A sheet name is never run as a formula, so it is not escaped.)"""
    text = SHEET_NAME_BAD.sub("_", ILLEGAL_CHARS.sub("", str(name))).strip("'")[:31].strip("'")
    return text or "Sheet"


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path | None = None) -> bytes:
    """Write sheets to an .xlsx (to ``path`` and/or returned as bytes): a bold header row, frozen, widths fitted;
    every cell through :func:`put_cell`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(sheet_title(name))
        for col, head in enumerate(frame.columns, start=1):
            put_cell(ws, 1, col, head).font = Font(bold=True)
        for row, values in enumerate(frame.itertuples(index=False, name=None), start=2):
            for col, value in enumerate(values, start=1):
                put_cell(ws, row, col, value)
        ws.freeze_panes = "A2"
        for i in range(frame.shape[1]):
            texts = [str(frame.columns[i])] + [str(v) for v in frame.iloc[:200, i].tolist()]
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(max(max(map(len, texts)) + 2, 8), 60)
    data = _save(wb)
    if path:
        Path(path).write_bytes(data)
    return data


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a CSV: :func:`safe_cell` on every header and every text value (text, object and category
    columns); numeric, boolean and date columns are left alone, so numbers stay numbers."""
    out = frame.copy()
    out.columns = [safe_cell(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col)):
            out.isetitem(i, col.astype(object).map(safe_cell))
    return out


def to_csv_text(frame: pd.DataFrame) -> str:
    """CSV text (for the command line), text that would run as a formula escaped by :func:`safe_cell`. Lines end
    in CRLF (RFC 4180), which also makes the writer quote a field holding a lone CR: unquoted, a reader would
    start a new row there and the text after the CR (``=1+1``) would be a cell of its own, unescaped."""
    return escape_formulas(frame).to_csv(index=False, lineterminator="\r\n")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel opens Chinese text correctly, formulas escaped (:func:`to_csv_text`)."""
    return to_csv_text(frame).encode("utf-8-sig")


# --- formatted workbooks (reports) ---------------------------------------------------------------

STATUS_FILLS = {"good": ("C6EFCE", "006100"), "warning": ("FFEB9C", "9C5700"), "critical": ("FFC7CE", "9C0006")}
HEADER_FILL = "DDEBF7"
NOTE_COLOR = "C00000"


@dataclass
class Cell:
    """One cell: its value (text is escaped on writing), number format, status fill (good / warning /
    critical), bold, horizontal alignment."""
    value: object
    number_format: str | None = None
    status: str | None = None
    bold: bool = False
    align: str | None = None


@dataclass
class Sheet:
    """A sheet for reading: title lines (the first one large), an optional highlighted note, a header row,
    body rows (filtered and sorted by the autofilter) and footer rows (e.g. a total, below the filter)."""
    name: str
    title: list[str]
    header: list[str]
    rows: list[list] = field(default_factory=list)
    footer: list[list] = field(default_factory=list)
    note: str | None = None
    freeze_cols: int = 1
    wrap_cols: tuple[int, ...] = ()  # 0-based columns whose text wraps (long definitions)
    max_width: int = 40


def _text_width(text: str) -> int:
    """Display width: a Chinese (full-width) character takes two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _shown(cell: Cell) -> str:
    value = cell.value
    if isinstance(value, float) and math.isfinite(value):
        fmt = cell.number_format or ""
        digits = len(fmt.split(";")[0].split(".")[1].rstrip("%")) if "." in fmt else 0
        return f"{value * (100 if '%' in fmt else 1):+,.{digits}f}" + ("%" if "%" in fmt else "")
    return "" if value is None else str(value)


def _put(ws, row: int, col: int, cell) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    cell = cell if isinstance(cell, Cell) else Cell(cell)
    target = put_cell(ws, row, col, cell.value)
    if cell.number_format:
        target.number_format = cell.number_format
    if cell.status in STATUS_FILLS:
        fill, color = STATUS_FILLS[cell.status]
        target.fill = PatternFill("solid", start_color=fill, end_color=fill)
        target.font = Font(color=color, bold=cell.bold)
    elif cell.bold:
        target.font = Font(bold=True)
    if cell.align:
        target.alignment = Alignment(horizontal=cell.align, vertical="top")


def write_formatted_xlsx(sheets: list[Sheet], path: str | Path | None = None) -> bytes:
    """Write formatted sheets (see :class:`Sheet`) to an .xlsx, returned as bytes (and written to ``path``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet_title(sheet.name))
        for i, line in enumerate(sheet.title, start=1):
            _put(ws, i, 1, Cell(line, bold=True))
            ws.cell(i, 1).font = Font(bold=True, size=14 if i == 1 else 10)
        row = len(sheet.title) + 1
        if sheet.note:
            _put(ws, row, 1, Cell(sheet.note))
            ws.cell(row, 1).font = Font(bold=True, color=NOTE_COLOR)
        header_row = row + 1
        thin = Side(style="thin", color="808080")
        for col, name in enumerate(sheet.header, start=1):
            _put(ws, header_row, col, Cell(name))
            c = ws.cell(header_row, col)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            c.border = Border(bottom=thin)
        for r, values in enumerate([*sheet.rows, *sheet.footer], start=header_row + 1):
            for col, value in enumerate(values, start=1):
                _put(ws, r, col, value)
                if sheet.wrap_cols:  # rows of different heights: every cell from the top
                    target = ws.cell(r, col)
                    target.alignment = Alignment(horizontal=target.alignment.horizontal, vertical="top",
                                                 wrap_text=col - 1 in sheet.wrap_cols)
        for r in range(header_row + 1 + len(sheet.rows), header_row + 1 + len(sheet.rows) + len(sheet.footer)):
            for col in range(1, len(sheet.header) + 1):
                ws.cell(r, col).border = Border(top=thin)
        ncols = max(len(sheet.header), 1)
        last = get_column_letter(ncols)
        if sheet.header:
            ws.freeze_panes = ws.cell(header_row + 1, sheet.freeze_cols + 1).coordinate
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(sheet.rows), 1)}"
            ws.print_title_rows = f"{header_row}:{header_row}"
        if sheet.header:
            ws.row_dimensions[header_row].height = 30  # two lines: long headers wrap
        for col in range(1, ncols + 1):
            head = _text_width(str(sheet.header[col - 1])) if col <= len(sheet.header) else 0
            texts = []
            for values in [*sheet.rows, *sheet.footer][:500]:
                if col <= len(values):
                    value = values[col - 1]
                    texts.append(_shown(value if isinstance(value, Cell) else Cell(value)))
            width = max([-(-head // 2) + 3, *(_text_width(t) for t in texts)]) + 3
            ws.column_dimensions[get_column_letter(col)].width = min(max(width, 8), sheet.max_width)
        for r, values in enumerate([*sheet.rows, *sheet.footer], start=header_row + 1):
            lines = 1  # wrapped text: rows as tall as their longest cell needs (a reader does not always fit them)
            for col in sheet.wrap_cols:
                if col < len(values):
                    value = values[col]
                    width = ws.column_dimensions[get_column_letter(col + 1)].width - 2
                    lines = max(lines, -(-_text_width(_shown(value if isinstance(value, Cell) else Cell(value)))
                                         // max(int(width), 1)))
            if lines > 1:
                ws.row_dimensions[r].height = 15 * lines
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    data = _save(wb)
    if path:
        Path(path).write_bytes(data)
    return data
