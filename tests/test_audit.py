"""The audit trail on a real store: append-only in the database, searched and exported by administrators,
and a row for every account, sign-in, wall-link and settings action."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ccdash import audit
from ccdash.auth import passwords, sessions, settings, users, wall
from ccdash.auth.roles import PermissionDenied
from ccdash.reports_io import write_xlsx
from ccdash.store.db import make_engine
from ccdash.store.schema import audit_log
from tests.actors import ADMIN, AGENT, INSPECTOR, LEAD, VIEWER

GOOD = "correct horse 42"
T0 = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def write(engine, rows):
    """Audit rows with chosen times (``record`` stamps the clock; the search tests need known times)."""
    with engine.begin() as conn:
        for at, username, action, target, detail, outcome in rows:
            conn.execute(audit_log.insert().values(at=at, username=username, role="admin", action=action,
                                                   target=target, outcome=outcome, detail=detail))


@pytest.fixture
def trail(engine):
    write(engine, [
        ("2026-03-01 08:00:00", "boss", "signin.ok", "boss", "{}", "ok"),
        ("2026-03-01 09:30:00", "lead1", "import.run", "12", '{"file": "呼入明细.xlsx"}', "ok"),
        ("2026-03-02 10:00:00", "lead1", "dashboard.save", "Overview_Main", "{}", "ok"),
        ("2026-03-02 23:59:59", "view1", "denied:imports.run", "", "{}", "denied"),
        ("2026-03-03 00:00:00", "nobody", "signin.failed", "nobody", '{"reason": "unknown_user"}', "failed"),
        ("2026-03-03 07:00:00", "boss", "target.set", "50%_rate", "{}", "ok"),
    ])
    return engine


def targets(frame):
    return list(frame["target"])


def test_update_and_delete_are_refused_by_the_database(trail):
    guarded = make_engine(trail.url.render_as_string(hide_password=False))  # as the app opens the store
    try:
        for statement in ("UPDATE audit_log SET action = 'nothing' WHERE target = '12'",
                          "UPDATE audit_log SET outcome = 'ok'",
                          "DELETE FROM audit_log WHERE username = 'view1'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                with guarded.begin() as conn:
                    conn.execute(text(statement))
        with guarded.connect() as conn:
            rows = conn.execute(select(audit_log.c.action, audit_log.c.outcome).order_by(audit_log.c.id)).fetchall()
        assert [tuple(r) for r in rows][1:4] == [("import.run", "ok"), ("dashboard.save", "ok"),
                                                 ("denied:imports.run", "denied")]
        with guarded.begin() as conn:  # appending still works
            audit.record(conn, ADMIN, "backup.create", "x")
        assert len(audit.search_audit(guarded, actor=ADMIN)) == 7
    finally:
        guarded.dispose()


def test_search_is_newest_first(trail):
    frame = audit.search_audit(trail, actor=ADMIN)
    assert list(frame.columns) == list(audit.AUDIT_COLUMNS)
    assert list(frame["at"]) == sorted(frame["at"], reverse=True) and len(frame) == 6


@pytest.mark.parametrize(("query", "expected"), [
    ({"text": "SIGNIN"}, ["nobody", "boss"]),                    # action, any case
    ({"text": "overview_MAIN"}, ["Overview_Main"]),              # target, any case
    ({"text": "呼入明细"}, ["12"]),                                # detail, Chinese
    ({"text": "VIEW1"}, [""]),                                   # username
    ({"text": "%"}, ["50%_rate"]),                               # LIKE characters are literal
    ({"text": "_"}, ["50%_rate", "nobody", "Overview_Main"]),    # (nobody: detail unknown_user)
    ({"text": "   "}, ["50%_rate", "nobody", "", "Overview_Main", "12", "boss"]),
    ({"username": " Lead1 "}, ["Overview_Main", "12"]),
    ({"action": "signin"}, ["nobody", "boss"]),                  # a family
    ({"action": "signin.ok"}, ["boss"]),
    ({"action": "sign"}, []),                                    # not a prefix match inside a word
    ({"outcome": "denied"}, [""]),
    ({"date_from": "2026-03-02", "date_to": dt.date(2026, 3, 2)}, ["", "Overview_Main"]),  # whole days
    ({"date_from": dt.datetime(2026, 3, 3, 12)}, ["50%_rate", "nobody"]),
    ({"limit": 2}, ["50%_rate", "nobody"]),
    ({"text": "signin", "outcome": "ok"}, ["boss"]),
])
def test_search_filters(trail, query, expected):
    assert targets(audit.search_audit(trail, actor=ADMIN, **query)) == expected


@pytest.mark.parametrize("actor", [LEAD, INSPECTOR, VIEWER, AGENT], ids=lambda a: a.role)
def test_only_admin_reads_the_trail(trail, actor):
    with pytest.raises(PermissionDenied):
        audit.search_audit(trail, actor=actor)
    denied = audit.search_audit(trail, actor=ADMIN, action="denied:audit.view")
    assert list(denied["username"]) == [actor.username] and list(denied["outcome"]) == ["denied"]


def test_audit_actions_are_distinct_and_sorted(trail):
    assert audit.audit_actions(trail) == ["dashboard.save", "denied:imports.run", "import.run", "signin.failed",
                                          "signin.ok", "target.set"]


def test_export_keeps_every_row_and_defuses_formulas(engine):
    users.create_first_admin(engine, "boss", GOOD)
    with pytest.raises(Exception):
        users.sign_in(engine, "=HYPERLINK(\"http://x\",\"y\")", GOOD)  # a typed name lands in the trail
    frame = audit.search_audit(engine, actor=ADMIN)
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx({"audit": frame}))).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(frame) == 2
    typed = [row[list(frame.columns).index("target")] for row in rows if row[4].value == "signin.failed"][0]
    assert "hyperlink" in str(typed.value).lower() and typed.data_type == "s"  # text, never a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_every_account_action_is_audited(engine):
    """One pass through the accounts library; each action in the spec's list leaves its row."""
    users.create_first_admin(engine, "boss", GOOD)
    users.create_user(engine, actor=ADMIN, username="lead1", role="lead", password=GOOD)
    users.create_user(engine, actor=ADMIN, username="sso1", role="viewer", email="sso1@bank.cn")
    signed = users.sign_in(engine, "lead1", GOOD, now=T0)
    users.change_own_password(engine, GOOD, "a new secret 9", actor=signed.actor)
    sessions.sign_out(engine, signed.token, now=T0)
    for _ in range(users.LOCK_AFTER):
        with pytest.raises(Exception):
            users.sign_in(engine, "lead1", "wrong password", now=T0)
    with pytest.raises(Exception):
        users.sign_in(engine, "lead1", "a new secret 9", now=T0)
    users.oidc_sign_in(engine, {"email": "sso1@bank.cn"}, now=T0)
    users.set_role(engine, "lead1", "inspector", actor=ADMIN)
    users.set_disabled(engine, "lead1", True, actor=ADMIN)
    users.set_disabled(engine, "lead1", False, actor=ADMIN)
    users.reset_password(engine, "lead1", "another secret 8", actor=ADMIN)
    settings.set_anonymous_viewing(engine, True, actor=ADMIN)
    wall.wall_token(engine, "overview", actor=ADMIN)
    wall.wall_token(engine, "overview", actor=ADMIN, regenerate=True)
    wall.revoke_wall(engine, "overview", actor=ADMIN)
    logged = set(audit.audit_actions(engine))
    assert {"user.first_admin", "user.create", "signin.ok", "user.password_change", "signout", "signin.failed",
            "signin.locked", "signin.oidc", "user.role", "user.disable", "user.enable", "user.password_reset",
            "settings.anonymous", "wall.create", "wall.regenerate", "wall.revoke"} <= logged
    frame = audit.search_audit(engine, actor=ADMIN)
    assert not frame["detail"].str.contains("argon2|correct horse|secret", regex=True).any()
