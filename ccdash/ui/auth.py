"""The sign-in gate and the role-based navigation (app.py calls :func:`navigate` on every run).

Each run decides again who is acting — nothing from an earlier run is trusted:

1. a wall link (``?wall=1&token=T``): the token's dashboard, read-only, as :func:`wall_actor`; the
   navigation holds only the dashboard page and the page shows only that dashboard; a wrong, regenerated
   or revoked token gets a message and nothing else;
2. a signed-in session: the token kept in the session state is checked again with
   :func:`session_actor` (idle and absolute expiry, a disabled user, a changed role or password end it);
   a user whose password an administrator reset must choose a new one before anything else. The token is
   also kept in a browser-session cookie (:data:`COOKIE`: gone when the browser closes, SameSite=Strict,
   Secure over HTTPS), so a reload or a second tab stays signed in; a new Streamlit session adopts it only
   after the same check, and sign-out ends the session in the store and clears the cookie;
3. nobody signed in: the first-start form when the store has no administrator, else the sign-in form —
   or, when anonymous viewing is on (the demo store of ``make run``), the dashboards as an anonymous
   viewer with a banner and the sign-in form one click away.

Which pages a role gets is the declared table :data:`PAGES` (page → permission of
:data:`ccdash.auth.roles.PERMISSIONS`); each page checks the same permission itself
(:func:`ccdash.ui.common.require`), so a page opened by its address outside the navigation is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import Actor, can
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.ui import common
from ccdash.ui import explorer as _explorer  # noqa: F401  (registers nav.explorer)

MESSAGES = {
    "nav.sec.view": {"zh": "看板与指标", "en": "Dashboards and indicators"},
    "nav.sec.qa": {"zh": "质检", "en": "Quality"},
    "nav.sec.data": {"zh": "数据导入", "en": "Data"},
    "nav.sec.admin": {"zh": "系统管理", "en": "Administration"},
    "nav.sec.account": {"zh": "我的", "en": "Me"},
    "nav.users": {"zh": "用户与大屏链接", "en": "Users and wall links"},
    "nav.audit": {"zh": "审计日志", "en": "Audit trail"},
    "nav.me": {"zh": "我的指标", "en": "My numbers"},
    "nav.account": {"zh": "我的账户", "en": "My account"},
    "nav.signin": {"zh": "登录", "en": "Sign in"},
    "nav.first_start": {"zh": "创建管理员账户", "en": "Create the administrator"},
    "gate.wall_bad_token": {
        "zh": "这个大屏链接无效：它可能已被管理员重新生成或撤销。请向管理员索取新的链接。",
        "en": "This wall-screen link is not valid: an administrator may have regenerated or revoked it. "
              "Ask an administrator for the new link.",
    },
    "gate.expired": {"zh": "登录已过期，请重新登录。", "en": "Your session has ended; please sign in again."},
    "gate.demo_banner": {
        "zh": "示例数据：您正在匿名浏览示例看板（只读）。请点击下方或页面顶部的“创建管理员账户”以启用账户和权限。",
        "en": "Sample data: you are viewing the sample dashboards anonymously (read-only). Use “Create the "
              "administrator” (below, or at the top of the page) to switch on accounts and roles.",
    },
    "gate.anonymous_banner": {
        "zh": "匿名浏览（只读）。如有账户，请点击下方或页面顶部的“登录”。",
        "en": "Anonymous viewing (read-only). If you have an account, use “Sign in” below or at the top of the page.",
    },
    "gate.signed_in_as": {"zh": "当前用户：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "gate.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "gate.must_change": {
        "zh": "管理员已重置您的密码：请先设置一个新密码。",
        "en": "An administrator reset your password: please choose a new one first.",
    },
    "gate.oidc_no_account": {
        "zh": "公司账户 {email} 在 ccdash 中没有对应的用户。请管理员先为您创建账户（填写该邮箱）。",
        "en": "The company account {email} has no ccdash user. Ask an administrator to create one with this email.",
    },
}
register(MESSAGES)

SESSION_KEY = "ccdash_session"  # the sign-in token of this browser session (only its hash is in the store)
COOKIE = "ccdash_session"  # the same token in a browser-session cookie: a reload stays signed in
WALL_KEY = "ccdash_wall_dashboard"  # the dashboard a wall link may show, set by the gate on every wall run
MUST_CHANGE_KEY = common.MUST_CHANGE_KEY
ANONYMOUS = Actor("anonymous", "viewer")


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its file, address, nav title (message code), icon and the permission it needs
    (None: the account and sign-in pages, which depend on being signed in, not on a role)."""

    path: str
    url_path: str
    title: str
    icon: str
    permission: str | None
    section: str = "nav.sec.view"  # the menu section it is listed under (message code)


