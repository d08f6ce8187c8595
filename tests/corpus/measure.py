"""Run one command with an address-space limit and a time bound, and report ITS peak RSS.

Usage: ``python tests/corpus/measure.py REPORT_FILE LIMIT_BYTES SECONDS -- CMD…`` — writes
``returncode maxrss_kb timed_out`` to REPORT_FILE. Why a separate small process: Linux counts a forked
child's pages from before ``exec`` in its ``ru_maxrss`` (and keeps that figure across ``exec``), so a
child forked straight from a large pytest process would report the test runner's size, not its own.
Forked from this small interpreter instead, the figure is the command's own peak (plus ~10 MB).
"""

import os
import resource
import subprocess
import sys
import threading


def main(argv: list[str]) -> int:
    report, limit, seconds, sep, *cmd = argv
    assert sep == "--" and cmd
    limit = int(limit)
    proc = subprocess.Popen(cmd, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    killed = threading.Event()
    timer = threading.Timer(float(seconds), lambda: (killed.set(), proc.kill()))
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    with open(report, "w") as f:
        f.write(f"{code} {usage.ru_maxrss} {int(killed.is_set())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
