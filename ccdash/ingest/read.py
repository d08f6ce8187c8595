"""Bytes of an uploaded file → raw cell grids (:class:`RawSheet`): every cell text or NA, no headers.

``first_row``/``first_col`` place the grid so reported positions match what the user sees in Excel.
The file kind comes from the magic bytes first (users rename files), the extension second.

Workbooks (.xlsx/.xlsm/.xls/.ods) go through fastexcel 0.21 (calamine), all cells as text. Found
(and pinned by tests/test_read.py): with ``skip_rows=0`` the grid starts at Excel row 1 (we trim
leading empty rows and move ``first_row``); leading empty columns are dropped, the first column's
``absolute_index`` tells which it is; dates read "2026-03-01 09:05:00", times/durations
"1899-12-31 00:02:35"; numbers never use an exponent ("13900001111"; 19 digits keep only a double's
precision, as in Excel); error cells read as null plus a cell error "Error(Ref)" — we put "#REF!"
etc. back; formulas without a cached value read blank; strings are cut at 32,767 characters.

Text files (.csv/.txt/.tsv): BOM (UTF-8/UTF-16), strict UTF-8, GB18030, then charset-normalizer;
delimiter sniffed among , ; TAB |; CRLF/LF/CR-only; pyarrow's CSV reader, or pandas' C parser for
ragged files (rows of different lengths are padded).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ccdash.findings import CcdashError
from ccdash.i18n import joined, register
from ccdash.ingest import container

MESSAGES = {
    "read.unsupported_type": {
        "zh": "不支持的文件类型“{ext}”（文件 {file}）。请上传以下格式之一：{supported}。",
        "en": "Unsupported file type '{ext}' ({file}). Please upload one of: {supported}.",
    },
    "read.corrupt_workbook": {
        "zh": "无法读取 Excel 文件 {file}：文件已损坏，或是改了扩展名的其他类型文件。"
        "请在 Excel 中打开后“另存为”.xlsx 再上传。（详情：{detail}）",
        "en": "Cannot read the Excel file {file}: it is damaged or is another kind of file renamed. "
        "Open it in Excel, 'Save As' .xlsx and upload again. (Details: {detail})",
    },
    "read.looks_like_word": {
        "zh": "文件 {file} 看起来是 Word 文档，而不是 Excel 表格。请上传从系统导出的 Excel 或 CSV 文件。",
        "en": "The file {file} looks like a Word document, not an Excel workbook. "
        "Please upload the Excel or CSV file exported from the system.",
    },
    "read.looks_like_powerpoint": {
        "zh": "文件 {file} 看起来是 PowerPoint 演示文稿，而不是 Excel 表格。请上传 Excel 或 CSV 文件。",
        "en": "The file {file} looks like a PowerPoint presentation, not an Excel workbook. "
        "Please upload an Excel or CSV file.",
    },
    "read.encrypted": {
        "zh": "工作簿 {file} 设置了打开密码，无法读取：请另存为不带密码的文件后再上传"
        "（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码）。",
        "en": "The workbook {file} is password-protected: save it without a password and upload again "
        "(Excel: File → Info → Protect Workbook → Encrypt with Password, clear the password).",
    },
    "read.zip_bomb": {
        "zh": "文件 {file} 解压后过大：其中 {member} 从 {packed} 解压到超过 {size}（上限：整个文件 {limit}，"
        "单个部件压缩比 {ratio}:1），可能是恶意构造的“压缩炸弹”，已拒绝读取。如确为正常导出，"
        "请在 Excel 中打开并另存为新的 .xlsx 后再上传。",
        "en": "The file {file} unpacks to too much: {member} inflates from {packed} to more than {size} "
        "(limits: {limit} for the whole file, {ratio}:1 for one part); it may be a deliberately crafted "
        "'zip bomb' and was not read. If it is a genuine export, open it in Excel, save it as a new .xlsx "
        "and upload again.",
    },
    "read.too_many_parts": {
        "zh": "文件 {file} 的压缩包中有 {count} 个部件（上限 {limit}），不像是正常的 Excel 文件，已拒绝读取。",
        "en": "The file {file} holds {count} parts in its archive (the limit is {limit}); that is not what "
        "Excel writes, so it was not read.",
    },
    "read.xml_dtd": {
        "zh": "文件 {file} 的 {member} 含有 DTD/实体声明（<!DOCTYPE>、<!ENTITY>）。Excel 从不写入这些内容，"
        "它们可被用来耗尽服务器内存，因此拒绝读取。请在 Excel 中打开并另存为新的 .xlsx 后再上传。",
        "en": "The part {member} of {file} contains a DTD or entity declaration (<!DOCTYPE>, <!ENTITY>). "
        "Excel never writes one and it can be used to exhaust the server's memory, so the file was not "
        "read. Open it in Excel, save it as a new .xlsx and upload again.",
    },
    "read.too_wide": {
        "zh": "文件 {file} 的工作表用到了 {columns} 列（最远的单元格 {cell}），超过 ccdash 可读取的 {limit} 列。"
        "请删除多余的列或远处的零散内容后再上传。",
        "en": "A sheet of {file} uses {columns} columns (the furthest cell is {cell}), more than the "
        "{limit} ccdash reads. Delete the unused columns or stray content far to the right and upload again.",
    },
    "read.too_big": {
        "zh": "文件 {file} 的工作表范围为 {rows} 行 × {columns} 列（最远的单元格 {cell}），共 {cells} 个单元格，"
        "超过 ccdash 一次可读取的 {limit} 个。请按日期拆分导出，或删除远处的零散内容后再上传。",
        "en": "A sheet of {file} spans {rows} rows × {columns} columns (the furthest cell is {cell}): {cells} "
        "cells, more than the {limit} ccdash reads at once. Split the export by date, or delete stray "
        "content far from the data, and upload again.",
    },
    "read.empty_file": {
        "zh": "文件 {file} 是空的（0 字节）。请检查导出是否成功后重新上传。",
        "en": "The file {file} is empty (0 bytes). Check that the export succeeded and upload again.",
    },
    "read.no_sheets": {
        "zh": "Excel 文件 {file} 中没有任何工作表。",
        "en": "The Excel file {file} contains no worksheets.",
    },
    "read.sheet_not_found": {
        "zh": "文件 {file} 中找不到工作表“{sheet}”。可用的工作表：{available}。",
        "en": "Sheet '{sheet}' not found in {file}. Available sheets: {available}.",
    },
    "read.cell_too_long": {
        "zh": "文件 {file} 工作表“{sheet}”第 {row} 行 {column} 列的单元格有 {length} 个字符，"
        "超过 Excel 的上限 {limit}。请检查导出文件是否损坏（例如引号不配对）。",
        "en": "The cell at row {row}, column {column} of sheet '{sheet}' in {file} has {length} "
        "characters, more than Excel's limit of {limit}. Check the export is not damaged "
        "(e.g. an unbalanced quote).",
    },
    "read.undecodable": {
        "zh": "无法识别文件 {file} 的文字编码，它可能不是文本文件。请从系统重新导出为 CSV（UTF-8）或 Excel 文件。",
        "en": "Cannot work out the text encoding of {file}; it may not be a text file. Export it "
        "again as CSV (UTF-8) or Excel.",
    },
    "read.csv_failed": {
        "zh": "无法解析文本文件 {file}：{detail}。请在 Excel 中打开确认内容，另存为 .xlsx 再上传。",
        "en": "Cannot parse the text file {file}: {detail}. Open it in Excel to check, save it as "
        ".xlsx and upload again.",
    },
}
register(MESSAGES)

EXCEL_CELL_LIMIT = 32_767
WORKBOOK_EXTS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TEXT_EXTS = (".csv", ".txt", ".tsv")
SUPPORTED = ", ".join(WORKBOOK_EXTS + TEXT_EXTS)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = ",;\t|"
_FAST_MAX_COLUMNS = 4096
_LONG_RUN = re.compile(rb"[^<]{%d,}" % (EXCEL_CELL_LIMIT + 1))
STRING = pd.StringDtype("pyarrow")
_ERROR_TEXT = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
    "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA",
}
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_EXCEL = {"zh": "不是 Excel 文件", "en": "not an Excel file"}  # message details, in each language
NOT_SPREADSHEET = {"zh": "压缩包里没有工作表", "en": "not a spreadsheet"}
FORMULA_MARK = "\x00"  # starts the text of a formula cell without a saved value (XML text never has NUL)


@dataclass
class RawSheet:
    """One sheet as a grid of text cells; data row ``i`` is Excel row ``first_row + i``."""

    name: str
    cells: pd.DataFrame
    first_row: int
    first_col: int


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters: A → 0, Z → 25, AA → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def sheet_names(data: bytes, filename: str) -> list[str]:
    """Names of the sheets of a workbook; a text file has one sheet named after the file stem."""
    if _kind(data, filename) == "text":
        return [PurePath(filename).stem]
    return list(_open_workbook(data, filename).sheet_names)


def read_sheet(
    data: bytes, filename: str, sheet: str | int = 0, *, n_rows: int | None = None
) -> RawSheet:
    """Read one sheet (by name or 0-based position) as a :class:`RawSheet`; ``n_rows`` caps rows."""
    if _kind(data, filename) == "text":
        stem = PurePath(filename).stem
        if sheet not in (0, stem, ""):
            raise CcdashError("read.sheet_not_found", file=filename, sheet=sheet, available=stem)
        return _read_text(data, filename, stem, n_rows)
    reader = _open_workbook(data, filename)
    index = _sheet_index(reader, filename, sheet)
    return _read_workbook_sheet(reader, filename, index, n_rows, data)


def read_preview(data: bytes, filename: str, n_rows: int = 40) -> list[RawSheet]:
    """The first ``n_rows`` rows of every sheet of the file."""
    if _kind(data, filename) == "text":
        return [_read_text(data, filename, PurePath(filename).stem, n_rows)]
    reader = _open_workbook(data, filename)
    count = len(reader.sheet_names)
    return [_read_workbook_sheet(reader, filename, i, n_rows, data) for i in range(count)]


# --- file kind --------------------------------------------------------------------------------


def _kind(data: bytes, filename: str) -> str:
    """``"workbook"`` or ``"text"``, from the magic bytes and the extension; raises on bad input."""
    ext = PurePath(filename).suffix.lower()
    if ext not in WORKBOOK_EXTS + TEXT_EXTS:
        ext = ext or filename
        raise CcdashError("read.unsupported_type", file=filename, ext=ext, supported=SUPPORTED)
    if not data:
        raise CcdashError("read.empty_file", file=filename)
    if data.startswith(ZIP_MAGIC):
        _check_zip(data, filename)
        return "workbook"
    if data.startswith(OLE_MAGIC):
        if container.is_encrypted(data):
            raise CcdashError("read.encrypted", file=filename)
        return "workbook"
    if ext in WORKBOOK_EXTS and not _looks_like_table_text(data):
        raise CcdashError("read.corrupt_workbook", file=filename, detail=NOT_EXCEL)
    return "text"


def _looks_like_table_text(data: bytes) -> bool:
    """Whether a file with a workbook name that is no zip/OLE workbook is a text table saved under that
    name (systems do export CSV as .xls): its start decodes strictly, has no control characters and its
    first line holds a delimiter. Random bytes, a PDF, a plain note and the like are not."""
    head = data[:65536]
    if _looks_binary(head):
        return False
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
                       (b"", "utf-8"), (b"", "gb18030")):
        if head.startswith(bom):
            try:
                text = codecs.getincrementaldecoder(codec)().decode(head, final=False)  # a cut last char is fine
            except UnicodeDecodeError:
                continue
            first = next((line for line in text.splitlines() if line.strip()), "")
            return not _CONTROL.search(text) and any(d in first for d in DELIMITERS)
    return False


def _check_zip(data: bytes, filename: str) -> None:
    """Reject zips that are hostile (bombs, DTDs, huge sheets: see ``container.py``) or not spreadsheets
    (Word, PowerPoint, damaged archives)."""
    refusal, names = container.inspect_zip(data)
    if refusal:
        raise CcdashError(refusal.code, file=filename, **dict(refusal.params))
    if "xl/workbook.bin" in names:  # .xlsb, whatever its name says
        return
    if "xl/workbook.xml" not in names and any(n.startswith("word/") for n in names):  # also word/document2.xml
        raise CcdashError("read.looks_like_word", file=filename)
    if "xl/workbook.xml" not in names and any(n.startswith("ppt/") for n in names):
        raise CcdashError("read.looks_like_powerpoint", file=filename)
    if "xl/workbook.xml" not in names and "content.xml" not in names:
        raise CcdashError("read.corrupt_workbook", file=filename, detail=NOT_SPREADSHEET)


def _short(exc: BaseException) -> str:
    """A one-line, bounded description of a library exception for a message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --- workbooks --------------------------------------------------------------------------------


