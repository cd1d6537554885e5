"""Leads, reports and the client portal against the real server, and the scheduled report
mail against a real SMTP server on loopback: once per period, also across restarts."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS as PASSWORD
from conftest import ORIGIN_A, ORIGIN_B, Appliance
from python_calamine import CalamineWorkbook
from test_offline import smtp  # noqa: F401

from appliance.services.reports import send_due_reports


@pytest.fixture
def world(two_companies: dict[str, Any]) -> dict[str, Any]:
    return two_companies


def chat(app: Appliance, site: dict, origin: str, text: str = "你好",
         referrer: str = "", url: str = "", **identify: Any) -> int:
    body: dict[str, Any] = {"site_key": site["widget_key"],
                            "page": {"url": url or origin + "/", "referrer": referrer}}
    if identify:
        body["identify"] = identify
    token = httpx.post(f"{app.url}/api/widget/session", json=body,
                       headers={"Origin": origin}).json()["visitor_token"]
    r = httpx.post(f"{app.url}/api/widget/send", json={
        "client_id": f"lead-{token[:20]}", "body": text},
        headers={"Authorization": f"Bearer {token}", "Origin": origin})
    assert r.status_code == 200, r.text
    return int(r.json()["conversation_id"])


def tracked_chat(app: Appliance, watcher: Any, site: dict, origin: str, url: str,
                 referrer: str = "", text: str = "咨询") -> int:
    """A visitor whose page view is recorded (a visit, through the widget socket's `page`
    frame) before they start a chat; returns the conversation."""
    from test_conversations import Widget

    async def run() -> int:
        widget = Widget(app, site["widget_key"], origin)
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "page", "tab": "t-1", "url": url, "title": "页",
                                  "referrer": referrer, "language": "zh-CN",
                                  "visible": True, "screen": "desktop"}))
        visitor = widget.session["visitor"]["id"]
        for _ in range(200):
            live = (await asyncio.to_thread(watcher.get, "/api/visitors/live")).json()
            if any(v["id"] == visitor and v.get("page_count") for v in live["visitors"]):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the page view was not recorded")
        r = await asyncio.to_thread(widget.http.post, "/api/widget/send", json={
            "client_id": f"tracked-{widget.token[:20]}", "body": text}, headers=widget.headers)
        assert r.status_code == 200, r.text
        await ws.close()
        return int(r.json()["conversation_id"])

    return asyncio.run(run())


def save(client: Any, conversation_id: int, **fields: Any) -> httpx.Response:
    return client.put(f"/api/conversations/{conversation_id}/lead", json=fields)


def test_the_lead_card_is_prefilled_and_effective_by_the_default_rule(world) -> None:
    app, agent = world["appliance"], world["agent-a"]
    conversation = chat(app, world["site_a"], ORIGIN_A, name="周先生", phone="13811112222",
                        referrer="https://www.baidu.com/s?wd=%E7%89%99%E9%BD%BF%E7%9F%AB%E6%AD%A3")
    tracked = tracked_chat(app, world["owner"], world["site_a"], ORIGIN_A, ORIGIN_A + "/",
                           "https://www.baidu.com/s?wd=%E7%89%99%E9%BD%BF%E7%9F%AB%E6%AD%A3")
    card = agent.get(f"/api/conversations/{conversation}/lead").json()
    assert card["lead"] is None
    assert card["prefill"]["name"] == "周先生" and card["prefill"]["phone"] == "13811112222"
    assert card["required"] == ["name", "contact", "need"]
    r = save(agent, conversation, name="周先生", phone="13811112222")
    lead = r.json()["lead"]
    assert lead["effective"] is False and r.json()["missing"] == ["need"]
    r = save(agent, conversation, name="周先生", phone="13811112222", need="想做牙齿矫正",
             category="正畸", intent="high", follow_up_date="2026-12-20")
    lead = r.json()["lead"]
    assert lead["effective"] is True and r.json()["missing"] == []
    # No page of this visitor was recorded before the chat: no visit to credit.
    assert (lead["source"], lead["keyword"]) == ("unknown", "")
    other = save(agent, tracked, name="王", phone="13811113333", need="矫正").json()["lead"]
    assert (other["source"], other["keyword"]) == ("百度", "牙齿矫正")
    assert lead["site_id"] == world["site_a"]["id"] and lead["agent_name"] == "agent-a"
    assert lead["phone"] == "+8613811112222"
    customer = agent.get(f"/api/customers/{lead['customer_id']}").json()
    assert customer["customer"]["name"] == "周先生"
    assert [f["due_date"] for f in customer["follow_ups"]] == ["2026-12-20"]
    assert [item["id"] for item in customer["leads"]] == [lead["id"]]


@pytest.mark.parametrize("fields, field", [
    ({"phone": "1234"}, "phone"), ({"email": "x@"}, "email"), ({"qq": "abc"}, "qq"),
    ({"intent": "maybe"}, "intent"), ({"follow_up_date": "tomorrow"}, "follow_up_date"),
    ({"need": "x" * 2001}, "need"), ({"price": 1}, "price"),
])
def test_malformed_lead_fields_are_refused(world, fields, field) -> None:
    conversation = chat(world["appliance"], world["site_a"], ORIGIN_A)
    r = save(world["agent-a"], conversation, **fields)
    assert (r.status_code, r.json()["error"]["field"]) == (400, field)
    assert world["agent-a"].get(f"/api/conversations/{conversation}/lead").json()["lead"] is None


def test_the_rule_is_per_company_and_duplicates_are_flagged(world) -> None:
    app, owner = world["appliance"], world["owner"]
    r = owner.patch(f"/api/companies/{world['b']}", json={"settings": {
        "lead_required": ["phone"], "duplicate_days": 7}})
    assert r.status_code == 200, r.text
    first = chat(app, world["site_b"], ORIGIN_B)
    second = chat(app, world["site_b"], ORIGIN_B)
    a_side = chat(app, world["site_a"], ORIGIN_A)
    one = save(world["agent-b"], first, phone="13900001111").json()["lead"]
    two = save(world["agent-b"], second, phone="139 0000 1111").json()["lead"]
    other = save(world["agent-a"], a_side, name="x", phone="13900001111", need="y").json()["lead"]
    assert one["effective"] and one["duplicate_of"] is None
    assert two["effective"] and two["duplicate_of"] == one["id"]
    assert other["duplicate_of"] is None  # another company's lead is not a duplicate
    report = owner.get(f"/api/companies/{world['b']}/reports").json()["report"]
    assert (report["leads"], report["effective"], report["duplicates"], report["billable"]) == (
        2, 2, 1, 1)


def _counts(world: dict[str, Any], company: str = "a") -> tuple[int, int, int, int]:
    report = world["owner"].get(f"/api/companies/{world[company]}/reports").json()["report"]
    return (report["leads"], report["effective"], report["duplicates"], report["billable"])


def _flags(agent: Any, conversations: list[int]) -> list[int | None]:
    return [agent.get(f"/api/conversations/{c}/lead").json()["lead"]["duplicate_of"]
            for c in conversations]


def test_duplicate_flags_follow_a_changed_phone(world) -> None:
    """A lead is a duplicate of the company's earlier effective lead with the same phone;
    when that lead's phone changes, the flags it caused go, and a phone changed to an
    earlier lead's one makes the later lead a duplicate (probe 15, defect 5a)."""
    app, agent = world["appliance"], world["agent-a"]
    c1, c2, c3 = (chat(app, world["site_a"], ORIGIN_A) for _ in range(3))
    l1 = save(agent, c1, name="甲", phone="13900003333", need="n").json()["lead"]
    save(agent, c2, name="乙", phone="13900003333", need="n")
    save(agent, c3, name="丙", phone="13900003333", need="n")
    assert _flags(agent, [c1, c2, c3]) == [None, l1["id"], l1["id"]]
    assert _counts(world) == (3, 3, 2, 1)
    save(agent, c1, name="甲", phone="13900009999", need="n")  # the first lead's phone changes
    l2 = agent.get(f"/api/conversations/{c2}/lead").json()["lead"]
    assert _flags(agent, [c1, c2, c3]) == [None, None, l2["id"]]
    assert _counts(world) == (3, 3, 1, 2)
    save(agent, c3, name="丙", phone="13900009999", need="n")  # now the first lead's phone
    assert _flags(agent, [c1, c2, c3]) == [None, None, l1["id"]]
    save(agent, c1, name="甲", phone="", email="a@example.com", need="n")  # no phone at all
    assert _flags(agent, [c1, c2, c3]) == [None, None, None]
    assert _counts(world) == (3, 3, 0, 3)


