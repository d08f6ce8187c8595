"""User accounts: the first administrator, user management, and sign-in with a lock-out.

Every change is authorized (``users.manage``) before it touches the store and audited inside its own
transaction, so the audit trail and the accounts never disagree. Usernames are kept lower-case.
Sign-in answers an unknown user and a wrong password with the same message after the same work (one
argon2 verification), locks an account for :data:`LOCK_MINUTES` after :data:`LOCK_AFTER` failures in a
row, and never lets the last enabled administrator be demoted or disabled.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.exc import IntegrityError

from ccdash.audit import record, record_signin_failure
from ccdash.auth.passwords import check_password_policy, dummy_hash, hash_password, needs_rehash, verify_password
from ccdash.auth.roles import ROLES, Actor, PermissionDenied, authorize
from ccdash.auth.sessions import actor_for, end_sessions, parse_time, start_session, time_text
from ccdash.auth.settings import anonymous_viewing, store_anonymous
from ccdash.findings import CcdashError
from ccdash.i18n import register
from ccdash.store.schema import users

__all__ = ["LOCK_AFTER", "LOCK_MINUTES", "SignIn", "actor_for", "change_own_password", "create_first_admin",
           "create_user", "get_user", "list_users", "needs_first_admin", "normalize_username", "oidc_sign_in",
           "reset_password", "set_disabled", "set_role", "sign_in"]

LOCK_AFTER = 5
LOCK_MINUTES = 15
RESERVED = frozenset({"system", "anonymous"})
_USERNAME = re.compile(r"[^\s:]{1,64}")  # no spaces; no ":" (kept for "cli:<user>" and "wall:<dashboard>")

MESSAGES = {
    "auth.bad_credentials": {"zh": "用户名或密码不正确。", "en": "Wrong username or password."},
    "auth.locked": {
        "zh": "连续输错密码次数过多，账户已锁定，请 {minutes} 分钟后再试，或请管理员重置密码。",
        "en": "Too many wrong passwords in a row: the account is locked. Try again in {minutes} minutes, "
              "or ask an administrator to reset the password.",
    },
    "auth.disabled": {"zh": "该账户已停用，请联系管理员。", "en": "This account is disabled. Ask an administrator."},
    "auth.admin_exists": {
        "zh": "已有用户存在，不能再创建初始管理员，请用已有管理员账户登录。",
        "en": "Users already exist, so no first administrator can be created. Sign in with an existing admin.",
    },
    "auth.user_exists": {"zh": "用户名“{username}”已被使用，请换一个。",
                         "en": "The username “{username}” is taken. Choose another."},
    "auth.email_exists": {"zh": "邮箱“{email}”已属于另一个用户。", "en": "The e-mail “{email}” belongs to another user."},
    "auth.no_user": {"zh": "找不到用户“{username}”。", "en": "There is no user “{username}”."},
    "auth.bad_username": {
        "zh": "用户名“{username}”无效：需 1–64 个字符，不能含空格或冒号，也不能是保留名称（system、anonymous）。",
        "en": "The username “{username}” is not valid: 1–64 characters, no spaces or colons, and not a "
              "reserved name (system, anonymous).",
    },
    "auth.bad_role": {"zh": "未知角色“{role}”，可选：{roles}。", "en": "Unknown role “{role}”; roles: {roles}."},
    "auth.agent_id_required": {"zh": "坐席角色必须填写坐席工号。", "en": "The agent role needs the agent's roster id."},
    "auth.password_required": {
        "zh": "请设置密码；只有填写了邮箱（通过单点登录）的账户可以不设密码。",
        "en": "Set a password; only an account with an e-mail (single sign-on) may have none.",
    },
    "auth.last_admin": {
        "zh": "“{username}”是最后一个启用的管理员，不能降级或停用。请先设置另一位管理员。",
        "en": "“{username}” is the last enabled administrator and cannot be demoted or disabled. "
              "Make someone else an administrator first.",
    },
    "auth.wrong_password": {"zh": "当前密码不正确。", "en": "The current password is wrong."},
    "auth.same_password": {"zh": "新密码不能与当前密码相同。", "en": "The new password must differ from the current one."},
}
register(MESSAGES)


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: who, the session token for the browser, and whether a new password is due."""

    actor: Actor
    token: str
    must_change_password: bool


