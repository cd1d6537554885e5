"""The offline path against a real SMTP server (aiosmtpd on loopback): leave a message,
mail outbox with retries, replies mailed to visitors who left, close, rating, transcript."""

from __future__ import annotations

import asyncio
import json
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from conftest import Appliance
from served import free_port
from test_conversations import SITE_ORIGIN, Widget, agent_socket, cid, next_of

ALWAYS_CLOSED = {"timezone": "Asia/Shanghai", "week": {}}


class Inbox:
    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while len(self.mails) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.mails) >= count, f"{len(self.mails)} mails arrived"
        return self.mails


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def offline(start_appliance, smtp):
    appliance = start_appliance(mail_retry_seconds=1)
    owner, answer = appliance.setup()
    r = owner.put("/api/settings/smtp", json={
        "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "",
        "from_address": "kefu@example.com"})
    assert r.status_code == 200, r.text
    site = answer["site"]
    r = owner.patch(f"/api/sites/{site['id']}", json={"notify_email": "service@example.com"})
    assert r.status_code == 200, r.text
    return appliance, owner, r.json()["site"]


def outbox(appliance: Appliance) -> list[tuple]:
    db = appliance.database()
    try:
        return db.execute("SELECT json_extract(payload, '$.to'), status, attempts, last_error "
                          "FROM outbox WHERE kind = 'mail' ORDER BY id").fetchall()
    finally:
        db.close()


def leave(widget: Widget, **overrides) -> object:
    body = {"name": "李女士", "contact": {"phone": "138 0000 0000", "email": "li@example.com"},
            "message": "想预约周六洗牙\n请回电"}
    body.update(overrides)
    return widget.http.post("/api/widget/leave-message", json=body, headers=widget.headers)


def test_left_message_reaches_the_console_and_the_mail_server(offline, smtp) -> None:
    appliance, owner, site = offline
    widget = Widget(appliance, site["widget_key"])
    assert widget.session["availability"] == {
        "mode": "leave_message", "open": True, "agents_online": False, "opens_at": None,
        "hours": None}

    async def scenario() -> dict:
        agent = await agent_socket(appliance, owner)
        again = Widget(appliance, site["widget_key"], token=widget.token)
        assert again.session["availability"]["mode"] == "chat"
        r = await asyncio.to_thread(leave, widget)
        assert r.status_code == 201, r.text
        assert r.json()["conversation"]["status"] == "pending"
        changed = await next_of(agent, "conversation")
        message = await next_of(agent, "message")
        await agent.close()
        return {"conversation": changed["conversation"], "message": message}

    seen = asyncio.run(scenario())
    assert seen["conversation"]["status"] == "pending"
    assert seen["message"]["body"] == "想预约周六洗牙\n请回电"
    mail = smtp.inbox.wait()[0]
    assert mail["To"] == "service@example.com" and mail["From"] == "kefu@example.com"
    assert "李女士" in mail["Subject"]
    text = mail.get_content()
    assert "138 0000 0000" in text and "li@example.com" in text and "想预约周六洗牙" in text
    pending = owner.get("/api/conversations?view=pending").json()["conversations"]
    assert [c["id"] for c in pending] == [seen["conversation"]["id"]]
    # The visitor keeps their details; coming back, the widget shows the pending conversation.
    back = Widget(appliance, site["widget_key"], token=widget.token)
    assert back.session["conversation"]["status"] == "pending"
    assert back.session["visitor"]["name"] == "李女士"