def test_only_an_effective_lead_makes_later_ones_duplicates(world) -> None:
    """An effective lead after a non-effective one with the same phone is billed (probe 15,
    defect 5b); the flags follow when the earlier lead becomes effective or stops being so."""
    app, agent = world["appliance"], world["agent-a"]
    c1, c2, c3 = (chat(app, world["site_a"], ORIGIN_A) for _ in range(3))
    l1 = save(agent, c1, name="甲", phone="13900004444").json()["lead"]  # no need: not effective
    l2 = save(agent, c2, name="甲", phone="13900004444", need="想咨询").json()["lead"]
    assert (l1["effective"], l2["effective"], l2["duplicate_of"]) == (False, True, None)
    assert _counts(world) == (2, 1, 0, 1)
    save(agent, c3, name="甲", phone="13900004444")  # a later non-effective one is flagged
    assert _flags(agent, [c1, c2, c3]) == [None, None, l2["id"]]
    save(agent, c1, name="甲", phone="13900004444", need="补上需求")  # the first one now counts
    assert _flags(agent, [c1, c2, c3]) == [None, l1["id"], l1["id"]]
    assert _counts(world) == (3, 2, 2, 1)
    save(agent, c1, name="甲", phone="13900004444")  # and stops counting again
    assert _flags(agent, [c1, c2, c3]) == [None, None, l2["id"]]
    assert _counts(world) == (3, 1, 1, 1)
    save(agent, c2, name="甲", phone="13900004444")  # no effective lead left: nothing flagged
    assert _flags(agent, [c1, c2, c3]) == [None, None, None]
    assert _counts(world) == (3, 0, 0, 0)


