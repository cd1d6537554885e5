"""The pre-chat form never loses what the visitor typed: what the server would refuse is refused
in the form, next to the field (a name with a direction override, as pasted from apps), what only
the server can judge (whether a phone is a number) comes back to the field from the server, and
the chat starts only with the answers the server took, so agents see a customer, not "访客58"."""

from __future__ import annotations

import pytest
from conftest import OWNER_PASSWORD, Appliance

from browser.conftest import kefu as t
from browser.conftest import open_console, widget

pytestmark = pytest.mark.browser
FIELDS = [{"field": "name", "required": True}, {"field": "phone", "required": True},
          {"field": "email", "required": False}]


def test_refused_answers_are_shown_at_their_field_and_the_chat_starts_with_the_right_ones(
        appliance: Appliance, shops, new_page) -> None:
    owner = shops["owner"]
    r = owner.patch(f"/api/sites/{shops['site']['id']}", json={"prechat_fields": FIELDS})
    assert r.status_code == 200, r.text
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)  # someone online
    page = new_page()
    sessions = []
    page.on("request", lambda request: sessions.append(request.post_data_json)
            if request.url.endswith("/api/widget/session") else None)
    page.goto(shops["a"] + "/index.html")
    t(page, "kefu-launcher").click()
    form = t(page, "kefu-prechat")
    name, phone, email = (form.locator(f"input[name={field}]")
                          for field in ("name", "phone", "email"))
    error = {field: form.locator(f"label:has(input[name={field}]) small")
             for field in ("name", "phone", "email")}
    # The limits are the server's, and the browser holds typing to them.
    assert [name.get_attribute("maxlength"), phone.get_attribute("maxlength"),
            email.get_attribute("maxlength")] == ["80", "40", "254"]

    # A direction override, as pasted from apps: the form refuses it as the server would.
    name.fill("陈\u202e先生")
    phone.fill("13311112222")
    email.fill("chen@example")  # no top-level name: the server refuses it too
    form.locator("button[type=submit]").click()
    assert error["name"].inner_text() == "包含不允许的字符"
    assert error["email"].inner_text() == "邮箱格式不正确"
    assert error["phone"].inner_text() == ""

    # A phone only the server can judge: its refusal comes back to the field; the form stays.
    name.fill("陈先生")
    phone.fill("12345")
    email.fill("chen@example.com")
    form.locator("button[type=submit]").click()
    error["phone"].filter(has_text="请填写有效的电话号码").wait_for()
    assert error["name"].inner_text() == "" and form.is_visible()
    assert not t(page, "kefu-input").is_visible()  # nothing can be sent without the answers
    assert name.input_value() == "陈先生" and email.input_value() == "chen@example.com"

    phone.fill("133 1111 2222")
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    t(page, "kefu-input").fill("你好")
    t(page, "kefu-send").click()
    sent = widget(page).locator('[data-test="kefu-message"][data-state="sent"]')
    sent.filter(has_text="你好").wait_for()
    conversation = owner.get("/api/conversations?view=open").json()["conversations"][0]
    visitor = owner.get(f"/api/conversations/{conversation['id']}").json()["visitor"]
    assert (visitor["name"], visitor["phone"], visitor["email"]) == (
        "陈先生", "133 1111 2222", "chen@example.com")
    customer = owner.get(f"/api/conversations/{conversation['id']}/customer").json()["customer"]
    assert customer["name"] == "陈先生" and customer["email"] == "chen@example.com", customer
    # No session went with a refused name; the phone the server refused was sent once.
    identities = [s["identify"] for s in sessions if s and "identify" in s]
    assert all("\u202e" not in i.get("name", "") for i in identities), identities
    assert [i.get("phone") for i in identities].count("12345") == 1, identities


def test_stored_answers_the_server_now_refuses_are_asked_again_filled_in(
        appliance: Appliance, shops, new_page) -> None:
    """Answers kept from an earlier page (before the form checked them) that the server refuses:
    the form comes back with them, the server's word at the field, instead of an anonymous chat."""
    owner = shops["owner"]
    r = owner.patch(f"/api/sites/{shops['site']['id']}", json={"prechat_fields": FIELDS})
    assert r.status_code == 200, r.text
    open_console(new_page(), appliance.url, "boss@example.com", OWNER_PASSWORD)
    page = new_page()
    key = f"kefu:{shops['site']['widget_key']}:state"
    page.add_init_script(f"localStorage.setItem({key!r}, JSON.stringify("
                         "{prechat: {name: '陈先生', phone: '12345'}}))")
    page.goto(shops["a"] + "/index.html")
    t(page, "kefu-launcher").click()
    form = t(page, "kefu-prechat")
    form.locator("label:has(input[name=phone]) small").filter(
        has_text="请填写有效的电话号码").wait_for()
    assert form.locator("input[name=name]").input_value() == "陈先生"
    assert form.locator("input[name=phone]").input_value() == "12345"
    assert not t(page, "kefu-input").is_visible()
    form.locator("input[name=phone]").fill("13311112222")
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    t(page, "kefu-input").fill("你好")
    t(page, "kefu-send").click()
    sent = widget(page).locator('[data-test="kefu-message"][data-state="sent"]')
    sent.filter(has_text="你好").wait_for()
    conversation = owner.get("/api/conversations?view=open").json()["conversations"][0]
    visitor = owner.get(f"/api/conversations/{conversation['id']}").json()["visitor"]
    assert (visitor["name"], visitor["phone"]) == ("陈先生", "13311112222")
