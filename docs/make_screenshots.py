"""Screenshots of the default dashboards and the main pages for docs/screenshots/ (the real app in Chromium).

    .venv/bin/python docs/make_screenshots.py [--out docs/screenshots]

Starts the app on a temporary store holding the sample month (tests/browser.py, shared with the
browser test), opens each default dashboard in the viewer at 1600 px wide (up to 1300 px tall when its
first tab needs it; a longer tab is shown from its top) and the wall screen at 1920×1080, and saves
``dashboard_<id>.png``. The wall shows its first tab (a stored copy with rotation off). Needs what the
browser test needs: Playwright and /usr/bin/chromium (``make browser``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

VIEWER = (1600, 1000)
WALL = (1920, 1080)
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
        db_url = browser.sample_store(Path(tmp) / "store.db", (still_wall,))
        with browser.app_server(db_url, log_path=Path(tmp) / "server.log") as base, browser.chromium(VIEWER) as context:
            for dash_id in VIEWER_DASHBOARDS:
                page = browser.open_page(context, f"{base}/?dashboard={dash_id}", VIEWER)
                browser.wait_for_charts(page, charts_in_first_tab(dashboards[dash_id]))
                height = min(MAX_HEIGHT, max(VIEWER[1], page.evaluate(CONTENT_HEIGHT)))
                if height > VIEWER[1]:  # the whole tab: make the window as tall as the page
                    page.set_viewport_size({"width": VIEWER[0], "height": height})
                    browser.wait_for_charts(page, charts_in_first_tab(dashboards[dash_id]))
                save(page, args.out / f"dashboard_{dash_id}.png")
            for name, address in PAGES.items():
                page = browser.open_page(context, f"{base}{address}", VIEWER)
                page.wait_for_timeout(6000)  # these pages have no fixed number of charts to wait for
                save(page, args.out / f"{name}.png")
            page = browser.open_page(context, f"{base}/?dashboard=wall&wall=1", WALL)
            browser.wait_for_charts(page, charts_in_first_tab(dashboards["wall"]))
            save(page, args.out / "dashboard_wall.png")
    return 0


def save(page, path: Path) -> None:
    page.wait_for_timeout(500)  # let the last chart finish its transition
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    sys.exit(main())