PAGES = (
    PageSpec("pages/dashboards.py", "dashboards", "nav.dashboards", ":material/dashboard:", "dashboards.view"),
    PageSpec("pages/builder.py", "builder", "nav.builder", ":material/dashboard_customize:", "dashboards.edit"),
    PageSpec("pages/indicators.py", "indicators", "nav.indicators", ":material/monitoring:", "dashboards.view"),
    PageSpec("pages/explorer.py", "explorer", "nav.explorer", ":material/explore:", "dashboards.view"),
    PageSpec("pages/alerts.py", "alerts", "nav.alerts", ":material/notifications:", "dashboards.view"),
    PageSpec("pages/formulas.py", "formulas", "nav.formulas", ":material/function:", "formulas.edit"),
    PageSpec("pages/reports.py", "reports", "nav.reports", ":material/summarize:", "reports.view"),
    PageSpec("pages/qa_workbench.py", "qa", "nav.qa_workbench", ":material/headphones:", "qa.score", "nav.sec.qa"),
    PageSpec("pages/qa_analysis.py", "qa_analysis", "nav.qa_analysis", ":material/fact_check:", "qa.view", "nav.sec.qa"),
    PageSpec("pages/qa_forms.py", "qa_forms", "nav.qa_forms", ":material/checklist:", "qa.forms.edit", "nav.sec.qa"),
    PageSpec("pages/upload.py", "upload", "nav.upload", ":material/upload_file:", "imports.run", "nav.sec.data"),
    PageSpec("pages/history.py", "history", "nav.history", ":material/history:", "imports.view", "nav.sec.data"),
    PageSpec("pages/users.py", "users", "nav.users", ":material/group:", "users.manage", "nav.sec.admin"),
    PageSpec("pages/audit.py", "audit", "nav.audit", ":material/policy:", "audit.view", "nav.sec.admin"),
    PageSpec("pages/me.py", "me", "nav.me", ":material/person:", "me.view", "nav.sec.account"),
    PageSpec("pages/account.py", "account", "nav.account", ":material/account_circle:", None, "nav.sec.account"),
)
SIGNIN = PageSpec("pages/signin.py", "signin", "nav.signin", ":material/login:", None, "nav.sec.account")
PAGE_PERMISSIONS: dict[str, str | None] = {p.path: p.permission for p in (*PAGES, SIGNIN)}
ACCOUNT = next(p for p in PAGES if p.path == "pages/account.py")


def pages_for(actor: Actor | None) -> list[PageSpec]:
    """The pages ``actor`` may open, in menu order: those its role has the permission for, and the account
    page for a real account (not the anonymous viewer or a wall screen)."""
    if actor is None:
        return []
    return [p for p in PAGES if (can(actor, p.permission) if p.permission else actor.user_id is not None)]


# ---- who is acting in this run ----

def wall_dashboard() -> str | None:
    """The one dashboard the wall link of this run may show (None outside wall mode)."""
    return st.session_state.get(WALL_KEY)


def wall_check(engine: Engine):
    """For the wall screen's refresh: a check that its link still opens the same dashboard (a regenerated or
    revoked token stops an open screen at its next refresh, not only new visitors)."""
    from ccdash.auth.wall import dashboard_for_token
    token, dashboard_id = st.query_params.get("token", ""), wall_dashboard()
    return lambda: dashboard_id is not None and dashboard_for_token(engine, token) == dashboard_id


