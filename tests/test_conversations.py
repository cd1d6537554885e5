"""The conversation protocol over real sockets: send, ack, dedup, resume, scope, notes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import websockets
from conftest import Appliance

SITE_ORIGIN = "https://www.example.com"
AGENT_PASSWORD = "agent-password-1"


def cid() -> str:
    return uuid.uuid4().hex


class Widget:
    """A scripted visitor: a session over HTTP, then the widget socket."""

    def __init__(self, appliance: Appliance, site_key: str, origin: str = SITE_ORIGIN,
                 token: str | None = None) -> None:
        self.appliance, self.site_key, self.origin = appliance, site_key, origin
        client = appliance.client()
        body = {"site_key": site_key, "page": {"url": f"{origin}/pricing", "title": "价格"}}
        if token:
            body["visitor_token"] = token
        r = client.post("/api/widget/session", json=body, headers={"Origin": origin})
        assert r.status_code == 200, r.text
        self.session = r.json()
        self.token = self.session["visitor_token"]
        self.http = client
        self.headers = {"Authorization": f"Bearer {self.token}", "Origin": origin}

    async def connect(self):
        ws = await websockets.connect(self.appliance.url.replace("http", "ws") + "/api/widget/ws",
                                      origin=self.origin)
        await ws.send(json.dumps({"type": "auth", "site_key": self.site_key,
                                  "visitor_token": self.token}))
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        return ws


async def agent_socket(appliance: Appliance, client, *, workbench: bool = True):
    """A console socket; `workbench`: it shows the workbench, so the agent takes chats."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = await websockets.connect(appliance.url.replace("http", "ws") + "/api/agent/ws",
                                  origin=appliance.url, additional_headers={"Cookie": cookie})
    assert json.loads(await ws.recv())["type"] == "hello"
    if workbench:
        await ws.send(json.dumps({"type": "workbench", "present": True}))
        await next_of(ws, "status")  # entering may first hand them waiting chats
    return ws


def been_at_the_workbench(appliance: Appliance, *clients) -> None:
    """Each opened the workbench and closed it: present for the reload grace (30 s), as the
    target of a transfer must be."""
    async def visit() -> None:
        for client in clients:
            await (await agent_socket(appliance, client)).close()

    asyncio.run(visit())


async def next_of(ws, kind: str, timeout: float = 3) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == kind:
            return frame


def manual_routing(client, site_id: int) -> dict:
    """Chats of this site stay in the waiting list: for tests about delivery, not routing
    (routing has its own tests in test_routing.py)."""
    r = client.patch(f"/api/sites/{site_id}", json={"routing_strategy": "manual"})
    assert r.status_code == 200, r.text
    return r.json()["site"]


@pytest.fixture
def site(owner) -> dict:
    owner_client, setup = owner
    return manual_routing(owner_client, setup["site"]["id"])


