"""Import one corpus file the way a user does — ``python -m ccdash import FILE --kind calls`` in a fresh
process — with its time bound (a timer kills the process) and its memory bound (``RLIMIT_AS`` set in the
child; peak RSS read from ``os.wait4`` in tests/corpus/measure.py). Shared by tests/test_corpus.py and
bench/corpus_bench.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MEASURE = Path(__file__).resolve().parent / "measure.py"
AS_HEADROOM_MB = 1024  # address space the interpreter, its libraries and thread arenas reserve beyond RSS


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timed_out: bool


def run_import(path: Path, db_url: str, *, lang: str, seconds: float, memory_mb: int,
               extra: tuple[str, ...] = ()) -> Run:
    """One CLI import of ``path`` into ``db_url``, bounded; output captured through files (no pipe stalls)."""
    cmd = [sys.executable, "-m", "ccdash", "--db", db_url, "--lang", lang, "import", str(path), "--kind", "calls",
           *extra]
    limit = (memory_mb + AS_HEADROOM_MB) << 20
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "measure.txt"
        started = time.perf_counter()
        # through tests/corpus/measure.py: the peak RSS of the import itself, not of this (large) test process
        subprocess.run([sys.executable, str(MEASURE), str(report), str(limit), str(seconds), "--", *cmd],
                       stdout=out, stderr=err, cwd=ROOT, env=env, timeout=seconds + 60, check=True)
        elapsed = time.perf_counter() - started
        code, maxrss_kb, killed = (int(x) for x in report.read_text().split())
        out.seek(0)
        err.seek(0)
        return Run(code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   elapsed, maxrss_kb / 1024, bool(killed))


def message_pattern(code: str, lang: str) -> re.Pattern:
    """A regex matching message ``code`` in ``lang`` whatever its parameters (each ``{param}`` → ``.+?``)."""
    from ccdash.i18n import CATALOG

    parts = re.split(r"\{[^{}]*\}", CATALOG[code][lang])
    return re.compile(".+?".join(map(re.escape, parts)), re.S)


def codes_of(text: str, lang: str, candidates) -> list[str]:
    """The candidate codes whose message (in ``lang``) matches all of ``text``."""
    return [code for code in candidates if message_pattern(code, lang).fullmatch(text)]


def rejected_codes(path: Path, lang: str):
    """Counter {code: rows} of a rejected-rows workbook the CLI wrote (``--rejects``), each reason matched
    to the one row message it is; empty when the CLI wrote none."""
    from collections import Counter

    import openpyxl

    from ccdash.i18n import CATALOG

    if not path.exists():
        return Counter()
    row_codes = sorted(c for c in CATALOG if c.startswith("row."))
    found = Counter()
    for row in list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))[1:]:
        codes = codes_of(str(row[-1]), lang, row_codes)
        found[codes[0] if len(codes) == 1 else f"ambiguous: {row[-1]}"] += 1
    return found
