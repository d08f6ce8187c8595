"""Every uploaded original is kept with its import, and an import can be re-run from it after a mapping
fix: undo + import in one transaction, refused while the new reading has errors, old import untouched
on any failure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from ccdash.auth.roles import PermissionDenied
from ccdash.findings import CcdashError
from ccdash.indicators.compute import query, wide
from ccdash.ingest.pipeline import import_file
from ccdash.store.imports import import_history, undo_import
from ccdash.store.originals import import_original, kept_originals, original, prepare_rerun, rerun_import
from ccdash.store.schema import audit_log, mapping_profiles, originals
from tests.actors import ADMIN, LEAD, VIEWER
from tests.checksums import table_checksums
from tests.conftest import ROOT

D1, D2 = "2026-03-02", "2026-03-03"


def csat_avg(engine) -> float:
    return wide(query(engine, ["csat_avg", "offered"], D1, D2, "total")).iloc[0]["csat_avg"]


def actions(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.action, r.target) for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]


def test_an_import_keeps_its_original_once(engine, small_files):
    first = import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    import_file(engine, small_files["calls"], "calls", actor=ADMIN)  # the same file: nothing new kept
    data = small_files["calls"].read_bytes()
    assert original(engine, first.prepared.sha256) == ("calls.xlsx", data)
    assert import_original(engine, first.commit.import_id) == ("calls.xlsx", data)
    assert kept_originals(engine) == {first.prepared.sha256}
    undo_import(engine, first.commit.import_id, actor=ADMIN)
    assert kept_originals(engine) == {first.prepared.sha256}  # an undo keeps the file: it can be re-run


def test_an_import_that_fails_keeps_no_original(engine, small_files, monkeypatch):
    import ccdash.store.imports as store_imports

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(store_imports, "_supersede", broken)
    with pytest.raises(RuntimeError):
        import_file(engine, small_files["calls"], "calls", actor=ADMIN)
    assert kept_originals(engine) == set() and import_history(engine).empty


def test_rerun_with_a_fixed_mapping_replaces_the_import(small_store):
    old_id = 2  # small_store: roster #1, calls #2, agent states #3
    assert csat_avg(small_store) == pytest.approx(3.6)
    outcome = rerun_import(small_store, old_id, actor=LEAD, columns={"csat": ""})  # the fix: no satisfaction column
    new_id = outcome.commit.import_id
    assert outcome.commit.status == "imported" and outcome.commit.inserted == 8
    history = import_history(small_store).set_index("id")
    assert history.loc[old_id, "status"] == "undone" and history.loc[new_id, "status"] == "active"
    assert history.loc[new_id, "file_name"] == "calls.xlsx"
    assert wide(query(small_store, ["offered"], D1, D2, "total")).iloc[0]["offered"] == 8  # nothing counted twice
    result = query(small_store, ["csat_avg"], D1, D2, "total")
    assert result.empty or result["value"].isna().all()
    undo, rerun, saved = actions(small_store)[-3:]
    assert (undo, rerun, saved[0]) == (("import.undo", f"import:{old_id}"), ("import.rerun", f"import:{new_id}"),
                                       "mapping.save")
    with small_store.connect() as conn:  # the re-run's row names the import it replaced
        detail = json.loads(conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "import.rerun")).scalar())
    assert detail["replaces"] == f"import:{old_id}" and detail["file_name"] == "calls.xlsx"
    with small_store.connect() as conn:  # the fixed mapping is the saved profile now
        doc = json.loads(conn.execute(select(mapping_profiles.c.doc).where(mapping_profiles.c.kind == "calls")).scalar())
    assert "csat" not in doc["columns"]
    again = prepare_rerun(small_store, new_id)  # the saved mapping applies to the next re-run
    assert "csat" not in again.mapping.columns


def test_rerun_is_refused_while_the_mapping_still_has_errors(small_store):
    before = table_checksums(small_store)
    with pytest.raises(CcdashError) as err:
        rerun_import(small_store, 2, actor=LEAD, columns={"call_id": ""})
    assert err.value.code == "rerun.still_errors" and "import #2" in err.value.message("en")
    assert table_checksums(small_store) == before


def test_a_failure_inside_the_rerun_leaves_the_old_import_in_place(small_store, monkeypatch):
    import ccdash.store.imports as store_imports
    before = table_checksums(small_store)
    prepared = prepare_rerun(small_store, 2, columns={"csat": ""})

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")
    monkeypatch.setattr(store_imports, "_supersede", broken)  # after the undo, inside the new import
    with pytest.raises(RuntimeError):
        rerun_import(small_store, 2, actor=LEAD, prepared=prepared)
    assert table_checksums(small_store) == before
    assert import_history(small_store).set_index("id").loc[2, "status"] == "active"


def test_rerun_of_an_undone_import_imports_it_again(small_store):
    undo_import(small_store, 2, actor=ADMIN)
    outcome = rerun_import(small_store, 2, actor=ADMIN)
    assert outcome.commit.status == "imported"
    assert wide(query(small_store, ["offered"], D1, D2, "total")).iloc[0]["offered"] == 8


def test_rerun_checks_the_role_and_the_file(small_store, tmp_path):
    with pytest.raises(PermissionDenied):
        rerun_import(small_store, 2, actor=VIEWER)
    other = prepare_rerun(small_store, 3)  # the agent states' file is not import #2's
    with pytest.raises(CcdashError) as err:
        rerun_import(small_store, 2, actor=LEAD, prepared=other)
    assert err.value.code == "rerun.other_file"
    with small_store.begin() as conn:  # an import made before originals were kept
        conn.execute(originals.delete())
    with pytest.raises(CcdashError) as err:
        rerun_import(small_store, 2, actor=LEAD)
    assert err.value.code == "original.missing"


def test_rerun_from_the_command_line(stores, small_files):
    url = stores.new("cli")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "ccdash", "--db", url, "--lang", "en", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert run("import", str(small_files["calls"]), "--kind", "calls").returncode == 0
    out = run("rerun", "1", "--map", "csat=")
    assert out.returncode == 0 and "Re-ran import #1" in out.stdout and "import #2" in out.stdout, out.stderr
    out = run("rerun", "1")  # #1 is undone and its file is in as #2: nothing to do
    assert out.returncode == 0 and "already imported" in out.stdout, out.stderr
    out = run("rerun", "9")
    assert out.returncode == 2 and "Import #9 does not exist" in out.stderr


def test_history_page_offers_the_original_and_reruns_with_an_edited_mapping(small_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.pagetools import signed_in
    monkeypatch.setenv("CCDASH_DB_URL", small_store.url.render_as_string(hide_password=False))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    signed_in(at, small_store, role="lead")
    at.run()
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="rerun_id").options[1].startswith("#2  Call records  calls.xlsx")
    at.selectbox(key="rerun_id").set_value(2).run()
    assert at.download_button(key="original_dl").label == "Download the original file"
    assert at.button(key="rerun").disabled is False  # the saved mapping reads the file without errors
    at.checkbox(key="rerun_edit").check().run()  # the upload page's pickers, on the kept file
    assert not at.exception, at.exception
    at.selectbox(key="map_csat").set_value("").run()  # the fix: do not import the satisfaction column
    at.button(key="rerun").click().run()
    assert not at.exception, at.exception
    assert "Import #2 was re-run as import #4: 8 new, 0 updated." in [s.value for s in at.success]
    history = at.dataframe[0].value.set_index("No.")["Status"]
    assert (history[2], history[4]) == ("undone", "active")
    result = query(small_store, ["csat_avg"], D1, D2, "total")
    assert result.empty or result["value"].isna().all()