def test_visitor_message_is_acked_once_and_reaches_the_agent(appliance, owner, site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        agent = await agent_socket(appliance, owner_client)
        ws = await widget.connect()
        client_id = cid()
        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": "你好，在吗"}))
        ack = await next_of(ws, "ack")
        assert ack["client_id"] == client_id and ack["seq"] == 1
        opened = await next_of(agent, "conversation")  # a new chat, announced with its text
        assert opened["conversation"]["last_message"]["body"] == "你好，在吗"
        assert opened["conversation"]["status"] == "open" and opened["conversation"]["unread"] == 1
        seen = await next_of(agent, "message")
        assert seen["body"] == "你好，在吗" and seen["seq"] == 1
        assert seen["sender"]["type"] == "visitor"
        # A resend after a lost ack gets the original seq, and stores nothing new.
        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": "你好，在吗"}))
        again = await next_of(ws, "ack")
        assert again["seq"] == 1 and again["message_id"] == ack["message_id"]
        await ws.close()
        await agent.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    history = owner_client.get(f"/api/conversations/{conversation_id}/messages").json()
    assert [m["body"] for m in history["messages"]] == ["你好，在吗"]
    listed = owner_client.get("/api/conversations?view=waiting").json()["conversations"]
    assert [c["id"] for c in listed] == [conversation_id] and listed[0]["unread"] == 1


def test_agent_reply_claims_and_visitor_resumes_after_reconnect(appliance, owner, site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "想咨询洗牙"}))
        ack = await next_of(ws, "ack")
        conv = ack["conversation_id"]
        await ws.close()  # the visitor drops off; the agent answers meanwhile
        for text in ("您好", "洗牙 198 元"):
            r = await asyncio.to_thread(owner_client.post, f"/api/conversations/{conv}/messages",
                                        json={"client_id": cid(), "body": text})
            assert r.status_code == 200, r.text
        note = await asyncio.to_thread(owner_client.post, f"/api/conversations/{conv}/messages",
                                       json={"client_id": cid(), "body": "老客户", "kind": "note"})
        assert note.status_code == 200
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "sync", "conversation_id": conv, "after_seq": 1}))
        replay = []
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 3))
            if frame["type"] == "message":
                replay.append(frame)
            if frame["type"] == "synced":
                break
        assert [m["kind"] for m in replay] == ["system", "text", "text"]
        assert [m["body"] for m in replay][1:] == ["您好", "洗牙 198 元"]
        assert replay[0]["body"] == "agent_joined"
        assert [m["seq"] for m in replay] == [2, 3, 4]
        assert frame["last_seq"] == 4  # the note (seq 5) is not the visitor's to see
        await ws.send(json.dumps({"type": "sync", "conversation_id": conv, "after_seq": 99}))
        assert (await next_of(ws, "reset"))["conversation_id"] == conv
        for bad in (-1, "1", 1.5, None, True):  # refused, as over HTTP, not a reset
            await ws.send(json.dumps({"type": "sync", "conversation_id": conv,
                                      "after_seq": bad}))
            error = await next_of(ws, "error")
            assert error["error"]["code"] == "invalid", error
            assert error["error"]["field"] == "after_seq", error
        await ws.close()
        return conv

    conv = asyncio.run(scenario())
    data = owner_client.get(f"/api/conversations/{conv}").json()
    assert data["conversation"]["assignee_id"] == owner[1]["user"]["id"]
    assert data["visitor"]["page_title"] == "价格"
    kinds = [m["kind"] for m in owner_client.get(
        f"/api/conversations/{conv}/messages").json()["messages"]]
    assert kinds == ["text", "system", "text", "text", "note"]


def test_long_poll_has_the_same_semantics(appliance, owner, site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    client_id = cid()
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": client_id, "body": "网络不好"})
    assert r.status_code == 200
    ack = r.json()
    again = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": client_id, "body": "网络不好"})
    assert again.json()["seq"] == ack["seq"] == 1
    conv = ack["conversation_id"]

    async def scenario() -> dict:
        poll = asyncio.create_task(asyncio.to_thread(
            widget.http.post, "/api/widget/poll", headers=widget.headers,
            json={"cursors": {str(conv): 1}, "timeout": 10}))
        deadline = time.monotonic() + 5
        while appliance.runtime.hub.count() == 0:  # the poll registered as a waiter
            assert time.monotonic() < deadline, "the poll never started waiting"
            await asyncio.sleep(0.01)
        assert not poll.done()  # waits for news
        await asyncio.to_thread(owner_client.post, f"/api/conversations/{conv}/messages",
                                json={"client_id": cid(), "body": "收到"})
        return (await poll).json()

    events = asyncio.run(scenario())["events"]
    bodies = [e["body"] for e in events if e["type"] == "message"]
    assert "收到" in bodies
    # Nothing new after the cursor: an empty answer after the timeout.
    r = widget.http.post("/api/widget/poll", headers=widget.headers,
                         json={"cursors": {str(conv): 3}, "timeout": 0.2})
    assert r.json()["events"] == [{"type": "synced", "conversation_id": conv, "last_seq": 3,
                                   "read_seq": 0}]


def test_origins_tokens_and_scope_are_enforced(appliance, owner, site) -> None:
    owner_client, setup = owner
    r = appliance.client().post("/api/widget/session", headers={"Origin": "https://evil.example"},
                                json={"site_key": site["widget_key"]})
    assert r.status_code == 403
    r = appliance.client().post("/api/widget/session", json={"site_key": "nope"})
    assert r.status_code == 404
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    conv = alice.http.post("/api/widget/send", headers=alice.headers,
                           json={"client_id": cid(), "body": "alice"}).json()["conversation_id"]
    r = bob.http.post("/api/widget/send", headers=bob.headers,
                      json={"client_id": cid(), "body": "x", "conversation_id": conv})
    assert r.status_code == 404  # a foreign conversation answers like a missing one
    r = bob.http.post("/api/widget/poll", headers=bob.headers,
                      json={"cursors": {str(conv): 0}, "timeout": 0})
    assert r.status_code == 404
    r = bob.http.post("/api/widget/send", headers={"Authorization": "Bearer forged"},
                      json={"client_id": cid(), "body": "x"})
    assert r.status_code == 401
    # Same token from another website's page: refused.
    r = bob.http.post("/api/widget/send", json={"client_id": cid(), "body": "x"},
                      headers={"Authorization": f"Bearer {bob.token}",
                               "Origin": "https://evil.example"})
    assert r.status_code == 403
    # The same browser comes back: same visitor, same open conversation.
    back = Widget(appliance, site["widget_key"], token=alice.token)
    assert back.token == alice.token and back.session["conversation"]["id"] == conv
    # An agent of another site sees nothing of it.
    other = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                              ).json()["site"]
    owner_client.post("/api/users", json={"login": "agentb", "display_name": "B",
                                          "role": "agent", "password": AGENT_PASSWORD,
                                          "site_ids": [other["id"]]})
    agent_b = appliance.login("agentb", AGENT_PASSWORD)
    assert agent_b.get(f"/api/conversations/{conv}").status_code == 404
    assert agent_b.get("/api/conversations?view=waiting").json()["conversations"] == []
    assert agent_b.post(f"/api/conversations/{conv}/messages",
                        json={"client_id": cid(), "body": "x"}).status_code == 404
    assert agent_b.get("/api/search?q=alice").json()["results"] == []
    del setup