def normalize_username(username: str | None) -> str:
    return (username or "").strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name) or name in RESERVED:
        raise CcdashError("auth.bad_username", username=username)
    return name


def _valid_role(role: str, agent_id: str | None) -> None:
    if role not in ROLES:
        raise CcdashError("auth.bad_role", role=role, roles=", ".join(ROLES))
    if role == "agent" and not (agent_id or "").strip():
        raise CcdashError("auth.agent_id_required")


def _row(conn: Connection, username: str):
    return conn.execute(select(users).where(users.c.username == normalize_username(username))).first()


def _existing(conn: Connection, username: str):
    row = _row(conn, username)
    if row is None:
        raise CcdashError("auth.no_user", username=username)
    return row


def _count_users(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now()


def _lock_users(conn: Connection) -> None:
    """On PostgreSQL, make concurrent account changes that count users wait for each other (SQLite's single
    writer already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))


def needs_first_admin(engine: Engine) -> bool:
    """True while the store has no user at all (the app then asks for the first administrator)."""
    with engine.connect() as conn:
        return _count_users(conn) == 0


def _insert_user(conn: Connection, username: str, role: str, password_hash: str | None, *, display_name: str = "",
                 agent_id: str | None = None, email: str | None = None, must_change: bool = False) -> int:
    stamp = time_text(dt.datetime.now())
    if email and conn.execute(select(users.c.id).where(users.c.email == email)).first():
        raise CcdashError("auth.email_exists", email=email)
    result = conn.execute(users.insert().values(
        username=username, display_name=(display_name or "").strip(), role=role,
        agent_id=(agent_id or "").strip() or None, email=email, password_hash=password_hash, disabled=0,
        failed_count=0, must_change_password=int(must_change), created_at=stamp, updated_at=stamp))
    return result.inserted_primary_key[0]


def create_first_admin(engine: Engine, username: str, password: str, display_name: str = "", *,
                       keep_anonymous: bool = False) -> Actor:
    """Create the first administrator of an empty store (refused once any user exists) and, unless
    ``keep_anonymous``, switch anonymous viewing off: from now on the dashboards need a sign-in."""
    name = _valid_username(username)
    check_password_policy(password, name)
    pw_hash = hash_password(password)  # slow: before the transaction
    with engine.begin() as conn:
        _lock_users(conn)  # two first starts at once: the second waits, then sees a user
        if _count_users(conn):
            raise CcdashError("auth.admin_exists")
        actor = Actor(name, "admin", user_id=_insert_user(conn, name, "admin", pw_hash, display_name=display_name))
        record(conn, actor, "user.first_admin", name)
    if not keep_anonymous and anonymous_viewing(engine):
        with engine.begin() as conn:
            store_anonymous(conn, actor, False, why="first_admin")
    return actor


def create_user(engine: Engine, *, actor: Actor, username: str, role: str, password: str | None = None,
                display_name: str = "", agent_id: str | None = None, email: str | None = None,
                must_change_password: bool = True) -> int:
    """Add an account; returns its id. Without a password the account can sign in only through the
    company's OpenID Connect provider, so it needs an e-mail."""
    authorize(actor, "users.manage", engine)
    name = _valid_username(username)
    _valid_role(role, agent_id)
    email = (email or "").strip().lower() or None
    if password is None and not email:
        raise CcdashError("auth.password_required")
    if password is not None:
        check_password_policy(password, name)
    pw_hash = hash_password(password) if password is not None else None
    try:
        with engine.begin() as conn:
            if _row(conn, name) is not None:
                raise CcdashError("auth.user_exists", username=name)
            user_id = _insert_user(conn, name, role, pw_hash, display_name=display_name, agent_id=agent_id,
                                   email=email, must_change=must_change_password and password is not None)
            record(conn, actor, "user.create", name, {"role": role, "agent_id": agent_id, "email": email})
    except IntegrityError:  # the same name added at the same moment by another admin
        raise CcdashError("auth.user_exists", username=name) from None
    return user_id


def _guard_last_admin(conn: Connection, row) -> None:
    """Refuse to take away the last enabled administrator (nobody could manage users afterwards)."""
    if row.role != "admin" or row.disabled:
        return
    _lock_users(conn)  # two admins disabling each other at once: the second sees the first's change
    admins = conn.execute(select(func.count()).select_from(users)
                          .where(users.c.role == "admin", users.c.disabled == 0)).scalar()
    if admins <= 1:
        raise CcdashError("auth.last_admin", username=row.username)


def _update(conn: Connection, user_id: int, **values) -> None:
    conn.execute(update(users).where(users.c.id == user_id)
                 .values(updated_at=time_text(dt.datetime.now()), **values))


def set_role(engine: Engine, username: str, role: str, *, actor: Actor, agent_id: str | None = None) -> None:
    """Give a user another role (an agent keeps or gets a roster id); the user's sessions end, so the new
    role applies from their next sign-in."""
    authorize(actor, "users.manage", engine)
    with engine.begin() as conn:
        row = _existing(conn, username)
        agent_id = (agent_id or (row.agent_id if role == "agent" else None) or "").strip() or None
        _valid_role(role, agent_id)
        if role != "admin":
            _guard_last_admin(conn, row)
        _update(conn, row.id, role=role, agent_id=agent_id if role == "agent" else None)
        end_sessions(conn, row.id, dt.datetime.now())
        record(conn, actor, "user.role", row.username, {"from": row.role, "to": role, "agent_id": agent_id})


def set_disabled(engine: Engine, username: str, disabled: bool, *, actor: Actor) -> None:
    """Disable (sessions end at once) or enable a user; enabling also lifts a lock-out."""
    authorize(actor, "users.manage", engine)
    with engine.begin() as conn:
        row = _existing(conn, username)
        if disabled:
            _guard_last_admin(conn, row)
            _update(conn, row.id, disabled=1)
            end_sessions(conn, row.id, dt.datetime.now())
        else:
            _update(conn, row.id, disabled=0, failed_count=0, locked_until=None)
        record(conn, actor, "user.disable" if disabled else "user.enable", row.username)


def reset_password(engine: Engine, username: str, new_password: str, *, actor: Actor) -> None:
    """Set a temporary password (the user must choose a new one at the next sign-in); lifts a lock-out and
    ends the user's sessions."""
    authorize(actor, "users.manage", engine)
    name = normalize_username(username)
    check_password_policy(new_password, name)
    pw_hash = hash_password(new_password)
    with engine.begin() as conn:
        row = _existing(conn, name)
        _update(conn, row.id, password_hash=pw_hash, must_change_password=1, failed_count=0, locked_until=None)
        end_sessions(conn, row.id, dt.datetime.now())
        record(conn, actor, "user.password_reset", row.username)


def change_own_password(engine: Engine, old: str, new: str, *, actor: Actor, keep_token: str | None = None) -> None:
    """A signed-in user changes their own password (the current one is checked). With ``keep_token`` (the
    session it is done from) every other session of the user ends."""
    if actor is None:
        raise PermissionDenied(None, "me.view")
    with engine.connect() as conn:
        row = _existing(conn, actor.username)
    if not verify_password(row.password_hash, old):
        with engine.begin() as conn:
            record(conn, actor, "user.password_change", row.username, {"reason": "wrong_password"}, "failed")
        raise CcdashError("auth.wrong_password")
    if old == new:
        raise CcdashError("auth.same_password")
    check_password_policy(new, row.username)
    pw_hash = hash_password(new)
    with engine.begin() as conn:
        _update(conn, row.id, password_hash=pw_hash, must_change_password=0)
        if keep_token:
            end_sessions(conn, row.id, dt.datetime.now(), keep_token=keep_token)
        record(conn, actor, "user.password_change", row.username)


PUBLIC_COLUMNS = ("id", "username", "display_name", "role", "agent_id", "email", "disabled", "failed_count",
                  "locked_until", "must_change_password", "created_at", "updated_at", "last_login_at")


def _public(row) -> dict:
    m = row._mapping
    out = {c: m[c] for c in PUBLIC_COLUMNS}
    out.update(disabled=bool(out["disabled"]), must_change_password=bool(out["must_change_password"]),
               has_password=m["password_hash"] is not None)
    return out


def list_users(engine: Engine, *, actor: Actor) -> pd.DataFrame:
    """Every account for the users page (administrators only); never the password hashes."""
    authorize(actor, "users.manage", engine)
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.username)).fetchall()
    return pd.DataFrame([_public(r) for r in rows], columns=[*PUBLIC_COLUMNS, "has_password"])


