"""Progress of a long step, for a progress bar: an optional callback ``progress(fraction, stage)``.

``fraction`` goes from 0 to 1 and never back; ``stage`` is a short code the caller turns into text
(``read``, ``map``, ``validate``, ``write``). The library never needs a callback: ``None`` is silent.
"""

from __future__ import annotations

from typing import Callable

Progress = Callable[[float, str], None]


def part(progress: Progress | None, start: float, end: float) -> Progress:
    """A callback for one sub-step: its 0–1 is reported as ``start``–``end`` of ``progress``."""

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(round(start + (end - start) * min(max(fraction, 0.0), 1.0), 6), stage)

    return report
