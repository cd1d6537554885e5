"""The setup wizard, signing in, and deactivation as a person does them in Chromium."""

from __future__ import annotations

import re

import pytest
from conftest import OWNER_PASSWORD, SETUP_CODE, Appliance

from browser.conftest import screenshot

pytestmark = pytest.mark.browser
AGENT_PASSWORD = "agent-password-1"


def t(page, hook: str):
    return page.locator(f'[data-test="{hook}"]')


def sign_in(page, appliance: Appliance, login: str, password: str) -> None:
    page.goto(appliance.url + "/login")
    t(page, "login").fill(login)
    t(page, "password").fill(password)
    t(page, "login-submit").click()
    page.wait_for_url(re.compile(r"/app/"))


def test_setup_wizard_creates_owner_site_and_shows_snippet(appliance: Appliance, new_page) -> None:
    page = new_page()
    page.goto(appliance.url + "/")
    page.wait_for_url(re.compile(r"/setup"))
    screenshot(page, "setup-empty")
    t(page, "setup-code").fill("WRONG-CODE-0000")
    t(page, "company-name").fill("悦齿口腔")
    t(page, "owner-login").fill("boss@example.com")
    t(page, "owner-display-name").fill("王老板")
    t(page, "owner-password").fill(OWNER_PASSWORD)
    t(page, "owner-password2").fill(OWNER_PASSWORD)
    t(page, "site-name").fill("官网")
    t(page, "site-url").fill("https://www.example.com")
    t(page, "setup-submit").click()
    t(page, "error").first.wait_for()
    assert appliance.client().get("/api/setup/status").json()["needs_setup"] is True
    t(page, "setup-code").fill(SETUP_CODE.lower())
    t(page, "setup-submit").click()
    page.wait_for_url(re.compile(r"/app/#/sites/\d+"))
    snippet = t(page, "snippet")
    snippet.wait_for()
    text = snippet.input_value() if snippet.evaluate("e => 'value' in e") else snippet.inner_text()
    assert "/embed.js" in text and appliance.url in text
    # Served on 127.0.0.1: the owner is told visitors' browsers cannot load it from there.
    assert appliance.url in t(page, "snippet-local").inner_text()
    assert t(page, "copy-snippet").is_visible()
    screenshot(page, "setup-done-snippet")
    assert appliance.client().get("/api/setup/status").json()["needs_setup"] is False


def test_setup_code_from_url_fragment(appliance: Appliance, new_page) -> None:
    page = new_page()
    page.goto(f"{appliance.url}/setup#code={SETUP_CODE}")
    assert t(page, "setup-code").input_value().replace("-", "") == SETUP_CODE.replace("-", "")


def test_agent_signs_in_and_deactivation_ends_their_session(appliance: Appliance, owner,
                                                            new_page) -> None:
    owner_client, setup = owner
    r = owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD, "site_ids": [setup["site"]["id"]]})
    assert r.status_code == 201

    agent_page = new_page()
    agent_page.goto(appliance.url + "/login")
    t(agent_page, "login").fill("xiaoli")
    t(agent_page, "password").fill("wrong-password")
    t(agent_page, "login-submit").click()
    t(agent_page, "error").first.wait_for()
    t(agent_page, "password").fill(AGENT_PASSWORD)
    t(agent_page, "login-submit").click()
    agent_page.wait_for_url(re.compile(r"/app/"))
    t(agent_page, "console").wait_for()
    agent_page.wait_for_function("document.body.dataset.socket === 'open'")
    assert "官网" in t(agent_page, "console").inner_text()
    screenshot(agent_page, "agent-console")

    admin_page = new_page()
    sign_in(admin_page, appliance, "boss@example.com", OWNER_PASSWORD)
    t(admin_page, "nav-users").click()
    row = admin_page.locator('[data-test="user-row"][data-login="xiaoli"]')
    row.wait_for()
    row.locator('[data-test="user-deactivate"]').click()
    t(admin_page, "confirm-ok").click()
    row.locator('[data-test="user-activate"]').wait_for()
    screenshot(admin_page, "users-after-deactivation")

    # The agent's open console notices within seconds, without reloading.
    agent_page.wait_for_url(re.compile(r"/login"), timeout=5_000)
    t(agent_page, "session-ended").wait_for()
    screenshot(agent_page, "agent-session-ended")
    assert agent_page.evaluate("fetch('/api/me').then(r => r.status)") == 401


