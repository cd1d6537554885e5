"""The widget keeps the website's pages eligible for the back/forward cache: going back to a page
with the widget restores it from the cache (no reload), and the live visitor list shows that
page again, on the browser's one presence socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import chromium_path, require_or_skip

from browser.conftest import CHROMIUM_ARGS, kefu, listed, wait_for

pytestmark = pytest.mark.browser
# Set before the page's own scripts: counts restores from the back/forward cache.
RESTORES = ("addEventListener('pageshow', (e) => { "
            "if (e.persisted) window.restores = (window.restores || 0) + 1; })")
# Chromium's word on why a page was not restored (Chromium 123+), for the failure message.
WHY_NOT = "JSON.stringify(performance.getEntriesByType('navigation')[0].notRestoredReasons)"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium with the back/forward cache on (Playwright turns it off by default)."""
    path = chromium_path()
    require_or_skip(path is not None, "Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS,
                                     ignore_default_args=["--disable-back-forward-cache"])
        yield browser
        browser.close()


def title_listed(owner, origin: str, title: str) -> bool:
    live = listed(owner, origin)
    return live is not None and live["page"]["title"] == title and live["state"] == "browsing"


def test_going_back_restores_the_page_from_the_cache_and_lists_it_again(shops, appliance,
                                                                       new_page) -> None:
    owner, origin = shops["owner"], shops["a"]
    page = new_page()
    page.add_init_script(RESTORES)
    page.goto(origin + "/index.html")
    kefu(page, "kefu-launcher").wait_for()
    # the presence module runs (lock, channel, socket)
    live = wait_for(lambda: listed(owner, origin))
    page.click("#next")  # another page of the site with the widget: it wants the same lock
    wait_for(lambda: title_listed(owner, origin, "价格表"))
    page.go_back(wait_until="commit")  # a restore fires no load event
    kefu(page, "kefu-launcher").wait_for()
    assert page.evaluate("window.restores") == 1, page.evaluate(WHY_NOT)
    # Presence is right again: the restored page is the visitor's page, on one socket.
    wait_for(lambda: title_listed(owner, origin, "首页"))
    assert listed(owner, origin)["id"] == live["id"]
    wait_for(lambda: appliance.runtime.live.socket_count(live["id"]) == 1)
    # And forward again: that page was cached too, and is listed again.
    page.go_forward(wait_until="commit")
    wait_for(lambda: page.evaluate("window.restores") == 1
             and title_listed(owner, origin, "价格表"))
