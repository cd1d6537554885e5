"""Rights follow the user into open sockets: every check REST makes, the console socket makes
at the moment of use, before and after each kind of change to the user (sites narrowed, role
lowered, deactivated, password reset, session gone)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from conftest import AGENT_PASSWORD_FOR_TESTS, Appliance
from test_conversations import Widget, agent_socket, cid, manual_routing


class Console:
    """One user's open console socket, and their REST client for the same questions."""

    def __init__(self, appliance: Appliance, client: Any, ws: Any) -> None:
        self.appliance, self.client, self.ws = appliance, client, ws

    async def ask(self, frame: dict) -> dict:
        """Send a frame; the answer to it (ack/nack for send, synced/error for sync, the
        error of a refused read/typing, or a pong proving a read/typing was accepted)."""
        await self.ws.send(json.dumps(frame))
        if frame["type"] in ("read", "typing"):
            await self.ws.send(json.dumps({"type": "ping"}))
        wanted = {"send": ("ack", "nack"), "sync": ("synced", "error", "reset"),
                  "read": ("error", "pong"), "typing": ("error", "pong")}[frame["type"]]
        while True:
            answer = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
            if answer["type"] in wanted:
                break
        if answer["type"] == "error" and frame["type"] in ("read", "typing"):
            while json.loads(await asyncio.wait_for(self.ws.recv(), 5))["type"] != "pong":
                pass  # the pong that followed the refused frame
        return answer

    async def rights_in(self, conversation_id: int, *, note: bool = True) -> dict[str, str]:
        """What the socket lets this user do in the conversation: frame -> answer type or
        error code."""
        seen = {}
        frames = {"sync": {"after_seq": 0}, "read": {"seq": 1}, "typing": {"typing": True},
                  "send": {"client_id": cid(), "body": "socket reply"}}
        if note:
            frames["note"] = {"client_id": cid(), "body": "whisper", "kind": "note"}
        for name, extra in frames.items():
            kind = "send" if name == "note" else name
            answer = await self.ask({"type": kind, "conversation_id": conversation_id, **extra})
            seen[name] = answer["error"]["code"] if "error" in answer else answer["type"]
        return seen

    def rest_rights_in(self, conversation_id: int) -> dict[str, int]:
        c = self.client
        return {
            "sync": c.get(f"/api/conversations/{conversation_id}/messages").status_code,
            "read": c.post(f"/api/conversations/{conversation_id}/read",
                           json={"seq": 1}).status_code,
            "send": c.post(f"/api/conversations/{conversation_id}/messages",
                           json={"client_id": cid(), "body": "rest reply"}).status_code,
        }


ALLOWED = {"sync": "synced", "read": "pong", "typing": "pong", "send": "ack", "note": "ack"}
GONE = {"sync": "not_found", "read": "not_found", "typing": "not_found", "send": "not_found",
        "note": "not_found"}


@pytest.fixture
def install(appliance: Appliance, owner) -> dict:
    """Two sites (two client companies), a waiting chat on each, and one chat on site A that
    the owner serves (only supervisors and up may write in it)."""
    owner_client, setup = owner
    site_a = manual_routing(owner_client, setup["site"]["id"])
    company = owner_client.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    r = owner_client.post("/api/sites", json={"name": "乙", "url": "https://b.example",
                                              "company_id": company["id"]})
    site_b = manual_routing(owner_client, r.json()["site"]["id"])
    chats = {}
    for name, site in (("a_waiting", site_a), ("a_served", site_a), ("b_waiting", site_b)):
        widget = Widget(appliance, site["widget_key"],
                        origin=site["allowed_origins"][0])
        r = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": cid(), "body": f"hello {name}"})
        chats[name] = r.json()["conversation_id"]
        chats[name + "_widget"] = widget
    r = owner_client.post(f"/api/conversations/{chats['a_served']}/claim", json={})
    assert r.status_code == 200
    return {"owner": owner_client, "a": site_a, "b": site_b, **chats}


def _user(appliance: Appliance, owner_client, login: str, role: str,
          site_ids: list[int]) -> tuple[int, Any]:
    r = owner_client.post("/api/users", json={
        "login": login, "display_name": login, "role": role, "site_ids": site_ids,
        "password": AGENT_PASSWORD_FOR_TESTS})
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"], appliance.login(login, AGENT_PASSWORD_FOR_TESTS)


async def _console(appliance: Appliance, client) -> Console:
    return Console(appliance, client, await agent_socket(appliance, client))


async def _hears(ws, conversation_id: int, widget: Widget, body: str) -> bool:
    """Does the socket hear a new visitor message of that conversation?"""
    await asyncio.to_thread(widget.http.post, "/api/widget/send", headers=widget.headers,
                            json={"client_id": cid(), "body": body})
    await ws.send(json.dumps({"type": "ping"}))
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if frame["type"] == "message" and frame["body"] == body:
                assert frame["conversation_id"] == conversation_id
                return True
    except TimeoutError:
        return False


