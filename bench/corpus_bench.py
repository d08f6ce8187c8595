"""The bad-input corpus (tests/corpus/), each file imported once by the command line in a fresh process,
one after the other: what it ends with, how long it takes and its peak memory, against the declared bounds.

    python bench/corpus_bench.py [--lang zh|en] [NAME …]

Prints a Markdown table (file, size, outcome, seconds, peak MB, bounds) for docs/bad_input.md and the
issue's closing note. The outcome is the message code found in the command's output (matched against
the message catalog), or "ok" with the rows imported and rejected.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccdash.i18n import CATALOG  # noqa: E402
from tests.corpus import make_corpus  # noqa: E402
from tests.corpus.run import message_pattern, rejected_codes, run_import  # noqa: E402


def outcome(run, db: str, lang: str, rejects: Path) -> str:
    """The refusal's message code, or ok with the rows imported and the codes of the rows rejected."""
    if run.timed_out:
        return "TIMED OUT"
    if run.returncode == 0:
        from ccdash.store.db import make_engine
        engine = make_engine(db)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT COUNT(*) FROM rec_calls").scalar()
        engine.dispose()
        codes = rejected_codes(rejects, lang)
        listed = ", ".join(f"{code} ×{n}" for code, n in sorted(codes.items()))
        return f"ok: {rows:,} imported" + (f"; rejected: {listed}" if codes else "")
    codes = [c for c in CATALOG for line in run.stderr.splitlines() if message_pattern(c, lang).fullmatch(line)]
    return ", ".join(sorted(set(codes))) or f"exit {run.returncode}: {run.stderr.strip()[-120:]}"


def main(argv: list[str] | None = None) -> int:
    import ccdash.cli  # noqa: F401  (registers every message the CLI prints)
    import ccdash.ingest.pipeline  # noqa: F401

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    args = parser.parse_args(argv)
    entries = [e for e in make_corpus.load_expected() if not args.names or e["file"] in args.names]
    print("| file | size | outcome | seconds | peak MB | bounds (s / MB) |")
    print("|---|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            path = make_corpus.ensure(entry["file"])
            db = f"sqlite:///{Path(tmp) / entry['file']}.db"
            rejects = Path(tmp) / f"{entry['file']}.rejects.xlsx"
            run = run_import(path, db, lang=args.lang, seconds=entry["seconds"], memory_mb=entry["memory_mb"],
                             extra=("--rejects", str(rejects)))
            within = run.seconds <= entry["seconds"] and run.peak_mb <= entry["memory_mb"] and not run.timed_out
            print(f"| {entry['file']} | {_size(path.stat().st_size)} | {outcome(run, db, args.lang, rejects)} | "
                  f"{run.seconds:.1f} | {run.peak_mb:,.0f} | {entry['seconds']} / {entry['memory_mb']:,}"
                  f"{'' if within else ' **EXCEEDED**'} |", flush=True)
    return 0


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.1f} KB"


if __name__ == "__main__":
    raise SystemExit(main())
