"""What Chromium really downloads to open the widget (every response from the appliance, as
transferred): the chat with an agent online, and the leave-a-message form with nobody online
and outside business hours (which also loads the hours' module)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console

pytestmark = pytest.mark.browser
LOADER_BUDGET = 3 * 1024
PRESENCE_BUDGET = 4 * 1024
PRESENCE = "/embed/presence.js"
PATH_BUDGET = 30_000


@pytest.fixture
def shop(tmp_path: Path, appliance: Appliance, owner) -> Iterator[str]:
    owner_client, setup = owner
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    r = owner_client.patch(f"/api/sites/{setup['site']['id']}", json={"allowed_origins": [origin]})
    assert r.status_code == 200, r.text
    (folder / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>店</title><h1>店</h1>"
        + r.json()["site"]["snippet"], "utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield origin
    server.shutdown()
    server.server_close()


def downloaded(page, appliance: Appliance) -> dict[str, int]:
    """Bytes transferred per file from the appliance (the API calls are not files)."""
    files: dict[str, int] = {}

    def finished(request) -> None:
        url = request.url
        if url.startswith(appliance.url) and "/api/" not in url:
            files[url[len(appliance.url):]] = request.sizes()["responseBodySize"]

    page.on("requestfinished", finished)
    return files


def test_opening_the_chat_downloads_at_most_30_kb(appliance: Appliance, shop, new_page) -> None:
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    page = new_page()
    files = downloaded(page, appliance)
    page.goto(shop + "/index.html")
    t(page, "kefu-launcher").wait_for()
    page.wait_for_load_state("networkidle")  # nothing more comes before a click
    # A page view costs the loader and, once the page has loaded, the presence module.
    for _ in range(300):  # it loads at idle, in the loader's own frame
        if PRESENCE in files:
            break
        page.wait_for_timeout(100)
    page.wait_for_load_state("networkidle")
    assert sorted(files) == ["/embed.js", PRESENCE], files
    assert files["/embed.js"] <= LOADER_BUDGET and files[PRESENCE] <= PRESENCE_BUDGET, files
    t(page, "kefu-launcher").click()
    t(page, "kefu-panel").and_(page.frame_locator('[data-test="kefu-frame"]').locator(
        '[data-transport="ws"]')).wait_for()
    page.wait_for_timeout(500)  # a window for late downloads (the open socket never idles)
    # The chat's budget is what opening it costs (the loader included); the presence module
    # has its own budget, checked above: every page view fetches it, chat or not.
    total = sum(size for name, size in files.items() if name != PRESENCE)
    print(f"\nchat: {len(files)} files, {total:,} bytes (+ presence): {files}")
    assert any(name.endswith("/lang-zh-CN.js") for name in files), files
    assert total <= PATH_BUDGET, files


def test_the_offline_form_downloads_at_most_30_kb(appliance: Appliance, shop, new_page) -> None:
    page = new_page()
    files = downloaded(page, appliance)
    page.goto(shop + "/index.html")
    t(page, "kefu-launcher").click()
    t(page, "kefu-leave-form").wait_for()
    page.wait_for_load_state("networkidle")
    total = sum(size for name, size in files.items() if name != PRESENCE)
    print(f"\noffline: {len(files)} files, {total:,} bytes (+ presence): {files}")
    assert any(name.endswith("/leave.js") for name in files), files
    assert not any(name.endswith(("/extras.js", "/routing.js")) for name in files), files
    assert total <= PATH_BUDGET, files


def test_the_form_outside_business_hours_downloads_at_most_30_kb(appliance: Appliance, shop,
                                                                  owner, new_page) -> None:
    """Closed by the hours, with an agent online: the form also shows the hours and the next
    opening (hours.js), and the whole path stays in the budget."""
    owner_client, setup = owner
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    r = owner_client.patch(f"/api/sites/{setup['site']['id']}", json={"business_hours": {
        "timezone": "Asia/Shanghai", "week": {day: [["09:00", "18:00"]] for day in days},
        # closed around today, whatever the hour: holidays from yesterday to tomorrow
        "holidays": [(today + timedelta(days=n)).isoformat() for n in (-1, 0, 1)],
        "extra_open": []}})
    assert r.status_code == 200, r.text
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    page = new_page()
    files = downloaded(page, appliance)
    page.goto(shop + "/index.html")
    t(page, "kefu-launcher").click()
    t(page, "kefu-leave-form").wait_for()
    frame = page.frame_locator('[data-test="kefu-frame"]')
    frame.locator('[data-test="kefu-hours"]').wait_for()
    page.wait_for_load_state("networkidle")
    total = sum(size for name, size in files.items() if name != PRESENCE)
    print(f"\noutside hours: {len(files)} files, {total:,} bytes (+ presence): {files}")
    assert any(name.endswith("/hours.js") for name in files), files
    assert total <= PATH_BUDGET, files