def get_user(engine: Engine, username: str) -> dict | None:
    """One account as a dict (no password hash; ``has_password`` instead), or None."""
    with engine.connect() as conn:
        row = _row(conn, username)
    return None if row is None else _public(row)


def _locked_minutes(row, now: dt.datetime) -> int:
    until = parse_time(row.locked_until)
    return 0 if until is None or until <= now else math.ceil((until - now).total_seconds() / 60)


def _fail(engine: Engine, row, now: dt.datetime) -> None:
    """Count a wrong password; the LOCK_AFTER-th in a row locks the account for LOCK_MINUTES."""
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == row.id).values(failed_count=users.c.failed_count + 1))
        count = conn.execute(select(users.c.failed_count).where(users.c.id == row.id)).scalar()
        locked = count >= LOCK_AFTER
        if locked:
            _update(conn, row.id, failed_count=0, locked_until=time_text(now + dt.timedelta(minutes=LOCK_MINUTES)))
        record(conn, actor_for(row), "signin.failed", row.username,
               {"reason": "wrong_password", "failures": count, "locked": locked}, "failed")


def _succeed(engine: Engine, row, password: str, now: dt.datetime, action: str, detail: dict) -> SignIn:
    """Reset the failure count, open a session and audit the sign-in in one transaction."""
    values = {"failed_count": 0, "locked_until": None, "last_login_at": time_text(now)}
    if password and needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
        token = start_session(conn, row.id, now)
        actor = actor_for(row)
        record(conn, actor, action, row.username, detail)
    return SignIn(actor, token, bool(row.must_change_password) and action == "signin.ok")