def _open_workbook(data: bytes, filename: str):
    """A fastexcel reader for the bytes; any library failure becomes ``read.corrupt_workbook``."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
    except Exception as exc:  # fastexcel raises many unrelated types
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():  # an .xls with a password
            raise CcdashError("read.encrypted", file=filename) from exc
        raise CcdashError("read.corrupt_workbook", file=filename, detail=_short(exc)) from exc
    if not names:
        raise CcdashError("read.no_sheets", file=filename)
    return reader


def _sheet_index(reader, filename: str, sheet: str | int) -> int:
    """The 0-based position of ``sheet`` (a name or a position) in the workbook."""
    names = list(reader.sheet_names)
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return sheet
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
    available = joined(names)
    raise CcdashError("read.sheet_not_found", file=filename, sheet=sheet, available=available)


def _read_workbook_sheet(reader, filename: str, index: int, n_rows: int | None, data: bytes):
    """Load sheet ``index`` as text, restore error cells, trim the empty border."""
    name = reader.sheet_names[index]
    formulas = container.formula_cells(data, index)
    batch, first_col = _load_batch(reader, filename, index, n_rows)
    sheet = _to_raw(name, batch, _cell_errors(batch) + _formula_marks(formulas, first_col), 1, first_col)
    skipped = sheet.first_row - 1
    if n_rows is not None and skipped and len(sheet.cells) + skipped >= n_rows:
        batch, first_col = _load_batch(reader, filename, index, n_rows + skipped)
        sheet = _to_raw(name, batch, _cell_errors(batch) + _formula_marks(formulas, first_col), 1, first_col)
    _check_size(sheet, filename)
    _check_lengths(sheet, filename, data)
    return sheet


def _formula_marks(formulas: list[tuple[int, int, str]], first_col: int) -> list[tuple[int, int, str]]:
    """Formula cells without a saved value as (row, column of the batch, FORMULA_MARK + formula)."""
    return [(row, col - first_col, FORMULA_MARK + text) for row, col, text in formulas if col >= first_col]


def _check_size(sheet: RawSheet, filename: str) -> None:
    """The bounds of ``container.py`` for what was read (any format, CSV too): width and cell count."""
    rows, cols = sheet.cells.shape
    cell = f"{column_letter(sheet.first_col + max(cols, 1) - 1)}{sheet.first_row + max(rows, 1) - 1}"
    if cols > container.MAX_COLUMNS:
        raise CcdashError("read.too_wide", file=filename, columns=f"{cols:,}", cell=cell,
                          limit=f"{container.MAX_COLUMNS:,}")
    if rows > container.MAX_ROWS or rows * cols > container.MAX_CELLS:
        raise CcdashError("read.too_big", file=filename, rows=f"{rows:,}", columns=f"{cols:,}", cell=cell,
                          cells=f"{rows * cols:,}", limit=f"{container.MAX_CELLS:,}")


def _load_batch(reader, filename: str, index: int, n_rows: int | None):
    """(arrow batch with cell errors, absolute index of its first column) for one sheet."""
    try:
        sheet = reader.load_sheet(
            index, header_row=None, dtypes="string", skip_rows=0, n_rows=n_rows,
            whitespace_as_null=True,
        )
        columns = sheet.available_columns()
        batch = sheet.to_arrow_with_errors()
    except Exception as exc:
        raise CcdashError("read.corrupt_workbook", file=filename, detail=_short(exc)) from exc
    first_col = columns[0].absolute_index if columns else 0
    return batch, first_col


def _cell_errors(batch) -> list[tuple[int, int, str]]:
    """(row, column, Excel text) of the error cells fastexcel reported as conversion errors."""
    _, errors = batch
    found = []
    for err in getattr(errors, "errors", None) or []:
        match = _ERROR_DETAIL.search(err.detail)
        if match:
            row, col = err.position
            found.append((row, col, _ERROR_TEXT.get(match.group(1), "#" + match.group(1).upper())))
    return found


def _to_raw(name: str, batch, errors, first_row: int, first_col: int) -> RawSheet:
    """Arrow batch → RawSheet with int columns, NA for blanks and the border trimmed."""
    record_batch, _ = batch
    frame = _frame_from_arrays([_blank_to_null(col) for col in record_batch.columns])
    for row, col, text in errors:
        if row < frame.shape[0] and col < frame.shape[1]:  # a formula cell may lie past the last value
            frame.iat[row, col] = text
    return _trim(name, frame, first_row, first_col)


# --- text files -------------------------------------------------------------------------------


def _read_text(data: bytes, filename: str, name: str, n_rows: int | None) -> RawSheet:
    """Decode, sniff and parse a delimited text file into a RawSheet."""
    text, codec = _decode(data, filename)
    sep = _sniff_delimiter(text)
    utf8 = data[3:] if codec == "utf-8-sig" else data if codec == "utf-8" else text.encode()
    del text
    arrays = None if n_rows is not None else _parse_text_fast(utf8, sep)
    if arrays is None:
        arrays = _parse_text_pandas(utf8, filename, sep, n_rows, _sample_width(utf8, sep))
    sheet = _trim(name, _frame_from_arrays([_blank_to_null(a) for a in arrays]), 1, 0)
    _check_size(sheet, filename)
    _check_lengths(sheet, filename)
    return sheet


def _looks_binary(data: bytes) -> bool:
    """True when the start of the file has NUL bytes and no UTF-16 byte-order mark."""
    head = data[:8192]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """(text, codec): BOM, strict UTF-8, GB18030, then charset-normalizer's best guess."""
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise CcdashError("read.undecodable", file=filename) from exc
    if _looks_binary(data):
        raise CcdashError("read.undecodable", file=filename)
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise CcdashError("read.undecodable", file=filename)
    return str(best), best.encoding


