"""Imports are atomic, idempotent, upsert by natural key, undoable, and report every rejected row."""

from __future__ import annotations

import pytest

from ccdash.findings import CcdashError
from ccdash.indicators.compute import query, wide
from ccdash.ingest.clean import rejects_table
from ccdash.ingest.pipeline import import_file, prepare_import, run_import
from ccdash.store.imports import import_history, undo_import
from tests.conftest import CALL_HEADERS, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN

D1, D2 = "2026-03-02", "2026-03-03"


def totals(engine, *codes):
    return wide(query(engine, list(codes), D1, D2, "total")).iloc[0]


def test_report_counts_title_total_and_ignored_rows(engine, small_files):
    outcome = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    r = outcome.report
    assert (r["rows_read"], r["accepted"], r["rejected"], r["ignored"], r["total_rows"]) == (10, 8, 0, 1, 1)
    assert (r["date_from"], r["date_to"], r["agents"]) == (D1, D2, 2)
    assert r["fill_rate"]["call_id"] == 1.0 and r["fill_rate"]["agent_id"] == pytest.approx(6 / 8)
    assert r["status"] == "imported" and r["inserted"] == 8


def test_same_file_twice_is_a_no_op(engine, small_files):
    first = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    again = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    assert again.commit.status == "same_file" and again.commit.import_id == first.commit.import_id
    assert totals(engine, "offered")["offered"] == 8
    assert len(import_history(engine)) == 1


def test_overlapping_file_upserts_by_call_id(engine, small_files, tmp_path):
    import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    changed = [list(r) for r in SMALL_CALLS[5:8]]  # day 2 again, C006 now abandoned, plus a new call
    changed[0][10], changed[0][3] = "放弃", None
    extra = ["C010", "13900000009", "Q2", "A02", "激活", changed[2][5].replace(hour=15), 3, "60", 0, 0, "接通", "否", "是", 5]
    path = write_xlsx(tmp_path / "day2.xlsx", CALL_HEADERS, [*changed, extra])
    outcome = import_file(engine, path, "calls", actor=ADMIN)
    assert (outcome.commit.inserted, outcome.commit.updated) == (1, 3)
    got = totals(engine, "offered", "answered", "abandoned")
    assert (got["offered"], got["answered"], got["abandoned"]) == (9, 6, 3)  # nothing counted twice
    undo_import(engine, outcome.commit.import_id, actor=ADMIN)  # the replaced versions come back
    got = totals(engine, "offered", "answered", "abandoned")
    assert (got["offered"], got["answered"], got["abandoned"]) == (8, 6, 2)


def test_undo_removes_an_import_and_allows_it_again(engine, small_files):
    outcome = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    undo_import(engine, outcome.commit.import_id, actor=ADMIN)
    assert query(engine, ["offered"], D1, D2, "total").empty
    history = import_history(engine)
    assert history.loc[0, "status"] == "undone"
    with pytest.raises(CcdashError):
        undo_import(engine, outcome.commit.import_id, actor=ADMIN)
    assert import_file(engine, small_files["calls"], "calls", actor=ADMIN).commit.status == "imported"


def test_roster_after_calls_updates_teams(engine, small_files):
    import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    import_file(engine, small_files["roster"], "roster", actor=ADMIN)
    by_team = wide(query(engine, ["answered"], D1, D2, "total", by="team"), ["team"]).set_index("team")
    assert by_team.loc["T1", "answered"] == 3 and by_team.loc["T2", "answered"] == 3


def test_rejected_rows_have_row_number_column_value_and_reason(engine, tmp_path):
    rows = [list(r) for r in SMALL_CALLS[:4]]
    rows[1][7] = "abc"  # talk time, Excel row 3
    rows[2][10] = "PHANTOM"  # an unknown result, Excel row 4
    rows[3][5] = "2026-13-45 25:00"  # start time, Excel row 5
    path = write_xlsx(tmp_path / "bad.xlsx", CALL_HEADERS, rows)
    prepared = prepare_import(path.read_bytes(), path.name, "calls", engine=engine)
    assert prepared.report["rejected"] == 3 and prepared.report["accepted"] == 1
    zh, en = rejects_table(prepared.cleaned, "zh"), rejects_table(prepared.cleaned, "en")
    assert list(zh["行号"]) == [3, 4, 5] and list(en["Column"]) == ["通话时长", "呼叫结果", "来电时间"]
    assert "abc" in en.loc[0, "Reason"] and "PHANTOM" in en.loc[1, "Reason"] and "日期" in zh.loc[2, "原因"]
    assert prepared.cleaned.unknown_values == {"result": {"PHANTOM": 1}}
    fixed = prepare_import(path.read_bytes(), path.name, "calls", engine=engine,
                           values={"result": {"PHANTOM": "ignore"}})
    assert (fixed.report["rejected"], fixed.report["ignored"]) == (2, 1)


