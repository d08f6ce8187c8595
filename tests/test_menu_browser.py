"""The menu and the sign-in in a real browser (Chromium through Playwright, the real app): one dropdown per
section across the top, the role's pages in it, a page opened from it; the sidebar keeps the filters and no
page list; nothing of Streamlit's own English ("View more") in the Chinese menu; before any account exists
the first-start entry is first in the menu bar. A reload and a second tab stay signed in (the browser-session
cookie); a session ended in the store is not revived by its cookie; sign-out clears it.

Skipped with the reason without Playwright or Chromium, unless ``CCDASH_REQUIRE_BROWSER`` is set (CI).
"""

from __future__ import annotations

import os

import pytest

from tests import browser

VIEWPORT = (1400, 900)
PASSWORD = "Browser-Menu-42"
SECTION = '[data-testid="stTopNavSection"]'
TOP_LINK = '[data-testid="stTopNavLink"]'
DROPDOWN_LINK = '[data-testid="stTopNavDropdownLink"]'
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
SIGNED_IN = '[data-testid="stSidebar"] button:has-text("退出登录")'
USERNAME = 'input[aria-label="用户名"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = browser.missing()
    if reason:
        if os.environ.get("CCDASH_REQUIRE_BROWSER"):
            pytest.fail(f"CCDASH_REQUIRE_BROWSER is set but no browser can run: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from ccdash.auth.roles import SYSTEM
    from ccdash.auth.settings import set_anonymous_viewing
    from ccdash.store.db import make_engine
    url = browser.sample_store(f"sqlite:///{tmp_path_factory.mktemp('menu') / 'store.db'}")
    engine = make_engine(url)
    set_anonymous_viewing(engine, True, actor=SYSTEM)  # as `make run` leaves a new store: the demo
    engine.dispose()
    with browser.app_server(url) as base, browser.chromium(VIEWPORT) as context:
        yield url, base, context


def texts(page, selector: str) -> list[str]:
    return [e.inner_text().split("\n")[-1].strip() for e in page.locator(selector).all()]


def test_before_any_account_the_first_start_entry_leads_the_menu_bar(server):
    _url, base, context = server
    page = browser.open_page(context, f"{base}/", VIEWPORT)
    page.locator(SECTION).first.wait_for(timeout=30_000)
    assert texts(page, TOP_LINK) == ["创建管理员账户"]
    assert texts(page, SECTION) == ["看板与指标"]  # the demo viewer's pages, read-only
    assert page.locator(SIDEBAR_NAV).count() == 0
    page.locator(SECTION, has_text="看板与指标").click()
    assert texts(page, DROPDOWN_LINK) == ["看板", "指标查询", "数据探索", "预警", "报表"]


@pytest.fixture(scope="module")
def accounts(server):
    """The administrator (first start: the demo ends) and a lead, made as the Users page makes them."""
    url, _base, _context = server
    from ccdash.auth.roles import Actor
    from ccdash.auth.users import create_first_admin, create_user, get_user
    from ccdash.store.db import make_engine
    engine = make_engine(url)
    create_first_admin(engine, "admin1", PASSWORD, "王经理")
    admin = Actor("admin1", "admin", user_id=get_user(engine, "admin1")["id"])
    create_user(engine, actor=admin, username="lead1", role="lead", password=PASSWORD, display_name="邓娟",
                must_change_password=False)
    yield engine
    engine.dispose()


def sign_in(context, base: str, username: str = "lead1"):
    context.clear_cookies()
    page = browser.open_page(context, f"{base}/", VIEWPORT)
    page.locator(USERNAME).fill(username)
    page.locator('input[aria-label="密码"]').fill(PASSWORD)
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.locator(SIGNED_IN).wait_for(state="attached", timeout=30_000)
    return page


def session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "ccdash_session"), None)


def test_a_signed_in_lead_opens_a_page_from_its_section(server, accounts):
    _url, base, context = server
    page = sign_in(context, base)
    assert texts(page, SECTION) == ["看板与指标", "质检", "数据导入", "我的"]  # no administration for a lead
    assert texts(page, TOP_LINK) == []  # the sign-in entry is gone once signed in
    assert page.locator(SIDEBAR_NAV).count() == 0 and "View" not in page.locator("header").inner_text()
    assert page.locator('[data-testid="stSidebar"]').get_by_text("截至日期").count() == 1  # the filters, in view
    page.locator(SECTION, has_text="质检").click()
    assert texts(page, DROPDOWN_LINK) == ["质检工作台", "质检分析", "质检表"]
    page.locator(DROPDOWN_LINK, has_text="质检工作台").click()
    page.wait_for_url("**/qa*", timeout=30_000)
    page.locator("h1", has_text="质检工作台").wait_for(timeout=30_000)


def test_a_reload_and_a_second_tab_stay_signed_in_until_the_session_ends(server, accounts):
    _url, base, context = server
    page = sign_in(context, base)
    page.wait_for_function("() => document.cookie.includes('ccdash_session=')", timeout=30_000)
    cookie = session_cookie(context)
    assert cookie["sameSite"] == "Strict" and cookie["expires"] == -1  # gone when the browser closes
    page.goto(f"{base}/qa", wait_until="domcontentloaded")  # a reload, at a page's own address
    page.locator("h1", has_text="质检工作台").wait_for(timeout=30_000)
    page.locator(SIGNED_IN).wait_for(state="attached", timeout=30_000)
    assert page.locator(USERNAME).count() == 0
    tab = context.new_page()  # a second tab: the same user, without signing in
    tab.goto(f"{base}/history", wait_until="domcontentloaded")
    tab.locator("h1", has_text="导入历史").wait_for(timeout=30_000)
    tab.close()
    # an administrator disables the lead: the session ends in the store, and the cookie does not revive it
    from ccdash.auth.roles import Actor
    from ccdash.auth.users import get_user, set_disabled
    admin = Actor("admin1", "admin", user_id=get_user(accounts, "admin1")["id"])
    set_disabled(accounts, "lead1", True, actor=admin)
    try:
        page.reload(wait_until="domcontentloaded")
        page.locator(USERNAME).wait_for(timeout=30_000)
        page.get_by_text("登录已过期").wait_for(timeout=10_000)
        assert page.locator(SIGNED_IN).count() == 0
        page.wait_for_function("() => !document.cookie.includes('ccdash_session=')", timeout=30_000)
    finally:
        set_disabled(accounts, "lead1", False, actor=admin)


def test_sign_out_clears_the_cookie_and_a_reload_asks_again(server, accounts):
    _url, base, context = server
    page = sign_in(context, base)
    page.wait_for_function("() => document.cookie.includes('ccdash_session=')", timeout=30_000)
    page.locator(SIGNED_IN).click()
    page.locator(USERNAME).wait_for(timeout=30_000)
    page.wait_for_function("() => !document.cookie.includes('ccdash_session=')", timeout=30_000)
    assert session_cookie(context) is None
    page.reload(wait_until="domcontentloaded")
    page.locator(USERNAME).wait_for(timeout=30_000)
    assert page.locator(SIGNED_IN).count() == 0