def test_duplicate_flags_stay_within_the_company_and_its_window(world) -> None:
    app, owner = world["appliance"], world["owner"]
    r = owner.patch(f"/api/companies/{world['b']}", json={"settings": {
        "lead_required": ["phone"], "duplicate_days": 0}})
    assert r.status_code == 200, r.text
    b1, b2 = chat(app, world["site_b"], ORIGIN_B), chat(app, world["site_b"], ORIGIN_B)
    a1 = chat(app, world["site_a"], ORIGIN_A)
    save(world["agent-a"], a1, name="甲", phone="13900005555", need="n")
    save(world["agent-b"], b1, phone="13900005555")
    save(world["agent-b"], b2, phone="13900005555")  # duplicate_days 0: no check
    assert _flags(world["agent-b"], [b1, b2]) == [None, None]
    assert _counts(world, "b") == (2, 2, 0, 2)
    save(world["agent-a"], a1, name="甲", phone="13900006666", need="n")  # A never touches B
    assert _flags(world["agent-b"], [b1, b2]) == [None, None]


def test_flags_are_judged_again_under_the_current_window(world) -> None:
    """A lead flagged against one whose phone changes is judged again even when the company
    has since narrowed its window (here to 0: no duplicate check)."""
    app, owner, agent = world["appliance"], world["owner"], world["agent-b"]
    r = owner.patch(f"/api/companies/{world['b']}", json={"settings": {
        "lead_required": ["phone"], "duplicate_days": 7}})
    assert r.status_code == 200, r.text
    b1, b2 = chat(app, world["site_b"], ORIGIN_B), chat(app, world["site_b"], ORIGIN_B)
    first = save(agent, b1, phone="13900007777").json()["lead"]
    save(agent, b2, phone="13900007777")
    assert _flags(agent, [b1, b2]) == [None, first["id"]]
    r = owner.patch(f"/api/companies/{world['b']}", json={"settings": {"duplicate_days": 0}})
    assert r.status_code == 200, r.text
    assert _flags(agent, [b1, b2]) == [None, first["id"]]  # a setting alone changes no flag
    save(agent, b1, phone="13900008888")
    assert _flags(agent, [b1, b2]) == [None, None]
    assert _counts(world, "b") == (2, 2, 0, 2)


def test_reports_count_by_site_source_keyword_and_agent_and_export(world) -> None:
    app, agent, owner = world["appliance"], world["agent-a"], world["owner"]
    for site, origin, referrer, phone in (
            (world["site_a"], ORIGIN_A, "https://www.baidu.com/s?wd=种植牙", "13800000001"),
            (world["site_a"], ORIGIN_A, "https://www.sogou.com/web?query=种植牙", "13800000002"),
            (world["site_a2"], "https://a2.example", "", "13800000003")):
        conversation = tracked_chat(app, owner, site, origin, origin + "/", referrer)
        r = save(agent, conversation, name="客户", phone=phone, need="咨询")
        assert r.status_code == 200, r.text
    report = owner.get(f"/api/companies/{world['a']}/reports", params={"grain": "month"}).json()
    body = report["report"]
    assert body["billable"] == 3
    assert {row["source"]: row["billable"] for row in body["by_source"]} == {
        "百度": 1, "搜狗": 1, "direct": 1}
    assert body["by_keyword"] == [{"keyword": "种植牙", "leads": 2, "billable": 2}]
    assert {row["site_id"]: row["leads"] for row in body["by_site"]} == {
        world["site_a"]["id"]: 2, world["site_a2"]["id"]: 1}
    assert body["by_agent"] == [{"agent_id": world["agent-a-id"], "leads": 3, "billable": 3}]
    assert len(body["by_period"]) == 1
    r = owner.get(f"/api/companies/{world['a']}/reports/export", params={"format": "xlsx"})
    assert r.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    summary = dict(row[:2] for row in book.get_sheet_by_name("summary").to_python()[1:])
    assert summary["billable"] == 3
    assert len(book.get_sheet_by_name("leads").to_python()) == 4
    r = owner.get(f"/api/companies/{world['a']}/reports/export", params={"format": "csv"})
    assert r.status_code == 200 and r.content.decode("utf-8-sig").count("\n") == 4
    for params in ({"from": "2026-13-01"}, {"from": "2026-12-10", "to": "2026-12-01"},
                   {"grain": "year"}, {"format": "pdf"}):
        r = owner.get(f"/api/companies/{world['a']}/reports/export" if "format" in params
                      else f"/api/companies/{world['a']}/reports", params=params)
        assert r.status_code == 400, (params, r.text)
    # Company B sees none of it.
    r = world["agent-b"].get(f"/api/companies/{world['a']}/reports")
    assert r.status_code == 404


def make_client(world, company: str, login: str) -> Any:
    r = world["owner"].post("/api/users", json={
        "login": login, "display_name": "客户方", "role": "client", "password": PASSWORD,
        "company_id": world[company]})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["company_id"] == world[company]
    return world["appliance"].login(login, PASSWORD)


