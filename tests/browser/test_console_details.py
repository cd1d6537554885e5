"""The console's small truths, in Chromium: labels, note mode, emoji, phone-sized inputs, dark
mode, and refusals worded in the owner's language."""

from __future__ import annotations

import uuid

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance
from test_conversations import Widget

from browser.conftest import hook, open_console, screenshot

pytestmark = pytest.mark.browser

OWNER = "boss@example.com"
PHONE = {"width": 390, "height": 844}
# Every text field of the page, with its computed font size in px.
FIELD_SIZES = """() => [...document.querySelectorAll('input, textarea, select')]
  .filter((e) => e.type !== 'hidden' && e.type !== 'file')
  .map((e) => [e.dataset.test || e.name || e.className || e.tagName,
               parseFloat(getComputedStyle(e).fontSize)])"""


def chat_with(appliance: Appliance, site_key: str, text: str) -> Widget:
    widget = Widget(appliance, site_key)
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": uuid.uuid4().hex, "body": text})
    assert r.status_code == 200, r.text
    widget.conversation_id = r.json()["conversation_id"]
    return widget


def open_chat(page, appliance: Appliance, conversation_id: int) -> None:
    page.goto(f"{appliance.url}/app/#/console/{conversation_id}")
    hook(page, "chat-input").wait_for()


def test_kefus_own_attributes_are_labelled_in_words(appliance: Appliance, owner,
                                                     new_page) -> None:
    _, setup = owner
    widget = Widget(appliance, setup["site"]["widget_key"])
    r = widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
        "name": "周先生", "contact": {"wechat": "zhou_2024"}, "message": "回头加我微信聊"})
    assert r.status_code in (200, 201), r.text
    conversation = r.json()["conversation"]["id"]
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    open_chat(page, appliance, conversation)
    attributes = hook(page, "visitor-attributes")
    attributes.locator("dt", has_text="微信").wait_for()
    assert "wechat" not in attributes.inner_text()
    assert attributes.locator("dd").inner_text() == "zhou_2024"


def test_a_note_is_one_off_and_emoji_go_in_at_the_caret(appliance: Appliance, owner,
                                                         new_page) -> None:
    _, setup = owner
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    widget = chat_with(appliance, setup["site"]["widget_key"], "你好")
    open_chat(page, appliance, widget.conversation_id)
    toggle = hook(page, "chat-note-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    hook(page, "chat-input").fill("客户很着急")
    hook(page, "chat-send").click()
    page.locator('[data-test="chat-message"][data-kind="note"]', has_text="客户很着急").wait_for()
    assert toggle.get_attribute("aria-pressed") == "false"  # the next message is a reply again

    box = hook(page, "chat-input")
    box.fill("谢谢您的耐心")
    box.evaluate("(e) => e.setSelectionRange(2, 2)")
    hook(page, "emoji-toggle").click()
    hook(page, "emoji-picker").wait_for()
    page.locator('[data-test="emoji-choice"][data-emoji="🙏"]').click()
    hook(page, "emoji-picker").wait_for(state="hidden")
    assert box.input_value() == "谢谢🙏您的耐心"
    hook(page, "chat-send").click()
    # Acknowledged (stored), not only shown as sending: then the visitor's side can read it.
    sent = page.locator('[data-test="chat-message"][data-kind="text"]'
                        ':is([data-state="sent"], [data-state="read"])', has_text="谢谢🙏您的耐心")
    sent.wait_for()
    poll = widget.http.post("/api/widget/poll", headers=widget.headers, json={
        "cursors": {str(widget.conversation_id): 0}, "timeout": 1})
    bodies = [e.get("body") for e in poll.json()["events"] if e["type"] == "message"]
    assert "谢谢🙏您的耐心" in bodies and "客户很着急" not in bodies


def test_no_console_input_is_under_16px_on_a_phone(appliance: Appliance, owner,
                                                   new_page) -> None:
    owner_client, setup = owner
    owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [setup["site"]["id"]]})
    widget = chat_with(appliance, setup["site"]["widget_key"], "手机上看看")
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    sizes = page.evaluate(FIELD_SIZES)
    assert {name for name, _ in sizes} >= {"search-input", "agent-status"}
    open_chat(page, appliance, widget.conversation_id)
    hook(page, "chat-transfer").click()
    hook(page, "transfer-agent").wait_for()
    sizes = page.evaluate(FIELD_SIZES)
    names = {name for name, _ in sizes}
    assert names >= {"search-input", "agent-status", "chat-input", "transfer-agent",
                     "transfer-note"}, names
    small = [(name, size) for name, size in sizes if size < 16]
    assert small == []
    screenshot(page, "phone-console-transfer")


