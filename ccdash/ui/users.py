"""The administrators' page: accounts and roles, anonymous viewing, and the wall-screen links.

Every change goes through :mod:`ccdash.auth` (authorized, audited); this module only gathers the input
and shows the outcome — a green line after a change (kept over the rerun), the library's message when
it refuses (the last administrator cannot be demoted, a weak password, a taken username …).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.roles import ROLES, Actor
from ccdash.dashboards.documents import list_dashboards
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.store.info import agent_names, dimension_values
from ccdash.ui import common
from ccdash.ui.dashboards import wall_url

MESSAGES = {
    "us.title": {"zh": "用户与大屏链接", "en": "Users and wall links"},
    "us.users": {"zh": "用户", "en": "Users"},
    "us.col.username": {"zh": "用户名", "en": "Username"},
    "us.col.display_name": {"zh": "显示名称", "en": "Display name"},
    "us.col.role": {"zh": "角色", "en": "Role"},
    "us.col.agent_id": {"zh": "坐席工号", "en": "Agent id"},
    "us.col.email": {"zh": "邮箱", "en": "E-mail"},
    "us.col.disabled": {"zh": "已停用", "en": "Disabled"},
    "us.col.locked_until": {"zh": "锁定至", "en": "Locked until"},
    "us.col.must_change_password": {"zh": "须改密码", "en": "Must change password"},
    "us.col.last_login_at": {"zh": "最近登录", "en": "Last sign-in"},
    "us.create": {"zh": "新建用户", "en": "New user"},
    "us.agent": {"zh": "坐席工号（坐席角色必填）", "en": "Agent id (required for the agent role)"},
    "us.email": {"zh": "邮箱（可选，公司账户登录用）", "en": "E-mail (optional, for the company sign-in)"},
    "us.initial_pw": {"zh": "初始密码（用户首次登录后须修改）", "en": "First password (changed at the first sign-in)"},
    "us.create_button": {"zh": "创建用户", "en": "Create the user"},
    "us.created": {"zh": "已创建用户 {username}。", "en": "User {username} created."},
    "us.edit": {"zh": "修改用户", "en": "Change a user"},
    "us.pick": {"zh": "用户", "en": "User"},
    "us.save_role": {"zh": "保存角色", "en": "Save the role"},
    "us.role_saved": {"zh": "{username} 的角色已改为 {role}；其登录已结束。",
                      "en": "{username} is now {role}; their sessions have ended."},
    "us.disable": {"zh": "停用账户", "en": "Disable the account"},
    "us.enable": {"zh": "启用账户", "en": "Enable the account"},
    "us.disabled": {"zh": "{username} 已停用。", "en": "{username} is disabled."},
    "us.enabled": {"zh": "{username} 已启用。", "en": "{username} is enabled."},
    "us.reset_pw": {"zh": "新密码（用户下次登录后须修改）", "en": "New password (to be changed at the next sign-in)"},
    "us.reset": {"zh": "重置密码", "en": "Reset the password"},
    "us.was_reset": {"zh": "{username} 的密码已重置；其登录已结束。",
                     "en": "{username}'s password was reset; their sessions have ended."},
    "us.settings": {"zh": "设置", "en": "Settings"},
    "us.anonymous": {"zh": "允许匿名浏览看板（只读，无需登录）",
                     "en": "Allow anonymous viewing of the dashboards (read-only, no sign-in)"},
    "us.anonymous_help": {"zh": "仅用于演示或完全可信的内网；坐席个人页面和所有修改仍需登录。",
                          "en": "Only for a demo or a fully trusted network; the agents' page and every change "
                                "still need a sign-in."},
    "us.wall": {"zh": "大屏链接", "en": "Wall-screen links"},
    "us.wall_help": {
        "zh": "每个看板一个只读链接，无需登录，只显示该看板。重新生成后旧链接立即失效；撤销后该看板没有大屏链接。",
        "en": "One read-only link per dashboard: no sign-in, only that dashboard. Regenerating stops the old link at "
              "once; revoking leaves the dashboard without a wall link.",
    },
    "us.wall_none": {"zh": "尚无链接", "en": "No link yet"},
    "us.wall_create": {"zh": "生成链接", "en": "Create a link"},
    "us.wall_regenerate": {"zh": "重新生成", "en": "Regenerate"},
    "us.wall_revoke": {"zh": "撤销", "en": "Revoke"},
    "us.wall_made": {"zh": "看板 {dashboard} 的大屏链接已更新。", "en": "The wall link of {dashboard} was updated."},
    "us.wall_gone": {"zh": "看板 {dashboard} 的大屏链接已撤销。", "en": "The wall link of {dashboard} was revoked."},
    "us.wall_meta": {"zh": "由 {who} 于 {when} 生成", "en": "made by {who} at {when}"},
}
register(MESSAGES)

COLUMNS = ("username", "display_name", "role", "agent_id", "email", "disabled", "locked_until",
           "must_change_password", "last_login_at")
FLASH_KEY = "us_flash"


def absolute_wall_url(page_url: str | None, token: str, page_path: str = "users") -> str | None:
    """The full address of a wall link, from the address of this page (``st.context.url``): same scheme,
    host and base path, with this page's own path segment removed. None when the address is unknown."""
    if not page_url:
        return None
    parts = urlsplit(page_url)
    if not parts.scheme or not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    if path.endswith(f"/{page_path}") or path == page_path:
        path = path[: -len(page_path)]
    path = path if path.endswith("/") else path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}{wall_url(token).lstrip('/')}"


