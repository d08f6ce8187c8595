"""Wall-screen links and the anonymous-viewing setting on a real store."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ccdash.auth import passwords, settings, users, wall
from ccdash.auth.roles import PermissionDenied, can
from ccdash.store.schema import audit_log, meta, wall_tokens
from tests.actors import ADMIN, AGENT, INSPECTOR, LEAD, VIEWER

OTHERS = [LEAD, INSPECTOR, VIEWER, AGENT]


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def actions(engine, prefix=""):
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).fetchall()
    return [(r.action, r.target, r.username, r.outcome) for r in rows if r.action.startswith(prefix)]


def table(engine, tbl):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(tbl)))


def test_a_token_opens_its_dashboard_only(engine):
    token = wall.wall_token(engine, "overview", actor=ADMIN)
    other = wall.wall_token(engine, "queues", actor=ADMIN)
    assert token != other and len(token) >= 32
    assert wall.dashboard_for_token(engine, token) == "overview"
    assert wall.dashboard_for_token(engine, other) == "queues"
    assert wall.wall_token(engine, "overview", actor=ADMIN) == token  # asking again keeps the link
    assert actions(engine, "wall.") == [("wall.create", "overview", "admin1", "ok"),
                                        ("wall.create", "queues", "admin1", "ok")]


@pytest.mark.parametrize("token", [None, "", "overview", "x" * 43, "x" * 10_000, 12345])
def test_wrong_tokens_open_nothing(engine, token):
    wall.wall_token(engine, "overview", actor=ADMIN)
    assert wall.dashboard_for_token(engine, token) is None


def test_regenerate_stops_the_old_link_at_once(engine):
    old = wall.wall_token(engine, "overview", actor=ADMIN)
    new = wall.wall_token(engine, "overview", actor=ADMIN, regenerate=True)
    assert new != old
    assert wall.dashboard_for_token(engine, old) is None
    assert wall.dashboard_for_token(engine, new) == "overview"
    assert actions(engine, "wall.")[-1] == ("wall.regenerate", "overview", "admin1", "ok")


def test_revoke_removes_the_link(engine):
    token = wall.wall_token(engine, "overview", actor=ADMIN)
    assert wall.revoke_wall(engine, "overview", actor=ADMIN)
    assert wall.dashboard_for_token(engine, token) is None
    assert not wall.revoke_wall(engine, "overview", actor=ADMIN)  # nothing left: nothing to audit
    assert [a for a, *_ in actions(engine, "wall.")] == ["wall.create", "wall.revoke"]


def test_wall_links_lists_every_link(engine):
    t1 = wall.wall_token(engine, "queues", actor=ADMIN)
    t2 = wall.wall_token(engine, "overview", actor=ADMIN)
    links = wall.wall_links(engine, actor=ADMIN)
    assert [(link["dashboard_id"], link["token"], link["created_by"]) for link in links] == [
        ("overview", t2, "admin1"), ("queues", t1, "admin1")]
    assert all(link["created_at"] for link in links)


def test_the_wall_actor_only_views():
    actor = wall.wall_actor("overview")
    assert (actor.username, actor.role) == ("wall:overview", "viewer")
    assert can(actor, "dashboards.view")
    assert not any(can(actor, p) for p in ("dashboards.edit", "imports.run", "users.manage", "wall.manage",
                                           "audit.view", "me.view", "qa.view"))


@pytest.mark.parametrize("call", [
    lambda e, a: wall.wall_token(e, "overview", actor=a),
    lambda e, a: wall.wall_token(e, "overview", actor=a, regenerate=True),
    lambda e, a: wall.revoke_wall(e, "overview", actor=a),
    lambda e, a: wall.wall_links(e, actor=a),
], ids=["create", "regenerate", "revoke", "list"])
@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.role)
def test_wall_links_are_admin_only(engine, call, actor):
    token = wall.wall_token(engine, "overview", actor=ADMIN)
    before = table(engine, wall_tokens)
    with pytest.raises(PermissionDenied):
        call(engine, actor)
    assert table(engine, wall_tokens) == before and wall.dashboard_for_token(engine, token) == "overview"
    assert actions(engine, "denied:") == [("denied:wall.manage", "", actor.username, "denied")]


# --- anonymous viewing ------------------------------------------------------------------------------------

def test_anonymous_viewing_is_off_by_default_and_admin_switches_it(engine):
    assert not settings.anonymous_viewing(engine)
    settings.set_anonymous_viewing(engine, True, actor=ADMIN)
    assert settings.anonymous_viewing(engine)
    settings.set_anonymous_viewing(engine, False, actor=ADMIN)
    assert not settings.anonymous_viewing(engine)
    rows = actions(engine, "settings.")
    assert [(a, u) for a, _t, u, _o in rows] == [("settings.anonymous", "admin1")] * 2


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.role)
def test_only_admin_may_switch_anonymous_viewing(engine, actor):
    before = table(engine, meta)
    with pytest.raises(PermissionDenied):
        settings.set_anonymous_viewing(engine, True, actor=actor)
    assert table(engine, meta) == before and not settings.anonymous_viewing(engine)
    assert actions(engine, "denied:") == [("denied:settings.edit", "", actor.username, "denied")]


def test_demo_viewing_only_while_no_user_exists(engine):
    assert settings.enable_demo_viewing(engine) and settings.anonymous_viewing(engine)
    assert actions(engine, "settings.") == [("settings.anonymous", "anonymous_viewing", "system", "ok")]
    users.create_first_admin(engine, "boss", "correct horse 42")
    assert not settings.anonymous_viewing(engine)
    assert not settings.enable_demo_viewing(engine) and not settings.anonymous_viewing(engine)
