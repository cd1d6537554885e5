"""The answer bot in the widget, in Chromium: a visitor on a customer's page asks a paraphrase
and gets the entry's rich answer from the bot (disclosed as a bot); "转人工" reaches a person,
who sees the bot's part of the chat in the console; a 👎 puts the question in the "to improve"
list, and once it is a phrasing of the right entry, the same question is answered with it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console, screenshot, widget

pytestmark = pytest.mark.browser

ENTRIES = [
    {"question": "下单后多久发货？",
     "answer": "<p>付款后<b>24小时</b>内发货。</p><ul><li>节假日顺延</li></ul>"},
    {"question": "运费怎么收？包邮吗？", "answer": "满99元包邮，不满收8元。"},
    {"question": "门店几点开门？", "answer": "每天早上9点开门。"},
    {"question": "快递几天能到？", "answer": "一般发货后2-3天送达。"},
]


@pytest.fixture
def shop(tmp_path: Path, appliance: Appliance, owner) -> Iterator[dict]:
    """A customer's website on another origin (with hostile CSS), the snippet pasted in; the
    site's knowledge base and its bot, on (`first`)."""
    owner_client, setup = owner
    site, company = setup["site"], setup["company"]["id"]
    ids = []
    for entry in ENTRIES:
        r = owner_client.post(f"/api/companies/{company}/kb/entries", json=entry)
        assert r.status_code == 201, r.text
        ids.append(r.json()["entry"]["id"])
    r = owner_client.patch(f"/api/sites/{site['id']}/bot", json={"mode": "first", "name": "小悦"})
    assert r.status_code == 200, r.text
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"allowed_origins": [origin]})
    assert r.status_code == 200, r.text
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset=utf-8><title>店</title>"
        "<style>button{background:red!important} *{font-size:40px}</style></head>"
        f"<body><h1>店</h1>{r.json()['site']['snippet']}</body></html>", "utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"origin": origin, "site": site, "company": company, "ids": ids,
           "owner": owner_client}
    server.shutdown()
    server.server_close()


def open_chat(new_page, shop: dict):
    page = new_page()
    page.goto(shop["origin"] + "/index.html")
    t(page, "kefu-launcher").click()
    t(page, "kefu-panel").wait_for()
    return page


def ask(page, text: str) -> None:
    t(page, "kefu-input").fill(text)
    t(page, "kefu-send").click()


def bot_message(page, text: str):
    return widget(page).locator('[data-test="kefu-message"][data-sender="bot"]', has_text=text)


