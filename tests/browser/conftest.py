"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Appliance, chromium_path, require_or_skip

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    # A desktop browser's rule, set explicitly: no sound before the user has touched the page.
    # Headless builds differ in their default (CI's Chromium once let audio start untouched).
    "--autoplay-policy=document-user-activation-required",
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


# -- host pages: one site embedded on two websites of different origins ---------------------
# A page whose title is markup: shown anywhere in the console, it must read as these characters.
HOSTILE_TITLE = '<img src=x onerror="document.title=window.kefuPwned=1">报价单'
HOSTILE_TITLE_HTML = HOSTILE_TITLE.replace("&", "&amp;").replace("<", "&lt;")


def serve(folder: Path, snippet: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """index.html (首页), pricing.html (价格表) and hostile.html (HOSTILE_TITLE), each with the
    site's snippet and a link (#next) to pricing.html."""
    folder.mkdir()
    for name, title in (("index.html", "首页"), ("pricing.html", "价格表"),
                        ("hostile.html", HOSTILE_TITLE_HTML)):
        (folder / name).write_text(
            f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><h1>{title}</h1><a id=next href=pricing.html>价格</a>{snippet}</body></html>",
            "utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def shops(tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    """One site embedded on two host pages of different origins."""
    owner_client, setup = owner
    site = setup["site"]
    first, a = serve(tmp_path / "a", site["snippet"])
    second, b = serve(tmp_path / "b", site["snippet"])
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [a, b]})
    assert r.status_code == 200, r.text
    yield {"a": a, "b": b, "site": r.json()["site"], "owner": owner_client}
    for server in (first, second):
        server.shutdown()
        server.server_close()


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def listed(client, origin: str) -> dict | None:
    visitors = client.get("/api/visitors/live").json()["visitors"]
    return next((v for v in visitors if v["page"]["url"].startswith(origin)), None)
