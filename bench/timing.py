"""Timing helper shared by the bench scripts (run as ``python bench/<script>.py``, so this folder is on the path)."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, runs: int = 5) -> float:
    """The median wall time of ``runs`` calls of ``fn`` in milliseconds, after one call to warm caches."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000
