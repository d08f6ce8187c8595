"""Screenshots of the default dashboards and the main pages for docs/screenshots/ (the real app in Chromium).

    .venv/bin/python docs/make_screenshots.py [--out docs/screenshots]

Starts the app on a temporary store holding the sample month (tests/browser.py, shared with the
browser test) and one account per role (made through :mod:`ccdash.auth.users`), opens each default
dashboard in the viewer at 1600 px wide (up to 1300 px tall when its first tab needs it; a longer tab is
shown from its top) and the wall screen (its wall link) at 1920×1080, and saves ``dashboard_<id>.png``.
The wall shows its first tab (a stored copy with rotation off).

Every page needs a signed-in account, and each picture is taken as its own user. So each picture starts at
the sign-in page (cookies cleared), fills in the form as a person would, and then moves to its address
inside the same session (the browser history's
``popstate``, which Streamlit follows without a reload). Pages are taken as the administrator; "My numbers"
as an agent at a phone's width. Needs what the browser test needs: Playwright and /usr/bin/chromium
(``make browser``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

VIEWER = (1600, 1000)
WALL = (1920, 1080)
PHONE = (400, 860)
SIGNIN = (1200, 760)
PASSWORD = "Screenshot-Pass-42"  # only for the temporary store the pictures are taken from
ACCOUNTS = (  # username, role, display name, roster agent id: the administrator first
    ("admin", "admin", "王经理", None),
    ("lead1", "lead", "邓娟", None),
    ("qa1", "inspector", "张敏", None),
    ("view1", "viewer", "周主任", None),
    ("a0201", "agent", "彭倩", "0201"),  # an agent of the sample roster with QA scores this month
)
AGENT = "a0201"
MAX_HEIGHT = 1300  # a tab taller than this (agent performance: a 61-row table) is shown from its top
VIEWER_DASHBOARDS = ("ops_overview", "agent_performance")
PAGES = {  # other pages worth a picture: file name → address (after the server's base URL)
    "page_alerts": "/alerts",
    "page_explorer": "/explorer?ind=answer_rate,aht,cph&grain=week&by=team&rows=team&cols=indicator,period",
    "page_formulas": "/formulas",
    "page_builder": "/builder",
    "qa_workbench": "/qa",
    "qa_analysis": "/qa_analysis",
    "qa_forms": "/qa_forms",
    "page_users": "/users",
}
CONTENT_HEIGHT = """() => {
    const main = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
    return Math.max(main.scrollHeight, document.scrollingElement.scrollHeight);
}"""


def charts_in_first_tab(dash) -> int:
    return sum(1 for row in dash.tabs[0].rows for _ in row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    reason = browser.missing()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 2
    from ccdash.dashboards.documents import load_dashboard

    args.out.mkdir(parents=True, exist_ok=True)
    dashboards = {d: load_dashboard(None, d) for d in (*VIEWER_DASHBOARDS, "wall")}
    still_wall = dashboards["wall"].model_copy(update={"rotate_s": 0})  # same id: overrides the default
    with tempfile.TemporaryDirectory(prefix="ccdash-shots-") as tmp:
        db_url = browser.sample_store(f"sqlite:///{Path(tmp) / 'store.db'}", (still_wall,))
        make_accounts(db_url)
        wall = browser.wall_address(db_url, "wall")
        with browser.app_server(db_url, log_path=Path(tmp) / "server.log") as base, browser.chromium(VIEWER) as context:
            page = browser.open_page(context, f"{base}/signin", SIGNIN)
            page.locator(USERNAME).wait_for()
            save(page, args.out / "page_signin.png")
            page = signed_in(context, base, "/audit", VIEWER)  # before the other sign-ins fill the trail
            page.wait_for_timeout(4000)
            save(page, args.out / "page_audit.png")
            for dash_id in VIEWER_DASHBOARDS:
                page = signed_in(context, base, f"/dashboards?dashboard={dash_id}", VIEWER)
                browser.wait_for_charts(page, charts_in_first_tab(dashboards[dash_id]))
                height = min(MAX_HEIGHT, max(VIEWER[1], page.evaluate(CONTENT_HEIGHT)))
                if height > VIEWER[1]:  # the whole tab: make the window as tall as the page
                    page.set_viewport_size({"width": VIEWER[0], "height": height})
                    browser.wait_for_charts(page, charts_in_first_tab(dashboards[dash_id]))
                save(page, args.out / f"dashboard_{dash_id}.png")
            for name, address in PAGES.items():
                page = signed_in(context, base, address, VIEWER)
                page.wait_for_timeout(6000)  # these pages have no fixed number of charts to wait for
                save(page, args.out / f"{name}.png")
            page = signed_in(context, base, "/me", PHONE, username=AGENT)
            page.locator('[data-testid="stMain"] button:has-text("本月")').click()  # the month: QA results too
            page.wait_for_timeout(4000)
            page.set_viewport_size({"width": PHONE[0], "height": min(MAX_HEIGHT, max(PHONE[1], page.evaluate(CONTENT_HEIGHT)))})
            save(page, args.out / "page_me_phone.png")
            page = browser.open_page(context, base + wall, WALL)
            browser.wait_for_charts(page, charts_in_first_tab(dashboards["wall"]))
            save(page, args.out / "dashboard_wall.png")
    return 0


def make_accounts(db_url: str) -> None:
    """The administrator (first start: anonymous viewing goes off) and one account of each other role,
    created by the administrator as on the Users page (so the Users and Audit pages have something to show)."""
    from ccdash.auth.roles import Actor
    from ccdash.auth.users import create_first_admin, create_user, get_user
    from ccdash.store.db import make_engine

    engine = make_engine(db_url)
    try:
        (admin, _, name, _), *others = ACCOUNTS
        create_first_admin(engine, admin, PASSWORD, name)
        actor = Actor(admin, "admin", user_id=get_user(engine, admin)["id"])
        for username, role, display, agent_id in others:
            create_user(engine, actor=actor, username=username, role=role, password=PASSWORD,
                        display_name=display, agent_id=agent_id, must_change_password=False)
        some_activity(engine)
    finally:
        engine.dispose()


def some_activity(engine) -> None:
    """A few things for the audit trail to show: a wrong password, a target the lead sets, a refusal."""
    from ccdash.auth.roles import Actor, PermissionDenied
    from ccdash.auth.users import get_user, sign_in
    from ccdash.findings import CcdashError
    from ccdash.indicators.targets import set_target

    def actor(username: str) -> Actor:
        user = get_user(engine, username)
        return Actor(username, user["role"], agent_id=user.get("agent_id"), user_id=user["id"])

    with contextlib.suppress(CcdashError):
        sign_in(engine, "view1", "wrong-password-1")
    set_target(engine, "service_level", 0.8, actor=actor("lead1"))
    with contextlib.suppress(PermissionDenied):
        set_target(engine, "service_level", 0.5, actor=actor("view1"))


USERNAME = 'input[aria-label="用户名"]'
PASSWORD_INPUT = 'input[aria-label="密码"]'
SIGNED_IN = '[data-testid="stSidebar"] button:has-text("退出登录")'  # the sign-out button: signed in
GO_TO = """(address) => {
    window.history.pushState({}, "", address);
    window.dispatchEvent(new PopStateEvent("popstate"));
}"""


def signed_in(context, base: str, address: str, viewport: tuple[int, int], *, username: str = ACCOUNTS[0][0]):
    """A new session signed in through the form, then moved to ``address`` (path and query) within it."""
    context.clear_cookies()  # no sign-in cookie of the previous picture's user
    page = browser.open_page(context, f"{base}/", viewport)  # without a session the first page is the sign-in form
    page.locator(USERNAME).fill(username)
    page.locator(PASSWORD_INPUT).fill(PASSWORD)
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.locator(SIGNED_IN).wait_for(state="attached", timeout=30_000)
    page.mouse.move(0, viewport[1] - 1)  # no hover toolbar over the first chart
    page.evaluate(GO_TO, address)
    page.wait_for_url(f"**{address.split('?')[0]}*")
    return page


def save(page, path: Path) -> None:
    page.wait_for_timeout(500)  # let the last chart finish its transition
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

if __name__ == "__main__":
    sys.exit(main())