def note_last(world, text: str, reply: str = "") -> tuple[int, str]:
    """A chat of site A whose newest message is an agent's internal note (after `reply`, a
    visible answer, when given); returns the conversation and the visitor's token."""
    app, agent = world["appliance"], world["agent-a"]
    token = httpx.post(f"{app.url}/api/widget/session", json={
        "site_key": world["site_a"]["widget_key"]}, headers={"Origin": ORIGIN_A}).json()[
        "visitor_token"]
    r = httpx.post(f"{app.url}/api/widget/send", json={
        "client_id": f"note-{token[:20]}", "body": text},
        headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN_A})
    assert r.status_code == 200, r.text
    conversation = int(r.json()["conversation_id"])
    for kind, body in (("text", reply), ("note", f"INTERNALNOTE-{conversation} 客户很难缠")):
        if body:
            r = agent.post(f"/api/conversations/{conversation}/messages", json={
                "client_id": f"{kind}-{conversation}-{token[:12]}", "kind": kind,
                "body": body})
            assert r.status_code in (200, 201), r.text
    last = agent.get(f"/api/conversations/{conversation}").json()["conversation"]
    assert last["last_message"]["kind"] == "note"  # agents do see it as the newest
    return conversation, token


def test_no_note_reaches_the_portal_or_the_visitor_as_a_last_message(world) -> None:
    app = world["appliance"]
    answered, token = note_last(world, "访客问题一", reply="公开回复一")
    unanswered, _ = note_last(world, "访客问题二")
    client = make_client(world, "a", "client-notes")
    listed = {c["id"]: c for c in client.get("/api/portal/conversations").json()[
        "conversations"]}
    single = {c: client.get(f"/api/portal/conversations/{c}").json()
              for c in (answered, unanswered)}
    for conversation, last in ((answered, "公开回复一"), (unanswered, "访客问题二")):
        assert listed[conversation]["last_message"]["body"] == last
        assert single[conversation]["conversation"]["last_message"]["body"] == last
        assert "note" not in [m["kind"] for m in single[conversation]["messages"]]
    everything = str(listed) + str(single)
    assert "INTERNALNOTE" not in everything
    # The visitor's own answers (session, long-poll) carry no note either.
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN_A}
    own = httpx.post(f"{app.url}/api/widget/session", headers=headers, json={
        "site_key": world["site_a"]["widget_key"], "visitor_token": token})
    polled = httpx.post(f"{app.url}/api/widget/poll", headers=headers, json={
        "cursors": {str(answered): 0}, "timeout": 0})
    assert own.status_code == 200 and polled.status_code == 200, (own.text, polled.text)
    assert "公开回复一" in polled.text
    assert "INTERNALNOTE" not in own.text + polled.text


TIME_FIELDS = ("created_at", "last_activity_at", "closed_at")


def portal_view(client: Any, conversation: int) -> dict[str, Any]:
    """What the portal shows of one conversation (its list entry and its page), time fields
    left out."""
    def timeless(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: timeless(v) for k, v in value.items() if k not in TIME_FIELDS}
        if isinstance(value, list):
            return [timeless(v) for v in value]
        return value

    listed = [c for c in client.get("/api/portal/conversations").json()["conversations"]
              if c["id"] == conversation]
    single = client.get(f"/api/portal/conversations/{conversation}")
    assert single.status_code == 200 and len(listed) == 1, single.text
    return timeless({"listed": listed[0], **single.json()})