def _sniff_delimiter(text: str) -> str:
    """The field delimiter among , ; TAB | — csv.Sniffer on a sample, else by counting."""
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    if found and sum(found in line for line in lines) * 2 > len(lines):
        return found
    return max(DELIMITERS, key=lambda d: _delimiter_score(d, lines))


def _delimiter_score(delimiter: str, lines: list[str]) -> tuple[int, int]:
    """(lines sharing the most common non-zero count, that count) for one candidate delimiter."""
    counts = [c for c in (line.count(delimiter) for line in lines) if c]
    if not counts:
        return (0, 0)
    mode = max(set(counts), key=counts.count)
    return (counts.count(mode), mode)


def _parse_text_fast(utf8: bytes, sep: str) -> list[pa.Array] | None:
    """pyarrow's multi-threaded CSV reader (10× pandas); None when the file is ragged or odd."""
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(_FAST_MAX_COLUMNS)},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if any(t != pa.string() for t in table.schema.types):
        return None
    return [col.combine_chunks() for col in table.columns]


def _sample_width(utf8: bytes, sep: str) -> int:
    """The most fields of a row among the first 64 KB (at least 1)."""
    lines = utf8[:65536].decode("utf-8", errors="ignore").splitlines()[:-1] or [""]
    try:
        return max(1, *(len(row) for row in csv.reader(lines, delimiter=sep)))
    except csv.Error:
        return max(1, *(line.count(sep) + 1 for line in lines))


