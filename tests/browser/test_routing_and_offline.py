"""Queue, leave-a-message and whisper, as visitors and agents see them in Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, Appliance
from playwright.sync_api import expect
from test_offline import ALWAYS_CLOSED, SmtpServer

from browser.conftest import kefu as t
from browser.conftest import open_console, screenshot, widget

pytestmark = pytest.mark.browser


def host_pages(tmp_path: Path, snippet: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    folder = tmp_path / "www"
    folder.mkdir(exist_ok=True)
    (folder / "index.html").write_text(
        f"<!doctype html><html><head><meta charset=utf-8><title>店</title></head>"
        f"<body><h1>店</h1>{snippet}</body></html>", "utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def shop(tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    owner_client, setup = owner
    site = setup["site"]
    server, origin = host_pages(tmp_path, site["snippet"])
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [origin]})
    assert r.status_code == 200
    yield {"origin": origin, "site": r.json()["site"], "owner": owner_client}
    server.shutdown()
    server.server_close()


def console(new_page, appliance: Appliance, login: str, password: str):
    page = new_page()
    open_console(page, appliance.url, login, password)
    return page


def visitor_sends(new_page, origin: str, text: str):
    page = new_page()
    page.goto(origin + "/index.html")
    t(page, "kefu-launcher").click()
    t(page, "kefu-input").fill(text)
    t(page, "kefu-send").click()
    return page


def test_queued_visitor_sees_position_one_and_is_served_when_a_chat_closes(
        appliance: Appliance, shop, new_page) -> None:
    owner_client, site = shop["owner"], shop["site"]
    r = owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site["id"]]})
    agent = r.json()["user"]
    owner_client.patch(f"/api/users/{agent['id']}", json={"max_chats": 1})
    agent_page = console(new_page, appliance, "xiaoli", AGENT_PASSWORD_FOR_TESTS)

    first = visitor_sends(new_page, shop["origin"], "第一位客人")
    widget(first).locator('[data-test="kefu-message"][data-sender="system"]').first.wait_for()
    second = visitor_sends(new_page, shop["origin"], "第二位客人")
    queue = t(second, "kefu-queue")
    queue.wait_for()
    assert queue.get_attribute("data-position") == "1"
    screenshot(second, "widget-queued")

    mine = owner_client.get("/api/conversations?view=open").json()["conversations"]
    first_id = next(c["id"] for c in mine if c["assignee_id"] == agent["id"])
    agent_page.goto(f"{appliance.url}/app/#/console/{first_id}")
    t(agent_page, "chat-close").click()
    agent_page.locator('[data-test="confirm-ok"]').click()
    widget(second).locator('[data-test="kefu-message"][data-sender="system"]').first.wait_for()
    queue.wait_for(state="hidden")


def test_leave_a_message_outside_business_hours_reaches_console_and_mail(
        appliance: Appliance, shop, new_page) -> None:
    owner_client, site = shop["owner"], shop["site"]
    smtp = SmtpServer()
    smtp.start()
    try:
        r = owner_client.put("/api/settings/smtp", json={
            "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "",
            "from_address": "kefu@example.com"})
        assert r.status_code == 200, r.text
        r = owner_client.patch(f"/api/sites/{site['id']}", json={
            "business_hours": ALWAYS_CLOSED, "notify_email": "service@example.com"})
        assert r.status_code == 200, r.text
        console(new_page, appliance, "boss@example.com", "owner-password-1")
        page = new_page()
        page.goto(shop["origin"] + "/index.html")
        t(page, "kefu-launcher").click()
        t(page, "kefu-leave-form").wait_for()
        t(page, "kefu-leave-name").fill("张三")
        t(page, "kefu-leave-phone").fill("13800000000")
        t(page, "kefu-leave-message").fill("明天上午想预约洗牙")
        t(page, "kefu-leave-submit").click()
        t(page, "kefu-leave-done").wait_for()
        screenshot(page, "widget-left-message")
        pending = owner_client.get("/api/conversations?view=pending").json()["conversations"]
        assert [c["last_message"]["body"] for c in pending] == ["明天上午想预约洗牙"]
        mails = smtp.inbox.wait(1)
        assert "明天上午想预约洗牙" in mails[0].get_body(("plain",)).get_content()
        assert mails[0]["To"] == "service@example.com"
    finally:
        smtp.stop()


def test_a_supervisor_whisper_is_never_shown_to_the_visitor(
        appliance: Appliance, shop, new_page) -> None:
    owner_client, site = shop["owner"], shop["site"]
    owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site["id"]]})
    agent_page = console(new_page, appliance, "xiaoli", AGENT_PASSWORD_FOR_TESTS)
    visitor = visitor_sends(new_page, shop["origin"], "我要投诉")
    widget(visitor).locator('[data-test="kefu-message"][data-sender="system"]').first.wait_for()
    conv = owner_client.get("/api/conversations?view=open").json()["conversations"][0]["id"]
    supervisor = console(new_page, appliance, "boss@example.com", "owner-password-1")
    supervisor.goto(f"{appliance.url}/app/#/console/{conv}")
    t(supervisor, "chat-note-toggle").click()
    t(supervisor, "chat-input").fill("悄悄话：先道歉")
    t(supervisor, "chat-send").click()
    agent_page.goto(f"{appliance.url}/app/#/console/{conv}")
    agent_page.locator('[data-test="chat-message"][data-kind="note"]',
                       has_text="悄悄话：先道歉").wait_for()
    agent_page.locator('[data-test="chat-input"]').fill("很抱歉给您带来不便")
    t(agent_page, "chat-send").click()
    widget(visitor).locator('[data-test="kefu-message"]', has_text="很抱歉给您带来不便").wait_for()
    # Locators pierce the widget's open shadow root: the whisper is nowhere in it.
    assert widget(visitor).locator("text=悄悄话").count() == 0
    assert widget(visitor).locator('[data-test="kefu-message"]').count() >= 3


def test_closed_by_business_hours_the_widget_shows_the_hours_and_next_opening(
        appliance: Appliance, shop, new_page) -> None:
    from datetime import UTC, datetime, timedelta
    owner_client, site = shop["owner"], shop["site"]
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    name = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"business_hours": {
        "timezone": "Asia/Shanghai", "week": {name: [["09:30", "18:00"]]}}})
    assert r.status_code == 200, r.text
    console(new_page, appliance, "boss@example.com", "owner-password-1")  # online, but closed
    # A visitor elsewhere: the hours and the next opening are the site's (Shanghai's), both.
    page = new_page(timezone_id="America/Los_Angeles")
    page.goto(shop["origin"] + "/index.html")
    t(page, "kefu-launcher").click()
    form = t(page, "kefu-leave-form")
    form.wait_for()
    assert "非工作时间" in form.inner_text()
    assert "不在线" not in form.inner_text()
    day_name = "周一 周二 周三 周四 周五 周六 周日".split()[day.weekday()]
    hours = t(page, "kefu-hours").inner_text()
    assert hours == f"工作时间：{day_name} 09:30–18:00（中国标准时间）"
    # In Los Angeles 09:30 in Shanghai is the evening before: the site's day and time are shown.
    opens = f"下次上班：{day.month}月{day.day}日 {day_name} 09:30"
    assert t(page, "kefu-opens").inner_text() == opens
    screenshot(page, "widget-closed-by-hours")


def test_an_english_site_speaks_english_from_the_first_visit_with_its_hours_in_its_zone(
        appliance: Appliance, shop, new_page) -> None:
    """A first visit (nothing stored yet): the launcher's label turns English once the site is
    known (presence.js), the chat frame's title and page are English, and the closed form gives
    the hours and next opening in the site's zone (New York), named in words."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    owner_client, site = shop["owner"], shop["site"]
    day = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=2)).date()
    name = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"language": "en", "business_hours": {
        "timezone": "America/New_York", "week": {name: [["09:30", "18:00"]]}}})
    assert r.status_code == 200, r.text
    page = new_page(timezone_id="Asia/Shanghai")
    page.goto(shop["origin"] + "/index.html")
    launcher = t(page, "kefu-launcher")
    expect(launcher).to_have_attribute("aria-label", "Open chat")
    launcher.click()
    t(page, "kefu-leave-form").wait_for()
    expect(t(page, "kefu-frame")).to_have_attribute("title", "Chat")
    chat = next(frame for frame in page.frames if "/chat/" in frame.url)
    assert chat.evaluate("[document.documentElement.lang, document.title]") == ["en", "Chat"]
    day_name = day.strftime("%a")
    hours = f"Opening hours: {day_name} 09:30–18:00 (Eastern Time)"
    assert t(page, "kefu-hours").inner_text() == hours
    assert t(page, "kefu-opens").inner_text() == (
        f"We open again on {day_name}, {day.strftime('%B')} {day.day} at 09:30")
