"""The console's side of "who is on my site right now", in Chromium, with visitors on two host
pages of different origins: the live list shows a Baidu visitor's keyword within a second and
their trail grows in the details panel; a time-on-page rule made on the site page invites once a
visit; an invitation sent from the list is accepted into a chat with the inviting agent; a visitor
blocked from the list sees the offline state; a title made of markup is shown as text."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance

from browser.conftest import HOSTILE_TITLE, hook, listed, open_console, wait_for
from browser.conftest import kefu as k

pytestmark = pytest.mark.browser
BAIDU = "https://www.baidu.com/s?ie=utf-8&wd=" + quote("报价")


def open_visitors(page, appliance: Appliance, login: str, password: str):
    open_console(page, appliance.url, login, password)
    hook(page, "nav-visitors").click()
    hook(page, "visitor-list").wait_for()
    return page


def row(page, visitor_id: int):
    return page.locator(f'[data-test="visitor-row"][data-id="{visitor_id}"]')


def listed_soon(client, origin: str) -> dict:
    """The visitor as the server lists them, noticed within 50 ms of it doing so."""
    deadline = time.monotonic() + 30
    while (found := listed(client, origin)) is None:
        assert time.monotonic() < deadline, "the visitor was never listed"
        time.sleep(0.05)
    return found


def test_a_baidu_visitor_is_listed_with_the_keyword_within_a_second_and_the_trail_grows(
        appliance: Appliance, shops, new_page) -> None:
    console = open_visitors(new_page(), appliance, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["a"] + "/index.html", referer=BAIDU)
    live = listed_soon(shops["owner"], shops["a"])
    # Deltas leave the server at most every half second: the row is there within a second.
    row(console, live["id"]).locator('[data-test="visitor-keyword"]').filter(
        has_text="报价").wait_for(timeout=1000)
    line = row(console, live["id"])
    assert line.locator('[data-test="visitor-title"]').inner_text() == "首页"
    assert line.get_attribute("data-state") == "browsing"
    assert "百度" in line.inner_text()
    assert hook(console, "visitor-count").first.inner_text().endswith("· 1")
    line.click()
    details = hook(console, "visitor-details")
    details.locator('[data-test="trail-page"]').first.wait_for()
    assert hook(console, "visit-keyword").inner_text() == "报价"
    visitor.click("#next")
    pages = details.locator('[data-test="trail-page"]')
    pages.nth(1).wait_for()
    assert [pages.nth(i).locator(".trail-title").inner_text() for i in range(2)] == [
        "首页", "价格表"]
    # The first page now has its time on it; the second is the one being viewed.
    assert pages.nth(1).locator('[data-test="trail-seconds"]').inner_text() == "正在浏览"
    wait_for(lambda: row(console, live["id"]).locator(
        '[data-test="visitor-pages"]').inner_text() == "2")
    # Filters: a page text that matches nobody empties the list, the source filter keeps them.
    hook(console, "visitor-filter-text").fill("不存在的页面")
    row(console, live["id"]).wait_for(state="detached")
    hook(console, "visitor-filter-text").fill("价格")
    hook(console, "visitor-filter-source").select_option("search")
    row(console, live["id"]).wait_for()
    hook(console, "visitor-filter-source").select_option("direct")
    row(console, live["id"]).wait_for(state="detached")
    # The site filter offers every site with its count (it once held none).
    hook(console, "visitor-filter-source").select_option("")
    hook(console, "visitor-filter-text").fill("")
    sites = hook(console, "visitor-filter-site")
    assert sites.locator("option").all_inner_texts() == ["全部站点", "官网 (1)"]
    sites.select_option(str(shops["site"]["id"]))
    row(console, live["id"]).wait_for()


def test_time_on_site_sorts_the_way_its_arrow_points(appliance: Appliance, shops,
                                                      new_page) -> None:
    """▼ (the default): the longest on the site first; a click turns it to ▲, the shortest
    first (the arrow once said ascending while the longest came first)."""
    console = open_visitors(new_page(), appliance, "boss@example.com", OWNER_PASSWORD)
    earlier = new_page()
    earlier.goto(shops["a"] + "/index.html")
    first = listed_soon(shops["owner"], shops["a"])
    time.sleep(1.5)
    later = new_page()
    later.goto(shops["b"] + "/index.html")
    second = listed_soon(shops["owner"], shops["b"])
    row(console, second["id"]).wait_for()
    header = hook(console, "visitor-sort-time")
    order = lambda: [int(i) for i in console.locator(  # noqa: E731
        '[data-test="visitor-row"]:not([hidden])').evaluate_all(
        "rows => rows.sort((a, b) => a.getBoundingClientRect().top"
        " - b.getBoundingClientRect().top).map((r) => r.dataset.id)")]
    cell = header.locator("xpath=..")
    assert cell.get_attribute("aria-sort") == "descending"
    assert order() == [first["id"], second["id"]]
    header.click()
    assert cell.get_attribute("aria-sort") == "ascending"
    wait_for(lambda: order() == [second["id"], first["id"]])


IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
WECHAT_ARTICLE = "https://mp.weixin.qq.com/s/AbCdEf123"


def test_the_device_column_tells_a_phone_from_a_desktop_and_a_wechat_article_is_named(
        appliance: Appliance, shops, new_page) -> None:
    console = open_visitors(new_page(), appliance, "boss@example.com", OWNER_PASSWORD)
    phone = new_page(viewport={"width": 390, "height": 844}, user_agent=IPHONE)
    phone.goto(shops["a"] + "/index.html", referer=WECHAT_ARTICLE)
    on_phone = listed_soon(shops["owner"], shops["a"])
    desktop = new_page()
    desktop.goto(shops["b"] + "/index.html")
    on_desktop = listed_soon(shops["owner"], shops["b"])
    row(console, on_desktop["id"]).wait_for()
    row(console, on_phone["id"]).wait_for()
    device = lambda visitor: row(console, visitor["id"]).locator(  # noqa: E731
        '[data-test="visitor-device"]').inner_text()
    assert device(on_phone).startswith("手机 · "), device(on_phone)
    assert "iOS" in device(on_phone)
    assert device(on_desktop).startswith("电脑 · "), device(on_desktop)
    assert row(console, on_phone["id"]).locator(
        '[data-test="visitor-source"]').inner_text() == "社交媒体 · 微信文章"
    assert on_phone["device"]["kind"] == "phone" and on_phone["source"] == {
        "kind": "social", "name": "微信文章", "keyword": ""}


def seconds_on_current_page(client, visitor_id: int) -> float:
    pages = client.get(f"/api/visitors/{visitor_id}").json()["visits"][0]["pages"]
    started = datetime.fromisoformat(pages[-1]["started_at"].replace("Z", "+00:00"))
    return (datetime.now(UTC) - started).total_seconds()


def test_a_time_on_page_rule_made_on_the_site_page_invites_once_a_visit(
        appliance: Appliance, shops, new_page) -> None:
    owner = shops["owner"]
    console = new_page()
    open_console(console, appliance.url, "boss@example.com", OWNER_PASSWORD)
    console.goto(f"{appliance.url}/app/#/sites/{shops['site']['id']}")
    hook(console, "rule-new").click()
    hook(console, "rule-name").fill("看价格")
    hook(console, "rule-message").fill("看价格吗？今天预约有优惠")
    hook(console, "rule-time-on-page-seconds").fill("2")
    hook(console, "rule-url-contains").fill("pricing")
    hook(console, "confirm-ok").click()
    hook(console, "rule-row").wait_for()
    assert "2" in hook(console, "rule-summary").inner_text()
    rules = owner.get(f"/api/sites/{shops['site']['id']}/invitation-rules").json()["rules"]
    assert [(r["conditions"], r["per_visit_cap"], r["enabled"]) for r in rules] == [
        ({"time_on_page_seconds": 2, "url_contains": ["pricing"]}, 1, True)]
    hook(console, "nav-visitors").click()
    visitor = new_page()
    visitor.goto(shops["b"] + "/pricing.html")
    invitation = hook(visitor, "kefu-invitation")
    invitation.wait_for()
    assert "今天预约有优惠" in invitation.inner_text()
    live = listed(owner, shops["b"])
    row(console, live["id"]).and_(console.locator('[data-state="invited"]')).wait_for()
    hook(visitor, "kefu-invitation-decline").click()
    invitation.wait_for(state="detached")
    visitor.reload()
    # Twice the rule's time on the page, as the server counts it: it does not fire again.
    wait_for(lambda: seconds_on_current_page(owner, live["id"]) >= 4)
    row(console, live["id"]).click()
    hook(console, "visitor-invitation").first.wait_for()
    assert hook(visitor, "kefu-invitation").count() == 0
    statuses = hook(console, "visitor-invitation").evaluate_all(
        "items => items.map(item => item.dataset.status)")
    assert statuses == ["declined"]


def test_an_invitation_sent_from_the_console_is_accepted_into_a_chat_with_that_agent(
        appliance: Appliance, shops, new_page) -> None:
    owner_client = shops["owner"]
    site_id = shops["site"]["id"]
    boss = new_page()
    open_console(boss, appliance.url, "boss@example.com", OWNER_PASSWORD)
    boss.goto(f"{appliance.url}/app/#/sites/{site_id}")
    hook(boss, "site-invitation-templates").fill("您好，我是小李，需要报价吗？\n\n欢迎咨询")
    hook(boss, "site-save").click()
    wait_for(lambda: owner_client.get(f"/api/sites/{site_id}").json()["site"][
        "invitation_templates"] == ["您好，我是小李，需要报价吗？", "欢迎咨询"])
    r = owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site_id]})
    li = r.json()["user"]
    agent = open_visitors(new_page(), appliance, "xiaoli", AGENT_PASSWORD_FOR_TESTS)
    visitor = new_page()
    visitor.goto(shops["a"] + "/index.html")
    live = listed_soon(owner_client, shops["a"])
    row(agent, live["id"]).click()
    hook(agent, "visitor-invite").click()
    assert hook(agent, "invite-message").input_value() == "您好，我是小李，需要报价吗？"
    hook(agent, "invite-template").select_option(label="欢迎咨询")
    assert hook(agent, "invite-message").input_value() == "欢迎咨询"
    hook(agent, "confirm-ok").click()
    shown = agent.locator('[data-test="visitor-invitation-status"][data-status="shown"]')
    shown.wait_for()
    invitation = hook(visitor, "kefu-invitation")
    invitation.wait_for()
    assert "欢迎咨询" in invitation.inner_text()
    # Taken back: the visitor's page hides it, and the agent may invite again.
    hook(agent, "visitor-withdraw").click()
    agent.locator('[data-test="visitor-invitation-status"][data-status="withdrawn"]').wait_for()
    invitation.wait_for(state="detached")
    hook(agent, "visitor-invite").click()
    hook(agent, "invite-message").fill("您好，我是小李")
    hook(agent, "confirm-ok").click()
    shown.wait_for()
    invitation.wait_for()
    assert "您好，我是小李" in invitation.inner_text()
    hook(visitor, "kefu-invitation-accept").click()
    agent.locator('[data-test="toast"]').filter(has_text="接受了您的邀请").wait_for()
    k(visitor, "kefu-input").fill("想问下价格")
    k(visitor, "kefu-send").click()
    row(agent, live["id"]).and_(agent.locator('[data-state="chatting"]')).wait_for()
    conversations = owner_client.get("/api/conversations?view=open").json()["conversations"]
    assert conversations[0]["assignee_id"] == li["id"]
    # The chat reached the inviting agent's console, as any chat does, with the trail beside it.
    hook(agent, "visitor-open-chat").click()
    agent.wait_for_url(f"**/app/#/console/{conversations[0]['id']}")
    hook(agent, "chat-message").filter(has_text="想问下价格").first.wait_for()
    hook(agent, "visitor-sidebar").locator('[data-test="trail-page"]').first.wait_for()
    accepted = hook(agent, "visitor-sidebar").locator(
        '[data-test="visitor-invitation"][data-status="accepted"]')
    accepted.wait_for()


def test_a_visitor_blocked_from_the_console_sees_the_offline_state(
        appliance: Appliance, shops, new_page) -> None:
    console = open_visitors(new_page(), appliance, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["b"] + "/index.html")
    live = listed_soon(shops["owner"], shops["b"])
    row(console, live["id"]).click()
    hook(console, "visitor-block").click()
    hook(console, "block-reason").fill("广告骚扰")
    hook(console, "confirm-ok").click()
    hook(console, "visitor-blocked").wait_for()
    row(console, live["id"]).wait_for(state="detached")  # off the list at once
    visitor.reload()
    k(visitor, "kefu-launcher").click()
    blocked = k(visitor, "kefu-blocked")
    blocked.wait_for()
    assert blocked.inner_text() == "暂时无法咨询"
    # The blocks page lists it; an address range is added there, a too-wide one is refused
    # with the field's own wording; lifting the visitor's block lets them chat again.
    hook(console, "nav-blocks").click()
    entry = console.locator(f'[data-test="block-row"][data-value="{live["id"]}"]')
    assert "广告骚扰" in entry.inner_text()
    hook(console, "block-kind").select_option("range")
    hook(console, "block-value").fill("10.0.0.0/4")
    hook(console, "block-add").click()
    error = hook(console, "block-form").locator('[data-test="error"]')
    error.wait_for()
    assert "/8" in error.inner_text() and error.inner_text() != "Please check what you entered."
    hook(console, "block-value").fill("203.0.113.0/24")
    hook(console, "block-reason").fill("机房")
    hook(console, "block-add").click()
    console.locator('[data-test="block-row"][data-value="203.0.113.0/24"]').wait_for()
    entry.locator('[data-test="block-remove"]').click()
    hook(console, "confirm-ok").click()
    entry.wait_for(state="detached")
    # Lifted: with someone back on the live list (part of the workbench) they can chat again.
    hook(console, "nav-visitors").click()
    hook(console, "visitor-list").wait_for()
    visitor.reload()
    row(console, live["id"]).wait_for()  # tracked again
    k(visitor, "kefu-blocked").wait_for(state="detached")  # the panel stayed open over the reload
    k(visitor, "kefu-input").wait_for()
    assert k(visitor, "kefu-blocked").count() == 0


def test_a_title_made_of_markup_is_shown_as_text(appliance: Appliance, shops,
                                                 new_page) -> None:
    console = open_visitors(new_page(), appliance, "boss@example.com", OWNER_PASSWORD)
    visitor = new_page()
    visitor.goto(shops["b"] + "/hostile.html", referer=BAIDU + quote("<b>x</b>"))
    live = listed_soon(shops["owner"], shops["b"])
    assert live["page"]["title"] == HOSTILE_TITLE
    title = row(console, live["id"]).locator('[data-test="visitor-title"]')
    title.wait_for()
    assert title.inner_text() == HOSTILE_TITLE
    assert live["source"]["keyword"] == "报价<b>x</b>"
    keyword = row(console, live["id"]).locator('[data-test="visitor-keyword"]')
    assert keyword.inner_text() == "报价<b>x</b>"
    assert keyword.locator("b").count() == 0
    row(console, live["id"]).click()
    trail = hook(console, "visitor-details").locator(".trail-title").first
    trail.wait_for()
    assert trail.inner_text() == HOSTILE_TITLE
    assert hook(console, "visit-keyword").inner_text() == "报价<b>x</b>"
    assert console.locator("#main img").count() == 0
    assert console.evaluate("window.kefuPwned") is None


PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_on_a_phone_the_list_is_cards_without_sideways_scrolling_and_invites_from_a_card(
        appliance: Appliance, shops, new_page) -> None:
    console = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    open_console(console, appliance.url, "boss@example.com", OWNER_PASSWORD)
    console.goto(f"{appliance.url}/app/#/visitors")  # the menu is folded away on a phone
    hook(console, "visitor-list").wait_for()
    visitor = new_page()
    visitor.goto(shops["a"] + "/index.html", referer=BAIDU)
    live = listed_soon(shops["owner"], shops["a"])
    card = row(console, live["id"])
    card.locator('[data-test="visitor-keyword"]').filter(has_text="报价").wait_for()
    assert console.evaluate(NO_SIDEWAYS), console.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    # One card: who, the state and the invite button on top, then the page, the source and
    # keyword, the site, place and time on site — all inside the screen's width.
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    text = card.inner_text()
    for part in (f"访客 #{live['id']}", "首页", "百度", "报价", "浏览中", shops["site"]["name"]):
        assert part in text, (part, text)
    invite = card.locator('[data-test="visitor-card-invite"]')
    for part in ("visitor-title", "visitor-keyword", "visitor-state", "visitor-time"):
        piece = card.locator(f'[data-test="{part}"]').bounding_box()
        assert piece is not None and piece["x"] + piece["width"] <= box["x"] + box["width"] + 1
    wait_for(lambda: card.locator('[data-test="visitor-time"]').inner_text() != "")
    assert invite.inner_text() == "邀请对话"
    invite_box = invite.bounding_box()
    assert invite_box is not None and invite_box["x"] + invite_box["width"] <= PHONE["width"]
    invite.tap()
    assert console.url.endswith("#/visitors")  # the button invites; it does not open details
    hook(console, "invite-message").fill("您好，需要报价吗？")
    hook(console, "confirm-ok").tap()
    card.and_(console.locator('[data-state="invited"]')).wait_for()
    assert not invite.is_visible()  # invited: no second invitation from the card
    shown = hook(visitor, "kefu-invitation")
    shown.wait_for()
    assert "您好，需要报价吗？" in shown.inner_text()
    assert console.evaluate(NO_SIDEWAYS)
    # In English, the same card in the owner's language, still within the screen.
    hook(console, "lang-switch").tap()
    card = row(console, live["id"])
    card.locator('[data-test="visitor-state"]').filter(has_text="Invited").wait_for()
    assert f"Visitor #{live['id']}" in card.inner_text()
    assert console.evaluate(NO_SIDEWAYS)
    # Tapping a card opens the visitor's details in place of the list.
    card.tap()
    hook(console, "visitor-details").locator('[data-test="trail-page"]').first.wait_for()
    assert console.evaluate(NO_SIDEWAYS)