def _parse_text_pandas(utf8: bytes, filename: str, sep: str, n_rows: int | None, width: int):
    """Every field as text with pandas' C parser; ragged rows are padded with blanks."""
    names = list(range(width))
    for _ in range(50):
        try:
            frame = pd.read_csv(
                io.BytesIO(utf8), sep=sep, header=None, names=names, dtype=STRING,
                encoding="utf-8", keep_default_na=False, na_filter=False,
                skip_blank_lines=False, quotechar='"', engine="c", nrows=n_rows, index_col=False,
            )
            return [pa.array(frame[c].array) for c in frame.columns]
        except pd.errors.EmptyDataError:
            return []
        except (pd.errors.ParserError, ValueError) as exc:
            wider = re.search(r"Expected \d+ fields .* saw (\d+)", str(exc))
            if not wider:
                raise CcdashError("read.csv_failed", file=filename, detail=_short(exc)) from exc
            names = list(range(int(wider.group(1))))
    raise CcdashError("read.csv_failed", file=filename, detail="too many ragged rows")


# --- shared -----------------------------------------------------------------------------------


def _blank_to_null(array) -> pa.Array:
    """Arrow string array with empty and whitespace-only cells as null."""
    array = array.cast(pa.string()) if array.type != pa.string() else array
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    blank = pc.equal(pc.utf8_trim_whitespace(array), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), array)


