"""The embedded default: fill an empty store with the sample month from ``sample_data/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select

from ccdash.auth.roles import SYSTEM
from ccdash.ingest.pipeline import import_file
from ccdash.store.schema import imports

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_FILES = (("roster.xlsx", "roster"), ("calls.xlsx", "calls"), ("agent_states.xlsx", "agent_states"),
                ("recordings.xlsx", "recordings"), ("qa_scores.xlsx", "qa_scores"))


def store_is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(imports)).scalar() == 0


def load_sample(engine: Engine, sample_dir: Path = SAMPLE_DIR) -> list[dict]:
    """Import the sample roster, calls, agent states, recordings and QA scores (a file already imported is
    skipped), as :data:`ccdash.auth.SYSTEM` (first start, ``ccdash init --sample``). Recordings come after the calls they belong to, and the QA scores after the recordings."""
    empty = store_is_empty(engine)
    reports = [import_file(engine, sample_dir / name, kind, actor=SYSTEM).report for name, kind in SAMPLE_FILES
               if (sample_dir / name).exists()]
    if empty:  # the demo store: its dashboards open without an account until the first administrator exists
        from ccdash.auth.settings import enable_demo_viewing
        enable_demo_viewing(engine)
    return reports


def sample_qa_week(engine: Engine, per_agent: int = 2, seed: int = 1) -> int:
    """Draw the sample month's last week for the QA workbench (``per_agent`` recordings per agent, spread over
    the week, unassigned so every inspector sees them), from the recordings export — the ones with a
    transcript — so the workbench's first screen has a queue. Returns the recordings drawn."""
    from ccdash.qa import sampling
    from ccdash.qa.recordings import list_recordings

    recs = list_recordings(engine)
    recs = recs[recs["source"].eq("recordings") & recs["transcript"].notna()]
    if not len(recs):
        return 0
    d1 = pd.Timestamp(recs["start_time"].max()).normalize()
    d0 = d1 - pd.Timedelta(days=d1.weekday())  # the Monday of the newest recording's week
    picks = sampling.draw_random(recs, per_agent=per_agent, d0=d0.date(), d1=d1.date(), seed=seed,
                                 exclude=sampling.already_sampled(engine))
    return sampling.save_sample(engine, picks, batch=f"{d0.date()}~{d1.date()} 示例抽样 / sample", d0=d0.date(),
                                d1=d1.date(), actor=SYSTEM)


def ensure_sample(engine: Engine) -> bool:
    """Load the sample month on the very first start (a store with no imports at all), with a sampled week
    of recordings waiting in the QA workbench."""
    if not store_is_empty(engine):
        return False
    load_sample(engine)
    sample_qa_week(engine)
    return True