def test_a_mail_server_outage_loses_nothing(offline, smtp) -> None:
    appliance, _, site = offline
    smtp.stop()
    widget = Widget(appliance, site["widget_key"])
    assert leave(widget).status_code == 201
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (outbox(appliance) and outbox(appliance)[0][2] >= 2):
        time.sleep(0.1)
    to, status, attempts, error = outbox(appliance)[0]
    assert (to, status) == ("service@example.com", "queued") and attempts >= 2 and error
    # The owner sees it in the console, not only in the server's log.
    owner = offline[1]
    shown = owner.get("/api/settings/outbox").json()["mail"]
    assert (shown["retrying"], shown["sent"], shown["failed"]) == (1, 0, 0), shown
    [stuck] = shown["undelivered"]
    assert stuck["to"] == "service@example.com" and stuck["attempts"] >= 2
    assert stuck["last_error"] and stuck["next_attempt_at"] and stuck["status"] == "queued"
    assert appliance.client().get("/api/settings/outbox").status_code == 401
    r = owner.post("/api/users", json={"login": "amy", "display_name": "Amy", "role": "supervisor",
                                       "password": "amy-password-1", "site_ids": [site["id"]]})
    assert r.status_code == 201, r.text
    supervisor = appliance.login("amy", "amy-password-1")
    assert supervisor.get("/api/settings/outbox").status_code == 403
    smtp.start()
    mail = smtp.inbox.wait(timeout=15)[0]
    assert mail["To"] == "service@example.com"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and outbox(appliance)[0][1] != "sent":
        time.sleep(0.05)
    assert outbox(appliance)[0][1] == "sent"
    assert len(smtp.inbox.mails) == 1
    shown = owner.get("/api/settings/outbox").json()["mail"]
    assert (shown["retrying"], shown["sent"], shown["undelivered"]) == (0, 1, []), shown


def test_reply_is_mailed_only_to_a_visitor_who_is_not_online(offline, smtp) -> None:
    appliance, owner, site = offline
    widget = Widget(appliance, site["widget_key"])
    conversation_id = leave(widget).json()["conversation"]["id"]
    smtp.inbox.wait()  # the site's notification
    r = owner.post(f"/api/conversations/{conversation_id}/messages",
                   json={"client_id": cid(), "body": "您好，周六上午十点可以"})
    assert r.status_code in (200, 201), r.text
    mails = smtp.inbox.wait(2)
    assert mails[1]["To"] == "li@example.com" and "周六上午十点可以" in mails[1].get_content()
    detail = owner.get(f"/api/conversations/{conversation_id}").json()
    assert detail["conversation"]["status"] == "open"
    # A note is never mailed.
    owner.post(f"/api/conversations/{conversation_id}/messages",
               json={"client_id": cid(), "kind": "note", "body": "内部备注"})

    async def online_reply() -> None:
        ws = await widget.connect()
        r = await asyncio.to_thread(
            owner.post, f"/api/conversations/{conversation_id}/messages",
            json={"client_id": cid(), "body": "您在线，就不发邮件了"})
        assert r.status_code in (200, 201), r.text
        await next_of(ws, "message")
        await ws.close()

    asyncio.run(online_reply())
    # A reply's mail is queued in the reply's own transaction: once the reply is answered,
    # the outbox holds every mail it will ever send for it.
    assert [row[0] for row in outbox(appliance)] == ["service@example.com", "li@example.com"]
    assert len(smtp.inbox.mails) == 2
    # The visitor who comes back sees the reply in their conversation.
    back = Widget(appliance, site["widget_key"], token=widget.token)
    assert back.session["conversation"]["id"] == conversation_id

    # Long-poll (no socket): between two polls the page is still there, so a reply right
    # after a poll answered is not mailed; once the polls stop for 10 s, it is.
    hub = appliance.runtime.hub
    r = back.http.post("/api/widget/poll", headers=back.headers, json={"timeout": 0})
    assert r.status_code == 200, r.text
    r = owner.post(f"/api/conversations/{conversation_id}/messages",
                   json={"client_id": cid(), "body": "轮询中，也不发邮件"})
    assert r.status_code in (200, 201), r.text
    assert len(outbox(appliance)) == 2
    clock = hub.clock
    later = clock() + 11
    hub.clock = lambda: later
    try:
        r = owner.post(f"/api/conversations/{conversation_id}/messages",
                       json={"client_id": cid(), "body": "您离开了，发邮件"})
        assert r.status_code in (200, 201), r.text
    finally:
        hub.clock = clock
    assert [row[0] for row in outbox(appliance)][2:] == ["li@example.com"]


