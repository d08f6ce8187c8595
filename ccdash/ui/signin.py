"""The sign-in page (or, on a store without an administrator, the first-start form) and the account page.

The forms only gather input: :mod:`ccdash.auth.users` checks passwords, locks accounts, writes the audit
trail and opens the session; this module keeps the session's token (:func:`ccdash.ui.auth.start_session`).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from ccdash.auth.passwords import MIN_LENGTH
from ccdash.findings import CcdashError
from ccdash.i18n import register, t
from ccdash.ui import auth, common

MESSAGES = {
    "si.title": {"zh": "登录", "en": "Sign in"},
    "si.username": {"zh": "用户名", "en": "Username"},
    "si.password": {"zh": "密码", "en": "Password"},
    "si.button": {"zh": "登录", "en": "Sign in"},
    "si.oidc": {"zh": "使用公司账户登录", "en": "Sign in with the company account"},
    "si.already": {"zh": "您已登录为 {name}。", "en": "You are signed in as {name}."},
    "fs.title": {"zh": "首次启动：创建管理员账户", "en": "First start: create the administrator"},
    "fs.intro": {
        "zh": "这个 ccdash 还没有任何账户。请创建第一个管理员；之后由管理员在“用户”页为班长、质检员、查看者和坐席建立账户。",
        "en": "This ccdash has no accounts yet. Create the first administrator; the administrator then creates the "
              "accounts of team leads, inspectors, viewers and agents on the Users page.",
    },
    "fs.display_name": {"zh": "显示名称（可选）", "en": "Display name (optional)"},
    "fs.password2": {"zh": "再次输入密码", "en": "Password again"},
    "fs.policy": {
        "zh": "密码要求：至少 {min} 个字符，不能与用户名相同，不能全是同一个字符。只保存慢哈希（argon2），不保存密码本身。",
        "en": "Password rules: at least {min} characters, different from the username, not one repeated character. "
              "Only a slow hash (argon2) is stored, never the password.",
    },
    "fs.keep_anonymous": {"zh": "保留匿名浏览看板（演示用）", "en": "Keep anonymous viewing of the dashboards (demo)"},
    "fs.button": {"zh": "创建并登录", "en": "Create and sign in"},
    "fs.mismatch": {"zh": "两次输入的密码不一致。", "en": "The two passwords differ."},
    "acc.title": {"zh": "我的账户", "en": "My account"},
    "acc.change": {"zh": "修改密码", "en": "Change the password"},
    "acc.old": {"zh": "当前密码", "en": "Current password"},
    "acc.new": {"zh": "新密码", "en": "New password"},
    "acc.new2": {"zh": "再次输入新密码", "en": "New password again"},
    "acc.button": {"zh": "保存新密码", "en": "Save the new password"},
    "acc.changed": {"zh": "密码已修改；其他设备上的登录已结束。", "en": "Password changed; your other sessions have ended."},
    "acc.who": {"zh": "用户名：{username} · 角色：{role}", "en": "Username: {username} · role: {role}"},
}
register(MESSAGES)


def signin_page(engine: Engine, lang: str) -> None:
    """First start, sign-in, or — right after signing in — on to the role's first page."""
    from ccdash.auth.users import needs_first_admin
    actor = common.verified_actor()
    if actor is not None and actor.user_id is not None:
        specs = [auth.ACCOUNT] if st.session_state.get(common.MUST_CHANGE_KEY) else auth.pages_for(actor)
        if specs:
            st.switch_page(specs[0].path)
        st.info(t("si.already", lang, name=actor.username))
        return
    if needs_first_admin(engine):
        first_start_form(engine, lang)
    else:
        signin_form(engine, lang)


def first_start_form(engine: Engine, lang: str) -> None:
    from ccdash.auth.settings import anonymous_viewing
    from ccdash.auth.users import create_first_admin, sign_in
    st.title(t("fs.title", lang))
    st.caption(t("fs.intro", lang))
    with st.form("first_admin"):
        username = st.text_input(t("si.username", lang), key="fa_user")
        name = st.text_input(t("fs.display_name", lang), key="fa_name")
        st.caption(t("fs.policy", lang, min=MIN_LENGTH))
        password = st.text_input(t("si.password", lang), type="password", key="fa_pw1")
        again = st.text_input(t("fs.password2", lang), type="password", key="fa_pw2")
        keep = st.checkbox(t("fs.keep_anonymous", lang), key="fa_keep") if anonymous_viewing(engine) else False
        go = st.form_submit_button(t("fs.button", lang), type="primary", key="fa_go")
    if not go:
        return
    if password != again:
        st.error(t("fs.mismatch", lang), icon="🚫")
        return
    try:
        create_first_admin(engine, username, password, name, keep_anonymous=keep)
        auth.start_session(sign_in(engine, username, password))
    except CcdashError as exc:
        common.show_error(exc, lang)
        return
    st.rerun()


def signin_form(engine: Engine, lang: str) -> None:
    from ccdash.auth.users import sign_in
    st.title(t("si.title", lang))
    with st.form("signin"):
        username = st.text_input(t("si.username", lang), key="si_user")
        password = st.text_input(t("si.password", lang), type="password", key="si_pw")
        go = st.form_submit_button(t("si.button", lang), type="primary", key="si_go")
    if auth.oidc_configured():
        st.button(t("si.oidc", lang), key="si_oidc", icon=":material/badge:",
                  on_click=lambda: st.login(auth.oidc_provider()))
    if not go:
        return
    try:
        auth.start_session(sign_in(engine, username, password))
    except CcdashError as exc:
        common.show_error(exc, lang)
        return
    st.rerun()


def account_page(engine: Engine, lang: str) -> None:
    """Change one's own password (the other sessions end); sign out."""
    from ccdash.auth.users import change_own_password
    actor = common.current_actor()
    st.title(t("acc.title", lang))
    st.caption(t("acc.who", lang, username=actor.username, role=t(f"role.{actor.role}", lang)))
    done = st.session_state.pop("acc_done", False)
    if done:
        st.success(t("acc.changed", lang))
    st.subheader(t("acc.change", lang))
    with st.form("change_password", clear_on_submit=True):
        old = st.text_input(t("acc.old", lang), type="password", key="acc_old")
        new = st.text_input(t("acc.new", lang), type="password", key="acc_new")
        again = st.text_input(t("acc.new2", lang), type="password", key="acc_new2")
        st.caption(t("fs.policy", lang, min=MIN_LENGTH))
        go = st.form_submit_button(t("acc.button", lang), type="primary", key="acc_go")
    if go:
        if new != again:
            st.error(t("fs.mismatch", lang), icon="🚫")
            return
        try:
            change_own_password(engine, old, new, actor=actor, keep_token=st.session_state.get(auth.SESSION_KEY))
        except CcdashError as exc:
            common.show_error(exc, lang)
            return
        st.session_state["acc_done"] = True
        st.rerun()
    if st.button(t("gate.sign_out", lang), key="acc_sign_out", icon=":material/logout:"):
        auth.sign_out_now(engine)
