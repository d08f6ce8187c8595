"""What the Upload page needs from the pipeline: findings instead of exceptions, so the user can map
columns by hand; messages in the user's language only; profile marks; a rejected-rows warning; progress."""

from __future__ import annotations

import pytest

from ccdash.findings import Finding
from ccdash.i18n import in_each_lang, joined
from ccdash.ingest.pipeline import import_file, prepare_import, run_import
from tests.conftest import CALL_HEADERS, CJK, SMALL_CALLS, write_xlsx
from tests.actors import ADMIN


def calls_bytes(tmp_path, headers=CALL_HEADERS, rows=SMALL_CALLS, name="c.xlsx") -> bytes:
    return write_xlsx(tmp_path / name, headers, rows).read_bytes()


def codes(prepared) -> list[str]:
    return [f.code for f in prepared.findings]


def finding(prepared, code: str):
    return next(f for f in prepared.findings if f.code == code)


# --- 1. a required field unmapped is a finding, not a KeyError ------------------------------------------


@pytest.mark.parametrize("field, zh, en", [("start_time", "开始时间", "Start time"), ("call_id", "通话ID", "Call ID")])
def test_unmapping_a_required_field_gives_the_missing_fields_error(tmp_path, field, zh, en):
    prepared = prepare_import(calls_bytes(tmp_path), "c.xlsx", "calls", columns={field: ""})
    assert not prepared.ok and prepared.report["accepted"] == 0  # no row is validated without the field
    missing = finding(prepared, "import.missing_fields")
    assert missing.level == "error"
    assert zh in missing.message("zh") and f"({field})" in missing.message("zh")
    assert en in missing.message("en") and not CJK.search(missing.message("en"))


@pytest.mark.parametrize("kind, headers, rows", [
    ("agent_states", ["日期", "工号", "签入时长(秒)"], [["2026-03-02", "A01", 100]]),
    ("roster", ["工号", "姓名"], [["A01", "张三"]]),
])
def test_every_kind_survives_its_required_field_unmapped(tmp_path, kind, headers, rows):
    data = calls_bytes(tmp_path, headers, rows)
    prepared = prepare_import(data, "k.xlsx", kind, columns={"agent_id": ""})
    assert "import.missing_fields" in codes(prepared) and not prepared.ok


# --- 2. a saved profile marks its fields "profile" --------------------------------------------------------


def test_fields_from_a_saved_profile_have_profile_confidence(engine, tmp_path):
    run_import(engine, prepare_import(calls_bytes(tmp_path), "c.xlsx", "calls", engine=engine), actor=ADMIN)
    later = calls_bytes(tmp_path, rows=SMALL_CALLS[:3], name="later.xlsx")
    again = prepare_import(later, "later.xlsx", "calls", engine=engine)
    assert "import.profile_applied" in codes(again)
    assert again.mapping.confidence and set(again.mapping.confidence.values()) == {"profile"}
    assert set(again.mapping.confidence) == set(again.mapping.columns)
    changed = prepare_import(later, "later.xlsx", "calls", engine=engine, columns={"agent_name": "坐席工号"})
    assert changed.mapping.confidence["agent_name"] == "manual"
    assert changed.mapping.confidence["call_id"] == "profile"


# --- 3 + 4. no recognisable headers: a finding with the headers, in the user's language -----------------


def test_no_recognisable_headers_returns_the_headers_for_mapping_by_hand(tmp_path):
    rows = [["C1", "2026-03-02 09:00", "x"], ["C2", "2026-03-02 09:05", "y"]]
    data = calls_bytes(tmp_path, ["foo", "bar", "baz"], rows, name="odd.xlsx")
    prepared = prepare_import(data, "odd.xlsx", "calls")
    assert not prepared.ok and codes(prepared)[0] == "map.no_headers"
    assert prepared.headers == ["foo", "bar", "baz"] and prepared.mapping.columns == {}
    en = finding(prepared, "map.no_headers").message("en")
    assert "odd.xlsx" in en and "Call records" in en and "foo, bar, baz" in en and not CJK.search(en)
    zh = finding(prepared, "map.no_headers").message("zh")
    assert "通话明细" in zh and "foo、bar、baz" in zh
    by_hand = prepare_import(data, "odd.xlsx", "calls", columns={"call_id": "foo", "start_time": "bar"})
    assert by_hand.ok and by_hand.report["accepted"] == 2


def test_a_parameter_given_in_each_language_is_rendered_in_the_message_language():
    label = {"zh": "开始时间", "en": "Start time"}
    found = Finding("error", "import.missing_fields", {"fields": in_each_lang(label.get)})
    assert "开始时间" in found.message("zh") and "Start time" in found.message("en")
    assert joined(["a", "b"]) == {"zh": "a、b", "en": "a, b"}


def test_unknown_values_kept_are_listed_in_the_message_language(tmp_path):
    headers = [*CALL_HEADERS, "挂机方"]
    rows = [[*r, side] for r, side in zip(SMALL_CALLS[:3], ["火星人", "月球人", "坐席"])]
    prepared = prepare_import(calls_bytes(tmp_path, headers, rows), "h.xlsx", "calls")
    warning = finding(prepared, "clean.unknown_kept")
    assert "火星人, 月球人" in warning.message("en") and "火星人、月球人" in warning.message("zh")


# --- 6. rejected rows are a warning of the result -----------------------------------------------------------


def test_rejected_rows_give_a_warning_finding(tmp_path):
    rows = [list(r) for r in SMALL_CALLS]
    rows[1][5] = "昨天上午"
    prepared = prepare_import(calls_bytes(tmp_path, rows=rows), "c.xlsx", "calls")
    assert prepared.ok
    warning = finding(prepared, "import.rows_rejected")
    assert warning.level == "warning" and warning.params["count"] == 1
    assert "1 行" in warning.message("zh") and "1 row" in warning.message("en")
    clean = prepare_import(calls_bytes(tmp_path, name="ok.xlsx"), "ok.xlsx", "calls")
    assert "import.rows_rejected" not in codes(clean)


# --- 7. progress ----------------------------------------------------------------------------------------------


def assert_progress(seen: list[tuple[float, str]]) -> None:
    fractions = [f for f, _stage in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(a <= b for a, b in zip(fractions, fractions[1:])), fractions
    assert all(isinstance(stage, str) and stage for _f, stage in seen)


def test_prepare_and_run_report_progress_from_0_to_1(engine, tmp_path):
    seen: list[tuple[float, str]] = []
    prepared = prepare_import(calls_bytes(tmp_path), "c.xlsx", "calls", engine=engine,
                              progress=lambda f, stage: seen.append((f, stage)))
    assert_progress(seen)
    assert {"read", "map", "validate"} <= {stage for _f, stage in seen}
    seen.clear()
    run_import(engine, prepared, progress=lambda f, stage: seen.append((f, stage)), actor=ADMIN)
    assert_progress(seen)
    assert "write" in {stage for _f, stage in seen}


def test_import_file_reports_one_progress_from_0_to_1(engine, small_files):
    seen: list[tuple[float, str]] = []
    import_file(engine, small_files["calls"], "calls", progress=lambda f, stage: seen.append((f, stage)), actor=ADMIN)
    assert_progress(seen)
    assert [s for _f, s in seen].index("write") > [s for _f, s in seen].index("validate")