def test_notes_leave_no_trace_in_the_portal(world) -> None:
    """A chat with agents' internal notes (first, between, last; read by the agent) looks in
    the portal exactly as the same chat without them, apart from times: no note, no counter
    or number that counts notes, no gap in the numbering, no agents' unread or read marks."""
    app, agent = world["appliance"], world["agent-a"]
    client = make_client(world, "a", "client-traces")

    def a_chat(tag: str, notes: bool) -> int:
        token = httpx.post(f"{app.url}/api/widget/session", json={
            "site_key": world["site_a"]["widget_key"]}, headers={"Origin": ORIGIN_A}).json()[
            "visitor_token"]
        headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN_A}
        conversation = 0
        steps = [("visitor", "你好，在吗"), ("note", "先查一下他的订单"), ("text", "您好，在的"),
                 ("note", "老客户"), ("note", "第二条备注"), ("visitor", "想问价格"),
                 ("text", "稍等"), ("note", "末尾备注")]
        for n, (kind, body) in enumerate(steps):
            if kind == "note" and not notes:
                continue
            if kind == "visitor":
                r = httpx.post(f"{app.url}/api/widget/send", headers=headers, json={
                    "client_id": f"trace-{tag}-{n:04d}", "body": body})
                conversation = int(r.json()["conversation_id"])
            else:
                r = agent.post(f"/api/conversations/{conversation}/messages", json={
                    "client_id": f"trace-{tag}-{n:04d}", "kind": kind, "body": body})
            assert r.status_code in (200, 201), r.text
        last = agent.get(f"/api/conversations/{conversation}").json()["conversation"]
        r = agent.post(f"/api/conversations/{conversation}/read", json={"seq": last["last_seq"]})
        assert r.status_code == 200, r.text
        return conversation

    plain, noted = a_chat("plain", notes=False), a_chat("noted", notes=True)
    agents_view = agent.get(f"/api/conversations/{noted}").json()["conversation"]
    assert agents_view["last_message"]["kind"] == "note"  # agents do count and see the notes
    seen = {c: portal_view(client, c) for c in (plain, noted)}

    def anonymous(view: dict[str, Any]) -> dict[str, Any]:
        """Ids differ between two chats (the conversation's, the visitor's, the messages'
        and client ids, the install-wide message ids): replaced by their place."""
        text = json.dumps(view, ensure_ascii=False)
        for key in ("conversation_id", "client_id"):
            text = re.sub(rf'"{key}": "?[^,}}]*"?', f'"{key}": "-"', text)
        found = json.loads(text)
        found["listed"]["id"] = found["conversation"]["id"] = "-"
        for conversation in (found["listed"], found["conversation"]):
            conversation["visitor"] = "-"
            conversation["last_message"]["id"] = "-"
        for message in found["messages"]:
            message["id"] = "-"
            if message["sender"]["type"] == "visitor":
                message["sender"] = "-"
        if found["listed"]["last_message"]["sender"]["type"] == "visitor":
            found["listed"]["last_message"]["sender"] = "-"
            found["conversation"]["last_message"]["sender"] = "-"
        return found

    assert anonymous(seen[noted]) == anonymous(seen[plain])
    view = seen[noted]
    assert [m["seq"] for m in view["messages"]] == list(range(1, len(view["messages"]) + 1))
    assert view["conversation"]["last_seq"] == len(view["messages"]) == view["listed"]["last_seq"]
    assert view["conversation"]["last_message"] == [
        m for m in view["messages"] if m["sender"]["type"] != "system"][-1]
    for counter in ("unread", "agent_read_seq", "visitor_read_seq"):
        assert counter not in view["conversation"] and counter not in view["listed"]
    assert "备注" not in json.dumps(view, ensure_ascii=False)
    # The same chat before and after a note: the portal shows no difference but the times.
    r = agent.post(f"/api/conversations/{plain}/messages", json={
        "client_id": "trace-plain-late-note", "kind": "note", "body": "后加的备注"})
    assert r.status_code in (200, 201), r.text
    last = agent.get(f"/api/conversations/{plain}").json()["conversation"]["last_seq"]
    assert agent.post(f"/api/conversations/{plain}/read", json={"seq": last}).status_code == 200
    assert portal_view(client, plain) == seen[plain]


def test_a_client_account_sees_its_own_company_and_nothing_else(world) -> None:
    app, agent_a, agent_b = world["appliance"], world["agent-a"], world["agent-b"]
    save(agent_a, chat(app, world["site_a"], ORIGIN_A, "A的访客"), name="甲客户",
         phone="13800000001", need="x")
    save(agent_b, chat(app, world["site_b"], ORIGIN_B, "B的访客"), name="乙客户",
         phone="13800000002", need="y")
    client = make_client(world, "a", "client-a")
    assert client.get("/api/portal").json()["company"]["id"] == world["a"]
    leads = client.get("/api/portal/leads").json()["leads"]
    assert [lead["name"] for lead in leads] == ["甲客户"]
    conversations = client.get("/api/portal/conversations").json()["conversations"]
    assert len(conversations) == 1
    transcript = client.get(f"/api/portal/conversations/{conversations[0]['id']}").json()
    assert [m["body"] for m in transcript["messages"]] == ["A的访客"]
    assert client.get("/api/portal/reports").json()["report"]["billable"] == 1
    b_conversation = agent_b.get("/api/conversations").json()["conversations"][0]["id"]
    assert client.get(f"/api/portal/conversations/{b_conversation}").status_code == 404
    for path in ("/api/sites", "/api/companies", "/api/conversations", "/api/canned-replies",
                 f"/api/companies/{world['a']}/customers", f"/api/companies/{world['a']}/leads",
                 "/api/agents", "/api/teams", "/api/follow-ups", "/api/users"):
        r = client.get(path)
        assert r.status_code == 403, (path, r.text)
        assert "甲客户" not in r.text and "乙客户" not in r.text
    r = client.post("/api/canned-replies", json={"shortcut": "x", "body": "y"})
    assert r.status_code == 403
    # The agent socket is closed for a client: no live console.
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with connect(f"{app.url.replace('http', 'ws')}/api/agent/ws", origin=app.url,
                 additional_headers={"Cookie": cookie}) as ws, pytest.raises(ConnectionClosed):
        ws.recv(5)
    # Staff do not use the portal.
    assert agent_a.get("/api/portal/leads").status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"role": "client"}, "company_id"),
    ({"role": "client", "company_id": 1, "site_ids": [1]}, "site_ids"),
    ({"role": "agent", "company_id": 1}, "company_id"),
])
def test_client_accounts_need_exactly_one_company(world, body, field) -> None:
    r = world["owner"].post("/api/users", json={"login": "client-c", "display_name": "c",
                                                "password": PASSWORD, **body})
    assert (r.status_code, r.json()["error"]["field"]) == (400, field)


