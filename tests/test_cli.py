"""The command line as a user runs it: a real process, exit codes, messages in both languages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccdash", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def db(stores):
    return stores.new("cli")


def test_import_then_query_then_undo(db, small_files):
    out = run("--db", db, "import", str(small_files["calls"]), "--kind", "calls")
    assert out.returncode == 0, out.stderr
    assert "接受 8" in out.stdout and "忽略 1" in out.stdout and "合计行 1" in out.stdout
    out = run("--db", db, "query", "接通率,aht", "--from", "2026-03-02", "--to", "2026-03-03", "--grain", "total")
    assert out.returncode == 0 and "answer_rate,0.75" in out.stdout
    out = run("--db", db, "--lang", "en", "undo", "1")
    assert out.returncode == 0 and "undone" in out.stdout


def test_dry_run_writes_nothing_and_rejects_can_be_saved(db, tmp_path, small_files):
    rejects = tmp_path / "rejects.xlsx"
    out = run("--db", db, "--lang", "en", "import", str(small_files["calls"]), "--kind", "calls",
              "--value", "result:测试=abandoned", "--map", "caller=", "--dry-run", "--rejects", str(rejects))
    assert out.returncode == 0 and "Dry run" in out.stdout and "ignored 0" in out.stdout
    assert run("--db", db, "history").stdout.strip().startswith("Empty")


@pytest.mark.parametrize("lang, text", [("zh", "找不到文件"), ("en", "File not found")])
def test_missing_file_is_a_clear_message(db, lang, text):
    out = run("--db", db, "--lang", lang, "import", "nope.xlsx", "--kind", "calls")
    assert out.returncode == 2 and text in out.stderr and "Traceback" not in out.stderr


def test_unknown_kind_and_indicator_are_clear(db, small_files):
    out = run("--db", db, "--lang", "en", "import", str(small_files["calls"]), "--kind", "cals")
    assert out.returncode == 2 and "calls" in out.stderr and "Traceback" not in out.stderr
    out = run("--db", db, "query", "接通律", "--from", "2026-03-02", "--to", "2026-03-03")
    assert out.returncode == 2 and "接通率" in out.stderr


def test_indicators_lists_the_catalog():
    out = run("--lang", "en", "indicators")
    assert out.returncode == 0 and "answer_rate\tAnswer rate" in out.stdout


def test_nothing_mapped_exits_non_zero_with_an_english_message(db, tmp_path):
    from tests.conftest import CJK, write_xlsx
    path = write_xlsx(tmp_path / "odd.xlsx", ["foo", "bar", "baz"], [["C1", "2026-03-02 09:00", "x"]])
    out = run("--db", db, "--lang", "en", "import", str(path), "--kind", "calls")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    line = next(x for x in out.stderr.splitlines() if "No recognisable headers" in x)
    assert "odd.xlsx" in line and "Call records" in line and not CJK.search(line)
    out = run("--db", db, "--lang", "en", "import", str(path), "--kind", "calls", "--map", "call_id=foo",
              "--map", "start_time=bar", "--dry-run")
    assert out.returncode == 0, out.stderr


def test_rejected_rows_are_reported_as_a_warning(db, tmp_path):
    from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
    rows = [list(r) for r in SMALL_CALLS]
    rows[2][5] = "昨天上午"
    path = write_xlsx(tmp_path / "r.xlsx", CALL_HEADERS, rows)
    out = run("--db", db, "--lang", "en", "import", str(path), "--kind", "calls", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "[warning] 1 row" in out.stdout and "rejected" in out.stdout


@pytest.mark.parametrize("lang, text", [("zh", "内存不足"), ("en", "Out of memory")])
def test_out_of_memory_is_a_message_not_a_traceback(db, small_files, monkeypatch, capsys, lang, text):
    import ccdash.ingest.pipeline as pipeline
    from ccdash.cli import main

    def exhausted(*_args, **_kwargs):
        raise MemoryError
    monkeypatch.setattr(pipeline, "prepare_import", exhausted)
    code = main(["--db", db, "--lang", lang, "import", str(small_files["calls"]), "--kind", "calls"])
    err = capsys.readouterr().err
    assert code == 3 and text in err and "Traceback" not in err
