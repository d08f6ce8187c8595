"""Sampling: random N per agent spread over the period, targeted rules, assignment, stored samples, queues.

The draws run on a hand-built recordings frame whose expected picks are known row by row; the stored
samples and the queue run on a real store filled through the importer (calls carrying a recording id)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from ccdash.findings import CcdashError
from ccdash.ingest.pipeline import import_file
from ccdash.qa import sampling
from ccdash.qa.sampling import (
    already_sampled, assign, calibration_sample, draw_random, draw_targeted, queue, save_sample,
)
from ccdash.store.schema import qa_evaluations, qa_samples
from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN, LEAD

D0, D1 = "2026-10-05", "2026-10-11"  # a Monday..Sunday week; two slices split at Thu 10-08 12:00


def rec(rid, agent, when, *, dur=None, csat=None, transferred=0, caller=None):
    return {"recording_id": rid, "agent_id": agent, "start_time": pd.Timestamp(when), "date": when[:10],
            "duration_s": dur, "talk_s": dur, "csat": csat, "transferred": transferred, "caller_hash": caller}


RECS = pd.DataFrame([
    # agent A: three recordings in the first half of the week, two in the second, one after the period
    rec("A1", "A", "2026-10-05 09:00"), rec("A2", "A", "2026-10-06 10:00"), rec("A3", "A", "2026-10-07 11:00"),
    rec("A4", "A", "2026-10-09 09:00"), rec("A5", "A", "2026-10-10 10:00"), rec("A6", "A", "2026-10-12 09:00"),
    # agent B: all in the first half — the second slice is empty
    rec("B1", "B", "2026-10-05 08:00"), rec("B2", "B", "2026-10-06 08:00"), rec("B3", "B", "2026-10-07 08:00"),
    # agent C: a single recording
    rec("C1", "C", "2026-10-09 15:00"),
]).astype({"recording_id": "string", "agent_id": "string", "date": "string"})
FIRST_HALF = {"A1", "A2", "A3"}
SECOND_HALF = {"A4", "A5"}


def picked(frame: pd.DataFrame, agent: str | None = None) -> set[str]:
    if agent is not None:
        frame = frame[frame["agent_id"] == agent]
    return set(frame["recording_id"])


@pytest.mark.parametrize("seed", range(12))
def test_random_draws_n_per_agent_one_per_slice(seed):
    picks = draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=seed)
    assert list(picks.columns) == ["recording_id", "agent_id", "reason"]
    assert set(picks["reason"]) == {"random"}
    a = picked(picks, "A")
    assert len(a & FIRST_HALF) == 1 and len(a & SECOND_HALF) == 1  # one per slice, A6 is after the period
    b = picked(picks, "B")
    assert len(b) == 2 and b <= {"B1", "B2", "B3"}  # the empty second slice is made up from the rest
    assert picked(picks, "C") == {"C1"}  # fewer than N: all of them
    assert len(picks) == 5 and picks["recording_id"].is_unique


def test_random_draw_is_seeded_and_varies_with_the_seed():
    first = draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=7)
    again = draw_random(RECS, per_agent=2, d0=dt.date(2026, 10, 5), d1=dt.date(2026, 10, 11), seed=7)
    pd.testing.assert_frame_equal(first, again)
    draws = {tuple(sorted(picked(draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=s)))) for s in range(12)}
    assert len(draws) > 1


def test_an_agents_draw_does_not_depend_on_other_agents():
    alone = draw_random(RECS[RECS["agent_id"] == "A"], per_agent=2, d0=D0, d1=D1, seed=3)
    together = draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=3)
    assert picked(alone) == picked(together, "A")


def test_random_draw_excludes_and_takes_all_when_few_remain():
    picks = draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=1, exclude={"A4", "B1", "B2"})
    assert "A5" in picked(picks, "A")  # the only one left in A's second slice
    assert picked(picks, "B") == {"B3"}
    assert not picked(picks) & {"A4", "B1", "B2"}
    assert draw_random(RECS, per_agent=0, d0=D0, d1=D1, seed=1).empty
    with pytest.raises(CcdashError) as err:
        draw_random(RECS, per_agent=-1, d0=D0, d1=D1, seed=1)
    assert err.value.code == "qa.sample_per_agent"


def test_random_draw_spreads_over_three_slices():
    # 9 days (10-01 .. 10-09) in 3 slices of 3 days; one recording per day
    days = pd.DataFrame([rec(f"R{d}", "A", f"2026-10-{d:02d} 12:00") for d in range(1, 10)])
    for seed in range(10):
        got = sorted(int(r[1:]) for r in draw_random(days, per_agent=3, d0="2026-10-01", d1="2026-10-09",
                                                     seed=seed)["recording_id"])
        assert [(d - 1) // 3 for d in got] == [0, 1, 2]


TARGET = pd.DataFrame([
    rec("T1", "A", "2026-10-05 09:00", dur=300, csat=5, caller="x"),
    rec("T2", "A", "2026-10-05 20:00", dur=900, csat=2, caller="x", transferred=1),  # x again after 11 h
    rec("T3", "B", "2026-10-05 09:00", dur=120, csat=1, caller="y"),
    rec("T4", "B", "2026-10-06 10:00", dur=60, csat=3, caller="y"),  # y again after 25 h: not a repeat
    rec("T5", "C", "2026-10-07 08:00", dur=None, csat=None, caller="z"),
    rec("T6", "C", "2026-10-07 09:00", dur=700, csat=2.0, caller="z", transferred=1),
    rec("T7", "C", "2026-10-07 10:00", dur=30, csat=4, caller="z"),
    rec("T8", "A", "2026-10-08 10:00", dur=800, csat=None, caller=None, transferred=1),
]).astype({"recording_id": "string", "agent_id": "string", "caller_hash": "string", "date": "string"})


@pytest.mark.parametrize(("rule", "n", "expected"), [
    ("long", 2, ["T2", "T8"]),  # 900 s and 800 s
    ("long", 3, ["T2", "T8", "T6"]),
    ("low_csat", 10, ["T3", "T2", "T6"]),  # csat ≤ 2 (on the 1–5 scale), in time order
    ("repeat", 10, ["T1", "T5", "T6"]),  # the earlier call of x (11 h) and of z (1 h, 1 h); y's gap is 25 h
    ("transferred", 10, ["T2", "T6", "T8"]),
])
def test_targeted_rules_pick_the_known_rows(rule, n, expected):
    picks = draw_targeted(TARGET, rule=rule, n=n, seed=0)
    assert picks["recording_id"].tolist() == expected
    assert set(picks["reason"]) == {rule}


def test_targeted_low_csat_takes_the_lowest_first_and_respects_exclusion():
    assert draw_targeted(TARGET, rule="low_csat", n=1, seed=5)["recording_id"].tolist() == ["T3"]  # csat 1
    picks = draw_targeted(TARGET, rule="transferred", n=10, exclude={"T2"}, seed=0)
    assert picks["recording_id"].tolist() == ["T6", "T8"]
    # an excluded recording still counts as the caller's later call: T1 stays a repeat when T2 is excluded
    assert "T1" in set(draw_targeted(TARGET, rule="repeat", n=10, exclude={"T2"}, seed=0)["recording_id"])


def test_targeted_draw_is_seeded_when_more_qualify():
    a = draw_targeted(TARGET, rule="transferred", n=2, seed=11)
    assert len(a) == 2 and set(a["recording_id"]) <= {"T2", "T6", "T8"}
    pd.testing.assert_frame_equal(a, draw_targeted(TARGET, rule="transferred", n=2, seed=11))
    with pytest.raises(CcdashError) as err:
        draw_targeted(TARGET, rule="short", n=2, seed=0)
    assert err.value.code == "qa.sample_rule"
    assert "long" in err.value.message("en")


def test_assign_balances_load_and_spreads_each_agent():
    picks = pd.DataFrame({"recording_id": [f"{a}{i}" for a, k in (("A", 4), ("B", 3), ("C", 2)) for i in range(k)],
                          "agent_id": [a for a, k in (("A", 4), ("B", 3), ("C", 2)) for _ in range(k)],
                          "reason": "random"})
    out = assign(picks.sample(frac=1, random_state=3), ["王", "李", "张"])
    assert out["inspector"].value_counts().to_dict() == {"王": 3, "李": 3, "张": 3}
    for agent, k in (("A", 4), ("B", 3), ("C", 2)):
        # an agent's recordings go to different inspectors in turn (A's fourth one starts the round again)
        assert out[out["agent_id"] == agent]["inspector"].nunique() == min(k, 3)
    two = assign(picks, ["王", "李"])
    assert sorted(two["inspector"].value_counts().tolist()) == [4, 5]
    with pytest.raises(CcdashError) as err:
        assign(picks, [" ", ""])
    assert err.value.code == "qa.no_inspectors"


# --- stored samples and the queue ------------------------------------------------------------------

@pytest.fixture
def rec_store(engine, tmp_path):
    """The hand-checked calls with a 录音编号 (REC + call id) on answered calls: six recordings."""
    rows = [r + [f"REC{r[0]}" if r[10] == "接通" else None] for r in SMALL_CALLS]
    calls = write_xlsx(tmp_path / "calls.xlsx", [*CALL_HEADERS, "录音编号"], rows)
    roster = write_xlsx(tmp_path / "roster.xlsx", ["工号", "姓名", "班组"], [["A01", "张三", "T1"], ["A02", "李四", "T2"]])
    for path, kind in ((roster, "roster"), (calls, "calls")):
        assert import_file(engine, path, kind, actor=ADMIN).prepared.ok
    return engine


def _picks(ids, inspector=None):
    frame = pd.DataFrame({"recording_id": ids, "reason": "random"})
    if inspector is not None:
        frame["inspector"] = inspector
    return frame


def _sample_rows(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(qa_samples).order_by(qa_samples.c.id)).mappings().all())


def test_save_sample_refuses_a_second_regular_sample_but_allows_calibration(rec_store):
    n = save_sample(rec_store, _picks(["RECC001", "RECC002"], "王"), batch="W41", purpose="regular", actor=LEAD,
                    d0="2026-03-02", d1=dt.date(2026, 3, 8))
    assert n == 2
    rows = _sample_rows(rec_store)
    assert rows[["recording_id", "batch", "reason", "purpose", "inspector", "period_start", "period_end",
                 "created_by"]].values.tolist() == [
        ["RECC001", "W41", "random", "regular", "王", "2026-03-02", "2026-03-08", LEAD.username],
        ["RECC002", "W41", "random", "regular", "王", "2026-03-02", "2026-03-08", LEAD.username]]
    assert already_sampled(rec_store) == {"RECC001", "RECC002"}

    with pytest.raises(CcdashError) as err:
        save_sample(rec_store, _picks(["RECC004", "RECC002"]), batch="W42", purpose="regular", actor=LEAD)
    assert err.value.code == "qa.sample_twice"
    assert "RECC002" in err.value.message("en") and "1" in str(err.value)
    assert len(_sample_rows(rec_store)) == 2  # nothing of the refused batch was written
    with pytest.raises(CcdashError):  # the same recording twice in one batch
        save_sample(rec_store, _picks(["RECC004", "RECC004"]), batch="W42", purpose="regular", actor=ADMIN)

    assert save_sample(rec_store, _picks(["RECC002"], "李"), batch="cal", purpose="calibration", actor=ADMIN) == 1
    assert already_sampled(rec_store) == {"RECC001", "RECC002"}  # calibration does not count
    with pytest.raises(CcdashError) as err:
        save_sample(rec_store, _picks(["RECC004"]), batch="x", purpose="audit", actor=ADMIN)
    assert err.value.code == "qa.sample_purpose"


def _evaluation(engine, rid, inspector, status, purpose="regular", updated="2026-03-10 10:00:00") -> int:
    with engine.begin() as conn:
        return conn.execute(qa_evaluations.insert().values(
            recording_id=rid, purpose=purpose, inspector=inspector, form_id="general", form_version=1,
            status=status, created_at=updated, updated_at=updated)).inserted_primary_key[0]


def test_already_sampled_counts_recordings_scored_outside_a_sample(rec_store):
    _evaluation(rec_store, "RECC007", "外部", "final", purpose="imported")
    _evaluation(rec_store, "RECC008", "王", "final", purpose="calibration")
    assert already_sampled(rec_store) == {"RECC007"}
    with pytest.raises(CcdashError):
        save_sample(rec_store, _picks(["RECC007"]), batch="W", purpose="regular", actor=ADMIN)


def test_calibration_sample_gives_each_recording_to_each_inspector(rec_store):
    assert calibration_sample(rec_store, ["RECC001", "RECC004"], ["王", "李", "王"], actor=LEAD, batch="cal-1") == 4
    rows = _sample_rows(rec_store)
    assert sorted(zip(rows["recording_id"], rows["inspector"])) == [
        ("RECC001", "李"), ("RECC001", "王"), ("RECC004", "李"), ("RECC004", "王")]
    assert set(rows["purpose"]) == {"calibration"} and set(rows["reason"]) == {"manual"}
    assert calibration_sample(rec_store, ["RECC001"], ["王", "李"], batch="cal-2", actor=ADMIN) == 2  # again: allowed
    with pytest.raises(CcdashError) as err:
        calibration_sample(rec_store, ["RECC001"], ["王"], batch="cal-3", actor=ADMIN)
    assert err.value.code == "qa.calibration_inspectors"


def test_queue_statuses_and_order(rec_store):
    save_sample(rec_store, assign(_picks(["RECC008", "RECC001", "RECC006", "RECC002"]), ["王"]), batch="W1",
                purpose="regular", actor=ADMIN)
    save_sample(rec_store, _picks(["RECC004"]), batch="W0", purpose="regular", actor=ADMIN)  # unassigned
    calibration_sample(rec_store, ["RECC007"], ["王", "李"], batch="W2", actor=ADMIN)
    draft = _evaluation(rec_store, "RECC001", "王", "draft")
    _evaluation(rec_store, "RECC002", "王", "final")
    _evaluation(rec_store, "RECC006", "李", "final")  # another inspector's score does not finish 王's sample
    _evaluation(rec_store, "RECC007", "李", "final", purpose="calibration")
    _evaluation(rec_store, "RECC004", "赵", "draft")  # unassigned: anyone's score counts
    newer = _evaluation(rec_store, "RECC001", "王", "draft", updated="2026-03-11 09:00:00")

    mine = queue(rec_store, "王", include_done=True)
    assert mine[["batch", "recording_id", "status"]].values.tolist() == [
        ["W0", "RECC004", "draft"],  # unassigned samples are everyone's
        ["W1", "RECC001", "draft"],
        ["W1", "RECC002", "done"],
        ["W1", "RECC006", "pending"],
        ["W1", "RECC008", "pending"],  # A02 after A01 within the batch
        ["W2", "RECC007", "pending"],  # 李's calibration score is not 王's
    ]
    assert int(mine.loc[mine["recording_id"] == "RECC001", "evaluation_id"].iloc[0]) == newer != draft
    row = mine[mine["recording_id"] == "RECC006"].iloc[0]
    assert (row["agent_id"], row["team"], row["business_type"], row["duration_s"]) == ("A01", "T1", "挂失", 300.0)
    assert row["start_time"] == pd.Timestamp("2026-03-03 09:00")

    todo = queue(rec_store, "王")
    assert "RECC002" not in set(todo["recording_id"]) and len(todo) == 5
    li = queue(rec_store, "李", include_done=True)
    assert li[["recording_id", "status"]].values.tolist() == [["RECC004", "draft"], ["RECC007", "done"]]
    everyone = queue(rec_store, include_done=True)
    assert len(everyone) == 7 and everyone["sample_id"].is_unique


def test_queue_of_an_empty_store(engine):
    assert queue(engine).empty
    assert already_sampled(engine) == set()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(qa_samples)).scalar() == 0


def test_messages_exist_in_both_languages():
    for code in sampling.MESSAGES:
        err = CcdashError(code, count=1, ids={"zh": "R1", "en": "R1"}, rule="x", rules="long", purpose="p", value=0)
        assert str(err) and err.message("en") and err.message("en") != str(err)


def test_weekly_draw_takes_n_per_agent_in_every_week():
    """Two weeks and a Monday: A has five recordings in week 1 and one (A6, Mon 10-12) in week 2, none on
    Mon 10-19 — so 2 + 1; B 2 + 0; C 1 + 0."""
    picks = sampling.draw_weekly(RECS, per_agent=2, d0=D0, d1="2026-10-19", seed=3)
    assert len(picked(picks, "A") & (FIRST_HALF | SECOND_HALF)) == 2 and "A6" in picked(picks, "A")
    assert len(picked(picks, "B")) == 2 and picked(picks, "C") == {"C1"}
    assert len(picks) == 6 and picks["recording_id"].is_unique
    one_week = draw_random(RECS, per_agent=2, d0=D0, d1=D1, seed=3)
    assert set(picks["recording_id"]) - {"A6"} == set(one_week["recording_id"])  # week 1 drawn as on its own
