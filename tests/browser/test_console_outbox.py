"""The console's unsent replies and drafts outlive the tab, in Chromium: written with the network
down, the tab closed, another tab of the same browser delivers each exactly once; a sign-out
warns of them and deletes them; a session the server ends keeps them for the next sign-in.

The storage logic itself (tabs merging, caps) is in tests/js/console-outbox-tabs.test.mjs. The
server's deduplication by client id: tests/test_conversations.py
(test_a_message_committed_as_its_socket_drops_still_reaches_the_agent) for the socket, and the
first test here for an agent's `POST …/messages` whose answer was lost."""

from __future__ import annotations

import re

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, Appliance

from browser import test_console_truth as truth
from browser.conftest import hook, log_in, open_console, wait_for
from browser.test_console_alerts import HARNESS, item
from browser.test_console_truth import add_agent, routed_to, visitor_writes

pytestmark = pytest.mark.browser
website = truth.website  # the fixture: a customer's website with the site's snippet

SENDS = re.compile(r"/api/conversations/\d+/messages$")  # an agent's POST (GETs have a query)


def offline(page, *, commit_first: bool = False) -> list[str]:
    """Cut the console's socket and fail its HTTP sends as a dropped network does. With
    `commit_first`, the first send reaches the server and is committed, but its answer is lost
    (as when the network goes as the reply leaves). Returns the list of what was committed."""
    committed: list[str] = []
    sends: list[str] = []

    def send(route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        sends.append(route.request.post_data_json["client_id"])
        # Counted before fetching: while route.fetch() waits, the next send's handler may run.
        if commit_first and len(sends) == 1:
            response = route.fetch()
            assert response.status == 200, response.text()
            committed.append(sends[0])
        route.abort("internetdisconnected")

    page.route(SENDS, send)
    page.evaluate("window.__cut(true)")
    page.wait_for_function("() => document.body.dataset.socket === 'closed'")
    return committed


def pumped(page, check, timeout_ms: int = 30_000) -> None:
    """Wait for `check()` while Playwright runs the page's route handlers (sleeping would not)."""
    for _ in range(timeout_ms // 100):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def reply(page, text: str) -> None:
    hook(page, "chat-input").fill(text)
    hook(page, "chat-input").press("Enter")
    page.locator('[data-test="chat-message"][data-state="sending"]', has_text=text).wait_for()


def bodies(client, conversation_id: int) -> list[str]:
    r = client.get(f"/api/conversations/{conversation_id}/messages")
    assert r.status_code == 200, r.text
    return [m["body"] for m in r.json()["messages"] if m["sender"]["type"] == "agent"]


def kept(page, user_id: int) -> dict:
    """What this browser keeps for the user: the outbox's unsent entries and the drafts."""
    return page.evaluate("""(id) => {
      const outbox = JSON.parse(localStorage.getItem(`kefu.outbox.${id}`) || 'null');
      const drafts = JSON.parse(localStorage.getItem(`kefu.drafts.${id}`) || 'null');
      const texts = (map) => Object.fromEntries(Object.entries(map).map(([k, d]) => [k, d.body]));
      return { outbox: outbox && outbox.entries.map((e) => `${e.state}:${e.body}`),
               drafts: drafts && texts(drafts) };
    }""", user_id)


def chat(new_page, appliance: Appliance, website, login: str = "first"):
    """An agent at the console (with the socket cutter) and a visitor's chat routed to them."""
    owner_client, site = website["owner"], website["site"]
    user_id = add_agent(owner_client, login, [site["id"]])["id"]
    page = new_page()
    page.context.add_init_script(HARNESS)
    open_console(page, appliance.url, login, AGENT_PASSWORD_FOR_TESTS)
    visitor = visitor_writes(appliance, website, site["widget_key"], "你好，请问发货了吗")
    assert routed_to(owner_client, visitor.conversation_id) == user_id
    item(page, visitor.conversation_id).click()
    page.locator('[data-test="chat-message"]', has_text="你好，请问发货了吗").wait_for()
    return page, user_id, visitor.conversation_id


def test_replies_written_offline_reach_the_visitor_once_after_the_tab_is_closed(
        appliance: Appliance, website, new_page) -> None:
    owner_client = website["owner"]
    page, me, conversation_id = chat(new_page, appliance, website)
    committed = offline(page, commit_first=True)
    reply(page, "第一条：已经发货了")  # committed, but the answer never came back
    reply(page, "第二条：单号稍后发您")  # never reached the server
    pumped(page, lambda: committed)
    assert bodies(owner_client, conversation_id) == ["第一条：已经发货了"]
    hook(page, "chat-input").fill("第三条还没写完")
    assert kept(page, me) == {
        "outbox": ["sending:第一条：已经发货了", "sending:第二条：单号稍后发您"],
        "drafts": {str(conversation_id): "第三条还没写完"}}
    context = page.context
    page.close()

    tab = context.new_page()  # the agent comes back: the network is up again
    tab.goto(f"{appliance.url}/app/#/console")
    hook(tab, "console").wait_for()
    wait_for(lambda: len(bodies(owner_client, conversation_id)) >= 2)
    tab.wait_for_timeout(1500)  # a late duplicate would have come by now
    assert bodies(owner_client, conversation_id) == ["第一条：已经发货了", "第二条：单号稍后发您"]
    item(tab, conversation_id).click()
    for text in ("第一条：已经发货了", "第二条：单号稍后发您"):
        shown = tab.locator('[data-test="chat-message"]', has_text=text)
        shown.wait_for()
        assert shown.count() == 1
        assert shown.get_attribute("data-state") in ("sent", "read")
    assert hook(tab, "chat-input").input_value() == "第三条还没写完"
    wait_for(lambda: kept(tab, me)["outbox"] == [])


def test_two_tabs_show_a_reply_written_offline_once_and_it_is_delivered_once(
        appliance: Appliance, website, new_page) -> None:
    """Both tabs of the agent hold the reply (the second takes it from storage) and both resend it
    when they reconnect: the server keeps one, and each tab draws one."""
    owner_client = website["owner"]
    page, me, conversation_id = chat(new_page, appliance, website)
    other = page.context.new_page()
    other.goto(f"{appliance.url}/app/#/console/{conversation_id}")
    other.locator('[data-test="chat-message"]', has_text="你好，请问发货了吗").wait_for()
    other.wait_for_function("() => document.body.dataset.socket === 'open'")
    for tab in (page, other):
        offline(tab)
    reply(page, "两个标签页都看得到")
    other.locator('[data-test="chat-message"][data-state="sending"]',
                  has_text="两个标签页都看得到").wait_for()  # taken in from storage
    for tab in (page, other):
        tab.unroute(SENDS)
        tab.evaluate("window.__cut(false)")
    wait_for(lambda: bodies(owner_client, conversation_id) == ["两个标签页都看得到"])
    for tab in (page, other):
        shown = tab.locator('[data-test="chat-message"]', has_text="两个标签页都看得到")
        tab.wait_for_function("""(text) =>
          [...document.querySelectorAll('[data-test=chat-message]')]
            .filter((node) => node.textContent.includes(text))
            .every((node) => node.dataset.state !== 'sending')""", arg="两个标签页都看得到")
        assert shown.count() == 1
    page.wait_for_timeout(1500)
    assert bodies(owner_client, conversation_id) == ["两个标签页都看得到"]
    assert kept(page, me)["outbox"] == []


def test_signing_out_warns_of_unsent_replies_and_deletes_them_with_the_drafts(
        appliance: Appliance, website, new_page) -> None:
    owner_client = website["owner"]
    page, me, conversation_id = chat(new_page, appliance, website)
    offline(page)
    reply(page, "断网时写的回复")
    hook(page, "chat-input").fill("没写完的草稿")
    hook(page, "logout").click()
    dialog = hook(page, "dialog")
    dialog.wait_for()
    assert "有 1 条消息还没有送达访客" in dialog.inner_text()
    hook(page, "confirm-cancel").click()
    dialog.wait_for(state="detached")
    assert "/app/" in page.url
    assert kept(page, me)["outbox"] == ["sending:断网时写的回复"]

    hook(page, "logout").click()
    hook(page, "confirm-ok").click()
    page.wait_for_url(re.compile(r"/login"))
    assert kept(page, me) == {"outbox": None, "drafts": None}
    # Back at this browser, the same agent has nothing of it to send, and nothing went out.
    page.unroute(SENDS)
    open_console(page, appliance.url, "first", AGENT_PASSWORD_FOR_TESTS)
    page.wait_for_timeout(1500)
    assert kept(page, me) == {"outbox": None, "drafts": None}
    assert bodies(owner_client, conversation_id) == []


def test_nothing_unsent_signs_out_without_a_question(appliance: Appliance, website,
                                                    new_page) -> None:
    page, me, _ = chat(new_page, appliance, website)
    hook(page, "chat-input").fill("只是草稿")
    hook(page, "logout").click()
    page.wait_for_url(re.compile(r"/login"))
    assert kept(page, me) == {"outbox": None, "drafts": None}


def test_a_session_the_server_ends_keeps_them_for_the_next_sign_in(
        appliance: Appliance, website, new_page) -> None:
    owner_client = website["owner"]
    page, me, conversation_id = chat(new_page, appliance, website)
    offline(page)
    reply(page, "会话结束前写的")
    new_password = AGENT_PASSWORD_FOR_TESTS + "-new"
    r = owner_client.post(f"/api/users/{me}/password", json={"new_password": new_password})
    assert r.status_code == 200, r.text
    page.wait_for_url(re.compile(r"/login"))  # the console found its session gone
    assert kept(page, me)["outbox"] == ["sending:会话结束前写的"]
    page.unroute(SENDS)
    log_in(page, appliance.url, "first", new_password)
    page.goto(appliance.url + "/app/#/console")
    hook(page, "console").wait_for()
    wait_for(lambda: bodies(owner_client, conversation_id) == ["会话结束前写的"])
    wait_for(lambda: kept(page, me)["outbox"] == [])


def test_replies_an_older_console_left_in_the_tabs_session_storage_are_sent(
        appliance: Appliance, website, new_page) -> None:
    """An upgrade reloads a tab whose console kept its outbox in sessionStorage: nothing is lost."""
    owner_client = website["owner"]
    page, me, conversation_id = chat(new_page, appliance, website)
    page.evaluate("""([id, conversation]) => {
      sessionStorage.setItem(`kefu.outbox.${id}`, JSON.stringify([{ client_id: 'legacy-reply-0001',
        conversation_id: conversation, kind: 'text', body: '升级前写的', state: 'sending',
        created_at: new Date().toISOString() }]));
      const drafts = { [conversation]: { body: '升级前的草稿' } };
      sessionStorage.setItem(`kefu.drafts.${id}`, JSON.stringify(drafts));
    }""", [me, conversation_id])
    page.reload()
    hook(page, "console").wait_for()
    wait_for(lambda: bodies(owner_client, conversation_id) == ["升级前写的"])
    item(page, conversation_id).click()
    page.locator('[data-test="chat-message"]', has_text="升级前写的").wait_for()
    assert hook(page, "chat-input").input_value() == "升级前的草稿"
    assert page.evaluate("(id) => sessionStorage.getItem(`kefu.outbox.${id}`)", me) is None
