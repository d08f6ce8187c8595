"""Import benchmark: a 700,000-row call export (.xlsx), end to end, against the fast reader alone.

    python bench/import_bench.py [--rows 700000] [--file bench/out/calls_700k.xlsx]

Prints: the fast reader alone (fastexcel → pandas, typed as it likes, and all-text as ccdash reads it),
then ccdash's stages (read, map + validate, commit) and the end-to-end time, each measured in a
fresh process so peak memory (max RSS) is per stage. Targets (issue #2): end to end ≤ 2× the reader
alone; peak memory ≤ 2.5 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_reader(path: Path, as_text: bool) -> dict:
    import fastexcel
    t0 = time.perf_counter()
    reader = fastexcel.read_excel(path.read_bytes())
    frame = reader.load_sheet(0, dtypes="string" if as_text else None).to_pandas()
    return {"seconds": time.perf_counter() - t0, "rows": len(frame), "peak_mb": peak_mb()}


def stage_import(path: Path, db: str) -> dict:
    from ccdash.auth.roles import SYSTEM
    from ccdash.ingest.pipeline import choose_sheet, prepare_import, run_import
    from ccdash.store.db import make_engine
    engine = make_engine(db)
    data = path.read_bytes()
    t0 = time.perf_counter()
    raw, _names, _row = choose_sheet(data, path.name, "calls", None)
    t1 = time.perf_counter()
    prepared = prepare_import(data, path.name, "calls", raw=raw)
    t2 = time.perf_counter()
    outcome = run_import(engine, prepared, actor=SYSTEM)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "map_validate": t2 - t1, "commit": t3 - t2, "seconds": t3 - t0,
            "accepted": prepared.report["accepted"], "rejected": prepared.report["rejected"],
            "inserted": outcome.commit.inserted, "peak_mb": peak_mb()}


def in_subprocess(stage: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", stage, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=700_000)
    ap.add_argument("--file", default=None)
    ap.add_argument("--stage", choices=["reader_typed", "reader_text", "import"])
    ap.add_argument("--db")
    args = ap.parse_args()
    path = Path(args.file or ROOT / "bench" / "out" / f"calls_{args.rows // 1000}k.xlsx")
    if args.stage:
        result = stage_import(path, args.db) if args.stage == "import" else stage_reader(path, args.stage == "reader_text")
        print(json.dumps(result))
        return
    if not path.exists():
        from make_export import make_export
        make_export(args.rows, path, "2026-10", 7)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    typed = in_subprocess("reader_typed", "--file", str(path))
    text = in_subprocess("reader_text", "--file", str(path))
    with tempfile.TemporaryDirectory() as tmp:
        imp = in_subprocess("import", "--file", str(path), "--db", f"sqlite:///{tmp}/bench.db")
    print(f"fast reader alone (fastexcel→pandas, inferred types): {typed['seconds']:.2f} s, {typed['rows']} rows, peak {typed['peak_mb']:.0f} MB")
    print(f"fast reader alone (fastexcel→pandas, all text):       {text['seconds']:.2f} s, peak {text['peak_mb']:.0f} MB")
    print(f"ccdash import: read {imp['read']:.2f} s + map/validate {imp['map_validate']:.2f} s + commit {imp['commit']:.2f} s"
          f" = {imp['seconds']:.2f} s end to end; accepted {imp['accepted']}, rejected {imp['rejected']}; peak {imp['peak_mb']:.0f} MB")
    print(f"ratio end-to-end / reader alone (typed): {imp['seconds'] / typed['seconds']:.2f}  (target ≤ 2.0)")


if __name__ == "__main__":
    main()
