"""The wall screen in a real browser: Debian's Chromium, driven by Playwright, against the real app.

The app runs as ``streamlit run app.py`` on a store with the sample month and a copy of the ``wall``
dashboard that rotates every few seconds. The page is opened at 1920×1080 as the screen in the room
would open it, and checked: everything fits without a scrollbar, no error and no menus show, the tab
rotates without a page reload, and the app's own CJK font is served and used. Screenshots of both
tabs are left in ``tests/artifacts/`` (gitignored) for a person to look at.

Needs Playwright (requirements-dev.txt) and ``/usr/bin/chromium`` (``make test`` installs Debian's
``chromium`` through ``make browser``). Without them the test is skipped with the reason — unless
``CCDASH_REQUIRE_BROWSER`` is set (CI sets it), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import browser

VIEWPORT = (1920, 1080)
ROTATE_S = 5
DASH_ID = "wall_browser_test"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Every element that scrolls (overflow auto/scroll, or the document's scroller) and has more content than
# room: on a 1920×1080 wall screen there must be none.
OVERFLOWING = """() => [document.scrollingElement, ...document.querySelectorAll('*')].filter((e, i) => {
    if (!e || e.clientHeight === 0) return false;
    const s = getComputedStyle(e);
    const scrolls = i === 0 || /(auto|scroll)/.test(s.overflowX + ' ' + s.overflowY);
    return scrolls && (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1);
}).map(e => `${e.tagName}[${e.getAttribute('data-testid') || e.className}] `
            + `${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`)"""
MAIN_SIZES = """() => ['stApp', 'stAppViewContainer', 'stMain'].map(id => {
    const e = document.querySelector(`[data-testid="${id}"]`);
    return e && [id, e.scrollWidth, e.scrollHeight, e.clientWidth, e.clientHeight];
}).concat([['document', document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight,
            document.scrollingElement.clientWidth, document.scrollingElement.clientHeight]])"""
HIDDEN = ('[data-testid="stSidebar"]', '[data-testid="stSidebarCollapsedControl"]', '[data-testid="stSidebarNav"]',
          'header[data-testid="stHeader"]', '[data-testid="stToolbar"]', '[data-testid="stMainMenu"]',
          '[data-testid="stDecoration"]')
ERRORS = ('[data-testid="stException"]', '[data-testid="stAlertContentError"]',
          '[data-testid="stAlertContentWarning"]', '[data-testid="stNotification"]')
WALL_READY = """counts => {  // counts: [[tab title, charts in the tab], …]
    const title = document.querySelector('.wall-bar .title');
    const tab = title && counts.find(([name, n]) => title.innerText.endsWith(name));
    return !!tab && document.querySelectorAll('%s').length >= tab[1]
        && !document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"]');
}""" % browser.CHARTS
FONT_LOADED = """family => [...document.fonts].some(f => f.family.replace(/["']/g, '') === family
                                                       && f.status === 'loaded')"""


@dataclass
class Wall:
    page: object  # playwright.sync_api.Page
    base: str  # the app's base URL
    charts: list  # [[tab title (zh), charts in that tab], …] — one chart per widget
    errors: list[str] = field(default_factory=list)  # JavaScript errors the page raised
    db_url: str = ""  # the store the app runs on

    def title(self) -> str:
        return self.page.locator(".wall-bar .title").inner_text(timeout=45_000).strip()

    def wait_for_tab(self) -> str:
        """Wait until the tab named in the wall bar has all its charts drawn and the run is over; its title.
        The tab is read in the same check, so a rotation while the page loads cannot mislead the count."""
        self.page.wait_for_function(WALL_READY, arg=self.charts, timeout=45_000)
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        return self.title()


@pytest.fixture(scope="module")
def wall(module_stores, sample_url) -> Iterator[Wall]:
    """The wall screen of a fast-rotating copy of the ``wall`` dashboard, open in Chromium at 1920×1080."""
    reason = browser.missing()
    if reason:
        if os.environ.get("CCDASH_REQUIRE_BROWSER"):
            pytest.fail(f"CCDASH_REQUIRE_BROWSER is set but no browser can run: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from ccdash.dashboards.documents import load_dashboard

    doc = load_dashboard(None, "wall")
    assert len(doc.tabs) > 1, "the wall dashboard needs two tabs to show the rotation"
    fast = doc.model_copy(update={"id": DASH_ID, "rotate_s": ROTATE_S})
    db_url = browser.sample_store(module_stores.copy(sample_url, "wall_browser"), (fast,))
    ARTIFACTS.mkdir(exist_ok=True)
    with browser.app_server(db_url, log_path=ARTIFACTS / "wall_server.log") as base, \
            browser.chromium(VIEWPORT) as context:
        page = browser.open_page(context, base + browser.wall_address(db_url, DASH_ID), VIEWPORT)
        screen = Wall(page, base, [[tab.title.zh, len(tab.widget_ids())] for tab in doc.tabs], db_url=db_url)
        page.on("pageerror", lambda exc: screen.errors.append(str(exc)))
        screen.wait_for_tab()
        yield screen


def check_fits(page) -> None:
    overflowing = page.evaluate(OVERFLOWING)
    assert not overflowing, f"the wall screen scrolls at {VIEWPORT}: {overflowing}; sizes {page.evaluate(MAIN_SIZES)}"
    for name, scroll_w, scroll_h, client_w, client_h in filter(None, page.evaluate(MAIN_SIZES)):
        assert scroll_h <= client_h + 1 and scroll_w <= client_w + 1, (name, scroll_w, scroll_h, client_w, client_h)
    assert page.evaluate("() => window.innerWidth") == VIEWPORT[0]


def check_clean(page, errors: list[str]) -> None:
    for selector in ERRORS:
        assert page.locator(selector).count() == 0, f"{selector}: {page.locator(selector).all_inner_texts()}"
    text = page.locator("body").inner_text()
    assert "Error" not in text and "无法显示" not in text, text[:2000]
    assert not errors, f"JavaScript errors in the page: {errors}"
    for selector in HIDDEN:
        assert not page.locator(selector).first.is_visible(), f"{selector} is visible on the wall screen"


def test_wall_fits_1920x1080_without_scrollbar_error_or_menus(wall):
    check_fits(wall.page)
    check_clean(wall.page, wall.errors)
    wall.page.screenshot(path=str(ARTIFACTS / "wall.png"))


def test_wall_serves_and_uses_its_cjk_font(wall):
    from ccdash.dashboards.webfont import CSS_FAMILY, font_url

    with urllib.request.urlopen(f"{wall.base}/{font_url()}", timeout=30) as resp:
        assert resp.status == 200
        assert len(resp.read()) > 1_000_000  # the whole Noto Sans SC, not an error page
    assert wall.page.evaluate(f"() => document.fonts.check('16px {CSS_FAMILY}')")
    assert wall.page.evaluate(FONT_LOADED, CSS_FAMILY), "the page never loaded its CJK font face"
    family = wall.page.locator(".wall-bar .title").evaluate("e => getComputedStyle(e).fontFamily")
    assert CSS_FAMILY in family, family


def test_wall_tab_rotates_without_reload(wall):
    wall.page.evaluate("() => { window.__ccdashNoReload = true; }")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    first, limit = wall.title(), ROTATE_S + 15
    try:  # the browser watches the wall bar's title and answers as soon as it changes
        wall.page.wait_for_function("(first) => { const e = document.querySelector('.wall-bar .title');"
                                    " return e && e.innerText.trim() !== first; }", arg=first, timeout=limit * 1000)
    except PlaywrightTimeout:
        pytest.fail(f"the tab did not rotate from {first!r} within {limit} s")
    assert wall.wait_for_tab() != first
    assert wall.page.evaluate("() => window.__ccdashNoReload === true"), "the page was reloaded to rotate"
    check_fits(wall.page)  # the other tab fits too
    check_clean(wall.page, wall.errors)
    wall.page.screenshot(path=str(ARTIFACTS / "wall_rotated.png"))


def test_a_regenerated_wall_link_stops_the_open_screen(wall):
    """Last in the module (it ends the screen): regenerating the token stops the screen already showing the
    old link at its next refresh — not only new visitors."""
    from ccdash.auth.roles import SYSTEM
    from ccdash.auth.wall import wall_token
    from ccdash.store.db import make_engine

    engine = make_engine(wall.db_url)
    try:
        wall_token(engine, DASH_ID, actor=SYSTEM, regenerate=True)
    finally:
        engine.dispose()
    limit = ROTATE_S + 20
    wall.page.wait_for_function("() => document.body.innerText.includes('这个大屏链接无效')", timeout=limit * 1000)
    assert wall.page.locator(".wall-bar").count() == 0 and wall.page.locator(browser.CHARTS).count() == 0