def _frame_from_arrays(arrays: list[pa.Array]) -> pd.DataFrame:
    """A DataFrame with int column labels 0..n-1, every column pandas string (pyarrow) dtype."""
    data = {i: pd.Series(STRING.__from_arrow__(arr)) for i, arr in enumerate(arrays)}
    frame = pd.DataFrame(data) if data else pd.DataFrame()
    frame.columns = pd.RangeIndex(frame.shape[1])
    return frame


def _trim(name: str, frame: pd.DataFrame, first_row: int, first_col: int) -> RawSheet:
    """Drop leading/trailing all-blank rows and columns, moving ``first_row``/``first_col``."""
    if frame.empty:
        return RawSheet(name, pd.DataFrame(), first_row, first_col)
    filled = frame.notna()
    rows = filled.any(axis=1).to_numpy().nonzero()[0]
    cols = filled.any(axis=0).to_numpy().nonzero()[0]
    if len(rows) == 0:
        return RawSheet(name, pd.DataFrame(), first_row, first_col)
    top, bottom, left, right = rows[0], rows[-1], cols[0], cols[-1]
    cells = frame.iloc[top : bottom + 1, left : right + 1].reset_index(drop=True)
    cells.columns = pd.RangeIndex(cells.shape[1])
    return RawSheet(name, cells, first_row + int(top), first_col + int(left))


