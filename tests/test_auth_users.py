"""Accounts on a real store: argon2 hashes, the first administrator, user management, sign-in and lock-out."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ccdash.auth import passwords, users
from ccdash.auth.roles import PermissionDenied
from ccdash.auth.settings import anonymous_viewing, enable_demo_viewing
from ccdash.findings import CcdashError
from ccdash.i18n import CATALOG
from ccdash.store.schema import audit_log, sessions
from ccdash.store.schema import users as users_table
from tests.actors import ADMIN, AGENT, INSPECTOR, LEAD, VIEWER

T0 = dt.datetime(2026, 3, 2, 9, 0, 0)
GOOD = "correct horse 42"
OTHER = "battery staple 7"
PRODUCTION_HASHER = passwords.HASHER  # before the fixture below swaps it for a fast one


class CountingHasher(PasswordHasher):
    """A fast argon2 hasher (tests only) that counts verifications."""

    verifications = 0

    def verify(self, hash, password):  # noqa: A002 - the library's own parameter name
        CountingHasher.verifications += 1
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Argon2 with tiny costs so the tests stay fast; production keeps the library's defaults."""
    monkeypatch.setattr(passwords, "HASHER", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    CountingHasher.verifications = 0


@pytest.fixture
def admin(engine):
    return users.create_first_admin(engine, "Boss", GOOD, "老板")


def add(engine, username, role="viewer", password=GOOD, **kw):
    if role == "agent":
        kw.setdefault("agent_id", "A01")
    return users.create_user(engine, actor=ADMIN, username=username, role=role, password=password, **kw)


def audit_rows(engine, action=None):
    query = select(audit_log).order_by(audit_log.c.id)
    if action:
        query = query.where(audit_log.c.action == action)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def user_rows(engine):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(users_table).order_by(users_table.c.id))]


def error_code(excinfo) -> str:
    return excinfo.value.code


# --- passwords ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short1", "", "boss", "BOSS", "  boss  ", "aaaaaaaaaaaa", "1111111111"])
def test_weak_passwords_are_refused(password):
    name = "boss" if password.strip().lower() == "boss" else "someone"
    with pytest.raises(CcdashError) as e:
        passwords.check_password_policy(password, name)
    assert error_code(e) == "auth.weak_password" and e.value.finding.params == {"min": 10}


def test_username_as_password_is_refused_even_when_long():
    with pytest.raises(CcdashError):
        passwords.check_password_policy("Supervisor01", "supervisor01")
    passwords.check_password_policy("Supervisor01!", "supervisor01")  # differs: accepted


def test_hash_is_argon2id_salted_and_verifies():
    h1, h2 = passwords.hash_password(GOOD), passwords.hash_password(GOOD)
    assert h1.startswith("$argon2id$") and h1 != h2 and GOOD not in h1
    assert passwords.verify_password(h1, GOOD) and not passwords.verify_password(h1, OTHER)
    assert not passwords.verify_password("not a hash", GOOD) and not passwords.verify_password(None, GOOD)


def test_production_hasher_keeps_library_defaults():
    default = PasswordHasher()
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (default.time_cost, default.memory_cost)
    assert PRODUCTION_HASHER.memory_cost >= 65536


# --- first administrator ----------------------------------------------------------------------------------

def test_first_admin_stores_only_an_argon2_hash(engine):
    assert users.needs_first_admin(engine)
    actor = users.create_first_admin(engine, "  Boss ", GOOD, "老板")
    assert (actor.username, actor.role) == ("boss", "admin") and actor.user_id
    assert not users.needs_first_admin(engine)
    with engine.connect() as conn:
        row = conn.execute(select(users_table)).one()
    assert row.password_hash.startswith("$argon2id$")
    assert all(GOOD not in str(v) for v in row)
    assert [r["target"] for r in audit_rows(engine, "user.first_admin")] == ["boss"]


def test_first_admin_only_once(engine, admin):
    with pytest.raises(CcdashError) as e:
        users.create_first_admin(engine, "intruder", OTHER)
    assert error_code(e) == "auth.admin_exists"
    assert [r[1] for r in user_rows(engine)] == ["boss"]


def test_first_admin_turns_demo_viewing_off(engine):
    assert enable_demo_viewing(engine) and anonymous_viewing(engine)
    users.create_first_admin(engine, "boss", GOOD)
    assert not anonymous_viewing(engine)
    assert not enable_demo_viewing(engine)  # a user exists now: the sample never opens the store again


