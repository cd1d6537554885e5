"""The bot's chats in the console, in Chromium, in both languages: an agent sees a chat the
bot serves appear in the "with the bot" list (the visitor's question, the bot's answer and its
confidence), follows it read-only as it goes on, takes it over with one click, and the visitor
sees a person join and answer; the bot says nothing more."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console, screenshot, widget

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "agent-password-1"
CASES = {
    "zh-CN": {
        "entries": [{"question": "下单后多久发货？",
                     "answer": "<p>付款后<b>24小时</b>内发货。</p>"},
                    {"question": "运费怎么收？包邮吗？", "answer": "满99元包邮，不满收8元。"}],
        "first": ("亲，付完款多久能发货呀", "24小时内发货"),
        "second": ("运费怎么收", "满99元包邮"),
        "tab": "机器人接待中", "take_over": "接管", "asked": "问：", "confidence": "置信度",
        "joined": "小李 为您服务", "reply": "您好，我是小李，我来帮您。",
    },
    "en": {
        "entries": [{"question": "How long after ordering do you ship?",
                     "answer": "<p>We ship within <b>24 hours</b> of payment.</p>"},
                    {"question": "How much is delivery? Is shipping free?",
                     "answer": "Free delivery over 99 yuan, otherwise 8 yuan."}],
        "first": ("how long after I order do you ship it", "within 24 hours"),
        "second": ("how much is delivery", "Free delivery over 99"),
        "tab": "With the bot", "take_over": "Take over", "asked": "Q:",
        "confidence": "confidence", "joined": "小李 joined the conversation",
        "reply": "Hello, I'm Li, let me help you.",
    },
}


@pytest.fixture(params=sorted(CASES))
def shop(request, tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    """A customer's page with the snippet; the site's language, knowledge base and bot
    (`first`); an agent serving the site, who reads the console in the same language."""
    language = request.param
    case = CASES[language]
    owner_client, setup = owner
    site, company = setup["site"], setup["company"]["id"]
    for entry in case["entries"]:
        r = owner_client.post(f"/api/companies/{company}/kb/entries", json=entry)
        assert r.status_code == 201, r.text
    r = owner_client.patch(f"/api/sites/{site['id']}/bot", json={"mode": "first"})
    assert r.status_code == 200, r.text
    r = owner_client.post("/api/users", json={"login": "xiaoli", "display_name": "小李",
                                              "role": "agent", "password": AGENT_PASSWORD,
                                              "site_ids": [site["id"]]})
    assert r.status_code == 201, r.text
    agent = appliance.login("xiaoli", AGENT_PASSWORD)
    assert agent.patch("/api/me", json={"language": language}).status_code == 200
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [origin],
                                                             "language": language})
    assert r.status_code == 200, r.text
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset=utf-8><title>Shop</title>"
        "<style>button{background:red!important} *{font-size:40px}</style></head>"
        f"<body><h1>Shop</h1>{r.json()['site']['snippet']}</body></html>", "utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"origin": origin, "language": language, "case": case, "agent": agent}
    server.shutdown()
    server.server_close()


def bot_message(page, text: str):
    return widget(page).locator('[data-test="kefu-message"][data-sender="bot"]', has_text=text)


def ask(page, text: str) -> None:
    t(page, "kefu-input").fill(text)
    t(page, "kefu-send").click()


def test_an_agent_sees_a_bot_chat_and_takes_it_over(appliance: Appliance, shop,
                                                     new_page) -> None:
    case = shop["case"]
    agent = new_page()
    open_console(agent, appliance.url, "xiaoli", AGENT_PASSWORD)
    assert agent.evaluate("document.documentElement.lang") == shop["language"]
    tab = t(agent, "conv-tab-bot")
    assert case["tab"] in tab.inner_text()
    tab.click()
    assert t(agent, "conv-item").count() == 0

    visitor = new_page()
    visitor.goto(shop["origin"] + "/index.html")
    t(visitor, "kefu-launcher").click()
    t(visitor, "kefu-panel").wait_for()
    question, answer = case["first"]
    ask(visitor, question)
    bot_message(visitor, answer).wait_for()

    # The chat appears in the agent's "with the bot" list by itself, with the exchange.
    item = t(agent, "conv-item").first
    item.wait_for()
    assert question in item.locator('[data-test="conv-bot-question"]').inner_text()
    assert case["asked"] in item.locator('[data-test="conv-bot-question"]').inner_text()
    reply_line = item.locator('[data-test="conv-bot-reply"]').inner_text()
    assert answer in reply_line and case["confidence"] in reply_line and "%" in reply_line
    assert t(agent, "conv-tab-mine").get_attribute("aria-selected") == "false"

    # Opened: the transcript, read-only, live as the bot goes on.
    item.click()
    t(agent, "chat-bot-banner").wait_for()
    agent.locator('[data-test="chat-message"][data-sender="bot"]', has_text=answer).wait_for()
    assert t(agent, "chat-input").is_disabled()
    question2, answer2 = case["second"]
    ask(visitor, question2)
    bot_message(visitor, answer2).wait_for()
    agent.locator('[data-test="chat-message"][data-sender="bot"]', has_text=answer2).wait_for()
    agent.locator('[data-test="conv-bot-question"]', has_text=question2).wait_for()
    screenshot(agent, f"console-bot-chat-{shop['language']}")

    # Take over: mine at once, the visitor sees a person join, the bot stops.
    take_over = t(agent, "chat-take-over-bot")
    assert take_over.inner_text() == case["take_over"]
    take_over.click()
    widget(visitor).locator('[data-test="kefu-message"][data-sender="system"]',
                            has_text=case["joined"]).wait_for()
    t(agent, "chat-bot-banner").wait_for(state="detached")
    agent.wait_for_function(
        "!document.querySelector('[data-test=\"chat-input\"]').disabled")
    assert t(agent, "chat-take-over-bot").count() == 0
    assert t(agent, "conv-item").count() == 0  # no longer with the bot
    t(agent, "conv-tab-mine").click()
    t(agent, "conv-item").first.wait_for()
    assert not t(visitor, "kefu-handover").is_visible()
    t(agent, "chat-input").fill(case["reply"])
    t(agent, "chat-send").click()
    widget(visitor).locator('[data-test="kefu-message"][data-sender="agent"]',
                            has_text=case["reply"]).wait_for()
    ask(visitor, question)
    widget(visitor).locator('[data-test="kefu-message"][data-sender="visitor"]').nth(2).wait_for()
    agent.wait_for_timeout(700)
    assert bot_message(visitor, "").count() == 2  # the bot said nothing more
    screenshot(visitor, f"widget-taken-over-{shop['language']}")
