"""Teams, a site's routing, categories and business hours, mail settings and chat limits, as an
owner sets them up in Chromium."""

from __future__ import annotations

import re

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance
from test_offline import SmtpServer

from browser.conftest import screenshot

pytestmark = pytest.mark.browser


def t(scope, hook: str):
    return scope.locator(f'[data-test="{hook}"]')


def signed_in(new_page, appliance: Appliance):
    page = new_page()
    page.goto(appliance.url + "/login")
    t(page, "login").fill("boss@example.com")
    t(page, "password").fill(OWNER_PASSWORD)
    t(page, "login-submit").click()
    page.wait_for_url(re.compile(r"/app/"))
    return page


def test_team_site_routing_hours_and_categories(appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    site_id = setup["site"]["id"]
    agent = client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site_id]}).json()["user"]
    portal = client.post("/api/users", json={  # a client account takes no chat: no team
        "login": "kehu", "display_name": "客户方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": setup["company"]["id"]}).json()["user"]
    other_site = client.post("/api/sites", json={"name": "分店", "url": "https://b.example"})
    elsewhere = client.post("/api/users", json={  # serves only the other site
        "login": "zhao", "display_name": "小赵", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS,
        "site_ids": [other_site.json()["site"]["id"]]}).json()["user"]
    page = signed_in(new_page, appliance)

    t(page, "nav-teams").click()
    t(page, "new-team").click()
    team = t(page, "team-row").first
    offered = {int(box.get_attribute("data-user-id")) for box in t(team, "team-member").all()}
    assert agent["id"] in offered and portal["id"] not in offered
    assert elsewhere["id"] in offered  # a shared team: anyone on staff
    t(team, "team-name").fill("售后")
    team.locator(f'[data-test="team-member"][data-user-id="{agent["id"]}"]').check()
    t(team, "team-site").select_option(str(site_id))
    # A site's team: only who serves the site (the server refuses anyone else); the tick stays.
    team.locator(f'[data-test="team-member"][data-user-id="{elsewhere["id"]}"]').wait_for(
        state="detached")
    offered = {int(box.get_attribute("data-user-id")) for box in t(team, "team-member").all()}
    assert agent["id"] in offered and elsewhere["id"] not in offered
    assert team.locator(f'[data-test="team-member"][data-user-id="{agent["id"]}"]').is_checked()
    t(team, "team-save").click()
    page.locator('[data-test="team-row"][data-team-id]').wait_for()
    screenshot(page, "admin-teams")
    [saved] = client.get("/api/teams").json()["teams"]
    assert saved["name"] == "售后"
    assert (saved["site_id"], saved["member_ids"]) == (site_id, [agent["id"]])

    page.goto(f"{appliance.url}/app/#/sites/{site_id}")
    t(page, "site-routing-strategy").select_option("round_robin")
    t(page, "site-fallback-team").select_option(str(saved["id"]))
    t(page, "site-unanswered-seconds").fill("90")
    assert not t(page, "site-hours-mon").is_visible()
    t(page, "site-hours-enabled").check()
    t(page, "site-hours-mon").fill("9:00-12:00，13:00-18:00")
    t(page, "site-hours-sat").fill("10:00-25:00")
    t(page, "site-save").click()
    t(page, "error").first.wait_for()
    assert page.evaluate("document.activeElement.dataset.test") == "site-hours-sat"
    t(page, "site-hours-sat").fill("")
    t(page, "site-holidays").fill("2026-10-01\n2026-10-02")
    t(page, "site-offline-mode").select_option("hide")
    t(page, "site-notify-email").fill("service@example.com")
    # The answer itself, not a toast: the team's "saved" toast may still be showing.
    with page.expect_response(lambda r: r.url.endswith(f"/api/sites/{site_id}")
                              and r.request.method == "PATCH") as saving:
        t(page, "site-save").click()
    assert saving.value.status == 200
    site = client.get(f"/api/sites/{site_id}").json()["site"]
    assert site["routing_strategy"] == "round_robin"
    assert site["fallback_team_id"] == saved["id"]
    assert site["unanswered_seconds"] == 90
    assert site["business_hours"]["timezone"] == "Asia/Shanghai"
    assert site["business_hours"]["week"]["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert site["business_hours"]["week"]["sat"] == []
    assert site["business_hours"]["holidays"] == ["2026-10-01", "2026-10-02"]
    assert (site["offline_mode"], site["notify_email"]) == ("hide", "service@example.com")

    t(page, "new-category").click()
    row = t(page, "category-row").last
    t(row, "category-name").fill("预约洗牙")
    t(row, "category-team").select_option(str(saved["id"]))
    t(row, "category-save").click()
    page.locator('[data-test="category-row"][data-category-id]').wait_for()
    screenshot(page, "admin-site-routing")
    [category] = client.get(f"/api/sites/{site_id}/categories").json()["categories"]
    assert (category["name"], category["team_id"]) == ("预约洗牙", saved["id"])
    t(row, "category-delete").click()
    t(page, "confirm-ok").click()
    t(page, "category-row").wait_for(state="detached")
    assert client.get(f"/api/sites/{site_id}/categories").json()["categories"] == []

    page.reload()
    t(page, "site-hours-enabled").wait_for()
    assert t(page, "site-hours-mon").input_value() == "09:00-12:00, 13:00-18:00"
    t(page, "site-hours-enabled").uncheck()
    t(page, "site-save").click()
    t(page, "toast").first.wait_for()
    assert client.get(f"/api/sites/{site_id}").json()["site"]["business_hours"] is None

    t(page, "nav-teams").click()
    t(page, "team-delete").click()
    t(page, "confirm-ok").click()
    t(page, "team-row").wait_for(state="detached")
    assert client.get("/api/teams").json()["teams"] == []


def test_mail_settings_and_test_mail(appliance: Appliance, owner, new_page) -> None:
    client, _ = owner
    smtp = SmtpServer()
    smtp.start()
    try:
        page = signed_in(new_page, appliance)
        t(page, "nav-mail").click()
        t(page, "smtp-host").fill("127.0.0.1")
        t(page, "smtp-security").select_option("none")
        assert t(page, "smtp-port").input_value() == "25"
        t(page, "smtp-port").fill(str(smtp.port))
        t(page, "smtp-user").fill("kefu")
        t(page, "smtp-password").fill("app-secret")
        t(page, "smtp-from").fill("kefu@example.com")
        t(page, "smtp-save").click()
        t(page, "toast").first.wait_for()
        saved = client.get("/api/settings/smtp").json()["smtp"]
        assert saved == {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                         "username": "kefu", "from_address": "kefu@example.com",
                         "has_password": True}

        page.reload()
        assert t(page, "smtp-password").input_value() == ""
        assert t(page, "smtp-password").get_attribute("placeholder") == "已设置密码"
        t(page, "smtp-user").fill("")
        t(page, "smtp-save").click()
        t(page, "toast").first.wait_for()
        assert client.get("/api/settings/smtp").json()["smtp"]["has_password"] is True

        t(page, "smtp-test-to").fill("me@example.com")
        t(page, "smtp-test-send").click()
        result = t(page, "smtp-test-result")
        result.wait_for()
        screenshot(page, "admin-mail")
        assert result.get_attribute("data-sent") == "true", result.inner_text()
        assert "me@example.com" in result.inner_text()
        assert smtp.inbox.wait(1)[0]["To"] == "me@example.com"

        # The mail server stops answering: the page tells the owner, with the server's words.
        smtp.stop()
        t(page, "smtp-test-to").fill("again@example.com")
        t(page, "smtp-test-send").click()
        page.locator('[data-test="smtp-test-result"][data-sent="false"]').wait_for()
        page.reload()
        summary = t(page, "outbox-summary")
        summary.wait_for()
        assert summary.get_attribute("data-trouble") == "true", summary.inner_text()
        assert "1 封重试中" in summary.inner_text() and "1 封已发送" in summary.inner_text()
        stuck = page.locator('[data-test="outbox-mail"][data-status="queued"]')
        assert "again@example.com" in stuck.inner_text() and "已尝试 1 次" in stuck.inner_text()
        screenshot(page, "admin-mail-outbox")
    finally:
        smtp.stop()


def test_chat_limits_for_the_company_and_a_user(appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    agent = client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [setup["site"]["id"]]}).json()["user"]
    page = signed_in(new_page, appliance)
    t(page, "nav-company").click()
    t(page, "company-max-chats").fill("8")
    t(page, "company-save").click()
    t(page, "toast").first.wait_for()
    assert client.get("/api/companies").json()["companies"][0]["max_chats"] == 8

    page.goto(f"{appliance.url}/app/#/users/{agent['id']}")
    # The form of this visit, not the one being left (it lingers, inert, while this one loads).
    page.locator(f'main[data-route="#/users/{agent["id"]}"]').wait_for()
    assert t(page, "user-max-chats").get_attribute("placeholder") == "8"
    t(page, "user-max-chats").fill("3")
    t(page, "user-save").click()
    page.wait_for_url(re.compile(r"#/users$"))
    users = {u["id"]: u for u in client.get("/api/users").json()["users"]}
    assert users[agent["id"]]["max_chats"] == 3

    page.goto(f"{appliance.url}/app/#/users/{agent['id']}")
    # The form of this visit, not the one being left (it lingers, inert, while this one loads).
    page.locator(f'main[data-route="#/users/{agent["id"]}"]').wait_for()
    assert t(page, "user-max-chats").input_value() == "3"
    t(page, "user-max-chats").fill("")
    t(page, "user-save").click()
    page.wait_for_url(re.compile(r"#/users$"))
    users = {u["id"]: u for u in client.get("/api/users").json()["users"]}
    assert users[agent["id"]]["max_chats"] is None

    page.goto(f"{appliance.url}/app/#/users/new")
    t(page, "user-login").fill("xiaowang")
    t(page, "user-display-name").fill("小王")
    t(page, "user-password").fill(AGENT_PASSWORD_FOR_TESTS)
    t(page, "user-max-chats").fill("2")
    t(page, "user-save").click()
    page.wait_for_url(re.compile(r"#/users$"))
    created = next(u for u in client.get("/api/users").json()["users"] if u["login"] == "xiaowang")
    assert created["max_chats"] == 2


def test_new_admin_pages_fit_a_phone_in_english(appliance: Appliance, owner, new_page) -> None:
    client, setup = owner
    client.patch("/api/me", json={"language": "en"})
    client.post("/api/teams", json={"name": "After-sales", "site_id": None, "member_ids": []})
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(appliance.url + "/login")
    t(page, "login").fill("boss@example.com")
    t(page, "password").fill(OWNER_PASSWORD)
    t(page, "login-submit").click()
    page.wait_for_url(re.compile(r"/app/"))
    for hash_, hook in ((f"#/sites/{setup['site']['id']}", "site-hours-enabled"),
                        ("#/teams", "team-row"), ("#/mail", "smtp-host")):
        page.goto(f"{appliance.url}/app/{hash_}")
        t(page, hook).first.wait_for(state="attached")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{hash_} scrolls sideways on a phone ({width}px)"
    assert page.evaluate("document.documentElement.lang") == "en"
    screenshot(page, "phone-mail-en")
