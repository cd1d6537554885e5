"""Reports and the live board in Chromium against the real server: the board follows a chat
that starts and ends without a reload, a report's numbers on screen are those of its CSV files
(made in the browser, and the server's export), and names from visitors and staff (site,
agent, search keyword) render as text, never as HTML."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, OWNER_PASSWORD, Appliance
from python_calamine import CalamineWorkbook
from websockets.sync.client import connect

from browser.conftest import hook, log_in, open_console, screenshot

pytestmark = pytest.mark.browser

OWNER = "boss@example.com"
SUPERVISOR = "lead@example.com"
AGENT = "kefu@example.com"
ORIGIN = "https://www.example.com"
BAIDU = "https://www.baidu.com/s?wd="
HOSTILE = '<img src=x onerror="window.__pwned=1">'
FORMULA = "=cmd|' /C calc'!A0"
BOM = "\ufeff"
FIGURES = """() => Object.fromEntries([...document.querySelectorAll('[data-test^="reports-fig-"]')]
  .map((node) => [node.dataset.test.slice('reports-fig-'.length), node.dataset.value]))"""
# The raw values (data-value) of a report table, row by row, after the header's labels.
TABLE = """(test) => {
  const table = document.querySelector(`[data-test="${test}"]`);
  const head = [...table.querySelectorAll('thead th')].map((cell) => cell.textContent);
  const rows = [...table.querySelectorAll('tbody tr')]
    .map((row) => [...row.children].map((cell) => cell.dataset.value ?? null));
  return [head, ...rows];
}"""


def chat(appliance: Appliance, site: dict, text: str = "你好", referrer: str = "",
         origin: str = ORIGIN) -> int:
    """A visitor opens a page of the site (from `referrer`: the presence module's `page` frame on
    the visitor socket is what records a visit) and starts a chat over the widget's HTTP API."""
    session = httpx.post(f"{appliance.url}/api/widget/session", headers={"Origin": origin}, json={
        "site_key": site["widget_key"], "page": {"url": origin + "/pricing", "referrer": referrer}})
    assert session.status_code == 200, session.text
    token = session.json()["visitor_token"]
    with connect(appliance.url.replace("http", "ws") + "/api/widget/ws", origin=origin) as ws:
        ws.send(json.dumps({"type": "auth", "site_key": site["widget_key"],
                            "visitor_token": token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        ws.send(json.dumps({"type": "page", "tab": "t-" + uuid.uuid4().hex[:12],
                            "url": origin + "/pricing", "title": "价格", "referrer": referrer,
                            "language": "zh-CN", "visible": True, "screen": "desktop"}))
        sent = httpx.post(f"{appliance.url}/api/widget/send",
                          json={"client_id": uuid.uuid4().hex, "body": text},
                          headers={"Authorization": f"Bearer {token}", "Origin": origin})
        assert sent.status_code == 200, sent.text
    return int(sent.json()["conversation_id"])


def answer(client: Any, conversation_id: int, text: str = "您好，请问有什么可以帮您？") -> None:
    r = client.post(f"/api/conversations/{conversation_id}/messages",
                    json={"client_id": uuid.uuid4().hex, "kind": "text", "body": text})
    assert r.status_code == 200, r.text


def close(client: Any, conversation_id: int) -> None:
    r = client.post(f"/api/conversations/{conversation_id}/close", json={})
    assert r.status_code == 200, r.text


def sign_in(page, appliance: Appliance, login: str, password: str, hash_: str) -> None:
    """Sign in (the console's socket open), then go to `hash_` inside the app."""
    open_console(page, appliance.url, login, password)
    page.goto(f"{appliance.url}/app/{hash_}")


def value_of(page, name: str) -> str | None:
    return page.locator(f'[data-test="{name}"]').first.get_attribute("data-value")


def wait_value(page, selector: str, expected: str) -> None:
    page.wait_for_function("([s, v]) => document.querySelector(s)?.dataset.value === v",
                           arg=[selector, expected])


def show_until(page, figure: str, expected: str, timeout: float = 30.0) -> None:
    """The aggregates follow commits within moments: ask the page again until they have."""
    deadline = time.monotonic() + timeout
    while (found := value_of(page, f"reports-fig-{figure}")) != expected:
        assert time.monotonic() < deadline, f"{figure} is {found}, never {expected}"
        time.sleep(0.3)
        hook(page, "reports-go").click()
        page.wait_for_load_state()


def downloaded_csv(page, test: str) -> list[list[str]]:
    with page.expect_download() as info:
        hook(page, test).click()
    text = Path(info.value.path()).read_bytes().decode("utf-8")
    assert text.startswith(BOM), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[len(BOM):])))


