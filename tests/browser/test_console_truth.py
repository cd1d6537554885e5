"""The console tells the truth, in Chromium: the visitor's page, sound, alerts, availability,
re-offers, transfers and whose site a chat belongs to."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance
from test_conversations import Widget
from test_reoffer import make_overdue
from waiting import routing_done, wait_until

from browser.conftest import hook, kefu, open_console, screenshot, widget

pytestmark = pytest.mark.browser

OWNER = "boss@example.com"
SETTLE_MS = 2500  # webui/js/console/alert-rules.js
# A stand-in for the browser's Notification API that records what the console shows.
RECORD_NOTIFICATIONS = """
(() => {
  const shown = [];
  class RecordedNotification extends EventTarget {
    constructor(title, options = {}) { super(); shown.push({ title, body: options.body || '' }); }
    close() {}
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
  }
  Object.defineProperty(window, 'Notification', { value: RecordedNotification,
                                                  configurable: true });
  window.__notifications = shown;
})();
"""


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def page_html(title: str, snippet: str, links: str = "") -> str:
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{links}{snippet}</body></html>")


@pytest.fixture
def website(tmp_path: Path, owner) -> Iterator[dict]:
    """A customer's website on its own origin; `pages` writes pages with the site's snippet."""
    owner_client, setup = owner
    folder = tmp_path / "www"
    folder.mkdir()
    server, origin = serve_folder(folder)

    def allow(site_id: int) -> dict:
        r = owner_client.patch(f"/api/sites/{site_id}", json={"allowed_origins": [origin]})
        assert r.status_code == 200, r.text
        return r.json()["site"]

    site = allow(setup["site"]["id"])
    yield {"origin": origin, "folder": folder, "site": site, "allow": allow, "owner": owner_client,
           "me": setup["user"]}
    server.shutdown()
    server.server_close()


def add_agent(owner_client, login: str, site_ids: list[int], role: str = "agent") -> dict:
    r = owner_client.post("/api/users", json={
        "login": login, "display_name": login, "role": role, "password": AGENT_PASSWORD_FOR_TESTS,
        "site_ids": site_ids})
    assert r.status_code == 201, r.text
    return r.json()["user"]


def console(new_page, appliance: Appliance, login: str, password: str = AGENT_PASSWORD_FOR_TESTS,
            **options):
    page = new_page(**options)
    page.context.add_init_script(RECORD_NOTIFICATIONS)
    open_console(page, appliance.url, login, password)
    return page


def wait_for_status(page, status: str) -> None:
    """The status the server confirmed, as the console's status picker shows it."""
    page.locator(f'.status-picker[data-status="{status}"]').wait_for()


def notifications(page) -> list[str]:
    return [n["title"] for n in page.evaluate("window.__notifications")]


def visitor_writes(appliance: Appliance, website: dict, site_key: str, text: str) -> Widget:
    widget = Widget(appliance, site_key, origin=website["origin"])
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": uuid.uuid4().hex, "body": text})
    assert r.status_code == 200, r.text
    widget.conversation_id = r.json()["conversation_id"]
    return widget


def assignee(owner_client, conversation_id: int) -> int | None:
    r = owner_client.get(f"/api/conversations/{conversation_id}")
    return r.json()["conversation"]["assignee_id"]


def routed_to(owner_client, conversation_id: int, timeout: float = 10.0) -> int:
    """The agent a new chat went to. Routing runs just after the visitor's send is answered
    (services/participants.route_soon), so the test waits for it rather than racing it."""
    return wait_until(lambda: assignee(owner_client, conversation_id), timeout,
                      f"conversation {conversation_id} routed")


