"""Visitor widget on a host page of another origin ↔ agent console, in Chromium."""

from __future__ import annotations

import base64
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console, screenshot, widget

pytestmark = pytest.mark.browser

# A 2×2 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


@pytest.fixture
def host_site(tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    """A customer's website on another origin, with the snippet pasted into two pages."""
    owner_client, setup = owner
    site = setup["site"]
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [origin]})
    assert r.status_code == 200, r.text
    snippet = r.json()["site"]["snippet"]
    for name, title in (("index.html", "首页"), ("pricing.html", "价格")):
        (folder / name).write_text(
            f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
            f"<style>button{{background:red!important}} *{{font-size:40px}}</style></head>"
            f"<body><h1>{title}</h1><a id=next href=pricing.html>pricing</a>{snippet}"
            f"</body></html>", "utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"origin": origin, "site": site}
    server.shutdown()
    server.server_close()


def sign_in_console(page, appliance: Appliance) -> None:
    open_console(page, appliance.url, "boss@example.com", OWNER_PASSWORD)


def visitor_says(page, text: str) -> None:
    t(page, "kefu-input").fill(text)
    t(page, "kefu-send").click()


def agent_message(page, text: str):
    return page.locator('[data-test="chat-message"]', has_text=text)


def test_visitor_and_agent_chat_across_origins(appliance: Appliance, host_site, new_page,
                                                tmp_path: Path) -> None:
    agent = new_page()
    sign_in_console(agent, appliance)

    visitor = new_page()
    requests: list[str] = []
    visitor.on("request", lambda r: requests.append(r.url))
    visitor.goto(host_site["origin"] + "/index.html")
    t(visitor, "kefu-launcher").wait_for()
    # Nothing but the loader (and, at idle, the presence module with its session) until the
    # visitor asks for the chat.
    page_view = ("/embed/presence.js", "/api/widget/session")
    assert not any(("/embed/" in u or "/api/" in u) and not u.endswith(page_view)
                   for u in requests), requests
    t(visitor, "kefu-launcher").click()
    t(visitor, "kefu-panel").wait_for()
    assert all(u.startswith((host_site["origin"], appliance.url)) for u in requests), requests
    visitor_says(visitor, "你好，我想咨询洗牙")
    mine = widget(visitor).locator('[data-test="kefu-message"][data-sender="visitor"]',
                           has_text="你好，我想咨询洗牙")
    mine.and_(widget(visitor).locator('[data-state="sent"], [data-state="read"]')).wait_for()

    # The chat was routed to the only agent online; it appears without reloading.
    t(agent, "conv-tab-mine").click()
    t(agent, "conv-item").first.wait_for()
    t(agent, "conv-item").first.click()
    agent_message(agent, "你好，我想咨询洗牙").wait_for()
    t(agent, "chat-input").fill("您好！洗牙 198 元。")
    t(agent, "chat-send").click()
    widget(visitor).locator('[data-test="kefu-message"][data-sender="agent"]',
                    has_text="洗牙 198 元").wait_for()

    # An image from the visitor.
    image = tmp_path / "tooth.png"
    image.write_bytes(PNG)
    t(visitor, "kefu-file-input").set_input_files(str(image))
    agent.locator('[data-test="chat-message"][data-kind="image"]').wait_for()
    screenshot(visitor, "widget-chat")
    screenshot(agent, "console-chat")

    # The visitor moves to another page: the conversation comes along.
    visitor.evaluate("document.getElementById('next').click()")
    visitor.wait_for_url(re.compile(r"pricing\.html"))
    widget(visitor).locator('[data-test="kefu-message"]', has_text="洗牙 198 元").wait_for()
    t(visitor, "kefu-panel").wait_for()
    visitor_says(visitor, "第二页继续聊")
    agent_message(agent, "第二页继续聊").wait_for()

    # Offline on a flaky network: the message waits, then arrives exactly once.
    visitor.context.set_offline(True)
    visitor_says(visitor, "断网时发的消息")
    pending = widget(visitor).locator('[data-test="kefu-message"]', has_text="断网时发的消息")
    pending.wait_for()
    assert pending.get_attribute("data-state") == "sending"
    visitor.wait_for_timeout(1000)
    assert agent_message(agent, "断网时发的消息").count() == 0
    visitor.context.set_offline(False)
    agent_message(agent, "断网时发的消息").wait_for(timeout=20_000)
    widget(visitor).locator('[data-test="kefu-message"][data-state="sent"], '
                    '[data-test="kefu-message"][data-state="read"]',
                    has_text="断网时发的消息").wait_for(timeout=20_000)
    agent.wait_for_timeout(1000)
    assert agent_message(agent, "断网时发的消息").count() == 1

    # A second visitor starts a chat while the agent is busy with the first.
    other = new_page()
    other.goto(host_site["origin"] + "/index.html")
    t(other, "kefu-launcher").click()
    visitor_says(other, "另一个客人的问题")
    t(agent, "conv-tab-mine").click()
    agent.locator('[data-test="conv-item"]', has_text="另一个客人的问题").wait_for()
    assert agent_message(agent, "第二页继续聊").count() == 1  # still in the first chat
    screenshot(agent, "console-two-chats")


def test_an_answer_given_while_the_visitor_was_offline_stays_when_they_write_again(
        appliance: Appliance, host_site, owner, new_page) -> None:
    """The agent answered and closed while the visitor's phone was offline and the visitor
    wrote meanwhile: their message starts a new chat, and the widget used to clear the old one
    for it — the answer, delivered a moment before, was never seen, even after a reload."""
    owner_client, _ = owner
    console = new_page()
    sign_in_console(console, appliance)  # someone online: the widget offers the chat
    visitor = new_page()
    visitor.goto(host_site["origin"] + "/index.html")
    t(visitor, "kefu-launcher").click()
    visitor_says(visitor, "请问周六营业吗")
    sent = '[data-state="sent"], [data-state="read"]'
    messages = widget(visitor).locator('[data-test="kefu-message"]')
    messages.filter(has_text="请问周六营业吗").and_(widget(visitor).locator(sent)).wait_for()
    conversation = owner_client.get("/api/conversations?view=open").json()["conversations"][0]
    cid = conversation["id"]
    assert owner_client.post(f"/api/conversations/{cid}/claim", json={}).status_code == 200

    visitor.context.set_offline(True)
    r = owner_client.post(f"/api/conversations/{cid}/messages", json={
        "client_id": "answer-while-offline-1", "kind": "text", "body": "营业，请致电 400-123"})
    assert r.status_code == 200, r.text
    assert owner_client.post(f"/api/conversations/{cid}/close", json={}).status_code == 200
    visitor_says(visitor, "那我周六上午过去")
    visitor.context.set_offline(False)

    messages.filter(has_text="那我周六上午过去").and_(widget(visitor).locator(sent)).wait_for(
        timeout=30_000)
    answer = messages.filter(has_text="营业，请致电 400-123")
    answer.wait_for(timeout=10_000)
    visitor.wait_for_timeout(1000)  # nothing clears it a moment later
    assert answer.count() == 1 and messages.filter(has_text="请问周六营业吗").count() == 1
    newest = owner_client.get("/api/conversations?view=open").json()["conversations"][0]
    assert newest["id"] != cid  # the new message started a new chat, as documented
    visitor.reload()
    t(visitor, "kefu-launcher").wait_for()
    visitor.wait_for_timeout(1000)
    if not t(visitor, "kefu-panel").is_visible():  # the panel reopens by itself if it was open
        t(visitor, "kefu-launcher").click()
    answer.wait_for(timeout=10_000)
    messages.filter(has_text="那我周六上午过去").wait_for()