def test_business_hours_and_hiding_decide_the_widget(offline) -> None:
    appliance, owner, site = offline

    async def scenario() -> None:
        agent = await agent_socket(appliance, owner)
        try:
            r = await asyncio.to_thread(owner.patch, f"/api/sites/{site['id']}",
                                        json={"business_hours": ALWAYS_CLOSED})
            assert r.status_code == 200, r.text
            assert r.json()["site"]["business_hours"]["timezone"] == "Asia/Shanghai"
            w = await asyncio.to_thread(Widget, appliance, site["widget_key"])
            assert w.session["availability"] == {
                "mode": "leave_message", "open": False, "agents_online": True, "opens_at": None,
                "hours": {"timezone": "Asia/Shanghai", "week": {
                    day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}}
            await asyncio.to_thread(owner.patch, f"/api/sites/{site['id']}",
                                    json={"offline_mode": "hide"})
            w = await asyncio.to_thread(Widget, appliance, site["widget_key"])
            assert w.session["availability"]["mode"] == "hidden"
            await asyncio.to_thread(owner.patch, f"/api/sites/{site['id']}",
                                    json={"business_hours": None})
            w = await asyncio.to_thread(Widget, appliance, site["widget_key"])
            assert w.session["availability"]["mode"] == "chat"
        finally:
            await agent.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("bad", [
    {"business_hours": {"timezone": "Asia/Shanghai", "week": {"mon": [["18:00", "09:00"]]}}},
    {"business_hours": {"timezone": "Asia/Shanghai", "week": {"mon": [["25:00", "26:00"]]}}},
    {"business_hours": {"timezone": "Nowhere/City", "week": {}}},
    {"offline_mode": "vanish"},
    {"notify_email": "not an address"},
    {"notify_email": "a@example.com\r\nBcc: x@example.com"},
])
def test_bad_site_settings_change_nothing(offline, bad) -> None:
    _, owner, site = offline
    r = owner.patch(f"/api/sites/{site['id']}", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == next(iter(bad))
    after = owner.get(f"/api/sites/{site['id']}").json()["site"]
    assert (after["business_hours"], after["offline_mode"], after["notify_email"]) == (
        None, "leave_message", "service@example.com")


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "李", "contact": {}, "message": "hi"}, "contact"),
    ({"name": "李", "contact": {"email": "nope"}, "message": "hi"}, "contact.email"),
    ({"name": "李", "contact": {"phone": "call me"}, "message": "hi"}, "contact.phone"),
    ({"name": "李", "contact": {"fax": "1"}, "message": "hi"}, "contact.fax"),
    ({"name": "", "contact": {"phone": "123"}, "message": "hi"}, "name"),
    ({"name": "李", "contact": {"phone": "123"}, "message": ""}, "message"),
    ({"name": "李", "contact": {"phone": "123"}, "message": "x" * 5001}, "message"),
    ({"name": "李", "contact": {"phone": "123"}, "message": 5}, "message"),
    ({"name": "李\u202e", "contact": {"phone": "123"}, "message": "hi"}, "name"),
    ({"name": "李", "contact": {"phone": "123"}, "message": "hi", "extra": 1}, "extra"),
])
def test_bad_left_messages_are_refused(offline, body, field) -> None:
    appliance, owner, site = offline
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/leave-message", json=body, headers=widget.headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field
    assert owner.get("/api/conversations?view=pending").json()["conversations"] == []
    assert outbox(appliance) == []


def test_leave_message_needs_a_visitor_and_an_allowed_origin(offline) -> None:
    appliance, _, site = offline
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/leave-message", json={})
    assert r.status_code == 401
    r = widget.http.post("/api/widget/leave-message", json={}, headers={
        "Authorization": f"Bearer {widget.token}", "Origin": "https://evil.example"})
    assert r.status_code == 403
    r = widget.http.options("/api/widget/leave-message", headers={"Origin": SITE_ORIGIN})
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == SITE_ORIGIN


