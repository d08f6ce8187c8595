"""A real export nobody here wrote: the Anonymous Bank call center, February 1999 (../shared/datasets).

Imported through the CLI with the mapping the data set's README describes; the per-day counts and the
month's average talk time must equal the independent third-party oracle.
"""

from __future__ import annotations

import csv
import json

import pytest

from ccdash.cli import main
from tests.conftest import SHARED

BANK = SHARED / "datasets" / "anonymous-bank-1999-02"
CALLS = BANK / "data_anonymous_bank_february.txt"
ORACLE = BANK / "oracle_thirdparty_daily_metrics_feb1999.csv"

pytestmark = pytest.mark.skipif(not CALLS.exists(), reason=f"shared data set not found at {BANK} — skipped")

IMPORT = ["import", str(CALLS), "--kind", "calls", "--map", "start_time=vru_entry", "--map", "date=date",
          "--map", "wait_s=q_time", "--map", "talk_s=ser_time", "--map", "agent_id=server",
          "--map", "business_type=type", "--map", "result=outcome", "--value", "result:AGENT=answered",
          "--value", "result:HANG=abandoned", "--value", "result:PHANTOM=ignore", "--key", "vru+line,call_id"]


def phantoms_per_day() -> dict[str, int]:
    """Counted straight from the raw file with the csv module, independently of ccdash."""
    counts: dict[str, int] = {}
    with CALLS.open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["outcome"].strip() == "PHANTOM":
                day = "1999-02-" + row["date"].strip()[-2:]
                counts[day] = counts.get(day, 0) + 1
    return counts


@pytest.fixture(scope="module")
def bank_db(module_stores):
    url = module_stores.new("bank")
    assert main(["--db", url, *IMPORT]) == 0
    return url


def query(url, capsys, indicators, grain):
    capsys.readouterr()
    assert main(["--db", url, "query", indicators, "--from", "1999-02-01", "--to", "1999-02-28",
                 "--grain", grain, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {(r["period"], r["indicator"]): r["value"] for r in rows}


def test_daily_counts_equal_the_oracle(bank_db, capsys):
    got = query(bank_db, capsys, "offered,abandoned", "day")
    phantoms = phantoms_per_day()
    with ORACLE.open() as fh:
        oracle = list(csv.DictReader(fh))
    assert len(oracle) == 28
    for day in oracle:
        d = day["date"]
        assert got[(d, "abandoned")] == int(day["hangs"]), d
        assert got[(d, "offered")] == int(day["total_calls"]) - phantoms.get(d, 0), d


def test_month_average_talk_time_equals_the_readme(bank_db, capsys):
    got = query(bank_db, capsys, "avg_talk,answered,abandoned", "total")
    period = "1999-02-01~1999-02-28"
    assert got[(period, "answered")] == 27_162
    assert got[(period, "abandoned")] == 5_904
    assert got[(period, "avg_talk")] == pytest.approx(176.35, abs=0.005)


def test_reimporting_the_same_file_changes_nothing(bank_db, capsys):
    before = query(bank_db, capsys, "offered", "total")
    capsys.readouterr()
    assert main(["--db", bank_db, *IMPORT]) == 0
    assert "导入过" in capsys.readouterr().out
    assert query(bank_db, capsys, "offered", "total") == before


def test_call_id_alone_is_not_a_key(stores, capsys):
    """call_id repeats across vru+line: without --key the import must refuse, not merge calls."""
    args = [a for a in IMPORT if a not in ("--key", "vru+line,call_id")]
    assert main(["--db", stores.new("x"), "--lang", "en", *args, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "share a key" in err and "--key" in err
