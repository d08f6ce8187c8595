"""The bad-input corpus (issue 6): every file of tests/corpus/expected.yaml imported by the real command
line in a fresh process, in Chinese and in English, within its declared time and memory bounds.

A refused file must exit non-zero with its message in the chosen language and leave the store with no
import row and no record; an accepted file must import exactly the declared rows and list each rejected
row with the declared reason. The files are made once and cached (tests/corpus/.files/); the runs go
two at a time (the machine has two cores), the biggest first.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

import ccdash.cli  # noqa: F401  (registers the messages the runs are matched against)
import ccdash.ingest.pipeline  # noqa: F401
from ccdash.store.db import make_engine
from ccdash.store.imports import import_history
from tests.corpus import make_corpus
from tests.corpus.run import message_pattern, rejected_codes, run_import

ENTRIES = make_corpus.load_expected()
LANGS = ("zh", "en")


def _langs(entry: dict) -> tuple[str, ...]:
    return tuple(entry.get("langs", LANGS))


@pytest.fixture(scope="session")
def corpus_runs(request, tmp_path_factory):
    """{(file, lang): (Run, db url, rejects path)} for the corpus files of the selected tests."""
    wanted = {item.callspec.params["entry"]["file"] for item in request.session.items
              if hasattr(item, "callspec") and "entry" in item.callspec.params}
    entries = sorted((e for e in ENTRIES if e["file"] in wanted), key=lambda e: -e["seconds"])
    for entry in entries:
        make_corpus.ensure(entry["file"])
    base = tmp_path_factory.mktemp("corpus")

    def job(entry, lang):
        stem = f"{entry['file']}.{lang}"
        db, rejects = f"sqlite:///{base / stem}.db", base / f"{stem}.rejects.xlsx"
        run = run_import(make_corpus.CACHE / entry["file"], db, lang=lang, seconds=entry["seconds"],
                         memory_mb=entry["memory_mb"], extra=("--rejects", str(rejects)))
        return (entry["file"], lang), (run, db, rejects)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(job, e, lang) for e in entries for lang in _langs(e)]
        return dict(f.result() for f in futures)


def store_counts(db: str) -> tuple[int, int]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            records = conn.exec_driver_sql("SELECT COUNT(*) FROM rec_calls").scalar()
        return len(import_history(engine)), records
    finally:
        engine.dispose()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_file(entry, corpus_runs):
    for lang in _langs(entry):
        run, db, rejects = corpus_runs[(entry["file"], lang)]
        where = (f"{entry['file']} ({lang}): exit {run.returncode}, {run.seconds:.1f} s, {run.peak_mb:.0f} MB\n"
                 f"{run.stderr[-2000:]}")
        assert not run.timed_out, "over the time bound: " + where
        assert run.peak_mb <= entry["memory_mb"], "over the memory bound: " + where
        assert "Traceback" not in run.stderr, where
        if entry["expect"] == "ok":
            assert run.returncode == 0, where
            assert message_pattern("cli.imported", lang).search(run.stdout), where
            assert store_counts(db) == (1, entry["accepted"]), where
            assert rejected_codes(rejects, lang) == Counter(entry.get("rejects", {})), where
            EXTRA_CHECKS.get(entry["file"], lambda db: None)(db)
        else:
            assert run.returncode == 2, where
            assert message_pattern(entry["expect"], lang).search(run.stderr), where
            assert store_counts(db) == (0, 0), "partial import: " + where


def formula_text_stored_as_given(db: str) -> None:
    """=HYPERLINK(…)/@SUM(…) typed as text are data, kept exactly (the export side escapes them)."""
    engine = make_engine(db)
    with engine.connect() as conn:
        stored = {v for row in conn.exec_driver_sql("SELECT queue, business_type FROM rec_calls") for v in row}
    engine.dispose()
    assert {'=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+1", "-2+3", "=cmd|' /C calc'!A0"} <= stored


EXTRA_CHECKS = {"formula_text.xlsx": formula_text_stored_as_given}  # file → check(db) after an ok import


# --- the container checks on their own (in-process, small inputs) -------------------------------


def test_extent_scan_gives_the_same_answer_whatever_the_chunking():
    from ccdash.ingest.container import _ExtentScan

    xml = b'<row r="3" spans="1:2"><c r="B3"/><c r="AB3" t="s"><v>1</v></c></row>' * 50 + \
        b'<row r="1048576"><c r="AMJ1048576"/></row><mergeCell ref="A1:XFD9"/>'
    for size in (1, 7, 64, len(xml)):
        scan = _ExtentScan()
        for i in range(0, len(xml), size):
            scan.feed(xml[i : i + size])
        assert scan.finish().code == "read.too_big" and (scan.rows, scan.columns) == (1_048_576, 1_024)


def test_too_many_parts_and_a_sheet_under_another_name():
    import io
    import zipfile

    from ccdash.findings import CcdashError
    from ccdash.ingest.read import read_sheet

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(5_001):
            zf.writestr(f"xl/media/p{i}.xml", "")
    with pytest.raises(CcdashError) as exc:
        read_sheet(buf.getvalue(), "many.xlsx")
    assert exc.value.code == "read.too_many_parts" and "5002" in exc.value.message("en")
    hidden = io.BytesIO()
    with zipfile.ZipFile(hidden, "w") as zf:  # the reader follows the links, whatever the part is called
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/data/notes.txt", '<row r="1048576"><c r="XFD1048576"/></row>')
    with pytest.raises(CcdashError) as exc:
        read_sheet(hidden.getvalue(), "hidden.xlsx")
    assert exc.value.code == "read.too_wide" and "XFD1048576" in exc.value.message("zh")


def test_a_csv_gets_the_same_width_limit():
    from ccdash.findings import CcdashError
    from ccdash.ingest.read import read_sheet

    header = ",".join(["通话ID", "来电时间"] + [f"备注{i}" for i in range(1_100)])
    with pytest.raises(CcdashError) as exc:
        read_sheet((header + "\nC1,2026-03-02 09:00:00\n").encode("utf-8"), "wide.csv")
    assert exc.value.code == "read.too_wide" and "1,102" in exc.value.message("en")