def test_narrowed_sites_apply_to_an_open_socket_at_once(appliance, install) -> None:
    owner_client = install["owner"]
    agent_id, agent = _user(appliance, owner_client, "xiaoli", "agent",
                            [install["a"]["id"], install["b"]["id"]])

    async def scenario() -> None:
        console = await _console(appliance, agent)
        assert await console.rights_in(install["a_waiting"]) == ALLOWED
        assert await _hears(console.ws, install["a_waiting"], install["a_waiting_widget"], "A1")
        r = await asyncio.to_thread(owner_client.patch, f"/api/users/{agent_id}",
                                    json={"site_ids": [install["b"]["id"]]})
        assert r.status_code == 200
        assert await console.rights_in(install["a_waiting"]) == GONE
        assert await console.rights_in(install["a_served"]) == GONE
        assert console.rest_rights_in(install["a_waiting"]) == {"sync": 404, "read": 404,
                                                                "send": 404}
        assert not await _hears(console.ws, install["a_waiting"], install["a_waiting_widget"],
                                "A2")
        # The site they still serve works as before, on the same socket.
        assert await console.rights_in(install["b_waiting"]) == ALLOWED
        assert await _hears(console.ws, install["b_waiting"], install["b_waiting_widget"], "B1")
        await console.ws.close()

    asyncio.run(scenario())
    history = owner_client.get(f"/api/conversations/{install['a_waiting']}/messages").json()
    assert "socket reply" in [m["body"] for m in history["messages"]]  # only the one before
    assert [m["body"] for m in history["messages"]].count("socket reply") == 1


def test_a_demoted_supervisor_loses_writing_in_others_chats_at_once(appliance, install) -> None:
    owner_client = install["owner"]
    user_id, supervisor = _user(appliance, owner_client, "zhuguan", "supervisor",
                                [install["a"]["id"]])
    served = install["a_served"]

    async def scenario() -> None:
        console = await _console(appliance, supervisor)
        assert await console.rights_in(served) == ALLOWED  # monitor and whisper in any chat
        r = await asyncio.to_thread(owner_client.patch, f"/api/users/{user_id}",
                                    json={"role": "agent"})
        assert r.status_code == 200 and r.json()["user"]["role"] == "agent"
        assert await console.rights_in(served) == {
            "sync": "synced", "read": "pong", "typing": "pong", "send": "forbidden",
            "note": "forbidden"}
        assert console.rest_rights_in(served) == {"sync": 200, "read": 200, "send": 403}
        # Waiting chats of their site are still theirs to answer, as for any agent.
        assert await console.rights_in(install["a_waiting"], note=False) == {
            "sync": "synced", "read": "pong", "typing": "pong", "send": "ack"}
        await console.ws.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_a_demoted_manager_loses_every_other_site_at_once(appliance, install, role) -> None:
    owner_client = install["owner"]
    user_id, manager = _user(appliance, owner_client, f"m-{role}", role, [])

    async def scenario() -> None:
        console = await _console(appliance, manager)
        for chat in ("a_served", "b_waiting"):
            assert await console.rights_in(install[chat]) == ALLOWED
        r = await asyncio.to_thread(owner_client.patch, f"/api/users/{user_id}",
                                    json={"role": "agent", "site_ids": [install["b"]["id"]]})
        assert r.status_code == 200
        assert await console.rights_in(install["a_served"]) == GONE
        assert await console.rights_in(install["a_waiting"]) == GONE
        assert console.rest_rights_in(install["a_waiting"]) == {"sync": 404, "read": 404,
                                                                "send": 404}
        assert not await _hears(console.ws, install["a_waiting"], install["a_waiting_widget"],
                                "A3")
        assert await console.rights_in(install["b_waiting"], note=False) == {
            "sync": "synced", "read": "pong", "typing": "pong", "send": "ack"}
        # Managing is gone too (a REST-only right): the console's user is now an agent.
        assert console.client.get("/api/users").status_code == 403
        await console.ws.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("change", ["deactivate", "password_reset", "session_expired"])
