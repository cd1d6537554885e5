"""Who is on the site, in Chromium, on two host pages of different origins: a Baidu visitor is
listed with the keyword, navigating builds the trail, a time-on-page rule invites once per
visit, a manual invitation is accepted into a chat with the inviting agent, and a blocked
visitor sees the offline state."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance

from browser.conftest import hook, listed, open_console, wait_for
from browser.conftest import kefu as t

pytestmark = pytest.mark.browser
BAIDU = "https://www.baidu.com/s?ie=utf-8&wd=" + quote("牙齿美白多少钱")


def test_a_baidu_visitor_is_listed_with_the_keyword_and_navigating_appends_to_the_trail(
        appliance: Appliance, shops, new_page) -> None:
    owner = shops["owner"]
    page = new_page()
    page.goto(shops["a"] + "/index.html", referer=BAIDU)
    live = wait_for(lambda: listed(owner, shops["a"]))
    assert live["source"] == {"kind": "search", "name": "百度", "keyword": "牙齿美白多少钱"}
    assert live["page"]["title"] == "首页" and live["state"] == "browsing"
    assert live["device"]["browser"].startswith(("Chrome", "HeadlessChrome"))
    page.click("#next")
    wait_for(lambda: listed(owner, shops["a"])["page_count"] == 2)
    trail = owner.get(f"/api/visitors/{live['id']}").json()["visits"][0]
    assert [p["title"] for p in trail["pages"]] == ["首页", "价格表"]
    assert trail["pages"][0]["seconds"] >= 1 and trail["source"]["keyword"] == "牙齿美白多少钱"
    # The other origin is another visitor of the same site (its own storage).
    other = new_page()
    other.goto(shops["b"] + "/pricing.html")
    second = wait_for(lambda: listed(owner, shops["b"]))
    assert second["id"] != live["id"] and second["source"]["kind"] == "direct"


def test_a_time_on_page_rule_invites_once_per_visit(appliance: Appliance, shops,
                                                    new_page) -> None:
    owner = shops["owner"]
    r = owner.post(f"/api/sites/{shops['site']['id']}/invitation-rules", json={
        "name": "价格页", "message": "看价格吗？今天预约有优惠",
        "conditions": {"time_on_page_seconds": 2, "url_contains": ["pricing"]}})
    assert r.status_code == 201, r.text
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["b"] + "/pricing.html")
    invitation = hook(visitor, "kefu-invitation")
    invitation.wait_for()
    assert "今天预约有优惠" in invitation.inner_text()
    hook(visitor, "kefu-invitation-decline").click()
    invitation.wait_for(state="detached")
    visitor.reload()
    live = wait_for(lambda: listed(owner, shops["b"]))
    assert live["invitation"]["status"] == "declined"
    visitor.wait_for_timeout(4000)  # twice the rule's time on the page: it does not fire again
    assert hook(visitor, "kefu-invitation").count() == 0
    statuses = [i["status"] for i in owner.get(f"/api/visitors/{live['id']}").json()[
        "invitations"]]
    assert statuses == ["declined"]


def test_a_manual_invitation_starts_a_chat_with_the_inviting_agent(
        appliance: Appliance, shops, new_page) -> None:
    owner = shops["owner"]
    r = owner.post("/api/users", json={"login": "xiaoli", "display_name": "小李", "role": "agent",
                                       "password": AGENT_PASSWORD_FOR_TESTS,
                                       "site_ids": [shops["site"]["id"]]})
    li = r.json()["user"]
    agent = appliance.login("xiaoli", AGENT_PASSWORD_FOR_TESTS)
    open_console(new_page(), appliance.url, "xiaoli", AGENT_PASSWORD_FOR_TESTS)
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["a"] + "/index.html")
    live = wait_for(lambda: listed(owner, shops["a"]))
    r = agent.post(f"/api/visitors/{live['id']}/invite", json={"message": "您好，我是小李"})
    assert r.status_code == 201, r.text
    invitation = hook(visitor, "kefu-invitation")
    invitation.wait_for()
    assert "小李" in invitation.inner_text() and "您好，我是小李" in invitation.inner_text()
    hook(visitor, "kefu-invitation-accept").click()
    t(visitor, "kefu-input").fill("想问下价格")
    t(visitor, "kefu-send").click()

    def assigned():
        found = owner.get("/api/conversations?view=open").json()["conversations"]
        return found and found[0]["assignee_id"] is not None and found[0]

    conversation = wait_for(assigned)
    assert conversation["assignee_id"] == li["id"]
    details = owner.get(f"/api/visitors/{live['id']}").json()
    assert details["invitations"][0]["status"] == "accepted"
    assert details["invitations"][0]["conversation_id"] == conversation["id"]


def test_a_blocked_visitor_sees_the_offline_state(appliance: Appliance, shops,
                                                  new_page) -> None:
    owner = shops["owner"]
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["b"] + "/index.html")
    live = wait_for(lambda: listed(owner, shops["b"]))
    r = owner.post("/api/blocks", json={"kind": "visitor", "value": live["id"],
                                        "reason": "广告骚扰"})
    assert r.status_code == 201, r.text
    wait_for(lambda: listed(owner, shops["b"]) is None)  # off the list at once, not tracked
    visitor.reload()
    t(visitor, "kefu-launcher").click()
    blocked = t(visitor, "kefu-blocked")
    blocked.wait_for()
    assert blocked.inner_text() == "暂时无法咨询"
    assert t(visitor, "kefu-input").is_hidden()
    visitor.wait_for_timeout(1500)
    assert listed(owner, shops["b"]) is None


def test_two_tabs_share_one_presence_socket_and_both_pages_are_listed(
        appliance: Appliance, shops, new_page) -> None:
    """Web Locks elect one tab to hold the socket; the other reports through it."""
    owner = shops["owner"]
    first = new_page()
    first.goto(shops["a"] + "/index.html")
    live = wait_for(lambda: listed(owner, shops["a"]))
    second = first.context.new_page()
    second.goto(shops["a"] + "/pricing.html")
    wait_for(lambda: listed(owner, shops["a"])["page"]["title"] == "价格表")
    registry = appliance.runtime.live
    assert registry.socket_count(live["id"]) == 1  # one per browser, not per tab
    # The leading tab goes: the other takes the lock, connects, and is still listed.
    first.close()
    second.wait_for_timeout(1000)
    wait_for(lambda: registry.socket_count(live["id"]) == 1)
    assert listed(owner, shops["a"])["state"] == "browsing"
    tabs = owner.get(f"/api/visitors/{live['id']}").json()["visits"][0]["pages"]
    assert [p["title"] for p in tabs] == ["首页", "价格表"]


def test_the_standalone_chat_page_is_the_visitors_page_with_where_they_came_from(
        appliance: Appliance, shops, new_page) -> None:
    """Opened from a Baidu result (or a QR code, a WeChat menu…), the chat page on its own is
    the visitor's page: listed live with the search and its keyword, in their trail, and on
    their card with the referrer. On a site that tracks nobody before a chat, it is recorded
    as soon as the visitor's first message starts one."""
    owner, site = shops["owner"], shops["site"]
    chat = f"{appliance.url}/chat/{site['widget_key']}"
    page = new_page()
    page.goto(chat + "?utm_medium=qr", referer=BAIDU)
    live = wait_for(lambda: listed(owner, chat))
    assert live["page"]["url"] == chat + "?utm_medium=qr"
    assert live["source"] == {"kind": "search", "name": "百度", "keyword": "牙齿美白多少钱"}
    details = owner.get(f"/api/visitors/{live['id']}").json()
    assert (details["visitor"]["page_url"], details["visitor"]["referrer"]) == (
        chat + "?utm_medium=qr", BAIDU)
    assert [p["url"] for p in details["visits"][0]["pages"]] == [chat + "?utm_medium=qr"]
    page.close()

    r = owner.patch(f"/api/sites/{site['id']}", json={"track_before_chat": False})
    assert r.status_code == 200, r.text
    first = live["id"]

    def newcomer() -> dict | None:
        visitors = owner.get("/api/visitors/live").json()["visitors"]
        return next((v for v in visitors if v["id"] != first), None)

    console = new_page()
    open_console(console, appliance.url, "boss@example.com", OWNER_PASSWORD)
    page = new_page()
    page.goto(chat, referer="https://mp.weixin.qq.com/s/abc")
    page.locator('[data-test="kefu-panel"][data-transport="ws"]').wait_for()
    page.wait_for_timeout(1000)  # its page frame came and went: nobody is tracked yet
    assert newcomer() is None
    page.locator('[data-test="kefu-input"]').fill("你好，想问价格")  # no frame: the page itself
    page.locator('[data-test="kefu-send"]').click()
    live = wait_for(newcomer)
    assert live["page"]["url"] == chat
    assert live["source"] == {"kind": "social", "name": "微信文章", "keyword": ""}


def test_closing_the_tab_listed_lists_the_page_of_the_tab_still_open(
        appliance: Appliance, shops, new_page) -> None:
    """One visitor, 首页 in one tab and 价格表 in a newer one: closing the newer lists 首页 again
    (it once listed the closed tab's page for as long as the visitor stayed)."""
    owner = shops["owner"]
    first = new_page()
    first.goto(shops["a"] + "/index.html")
    live = wait_for(lambda: listed(owner, shops["a"]))
    second = first.context.new_page()
    second.goto(shops["a"] + "/pricing.html")
    wait_for(lambda: listed(owner, shops["a"])["page"]["title"] == "价格表")
    second.close()
    shown = wait_for(lambda: (v := listed(owner, shops["a"]))["page"]["title"] == "首页" and v)
    assert shown["id"] == live["id"] and shown["page"]["url"] == shops["a"] + "/index.html"
    assert shown["state"] == "browsing"
