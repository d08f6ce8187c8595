"""Sign-in sessions on a real store: hashed tokens, idle and absolute expiry, sign-out, sessions ended by
an administrator's change. Time is injected (``now=``), never slept."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from ccdash.auth import passwords, sessions, users
from ccdash.store.db import set_setting
from ccdash.store.schema import audit_log
from ccdash.store.schema import sessions as sessions_table
from ccdash.store.schema import users as users_table
from tests.actors import ADMIN

T0 = dt.datetime(2026, 3, 2, 8, 0, 0)
GOOD = "correct horse 42"
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(engine):
    """A store with the first admin and one lead (the lead already chose their password)."""
    users.create_first_admin(engine, "boss", GOOD)
    users.create_user(engine, actor=ADMIN, username="lead1", role="lead", password=GOOD, must_change_password=False)
    return engine


def sign_in(engine, now=T0, name="lead1"):
    return users.sign_in(engine, name, GOOD, now=now).token


def session_row(engine, token):
    digest = hashlib.sha256(token.encode()).hexdigest()
    with engine.connect() as conn:
        return conn.execute(select(sessions_table).where(sessions_table.c.token_hash == digest)).first()


def test_only_the_sha256_of_the_token_is_stored(store):
    token = sign_in(store)
    row = session_row(store, token)
    assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with store.connect() as conn:
        stored = [str(v) for r in conn.execute(select(sessions_table)) for v in r]
    assert token not in stored
    assert row.expires_at == "2026-03-02 20:00:00"  # ABSOLUTE_HOURS = 12 after the sign-in


def test_session_actor_is_the_signed_in_user(store):
    token = sign_in(store)
    actor = sessions.session_actor(store, token, now=T0 + MIN)
    assert (actor.username, actor.role, actor.user_id) == ("lead1", "lead", users.get_user(store, "lead1")["id"])


@pytest.mark.parametrize("token", [None, "", "made-up-token", "x" * 500])
def test_unknown_tokens_give_nobody(store, token):
    sign_in(store)
    assert sessions.session_actor(store, token, now=T0) is None


def test_idle_expiry_counts_from_the_last_request(store):
    assert (sessions.IDLE_MINUTES, sessions.ABSOLUTE_HOURS) == (120, 12)
    token = sign_in(store)
    idle = dt.timedelta(minutes=sessions.IDLE_MINUTES)
    assert sessions.session_actor(store, token, now=T0 + idle - MIN) is not None  # keeps it alive
    assert sessions.session_actor(store, token, now=T0 + 2 * idle - 2 * MIN) is not None
    assert sessions.session_actor(store, token, now=T0 + 3 * idle - MIN) is None  # idle IDLE_MINUTES since then


def test_idle_session_expires_exactly_at_the_limit(store):
    first, second = sign_in(store), sign_in(store)  # two sessions: a check keeps the checked one alive
    idle = dt.timedelta(minutes=sessions.IDLE_MINUTES)
    assert sessions.session_actor(store, first, now=T0 + idle - dt.timedelta(seconds=1)) is not None
    assert sessions.session_actor(store, second, now=T0 + idle) is None


def test_absolute_expiry_even_when_active(store):
    token = sign_in(store)
    moment = T0
    while moment < T0 + dt.timedelta(hours=sessions.ABSOLUTE_HOURS) - dt.timedelta(minutes=90):
        moment += dt.timedelta(minutes=90)
        assert sessions.session_actor(store, token, now=moment) is not None
    end = T0 + dt.timedelta(hours=sessions.ABSOLUTE_HOURS)
    assert sessions.session_actor(store, token, now=end - dt.timedelta(seconds=1)) is not None
    assert sessions.session_actor(store, token, now=end) is None


def test_last_seen_is_written_at_most_once_a_minute(store):
    token = sign_in(store)
    sessions.session_actor(store, token, now=T0 + dt.timedelta(seconds=30))
    assert session_row(store, token).last_seen_at == "2026-03-02 08:00:00"
    sessions.session_actor(store, token, now=T0 + dt.timedelta(seconds=61))
    assert session_row(store, token).last_seen_at == "2026-03-02 08:01:01"


def test_site_settings_override_the_limits(store):
    with store.begin() as conn:
        set_setting(conn, "session_idle_minutes", "5")
        set_setting(conn, "session_hours", "1")
    token = sign_in(store)
    assert session_row(store, token).expires_at == "2026-03-02 09:00:00"
    assert sessions.session_actor(store, token, now=T0 + 4 * MIN) is not None
    assert sessions.session_actor(store, token, now=T0 + 10 * MIN) is None
    other = sign_in(store)
    for minutes in range(4, 60, 4):
        assert sessions.session_actor(store, other, now=T0 + minutes * MIN) is not None
    assert sessions.session_actor(store, other, now=T0 + 60 * MIN) is None


def test_sign_out_ends_the_session_and_is_audited(store):
    token, other = sign_in(store), sign_in(store)
    sessions.sign_out(store, token, now=T0 + MIN)
    sessions.sign_out(store, token, now=T0 + 2 * MIN)  # twice: nothing more happens
    assert sessions.session_actor(store, token, now=T0 + 2 * MIN) is None
    assert sessions.session_actor(store, other, now=T0 + 2 * MIN) is not None  # another browser stays in
    with store.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == "signout")).fetchall()
    assert [(r.username, r.target) for r in rows] == [("lead1", "lead1")]


@pytest.mark.parametrize("change", [
    lambda e: users.set_role(e, "lead1", "viewer", actor=ADMIN),
    lambda e: users.set_disabled(e, "lead1", True, actor=ADMIN),
    lambda e: users.reset_password(e, "lead1", "a new secret 9", actor=ADMIN),
], ids=["role", "disable", "password_reset"])
def test_admin_changes_end_the_users_sessions(store, change):
    token, admin_token = sign_in(store), sign_in(store, name="boss")
    change(store)
    assert sessions.session_actor(store, token, now=T0 + MIN) is None
    assert session_row(store, token).ended_at is not None
    assert sessions.session_actor(store, admin_token, now=T0 + MIN).username == "boss"  # others untouched


def test_a_disabled_user_loses_even_a_session_not_yet_ended(store):
    token = sign_in(store)
    with store.begin() as conn:  # as if disabled by hand in the database
        conn.execute(update(users_table).where(users_table.c.username == "lead1").values(disabled=1))
    assert sessions.session_actor(store, token, now=T0 + MIN) is None


def test_own_password_change_can_keep_the_current_session(store):
    here, elsewhere = sign_in(store), sign_in(store)
    me = sessions.session_actor(store, here, now=T0)
    users.change_own_password(store, GOOD, "a new secret 9", actor=me, keep_token=here)
    assert sessions.session_actor(store, here, now=T0 + MIN) is not None
    assert sessions.session_actor(store, elsewhere, now=T0 + MIN) is None


def test_end_sessions_counts_what_it_ended(store):
    sign_in(store), sign_in(store)
    uid = users.get_user(store, "lead1")["id"]
    with store.begin() as conn:
        assert sessions.end_sessions(conn, uid, T0) == 2
        assert sessions.end_sessions(conn, uid, T0) == 0