def run(app: Appliance, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, app.server.loop).result(60)


def test_the_scheduled_report_is_mailed_once_per_period(world, smtp, start_appliance,  # noqa: F811
                                                        tmp_path) -> None:
    app, owner = world["appliance"], world["owner"]
    r = owner.put("/api/settings/smtp", json={"host": "127.0.0.1", "port": smtp.port,
                                              "security": "none", "username": "",
                                              "from_address": "kefu@example.com"})
    assert r.status_code == 200, r.text
    r = owner.patch(f"/api/companies/{world['a']}", json={"settings": {
        "report_schedule": "weekly", "report_emails": ["boss@client-a.example"],
        "timezone": "Asia/Shanghai"}})
    assert r.status_code == 200, r.text
    save(world["agent-a"], chat(app, world["site_a"], ORIGIN_A), name="甲", phone="13800000001",
         need="x")
    save(world["agent-a"], chat(app, world["site_a"], ORIGIN_A), name="乙", need="y")
    svc = app.runtime.services
    next_week = svc.now() + timedelta(days=7)
    assert run(app, send_due_reports(svc, next_week)) == [f"{world['a']}:" + run(
        app, _label(svc, next_week))]
    assert run(app, send_due_reports(svc, next_week)) == []  # once per period
    mails = smtp.inbox.wait(1, timeout=20)
    mail = mails[0]
    assert mail["To"] == "boss@client-a.example"
    text = mail.get_body(("plain",)).get_content()
    assert "(billable): 1" in text
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(attachment.get_content()))
    summary = dict(row[:2] for row in book.get_sheet_by_name("汇总").to_python()[1:])
    assert (summary["有效咨询（计费）"], summary["全部线索"]) == (1, 2)  # in Chinese
    # Restarted on the same data directory: the week is still sent.
    data_dir = app.runtime.config.data_path
    app.close()
    again = start_appliance(data_dir=data_dir)
    assert run(again, send_due_reports(again.runtime.services, next_week)) == []
    assert len(smtp.inbox.mails) == 1


async def _label(svc: Any, moment: datetime) -> str:
    from appliance.domain.reports import local_date, previous_period, zone

    return previous_period("weekly", local_date(moment, zone("Asia/Shanghai"))).label


