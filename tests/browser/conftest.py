"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import chromium_path, require_or_skip

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread while
    # it is open, which would break asyncio.run() in the test modules collected after it.
    path = chromium_path()
    require_or_skip(path is not None, "Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser) -> Iterator[object]:
    """Factory of pages, each in its own browser context (its own cookies); `options` go to the
    context (e.g. `color_scheme="dark"`)."""
    contexts = []

    def make(viewport: dict | None = None, **options):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800},
                                      locale="zh-CN", **options)
        # Waits for the page, not checks of speed: generous, because CI machines are shared and
        # a loaded 2-core machine can take seconds to paint (performance lives in bench/).
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def hook(page, name: str):
    """The element with `data-test="name"` (also inside the widget's open shadow root)."""
    return page.locator(f'[data-test="{name}"]')


def widget(page):
    """The chat panel: loader.js shows it in an iframe of the appliance (launcher and badge are
    in the page itself, in the loader's shadow root)."""
    return page.frame_locator('[data-test="kefu-frame"]')


def kefu(page, name: str):
    """A hook: the widget's in its chat frame (but launcher and badge), others in the page."""
    inside = name.startswith("kefu-") and name not in ("kefu-launcher", "kefu-badge", "kefu-frame")
    scope = widget(page) if inside else page
    return scope.locator(f'[data-test="{name}"]')


def log_in(page, base_url: str, login: str, password: str) -> None:
    """Sign in on the login page and wait for the app page."""
    page.goto(base_url + "/login")
    hook(page, "login").fill(login)
    hook(page, "password").fill(password)
    hook(page, "login-submit").click()
    page.wait_for_url(re.compile(r"/app/"))


def open_console(page, base_url: str, login: str, password: str) -> None:
    """Sign in and wait until the console's socket is open."""
    log_in(page, base_url, login, password)
    page.goto(base_url + "/app/#/console")
    hook(page, "console").wait_for()
    page.wait_for_function("document.body.dataset.socket === 'open'")
