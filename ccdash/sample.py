"""The embedded default: fill an empty store with the sample month from ``sample_data/``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from ccdash.ingest.pipeline import import_file
from ccdash.store.schema import imports

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_FILES = (("roster.xlsx", "roster"), ("calls.xlsx", "calls"), ("agent_states.xlsx", "agent_states"))


def store_is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(imports)).scalar() == 0


def load_sample(engine: Engine, sample_dir: Path = SAMPLE_DIR) -> list[dict]:
    """Import the sample roster, calls and agent states (a file already imported is skipped)."""
    return [import_file(engine, sample_dir / name, kind).report for name, kind in SAMPLE_FILES
            if (sample_dir / name).exists()]


def ensure_sample(engine: Engine) -> bool:
    """Load the sample month on the very first start (a store with no imports at all)."""
    if not store_is_empty(engine):
        return False
    load_sample(engine)
    return True