def test_visitor_closes_rates_and_gets_the_transcript(offline, smtp) -> None:
    appliance, owner, site = offline
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "牙齿有点疼"})
    conversation_id = r.json()["conversation_id"]
    owner.post(f"/api/conversations/{conversation_id}/messages",
               json={"client_id": cid(), "kind": "note", "body": "机密备注"})
    owner.post(f"/api/conversations/{conversation_id}/messages",
               json={"client_id": cid(), "body": "建议来院检查"})

    def post(path: str, body: object):
        return widget.http.post(f"/api/widget/{path}", json=body, headers=widget.headers)

    r = post("rating", {"conversation_id": conversation_id, "rating": 5})
    assert r.status_code == 409  # only a closed conversation can be rated
    r = post("close", {"conversation_id": conversation_id})
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "closed"
    for bad in (0, 6, "5", 4.5, True, None):
        r = post("rating", {"conversation_id": conversation_id, "rating": bad})
        assert r.status_code == 400 and r.json()["error"]["field"] == "rating"
    r = post("rating", {"conversation_id": conversation_id, "rating": 3, "comment": "x" * 501})
    assert r.status_code == 400 and r.json()["error"]["field"] == "comment"
    assert post("rating", {"conversation_id": conversation_id, "rating": 2}).status_code == 200
    r = post("rating", {"conversation_id": conversation_id, "rating": 4, "comment": "很耐心"})
    assert r.json() == {"rating": 4, "comment": "很耐心"}
    shown = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert (shown["rating"], shown["rating_comment"]) == (4, "很耐心")
    history = owner.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]
    assert history[-1]["kind"] == "system" and history[-1]["body"] == "closed"
    stranger = Widget(appliance, site["widget_key"])
    r = stranger.http.post("/api/widget/rating", headers=stranger.headers,
                           json={"conversation_id": conversation_id, "rating": 1})
    assert r.status_code == 404
    r = post("transcript", {"conversation_id": conversation_id, "email": "bad\r\nBcc: x@y.z"})
    assert r.status_code == 400
    # Only to an address the visitor gave in the chat (here: the page's identify).
    r = post("transcript", {"conversation_id": conversation_id, "email": "me@example.com"})
    assert r.status_code == 403 and r.json()["error"]["field"] == "email"
    r = widget.http.post("/api/widget/session", headers={"Origin": widget.origin}, json={
        "site_key": site["widget_key"], "visitor_token": widget.token,
        "identify": {"email": "Me@Example.com"}})
    assert r.status_code == 200 and r.json()["visitor_token"] == widget.token
    r = post("transcript", {"conversation_id": conversation_id, "email": "boss@evil.example"})
    assert r.status_code == 403
    r = post("transcript", {"conversation_id": conversation_id, "email": "me@example.com"})
    assert r.status_code == 202 and r.json() == {"queued": True, "email": "me@example.com"}
    mail = smtp.inbox.wait()[-1]
    text = mail.get_content()
    assert mail["To"] == "me@example.com"
    assert "牙齿有点疼" in text and "建议来院检查" in text and "机密备注" not in text
    # In the site's language, times in the company's zone, system lines in words.
    assert mail["Subject"].endswith(f"：聊天记录 #{conversation_id}")
    assert "时间为 Asia/Shanghai 时间" in text and "UTC" not in text
    assert "-- closed" not in text and "结束了对话 --" in text