def test_first_admin_can_keep_anonymous_viewing(engine):
    enable_demo_viewing(engine)
    users.create_first_admin(engine, "boss", GOOD, keep_anonymous=True)
    assert anonymous_viewing(engine)


# --- managing users -----------------------------------------------------------------------------------------

def test_create_user_normalizes_and_audits(engine, admin):
    uid = add(engine, "  Lead.One ", "lead", display_name="王组长")
    user = users.get_user(engine, "LEAD.ONE")
    assert user["id"] == uid and user["username"] == "lead.one" and user["role"] == "lead"
    assert user["must_change_password"] and user["has_password"] and "password_hash" not in user
    created = audit_rows(engine, "user.create")[-1]
    assert (created["username"], created["target"], created["outcome"]) == ("admin1", "lead.one", "ok")


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"username": "a01", "role": "agent"}, "auth.agent_id_required"),
    ({"username": "x1", "role": "boss"}, "auth.bad_role"),
    ({"username": "has space", "role": "viewer"}, "auth.bad_username"),
    ({"username": "cli:root", "role": "viewer"}, "auth.bad_username"),
    ({"username": "System", "role": "viewer"}, "auth.bad_username"),
    ({"username": "nopass", "role": "viewer", "password": None}, "auth.password_required"),
    ({"username": "weak", "role": "viewer", "password": "weak"}, "auth.weak_password"),
])
def test_create_user_refuses_bad_input(engine, admin, kwargs, code):
    kwargs = {"password": GOOD, **kwargs}
    before = user_rows(engine)
    with pytest.raises(CcdashError) as e:
        users.create_user(engine, actor=ADMIN, **kwargs)
    assert error_code(e) == code and user_rows(engine) == before


def test_duplicate_username_and_email_are_refused(engine, admin):
    add(engine, "view1", email="View1@Bank.cn")
    with pytest.raises(CcdashError) as e:
        add(engine, " VIEW1 ")
    assert error_code(e) == "auth.user_exists"
    with pytest.raises(CcdashError) as e:
        add(engine, "view2", email="view1@bank.cn ")
    assert error_code(e) == "auth.email_exists"


def test_oidc_only_account_has_no_password(engine, admin):
    add(engine, "sso1", password=None, email="Sso1@Bank.cn")
    user = users.get_user(engine, "sso1")
    assert not user["has_password"] and user["email"] == "sso1@bank.cn" and not user["must_change_password"]
    with pytest.raises(CcdashError) as e:
        users.sign_in(engine, "sso1", "")
    assert error_code(e) == "auth.bad_credentials"


def test_list_users_never_shows_password_hashes(engine, admin):
    add(engine, "lead1", "lead")
    frame = users.list_users(engine, actor=ADMIN)
    assert list(frame["username"]) == ["boss", "lead1"] and "password_hash" not in frame.columns
    assert not frame.astype(str).apply(lambda col: col.str.contains("argon2")).any().any()


def test_set_role_changes_role_and_agent_id(engine, admin):
    add(engine, "lead1", "lead")
    users.set_role(engine, "lead1", "agent", actor=ADMIN, agent_id="A07")
    assert users.get_user(engine, "lead1")["role"] == "agent"
    assert users.get_user(engine, "lead1")["agent_id"] == "A07"
    with pytest.raises(CcdashError) as e:
        users.set_role(engine, "nobody", "lead", actor=ADMIN)
    assert error_code(e) == "auth.no_user"
    assert audit_rows(engine, "user.role")[-1]["target"] == "lead1"


def test_last_enabled_admin_cannot_be_demoted_or_disabled(engine, admin):
    for change in (lambda: users.set_role(engine, "boss", "lead", actor=ADMIN),
                   lambda: users.set_disabled(engine, "boss", True, actor=ADMIN)):
        with pytest.raises(CcdashError) as e:
            change()
        assert error_code(e) == "auth.last_admin"
    add(engine, "admin2", "admin")
    users.set_disabled(engine, "admin2", True, actor=ADMIN)  # a disabled admin does not count
    with pytest.raises(CcdashError):
        users.set_role(engine, "boss", "viewer", actor=ADMIN)
    users.set_disabled(engine, "admin2", False, actor=ADMIN)
    users.set_role(engine, "boss", "viewer", actor=ADMIN)  # now another enabled admin exists
    assert users.get_user(engine, "boss")["role"] == "viewer"
    assert [r["action"] for r in audit_rows(engine) if r["target"] == "admin2"][-2:] == ["user.disable",
                                                                                         "user.enable"]


