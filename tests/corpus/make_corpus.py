"""Writes the bad-input corpus (issue 6): hostile and broken ``calls`` exports, each declared in
``expected.yaml`` with the outcome the import must end with and its time and memory bounds.

    python tests/corpus/make_corpus.py [--force] [--out DIR] [NAME …]

Files go to a cache folder (default ``tests/corpus/.files/``, git-ignored: the biggest are hundreds of
MB) and are made only when missing, so the tests and ``bench/corpus_bench.py`` build them once. Each is
written to a temporary name and renamed, so an interrupted run never leaves half a file behind.
Big parts are streamed through ``zipfile`` in chunks: the zip bomb's 5 GiB sheet never exists in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = HERE / ".files"
EXPECTED = HERE / "expected.yaml"

CALL_HEADERS = ["通话ID", "主叫号码", "技能组", "坐席工号", "业务类型", "来电时间", "排队时长(秒)", "通话时长",
                "保持时长(秒)", "话后处理时长(秒)", "呼叫结果", "是否转接", "是否解决", "满意度"]
BIG_HEADERS = ["通话ID", "坐席工号", "来电时间", "通话时长(秒)", "呼叫结果"]
QUEUES, TYPES = ("信用卡", "借记卡", "理财"), ("挂失", "激活", "查询", "投诉")
MAX_ROWS, MAX_COLS = 1_048_576, 16_384  # Excel's sheet limits
BOMB_BYTES = 5 * 2**30  # the zip bomb's sheet1.xml unpacks to 5 GiB
LIAR_BYTES = 2**30  # the zip bomb whose headers claim 10 KB unpacks to 1 GiB
BIG_CELL_BYTES = 50 * 2**20
CHUNK = 1 << 22
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006"
LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
DOCTYPE = f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>'


# --- realistic rows ---------------------------------------------------------------------------


def call_row(i: int, rng: random.Random) -> list:
    """One realistic call: answered calls have an agent, talk time and a survey score, abandoned ones not."""
    start = dt.datetime(2026, 3, 2, 8) + dt.timedelta(seconds=37 * i)
    answered = rng.random() < 0.85
    talk = rng.randint(30, 900)
    return [f"C{i:06d}", f"139{rng.randint(0, 99_999_999):08d}", rng.choice(QUEUES),
            f"A{rng.randint(1, 40):02d}" if answered else None, rng.choice(TYPES), start, rng.randint(0, 120),
            f"{talk // 3600}:{talk // 60 % 60:02d}:{talk % 60:02d}" if answered else None,
            rng.randint(0, 60) if answered else None, rng.randint(0, 90) if answered else None,
            "接通" if answered else "放弃", rng.choice(("是", "否")) if answered else None,
            rng.choice(("是", "否")) if answered else None, rng.randint(1, 5) if answered else None]


def call_rows(n: int, seed: int = 6) -> list[list]:
    rng = random.Random(seed)
    return [call_row(i + 1, rng) for i in range(n)]


def text_rows(n: int) -> list[list[str]]:
    """The rows as an export system writes them to CSV: every value as text, blanks empty."""
    def text(v):
        return "" if v is None else v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else str(v)
    return [[text(v) for v in row] for row in call_rows(n)]


# --- writers ----------------------------------------------------------------------------------


def openpyxl_book(rows: list[list], headers=CALL_HEADERS, title: str | None = None):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "呼入明细"
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    return wb


def xlsx_bytes(rows: list[list], headers=CALL_HEADERS) -> bytes:
    buf = io.BytesIO()
    openpyxl_book(rows, headers).save(buf)
    return buf.getvalue()


def cell_xml(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row_xml(r: int, values: list, col_names: list[str] | None = None) -> str:
    from ccdash.ingest.read import column_letter
    names = col_names or [column_letter(c) for c in range(len(values))]
    return f'<row r="{r}">' + "".join(cell_xml(f"{names[c]}{r}", v) for c, v in enumerate(values)) + "</row>"


def text_calls(rows: int, first_row: int = 2) -> str:
    return "".join(row_xml(first_row + i, row) for i, row in enumerate(text_rows(rows)))


def write_package(path: Path, sheet_chunks, shared_strings: str | None = None, *, level: int = 6,
                  zip64: bool = False) -> None:
    """A minimal hand-built .xlsx (one sheet named 呼入明细), the sheet XML streamed from ``sheet_chunks``."""
    sst_type = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/>') if shared_strings else ""
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{NS_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.worksheet+xml"/>{sst_type}</Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{NS_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{NS_R}">'
        '<sheets><sheet name="呼入明细" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS_PKG}/'
        f'relationships"><Relationship Id="rId1" Type="{NS_R}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{NS_R}/sharedStrings" Target="sharedStrings.xml"/>'
           if shared_strings else "") + "</Relationships>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        if shared_strings:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as member:
            for chunk in sheet_chunks:
                member.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


def sheet_head(extra: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>{extra}<worksheet xmlns="{NS}"><sheetData>'


SHEET_TAIL = "</sheetData></worksheet>"


def repeated(unit: bytes, total: int):
    """``total`` bytes of ``unit`` repeated, in chunks (never all in memory)."""
    block = unit * (CHUNK // len(unit))
    left = total
    while left > 0:
        yield block[:left]
        left -= len(block)


# --- the corpus -------------------------------------------------------------------------------


def make_truncated(path: Path) -> None:
    data = xlsx_bytes(call_rows(200))
    path.write_bytes(data[: len(data) * 6 // 10])


def make_bad_central_directory(path: Path) -> None:
    """Every central-directory entry gets its CRC, sizes and local-header offset bytes flipped."""
    data = bytearray(xlsx_bytes(call_rows(200)))
    start = data.index(b"PK\x01\x02")
    pos = start
    while pos >= 0:
        for off in list(range(16, 28)) + list(range(42, 46)):
            data[pos + off] ^= 0xA5
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def make_zip_bomb(path: Path) -> None:
    """sheet1.xml: the headers, then 5 GiB of blanks (legal between elements), deflated ~1000:1."""
    head = sheet_head() + row_xml(1, CALL_HEADERS)
    write_package(path, [head, *repeated(b" " * 1024, BOMB_BYTES), SHEET_TAIL], level=9, zip64=True)


def make_zip_bomb_lying(path: Path) -> None:
    """A 1 GiB sheet whose local and central headers claim it unpacks to 10 KB (CRC kept true)."""
    head = sheet_head() + row_xml(1, CALL_HEADERS)
    tmp = path.with_suffix(".tmp2")
    write_package(tmp, [head, *repeated(b" " * 1024, LIAR_BYTES), SHEET_TAIL], level=9)
    data = bytearray(tmp.read_bytes())
    tmp.unlink()
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig)
        while pos >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[pos + size_at : pos + size_at + 4] = (10_240).to_bytes(4, "little")
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def make_entity_bomb_sheet(path: Path) -> None:
    laughs = '<row r="7"><c r="E7" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    rows = row_xml(1, CALL_HEADERS) + text_calls(5) + laughs
    write_package(path, [sheet_head(DOCTYPE), rows, SHEET_TAIL])


def make_entity_bomb_shared_strings(path: Path) -> None:
    sst = (f'<?xml version="1.0" encoding="UTF-8"?>{DOCTYPE}<sst xmlns="{NS}" count="1" uniqueCount="1">'
           "<si><t>&lol9;</t></si></sst>")
    rows = row_xml(1, CALL_HEADERS) + text_calls(5) + '<row r="7"><c r="E7" t="s"><v>0</v></c></row>'
    write_package(path, [sheet_head(), rows, SHEET_TAIL], shared_strings=sst)


def make_password(path: Path) -> None:
    """A real ECMA-376 (agile) encrypted workbook, made by msoffcrypto-tool; password 'ccdash'."""
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = io.BytesIO(xlsx_bytes(call_rows(50)))
    with open(path, "wb") as out:
        OOXMLFile(plain).encrypt("ccdash", out)


def make_xlsb(path: Path) -> None:
    """A binary (BIFF12) workbook written by pyxlsbwriter (Excel itself is not available here)."""
    from pyxlsbwriter import XlsbWriter
    with XlsbWriter(str(path)) as writer:
        writer.add_sheet("呼入明细")
        writer.write_sheet([CALL_HEADERS, *call_rows(100)])


def make_xls(path: Path) -> None:
    """An Excel 97-2003 workbook written by xlwt, dates as real date cells."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("呼入明细")
    stamp = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for c, text in enumerate(CALL_HEADERS):
        sheet.write(0, c, text)
    for r, row in enumerate(call_rows(300), start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write(r, c, value, stamp)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def make_max_rows(path: Path) -> None:
    """Excel's last row: the headers and 1,048,575 calls in five columns. The sheet XML is streamed in the
    form xlsxwriter's constant-memory mode writes (inline strings), ~15× faster than xlsxwriter itself."""
    def rows():
        start = dt.datetime(2026, 1, 1)
        yield sheet_head() + row_xml(1, BIG_HEADERS)
        for first in range(2, MAX_ROWS + 1, 8192):
            yield "".join(_big_row(r, start) for r in range(first, min(first + 8192, MAX_ROWS + 1)))
        yield SHEET_TAIL
    write_package(path, rows(), level=1)


def _big_row(r: int, start: dt.datetime) -> str:
    when = (start + dt.timedelta(seconds=2 * r)).strftime("%Y-%m-%d %H:%M:%S")
    result = "放弃" if r % 9 == 0 else "接通"
    return (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>C{r:07d}</t></is></c><c r="B{r}" t="inlineStr"><is>'
            f'<t>A{r % 300:03d}</t></is></c><c r="C{r}" t="inlineStr"><is><t>{when}</t></is></c><c r="D{r}">'
            f'<v>{30 + r % 600}</v></c><c r="E{r}" t="inlineStr"><is><t>{result}</t></is></c></row>')


def make_max_columns(path: Path) -> None:
    """The call headers, then 备注15 … up to column XFD (16,384), and three calls."""
    from ccdash.ingest.read import column_letter
    headers = CALL_HEADERS + [f"备注{c + 1}" for c in range(len(CALL_HEADERS), MAX_COLS)]
    names = [column_letter(c) for c in range(MAX_COLS)]
    rows = [row_xml(1, headers, names)] + [row_xml(2 + i, row, names) for i, row in enumerate(text_rows(3))]
    write_package(path, [sheet_head(), *rows, SHEET_TAIL])


def make_corner_cells(path: Path) -> None:
    """A dense-range bomb: a normal header row and one stray cell at AMJ1048576 (column 1,024, the last
    row). The reader would allocate 1,048,576 × 1,024 cells (a cell at XFD1048576 makes it abort)."""
    stray = '<row r="1048576"><c r="AMJ1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    write_package(path, [sheet_head(), row_xml(1, CALL_HEADERS), text_calls(3), stray, SHEET_TAIL])


def make_big_cell(path: Path) -> None:
    """Row 3's 业务类型 (column E) holds 50 MB of text; Excel stops at 32,767 characters, files need not."""
    rows = text_rows(5)
    before = row_xml(1, CALL_HEADERS) + "".join(row_xml(2 + i, r) for i, r in enumerate(rows[:1]))
    third = rows[1]
    head = row_xml(3, third[:4]).removesuffix("</row>") + '<c r="E3" t="inlineStr"><is><t>'
    rest = "".join(cell_xml(f"{chr(70 + i)}3", v) for i, v in enumerate(third[5:9])) + "</row>"
    after = "".join(row_xml(4 + i, r) for i, r in enumerate(rows[2:]))
    chunks = [sheet_head(), before, head, *repeated(b"x" * 1024, BIG_CELL_BYTES), "</t></is></c>" + rest,
              after, SHEET_TAIL]
    write_package(path, chunks)


def make_garbage(path: Path) -> None:
    path.write_bytes(random.Random(66).randbytes(256 * 1024))


def write_csv(path: Path, encoding: str, sep: str = ",", newline: str = "\r\n") -> None:
    lines = [sep.join(CALL_HEADERS)] + [sep.join(r) for r in text_rows(200)]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))  # one BOM (utf-16), at the start