def test_bad_frames_and_inputs_get_clear_refusals(appliance, owner, site) -> None:
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        ws = await widget.connect()
        for bad, field in (({"client_id": "short", "body": "x"}, "client_id"),
                           ({"client_id": cid(), "body": ""}, "body"),
                           ({"client_id": cid(), "body": "x" * 5001}, "body"),
                           ({"client_id": cid(), "body": "x", "kind": "note"}, "kind")):
            await ws.send(json.dumps({"type": "send", **bad}))
            nack = await next_of(ws, "nack")
            assert nack["error"]["code"] == "invalid", (bad, nack)
            assert nack["error"]["field"] == field
        await ws.send("{not json")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await next_of(ws, "never")
        assert closed.value.rcvd.code == 4400
        raw = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                       origin=SITE_ORIGIN)
        await raw.send(json.dumps({"type": "send", "body": "no auth"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await raw.recv()
        assert closed.value.rcvd.code == 4400
        stranger = await websockets.connect(
            appliance.url.replace("http", "ws") + "/api/widget/ws", origin="https://evil.example")
        await stranger.send(json.dumps({"type": "auth", "visitor_token": widget.token}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await stranger.recv()
        assert closed.value.rcvd.code == 4003

    asyncio.run(scenario())
    assert owner[0].get("/api/conversations?view=waiting").json()["conversations"] == []


def test_close_reopen_transfer_and_new_conversation_after_close(appliance, owner, site) -> None:
    owner_client, setup = owner
    agent = owner_client.post("/api/users", json={
        "login": "xiaoli", "display_name": "小李", "role": "agent", "password": AGENT_PASSWORD,
        "site_ids": [site["id"]]}).json()["user"]
    widget = Widget(appliance, site["widget_key"])
    first = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": cid(), "body": "订单问题"}).json()
    conv = first["conversation_id"]
    assert owner_client.post(f"/api/conversations/{conv}/claim", json={}).status_code == 200
    xiaoli = appliance.login("xiaoli", AGENT_PASSWORD)
    been_at_the_workbench(appliance, xiaoli)
    r = owner_client.post(f"/api/conversations/{conv}/transfer",
                          json={"agent_id": agent["id"], "note": "她是老客户"})
    assert r.status_code == 200 and r.json()["conversation"]["assignee_id"] == agent["id"]
    assert owner_client.post(f"/api/conversations/{conv}/transfer",
                             json={"agent_id": 999}).status_code == 404
    mine = xiaoli.get("/api/conversations?view=mine").json()["conversations"]
    assert [c["id"] for c in mine] == [conv]
    assert xiaoli.post(f"/api/conversations/{conv}/close", json={}).status_code == 200
    r = xiaoli.post(f"/api/conversations/{conv}/messages", json={"client_id": cid(), "body": "x"})
    assert r.status_code == 409
    second = widget.http.post("/api/widget/send", headers=widget.headers,
                              json={"client_id": cid(), "body": "还有个问题",
                                    "conversation_id": conv}).json()
    assert second["conversation_id"] != conv and second["seq"] == 1
    closed = xiaoli.get("/api/conversations?view=closed").json()["conversations"]
    assert [c["id"] for c in closed] == [conv]
    assert xiaoli.post(f"/api/conversations/{conv}/reopen", json={}).status_code == 200
    detail = owner_client.get(f"/api/conversations/{second['conversation_id']}").json()
    assert [c["id"] for c in detail["previous"]] == [conv]
    visitor_view = widget.http.post("/api/widget/poll", headers=widget.headers,
                                    json={"cursors": {str(conv): 0}, "timeout": 0}).json()
    seen = [e for e in visitor_view["events"] if e["type"] == "message"]
    assert "她是老客户" not in [e["body"] for e in seen]
    assert [e["body"] for e in seen if e["kind"] == "system"] == [
        "agent_joined", "transferred", "closed", "reopened"]
    del setup


def test_chinese_search_finds_two_and_one_character_queries(appliance, owner, site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    for text in ("我要申请退款，东西坏了", "什么时候发货？", "Refund please"):
        widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": text})
    def bodies(q: str) -> list[str]:
        r = owner_client.get("/api/search", params={"q": q})
        assert r.status_code == 200, r.text
        return [x["body"] for x in r.json()["results"]]
    assert bodies("退款") == ["我要申请退款，东西坏了"]
    assert bodies("发货") == ["什么时候发货？"]
    assert bodies("申请退款") == ["我要申请退款，东西坏了"]
    assert bodies("款") == ["我要申请退款，东西坏了"]
    assert bodies("refund") == ["Refund please"]
    assert bodies("退货") == []
    assert bodies('" OR *') == []
    assert owner_client.get("/api/search", params={"q": ""}).status_code == 400


def test_typing_and_read_events(start_appliance) -> None:
    appliance = start_appliance()
    owner_client, setup = appliance.setup()
    site = setup["site"]
    widget = Widget(appliance, site["widget_key"])

    async def scenario(preview: bool) -> dict:
        agent = await agent_socket(appliance, owner_client)
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "hi"}))
        ack = await next_of(ws, "ack")
        conv = ack["conversation_id"]
        await ws.send(json.dumps({"type": "typing", "conversation_id": conv, "typing": True,
                                  "draft": "我想问"}))
        typing = await next_of(agent, "typing")
        assert typing["typing"] is True and ("draft" in typing) is preview
        await agent.send(json.dumps({"type": "read", "conversation_id": conv, "seq": 1}))
        read = await next_of(ws, "read")
        assert read == {"type": "read", "conversation_id": conv, "reader": "agent", "seq": 1}
        await ws.close()
        await agent.close()
        return typing

    asyncio.run(scenario(False))
    owner_client.patch(f"/api/sites/{site['id']}", json={"typing_preview": True})
    assert asyncio.run(scenario(True))["draft"] == "我想问"


def test_a_message_committed_as_its_socket_drops_still_reaches_the_agent(
        appliance, owner, site) -> None:
    """The sender vanishes right after sending: the commit is still announced live, and the
    resend on reconnect is answered from the dedup key without a second copy."""
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        agent = await agent_socket(appliance, owner_client)
        for attempt in range(5):
            ws = await widget.connect()
            client_id = cid()
            await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                      "body": f"掉线前 {attempt}"}))
            ws.transport.abort()  # gone before any ack can arrive
            # Whether the server read the frame before the reset or not, after the resend
            # the agent has heard of the message exactly once.
            again = await widget.connect()
            await again.send(json.dumps({"type": "send", "client_id": client_id,
                                         "body": f"掉线前 {attempt}"}))
            ack = await next_of(again, "ack")
            seen = await next_of(agent, "message", timeout=5)
            assert seen["client_id"] == client_id and ack["seq"] == seen["seq"]
            await again.close()
        with pytest.raises(TimeoutError):
            await next_of(agent, "message", timeout=0.5)  # no duplicate frames
        await agent.close()

    asyncio.run(scenario())


def test_a_conversations_visitor_is_a_summary_and_the_contact_details_come_beside_it(
        appliance, owner, site) -> None:
    """api.md, Conversation: `visitor` is {id, name} in lists and in the detail; the e-mail
    address and phone the visitor gave are in the Visitor returned beside it."""
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
        "name": "李女士", "contact": {"email": "li@example.com", "phone": "13800138000"},
        "message": "请回电"})
    assert r.status_code == 201, r.text
    conversation_id = r.json()["conversation"]["id"]
    detail = owner_client.get(f"/api/conversations/{conversation_id}").json()
    visitor_id = detail["visitor"]["id"]
    assert detail["conversation"]["visitor"] == {"id": visitor_id, "name": "李女士"}
    assert detail["visitor"]["email"] == "li@example.com"
    assert detail["visitor"]["phone"] == "13800138000"
    listed = owner_client.get("/api/conversations", params={"view": "pending"}).json()
    assert [c["visitor"] for c in listed["conversations"]] == [
        {"id": visitor_id, "name": "李女士"}]
