"""The configuration documents validate, are documented, and broken ones fail with clear messages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ccdash import config
from ccdash.findings import CcdashError
from ccdash.indicators import catalog as cat
from ccdash.ingest.headers import match_headers, normalize_header, synonym_index
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def test_every_indicator_is_documented():
    text = (DOCS / "indicators.md").read_text(encoding="utf-8")
    for code in cat.load_catalog().indicators:
        assert f"`{code}`" in text, code


def test_every_field_is_documented():
    text = (DOCS / "fields.md").read_text(encoding="utf-8")
    for name in config.field_dictionary():
        assert f"`{name}`" in text, name


def test_issue_indicator_codes_exist():
    required = ("offered answered abandoned answer_rate abandon_rate service_level asa avg_talk avg_hold avg_acw "
                "aht transfer_rate repeat_rate resolution_rate csat_rate dissat_rate csat_avg csat_response_rate "
                "cph utilization occupancy aux_share handled_per_agent agents_on_duty").split()
    assert set(required) <= set(cat.load_catalog().indicators)


def test_every_synonym_maps_back_to_its_field():
    fields = config.field_dictionary()
    for kind, spec in config.active_kinds().items():
        index = synonym_index(fields, spec.fields)
        for name in spec.fields:
            for syn in fields[name].synonyms:
                owner = index[normalize_header(syn)[0]]
                assert owner == name or syn in fields[owner].synonyms, (kind, name, syn)


@pytest.mark.parametrize("headers, expected", [
    (["通话ID", "主叫号码", "座席工号", "排队时长（秒）", "通话时长(分钟)"],
     {"call_id": "通话ID", "caller": "主叫号码", "agent_id": "座席工号", "wait_s": "排队时长（秒）", "talk_s": "通话时长(分钟)"}),
    (["CALL ID", "ANI", "Agent ID", "Wait Time (s)", "TALK TIME", "DISPOSITION"],
     {"call_id": "CALL ID", "caller": "ANI", "agent_id": "Agent ID", "wait_s": "Wait Time (s)", "talk_s": "TALK TIME", "result": "DISPOSITION"}),
    (["ＣＡＬＬ＿ＳＨＥＥＴ＿ＩＤ", "坐席 工号"], {"call_id": "ＣＡＬＬ＿ＳＨＥＥＴ＿ＩＤ", "agent_id": "坐席 工号"}),
])
def test_header_matching(headers, expected):
    index = synonym_index(config.field_dictionary(), config.active_kinds()["calls"].fields)
    got = {m.field: m.header for m in match_headers(headers, index) if m.field}
    assert got == expected


def _broken_config(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_unknown_measure_in_a_ratio_is_named(tmp_path):
    broken = _broken_config(tmp_path, "indicators.yaml", "numerator: talk_s + hold_s + acw_s", "numerator: talk_s + hodl_s")
    with pytest.raises(CcdashError) as exc:
        cat.load_catalog(broken)
    assert "aht" in exc.value.message("en") and "hodl_s" in exc.value.message("en")


def test_bad_formula_points_at_the_position(tmp_path):
    broken = _broken_config(tmp_path, "indicators.yaml", "numerator: wait_answered_s", "numerator: wait_answered_s *")
    with pytest.raises(CcdashError) as exc:
        cat.load_catalog(broken)
    assert "asa" in exc.value.message("en") and "^" in exc.value.message("en")


def test_unknown_field_in_a_source_kind_is_named(tmp_path):
    broken = _broken_config(tmp_path, "sources.yaml", "fields: [agent_id, agent_name, team,", "fields: [agent_id, agent_nam, team,")
    config.source_kinds.cache_clear()
    try:
        with pytest.raises(CcdashError) as exc:
            config.source_kinds(broken)
        assert "agent_nam" in exc.value.message("zh")
    finally:
        config.source_kinds.cache_clear()


def test_library_does_not_import_streamlit_outside_ui():
    offenders = [p for p in (ROOT / "ccdash").rglob("*.py") if "ui" not in p.relative_to(ROOT / "ccdash").parts
                 and re.search(r"^\s*(import streamlit|from streamlit)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