def session_user(engine: Engine, lang: str) -> Actor | None:
    """The signed-in user of this browser session, checked again in the store on every run; an OpenID
    Connect identity (st.user) is turned into a session the first time it is seen."""
    from ccdash.auth.sessions import session_actor
    token = st.session_state.get(SESSION_KEY) or adopt_cookie()
    if token:
        actor = session_actor(engine, token)
        if actor is not None:
            return actor
        forget_session()
        st.session_state["_gate_note"] = "gate.expired"
    return oidc_user(engine, lang)


def forget_actor() -> None:
    """Nothing of an earlier run's actor survives into this one."""
    for key in (common.ACTOR_KEY, WALL_KEY, MUST_CHANGE_KEY, common.GATE_KEY):
        st.session_state.pop(key, None)


def forget_session() -> None:
    forget_actor()
    st.session_state.pop(SESSION_KEY, None)


def cookie_token() -> str | None:
    """The sign-in token the browser sent in its cookie when this Streamlit session began (a reload)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 — no browser request behind this run (a bare script)
        return None
    return value if isinstance(value, str) and value else None  # (AppTest's request context is a stand-in)


def adopt_cookie() -> str | None:
    """A new Streamlit session (a reload, a second tab) takes the cookie's token once — the caller checks it in
    the store like any other. Only once: the cookie of the first request stays what it was for the whole
    Streamlit session, so after that session's sign-out, or once its token failed the check, it is stale."""
    if st.session_state.get("_ccdash_cookie_tried"):
        return None
    st.session_state["_ccdash_cookie_tried"] = True
    token = cookie_token()
    if token:
        st.session_state[SESSION_KEY] = token
    return token


def write_cookie() -> None:
    """Keep the browser's sign-in cookie in step with this session: the token while signed in; cleared after a
    sign-out or when the cookie's session has ended. A zero-height component (the only way a Streamlit app runs
    script in its page, same origin), drawn on every run at the same place with the same content, so the
    browser keeps the one it has instead of loading it again — and a rerun that comes quickly after a sign-in
    cannot take it away before it ran."""
    token = st.session_state.get(SESSION_KEY)
    if token:
        value = f"{COOKIE}={token}"  # URL-safe base64 (secrets.token_urlsafe): nothing to escape in a cookie
    elif st.session_state.get("_ccdash_signed_out") or cookie_token():
        value = f"{COOKIE}=; max-age=0"
    else:
        return
    import json

    import streamlit.components.v1 as components
    components.html("<script>const w = window.parent; w.document.cookie = "
                    + json.dumps(value + "; path=/; SameSite=Strict")
                    + ' + (w.location.protocol === "https:" ? "; Secure" : "");</script>', height=0)


def check_actor(engine: Engine) -> Actor | None:
    """The acting user decided again without drawing anything, for a page that runs without the gate in
    front of it (Streamlit's legacy ``pages/`` routing on a fresh server, and AppTest's reruns): the wall
    token, the session token (expiry, disabled, a password to change) or anonymous viewing."""
    from ccdash.auth.sessions import session_actor
    from ccdash.auth.settings import anonymous_viewing
    from ccdash.auth.users import get_user
    forget_actor()
    if common.wall_mode():
        enter_wall(engine)
        return common.current_actor()
    token = st.session_state.get(SESSION_KEY) or adopt_cookie()
    actor = session_actor(engine, token) if token else None
    if actor is not None and (get_user(engine, actor.username) or {}).get("must_change_password"):
        st.session_state[MUST_CHANGE_KEY] = True
    if actor is None and anonymous_viewing(engine):
        actor = ANONYMOUS
    if actor is not None:
        st.session_state[common.ACTOR_KEY] = actor
    return actor


def start_session(signin) -> None:
    """Keep a :class:`ccdash.auth.users.SignIn`'s token for this browser session."""
    st.session_state[SESSION_KEY] = signin.token
    st.session_state.pop("_gate_note", None)
    st.session_state.pop("_ccdash_signed_out", None)


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (st.login needs it; without any
    secrets file even reading st.secrets raises, so every access is guarded)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 — no secrets file, or one that cannot be parsed
        return False


