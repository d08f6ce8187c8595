"""Writing tables to .xlsx/.csv safely: text a spreadsheet would run as a formula is escaped.

:func:`write_xlsx` writes plain tables (downloads, rejected rows). :func:`write_formatted_xlsx` writes
sheets formatted for reading (the report workbooks): a title block, a header row, number formats per
cell, status fills, frozen panes, an autofilter, fitted column widths. Both escape every text cell
(:func:`escape_formulas`, :func:`escape_text`), so a name like ``=HYPERLINK("http://x","y")`` or ``@SUM(A1)``
stays text.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# control characters an .xlsx cannot hold (openpyxl refuses them): dropped from text
ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_text(value: str) -> str:
    """One text value made safe: a leading = + - @ (or tab/CR) gets a quote in front; control characters go."""
    text = ILLEGAL_CHARS.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with = + - @ (or a tab/CR) with a quote so they stay text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            text = out[col].astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False)
            out[col] = text.where(~risky, "'" + text)
    return out


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path | None = None) -> bytes:
    """Write sheets to an .xlsx (to ``path`` and/or returned as bytes), headers frozen, widths fitted."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = escape_formulas(frame)
            safe.to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for i, col in enumerate(safe.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200).tolist()]) + 2
                ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(width, 8), 60)
    data = buf.getvalue()
    if path:
        Path(path).write_bytes(data)
    return data


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel opens Chinese text correctly, formulas escaped."""
    return escape_formulas(frame).to_csv(index=False).encode("utf-8-sig")


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
    value = cell.value
    if isinstance(value, str):
        value = escape_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        value = None
    target = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        target.data_type = "s"  # never a formula, whatever the text
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
        ws = wb.create_sheet(escape_text(sheet.name)[:31])
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
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if path:
        Path(path).write_bytes(data)
    return data