def test_language_switch_and_phone_layout(appliance: Appliance, owner, new_page) -> None:
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(appliance.url + "/login")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    zh_text = page.locator("body").inner_text()
    switch = t(page, "lang-switch")
    if switch.evaluate("e => e.tagName") == "SELECT":
        switch.select_option("en")
    else:
        switch.click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("body").inner_text() != zh_text
    page.reload()
    assert page.evaluate("document.documentElement.lang") == "en"
    t(page, "login").fill("boss@example.com")
    t(page, "password").fill(OWNER_PASSWORD)
    t(page, "login-submit").click()
    page.wait_for_url(re.compile(r"/app/"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "phone-admin-en")


def test_visitor_supplied_names_render_as_text(appliance: Appliance, owner, new_page) -> None:
    owner_client, setup = owner
    evil = '<img src=x onerror="window.__pwned=1">'
    owner_client.patch(f"/api/sites/{setup['site']['id']}",
                       json={"name": evil[:80], "greeting": evil})
    owner_client.post("/api/users", json={"login": "evil", "display_name": evil[:80],
                                          "role": "agent", "password": AGENT_PASSWORD})
    page = new_page()
    sign_in(page, appliance, "boss@example.com", OWNER_PASSWORD)
    t(page, "nav-users").click()
    page.locator('[data-test="user-row"][data-login="evil"]').wait_for()
    t(page, "nav-sites").click()
    t(page, "site-row").first.wait_for()
    page.goto(f"{appliance.url}/app/#/sites/{setup['site']['id']}")
    t(page, "snippet").wait_for()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0


def test_the_deactivate_dialog_offers_only_colleagues_of_every_company_handed_over(
        appliance: Appliance, owner, new_page) -> None:
    owner_client, setup = owner
    company_b = owner_client.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    site_b = owner_client.post("/api/sites", json={
        "name": "B", "url": "https://b.example", "company_id": company_b["id"]}).json()["site"]
    ids = {}
    for login, sites in (("desk", [setup["site"], site_b]), ("only-a", [setup["site"]]),
                         ("only-b", [site_b]), ("both", [setup["site"], site_b])):
        r = owner_client.post("/api/users", json={
            "login": login, "display_name": login, "role": "agent", "password": AGENT_PASSWORD,
            "site_ids": [s["id"] for s in sites]})
        assert r.status_code == 201, r.text
        ids[login] = r.json()["user"]["id"]
    desk = appliance.login("desk", AGENT_PASSWORD)
    for company in (setup["company"]["id"], company_b["id"]):
        r = desk.post(f"/api/companies/{company}/customers", json={"name": f"客户{company}"})
        assert r.status_code == 201, r.text

    page = new_page()
    sign_in(page, appliance, "boss@example.com", OWNER_PASSWORD)
    t(page, "nav-users").click()

    def offered(login: str) -> list[str]:
        row = page.locator(f'[data-test="user-row"][data-login="{login}"]')
        row.wait_for()
        row.locator('[data-test="user-deactivate"]').click()
        choice = t(page, "user-successor")
        choice.wait_for()
        names = choice.locator("option").all_inner_texts()
        selected = choice.input_value()
        t(page, "confirm-cancel").click()
        choice.wait_for(state="detached")
        return [*names, selected]

    me = owner_client.get("/api/me").json()["user"]
    assert offered("desk") == [me["display_name"], "both", str(me["id"])]
    # someone without customers or follow-ups: nobody needed, anyone may be chosen
    names = offered("only-b")
    assert names[-1] == "" and {"desk", "only-a", "both"} <= set(names)
    row = page.locator('[data-test="user-row"][data-login="desk"]')
    row.locator('[data-test="user-deactivate"]').click()
    t(page, "user-successor").select_option(str(ids["both"]))
    t(page, "confirm-ok").click()
    row.locator('[data-test="user-activate"]').wait_for()
    found = owner_client.get(f"/api/companies/{company_b['id']}/customers").json()["customers"]
    assert [c["owner_id"] for c in found] == [ids["both"]]