def act(change, done: str, **params) -> None:
    """Run a library change; on success remember the green line over the rerun, else show the message."""
    try:
        change()
    except CcdashError as exc:
        common.show_error(exc, common.lang())
        return
    st.session_state[FLASH_KEY] = (done, params)
    st.rerun()


def page(engine: Engine, lang: str) -> None:
    from ccdash.auth.users import list_users
    actor = common.current_actor()
    st.title(t("us.title", lang))
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(t(flash[0], lang, **flash[1]))
    users = list_users(engine, actor=actor)
    st.subheader(t("us.users", lang))
    st.dataframe(user_table(users, lang), hide_index=True)
    agents = agent_choices(engine)
    create_user_form(engine, actor, agents, lang)
    edit_user(engine, actor, users, agents, lang)
    settings(engine, actor, lang)
    wall_links_section(engine, actor, lang)


def user_table(users: pd.DataFrame, lang: str) -> pd.DataFrame:
    table = users[list(COLUMNS)].assign(role=users["role"].map(lambda r: t(f"role.{r}", lang)))
    for column in ("agent_id", "email", "locked_until", "last_login_at"):  # blank, not "None"
        if column in table:
            table[column] = table[column].astype("string").fillna("")
    return table.rename(columns={c: t(f"us.col.{c}", lang) for c in COLUMNS})


def agent_choices(engine: Engine) -> dict[str, str]:
    """Agent id → "id name" for the picker: the roster's agents and any agent id seen in the calls."""
    names = agent_names(engine)
    ids = sorted(set(names) | set(dimension_values(engine, "agent_id")))
    return {"": "—", **{a: f"{a} {names.get(a, '')}".strip() for a in ids}}


def role_and_agent(agents: dict[str, str], lang: str, prefix: str, role: str = "viewer",
                   agent: str | None = None) -> tuple[str, str | None]:
    agent = agent if isinstance(agent, str) else ""  # a missing agent id comes out of the table as NaN/None
    left, right = st.columns(2)
    picked = left.selectbox(t("us.col.role", lang), ROLES, index=ROLES.index(role), key=f"{prefix}_role",
                            format_func=lambda r: t(f"role.{r}", lang))
    options = list(agents) if not agent or agent in agents else [*agents, agent]
    agent_id = right.selectbox(t("us.agent", lang), options, index=options.index(agent or ""), key=f"{prefix}_agent",
                               format_func=lambda a: agents.get(a, a), disabled=picked != "agent")
    return picked, (agent_id or None) if picked == "agent" else None