def sign_in(engine: Engine, username: str, password: str, *, now: dt.datetime | None = None) -> SignIn:
    """Check a username and password and open a session; raises ``auth.bad_credentials`` (unknown user or
    wrong password — the same words and the same work), ``auth.locked`` or ``auth.disabled``."""
    now, name = _now(now), normalize_username(username)
    with engine.connect() as conn:
        row = _row(conn, name) if name else None
    if row is None:
        verify_password(dummy_hash(), password or "")
        record_signin_failure(engine, name, {"reason": "unknown_user"})
        raise CcdashError("auth.bad_credentials")
    ok = verify_password(row.password_hash or dummy_hash(), password or "") and row.password_hash is not None
    minutes = _locked_minutes(row, now)
    if minutes:
        with engine.begin() as conn:
            record(conn, actor_for(row), "signin.locked", row.username, {"minutes_left": minutes}, "failed")
        raise CcdashError("auth.locked", minutes=minutes)
    if not ok:
        _fail(engine, row, now)
        raise CcdashError("auth.bad_credentials")
    if row.disabled:
        with engine.begin() as conn:
            record(conn, actor_for(row), "signin.failed", row.username, {"reason": "disabled"}, "failed")
        raise CcdashError("auth.disabled")
    return _succeed(engine, row, password, now, "signin.ok", {})


def oidc_sign_in(engine: Engine, user_info: Mapping, *, now: dt.datetime | None = None) -> SignIn | None:
    """Sign in the enabled user whose e-mail matches the OpenID Connect provider's ``email`` claim (one the
    provider marked unverified never matches); None when no account matches."""
    email = str(user_info.get("email") or "").strip().lower()
    verified = user_info.get("email_verified", True) not in (False, "false", "False", 0)
    row = None
    if email and verified:
        with engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.email == email, users.c.disabled == 0)).first()
    if row is None:
        record_signin_failure(engine, email, {"via": "oidc", "reason": "no_account"})
        return None
    return _succeed(engine, row, "", _now(now), "signin.oidc", {"email": email})