def _manage_calls(engine):
    return {
        "create_user": lambda actor: users.create_user(engine, actor=actor, username="new1", role="viewer",
                                                       password=GOOD),
        "set_role": lambda actor: users.set_role(engine, "lead1", "admin", actor=actor),
        "set_disabled": lambda actor: users.set_disabled(engine, "lead1", True, actor=actor),
        "reset_password": lambda actor: users.reset_password(engine, "lead1", OTHER, actor=actor),
        "list_users": lambda actor: users.list_users(engine, actor=actor),
    }


@pytest.mark.parametrize("function", ["create_user", "set_role", "set_disabled", "reset_password", "list_users"])
@pytest.mark.parametrize("actor", [LEAD, INSPECTOR, VIEWER, AGENT], ids=lambda a: a.role)
def test_users_manage_is_refused_to_other_roles(engine, admin, function, actor):
    add(engine, "lead1", "lead")
    users.sign_in(engine, "lead1", GOOD)
    before = user_rows(engine)
    with engine.connect() as conn:
        sessions_before = conn.execute(select(sessions)).fetchall()
    with pytest.raises(PermissionDenied):
        _manage_calls(engine)[function](actor)
    assert user_rows(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(sessions)).fetchall() == sessions_before
    denied = audit_rows(engine, "denied:users.manage")
    assert [(r["username"], r["outcome"]) for r in denied] == [(actor.username, "denied")]
    assert users.sign_in(engine, "lead1", GOOD).actor.role == "lead"  # password, role, enabled: unchanged


def test_reset_password_forces_a_change_and_lifts_a_lock(engine, admin):
    add(engine, "view1", must_change_password=False)
    for _ in range(users.LOCK_AFTER):
        with pytest.raises(CcdashError):
            users.sign_in(engine, "view1", "wrong password", now=T0)
    users.reset_password(engine, "view1", OTHER, actor=ADMIN)
    signed = users.sign_in(engine, "view1", OTHER, now=T0)
    assert signed.must_change_password
    assert audit_rows(engine, "user.password_reset")[-1]["target"] == "view1"


def test_change_own_password(engine, admin):
    add(engine, "view1")
    me = users.sign_in(engine, "view1", GOOD).actor
    with pytest.raises(CcdashError) as e:
        users.change_own_password(engine, "not my password", OTHER, actor=me)
    assert error_code(e) == "auth.wrong_password"
    assert audit_rows(engine, "user.password_change")[-1]["outcome"] == "failed"
    with pytest.raises(CcdashError) as e:
        users.change_own_password(engine, GOOD, GOOD, actor=me)
    assert error_code(e) == "auth.same_password"
    with pytest.raises(CcdashError) as e:
        users.change_own_password(engine, GOOD, "view1", actor=me)
    assert error_code(e) == "auth.weak_password"
    users.change_own_password(engine, GOOD, OTHER, actor=me)
    assert not users.sign_in(engine, "view1", OTHER).must_change_password
    with pytest.raises(CcdashError):
        users.sign_in(engine, "view1", GOOD)
    assert audit_rows(engine, "user.password_change")[-1]["outcome"] == "ok"
    with pytest.raises(PermissionDenied):
        users.change_own_password(engine, GOOD, OTHER, actor=None)


# --- sign-in -----------------------------------------------------------------------------------------------

def test_sign_in_opens_a_session_and_audits(engine, admin):
    add(engine, "lead1", "lead")
    signed = users.sign_in(engine, " LEAD1 ", GOOD, now=T0)
    assert (signed.actor.username, signed.actor.role) == ("lead1", "lead") and signed.actor.user_id
    assert signed.must_change_password and len(signed.token) >= 40
    assert users.get_user(engine, "lead1")["last_login_at"] == "2026-03-02 09:00:00"
    assert [r["target"] for r in audit_rows(engine, "signin.ok")] == ["lead1"]


def test_unknown_user_and_wrong_password_look_the_same(engine, admin):
    messages = []
    for name, password in (("nobody", GOOD), ("boss", "wrong password")):
        CountingHasher.verifications = 0
        with pytest.raises(CcdashError) as e:
            users.sign_in(engine, name, password)
        assert error_code(e) == "auth.bad_credentials"
        assert CountingHasher.verifications == 1  # the unknown user also costs one argon2 verification
        messages.append((e.value.message("zh"), e.value.message("en")))
    assert messages[0] == messages[1]
    failed = audit_rows(engine, "signin.failed")
    assert [(r["target"], r["outcome"]) for r in failed] == [("nobody", "failed"), ("boss", "failed")]


