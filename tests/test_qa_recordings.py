"""The recordings list: a recording system's export merged with the calls that carry a recording id.

Both files go through the real importer. The calls are the hand-checked month of conftest (answered calls get
录音编号 = REC + call id: RECC001, RECC002, RECC004, RECC006, RECC007, RECC008); the recording export has

* RECC001 — the same recording id as call C001, no agent or business type: filled from the call;
* R-X — another id for call C004 (通话ID): the call's own RECC004 must not be listed a second time;
* R-Y — call C006's recording, stamped a day later than the call: it hides RECC006 even in a period that
  only holds the call;
* R-ONLY — a recording with no call at all.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ccdash.ingest.pipeline import import_file
from ccdash.qa.recordings import COLUMNS, get_recording, list_recordings
from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN

REC_HEADERS = ["录音编号", "通话ID", "坐席工号", "坐席姓名", "业务类型", "开始时间", "录音时长", "录音文件路径", "转写文本"]
REC_ROWS = [
    ["RECC001", "C001", None, None, None, dt.datetime(2026, 3, 2, 9, 0, 12), "0:01:52", "audio/RECC001.mp3",
     "坐席：您好，很高兴为您服务。客户：我的卡丢了。"],
    ["R-X", "C004", "A02", None, "激活", dt.datetime(2026, 3, 2, 10, 0, 3), 61, None, None],
    ["R-Y", "C006", "A01", "张三", "挂失", dt.datetime(2026, 3, 4, 0, 0, 5), 330, None, "坐席：您好。"],
    ["R-ONLY", None, "A01", None, "积分兑换", dt.datetime(2026, 3, 4, 15, 30), "3:05", None, None],
]


@pytest.fixture
def store(engine, tmp_path):
    rows = [r + [f"REC{r[0]}" if r[10] == "接通" else None] for r in SMALL_CALLS]
    files = [
        (write_xlsx(tmp_path / "roster.xlsx", ["工号", "姓名", "班组"], [["A01", "张三", "T1"], ["A02", "李四", "T2"]]),
         "roster"),
        (write_xlsx(tmp_path / "calls.xlsx", [*CALL_HEADERS, "录音编号"], rows), "calls"),
        (write_xlsx(tmp_path / "recordings.xlsx", REC_HEADERS, REC_ROWS), "recordings"),
    ]
    for path, kind in files:
        outcome = import_file(engine, path, kind, actor=ADMIN)
        assert outcome.prepared.ok, [f.message("en") for f in outcome.prepared.findings]
        assert outcome.report["rejected"] == 0
    return engine


def test_list_merges_recordings_and_calls(store):
    recs = list_recordings(store)
    assert recs.columns.tolist() == COLUMNS
    assert recs[["recording_id", "call_id", "source"]].values.tolist() == [  # ordered by start time
        ["RECC001", "C001", "recordings"],
        ["RECC002", "C002", "calls"],
        ["R-X", "C004", "recordings"],
        ["RECC007", "C007", "calls"],
        ["RECC008", "C008", "calls"],
        ["R-Y", "C006", "recordings"],
        ["R-ONLY", pd.NA, "recordings"],
    ]
    assert pd.api.types.is_datetime64_any_dtype(recs["start_time"])
    by_id = recs.set_index("recording_id")
    first = by_id.loc["RECC001"]
    # the recording's own fields, and the call's where the recording system left them empty
    assert (first["agent_id"], first["agent_name"], first["team"], first["business_type"]) == ("A01", "张三", "T1", "挂失")
    assert (first["duration_s"], first["talk_s"], first["csat"], first["transferred"]) == (112.0, 100.0, 5.0, 0)
    assert first["audio_url"] == "audio/RECC001.mp3" and first["transcript"].startswith("坐席：您好")
    assert first["start_time"] == pd.Timestamp("2026-03-02 09:00:12") and first["date"] == "2026-03-02"
    # C001 and C004 came from the same number: the same caller hash, filled from each call
    assert isinstance(first["caller_hash"], str) and first["caller_hash"] == by_id.loc["R-X", "caller_hash"]
    x = by_id.loc["R-X"]  # filled through its call id C004
    assert (x["agent_name"], x["team"], x["talk_s"], x["csat"], x["duration_s"]) == ("李四", "T2", 50.0, 1.0, 61.0)
    call = by_id.loc["RECC002"]  # a call-only recording: its length is the talk time
    assert (call["duration_s"], call["talk_s"], call["transferred"], call["csat"]) == (200.0, 200.0, 1, 3.0)
    assert call["agent_name"] == "张三" and pd.isna(call["transcript"])  # the name from the roster
    alone = by_id.loc["R-ONLY"]
    assert alone["duration_s"] == 185.0 and pd.isna(alone["talk_s"]) and pd.isna(alone["caller_hash"])
    assert alone["team"] == "T1" and pd.isna(alone["transferred"])


def test_date_filter(store):
    assert list_recordings(store, "2026-03-04", "2026-03-04")["recording_id"].tolist() == ["R-Y", "R-ONLY"]
    day1 = list_recordings(store, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert day1["recording_id"].tolist() == ["RECC001", "RECC002", "R-X"]
    # C006 (2026-03-03) has a recording row dated 03-04: the call is not listed on its own day
    assert list_recordings(store, "2026-03-03", "2026-03-03")["recording_id"].tolist() == ["RECC007", "RECC008"]
    assert list_recordings(store, d1="2026-03-02")["recording_id"].tolist() == ["RECC001", "RECC002", "R-X"]
    assert list_recordings(store, "2026-04-01").empty


def test_get_recording(store):
    one = get_recording(store, "R-X")
    assert one == {
        "recording_id": "R-X", "call_id": "C004", "agent_id": "A02", "agent_name": "李四", "team": "T2",
        "business_type": "激活", "start_time": dt.datetime(2026, 3, 2, 10, 0, 3), "date": "2026-03-02",
        "duration_s": 61.0, "audio_url": None, "transcript": None, "talk_s": 50.0, "csat": 1.0, "transferred": 0,
        "caller_hash": one["caller_hash"], "source": "recordings"}
    assert get_recording(store, "RECC007")["source"] == "calls"
    assert get_recording(store, "RECC004") is None  # call C004's recording is listed as R-X
    assert get_recording(store, "nope") is None


def test_an_empty_store(engine):
    recs = list_recordings(engine)
    assert recs.empty and recs.columns.tolist() == COLUMNS
    assert get_recording(engine, "R1") is None


def test_reimported_recordings_replace_the_old_version(store, tmp_path):
    rows = [REC_ROWS[3][:4] + ["信用卡激活"] + REC_ROWS[3][5:]]
    outcome = import_file(store, write_xlsx(tmp_path / "recordings2.xlsx", REC_HEADERS, rows), "recordings",
                          actor=ADMIN)
    assert outcome.prepared.ok
    recs = list_recordings(store).set_index("recording_id")
    assert recs.loc["R-ONLY", "business_type"] == "信用卡激活" and len(recs) == 7


def test_the_sample_exports_import_cleanly(engine):
    """sample_data/recordings.xlsx and qa_scores.xlsx: no rejected row, transcripts kept, and the agents made
    weak on identity verification lead that item's failure rates."""
    from ccdash.qa.analysis import item_failure
    from ccdash.qa.store import item_scores
    from tests.conftest import ROOT

    for name, kind, rows in (("recordings.xlsx", "recordings", 600), ("qa_scores.xlsx", "qa_scores", 2083)):
        outcome = import_file(engine, ROOT / "sample_data" / name, kind, actor=ADMIN)
        assert outcome.prepared.ok and outcome.report["rejected"] == 0 and outcome.report["accepted"] == rows
    recs = list_recordings(engine)
    assert len(recs) == 600 and set(recs["source"]) == {"recordings"}
    assert recs["transcript"].notna().sum() == 569 and recs["transcript"].dropna().str.startswith("坐席：").all()
    assert recs["date"].min() == "2026-10-01" and recs["date"].max() == "2026-10-31"
    scores = item_scores(engine)
    assert scores["evaluation_id"].nunique() == 248 and not scores["item_code"].str.startswith("ext:").any()
    identity = item_failure(scores, by="agent_id").query("item_code == 'identity_check'")
    assert set(identity.sort_values("fail_rate", ascending=False)["agent_id"].head(2)) == {"0407", "0206"}
    center = item_failure(scores).set_index("item_code").loc["identity_check"]
    assert center["forms"] == 6 and center["fail_rate"] < 0.1