def make_gbk(path: Path) -> None:
    write_csv(path, "gbk")


def make_utf16(path: Path) -> None:
    """What Excel's "Unicode text" writes: UTF-16 LE with a byte-order mark, TAB between fields."""
    write_csv(path, "utf-16", sep="\t")


def make_mixed_newlines(path: Path) -> None:
    lines = [",".join(CALL_HEADERS)] + [",".join(r) for r in text_rows(201)]
    endings = ("\r\n", "\n", "\r")
    path.write_bytes("".join(line + endings[i % 3] for i, line in enumerate(lines)).encode("utf-8"))


def make_formulas(path: Path) -> None:
    """Formulas without a saved value (as openpyxl and some export tools write them) and error cells."""
    wb = openpyxl_book(call_rows(20))
    ws = wb.active
    ws["H3"] = "=G3*2"  # 通话时长 of row 3: a formula nobody calculated
    ws["G5"] = "=SUM(G2:G4)"  # 排队时长
    for ref, error in (("G7", "#REF!"), ("H9", "#DIV/0!"), ("N11", "#N/A")):
        ws[ref] = error
        ws[ref].data_type = "e"
    wb.save(path)


def make_merged_headers(path: Path) -> None:
    """A merged title row over all columns, and one header ('呼叫结果') merged across two columns."""
    wb = openpyxl_book(call_rows(30), headers=CALL_HEADERS[:11] + [None] + CALL_HEADERS[11:],
                       title="呼入明细报表 2026年3月")
    ws = wb.active
    for row in ws.iter_rows(min_row=3):
        values = [c.value for c in row]
        for c, v in zip(row, values[:11] + ["（备注）"] + values[11:]):
            c.value = v
    ws.merge_cells("A1:O1")
    ws.merge_cells("K2:L2")
    wb.save(path)