def _fail(engine, name, now, times):
    for _ in range(times):
        with pytest.raises(CcdashError) as e:
            users.sign_in(engine, name, "wrong password", now=now)
        assert error_code(e) == "auth.bad_credentials"


def test_four_failures_do_not_lock_and_success_resets_the_count(engine, admin):
    _fail(engine, "boss", T0, users.LOCK_AFTER - 1)
    users.sign_in(engine, "boss", GOOD, now=T0)
    _fail(engine, "boss", T0, users.LOCK_AFTER - 1)  # counting starts again from zero
    users.sign_in(engine, "boss", GOOD, now=T0)


def test_lock_after_exactly_five_failures_for_fifteen_minutes(engine, admin):
    assert (users.LOCK_AFTER, users.LOCK_MINUTES) == (5, 15)
    _fail(engine, "boss", T0, 5)
    for later, minutes in ((dt.timedelta(0), 15), (dt.timedelta(minutes=14, seconds=59), 1)):
        with pytest.raises(CcdashError) as e:
            users.sign_in(engine, "boss", GOOD, now=T0 + later)  # even the right password
        assert error_code(e) == "auth.locked" and e.value.finding.params == {"minutes": minutes}
        assert f"{minutes} " in e.value.message("en")
    locked = audit_rows(engine, "signin.locked")
    assert len(locked) == 2 and all(r["target"] == "boss" for r in locked)
    signed = users.sign_in(engine, "boss", GOOD, now=T0 + dt.timedelta(minutes=15))
    assert signed.actor.username == "boss"
    _fail(engine, "boss", T0 + dt.timedelta(minutes=16), users.LOCK_AFTER - 1)  # a fresh count after release


def test_disabled_user_cannot_sign_in(engine, admin):
    add(engine, "view1")
    users.set_disabled(engine, "view1", True, actor=ADMIN)
    with pytest.raises(CcdashError) as e:
        users.sign_in(engine, "view1", GOOD)
    assert error_code(e) == "auth.disabled"
    with pytest.raises(CcdashError) as e:
        users.sign_in(engine, "view1", "wrong password")
    assert error_code(e) == "auth.bad_credentials"  # no hint about the account without its password
    users.set_disabled(engine, "view1", False, actor=ADMIN)
    assert users.sign_in(engine, "view1", GOOD).actor.username == "view1"


def test_sign_in_rehashes_a_weaker_hash(engine, admin, monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    users.sign_in(engine, "boss", GOOD)
    with engine.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash)).scalar()
    assert "m=2048,t=2" in stored and passwords.verify_password(stored, GOOD)


# --- single sign-on -----------------------------------------------------------------------------------------

def test_oidc_sign_in_matches_the_email(engine, admin):
    add(engine, "sso1", "lead", password=None, email="sso1@bank.cn")
    signed = users.oidc_sign_in(engine, {"email": " SSO1@Bank.CN ", "email_verified": True}, now=T0)
    assert signed.actor.username == "sso1" and signed.token and not signed.must_change_password
    assert audit_rows(engine, "signin.oidc")[-1]["target"] == "sso1"


@pytest.mark.parametrize("info", [{"email": "other@bank.cn"}, {}, {"email": "sso1@bank.cn", "email_verified": False},
                                  {"email": "off@bank.cn"}])
def test_oidc_sign_in_without_a_matching_enabled_account(engine, admin, info):
    add(engine, "sso1", password=None, email="sso1@bank.cn")
    add(engine, "off1", password=None, email="off@bank.cn")
    users.set_disabled(engine, "off1", True, actor=ADMIN)
    assert users.oidc_sign_in(engine, info) is None
    failed = audit_rows(engine, "signin.failed")[-1]
    assert failed["outcome"] == "failed" and '"oidc"' in failed["detail"]
    assert not audit_rows(engine, "signin.oidc")


def test_every_error_code_has_both_languages():
    """Every code the accounts modules raise is registered, in Chinese and in English."""
    import re
    from pathlib import Path
    folder = Path(passwords.__file__).parent
    raised = {code for name in ("passwords", "users", "sessions", "wall", "settings")
              for code in re.findall(r'CcdashError\(\s*"([\w.]+)"', (folder / f"{name}.py").read_text("utf-8"))}
    assert {"auth.bad_credentials", "auth.locked", "auth.disabled", "auth.admin_exists", "auth.user_exists",
            "auth.last_admin", "auth.weak_password"} <= raised
    for code in raised:
        assert CATALOG[code]["zh"] and CATALOG[code]["en"] and CATALOG[code]["zh"] != CATALOG[code]["en"], code