def same(screen: str | None, exported: str) -> bool:
    """A raw value on screen and its CSV cell: numbers compared as numbers."""
    if screen is None:
        return exported == ""
    try:
        return float(screen) == float(exported)
    except ValueError:
        return screen == exported


def range_of(page) -> dict[str, str]:
    return {"from": page.locator('[data-test="reports-from"]').input_value(),
            "to": page.locator('[data-test="reports-to"]').input_value()}


def server_figures(rows: list[list[str]]) -> dict[str, str]:
    """The server's summary CSV as {field: value}: one row per field or one column per field."""
    head = rows[0]
    if len(rows) == 2 and len(head) > 2:
        return dict(zip(head, rows[1], strict=True))
    return {row[0]: row[1] for row in rows[1:] if len(row) >= 2}


def test_the_live_board_follows_a_chat_that_starts_and_ends(appliance: Appliance, owner,
                                                            new_page) -> None:
    owner_client, setup = owner
    site = setup["site"]
    people = {}
    for login, role in ((SUPERVISOR, "supervisor"), (AGENT, "agent")):
        r = owner_client.post("/api/users", json={
            "login": login, "display_name": login.split("@")[0], "role": role,
            "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site["id"]]})
        assert r.status_code == 201, r.text
        people[role] = r.json()["user"]
    desk = new_page()  # the agent at the workbench takes the chat
    open_console(desk, appliance.url, AGENT, AGENT_PASSWORD_FOR_TESTS)
    board = new_page()
    sign_in(board, appliance, SUPERVISOR, AGENT_PASSWORD_FOR_TESTS, "#/board")
    hook(board, "board-body").locator('[data-test="board-chatting"]').wait_for()
    assert value_of(board, "board-chatting") == "0"
    board.evaluate("window.__sameDocument = true")

    conversation = chat(appliance, site, "想问一下价格")
    wait_value(board, '[data-test="board-chatting"]', "1")
    wait_value(board, '[data-test="board-compare-chats"] td', "1")
    agent = people["agent"]["id"]
    load = f'[data-test="board-agent"][data-agent-id="{agent}"] [data-test="board-agent-load"]'
    wait_value(board, load, "1")
    screenshot(board, "reports-board-chatting")

    close(owner_client, conversation)
    wait_value(board, '[data-test="board-chatting"]', "0")
    wait_value(board, load, "0")
    assert board.evaluate("window.__sameDocument") is True, "the board updated without a reload"
    assert value_of(board, "board-compare-chats") is None
    today = board.locator('[data-test="board-compare-chats"] td').first.get_attribute("data-value")
    assert today == "1", "the chat still counts for today"


def test_the_chats_report_on_screen_is_what_its_csv_says(appliance: Appliance, owner,
                                                         new_page) -> None:
    owner_client, setup = owner
    site, company = setup["site"], setup["company"]
    desk = new_page()
    open_console(desk, appliance.url, OWNER, OWNER_PASSWORD)
    first, second, _third = (chat(appliance, site, text) for text in ("第一位", "第二位", "第三位"))
    answer(owner_client, first)
    answer(owner_client, second)
    close(owner_client, first)

    page = new_page()
    sign_in(page, appliance, OWNER, OWNER_PASSWORD, "#/reports/chats")
    hook(page, "reports-chats").wait_for()
    show_until(page, "chats", "3")
    show_until(page, "answered", "2")
    figures = page.evaluate(FIGURES)
    screenshot(page, "reports-chats")

    # The summary's CSV, made in the browser, holds the figures on screen.
    summary = downloaded_csv(page, "report-summary-csv")
    screen = page.evaluate(TABLE, "report-summary-table")
    assert summary[0] == screen[0] and len(summary) == len(screen)
    for exported, shown in zip(summary[1:], screen[1:], strict=True):
        assert same(shown[1], exported[1]), (exported, shown)
    # Every row of the series: the same numbers as the table beside the chart.
    series = downloaded_csv(page, "report-series-csv")
    shown_series = page.evaluate(TABLE, "report-series-table")
    assert len(series) == len(shown_series)
    # The same columns; the CSV names the unit of durations (whole seconds, not "2分5秒").
    assert [e if e == s else e.replace("（秒）", "") for e, s in zip(series[0], shown_series[0],
                                                              strict=True)] == shown_series[0]
    for exported, shown in zip(series[1:], shown_series[1:], strict=True):
        assert all(same(s, e) for s, e in zip(shown, exported, strict=True)), (exported, shown)
    assert sum(int(row[1]) for row in series[1:]) == 3

    # The server's export of the same report says the same.
    exported = owner_client.get(f"/api/companies/{company['id']}/reports/chats/export",
                                params={"format": "csv", "table": "summary", **range_of(page)})
    assert exported.status_code == 200, exported.text
    server = server_figures(list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))))
    for key in ("chats", "answered", "missed", "unanswered", "transfers", "left_messages"):
        assert str(server[key]) == figures[key], (key, server, figures)

    # The XLSX of every table comes through the server, its progress shown on the page.
    with page.expect_download() as info:
        hook(page, "reports-xlsx").click()
    hook(page, "reports-xlsx-status").filter(has_text=".xlsx").wait_for()
    book = CalamineWorkbook.from_path(info.value.path())
    # In the page's language (zh-CN here): `lang` goes with the download.
    assert book.sheet_names == ["汇总", "趋势", "对话时段"], book.sheet_names