def oidc_provider() -> str | None:
    """The provider name for st.login: None for a single provider in ``[auth]``, else the first
    ``[auth.NAME]`` section."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    return next((name for name, value in section.items() if hasattr(value, "keys")), None)


def oidc_logged_in() -> bool:
    if not oidc_configured():
        return False
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001
        return False


def oidc_user(engine: Engine, lang: str) -> Actor | None:
    """The ccdash user of the company identity Streamlit holds (its own signed cookie), signed in now."""
    if not oidc_logged_in():
        return None
    from ccdash.auth.sessions import session_actor
    from ccdash.auth.users import oidc_sign_in
    try:
        signin = oidc_sign_in(engine, st.user.to_dict())
    except CcdashError as exc:
        common.show_error(exc, lang)
        return None
    if signin is None:
        st.error(t("gate.oidc_no_account", lang, email=st.user.to_dict().get("email", "?")), icon="🚫")
        st.button(t("gate.sign_out", lang), key="oidc_logout", on_click=st.logout)
        return None
    start_session(signin)
    return session_actor(engine, signin.token)


# ---- the navigation ----

def navigate(engine: Engine, lang: str) -> None:
    """Decide who acts in this run, build their navigation and run the chosen page."""
    from ccdash.auth.settings import anonymous_viewing
    forget_actor()
    if common.wall_mode():
        run_wall(engine, lang)
        return
    actor = session_user(engine, lang)
    banner = None
    if actor is None and anonymous_viewing(engine):
        actor, banner = ANONYMOUS, "anonymous"
    if actor is not None:
        st.session_state[common.ACTOR_KEY] = actor
    specs = pages_for(actor)
    if actor is not None and actor.user_id is not None and user_box(engine, actor, lang):
        specs = [ACCOUNT]
        st.session_state[MUST_CHANGE_KEY] = True
    signed_in = bool(actor and actor.user_id)
    # the menu across the top, one dropdown per section: the sidebar is left to the language, the user and the
    # page's own filters (a dashboard's filters stay in view); on a phone Streamlit folds it into the sidebar
    page = st.navigation(st_pages(specs, lang, signed_in=signed_in, first_start=not signed_in and first_start(engine)),
                         position="top")
    note = st.session_state.pop("_gate_note", None)
    if note:
        st.info(t(note, lang))
    if banner:
        demo_banner(engine, lang)
    st.session_state[common.GATE_KEY] = True  # the page knows the actor was checked in this very run
    with st.sidebar:
        write_cookie()
    page.run()


def first_start(engine: Engine) -> bool:
    from ccdash.auth.users import needs_first_admin
    return needs_first_admin(engine)


def st_pages(specs: list[PageSpec], lang: str, *, signed_in: bool, first_start: bool = False) -> dict[str, list]:
    """st.Page objects by menu section (in the order of :data:`PAGES`): the role's pages (the first one the
    default) and the sign-in page — first in the menu bar until signed in, then hidden (still routable, so the
    run right after a sign-in finds it and moves on). A section the role has no page in is not shown."""
    signin = SIGNIN
    title = "nav.first_start" if first_start else signin.title
    first = specs[0] if specs else None
    sections = {label: [st.Page(s.path, title=t(s.title, lang), icon=s.icon, url_path=s.url_path, default=s is first)
                        for s in group] for label, group in menu(specs, lang).items()}
    page = st.Page(signin.path, title=t(title, lang), icon=signin.icon, url_path=signin.url_path,
                   default=not specs, visibility="hidden" if signed_in else "visible")
    # signed in: hidden among the account pages; otherwise first in the menu bar, outside any dropdown
    sections.setdefault(t(SIGNIN.section, lang) if signed_in else "", []).append(page)
    return sections


def menu(specs: list[PageSpec], lang: str) -> dict[str, list[PageSpec]]:
    """The pages grouped under their section titles, sections and pages in the order of :data:`PAGES`."""
    sections: dict[str, list[PageSpec]] = {}
    for spec in specs:
        sections.setdefault(t(spec.section, lang), []).append(spec)
    return sections


def run_wall(engine: Engine, lang: str) -> None:
    """A wall link: only its token's dashboard, or a message and nothing else."""
    if enter_wall(engine) is None:
        page = st.Page(lambda: st.error(t("gate.wall_bad_token", lang), icon="🚫"), title="ccdash", url_path="wall")
    else:
        spec = PAGES[0]
        page = st.Page(spec.path, title=t(spec.title, lang), icon=spec.icon, url_path=spec.url_path, default=True)
    page = st.navigation([page], position="hidden")
    st.session_state[common.GATE_KEY] = True
    page.run()