def test_the_bot_answers_hands_over_and_learns(appliance: Appliance, shop, new_page) -> None:
    agent = new_page()
    open_console(agent, appliance.url, "boss@example.com", OWNER_PASSWORD)

    # A paraphrase of an entry: the bot's rich answer, disclosed as a bot, with 👍/👎.
    visitor = open_chat(new_page, shop)
    ask(visitor, "亲，付完款多久能发货呀")
    answer = bot_message(visitor, "24小时")
    answer.wait_for()
    assert answer.locator(".bubble b").inner_text() == "24小时"  # the rich text, safely
    assert answer.locator(".bubble li").inner_text() == "节假日顺延"
    assert "小悦 · 机器人" in answer.locator(".meta").inner_text()
    answer.locator('[data-test="kefu-vote-up"]').wait_for()
    handover = t(visitor, "kefu-handover")
    assert handover.is_visible() and handover.inner_text() == "转人工"
    # Nobody in the console is alerted while the bot serves: no chat in any list.
    agent.wait_for_timeout(500)
    assert t(agent, "conv-item").count() == 0
    screenshot(visitor, "widget-bot-answer")

    # "转人工": the chat goes to the agent online, who sees what the bot said.
    handover.click()
    bot_message(visitor, "正在为您转接人工客服").wait_for()
    widget(visitor).locator('[data-test="kefu-message"][data-sender="system"]').wait_for()
    assert not t(visitor, "kefu-handover").is_visible()
    t(agent, "conv-tab-mine").click()
    t(agent, "conv-item").first.click()
    said = agent.locator('[data-test="chat-message"][data-sender="bot"]', has_text="24小时")
    said.wait_for()
    assert "机器人" in said.inner_text() and "小悦" in said.inner_text()
    agent.locator('[data-test="chat-message"][data-sender="visitor"]',
                  has_text="付完款多久能发货").wait_for()
    t(agent, "chat-input").fill("您好，我是客服，请问还有什么问题？")
    t(agent, "chat-send").click()
    widget(visitor).locator('[data-test="kefu-message"][data-sender="agent"]',
                            has_text="我是客服").wait_for()
    screenshot(agent, "console-bot-transcript")

    # Another visitor: the answer is not what they asked; 👎 hands over and records it.
    other = open_chat(new_page, shop)
    ask(other, "发货几天到")
    wrong = bot_message(other, "付款后")
    wrong.wait_for()
    wrong.locator('[data-test="kefu-vote-down"]').click()
    bot_message(other, "正在为您转接人工客服").wait_for()
    owner = shop["owner"]
    questions = owner.get(f"/api/companies/{shop['company']}/kb/improve").json()["questions"]
    downvoted = [q for q in questions if q["reason"] == "downvoted"]
    assert [(q["text"], q["entry_id"]) for q in downvoted] == [("发货几天到", shop["ids"][0])]
    # The admin makes it a phrasing of the right entry: the same question is answered with it.
    r = owner.post(f"/api/kb/improve/{downvoted[0]['id']}/phrasing",
                   json={"entry_id": shop["ids"][3]})
    assert r.status_code == 200, r.text
    third = open_chat(new_page, shop)
    ask(third, "发货几天到")
    bot_message(third, "一般发货后2-3天送达").wait_for()


def test_suggestions_are_tapped_and_hostile_markup_never_runs(appliance: Appliance, shop,
                                                              new_page) -> None:
    visitor = open_chat(new_page, shop)
    ask(visitor, "什么时候能收到货")
    offered = bot_message(visitor, "您是不是想问")
    offered.wait_for()
    choice = offered.locator('[data-test="kefu-choice"]', has_text="快递几天能到")
    choice.click()  # sends the question, as if typed
    widget(visitor).locator('[data-test="kefu-message"][data-sender="visitor"]',
                            has_text="快递几天能到").wait_for()
    bot_message(visitor, "一般发货后2-3天送达").wait_for()
    # Nobody is online: asking for a person leads to the leave-a-message form.
    t(visitor, "kefu-handover").click()
    bot_message(visitor, "现在没有客服在线").wait_for()
    t(visitor, "kefu-leave-form").wait_for()
    assert not t(visitor, "kefu-handover").is_visible()
    # The widget's own allow-list: whatever an answer holds, only safe nodes are built.
    frame = visitor.frame_locator('[data-test="kefu-frame"]').locator("body")
    built = frame.evaluate("""async () => {
        const { safeNodes } = await import(new URL('bot.js', document.querySelector(
            'script[type=module]')?.src || location.href).href).catch(() => ({}));
        if (!safeNodes) return null;
        window.__ran = false;
        const box = document.createElement('div');
        box.append(...safeNodes('<img src=x onerror="window.__ran=true">'
          + '<script>window.__ran=true</script>'
          + '<a href="javascript:window.__ran=true">x</a><p onclick="1" style="color:red">ok</p>'
          + '<iframe src="https://evil.example"></iframe><a href="https://example.com/">link</a>'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        return {ran: window.__ran, html: box.innerHTML};
    }""")
    assert built is not None, "bot.js could not be imported in the chat frame"
    assert built["ran"] is False, built
    assert "<script" not in built["html"] and "onerror" not in built["html"], built
    assert "javascript:" not in built["html"] and "<iframe" not in built["html"], built
    assert "onclick" not in built["html"] and "style" not in built["html"], built
    assert ('<a href="https://example.com/" target="_blank" rel="noopener noreferrer nofollow">'
            'link</a>') in built["html"], built
