"""Helpers every page uses: the language, the cached store engine, findings and errors, downloads."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

import ccdash.ui.texts  # noqa: F401  (registers the page texts)
from ccdash.findings import CcdashError, Finding
from ccdash.i18n import DEFAULT_LANG, LANGS, register, t
from ccdash.reports_io import to_csv_bytes, write_xlsx
from ccdash.sample import ensure_sample
from ccdash.store.db import database_url, make_engine

log = logging.getLogger("ccdash.ui")
LANG_NAMES = {"zh": "中文", "en": "English"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
register({"app.page_refused": {"zh": "此页面不对您开放。", "en": "This page is not open to you."}})


FRAME_KEY = "_ccdash_frame"


def mark_frame() -> None:
    """Called by app.py on every run: the pages run inside its frame (settings, language, router)."""
    st.session_state[FRAME_KEY] = True


def require_frame() -> None:
    """Send a page run outside app.py to the app instead.

    On a fresh server, a deep link (e.g. /upload) opened before any session has run app.py makes
    Streamlit treat ``pages/`` as a legacy multipage folder and run the page on its own — without the
    page setup, the language switch or the sample store. Switching to app.py puts the frame back.
    """
    if not st.session_state.get(FRAME_KEY):
        st.switch_page("app.py")


def wall_mode() -> bool:
    """``?wall=1`` in the address: the wall screen (no menus, dark, rotating tabs)."""
    return st.query_params.get("wall", "") in ("1", "true", "yes")


@st.cache_resource(show_spinner=False)
def static_font() -> str:
    """Copy the CJK web font into ./static/fonts once per process (the theme's font face points there)."""
    from pathlib import Path

    from ccdash.dashboards.webfont import ensure_static_font
    try:
        return str(ensure_static_font(Path(__file__).resolve().parent.parent.parent))
    except (OSError, ImportError):  # no font package or a read-only folder: the browser's fonts are used
        log.warning("could not serve the CJK web font", exc_info=True)
        return ""


ACTOR_KEY = "ccdash_actor"  # the signed-in ccdash.auth.Actor of this browser session (set by the sign-in gate)


def current_actor():
    """The signed-in :class:`ccdash.auth.Actor` of this session, or None (wall links and the sign-in form)."""
    return st.session_state.get(ACTOR_KEY)


GATE_KEY = "_ccdash_gate"  # set by the sign-in gate just before it runs the page; taken by the page
MUST_CHANGE_KEY = "ccdash_must_change"  # an administrator reset the password: only the account page opens


def verified_actor():
    """The acting user of this page run: the one the sign-in gate checked just before running the page,
    or — when the page runs without the gate in front of it — checked again now (ccdash/ui/auth.py)."""
    if not st.session_state.pop(GATE_KEY, False):
        from ccdash.ui.auth import check_actor
        check_actor(engine())
    return current_actor()


def require(permission: str | None) -> None:
    """The first line of every page after :func:`require_frame`: a refusal in the user's language and
    ``st.stop()`` unless the acting user's role has ``permission`` (None: any signed-in account). The menu
    already leaves such pages out; this refuses a page opened by its address too (and audits it)."""
    from ccdash.auth.roles import PermissionDenied, authorize
    actor = verified_actor()
    if permission is not None and st.session_state.get(MUST_CHANGE_KEY):
        st.error(t("gate.must_change", lang()), icon="🔑")
        st.stop()
    try:
        if permission is None:
            if actor is None or actor.user_id is None:
                raise PermissionDenied(None, "")
        else:
            authorize(actor, permission, engine() if actor is not None else None)
    except PermissionDenied as exc:
        st.error(f"{t('app.page_refused', lang())} {exc.message(lang())}", icon="🚫")
        st.stop()


def lang() -> str:
    """The language chosen in the sidebar (Chinese until the user switches)."""
    value = st.session_state.get("lang", DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def language_switch() -> str:
    st.session_state.setdefault("lang", DEFAULT_LANG)
    st.sidebar.selectbox(t("app.lang", lang()), LANGS, format_func=LANG_NAMES.get, key="lang")
    return lang()


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


@st.cache_resource(show_spinner=False)
def _sample_for(url: str) -> bool:
    return ensure_sample(_engine_for(url))


def engine() -> Engine:
    """The store engine for ``CCDASH_DB_URL`` (or the default file), one per URL per process."""
    return _engine_for(database_url())


def ensure_sample_once(language: str) -> None:
    """Fill an empty store with the sample month, once per store and process (first start)."""
    with st.spinner(t("app.loading_sample", language)):
        _sample_for(database_url())


def show_error(exc: CcdashError, language: str) -> None:
    st.error(exc.message(language), icon="🚫")


def show_unexpected(exc: Exception, language: str) -> None:
    """An error the library did not foresee: a short message for the user, the traceback in the log."""
    log.exception("unexpected error in a page")
    st.error(t("app.unexpected", language, detail=f"{type(exc).__name__}: {exc}"[:200]), icon="🚫")


def show_findings(findings: list[Finding], language: str, *, limit: int = 12) -> None:
    """Errors red, warnings yellow, notes blue; the most serious first, at most ``limit`` of them."""
    order = {"error": 0, "warning": 1, "info": 2}
    draw = {"error": st.error, "warning": st.warning, "info": st.info}
    icons = {"error": "🚫", "warning": "⚠️", "info": "ℹ️"}
    ranked = sorted(findings, key=lambda f: order.get(f.level, 3))
    for finding in ranked[:limit]:
        draw.get(finding.level, st.info)(finding.message(language), icon=icons.get(finding.level))
    if len(ranked) > limit:
        st.caption(f"… +{len(ranked) - limit}")


def download_buttons(frame: pd.DataFrame, base_name: str, language: str, *, key: str, sheet: str = "data") -> None:
    """An .xlsx and a .csv download of ``frame`` side by side (the download does not rerun the page)."""
    left, right, _rest = st.columns([1, 1, 3])
    left.download_button(t("ind.xlsx", language), write_xlsx({sheet: frame}), file_name=f"{base_name}.xlsx",
                         mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore", icon="⬇️")
    right.download_button(t("ind.csv", language), to_csv_bytes(frame), file_name=f"{base_name}.csv",
                          mime="text/csv", key=f"{key}_csv", on_click="ignore", icon="⬇️")