def test_an_agent_reads_only_the_leads_of_chats_they_served(world) -> None:
    """Agents: their own chats (README). The leads list, one lead, the effective-consultation
    report (only their own row of `by_agent`) and its exports hold the leads of chats they
    served (replied in, were given, hold) or captured; owners, supervisors and the company's
    client account still read every lead of the company."""
    app, owner, a = world["appliance"], world["owner"], world["a"]
    site = world["site_a"]
    for login, role in (("agent-a2", "agent"), ("sup-a", "supervisor")):
        r = owner.post("/api/users", json={"login": login, "display_name": login, "role": role,
                                           "password": PASSWORD, "site_ids": [site["id"]]})
        assert r.status_code == 201, r.text
    r = owner.post("/api/users", json={"login": "client-a", "display_name": "client-a",
                                       "role": "client", "password": PASSWORD, "company_id": a})
    assert r.status_code == 201, r.text
    one, two = world["agent-a"], app.login("agent-a2", PASSWORD)
    two_id = two.get("/api/me").json()["user"]["id"]

    def reply(agent: Any, conversation: int) -> None:
        r = agent.post(f"/api/conversations/{conversation}/messages", json={
            "client_id": f"served-{conversation}-{id(agent)}", "kind": "text", "body": "您好"})
        assert r.status_code in (200, 201), r.text

    chats = {name: chat(app, site, ORIGIN_A, text=name) for name in ("mine", "theirs", "both")}
    reply(one, chats["mine"])
    reply(two, chats["theirs"])
    reply(one, chats["both"])
    found = {}
    for name, agent, phone in (("mine", one, "13800000001"), ("theirs", two, "13800000002"),
                               ("both", two, "13800000003")):
        r = save(agent, chats[name], name=name, phone=phone, need="种牙")
        assert r.status_code == 200, r.text
        found[name] = r.json()["lead"]["id"]
    seen = {"mine", "both"}
    listed = one.get(f"/api/companies/{a}/leads").json()
    assert {lead["name"] for lead in listed["leads"]} == seen and listed["total"] == 2
    assert {lead["name"] for lead in two.get(f"/api/companies/{a}/leads").json()["leads"]} == {
        "theirs", "both"}
    assert one.get(f"/api/leads/{found['theirs']}").status_code == 404
    assert one.get(f"/api/leads/{found['both']}").status_code == 200
    report = one.get(f"/api/companies/{a}/reports").json()["report"]
    assert (report["leads"], report["billable"]) == (2, 2)
    assert [row["agent_id"] for row in report["by_agent"]] == [world["agent-a-id"]]
    assert report["by_agent"][0]["leads"] == 1
    r = one.get(f"/api/companies/{a}/reports/export", params={"format": "csv"})
    assert r.status_code == 200
    names = {line.split(",")[6] for line in r.content.decode("utf-8-sig").splitlines()[1:]}
    assert names == seen
    r = one.get(f"/api/companies/{a}/reports/export", params={"format": "xlsx"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert [row[0] for row in book.get_sheet_by_name("by agent").to_python()[1:]] == ["agent-a"]
    assert {row[6] for row in book.get_sheet_by_name("leads").to_python()[1:]} == seen
    report_two = two.get(f"/api/companies/{a}/reports").json()["report"]
    assert [row["agent_id"] for row in report_two["by_agent"]] == [two_id]
    assert report_two["by_agent"][0]["leads"] == 2
    # Everyone else reads the whole company.
    for client, path in ((owner, f"/api/companies/{a}/leads"),
                         (app.login("sup-a", PASSWORD), f"/api/companies/{a}/leads"),
                         (app.login("client-a", PASSWORD), "/api/portal/leads")):
        assert client.get(path).json()["total"] == 3, path
    assert len(owner.get(f"/api/companies/{a}/reports").json()["report"]["by_agent"]) == 2


SOURCES = [  # landing page, referrer -> traffic kind, source, keyword
    ("/ortho", "https://www.baidu.com/s?ie=utf-8&wd=%E7%89%99%E9%BD%BF%E7%BE%8E%E7%99%BD",
     "search", "百度", "牙齿美白"),
    ("/spring?utm_source=newsletter&utm_medium=email&utm_term=spring_sale", "",
     "campaign", "newsletter", "spring_sale"),
    ("/implant?utm_source=baidu&utm_medium=cpc&utm_term=%E7%A7%8D%E6%A4%8D%E7%89%99", "",
     "paid", "百度推广", "种植牙"),
    ("/about", "https://www.example.org/links", "website", "example.org", ""),
    ("/", "", "direct", "direct", ""),
]


def test_a_lead_is_credited_to_the_visit_its_chat_started_in(world) -> None:
    """One rule for where a chat and its lead came from: the visit the visitor was on when the
    chat started, named as in the traffic report (kinds direct, search, paid, campaign,
    portal, website); no visit recorded before the chat: `unknown`. The lead, the leads report
    and the conversion report agree, and the aggregates equal a rebuild."""
    from test_reports import settle

    from appliance.storage import report_aggregates, report_rebuild

    app, agent, owner, a = world["appliance"], world["agent-a"], world["owner"], world["a"]
    site = world["site_a"]

    expected = {}
    for n, (path, referrer, kind, source, keyword) in enumerate(SOURCES):
        conversation = tracked_chat(app, owner, site, ORIGIN_A, ORIGIN_A + path, referrer)
        r = save(agent, conversation, name=f"客户{n}", phone=f"1380000{n:04d}", need="咨询")
        assert (r.json()["lead"]["source"], r.json()["lead"]["keyword"]) == (source, keyword)
        expected[source] = (kind, keyword)
    # A chat whose visitor sent no page (tracking off, Do Not Track): no visit to credit.
    untracked = chat(app, site, ORIGIN_A, referrer="https://www.baidu.com/s?wd=x")
    lead = save(agent, untracked, name="无访问", phone="13800009999", need="咨询").json()["lead"]
    assert (lead["source"], lead["keyword"]) == ("unknown", "")
    settle(app)
    traffic = owner.get(f"/api/companies/{a}/reports/traffic").json()["report"]
    assert {(s["kind"], s["source"]) for s in traffic["sources"]} == {
        (kind, source) for source, (kind, _) in expected.items()}
    conversion = owner.get(f"/api/companies/{a}/reports/conversion").json()["report"]
    leads = owner.get(f"/api/companies/{a}/reports").json()["report"]
    by_conversion = {row["source"]: (row["chats"], row["leads"])
                     for row in conversion["by_source"]}
    assert by_conversion == {**{source: (1, 1) for source in expected}, "unknown": (1, 1)}
    assert {row["source"]: row["leads"] for row in leads["by_source"]} == {
        source: leads_n for source, (_, leads_n) in by_conversion.items()}
    keywords = {kw for _, kw in expected.values() if kw}
    assert {row["keyword"] for row in conversion["by_keyword"]} == keywords
    assert {row["keyword"] for row in leads["by_keyword"]} == keywords
    db, loop = app.runtime.db, app.server.loop

    def run(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    # Facts computed by an older version of the rules are stale: an upgraded install
    # recomputes them on its first catch-up (no migration).
    prefix = report_aggregates.RULES.split("'")[1]

    assert run(db.read(report_aggregates.stale, "conversation", 0, 100)) == []
    run(db.write(strip_rules_prefix, prefix))
    assert len(run(db.read(report_aggregates.stale, "conversation", 0, 100))) == len(SOURCES) + 1
    settle(app)
    assert run(db.read(report_aggregates.stale, "conversation", 0, 100)) == []
    assert run(db.read(report_aggregates.all_rows)) == run(db.write(report_rebuild.rebuilt_rows))


def strip_rules_prefix(prefix: str) -> None:
    from appliance.storage import report_aggregates

    report_aggregates._db().execute_sql(
        "UPDATE report_fact SET fingerprint = substr(fingerprint, ?)", (len(prefix) + 1,))


ORIGIN_A2 = "https://a2.example"


def test_supervisors_and_agents_read_leads_of_the_sites_they_serve_only(world) -> None:
    """The attack class: every lead, customer and lead-report endpoint, with the site ids and
    lead ids of a site of the company the caller does not serve, for a supervisor and for an
    agent (one who captured a lead there and was then taken off that site)."""
    app, owner, a = world["appliance"], world["owner"], world["a"]
    site_a, site_a2 = world["site_a"]["id"], world["site_a2"]["id"]
    ids = {}
    for login, role, sites in (("sup-a2", "supervisor", [site_a2]),
                               ("mover", "agent", [site_a, site_a2])):
        r = owner.post("/api/users", json={"login": login, "display_name": login, "role": role,
                                           "password": PASSWORD, "site_ids": sites})
        assert r.status_code == 201, r.text
        ids[login] = r.json()["user"]["id"]
    sup, mover = app.login("sup-a2", PASSWORD), app.login("mover", PASSWORD)
    client = make_client(world, "a", "client-scope")
    # The same person (one e-mail: one customer) chats on both sites; "mover" captures both.
    on_a = chat(app, world["site_a"], ORIGIN_A, text="A")
    on_a2 = chat(app, world["site_a2"], ORIGIN_A2, text="A2")
    hidden = save(mover, on_a, name="甲站客户", phone="13700000001", wechat="wx-secret",
                  email="same@example.com", need="种牙").json()["lead"]
    shown = save(mover, on_a2, name="乙站客户", phone="13700000002", email="same@example.com",
                 need="种牙").json()["lead"]
    assert hidden["customer_id"] == shown["customer_id"]
    r = owner.patch(f"/api/users/{ids['mover']}", json={"site_ids": [site_a2]})
    assert r.status_code == 200, r.text

    for who in (sup, mover):
        listed = who.get(f"/api/companies/{a}/leads")
        assert listed.status_code == 200, listed.text
        assert [lead["id"] for lead in listed.json()["leads"]] == [shown["id"]]
        assert listed.json()["total"] == 1
        r = who.get(f"/api/companies/{a}/leads", params={"site_id": site_a})
        assert r.status_code == 403, r.text
        assert who.get(f"/api/companies/{a}/leads", params={"site_id": world["site_b"]["id"]}
                       ).status_code == 404
        assert who.get(f"/api/leads/{hidden['id']}").status_code == 404
        assert who.get(f"/api/leads/{shown['id']}").status_code == 200
        report = who.get(f"/api/companies/{a}/reports").json()
        assert (report["report"]["leads"], report["report"]["billable"]) == (1, 1)
        assert report["report"]["by_site"] == [{"site_id": site_a2, "leads": 1, "billable": 1}]
        assert set(report["labels"]["sites"]) == {str(site_a2)}
        csv_text = who.get(f"/api/companies/{a}/reports/export",
                           params={"format": "csv"}).content.decode("utf-8-sig")
        assert "乙站客户" in csv_text and "甲站客户" not in csv_text
        assert "wx-secret" not in csv_text
        book = CalamineWorkbook.from_filelike(io.BytesIO(who.get(
            f"/api/companies/{a}/reports/export", params={"format": "xlsx"}).content))
        assert [row[0] for row in book.get_sheet_by_name("by site").to_python()[1:]] == ["A2"]
        assert [row[6] for row in book.get_sheet_by_name("leads").to_python()[1:]] == [
            "乙站客户"]
        page = who.get(f"/api/customers/{shown['customer_id']}")
        assert page.status_code == 200, page.text
        assert [lead["id"] for lead in page.json()["leads"]] == [shown["id"]]
        # The conversation of the hidden lead is as out of reach (the rule leads follow), and
        # so is every other report of the site.
        assert who.get(f"/api/conversations/{on_a}/lead").status_code in (403, 404)
        for kind in ("traffic", "chats", "agents", "conversion"):
            for suffix in ("", "/export"):
                r = who.get(f"/api/companies/{a}/reports/{kind}{suffix}", params={
                    "site_id": site_a, "format": "csv", "table": "summary"})
                assert r.status_code == 403, (kind, suffix, r.text)

    # Owners and the company's own client accounts read every site's leads.
    for who, path in ((owner, f"/api/companies/{a}"), (client, "/api/portal")):
        listed = who.get(f"{path}/leads").json()["leads"]
        assert {lead["id"] for lead in listed} == {hidden["id"], shown["id"]}
        by_site = who.get(f"{path}/reports").json()["report"]["by_site"]
        assert {row["site_id"] for row in by_site} == {site_a, site_a2}
    assert owner.get(f"/api/leads/{hidden['id']}").status_code == 200
    assert {lead["id"] for lead in owner.get(
        f"/api/customers/{shown['customer_id']}").json()["leads"]} == {hidden["id"], shown["id"]}