def test_names_from_visitors_and_staff_render_as_text(appliance: Appliance, owner,
                                                      new_page) -> None:
    owner_client, setup = owner
    site, company = setup["site"], setup["company"]
    assert owner_client.patch(f"/api/sites/{site['id']}", json={"name": HOSTILE}).status_code == 200
    second = owner_client.post("/api/sites", json={"name": '=HYPERLINK("http://evil")',
                                                   "url": "https://b.example",
                                                   "company_id": company["id"]})
    assert second.status_code == 201, second.text
    assert owner_client.patch("/api/me", json={"display_name": HOSTILE}).status_code == 200
    r = owner_client.post("/api/users", json={"login": AGENT, "display_name": HOSTILE + "客服",
                                              "role": "agent", "password": AGENT_PASSWORD_FOR_TESTS,
                                              "site_ids": [site["id"]]})
    assert r.status_code == 201, r.text
    desk = new_page()
    open_console(desk, appliance.url, OWNER, OWNER_PASSWORD)
    answer(owner_client, chat(appliance, site, "你好", referrer=BAIDU + quote(HOSTILE)))
    chat(appliance, second.json()["site"], "在吗", referrer=BAIDU + quote(FORMULA),
         origin="https://b.example")

    page = new_page()
    page.add_init_script("window.__pwned = undefined")
    sign_in(page, appliance, OWNER, OWNER_PASSWORD, "#/reports/traffic")
    hook(page, "reports-traffic").wait_for()
    show_until(page, "chats", "2")
    options = page.locator('[data-test="reports-site"] option').all_inner_texts()
    assert HOSTILE in options and '=HYPERLINK("http://evil")' in options
    hook(page, "report-keywords-table").locator("th", has_text=HOSTILE).wait_for()
    titles = page.locator('[data-test="chart-keywords"] title').all_text_contents()
    assert any(HOSTILE in title for title in titles), titles
    # A formula typed into a search box is defused in the browser's CSV as in the server's.
    keywords = downloaded_csv(page, "report-keywords-csv")
    assert [HOSTILE, "1"] in keywords
    assert ["'" + FORMULA, "1"] in keywords, keywords
    exported = owner_client.get(f"/api/companies/{company['id']}/reports/traffic/export",
                                params={"format": "csv", "table": "keywords", **range_of(page)})
    assert exported.status_code == 200, exported.text
    assert "'" + FORMULA in exported.content.decode("utf-8-sig")

    page.goto(f"{appliance.url}/app/#/reports/agents")
    hook(page, "reports-agents").wait_for()
    show_until(page, "chats", "2")  # the owner at the workbench took both
    hook(page, "report-agents-table").locator("th", has_text=HOSTILE).wait_for()
    page.goto(f"{appliance.url}/app/#/board")
    hook(page, "board-agent").filter(has_text=HOSTILE + "客服").wait_for()
    screenshot(page, "reports-hostile-board")

    assert page.evaluate("document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0
    assert page.evaluate("window.__pwned") is None


def test_a_client_account_reads_its_own_company_reports_from_its_portal(
        appliance: Appliance, two_companies, new_page) -> None:
    world = two_companies
    chat(appliance, world["site_a"], "甲公司的访客")
    r = world["owner"].post("/api/users", json={
        "login": "client-b", "display_name": "乙方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": world["b"]})
    assert r.status_code == 201, r.text
    page = new_page()
    log_in(page, appliance.url, "client-b", AGENT_PASSWORD_FOR_TESTS)
    hook(page, "reports-more").click()
    hook(page, "reports-chats").wait_for()
    assert page.url.endswith("#/portal/reports/chats")
    tabs = page.locator('[data-test^="reports-tab-"]').evaluate_all(
        "(links) => links.map((link) => link.dataset.test)")
    assert tabs == ["reports-tab-traffic", "reports-tab-chats", "reports-tab-conversion",
                    "reports-tab-effective"], "no agents report in the portal"
    assert value_of(page, "reports-fig-chats") == "0", "company A's chat is not company B's"
    assert "乙公司" in page.locator("header .lead").inner_text()
    assert hook(page, "reports-company").count() == 0
    # Company A's figures are not reachable from the portal, whatever the page asks.
    answer_ = page.evaluate("""(site) => fetch(`/api/portal/reports/chats?site_id=${site}`)
      .then((r) => r.status)""", world["site_a"]["id"])
    assert answer_ == 404


def test_absurd_ranges_are_refused_in_words_before_anything_is_asked(appliance: Appliance, owner,
                                                                     new_page) -> None:
    page = new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/reports/" in request.url
            else None)
    sign_in(page, appliance, OWNER, OWNER_PASSWORD, "#/reports/chats")
    hook(page, "reports-chats").wait_for()
    form = hook(page, "reports-filters")
    before = len(asked)
    for start, end, words in (("2026-12-06", "2026-12-01", "结束日期不能早于开始日期"),
                              ("2020-01-01", "2026-12-01", "最多查看 731 天")):
        hook(page, "reports-from").fill(start)
        hook(page, "reports-to").fill(end)
        hook(page, "reports-go").click()
        form.locator('[data-test="error"]', has_text=words).wait_for()
    assert len(asked) == before, "nothing was asked of the server"


