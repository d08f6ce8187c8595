"""The floor of a 700,000-row import on SQLite: what no implementation of issue #2's design can go under.

    python bench/import_floor.py [--file bench/out/calls_700k.xlsx]

Issue #2 asks for two things on every import: the normalized call records, and additive measures at
date × 30 min × agent × queue × business type. The fast reader (fastexcel, like python-calamine) parses
the whole sheet before it hands back a single row, so nothing can be written while it reads; and SQLite
has one writer. So the shortest possible import is

    reader alone  +  plain writes of the records  +  plain writes of the fine measures

with no header search, no parsing or validation, no hashing, no measure computation, no indexes, no
roll-ups, no import log. This script measures those three terms on the benchmark file and prints them
beside the target (end to end ≤ 2 × the reader alone). The rows written are exactly ccdash's: the
records frame of a real import and the fine-grain measures computed from it (prepared untimed).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def plain_write(db: Path, name: str, frame) -> float:
    """CREATE TABLE without keys or indexes, one executemany in one WAL transaction, COMMIT."""
    from ccdash.store.db import _python_values
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    cols = list(frame.columns)
    con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)})')
    con.commit()
    t0 = time.perf_counter()
    sql = f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(cols))})'
    for start in range(0, len(frame), 50_000):
        part = frame.iloc[start:start + 50_000]
        con.executemany(sql, zip(*(_python_values(part[c]) for c in cols)))
    con.commit()
    seconds = time.perf_counter() - t0
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=ROOT / "bench" / "out" / "calls_700k.xlsx")
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} is missing: run `python bench/import_bench.py` first (it generates the file)")
    import fastexcel

    from ccdash.ingest.pipeline import prepare_import
    from ccdash.store.imports import hash_numbers
    from ccdash.store.measures import call_measures

    data = args.file.read_bytes()
    t0 = time.perf_counter()
    frame = fastexcel.read_excel(data).load_sheet(0).to_pandas()
    reader = time.perf_counter() - t0
    rows = len(frame)
    del frame

    prepared = prepare_import(data, args.file.name, "calls")  # untimed: the rows ccdash really writes
    records = prepared.cleaned.frame.copy()
    for phone in ("caller", "callee"):
        if phone in records:
            records[f"{phone}_hash"], records[f"{phone}_mask"] = hash_numbers(records[phone], "salt")
            records = records.drop(columns=phone)
    records = records.assign(import_id=1, is_current=1)
    fine = call_measures(records, {}, None)

    with tempfile.TemporaryDirectory() as tmp:
        write_records = plain_write(Path(tmp) / "floor.db", "records", records)
        write_fine = plain_write(Path(tmp) / "floor.db", "fine", fine)
    floor = reader + write_records + write_fine
    print(f"rows in the file                          {rows:>12,}")
    print(f"fast reader alone (fastexcel → pandas)    {reader:>10.1f} s")
    print(f"plain write of the records                {write_records:>10.1f} s   "
          f"({len(records):,} rows × {records.shape[1]} columns)")
    print(f"plain write of the fine measures          {write_fine:>10.1f} s   "
          f"({len(fine):,} rows × {fine.shape[1]} columns)")
    print(f"floor: reader + the two writes            {floor:>10.1f} s   = {floor / reader:.2f} × the reader")
    print(f"reader + the records write only           {reader + write_records:>10.1f} s   = "
          f"{(reader + write_records) / reader:.2f} × the reader")
    print(f"target: end to end ≤ 2 × the reader       {2 * reader:>10.1f} s")
    print(f"writes alone vs what the target leaves    {write_records + write_fine:>10.1f} s vs {reader:.1f} s")


if __name__ == "__main__":
    main()