def test_the_console_follows_the_systems_dark_mode(appliance: Appliance, owner,
                                                   new_page) -> None:
    owner_client, setup = owner
    site = setup["site"]
    owner_client.patch(f"/api/sites/{site['id']}", json={"display_name": "悦齿口腔",
                                                         "theme_color": "#0b7a5c"})
    widget = chat_with(appliance, site["widget_key"], "晚上好，还营业吗？")
    page = new_page(color_scheme="dark")
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    open_chat(page, appliance, widget.conversation_id)
    hook(page, "chat-note-toggle").click()
    hook(page, "chat-input").fill("夜班同事请跟进")
    hook(page, "chat-send").click()
    hook(page, "chat-input").fill("营业到晚上九点，您请说。")
    hook(page, "chat-send").click()
    reply = page.locator('[data-test="chat-message"][data-kind="text"]', has_text="营业到晚上九点")
    reply.wait_for()

    def luminance(selector: str, prop: str) -> float:
        rgb = page.locator(selector).first.evaluate(
            f"(e) => getComputedStyle(e).{prop}.match(/\\d+/g).slice(0, 3).map(Number)")
        return sum(c * w for c, w in zip(rgb, (0.2126, 0.7152, 0.0722), strict=True)) / 255

    assert luminance("body", "backgroundColor") < 0.1
    assert luminance("body", "color") > 0.8
    assert luminance(".console-chat", "backgroundColor") < 0.15
    assert luminance(".composer-input", "backgroundColor") < 0.15
    assert luminance('[data-test="chat-message"][data-kind="note"] .msg-bubble',
                     "backgroundColor") < 0.25
    screenshot(page, "console-dark")

    light = new_page()
    open_console(light, appliance.url, OWNER, OWNER_PASSWORD)
    assert light.locator("body").evaluate("(e) => getComputedStyle(e).backgroundColor") == (
        "rgb(245, 246, 248)")


def test_refusals_reach_a_chinese_owner_in_chinese(appliance: Appliance, owner,
                                                   new_page) -> None:
    owner_client, _ = owner
    r = owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": []})
    assert r.status_code == 201
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/#/users/new")
    hook(page, "user-login").fill("XiaoLi")  # taken: logins are case-insensitive
    hook(page, "user-display-name").fill("另一个小李")
    hook(page, "user-password").fill("another-password-1")
    hook(page, "user-save").click()
    error = page.locator('[data-test="error"]:visible')
    error.wait_for()
    assert error.inner_text() == "该登录名已被占用。"

    page.goto(f"{appliance.url}/app/#/account")
    hook(page, "current-password").fill("not-my-password")
    hook(page, "new-password").fill("a-new-password-1")
    hook(page, "new-password2").fill("a-new-password-1")
    hook(page, "password-save").click()
    wrong = page.locator('[data-test="account-password"] [data-test="error"]')
    wrong.wait_for()
    assert wrong.inner_text() == "当前密码不正确。"

    hook(page, "lang-switch").click()
    page.goto(f"{appliance.url}/app/#/users/new")
    hook(page, "user-login").fill("xiaoli")
    hook(page, "user-display-name").fill("Li again")
    hook(page, "user-password").fill("another-password-1")
    hook(page, "user-save").click()
    taken = page.locator('[data-test="error"]:visible',
                         has_text="That login name is already taken.")
    taken.wait_for()


def test_an_erased_chat_leaves_the_open_console(appliance: Appliance, owner, new_page) -> None:
    """A console showing a chat when its person is erased drops their words and name without
    a reload: the transcript, the list's preview and the visitor's details."""
    owner_client, setup = owner
    key = setup["site"]["widget_key"]
    widget = Widget(appliance, key)
    r = widget.http.post("/api/widget/session", headers={"Origin": widget.origin}, json={
        "site_key": key, "visitor_token": widget.token,
        "identify": {"name": "隐私人", "phone": "13855558888"}})
    assert r.status_code == 200, r.text
    r = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": uuid.uuid4().hex, "body": "我的身份证号是PRIVWORD"})
    assert r.status_code == 200, r.text
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    open_chat(page, appliance, r.json()["conversation_id"])
    hook(page, "chat-message").filter(has_text="PRIVWORD").wait_for()
    page.wait_for_function("() => document.body.innerText.includes('13855558888')")
    customers = owner_client.get(f"/api/companies/{setup['company']['id']}/customers").json()
    [customer] = customers["customers"]
    r = owner_client.post(f"/api/customers/{customer['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text
    hook(page, "chat-message").filter(has_text="[erased]").wait_for()
    page.wait_for_function("""() => !['PRIVWORD', '隐私人', '13855558888'].some(
        (word) => document.body.innerText.includes(word))""")
