"""Bad input at the import level: each case gives a clear message in Chinese and English, the store
is left exactly as it was (no partial import), and nothing is dropped without being reported."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from ccdash.findings import CcdashError
from ccdash.ingest.clean import rejects_table
from ccdash.ingest.pipeline import prepare_import, run_import
from ccdash.store.imports import import_history
from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN


def store_is_untouched(engine) -> bool:
    with engine.connect() as conn:
        calls = conn.exec_driver_sql("SELECT COUNT(*) FROM rec_calls").scalar()
        measures = conn.exec_driver_sql("SELECT COUNT(*) FROM call_fine").scalar()
    return import_history(engine).empty and calls == 0 and measures == 0


def refused(engine, data: bytes, name: str, code: str) -> CcdashError:
    """The import is refused with ``code``, messages in both languages, and nothing is written."""
    with pytest.raises(CcdashError) as exc:
        run_import(engine, prepare_import(data, name, "calls", engine=engine), actor=ADMIN)
    assert exc.value.code == code
    zh, en = exc.value.message("zh"), exc.value.message("en")
    assert zh and en and zh != en and "Traceback" not in zh + en
    assert store_is_untouched(engine)
    return exc.value


def xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_calls(tmp_path) -> bytes:
    return write_xlsx(tmp_path / "c.xlsx", CALL_HEADERS, SMALL_CALLS).read_bytes()


def test_corrupted_xlsx(engine, tmp_path):
    data = good_calls(tmp_path)
    err = refused(engine, data[: len(data) // 2], "呼入明细.xlsx", "read.corrupt_workbook")
    assert "呼入明细.xlsx" in err.message("en")


def test_word_document_renamed_to_xlsx(engine):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    err = refused(engine, buf.getvalue(), "报表.xlsx", "read.looks_like_word")
    assert "Word" in err.message("zh")


def test_empty_sheet(engine):
    refused(engine, xlsx(lambda wb: None), "empty.xlsx", "import.no_rows")


def test_sheet_without_recognisable_headers(engine):
    def build(wb):
        for row in (["甲", "乙", "丙"], [1, 2, 3], [4, 5, 6]):
            wb.active.append(row)
    refused(engine, xlsx(build), "odd.xlsx", "map.no_headers")


def test_ten_megabyte_single_cell(engine):
    data = ("通话ID,来电时间,呼叫结果\nC1," + "x" * 10_000_000 + ",接通\n").encode()
    started = time.perf_counter()
    err = refused(engine, data, "huge.csv", "read.cell_too_long")
    assert time.perf_counter() - started < 10
    assert "B" in err.message("en")  # names the column


def test_csv_in_gbk_imports_with_its_chinese_intact(engine):
    lines = ["通话ID,主叫号码,坐席工号,业务类型,来电时间,排队时长(秒),通话时长,呼叫结果",
             "C1,01088886666,0101,借记卡挂失,2026/3/2 9:05,12,0:02:00,接通",
             "C2,13900000001,,信用卡激活,2026/3/2 9:07,40,,放弃"]
    data = "\r\n".join(lines).encode("gbk")
    outcome = run_import(engine, prepare_import(data, "明细.csv", "calls", engine=engine), actor=ADMIN)
    assert outcome.commit.inserted == 2
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT business_type, agent_id, caller_mask FROM rec_calls ORDER BY call_id").all()
    assert rows == [("借记卡挂失", "0101", "010****6666"), ("信用卡激活", None, "139****0001")]


def test_formula_error_cells_are_rejected_with_reasons_and_the_rest_imports(engine, tmp_path):
    def build(wb):
        ws = wb.active
        ws.append(CALL_HEADERS)
        for row in SMALL_CALLS[:4]:
            ws.append(row)
        ws["G3"] = "#REF!"  # 排队时长 of C002 (Excel row 3)
        ws["G3"].data_type = "e"
        ws["H5"] = "#DIV/0!"  # 通话时长 of C004 (Excel row 5)
        ws["H5"].data_type = "e"
    prepared = prepare_import(xlsx(build), "f.xlsx", "calls", engine=engine)
    rejects = rejects_table(prepared.cleaned, "en")
    assert list(rejects["Row"]) == [3, 5]
    assert all("Excel error" in reason for reason in rejects["Reason"])
    assert (prepared.report["accepted"], prepared.report["rejected"]) == (2, 2)
    assert run_import(engine, prepared, actor=ADMIN).commit.inserted == 2


def test_duplicate_call_ids_inside_one_file(engine, tmp_path):
    rows = [list(r) for r in SMALL_CALLS[:3]]
    rows[1][0] = "C001"
    data = write_xlsx(tmp_path / "d.xlsx", CALL_HEADERS, rows).read_bytes()
    err = refused(engine, data, "d.xlsx", "import.duplicate_keys")
    assert "通话ID" in err.message("zh")


def test_every_row_rejected_is_refused_with_the_rejects_listed(engine, tmp_path):
    rows = [list(r) for r in SMALL_CALLS[:2]]
    for row in rows:
        row[5] = "昨天上午"
    data = write_xlsx(tmp_path / "r.xlsx", CALL_HEADERS, rows).read_bytes()
    prepared = prepare_import(data, "r.xlsx", "calls", engine=engine)
    assert len(rejects_table(prepared.cleaned, "zh")) == 2
    refused(engine, data, "r.xlsx", "import.nothing_accepted")


def test_unsupported_file_type(engine):
    refused(engine, b"%PDF-1.4", "report.pdf", "read.unsupported_type")


def _random_bytes(seed: int, size: int) -> bytes:
    """Random bytes without NUL (a NUL already marks a file as binary): the case that used to pass as text."""
    import random
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(size))


@pytest.mark.parametrize("data", [_random_bytes(seed, size) for seed, size in ((1, 10), (2, 100), (3, 5000))]
                         + [b"this is not a workbook at all"], ids=["r10", "r100", "r5000", "text"])
def test_random_bytes_named_xlsx_are_not_a_workbook(engine, data):
    err = refused(engine, data, "报表.xlsx", "read.corrupt_workbook")
    assert "报表.xlsx" in err.message("en")


@pytest.mark.parametrize("main_part", ["word/document.xml", "word/document2.xml"])  # Word online writes the 2nd
def test_real_word_document_named_xlsx(engine, main_part):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:  # the parts Word writes
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
                    .replace("/word/document.xml", "/" + main_part))
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("docProps/app.xml", "<Properties/>")
        zf.writestr(main_part, "<w:document><w:body><w:p><w:r><w:t>通话ID</w:t></w:r></w:p></w:body>"
                    "</w:document>")
        zf.writestr("word/styles.xml", "<w:styles/>")
    err = refused(engine, buf.getvalue(), "呼入明细.xlsx", "read.looks_like_word")
    assert "Word" in err.message("en")
