"""Confidentiality between client companies, over the whole API: every route the app's router
knows (a new route is covered without touching this file) is called by every role of company
B — agent, supervisor and client account — with company A's ids. Each answer is 403 or 404, or
(for routes without ids, such as lists) a success that holds nothing of company A; no answer
ever shows company A's data (a body refused with 400 before anything is looked up is allowed
when the very same answer comes for an id that does not exist). Owners and admins manage the
whole install and are not scoped."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx
import pytest
from conftest import Appliance
from test_conversations import Widget

PASSWORD = "scope-password-1"
ORIGIN_A, ORIGIN_B = "https://www.example.com", "https://b.example"
SECRET = "甲机密"  # in every record of company A; must never reach company B
# Routes without a signed-in user (setup, login, the widget's, pages): not a company's scope.
# Signing out ends the caller's own session, which has nothing of anyone else's.
PUBLIC = re.compile(r"^/(api/(setup|auth/log(in|out)|widget/)|healthz|embed|chat/|ui/|app/|login"
                    r"|setup|$)")


def ok(r: httpx.Response) -> httpx.Response:
    assert r.status_code in (200, 201), r.text
    return r


@pytest.fixture
def companies(appliance: Appliance, owner) -> dict[str, Any]:
    """Company A with one of everything, company B with its own people."""
    boss, setup = owner
    a, site_a = setup["company"]["id"], setup["site"]
    ok(boss.patch(f"/api/companies/{a}", json={"settings": {"customer_fields": [
        {"key": "note", "label": "备注", "type": "text"}]}}))
    b = ok(boss.post("/api/companies", json={"name": "乙公司"})).json()["company"]["id"]
    site_b = ok(boss.post("/api/sites", json={"name": "B", "url": ORIGIN_B,
                                              "company_id": b})).json()["site"]
    users: dict[str, Any] = {}
    for login, role, extra in (
            ("agent-a", "agent", {"site_ids": [site_a["id"]]}),
            ("agent-b", "agent", {"site_ids": [site_b["id"]]}),
            ("lead-b", "supervisor", {"site_ids": [site_b["id"]]}),
            ("client-b", "client", {"company_id": b})):
        ok(boss.post("/api/users", json={"login": login, "display_name": login, "role": role,
                                         "password": PASSWORD, **extra}))
        users[login] = appliance.login(login, PASSWORD)
    agent_a = users["agent-a"]
    ids: dict[str, int] = {"company_id": a, "site_id": site_a["id"]}
    # A visitor of A who chats, uploads and gives details; the agent answers and captures.
    session = ok(httpx.post(f"{appliance.url}/api/widget/session", headers={"Origin": ORIGIN_A},
                            json={"site_key": site_a["widget_key"], "identify": {
                                "name": SECRET + "访客", "phone": "13800001111"}})).json()
    widget = {"Authorization": f"Bearer {session['visitor_token']}", "Origin": ORIGIN_A}
    ids["conversation_id"] = ok(httpx.post(f"{appliance.url}/api/widget/send", headers=widget,
                                           json={"client_id": "scope-0001",
                                                 "body": SECRET + "消息"})).json()[
        "conversation_id"]
    conversation = ids["conversation_id"]
    ok(agent_a.post(f"/api/conversations/{conversation}/messages",
                    json={"client_id": "scope-a-0001", "body": SECRET + "回复"}))
    ids["attachment_id"] = ok(agent_a.post(f"/api/conversations/{conversation}/upload", files={
        "file": ("a.txt", (SECRET + "\n").encode(), "text/plain")})).json()["attachment"]["id"]
    lead = ok(agent_a.put(f"/api/conversations/{conversation}/lead", json={
        "name": SECRET + "线索", "phone": "13800001111", "need": SECRET,
        "follow_up_date": "2026-12-31"})).json()["lead"]
    ids["lead_id"] = lead["id"]
    ids["customer_id"] = lead["customer_id"]
    ok(agent_a.post(f"/api/customers/{lead['customer_id']}/notes", json={"body": SECRET}))
    ids["follow_up_id"] = ok(agent_a.post(f"/api/customers/{lead['customer_id']}/follow-ups",
                                          json={"due_date": "2026-01-01", "note": SECRET})
                             ).json()["follow_up"]["id"]
    other = ok(agent_a.post(f"/api/companies/{a}/customers", json={
        "name": SECRET + "二", "custom": {"note": SECRET}})).json()["customer"]
    ids["merge_id"] = ok(agent_a.post(f"/api/customers/{lead['customer_id']}/merge", json={
        "other_id": other["id"]})).json()["merge"]["id"]
    ids["reply_id"] = ok(boss.post("/api/canned-replies", json={
        "shortcut": "jia", "body": SECRET, "company_id": a})).json()["canned_reply"]["id"]
    ok(boss.post("/api/canned-replies", json={"shortcut": "jia2", "body": SECRET,
                                              "site_id": site_a["id"]}))
    ids["entry_id"] = ok(boss.post(f"/api/companies/{a}/kb/entries", json={
        "question": SECRET + "问题", "answer": SECRET})).json()["entry"]["id"]
    ids["group_id"] = ok(boss.post(f"/api/companies/{a}/kb/synonyms", json={
        "terms": [SECRET, "甲词"]})).json()["synonym"]["id"]
    ids["team_id"] = ok(boss.post("/api/teams", json={
        "name": "甲组", "site_id": site_a["id"], "member_ids": []})).json()["team"]["id"]
    ids["category_id"] = ok(boss.post(f"/api/sites/{site_a['id']}/categories", json={
        "name": "甲类"})).json()["category"]["id"]
    ids["user_id"] = agent_a.get("/api/me").json()["user"]["id"]
    # A visitor of A browsing a page (titled with the secret), invited by A's agent; a rule
    # and a block of A's.
    ids["visitor_id"], ids["invitation_id"] = asyncio.run(
        _invited_visitor(appliance, site_a["widget_key"], agent_a))
    ids["rule_id"] = ok(boss.post(f"/api/sites/{site_a['id']}/invitation-rules", json={
        "name": SECRET, "message": SECRET, "conditions": {"min_pages": 2}})).json()["rule"]["id"]
    ids["block_id"] = ok(boss.post("/api/blocks", json={
        "site_id": site_a["id"], "kind": "ip", "value": "203.0.113.9",
        "reason": SECRET})).json()["block"]["id"]
    ids["item_id"] = 1
    del users["agent-a"]
    return {"app": appliance, "ids": ids, "b": users, "site_b": site_b}


async def _invited_visitor(appliance: Appliance, widget_key: str,
                           agent: httpx.Client) -> tuple[int, int]:
    widget = Widget(appliance, widget_key)
    visitor_id = widget.session["visitor"]["id"]
    ws = await widget.connect()
    await ws.send(json.dumps({"type": "page", "tab": "t-1", "url": f"{ORIGIN_A}/secret",
                              "title": SECRET + "页面", "referrer": "", "language": "zh-CN",
                              "visible": True, "screen": "desktop"}))
    deadline = time.monotonic() + 5
    while not any(v["id"] == visitor_id for v in
                  (await asyncio.to_thread(agent.get, "/api/visitors/live")).json()["visitors"]):
        assert time.monotonic() < deadline, "the visitor never appeared in the live list"
        await asyncio.sleep(0.05)
    invitation = ok(await asyncio.to_thread(agent.post, f"/api/visitors/{visitor_id}/invite",
                                            json={"message": SECRET})).json()["invitation"]
    await ws.close()
    return visitor_id, invitation["id"]


def _routes(app: Any) -> list[tuple[str, str, list[str]]]:
    found = []
    for route in app.router.routes:
        if getattr(route.extra, "websocket", False):
            continue
        path = "/" + route.path
        if PUBLIC.match(path):
            continue
        params = [param.name for param in route.params.values()]
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path, params))
    return sorted(found)


def test_no_route_shows_company_a_to_anyone_of_company_b(companies) -> None:
    app: Appliance = companies["app"]
    routes = _routes(app.server.app)
    assert len(routes) > 80
    ids = companies["ids"]
    checked = 0
    for who, client in companies["b"].items():
        for method, path, params in routes:
            url = path
            for name in params:
                assert name in ids, f"{path}: no id of company A for <{name}>"
                url = re.sub(rf"<{name}(:[^>]*)?>", str(ids[name]), url)
            body = {} if method in ("POST", "PUT", "PATCH") else None
            query = {"q": SECRET, "site_id": str(ids["site_id"])} if method == "GET" else None
            r = client.request(method, url, json=body, params=query)
            where = f"{who} {method} {url}: {r.status_code} {r.text[:200]}"
            assert SECRET not in r.content.decode("utf-8", "replace"), where
            if params and r.status_code not in (403, 404):
                # A body refused before any lookup (the same 400 for an id that does not
                # exist) tells nothing about company A.
                missing = client.request(method, re.sub(r"/\d+", "/999999999", url),
                                         json=body, params=query)
                assert (r.status_code, r.json()) == (400, missing.json()), where
            else:
                assert r.status_code in (200, 201, 400, 403, 404), where
            checked += 1
    assert checked == 3 * len(routes)


def test_company_a_reaches_its_own_records(companies) -> None:
    """The same ids work for company A's agent: the refusals above are about scope."""
    app: Appliance = companies["app"]
    agent = app.login("agent-a", PASSWORD)
    ids = companies["ids"]
    for path in (f"/api/customers/{ids['customer_id']}", f"/api/leads/{ids['lead_id']}",
                 f"/api/conversations/{ids['conversation_id']}/lead",
                 f"/api/companies/{ids['company_id']}/customers"):
        r = agent.get(path)
        assert r.status_code == 200 and SECRET in r.text, (path, r.text[:200])
    report = agent.get(f"/api/companies/{ids['company_id']}/reports").json()["report"]
    assert report["billable"] == 1