def test_duplicate_ids_inside_a_file_ask_for_a_key(engine, tmp_path):
    rows = [list(r) for r in SMALL_CALLS[:3]]
    rows[2][0] = "C001"
    path = write_xlsx(tmp_path / "dup.xlsx", CALL_HEADERS, rows)
    prepared = prepare_import(path.read_bytes(), path.name, "calls", engine=engine)
    assert not prepared.ok
    assert "2, 4" in prepared.findings[-1].message("en") and "--key" in prepared.findings[-1].message("en")
    with pytest.raises(CcdashError):
        run_import(engine, prepared, actor=ADMIN)
    keyed = prepare_import(path.read_bytes(), path.name, "calls", engine=engine, key=("通话ID", "来电时间"))
    assert keyed.ok and run_import(engine, keyed, actor=ADMIN).commit.inserted == 3


def test_confirmed_mapping_is_saved_and_applied_next_time(engine, tmp_path):
    headers = ["单据", *CALL_HEADERS[1:]]  # 单据 is no synonym: the user maps it by hand
    path = write_xlsx(tmp_path / "a.xlsx", headers, SMALL_CALLS[:2])
    first = prepare_import(path.read_bytes(), path.name, "calls", engine=engine)
    assert "call_id" not in first.mapping.columns and not first.ok
    mapped = prepare_import(path.read_bytes(), path.name, "calls", engine=engine, columns={"call_id": "单据"})
    assert mapped.mapping.confidence["call_id"] == "manual"
    run_import(engine, mapped, actor=ADMIN)
    next_week = write_xlsx(tmp_path / "b.xlsx", headers, SMALL_CALLS[5:7])
    again = prepare_import(next_week.read_bytes(), next_week.name, "calls", engine=engine)
    assert again.ok and again.mapping.columns["call_id"] == "单据"
    assert any(f.code == "import.profile_applied" for f in again.findings)


def test_a_failure_inside_the_transaction_leaves_nothing(engine, small_files, monkeypatch):
    import ccdash.store.imports as imports_mod

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports_mod, "_rebuild_after_import", boom)
    with pytest.raises(RuntimeError):
        import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    assert import_history(engine).empty
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM rec_calls").scalar() == 0


def test_agent_state_log_is_split_into_intervals(engine, tmp_path):
    import datetime as dt
    t0 = dt.datetime(2026, 3, 2, 8, 50)
    rows = [[t0, "A01", "签入", 0], [t0, "A01", "空闲", 1200], [t0 + dt.timedelta(seconds=1200), "A01", "通话", 600],
            [t0 + dt.timedelta(seconds=1800), "A01", "小休", 300], [t0 + dt.timedelta(seconds=2100), "A01", "签出", 0]]
    path = write_xlsx(tmp_path / "log.xlsx", ["日期时间", "坐席工号", "状态", "状态持续时长(秒)"], rows)
    outcome = import_file(engine, path, "agent_states", actor=ADMIN)
    assert outcome.prepared.cleaned.shape == "log" and outcome.commit.inserted == 5
    got = wide(query(engine, ["utilization", "aux_share"], D1, D1, "interval")).set_index("period")
    assert got.loc[f"{D1} 08:30", "utilization"] == 0  # 08:50–09:00 idle only
    # 09:00–09:30: idle 09:00–09:10 (600 s), talk 09:10–09:20 (600 s), 小休 09:20–09:25 (300 s)
    assert got.loc[f"{D1} 09:00", "utilization"] == pytest.approx(600 / 1500)
    assert got.loc[f"{D1} 09:00", "aux_share"] == pytest.approx(300 / 1500)
    assert f"{D1} 09:30" not in got.index


def test_unknown_hangup_side_keeps_the_row_with_a_warning(engine, tmp_path):
    headers = [*CALL_HEADERS, "挂机方"]
    rows = [[*r, side] for r, side in zip(SMALL_CALLS[:3], ["客户", "火星人", "坐席"])]
    path = write_xlsx(tmp_path / "h.xlsx", headers, rows)
    prepared = prepare_import(path.read_bytes(), path.name, "calls", engine=engine)
    assert prepared.ok and prepared.report["accepted"] == 3 and prepared.report["rejected"] == 0
    warning = next(f for f in prepared.findings if f.code == "clean.unknown_kept")
    assert "火星人" in warning.message("zh") and "挂机方" in warning.message("en")
    assert prepared.cleaned.frame["hangup_by"].tolist()[::2] == ["customer", "agent"]
    assert prepared.cleaned.frame["hangup_by"].isna().tolist() == [False, True, False]
