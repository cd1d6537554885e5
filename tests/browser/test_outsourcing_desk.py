"""The outsourced service desk in Chromium: one agent serving two client companies captures a
lead in each from the lead card beside the chat (with that company's scripts first in the
canned picker); the client portal of company A sees A's lead only; the scheduled report mail,
sent to a real SMTP server on loopback, carries A's effective-consultation count and a valid
XLSX; customers are found and their record opened; a malformed phone gets a clear error."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import timedelta

import pytest
from conftest import OWNER_PASSWORD, Appliance
from python_calamine import CalamineWorkbook
from test_conversations import Widget
from test_offline import smtp  # noqa: F401

from appliance.services.reports import send_due_reports
from browser.conftest import hook, open_console, screenshot

pytestmark = pytest.mark.browser

OWNER = "boss@example.com"
DESK_PASSWORD = "desk-password-1"
ORIGIN_B = "https://b.example"


def chat(appliance: Appliance, site: dict, origin: str, text: str, referrer: str = "") -> int:
    widget = Widget(appliance, site["widget_key"], origin=origin)
    if referrer:
        r = widget.http.post("/api/widget/session", headers={"Origin": origin}, json={
            "site_key": site["widget_key"], "visitor_token": widget.token,
            "page": {"url": origin + "/", "referrer": referrer}})
        assert r.status_code == 200, r.text
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": uuid.uuid4().hex, "body": text})
    assert r.status_code == 200, r.text
    return int(r.json()["conversation_id"])


@pytest.fixture
def desk(appliance: Appliance, owner) -> dict:
    """Company A (悦齿口腔, from setup) and company B (乙家装), one agent serving both, a company
    script for each, and a client account of company A."""
    boss, setup = owner
    a, site_a = setup["company"]["id"], setup["site"]
    b = boss.post("/api/companies", json={"name": "乙家装"}).json()["company"]["id"]
    site_b = boss.post("/api/sites", json={"name": "乙官网", "url": ORIGIN_B,
                                           "company_id": b}).json()["site"]
    r = boss.post("/api/users", json={"login": "desk", "display_name": "外包小王", "role": "agent",
                                      "password": DESK_PASSWORD,
                                      "site_ids": [site_a["id"], site_b["id"]]})
    assert r.status_code == 201, r.text
    for company, text in ((a, "您好，悦齿口腔为您服务"), (b, "您好，乙家装为您服务")):
        r = boss.post("/api/canned-replies", json={"shortcut": "hi", "body": text,
                                                   "company_id": company})
        assert r.status_code == 201, r.text
    r = boss.post("/api/users", json={"login": "client-a", "display_name": "甲方经理",
                                      "role": "client", "password": DESK_PASSWORD,
                                      "company_id": a})
    assert r.status_code == 201, r.text
    return {"boss": boss, "a": a, "b": b, "site_a": site_a, "site_b": site_b}


def capture(page, appliance: Appliance, conversation: int, **fields: str) -> None:
    page.goto(f"{appliance.url}/app/#/console/{conversation}")
    card = hook(page, "lead-card")
    card.wait_for()
    hook(page, "lead-save").wait_for()
    for name, value in fields.items():
        hook(page, f"lead-{name}").fill(value)
    hook(page, "lead-save").click()
    page.locator('[data-test="lead-status"][data-effective="true"]').wait_for()


def test_one_agent_two_companies_a_lead_each_and_the_portal_sees_its_own(
        appliance: Appliance, desk, new_page, smtp) -> None:  # noqa: F811
    conv_a = chat(appliance, desk["site_a"], "https://www.example.com", "想了解牙齿矫正",
                  referrer="https://www.baidu.com/s?wd=牙齿矫正价格")
    conv_b = chat(appliance, desk["site_b"], ORIGIN_B, "装修报价多少")
    page = new_page()
    open_console(page, appliance.url, "desk", DESK_PASSWORD)

    # Company A's conversation: its script comes first in the picker, then the lead card.
    page.goto(f"{appliance.url}/app/#/console/{conv_a}")
    hook(page, "chat-input").fill("/hi")
    first = page.locator('[data-test="canned-item"]').first
    first.wait_for()
    assert "悦齿口腔为您服务" in first.inner_text()
    hook(page, "chat-input").fill("")
    hook(page, "lead-phone").wait_for()
    # At 1280 px the lead card lines up with the visitor's facts above it, not with the edge.
    card = hook(page, "lead-card").bounding_box()
    column = hook(page, "visitor-sidebar").bounding_box()
    facts = page.locator(".console-info .info-body .info-section").first.bounding_box()
    assert card["x"] - column["x"] >= 15, (card, column)
    assert abs(card["x"] - facts["x"]) < 1, (card, facts)
    assert abs(card["width"] - facts["width"]) < 1, (card, facts)
    hook(page, "lead-phone").fill("12345")
    hook(page, "lead-save").click()
    error = hook(page, "lead-card").locator('[data-test="error"]')
    error.wait_for()
    assert "电话号码" in error.inner_text()  # a clear, localised field error
    capture(page, appliance, conv_a, name="周女士", phone="138 0000 1111", need="矫正费用")
    screenshot(page, "outsourcing-lead-card")

    # Company B's conversation: B's script first, B's lead.
    page.goto(f"{appliance.url}/app/#/console/{conv_b}")
    hook(page, "chat-input").fill("/hi")
    first = page.locator('[data-test="canned-item"]').first
    first.wait_for()
    assert "乙家装为您服务" in first.inner_text()
    hook(page, "chat-input").fill("")
    capture(page, appliance, conv_b, name="吴先生", wechat="wu_home", need="三室装修")

    # The customer was created in company A and is found by a 2-character name.
    page.goto(f"{appliance.url}/app/#/customers")
    hook(page, "customer-search").fill("周女")
    hook(page, "customer-search-go").click()
    row = page.locator('[data-test="customer-row"]', has_text="周女士")
    row.wait_for()
    row.locator("a").click()
    hook(page, "customer-profile").wait_for()
    assert hook(page, "customer-leads").locator('[data-test="lead-row"]').count() == 1
    assert hook(page, "customer-phone").input_value() == "138 0000 1111"
    hook(page, "customer-conversations").locator('[data-test="customer-conversation"]').wait_for()
    screenshot(page, "outsourcing-customer-record")
    # A malformed e-mail on the record: a clear field error, nothing saved.
    hook(page, "customer-email").fill("zhou@")
    hook(page, "customer-save").click()
    profile_error = hook(page, "customer-profile").locator('[data-test="error"]')
    profile_error.wait_for()
    assert "邮箱" in profile_error.inner_text() or "e-mail" in profile_error.inner_text()

    # The client portal of company A: A's lead, never B's.
    portal = new_page()
    portal.goto(appliance.url + "/login")
    hook(portal, "login").fill("client-a")
    hook(portal, "password").fill(DESK_PASSWORD)
    hook(portal, "login-submit").click()
    hook(portal, "report").wait_for()
    assert "#/portal" in portal.url
    leads = hook(portal, "leads")
    leads.locator('[data-test="lead-row"]', has_text="周女士").wait_for()
    assert "吴先生" not in portal.content()
    assert hook(portal, "report-billable").locator(".figure-value").inner_text() == "1"
    assert portal.locator('[data-test="nav-console"]').count() == 0
    screenshot(portal, "outsourcing-client-portal")
    # Its downloads speak the page's language, and follow a switch.
    assert "lang=zh-CN" in hook(portal, "report-export-xlsx").get_attribute("href")
    hook(portal, "lang-switch").click()
    portal.locator('[data-test="report-export-xlsx"][href*="lang=en"]').wait_for()
    with portal.expect_download() as download:
        hook(portal, "report-export-xlsx").click()
    book = CalamineWorkbook.from_path(download.value.path())
    assert book.sheet_names[0] == "Summary" and book.sheet_names[-1] == "Leads"
    assert book.get_sheet_by_name("Leads").to_python()[0][6] == "Name"

    # The weekly report mail of company A, to a real SMTP server.
    boss = desk["boss"]
    r = boss.put("/api/settings/smtp", json={"host": "127.0.0.1", "port": smtp.port,
                                             "security": "none", "username": "",
                                             "from_address": "kefu@example.com"})
    assert r.status_code == 200, r.text
    r = boss.patch(f"/api/companies/{desk['a']}", json={"settings": {
        "report_schedule": "weekly", "report_emails": ["manager@client-a.example"]}})
    assert r.status_code == 200, r.text
    svc = appliance.runtime.services
    queued = asyncio.run_coroutine_threadsafe(
        send_due_reports(svc, svc.now() + timedelta(days=7)), appliance.server.loop).result(60)
    assert [item.split(":")[0] for item in queued] == [str(desk["a"])]
    [mail] = smtp.inbox.wait(1, timeout=30)
    assert mail["To"] == "manager@client-a.example"
    assert "(billable): 1" in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    book = CalamineWorkbook.from_filelike(io.BytesIO(attachment.get_content()))
    summary = dict(row[:2] for row in book.get_sheet_by_name("汇总").to_python()[1:])
    assert summary["有效咨询（计费）"] == 1  # the mail's workbook is in Chinese
    leads_sheet = book.get_sheet_by_name("线索明细").to_python()
    assert leads_sheet[0][6] == "姓名"
    assert [row[6] for row in leads_sheet[1:]] == ["周女士"]


def test_the_owner_prints_the_report_and_sets_the_companys_rule(appliance: Appliance, desk,
                                                                 new_page) -> None:
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/#/company")
    form = page.locator(f'[data-test="company-settings"][data-company-id="{desk["b"]}"]')
    form.wait_for()
    form.locator('[data-test="lead-rule"][value="need"]').uncheck()
    form.locator('[data-test="settings-timezone"]').fill("Mars/Olympus")
    form.locator('[data-test="company-settings-save"]').click()
    error = form.locator('[data-test="error"]')
    error.wait_for()
    assert "时区" in error.inner_text()
    form.locator('[data-test="settings-timezone"]').fill("Asia/Shanghai")
    form.locator('[data-test="company-settings-save"]').click()
    page.wait_for_function("""(id) => fetch('/api/companies').then((r) => r.json()).then((d) =>
        !d.companies.find((c) => c.id === id).settings.lead_required.includes('need'))""",
                           arg=desk["b"])
    page.goto(f"{appliance.url}/app/#/leads")
    hook(page, "report").wait_for()
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    assert hook(page, "report").is_visible()
    screenshot(page, "outsourcing-printed-report")


def test_the_customer_owner_choice_offers_only_who_may_own_it(appliance: Appliance, desk,
                                                              new_page) -> None:
    """The owner dropdown of a company-A customer offers A's staff and the owners/admins, not
    company B's agent nor A's client account; picking one saves without an error."""
    boss = desk["boss"]
    r = boss.post("/api/users", json={
        "login": "b-only", "display_name": "乙专员", "role": "agent", "password": DESK_PASSWORD,
        "site_ids": [desk["site_b"]["id"]]})
    assert r.status_code == 201, r.text
    r = boss.post(f"/api/companies/{desk['a']}/customers", json={"name": "选负责人"})
    assert r.status_code == 201, r.text
    customer = r.json()["customer"]
    page = new_page()
    open_console(page, appliance.url, OWNER, OWNER_PASSWORD)
    page.goto(f"{appliance.url}/app/#/customers/{customer['id']}")
    owner_choice = hook(page, "customer-owner")
    owner_choice.wait_for()
    labels = owner_choice.locator("option").all_inner_texts()
    assert "外包小王" in labels and "王老板" in labels
    assert "乙专员" not in labels and "甲方经理" not in labels
    owner_choice.select_option(label="外包小王")
    hook(page, "customer-save").click()
    page.wait_for_function(f"""async () => (await (await fetch('/api/customers/{customer["id"]}'))
        .json()).customer.owner_id !== {customer["owner_id"]}""")
    assert hook(page, "customer-profile").locator('[data-test="error"]').is_hidden()
    desk_id = next(u["id"] for u in boss.get("/api/users").json()["users"] if u["login"] == "desk")
    assert boss.get(f"/api/customers/{customer['id']}").json()["customer"]["owner_id"] == desk_id