def test_an_ended_session_closes_the_socket_before_any_frame_acts(appliance, install,
                                                                  change) -> None:
    owner_client = install["owner"]
    user_id, agent = _user(appliance, owner_client, "xiaowang", "agent", [install["a"]["id"]])
    chat = install["a_waiting"]

    async def scenario() -> None:
        console = await _console(appliance, agent)
        assert await console.rights_in(chat, note=False) == {
            "sync": "synced", "read": "pong", "typing": "pong", "send": "ack"}
        if change == "deactivate":
            r = await asyncio.to_thread(owner_client.post, f"/api/users/{user_id}/deactivate",
                                        json={})
            reason = "deactivated"
        elif change == "password_reset":
            r = await asyncio.to_thread(owner_client.post, f"/api/users/{user_id}/password",
                                        json={"new_password": "another-password-9"})
            reason = "password_reset"
        else:  # the session ran out with no event at all: only the per-frame check sees it
            db = appliance.database()
            db.execute("UPDATE session SET expires_at = '2000-01-01 00:00:00' WHERE user_id = ?",
                       (user_id,))
            db.close()
            await console.ws.send(json.dumps({"type": "send", "conversation_id": chat,
                                              "client_id": cid(), "body": "too late"}))
            r, reason = None, "expired"
        assert r is None or r.status_code == 200
        frames = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                frames.append(json.loads(await asyncio.wait_for(console.ws.recv(), 3)))
        assert closed.value.rcvd.code == 4001
        assert frames[-1] == {"type": "session_ended", "reason": reason}
        assert not [f for f in frames if f["type"] in ("ack", "synced")]

    asyncio.run(scenario())
    bodies = [m["body"] for m in owner_client.get(
        f"/api/conversations/{chat}/messages").json()["messages"]]
    assert "too late" not in bodies
    assert agent.get("/api/me").status_code == 401


def test_a_visitor_socket_follows_its_sites_allowed_origins(appliance, install) -> None:
    """The widget's rights are its site's allowed origins: when the owner removes the page's
    origin, REST refuses at once and the open socket closes (4003) within a second."""
    owner_client, site = install["owner"], install["a"]
    widget = install["a_waiting_widget"]
    chat = install["a_waiting"]

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "sync", "conversation_id": chat, "after_seq": 0}))
        while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "synced":
            pass
        r = await asyncio.to_thread(owner_client.patch, f"/api/sites/{site['id']}",
                                    json={"allowed_origins": ["https://new.example.com"]})
        assert r.status_code == 200
        r = await asyncio.to_thread(widget.http.post, "/api/widget/send",
                                    headers=widget.headers,
                                    json={"client_id": cid(), "body": "over REST"})
        assert r.status_code == 403
        loop = asyncio.get_running_loop()
        changed = loop.time()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await ws.send(json.dumps({"type": "send", "client_id": cid(),
                                          "body": "over the socket"}))
                await asyncio.sleep(0.2)
        assert closed.value.rcvd.code == 4003
        assert loop.time() - changed < 1.5

    asyncio.run(scenario())
    bodies = [m["body"] for m in owner_client.get(
        f"/api/conversations/{chat}/messages").json()["messages"]]
    assert "over REST" not in bodies
    # At most what was sent within the second before the check; nothing after the close.
    assert bodies.count("over the socket") <= 6


def test_a_visitor_socket_that_only_pings_closes_when_its_origin_is_removed(appliance,
                                                                             install) -> None:
    """The heartbeat is a frame too: a widget that only pings (or answers pings) is closed
    with 4003 within a second of the origin's removal, and hears nothing of its chat after."""
    owner_client, site = install["owner"], install["a"]
    widget = install["a_waiting_widget"]

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "ping"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "pong":
            pass
        r = await asyncio.to_thread(owner_client.patch, f"/api/sites/{site['id']}",
                                    json={"allowed_origins": ["https://new.example.com"]})
        assert r.status_code == 200
        loop = asyncio.get_running_loop()
        changed = loop.time()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                for kind in ("ping", "pong"):
                    await ws.send(json.dumps({"type": kind}))
                    await asyncio.sleep(0.2)
        assert closed.value.rcvd.code == 4003
        assert loop.time() - changed < 1.5

    asyncio.run(scenario())


def test_a_user_made_a_client_account_loses_the_console_at_once(appliance, install) -> None:
    """Client accounts have no live console (docs/api.md: the socket closes with 4003); a user
    made one while their console is open is closed at their next frame, as a new socket is."""
    owner_client = install["owner"]
    user_id, agent = _user(appliance, owner_client, "kehu", "agent", [install["a"]["id"]])

    async def scenario() -> None:
        console = await _console(appliance, agent)
        r = await asyncio.to_thread(owner_client.patch, f"/api/users/{user_id}", json={
            "role": "client", "site_ids": [], "company_id": install["a"]["company_id"]})
        assert r.status_code == 200, r.text
        await console.ws.send(json.dumps({"type": "status", "status": "online"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                frame = json.loads(await asyncio.wait_for(console.ws.recv(), 3))
                assert frame["type"] not in ("status", "visitors"), frame
        assert closed.value.rcvd.code == 4003

    asyncio.run(scenario())
