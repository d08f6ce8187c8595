"""Recordings and other systems' QA scores imported from real .xlsx files with Chinese headers.

QA_ROWS (one row per recording × item):
  RC1 by QA1, form 借记卡挂失 (→ debit_card_loss, pass mark 80): 开头语 5/5 (pass), 身份核实 15/15 (pass, fatal),
      解答准确 6/10 (partial, derived), 安抚情绪 不适用 → 26 of 30 = 86.67, passed; 3 applicable, 0 failed
  RC2 by QA1, form 激活 (a business type → credit_card_activation), no agent in the file (A02 from the
      recordings): 开场白 5/5, 身份核实 0/15 (fail, fatal) → 0 of 20, fatal; 2 applicable, 1 failed
  RC3 by QA2, form 外呼营销 (no such form → "imported", pass mark 80), dated by its start time:
      话术规范 8/10 (→ ext:话术规范), 礼貌用语 合格 of 10 (→ 10 points) → 18 of 20 = 90, passed
  RC9: four rejected rows (points above max, no max, nothing, negative points).
Together: 44 of 70 = 62.86; pass rate 2/3; fatal rate 1/3; item failure rate 1/7.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from ccdash.findings import CcdashError
from ccdash.indicators.compute import query, wide
from ccdash.ingest.clean import rejects_table
from ccdash.ingest.pipeline import import_file
from ccdash.qa.store import evaluations, item_scores, load_evaluation
from ccdash.store.imports import import_history, undo_import
from ccdash.store.schema import RECORDS, qa_day, qa_item_scores
from tests.conftest import write_xlsx
from tests.actors import ADMIN

D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
REC_HEADERS = ["录音编号", "通话ID", "坐席工号", "业务类型", "日期", "开始时间", "录音时长", "录音文件路径", "转写文本"]
REC_ROWS = [
    ["RC1", "C001", "A01", "挂失", D1, dt.time(9, 0, 5), "0:01:40", "/audio/rc1.mp3", "您好，很高兴为您服务。"],
    ["RC2", "C004", "A02", "激活", D1, dt.time(10, 0), 50, None, None],
    ["RC3", "C006", "A01", "挂失", D2, dt.time(9, 0), "5:00", None, None],
    ["RC4", "C007", "A02", "激活", D2, dt.time(9, 30), -5, None, None],  # negative length: rejected
    [None, "C008", "A02", "激活", D2, dt.time(11, 0), 80, None, None],  # no recording id: rejected
]
QA_HEADERS = ["录音编号", "坐席工号", "业务类型", "日期", "开始时间", "质检员", "质检表", "质检项", "得分", "满分",
              "质检结果", "是否致命项", "质检评语"]
QA_ROWS = [
    ["RC1", "A01", "挂失", D1, None, "QA1", "借记卡挂失", "开头语", 5, 5, None, "否", None],
    ["RC1", "A01", "挂失", D1, None, "QA1", "借记卡挂失", "身份核实", 15, 15, None, "是", None],
    ["RC1", "A01", "挂失", D1, None, "QA1", "借记卡挂失", "解答准确", 6, 10, None, "否", "漏讲年费"],
    ["RC1", "A01", "挂失", D1, None, "QA1", "借记卡挂失", "安抚情绪", None, None, "不适用", "否", None],
    ["RC2", None, None, D1, None, "QA1", "激活", "开场白", 5, 5, "合格", "否", None],
    ["RC2", None, None, D1, None, "QA1", "激活", "身份核实", 0, 15, "不合格", "是", "未核身即开卡"],
    ["RC3", "A01", "外呼", None, dt.datetime(2026, 3, 3, 9, 0), "QA2", "外呼营销", "话术规范", 8, 10, None, "否", None],
    ["RC3", "A01", "外呼", None, dt.datetime(2026, 3, 3, 9, 0), "QA2", "外呼营销", "礼貌用语", None, 10, "合格", "否", None],
    ["RC9", "A01", "挂失", D2, None, "QA1", "借记卡挂失", "开头语", 12, 10, None, "否", None],
    ["RC9", "A01", "挂失", D2, None, "QA1", "借记卡挂失", "身份核实", 5, None, None, "否", None],
    ["RC9", "A01", "挂失", D2, None, "QA1", "借记卡挂失", "结束语", None, None, None, "否", None],
    ["RC9", "A01", "挂失", D2, None, "QA1", "借记卡挂失", "防诈骗提示", -1, 5, None, "否", None],
]
QA = ["qa_evaluations", "qa_score", "qa_pass_rate", "qa_fatal_rate", "qa_item_fail_rate"]


def qa_file(tmp_path, rows=QA_ROWS, name="qa.xlsx"):
    return write_xlsx(tmp_path / name, QA_HEADERS, rows, title="质检成绩导出")


def totals(engine) -> pd.Series:
    return wide(query(engine, QA, "2026-03-01", "2026-03-31", "total")).iloc[0]


def scores(engine) -> dict[str, float]:
    frame = evaluations(engine, purposes=["imported"])
    return dict(zip(frame["recording_id"], frame["score"]))


def test_recordings_with_chinese_headers_import(engine, tmp_path):
    path = write_xlsx(tmp_path / "rec.xlsx", REC_HEADERS, REC_ROWS)
    outcome = import_file(engine, path, "recordings", actor=ADMIN)
    m = outcome.prepared.mapping.columns
    assert (m["recording_id"], m["start_time"], m["rec_duration_s"], m["audio_url"], m["transcript"]) == (
        "录音编号", "开始时间", "录音时长", "录音文件路径", "转写文本")
    r = outcome.report
    assert (r["accepted"], r["rejected"], r["status"], r["date_from"], r["date_to"]) == (3, 2, "imported", "2026-03-02",
                                                                                        "2026-03-03")
    reasons = rejects_table(outcome.prepared.cleaned, "en")
    assert reasons[["Row", "Column"]].drop_duplicates().values.tolist() == [[5, "录音时长"], [6, "录音编号"]]
    assert "Negative" in reasons.iloc[0]["Reason"] and "empty" in reasons.iloc[1]["Reason"]
    table = RECORDS["recordings"]
    with engine.connect() as conn:
        rows = {r.recording_id: r for r in conn.execute(select(table).where(table.c.is_current == 1))}
    assert set(rows) == {"RC1", "RC2", "RC3"}
    one = rows["RC1"]  # the time of day combined with the date column, as for calls
    assert pd.Timestamp(one.start_time) == pd.Timestamp("2026-03-02 09:00:05")  # ISO text, as for calls
    assert (one.date, one.rec_duration_s, one.call_id, one.agent_id, one.business_type) == (
        "2026-03-02", 100.0, "C001", "A01", "挂失")
    assert (one.audio_url, one.transcript) == ("/audio/rc1.mp3", "您好，很高兴为您服务。")
    assert (rows["RC3"].rec_duration_s, rows["RC3"].date) == (300.0, "2026-03-03")


def test_qa_scores_import_into_evaluations(engine, tmp_path):
    import_file(engine, write_xlsx(tmp_path / "rec.xlsx", REC_HEADERS, REC_ROWS), "recordings", actor=ADMIN)
    outcome = import_file(engine, qa_file(tmp_path), "qa_scores", actor=ADMIN)
    assert (outcome.report["accepted"], outcome.report["rejected"]) == (8, 4)
    frame = evaluations(engine).set_index("recording_id")
    assert list(frame.index) == ["RC1", "RC2", "RC3"] and set(frame["purpose"]) == {"imported"}
    assert set(frame["status"]) == {"final"} and set(frame["import_id"]) == {outcome.commit.import_id}
    assert frame["form_id"].to_dict() == {"RC1": "debit_card_loss", "RC2": "credit_card_activation", "RC3": "imported"}
    assert frame["inspector"].to_dict() == {"RC1": "QA1", "RC2": "QA1", "RC3": "QA2"}
    # RC2's file rows have no agent or business type: taken from the recording
    assert frame.loc["RC2", ["agent_id", "business_type"]].tolist() == ["A02", "激活"]
    assert frame["call_date"].to_dict() == {"RC1": "2026-03-02", "RC2": "2026-03-02", "RC3": "2026-03-03"}
    assert frame.loc["RC1", "score"] == pytest.approx(100 * 26 / 30) and frame.loc["RC1", "passed"] == 1
    assert frame.loc["RC2", ["score", "earned_w", "possible_w", "fatal", "passed"]].tolist() == [0, 0, 20, 1, 0]
    assert frame.loc["RC3", ["score", "earned_w", "possible_w", "passed"]].tolist() == [90, 18, 20, 1]
    items = load_evaluation(engine, int(frame.loc["RC1", "id"]))["items"].set_index("item_code")
    # item names matched to the catalog (names and synonyms), in the form's order (answer_accuracy is not on
    # the 挂失 form: after its items)
    assert list(items.index) == ["greeting", "identity_check", "soothe", "answer_accuracy"]
    assert items["result"].tolist() == ["pass", "pass", "na", "partial"]
    assert items.loc["identity_check", "fatal"] and items.loc["answer_accuracy", "comment"] == "漏讲年费"
    assert items.loc["answer_accuracy", ["points", "max_points", "weight", "label"]].tolist() == [6, 10, 1, "解答准确"]
    other = load_evaluation(engine, int(frame.loc["RC3", "id"]))["items"].set_index("item_code")
    assert other["result"].to_dict() == {"ext:话术规范": "partial", "polite_language": "pass"}
    assert other.loc["polite_language", "points"] == 10
    # the same item as on the workbench: identity_check across both forms
    shared = item_scores(engine).query("item_code == 'identity_check'")
    assert shared["form_id"].tolist() == ["debit_card_loss", "credit_card_activation"]
    got = totals(engine)
    assert got["qa_evaluations"] == 3 and got["qa_score"] == pytest.approx(100 * 44 / 70)
    assert (got["qa_pass_rate"], got["qa_fatal_rate"], got["qa_item_fail_rate"]) == pytest.approx((2 / 3, 1 / 3, 1 / 7))
    by_agent = wide(query(engine, ["qa_score"], "2026-03-01", "2026-03-31", "total", by="agent"), ["agent"])
    assert dict(zip(by_agent["agent"], by_agent["qa_score"])) == pytest.approx(
        {"A01": 100 * (26 + 18) / 50, "A02": 0.0})


def test_rejected_qa_rows_are_reported_with_reasons(engine, tmp_path):
    outcome = import_file(engine, qa_file(tmp_path), "qa_scores", actor=ADMIN)
    for lang, words in (("en", ["Points above the maximum: 12 > 10", "No max points", "Both the points and the item result are empty",
                                "Negative points"]),
                        ("zh", ["得分超过满分：12 > 10", "满分为空", "得分和质检结果都为空", "得分为负数"])):
        table = rejects_table(outcome.prepared.cleaned, lang)
        assert table.iloc[:, 0].tolist() == [12, 13, 14, 15]  # Excel rows: a title, a blank row, the header, 8 rows
        for reason, word in zip(table.iloc[:, 3], words):
            assert word in reason
    assert "RC9" not in set(evaluations(engine)["recording_id"])


def test_reimport_is_a_no_op_and_undo_removes_the_scores(engine, tmp_path):
    path = qa_file(tmp_path)  # written once: a second write may differ in its zip timestamps
    first = import_file(engine, path, "qa_scores", actor=ADMIN)
    before = evaluations(engine)
    again = import_file(engine, path, "qa_scores", actor=ADMIN)
    assert again.commit.status == "same_file" and again.commit.import_id == first.commit.import_id
    pd.testing.assert_frame_equal(evaluations(engine), before)
    undo_import(engine, first.commit.import_id, actor=ADMIN)
    assert evaluations(engine).empty and item_scores(engine).empty
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(qa_day)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(qa_item_scores)).scalar() == 0
    assert query(engine, QA, "2026-03-01", "2026-03-31", "total").empty


def test_an_overlapping_export_replaces_scores_and_undo_restores_them(engine, tmp_path):
    import_file(engine, qa_file(tmp_path), "qa_scores", actor=ADMIN)
    assert scores(engine)["RC1"] == pytest.approx(100 * 26 / 30)
    changed = [list(r) for r in QA_ROWS[:4]]
    changed[0][8], changed[0][10] = 0, None  # 开头语 now 0 of 5: fail (derived)
    second = import_file(engine, qa_file(tmp_path, changed, "qa2.xlsx"), "qa_scores", actor=ADMIN)
    assert (second.commit.inserted, second.commit.updated) == (0, 4)
    assert len(evaluations(engine)) == 3  # replaced, not added
    assert scores(engine)["RC1"] == pytest.approx(100 * 21 / 30)
    assert totals(engine)["qa_pass_rate"] == pytest.approx(1 / 3)
    undo_import(engine, second.commit.import_id, actor=ADMIN)
    assert scores(engine)["RC1"] == pytest.approx(100 * 26 / 30) and len(evaluations(engine)) == 3
    assert totals(engine)["qa_pass_rate"] == pytest.approx(2 / 3)


def test_the_import_stays_atomic_when_rebuilding_the_evaluations_fails(engine, tmp_path, monkeypatch):
    import ccdash.qa.imported as imported

    def broken(conn):
        raise RuntimeError("disk full")
    monkeypatch.setattr(imported, "rebuild_imported", broken)
    with pytest.raises(RuntimeError):
        import_file(engine, qa_file(tmp_path), "qa_scores", actor=ADMIN)
    assert import_history(engine).empty and evaluations(engine).empty
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RECORDS["qa_scores"])).scalar() == 0


def test_qa_scores_need_a_score_column_and_a_date(engine, tmp_path):
    path = write_xlsx(tmp_path / "bare.xlsx", ["录音编号", "质检项", "质检员"], [["RC1", "开头语", "QA1"]])
    outcome = import_file(engine, path, "qa_scores", dry_run=True, actor=ADMIN)
    messages = [f.message("en") for f in outcome.prepared.findings if f.level == "error"]
    assert any("Points" in m and "Start time" in m for m in messages), messages
    with pytest.raises(CcdashError):
        import_file(engine, path, "qa_scores", actor=ADMIN)