def make_formula_text(path: Path) -> None:
    """Text that a spreadsheet would run as a formula, as plain string cells in name/queue columns."""
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("呼入明细")
    sheet.write_row(0, 0, CALL_HEADERS)
    texts = ('=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+1", "-2+3", "=cmd|' /C calc'!A0")
    for r, row in enumerate(text_rows(10), start=1):
        row[2] = texts[r % len(texts)]  # 技能组
        row[4] = texts[(r + 1) % len(texts)]  # 业务类型
        sheet.write_row(r, 0, row)
    book.close()


def make_dates_out_of_range(path: Path) -> None:
    """来电时间 before 1900 (text: Excel has no such date) and after 2100 (real date cells)."""
    rows = call_rows(12)
    rows[1][5] = "1899-12-31 09:00:00"
    rows[3][5] = "1850-06-01 10:00:00"
    rows[5][5] = dt.datetime(2101, 1, 1, 9, 0)
    rows[7][5] = dt.datetime(2150, 3, 2, 9, 0)
    openpyxl_book(rows).save(path)


def make_durations(path: Path) -> None:
    """Negative talk/queue times and talk times over 24 hours, in the forms exports use."""
    rows = call_rows(12)
    for i, value in ((1, "-0:01:40"), (3, "-30"), (5, "25:00:00"), (7, "90000"), (9, "1天"), (10, "23:59:59")):
        rows[i][7] = value
    rows[2][6] = -15
    openpyxl_book(rows).save(path)


BUILDERS = {
    "truncated.xlsx": make_truncated,
    "bad_central_directory.xlsx": make_bad_central_directory,
    "zip_bomb.xlsx": make_zip_bomb,
    "zip_bomb_lying_sizes.xlsx": make_zip_bomb_lying,
    "entity_bomb_sheet.xlsx": make_entity_bomb_sheet,
    "entity_bomb_shared_strings.xlsx": make_entity_bomb_shared_strings,
    "password.xlsx": make_password,
    "binary.xlsb": make_xlsb,
    "legacy.xls": make_xls,
    "rows_1048576.xlsx": make_max_rows,
    "columns_16384.xlsx": make_max_columns,
    "corner_cells.xlsx": make_corner_cells,
    "cell_50mb.xlsx": make_big_cell,
    "garbage.xlsx": make_garbage,
    "calls_gbk.csv": make_gbk,
    "calls_utf16.csv": make_utf16,
    "mixed_newlines.csv": make_mixed_newlines,
    "formulas_and_errors.xlsx": make_formulas,
    "merged_headers.xlsx": make_merged_headers,
    "formula_text.xlsx": make_formula_text,
    "dates_out_of_range.xlsx": make_dates_out_of_range,
    "durations.xlsx": make_durations,
}


def ensure(name: str, cache: Path = CACHE, *, force: bool = False) -> Path:
    """The path of corpus file ``name``, built first when it is missing (or ``force``)."""
    path = cache / name
    if path.exists() and not force:
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    BUILDERS[name](tmp)
    tmp.replace(path)
    return path


def load_expected(path: Path = EXPECTED) -> list[dict]:
    """The declared outcomes: one dict per file (see the comment at the top of expected.yaml)."""
    import yaml
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = set(BUILDERS) ^ {e["file"] for e in entries}
    if missing:
        raise ValueError(f"expected.yaml and BUILDERS disagree on {sorted(missing)}")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="files to make (default: all)")
    parser.add_argument("--out", type=Path, default=CACHE)
    parser.add_argument("--force", action="store_true", help="make them again even when present")
    args = parser.parse_args(argv)
    for name in args.names or BUILDERS:
        path = ensure(name, args.out, force=args.force)
        print(f"{path}\t{path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
