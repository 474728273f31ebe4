"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

The browser is /usr/bin/chromium or the path in PLAYWRIGHT_CHROMIUM_EXECUTABLE. Without one the
journeys are skipped with a single loud line, unless E2E_REQUIRED=1, where that is an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
# and assertions are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
INSTALL_HINT = "apt-get install -y chromium (or set PLAYWRIGHT_CHROMIUM_EXECUTABLE)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    candidates = [
        os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    journeys = [item for item in items if E2E_DIR in Path(str(item.fspath)).parents]
    for item in journeys:
        item.add_marker(pytest.mark.e2e)
    if not journeys or chromium_executable():
        return
    if os.environ.get("E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"E2E_REQUIRED=1 but no Chromium was found: {INSTALL_HINT}")
    skip = pytest.mark.skip(reason=f"no Chromium: {INSTALL_HINT}")
    for item in journeys:
        item.add_marker(skip)
    config._e2e_skipped = len(journeys)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_e2e_skipped", 0)
    if skipped:
        terminalreporter.write_line(
            f"!!! {skipped} BROWSER JOURNEYS SKIPPED: no Chromium. Install it: {INSTALL_HINT} !!!",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _session_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, _session_media):
    """Journeys share one media folder so the demo pictures are drawn once per run."""
    settings.MEDIA_ROOT = _session_media


@pytest.fixture
def demo_store(transactional_db):
    from demo.seed import seed_demo

    seed_demo()


@contextlib.contextmanager
def _new_page(browser, live_server, **options):
    """A page in a fresh context. Every journey also proves the Content Security Policy holds:
    Chromium reports each thing the policy blocked (an inline style or script, a form posting
    elsewhere) on the console, and any such report fails the journey."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not violations, f"blocked by the Content Security Policy: {violations}"


@pytest.fixture
def page(browser, live_server, demo_store):
    with _new_page(browser, live_server, viewport={"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def other_shopper_page(browser, live_server, demo_store):
    """A second shopper at the same time, in a browser of their own (no shared cookies)."""
    with _new_page(browser, live_server, viewport={"width": 390, "height": 844}) as page:
        yield page


@pytest.fixture
def no_js_page(browser, live_server, demo_store):
    with _new_page(
        browser, live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    ) as page:
        yield page


@pytest.fixture
def phone_page(browser, live_server, demo_store):
    with _new_page(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ) as page:
        yield page


@pytest.fixture
def live_sandbox(sandbox, live_server, settings):
    """The sandbox wired to the live store: the browser pays on its hosted page and the sandbox
    POSTs signed webhooks to the live server."""
    settings.SITE_URL = live_server.url
    sandbox.state.behaviour.webhooks = "send"
    return sandbox
