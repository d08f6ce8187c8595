"""The real app in a real browser: shared by tests/test_wall_browser.py and docs/make_screenshots.py.

* :func:`sample_store` — a SQLite store with the sample month (and, optionally, dashboards saved into it);
* :func:`app_server` — ``streamlit run app.py`` as a subprocess on a free port, waited for through
  ``/_stcore/health``, stopped (process group and all) when the ``with`` block ends;
* :func:`chromium` — Debian's Chromium driven by Playwright through ``executable_path`` (Playwright never
  downloads a browser of its own here), headless, with a fresh user-data folder;
* :func:`open_page` and :func:`wait_for_charts` — open a URL at a viewport size and wait until every chart
  is drawn.

:func:`missing` says why no browser can run here (no Playwright, no ``/usr/bin/chromium``); ``make test``
installs both on a Debian machine (``make browser``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CCDASH_CHROMIUM", "/usr/bin/chromium")
# Headless, no GPU, and nothing that phones home: on a machine with a closed network Chromium's own
# background connections (updates, sync, QUIC probes) only slow it down and fill the log.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = ".vega-embed canvas, .vega-embed svg.marks"


def missing() -> str | None:
    """Why a browser test cannot run on this machine, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt, or: make setup-dev)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"Chromium is not installed at {CHROMIUM} (on Debian: `make browser`, i.e. apt-get install -y "
                "chromium, as root or with sudo)")
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample_store(url: str, dashboards: tuple = ()) -> str:
    """The store at ``url`` with the sample month (loaded unless it is there) and ``dashboards`` saved
    into it; its URL."""
    from ccdash.dashboards.documents import save_dashboard
    from ccdash.sample import ensure_sample
    from tests.actors import LEAD
    from ccdash.store.db import make_engine

    engine = make_engine(url)
    try:
        ensure_sample(engine)
        for doc in dashboards:
            save_dashboard(engine, doc, actor=LEAD)
    finally:
        engine.dispose()
    return url


def wall_address(db_url: str, dashboard_id: str) -> str:
    """The relative address of the wall link of ``dashboard_id`` (its token made as an administrator would)."""
    from ccdash.auth.roles import SYSTEM
    from ccdash.auth.wall import wall_token
    from ccdash.store.db import make_engine

    engine = make_engine(db_url)
    try:
        return f"/?wall=1&token={wall_token(engine, dashboard_id, actor=SYSTEM)}"
    finally:
        engine.dispose()


@contextlib.contextmanager
def app_server(db_url: str, *, log_path: Path | None = None, timeout: float = 60) -> Iterator[str]:
    """The app on a free port with ``CCDASH_DB_URL=db_url``; yields its base URL (``http://127.0.0.1:PORT``).

    The server's output goes to ``log_path`` (a temporary file otherwise) and is quoted when it does not
    come up in ``timeout`` seconds or dies. The whole process group is stopped on the way out.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CCDASH_DB_URL": db_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115 — closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(base, proc, log, timeout)
        yield base
    finally:
        _stop(proc)
        log.close()


def _wait_healthy(base: str, proc: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        try:  # wait for the next try on the process itself: an exit ends the wait at once
            proc.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    raise RuntimeError(f"the app did not answer {base}/_stcore/health within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log, size: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-size:]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def chromium(viewport: tuple[int, int] = (1920, 1080)):
    """A Playwright browser context in Debian's Chromium (fresh user-data folder, removed afterwards)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="ccdash-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN", timezone_id="Asia/Shanghai")
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def open_page(context, url: str, viewport: tuple[int, int]):
    """A page of ``context`` at ``url`` with the viewport ``viewport`` (width, height)."""
    page = context.pages[0] if context.pages else context.new_page()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(url, wait_until="domcontentloaded")
    return page


def wait_for_charts(page, count: int, timeout: float = 45) -> None:
    """Wait until at least ``count`` charts are drawn, Streamlit has stopped running and the fonts are in."""
    page.wait_for_function("([n, charts]) => document.querySelectorAll(charts).length >= n",
                           arg=[count, CHARTS], timeout=timeout * 1000)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"]')""",
                           timeout=timeout * 1000)
    page.evaluate("() => document.fonts.ready.then(() => true)")
