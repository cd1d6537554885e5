"""The console's alerts, in Chromium: what came while the socket was down, an unfocused window,
a colleague's note, one chime across an agent's tabs, reads that never go back, closed chats."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, Appliance
from test_conversations import Widget

from browser import test_console_truth as truth
from browser.conftest import hook, open_console
from browser.test_console_truth import SETTLE_MS, add_agent, routed_to, visitor_writes

pytestmark = pytest.mark.browser
website = truth.website  # the fixture: a customer's website with the site's snippet

# Records every notification and every chime (the tones of one start within 300 ms), lets the test
# say whether the page is hidden and whether its window has the focus, and cuts the console's
# socket for real: `__cut(true)` drops it and refuses new ones, `__cut(false)` lets them through.
HARNESS = """
(() => {
  const shown = [];
  class RecordedNotification extends EventTarget {
    constructor(title, options = {}) { super(); shown.push({ title, body: options.body || '' }); }
    close() {}
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
  }
  Object.defineProperty(window, 'Notification',
                        { value: RecordedNotification, configurable: true });
  window.__notifications = shown;
  window.__chimes = [];
  let last = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    if (Date.now() - last > 300) window.__chimes.push(Date.now());
    last = Date.now();
    return start.apply(this, args);
  };
  window.__hidden = false;
  window.__focused = true;
  Object.defineProperty(Document.prototype, 'hidden',
    { get: () => window.__hidden, configurable: true });
  Object.defineProperty(Document.prototype, 'visibilityState',
    { get: () => (window.__hidden ? 'hidden' : 'visible'), configurable: true });
  Document.prototype.hasFocus = () => window.__focused;
  window.__attend = (hidden, focused) => {
    window.__hidden = hidden;
    window.__focused = focused;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event(focused ? 'focus' : 'blur'));
  };
  const Native = window.WebSocket;
  const sockets = new Set();
  let cut = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(cut ? `${url}-cut` : url, protocols); // refused by the server: a dropped connection
      sockets.add(this);
    }
  };
  window.__cut = (on) => {
    cut = on;
    if (on) for (const socket of sockets) socket.close(4000);
  };
})();
"""


def console(new_page, appliance: Appliance, login: str, *, page=None):
    """An agent's console with HARNESS; `page` opens another tab of that agent's browser."""
    if page is None:
        page = new_page()
        page.context.add_init_script(HARNESS)
        open_console(page, appliance.url, login, AGENT_PASSWORD_FOR_TESTS)
    else:
        page = page.context.new_page()
        page.goto(f"{appliance.url}/app/#/console")
        hook(page, "console").wait_for()
        page.wait_for_function("() => document.body.dataset.socket === 'open'")
    hook(page, "search-input").click()  # a gesture: the browser lets the page play sound
    page.wait_for_function(
        "() => document.querySelector('[data-test=mute-toggle]')?.dataset.state === 'on'")
    return page


def heard(page) -> dict:
    """Notifications (title and body) and the number of chimes since the last call."""
    return page.evaluate("""() => {
      const seen = { notifications: window.__notifications.map((n) => `${n.title}|${n.body}`),
                     chimes: window.__chimes.length };
      window.__notifications.length = 0;
      window.__chimes.length = 0;
      return seen;
    }""")


def say(widget: Widget, text: str) -> None:
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": uuid.uuid4().hex, "body": text})
    assert r.status_code == 200, r.text


def conversation(client, conversation_id: int) -> dict:
    return client.get(f"/api/conversations/{conversation_id}").json()["conversation"]


def item(page, conversation_id: int):
    return page.locator(f'[data-test="conv-item"][data-id="{conversation_id}"]')


def test_after_a_reconnect_one_alert_says_what_came_and_the_open_chat_is_read(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    first_id = add_agent(owner_client, "first", [site["id"]])["id"]
    second_id = add_agent(owner_client, "second", [site["id"]])["id"]
    page = console(new_page, appliance, "first")
    # A colleague at the console (a transfer goes only to someone present), busy: they take
    # no new chats, so everything routed in this test goes to "first".
    colleague = truth.console(new_page, appliance, "second")
    hook(colleague, "agent-status").select_option("busy")
    truth.wait_for_status(colleague, "busy")
    key = site["widget_key"]
    a, b, d = (visitor_writes(appliance, website, key, f"{name} 你好") for name in "ABD")
    assert {routed_to(owner_client, w.conversation_id) for w in (a, b, d)} == {first_id}
    r = owner_client.post(f"/api/conversations/{d.conversation_id}/transfer",
                          json={"agent_id": second_id})
    assert r.status_code == 200, r.text
    page.wait_for_timeout(SETTLE_MS + 500)
    item(page, a.conversation_id).click()
    page.locator('[data-test="chat-message"]', has_text="A 你好").wait_for()
    heard(page)

    page.evaluate("window.__cut(true)")
    page.wait_for_function("() => document.body.dataset.socket === 'closed'")
    say(a, "A 断线时 1")
    say(a, "A 断线时 2")
    say(b, "B 断线时")
    c = visitor_writes(appliance, website, key, "C 断线时来的")  # routed to me meanwhile
    assert routed_to(owner_client, c.conversation_id) == first_id
    r = owner_client.post(f"/api/conversations/{d.conversation_id}/transfer",
                          json={"agent_id": first_id})
    assert r.status_code == 200, r.text
    page.wait_for_timeout(500)
    assert heard(page) == {"notifications": [], "chimes": 0}
    page.evaluate("window.__cut(false)")
    page.wait_for_function("() => document.body.dataset.socket === 'open'", timeout=30_000)
    page.wait_for_function("() => window.__notifications.length > 0")
    page.wait_for_timeout(SETTLE_MS + 1000)  # nothing more comes: live frames are not said again
    assert heard(page) == {"notifications": [
        "断线期间的新动态|新对话 1 个、转接给您的对话 1 个、未读消息 2 条"], "chimes": 1}

    # The open chat shows what came and is read: no badge, and the visitor sees it read.
    page.locator('[data-test="chat-message"]', has_text="A 断线时 2").wait_for()
    assert item(page, a.conversation_id).locator('[data-test="conv-unread"]').is_hidden()
    seen = conversation(owner_client, a.conversation_id)
    assert seen["agent_read_seq"] == seen["last_seq"], seen
    # A reconnect with nothing new says nothing.
    page.evaluate("window.__cut(true)")
    page.wait_for_function("() => document.body.dataset.socket === 'closed'")
    page.evaluate("window.__cut(false)")
    page.wait_for_function("() => document.body.dataset.socket === 'open'", timeout=30_000)
    page.wait_for_timeout(1500)
    assert heard(page) == {"notifications": [], "chimes": 0}


def test_an_unfocused_window_and_a_colleagues_note_alert(appliance: Appliance, website,
                                                         new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    first_id = add_agent(owner_client, "first", [site["id"]])["id"]
    add_agent(owner_client, "lead", [site["id"]], role="supervisor")
    page = console(new_page, appliance, "first")
    key = site["widget_key"]
    a = visitor_writes(appliance, website, key, "在吗")
    b = visitor_writes(appliance, website, key, "我也想问")
    # Both mine (routed just after each send), their alerts past before the ones under test.
    assert {routed_to(owner_client, w.conversation_id) for w in (a, b)} == {first_id}
    page.wait_for_timeout(SETTLE_MS + 500)
    item(page, a.conversation_id).click()
    page.locator('[data-test="chat-message"]', has_text="在吗").wait_for()
    heard(page)
    name = f"访客 #{a.session['visitor']['id']}"

    say(a, "看得到吗")  # in front of me: nothing
    page.locator('[data-test="chat-message"]', has_text="看得到吗").wait_for()
    page.wait_for_timeout(300)
    assert heard(page) == {"notifications": [], "chimes": 0}
    page.evaluate("window.__attend(false, false)")  # visible, but I work in another application
    say(a, "还在吗")
    page.wait_for_function("() => window.__notifications.length > 0")
    assert heard(page) == {"notifications": [f"{name} 发来新消息|还在吗"], "chimes": 1}

    # The supervisor whispers in my other chat while I read this one.
    page.evaluate("window.__attend(false, true)")
    page.wait_for_timeout(1600)  # beyond the sound's pacing
    lead = appliance.login("lead", AGENT_PASSWORD_FOR_TESTS)
    r = lead.post(f"/api/conversations/{b.conversation_id}/messages", json={
        "client_id": uuid.uuid4().hex, "kind": "note", "body": "这个客户可以退款"})
    assert r.status_code == 200, r.text
    page.wait_for_function("() => window.__notifications.length > 0")
    other = f"访客 #{b.session['visitor']['id']}"
    assert heard(page) == {"notifications": [
        f"lead 在 {other} 的对话里给您留了内部备注|[内部备注] 这个客户可以退款"], "chimes": 1}
    # My own note is no news.
    page.locator('[data-test="chat-note-toggle"]').click()
    hook(page, "chat-input").fill("我自己的备注")
    hook(page, "chat-send").click()
    page.locator('[data-test="chat-message"]', has_text="我自己的备注").wait_for()
    page.wait_for_timeout(500)
    assert heard(page) == {"notifications": [], "chimes": 0}


def test_two_tabs_of_one_agent_chime_once(appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    add_agent(owner_client, "first", [site["id"]])
    tab = console(new_page, appliance, "first")
    other = console(new_page, appliance, "first", page=tab)
    for page in (tab, other):
        page.evaluate("window.__attend(true, false)")
    a = visitor_writes(appliance, website, site["widget_key"], "有人吗")
    tab.wait_for_timeout(SETTLE_MS + 1000)
    for text in ("第一条", "第二条"):
        say(a, text)
        tab.wait_for_timeout(2000)  # beyond the sound's pacing in one tab
    heard_tab, heard_other = heard(tab), heard(other)
    assert heard_tab["chimes"] + heard_other["chimes"] == 3, (heard_tab, heard_other)
    assert len(heard_tab["notifications"]) + len(heard_other["notifications"]) == 3


def test_the_open_chat_keeps_its_read_when_a_stale_snapshot_comes_late(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    add_agent(owner_client, "first", [site["id"]])
    page = console(new_page, appliance, "first")
    a = visitor_writes(appliance, website, site["widget_key"], "请回复")
    badge = item(page, a.conversation_id).locator('[data-test="conv-unread"]')
    badge.wait_for()
    stale = owner_client.get(f"/api/conversations/{a.conversation_id}").json()
    assert stale["conversation"]["unread"] == 1

    def late_snapshot(route) -> None:
        time.sleep(1.0)  # answered after the read was stored (and echoed)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(stale))

    page.route(re.compile(rf"/api/conversations/{a.conversation_id}$"), late_snapshot)
    item(page, a.conversation_id).click()
    page.locator('[data-test="chat-message"]', has_text="请回复").wait_for()
    page.wait_for_timeout(2000)
    assert badge.is_hidden()
    assert not page.title().startswith("(")
    assert conversation(owner_client, a.conversation_id)["unread"] == 0


def test_closed_chats_say_who_served_them_and_carry_no_badge(appliance: Appliance, website,
                                                            new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    add_agent(owner_client, "first", [site["id"]])
    page = console(new_page, appliance, "first")
    a = visitor_writes(appliance, website, site["widget_key"], "还没人看")
    say(a, "第二条")
    item(page, a.conversation_id).locator('[data-test="conv-unread"]', has_text="2").wait_for()
    assert owner_client.post(f"/api/conversations/{a.conversation_id}/close",
                             json={}).status_code == 200
    hook(page, "conv-tab-closed").click()
    closed = item(page, a.conversation_id)
    closed.locator('[data-test="conv-agent"]', has_text="接待人：first").wait_for()
    assert "接待中" not in closed.inner_text()
    assert closed.locator('[data-test="conv-unread"]').is_hidden()