def test_the_sidebar_follows_the_visitor_from_page_to_page(appliance: Appliance, website,
                                                         new_page) -> None:
    site = website["site"]
    folder = website["folder"]
    (folder / "index.html").write_text(page_html(
        "首页", site["snippet"], '<a id=next href="%E4%BB%B7%E6%A0%BC.html">价格</a>'), "utf-8")
    (folder / "价格.html").write_text(page_html("价格表", site["snippet"]), "utf-8")
    agent = console(new_page, appliance, OWNER, OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(website["origin"] + "/index.html")
    kefu(visitor, "kefu-launcher").click()
    kefu(visitor, "kefu-input").fill("想问一下价格")
    kefu(visitor, "kefu-send").click()

    hook(agent, "conv-tab-mine").click()
    hook(agent, "conv-item").first.click()
    current = hook(agent, "visitor-page")
    current.locator(".info-page-title", has_text="首页").wait_for()
    agent.evaluate("window.__sameConsole = true")

    visitor.evaluate("document.getElementById('next').click()")
    visitor.wait_for_url(re.compile(r"%E4%BB%B7%E6%A0%BC\.html"))
    kefu(visitor, "kefu-panel").wait_for()
    current.locator(".info-page-title", has_text="价格表").wait_for()
    # The address reads as the visitor's browser shows it, and links to the real one.
    link = current.locator("a")
    assert link.inner_text() == website["origin"] + "/价格.html"
    assert link.get_attribute("href") == website["origin"] + "/%E4%BB%B7%E6%A0%BC.html"
    referrer = hook(agent, "visitor-referrer").locator("a")
    assert referrer.inner_text() == website["origin"] + "/index.html"
    assert agent.evaluate("window.__sameConsole") is True  # no reload
    screenshot(agent, "console-visitor-followed")


def test_a_single_page_site_is_followed_and_links_go_only_to_the_sites_own_pages(
        appliance: Appliance, website, new_page) -> None:
    """History navigation (presence `page` frames) moves the sidebar's current page; a page no
    longer of the site's allowed origins is shown as text, never as a link."""
    site = website["site"]
    (website["folder"] / "app.html").write_text(page_html("单页应用", site["snippet"]), "utf-8")
    agent = console(new_page, appliance, OWNER, OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(website["origin"] + "/app.html")
    kefu(visitor, "kefu-launcher").click()
    kefu(visitor, "kefu-input").fill("单页应用里问一下")
    kefu(visitor, "kefu-send").click()
    hook(agent, "conv-tab-mine").click()
    hook(agent, "conv-item").first.click()
    current = hook(agent, "visitor-page")
    current.locator(".info-page-title", has_text="单页应用").wait_for()
    agent.evaluate("window.__sameConsole = true")

    family = "套餐 👨\u200d👩\u200d👧"  # joined by ZWJ: kept whole
    visitor.evaluate("title => { history.pushState({}, '', '/app.html#/plans');"
                     " document.title = title; }", family)
    current.locator(".info-page-title", has_text=family).wait_for(timeout=5000)
    assert current.locator("a").get_attribute("href") == website["origin"] + "/app.html#/plans"
    assert agent.evaluate("window.__sameConsole") is True
    trail = hook(agent, "visitor-sidebar").locator('[data-test="trail-page"] a')
    trail.first.wait_for()
    assert all(href.startswith(website["origin"] + "/")
               for href in trail.evaluate_all("links => links.map(a => a.href)"))

    # The site moves to another address: its recorded pages are no longer its own, so the
    # console shows them as text (the same for anything recorded before the server checked).
    r = website["owner"].patch(f"/api/sites/{site['id']}",
                               json={"allowed_origins": ["https://www.moved.example"]})
    assert r.status_code == 200, r.text
    agent.reload()
    hook(agent, "console").wait_for()
    hook(agent, "conv-tab-mine").click()
    hook(agent, "conv-item").first.click()
    current = hook(agent, "visitor-page")
    current.get_by_text(website["origin"] + "/app.html#/plans").wait_for()
    hook(agent, "visitor-sidebar").locator('[data-test="trail-page"]').first.wait_for()
    assert agent.locator('[data-test="visitor-page"] a, [data-test="trail-page"] a').count() == 0
    screenshot(agent, "console-visitor-page-not-a-link")


def signed_in_without_a_click(new_page, appliance: Appliance, login: str, password: str):
    """A console opened with a session the browser already had (a bookmark, a restart): nobody
    has clicked or typed on this site yet, so the browser keeps it silent."""
    client = appliance.login(login, password)
    page = new_page()
    page.context.add_cookies([{"name": name, "value": value, "url": appliance.url}
                              for name, value in client.cookies.items()])
    page.goto(f"{appliance.url}/app/#/console")
    hook(page, "console").wait_for()
    page.wait_for_function(
        "() => document.body.dataset.socket === 'open'")
    return page


def test_sound_is_not_claimed_before_the_browser_allows_it(appliance: Appliance, owner,
                                                           new_page) -> None:
    page = signed_in_without_a_click(new_page, appliance, OWNER, OWNER_PASSWORD)
    switch = hook(page, "mute-toggle")
    banner = hook(page, "sound-banner")
    # What the console concluded about sound first ('on' would mean the browser let it play
    # without a click, 'unsupported' that it has no audio): the failure then says which.
    state = page.wait_for_function(
        "() => document.querySelector('[data-test=mute-toggle]')?.dataset.state").json_value()
    assert state == "blocked", f"sound state {state!r}, audio context " + str(page.evaluate(
        "() => { try { const c = new AudioContext(); const s = c.state; c.close(); return s; }"
        " catch (e) { return String(e); } }"))
    banner.wait_for()
    assert switch.get_attribute("data-state") == "blocked"
    assert switch.inner_text() != "提示音：开"
    assert "点击" in banner.inner_text()
    screenshot(page, "console-sound-blocked")
    hook(page, "sound-enable").click()
    banner.wait_for(state="hidden")
    assert switch.get_attribute("data-state") == "on"
    assert switch.inner_text() == "提示音：开"
    assert page.evaluate("document.title").startswith("Kefu")
    switch.click()
    page.wait_for_function(
        "() => document.querySelector('[data-test=mute-toggle]').dataset.state === 'off'")
    assert banner.is_hidden()


def test_alerts_say_what_happened_and_reach_only_whom_they_concern(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    add_agent(owner_client, "first", [site["id"]])
    add_agent(owner_client, "second", [site["id"]])
    add_agent(owner_client, "lead", [site["id"]], role="supervisor")
    first = console(new_page, appliance, "first")
    second = console(new_page, appliance, "second")
    lead = console(new_page, appliance, "lead")
    hook(lead, "queue-watch-toggle").click()
    hook(lead, "queue-watch-toggle").and_(lead.locator('[aria-pressed="true"]')).wait_for()
    lead.goto(f"{appliance.url}/app/#/console")  # away from the board, still at the workbench
    owner = console(new_page, appliance, OWNER, OWNER_PASSWORD)
    owner.goto(f"{appliance.url}/app/#/sites")  # a supervisor too, but not watching
    hook(owner, "site-row").first.wait_for()

    widget = visitor_writes(appliance, website, site["widget_key"], "在吗？想预约")
    conversation = widget.conversation_id
    first.wait_for_function(
        "() => window.__notifications.length > 0")
    first.wait_for_timeout(SETTLE_MS + 1000)
    first_id, second_id = (user_id(owner_client, login) for login in ("first", "second"))
    routed_to = assignee(owner_client, conversation)
    assert routed_to in (first_id, second_id)
    me, other = (first, second) if routed_to == first_id else (second, first)
    assert notifications(me) == [f"新对话：访客 #{widget.session['visitor']['id']}"]
    assert notifications(other) == [], "a chat routed to a colleague is none of my business"
    assert notifications(owner) == []
    assert notifications(lead) == [f"新访客：访客 #{widget.session['visitor']['id']}"]

    # The agent hands it on with the picker: now it is "transferred to you" for the colleague.
    me.goto(f"{appliance.url}/app/#/console/{conversation}")
    hook(me, "chat-transfer").click()
    hook(me, "transfer-agent").select_option(str(second_id if me is first else first_id))
    me.locator('[data-test="confirm-ok"]').click()
    other.wait_for_function(
        "() => window.__notifications.length > 0")
    assert notifications(other) == [f"访客 #{widget.session['visitor']['id']} 的对话已转接给您"]
    me.wait_for_timeout(1000)
    assert len(notifications(me)) == 1
    assert len(notifications(lead)) == 1


def user_id(owner_client, login: str) -> int:
    users = owner_client.get("/api/users").json()["users"]
    return next(u["id"] for u in users if u["login"] == login)


def test_an_owner_configuring_sites_takes_no_chats_until_at_the_workbench(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site, me = website["owner"], website["site"], website["me"]
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/#/sites")
    hook(page, "site-row").first.wait_for()
    page.wait_for_timeout(300)
    board = owner_client.get("/api/agents/status", params={"site_id": site["id"]}).json()
    assert next(a["status"] for a in board["agents"] if a["id"] == me["id"]) == "offline"
    widget = Widget(appliance, site["widget_key"], origin=website["origin"])
    assert widget.session["availability"]["agents_online"] is False
    first = visitor_writes(appliance, website, site["widget_key"], "有人吗")
    routing_done()  # routed just after the send's answer: the check below is not too early
    assert assignee(owner_client, first.conversation_id) is None

    hook(page, "nav-console").click()
    hook(page, "console").wait_for()
    wait_for_status(page, "online")
    widget = Widget(appliance, site["widget_key"], origin=website["origin"])
    assert widget.session["availability"]["agents_online"] is True
    second = visitor_writes(appliance, website, site["widget_key"], "现在有人吗")
    hook(page, "conv-tab-mine").click()
    page.locator('[data-test="conv-item"]', has_text="现在有人吗").wait_for()
    assert assignee(owner_client, second.conversation_id) == me["id"]


def test_an_unanswered_chat_moves_once_and_the_visitor_hears_only_of_that_move(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    owner_client.patch(f"/api/sites/{site['id']}", json={"unanswered_seconds": 10})
    first_id = add_agent(owner_client, "first", [site["id"]])["id"]
    second_id = add_agent(owner_client, "second", [site["id"]])["id"]
    first = console(new_page, appliance, "first")
    second = console(new_page, appliance, "second")
    (website["folder"] / "index.html").write_text(page_html("首页", site["snippet"]), "utf-8")
    visitor = new_page()
    visitor.goto(website["origin"] + "/index.html")
    kefu(visitor, "kefu-launcher").click()
    kefu(visitor, "kefu-input").fill("有人吗")
    kefu(visitor, "kefu-send").click()
    system = widget(visitor).locator('[data-test="kefu-message"][data-sender="system"]')
    system.first.wait_for()
    conversation = owner_client.get("/api/conversations?view=open").json()["conversations"][0]
    assert conversation["assignee_id"] == first_id

    make_overdue(appliance, conversation["id"])
    second.wait_for_function(
        "() => window.__notifications.some((n) => n.title.includes('转接给您'))", timeout=15_000)
    assert assignee(owner_client, conversation["id"]) == second_id
    hook(second, "conv-tab-mine").click()
    item = second.locator(f'[data-test="conv-item"][data-id="{conversation["id"]}"]')
    item.locator('[data-test="conv-unanswered"]').wait_for()
    assert system.count() == 2  # joined, then the one transfer
    assert not any("转接给您" in n for n in notifications(first))

    # The new agent is slow too: it is not bounced back, and the visitor hears nothing more.
    make_overdue(appliance, conversation["id"])
    first.wait_for_timeout(12_000)
    assert assignee(owner_client, conversation["id"]) == second_id
    assert system.count() == 2


def test_the_transfer_picker_shows_status_and_load_and_never_defaults_to_someone_away(
        appliance: Appliance, website, new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    first_id = add_agent(owner_client, "first", [site["id"]])["id"]
    busy_id = add_agent(owner_client, "busy", [site["id"]])["id"]
    away_id = add_agent(owner_client, "away", [site["id"]])["id"]
    first = console(new_page, appliance, "first")
    busy = console(new_page, appliance, "busy")
    hook(busy, "agent-status").select_option("busy")
    wait_for_status(busy, "busy")
    widget = visitor_writes(appliance, website, site["widget_key"], "转接测试")
    assert routed_to(owner_client, widget.conversation_id) == first_id  # theirs to hand on
    first.goto(f"{appliance.url}/app/#/console/{widget.conversation_id}")
    hook(first, "chat-transfer").click()
    picker = hook(first, "transfer-agent")
    picker.wait_for()
    assert picker.input_value() == ""  # nobody can take it now: the agent must choose
    labels = {o.get_attribute("value"): o.inner_text() for o in picker.locator("option").all()}
    assert labels[str(busy_id)] == "busy · 忙碌 · 接待 0 / 5"
    assert labels[str(away_id)] == "away · 离线 · 接待 0 / 5"
    assert labels[str(website["me"]["id"])] == "王老板 · 离线 · 接待 0 / 5"
    assert len(labels) == 4  # the placeholder and the three who serve the site; not "first" itself
    # someone offline is listed but cannot be chosen (the server refuses: nobody would answer)
    assert picker.locator(f'option[value="{away_id}"]').is_disabled()
    assert not picker.locator(f'option[value="{busy_id}"]').is_disabled()
    screenshot(first, "console-transfer-picker")
    hook(first, "confirm-ok").click()
    first.locator('[data-test="dialog"] [data-test="error"]').wait_for()
    hook(first, "confirm-cancel").click()

    hook(busy, "agent-status").select_option("online")
    wait_for_status(busy, "online")
    hook(first, "chat-transfer").click()
    picker.wait_for()
    assert picker.input_value() == str(busy_id)
    first_option = picker.locator("option").first
    assert first_option.get_attribute("value") == str(busy_id)
    assert first_option.get_attribute("data-status") == "online"


def test_each_chat_shows_its_sites_business_card(appliance: Appliance, website,
                                                 new_page) -> None:
    owner_client, site = website["owner"], website["site"]
    folder = website["folder"]
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<circle cx="5" cy="5" r="5" fill="#0a7"/></svg>', "utf-8")
    owner_client.patch(f"/api/sites/{site['id']}", json={
        "display_name": "悦齿口腔", "theme_color": "#0b7a5c",
        "logo_url": website["origin"] + "/logo.svg"})
    other = owner_client.post("/api/sites", json={
        "name": "美容院官网", "url": "https://beauty.example.com", "display_name": "花漾美容",
        "theme_color": "#c2185b"}).json()["site"]
    other = website["allow"](other["id"])
    (folder / "teeth.html").write_text(page_html("牙科", site["snippet"]), "utf-8")
    (folder / "beauty.html").write_text(page_html("美容", other["snippet"]), "utf-8")
    agent = console(new_page, appliance, OWNER, OWNER_PASSWORD)
    for page_name, text in (("teeth.html", "洗牙多少钱"), ("beauty.html", "做脸多少钱")):
        visitor = new_page()
        visitor.goto(f"{website['origin']}/{page_name}")
        kefu(visitor, "kefu-launcher").click()
        kefu(visitor, "kefu-input").fill(text)
        kefu(visitor, "kefu-send").click()
    hook(agent, "conv-tab-mine").click()
    teeth = agent.locator('[data-test="conv-item"]', has_text="洗牙多少钱")
    beauty = agent.locator('[data-test="conv-item"]', has_text="做脸多少钱")
    teeth.locator('[data-test="site-card"]', has_text="悦齿口腔").wait_for()
    beauty.locator('[data-test="site-card"]', has_text="花漾美容").wait_for()
    beauty.click()
    header = agent.locator(".chat-head [data-test=site-card]")
    header.wait_for()
    assert header.locator(".site-card-name").inner_text() == "花漾美容"
    assert header.get_attribute("data-site-id") == str(other["id"])
    colour = header.locator(".site-mark").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(194, 24, 91)"
    teeth.click()
    agent.locator(".chat-head [data-test=site-card]", has_text="悦齿口腔").wait_for()
    logo = agent.locator(".chat-head .site-logo")
    agent.wait_for_function(
        "() => document.querySelector('.chat-head .site-logo')?.naturalWidth > 0")
    assert logo.get_attribute("src") == website["origin"] + "/logo.svg"
    sidebar = hook(agent, "visitor-sidebar")
    sidebar.locator('[data-test="site-card"]', has_text="悦齿口腔").wait_for()
    screenshot(agent, "console-two-sites")
