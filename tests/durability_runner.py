"""A separate importing process for the concurrency tests: ``python -m tests.durability_runner URL FILE KIND``.

It prepares the import (reads and checks the file), prints ``prepared`` and waits for a line on stdin,
so that the test can release several processes into their write phase at the same moment; then it
writes the import and prints ``done <import id> <status>``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ccdash.auth.roles import cli_actor
from ccdash.ingest.pipeline import prepare_import, run_import
from ccdash.store.db import make_engine


def main(url: str, path: str, kind: str) -> int:
    if os.environ.get("CCDASH_TEST_NO_IMPORT_LOCK") == "1":  # to see the concurrency tests fail without the lock
        import ccdash.store.locks
        ccdash.store.locks.import_lock = lambda conn: None
    engine = make_engine(url)
    file = Path(path)
    prepared = prepare_import(file.read_bytes(), file.name, kind, engine=engine)
    if not prepared.ok:
        print("errors", [f.message("en") for f in prepared.findings if f.level == "error"], flush=True)
        return 2
    print("prepared", flush=True)
    sys.stdin.readline()  # the test's go signal
    commit = run_import(engine, prepared, actor=cli_actor()).commit
    print("done", commit.import_id, commit.status, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