def enter_wall(engine: Engine) -> str | None:
    """The dashboard this run's wall token opens — kept, with the read-only wall actor, for the page — or None
    (no token, a wrong one, or one an administrator regenerated or revoked)."""
    from ccdash.auth.wall import dashboard_for_token, wall_actor
    token = st.query_params.get("token", "")
    dashboard_id = dashboard_for_token(engine, token) if token else None
    if dashboard_id is not None:
        st.session_state[common.ACTOR_KEY] = wall_actor(dashboard_id)
        st.session_state[WALL_KEY] = dashboard_id
    return dashboard_id


def user_box(engine: Engine, actor: Actor, lang: str) -> bool:
    """Who is signed in and the sign-out button, in the sidebar; True when the user must change the
    password an administrator reset before doing anything else."""
    from ccdash.auth.users import get_user
    user = get_user(engine, actor.username) or {}
    name = user.get("display_name") or actor.username
    st.sidebar.caption(t("gate.signed_in_as", lang, name=name, role=t(f"role.{actor.role}", lang)))
    if st.sidebar.button(t("gate.sign_out", lang), key="sign_out", icon=":material/logout:"):
        sign_out_now(engine)
    must_change = bool(user.get("must_change_password"))
    if must_change:
        st.warning(t("gate.must_change", lang))
    return must_change


def sign_out_now(engine: Engine) -> None:
    """End the session in the store, forget it here, and go to the sign-in page."""
    from ccdash.auth.sessions import sign_out
    sign_out(engine, st.session_state.get(SESSION_KEY))
    was_oidc = oidc_logged_in()
    forget_session()
    st.session_state["_ccdash_signed_out"] = True  # this session's request still carries the old cookie
    if was_oidc:
        st.logout()  # also forget Streamlit's identity cookie, or the next run would sign in again
    st.switch_page(SIGNIN.path)


def demo_banner(engine: Engine, lang: str) -> None:
    first = first_start(engine)
    st.info(t("gate.demo_banner" if first else "gate.anonymous_banner", lang), icon="🧪" if first else "👀")
    st.page_link(SIGNIN.path, label=t("nav.first_start" if first else "nav.signin", lang), icon=SIGNIN.icon)


# ---- the tables of docs/accounts.md (a test keeps the document equal to them) ----

def roles_table() -> str:
    """Permission × role as a Markdown table (✔ where the role has it)."""
    from ccdash.auth.roles import PERMISSIONS, ROLES
    lines = ["| permission | " + " | ".join(ROLES) + " |", "| --- |" + " :-: |" * len(ROLES)]
    for perm, roles in PERMISSIONS.items():
        lines.append(f"| `{perm}` ({t(f'perm.{perm}', 'en')}) | " + " | ".join("✔" if r in roles else "" for r in ROLES)
                     + " |")
    return "\n".join(lines)


def pages_table() -> str:
    """Page → permission → roles that see it, as a Markdown table."""
    from ccdash.auth.roles import PERMISSIONS, ROLES
    lines = ["| page | menu (zh / en) | permission | roles |", "| --- | --- | --- | --- |"]
    for p in PAGES:
        roles = (", ".join(r for r in ROLES if r in PERMISSIONS[p.permission]) if p.permission
                 else "every signed-in account")
        lines.append(f"| `{p.path}` | {t(p.section, 'zh')} › {t(p.title, 'zh')} / {t(p.section, 'en')} › {t(p.title, 'en')} | "
                     f"{f'`{p.permission}`' if p.permission else '—'} | {roles} |")
    return "\n".join(lines)