def _check_lengths(sheet: RawSheet, filename: str, workbook: bytes | None = None) -> None:
    """Raise ``read.cell_too_long`` for the first cell longer than Excel's 32,767 characters.

    calamine cuts longer workbook strings to exactly 32,767 characters; such a cell is only an
    error when the .xlsx XML really holds a longer text (checked by streaming the archive).
    """
    for col in sheet.cells.columns:
        lengths = pc.utf8_length(pa.array(sheet.cells[col].array))
        longest = pc.max(lengths).as_py()
        if workbook is not None and longest == EXCEL_CELL_LIMIT:
            longest = max(longest, _longest_xml_text(workbook))
        if longest is not None and longest > EXCEL_CELL_LIMIT:
            row = int(pc.index(lengths, pc.max(lengths)).as_py())
            raise CcdashError(
                "read.cell_too_long", file=filename, sheet=sheet.name,
                row=sheet.first_row + row, column=column_letter(sheet.first_col + int(col)),
                length=longest, limit=EXCEL_CELL_LIMIT,
            )


def _longest_xml_text(workbook: bytes) -> int:
    """Characters of the longest text run between XML tags in an .xlsx, read in 1 MB chunks."""
    if not workbook.startswith(ZIP_MAGIC):
        return 0
    longest = 0
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/") and name.endswith(".xml"):
                with archive.open(name) as member:
                    longest = max(longest, _longest_run(member))
    return longest


def _longest_run(stream) -> int:
    """Longest run without ``<`` in a byte stream, in characters (bytes when it spans chunks)."""
    longest = carry = 0
    while chunk := stream.read(1 << 20):
        first, last = chunk.find(b"<"), chunk.rfind(b"<")
        if first < 0:
            carry += len(chunk)
            continue
        longest = max(longest, carry + first)
        for match in _LONG_RUN.finditer(chunk, first, last):
            longest = max(longest, len(match.group().decode("utf-8", "ignore")))
        carry = len(chunk) - last - 1
    return max(longest, carry)