def create_user_form(engine: Engine, actor: Actor, agents: dict[str, str], lang: str) -> None:
    from ccdash.auth.users import create_user
    st.subheader(t("us.create", lang))
    left, right = st.columns(2)
    username = left.text_input(t("us.col.username", lang), key="us_new_user")
    name = right.text_input(t("us.col.display_name", lang), key="us_new_name")
    role, agent_id = role_and_agent(agents, lang, "us_new")
    left, right = st.columns(2)
    email = left.text_input(t("us.email", lang), key="us_new_email")
    password = right.text_input(t("us.initial_pw", lang), type="password", key="us_new_pw")
    if st.button(t("us.create_button", lang), key="us_create", type="primary"):
        act(lambda: create_user(engine, actor=actor, username=username, role=role, password=password or None,
                                display_name=name, agent_id=agent_id, email=email or None),
            "us.created", username=username.strip().lower())


def edit_user(engine: Engine, actor: Actor, users: pd.DataFrame, agents: dict[str, str], lang: str) -> None:
    from ccdash.auth.users import reset_password, set_disabled, set_role
    st.subheader(t("us.edit", lang))
    rows = {r.username: r for r in users.itertuples()}
    name = st.selectbox(t("us.pick", lang), list(rows), key="us_pick",
                        format_func=lambda u: f"{u} · {t(f'role.{rows[u].role}', lang)}")
    if name is None:
        return
    row = rows[name]
    role, agent_id = role_and_agent(agents, lang, f"us_edit_{name}", row.role, row.agent_id)
    left, mid, right = st.columns(3)
    if left.button(t("us.save_role", lang), key="us_save_role"):
        act(lambda: set_role(engine, name, role, actor=actor, agent_id=agent_id), "us.role_saved", username=name,
            role=t(f"role.{role}", lang))
    flag = not bool(row.disabled)
    if mid.button(t("us.disable" if flag else "us.enable", lang), key="us_disable"):
        act(lambda: set_disabled(engine, name, flag, actor=actor), "us.disabled" if flag else "us.enabled",
            username=name)
    password = st.text_input(t("us.reset_pw", lang), type="password", key=f"us_reset_pw_{name}")
    if right.button(t("us.reset", lang), key="us_reset"):
        act(lambda: reset_password(engine, name, password, actor=actor), "us.was_reset", username=name)


def settings(engine: Engine, actor: Actor, lang: str) -> None:
    from ccdash.auth.settings import anonymous_viewing, set_anonymous_viewing
    st.subheader(t("us.settings", lang))
    on = anonymous_viewing(engine)
    wanted = st.toggle(t("us.anonymous", lang), value=on, key="us_anonymous", help=t("us.anonymous_help", lang))
    if wanted != on:
        try:
            set_anonymous_viewing(engine, wanted, actor=actor)
        except CcdashError as exc:
            common.show_error(exc, lang)


def wall_links_section(engine: Engine, actor: Actor, lang: str) -> None:
    from ccdash.auth.wall import revoke_wall, wall_links, wall_token
    st.subheader(t("us.wall", lang))
    st.caption(t("us.wall_help", lang))
    links = {link["dashboard_id"]: link for link in wall_links(engine, actor=actor)}
    for summary in list_dashboards(engine):
        did, link = summary.id, links.get(summary.id)
        with st.container(border=True):
            st.markdown(f"**{summary.title.get(lang)}** · `{did}`")
            if link is None:
                st.caption(t("us.wall_none", lang))
                if st.button(t("us.wall_create", lang), key=f"wall_create_{did}"):
                    act(lambda: wall_token(engine, did, actor=actor), "us.wall_made", dashboard=did)
                continue
            st.code(wall_url(link["token"]), language=None)
            full = absolute_wall_url(page_url(), link["token"])
            if full:
                st.code(full, language=None)
            st.caption(t("us.wall_meta", lang, who=link["created_by"], when=link["created_at"]))
            left, right, _rest = st.columns([1, 1, 3])
            if left.button(t("us.wall_regenerate", lang), key=f"wall_regen_{did}"):
                act(lambda: wall_token(engine, did, actor=actor, regenerate=True), "us.wall_made", dashboard=did)
            if right.button(t("us.wall_revoke", lang), key=f"wall_revoke_{did}"):
                act(lambda: revoke_wall(engine, did, actor=actor), "us.wall_gone", dashboard=did)


def page_url() -> str | None:
    try:
        return st.context.url
    except Exception:  # noqa: BLE001 — no browser request behind this run (tests, an old Streamlit)
        return None