def test_the_billing_page_shows_lead_times_in_the_company_time_zone(
        appliance: Appliance, two_companies, new_page) -> None:
    """A browser in New York reading a company that counts days in Shanghai: each lead's time
    is the company's, as the by-day table beside it counts it (13 hours apart)."""
    world = two_companies
    r = world["owner"].patch(f"/api/companies/{world['a']}",
                             json={"settings": {"timezone": "Asia/Shanghai"}})
    assert r.status_code == 200, r.text
    conversation = chat(appliance, world["site_a"], "想种牙")
    r = world["agent-a"].put(f"/api/conversations/{conversation}/lead", json={
        "name": "周女士", "phone": "13800001111", "need": "种牙"})
    assert r.status_code == 200, r.text
    started = r.json()["lead"]["chat_started_at"]
    r = world["owner"].post("/api/users", json={
        "login": "client-a", "display_name": "甲方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": world["a"]})
    assert r.status_code == 201, r.text
    page = new_page(timezone_id="America/New_York")
    log_in(page, appliance.url, "client-a", AGENT_PASSWORD_FOR_TESTS)
    meta = hook(page, "leads").locator('[data-test="lead-meta"]')
    meta.wait_for()
    shown = """([iso, zone]) => new Date(iso).toLocaleString('zh-CN', { hour12: false,
      ...(zone ? { timeZone: zone } : {}) })"""
    company_time = page.evaluate(shown, [started, "Asia/Shanghai"])
    browser_time = page.evaluate(shown, [started, None])
    assert company_time != browser_time
    assert meta.inner_text().startswith(company_time), (meta.inner_text(), company_time)
