"""The bot's model endpoint in Chromium: the owner sets it on 知识库 → 大模型回答 (the key is
never shown again) and tests the connection; a visitor asks and gets the model's answer as
text (its markup shown, never run); the agent who takes the chat sees which entries the answer
came from, and the visitor never does."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import OWNER_PASSWORD, Appliance
from test_bot_llm import KEY, SHIPPING, FakeModel, cites, completion

from browser.conftest import kefu as t
from browser.conftest import log_in, open_console, screenshot, widget
from browser.test_bot_widget import ask, bot_message, open_chat, shop  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_model():
    model = FakeModel()
    yield model
    model.close()


KEY_FIELD = "document.querySelector('[data-test=\"kb-llm-api-key\"]')"


def save_endpoint(new_page, appliance: Appliance, model: FakeModel, *, enabled: bool) -> Any:
    """The owner, logged in on 知识库 → 大模型回答, saves `model`'s address with KEY: the page
    then shows only the key's last 4 characters."""
    admin = new_page()
    log_in(admin, appliance.url, "boss@example.com", OWNER_PASSWORD)
    admin.goto(f"{appliance.url}/app/#/kb/llm")
    t(admin, "kb-llm").wait_for()
    t(admin, "kb-llm-base-url").fill(model.base_url)
    t(admin, "kb-llm-model").fill("qwen2.5:7b")
    t(admin, "kb-llm-api-key").fill(KEY)
    if enabled:
        t(admin, "kb-llm-enabled").check()
    t(admin, "kb-llm-save").click()
    admin.wait_for_function(f"() => {KEY_FIELD}?.placeholder.includes('WXYZ')")
    return admin


def test_the_owner_sets_the_model_and_the_agent_sees_its_sources(
        appliance: Appliance, shop, new_page, fake_model) -> None:  # noqa: F811
    admin = save_endpoint(new_page, appliance, fake_model, enabled=True)
    key_field = t(admin, "kb-llm-api-key")
    assert key_field.input_value() == ""  # the key is never put back in the page
    assert KEY not in admin.content()
    fake_model.reply = lambda body: (200, completion("OK"), 0)
    t(admin, "kb-llm-test").click()
    result = t(admin, "kb-llm-test-result")
    result.wait_for()
    assert result.get_attribute("data-ok") == "true" and "连接成功" in result.inner_text()
    screenshot(admin, "kb-llm-settings")

    agent = new_page()
    open_console(agent, appliance.url, "boss@example.com", OWNER_PASSWORD)
    fake_model.reply = cites(SHIPPING, "付款后<b>24小时</b>内发货，节假日顺延。")
    visitor = open_chat(new_page, shop)
    ask(visitor, "亲，付完款多久能发货呀")
    answer = bot_message(visitor, "节假日顺延")
    answer.wait_for()
    bubble = answer.locator(".bubble")
    # The model's markup is removed on the server: plain text, neither rendered nor shown.
    assert "付款后24小时内发货" in bubble.inner_text()
    assert "<b>" not in bubble.inner_text() and bubble.locator("b").count() == 0
    answer.locator('[data-test="kefu-vote-up"]').wait_for()
    assert "依据" not in widget(visitor).locator("body").inner_text()
    assert SHIPPING not in widget(visitor).locator("body").inner_text()

    t(visitor, "kefu-handover").click()
    bot_message(visitor, "正在为您转接人工客服").wait_for()
    t(agent, "conv-tab-mine").click()
    t(agent, "conv-item").first.click()
    said = agent.locator('[data-test="chat-message"][data-sender="bot"]', has_text="节假日顺延")
    said.wait_for()
    sources = said.locator('[data-test="chat-message-sources"]')
    assert sources.inner_text().startswith("大模型回答，依据：")
    assert sources.locator("li").all_inner_texts() == [SHIPPING]
    assert "付款后24小时内发货" in said.locator(".msg-text").inner_text()
    assert said.locator(".msg-text b").count() == 0
    screenshot(agent, "console-llm-sources")


def test_another_address_without_a_key_says_the_saved_key_is_removed(
        appliance: Appliance, shop, new_page, fake_model) -> None:  # noqa: F811
    """The key belongs to its address: once the owner types another one, the page says the
    saved key will not go there and saving removes it; the endpoint gets no key."""
    other = FakeModel()
    try:
        admin = save_endpoint(new_page, appliance, fake_model, enabled=False)
        notice = t(admin, "kb-llm-key-dropped")
        assert notice.is_hidden()
        t(admin, "kb-llm-base-url").fill(other.base_url)
        notice.wait_for(state="visible")
        assert "密钥不会发送到新地址" in notice.inner_text()
        assert admin.evaluate(f"() => {KEY_FIELD}.placeholder") == "请填写新地址的密钥"
        t(admin, "kb-llm-base-url").fill(fake_model.base_url + "/")  # the same address
        notice.wait_for(state="hidden")
        t(admin, "kb-llm-base-url").fill(other.base_url)
        t(admin, "kb-llm-api-key").fill("sk-typed")  # a key for the new address
        notice.wait_for(state="hidden")
        t(admin, "kb-llm-api-key").fill("")
        notice.wait_for(state="visible")
        screenshot(admin, "kb-llm-key-dropped")
        other.reply = lambda body: (200, completion("OK"), 0)
        t(admin, "kb-llm-test").click()
        t(admin, "kb-llm-test-result").wait_for()
        t(admin, "kb-llm-save").click()
        admin.wait_for_function(f"() => {KEY_FIELD}?.placeholder === '未设置密钥'")
        assert t(admin, "kb-llm-key-dropped").is_hidden()
        assert len(other.requests) == 1 and "Authorization" not in other.requests[0]["headers"]
        assert fake_model.requests == []
    finally:
        other.close()