def test_smtp_settings_hide_the_password_and_test_mail_reports(offline, smtp) -> None:
    appliance, owner, _ = offline
    r = owner.put("/api/settings/smtp", json={
        "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "",
        "password": "s3cret", "from_address": "kefu@example.com"})
    assert r.status_code == 200 and "password" not in r.json()["smtp"]
    assert r.json()["smtp"]["has_password"] is True
    got = owner.get("/api/settings/smtp").json()["smtp"]
    assert got["has_password"] is True and "s3cret" not in json.dumps(got)
    r = owner.post("/api/settings/smtp/test", json={"to": "boss@example.com"})
    assert r.status_code == 200 and r.json()["sent"] is True, r.text
    assert smtp.inbox.wait()[-1]["To"] == "boss@example.com"
    for bad, field in (({"port": 0}, "port"), ({"security": "ssl"}, "security"),
                       ({"from_address": "x"}, "from_address"), ({"host": "a b"}, "host")):
        body = {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                "from_address": "kefu@example.com", **bad}
        r = owner.put("/api/settings/smtp", json=body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field
    smtp.stop()
    r = owner.post("/api/settings/smtp/test", json={"to": "boss@example.com"})
    assert r.status_code == 200 and r.json()["sent"] is False and r.json()["error"]
    assert owner.post("/api/settings/smtp/test", json={"to": "x"}).status_code == 400
    anonymous = appliance.client()
    assert anonymous.get("/api/settings/smtp").status_code == 401


def test_a_visitor_writing_after_leaving_a_message_continues_it(offline) -> None:
    appliance, owner, site = offline
    widget = Widget(appliance, site["widget_key"])
    left = leave(widget)
    assert left.status_code in (200, 201), left.text
    pending = owner.get("/api/conversations?view=pending").json()["conversations"]
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "补充一下：下午也行"})
    assert r.status_code == 200, r.text
    assert r.json()["conversation_id"] == pending[0]["id"]


def test_an_erasure_takes_the_persons_mails_and_delivered_mail_is_forgotten(
        offline, smtp) -> None:
    """Mails carry a visitor's words and address (the notice of a left message, the
    transcript): an erasure deletes that person's, sent or not, and keeps another's; a week
    after delivery every mail's text is gone."""
    from datetime import timedelta

    appliance, owner, site = offline
    person, other = Widget(appliance, site["widget_key"]), Widget(appliance, site["widget_key"])
    r = leave(person, message="ERASEME 我想预约周六洗牙")
    assert r.status_code == 201, r.text
    conversation_id = r.json()["conversation"]["id"]
    assert leave(other, name="王先生", contact={"phone": "13900001111"},
                 message="KEEPME 周日营业吗").status_code == 201
    r = person.http.post("/api/widget/transcript", headers=person.headers,
                         json={"conversation_id": conversation_id})
    assert r.status_code == 202, r.text
    smtp.inbox.wait(3)
    # The server has the mails; the dispatcher records each as sent just after.
    deadline = time.monotonic() + 10
    while [row[1] for row in outbox(appliance)] != ["sent"] * 3:
        assert time.monotonic() < deadline, outbox(appliance)
        time.sleep(0.05)
    [customer] = [c for c in owner.get(
        f"/api/companies/{site['company_id']}/customers").json()["customers"]
        if c["name"] == "李女士"]
    r = owner.post(f"/api/customers/{customer['id']}/erase", json={"confirm": True})
    assert r.status_code == 200, r.text
    db = appliance.database()
    try:
        payloads = [row[0] for row in db.execute("SELECT payload FROM outbox").fetchall()]
    finally:
        db.close()
    assert len(payloads) == 1 and "KEEPME" in payloads[0]
    assert not any("ERASEME" in p or "li@example.com" in p or "李女士" in p for p in payloads)

    dispatcher = appliance.runtime.outbox
    clock = dispatcher.clock
    later = clock() + timedelta(days=8)
    dispatcher.clock = lambda: later
    try:
        forgotten = asyncio.run_coroutine_threadsafe(
            dispatcher.forget_delivered(), appliance.server.loop).result(30)
    finally:
        dispatcher.clock = clock
    assert forgotten == 1 and outbox(appliance) == []
