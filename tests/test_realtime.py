"""Fan-out over real sockets: slow and bad peers, who hears what, tabs, sign-outs, heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from typing import Any

import pytest
import websockets
from conftest import Appliance
from test_conversations import (
    AGENT_PASSWORD,
    SITE_ORIGIN,
    Widget,
    agent_socket,
    cid,
    manual_routing,
    next_of,
)

OTHER_ORIGIN = "https://b.example"


@pytest.fixture
def site(owner) -> dict:
    owner_client, setup = owner
    return manual_routing(owner_client, setup["site"]["id"])


def widget_url(appliance: Appliance) -> str:
    return appliance.url.replace("http", "ws") + "/api/widget/ws"


async def closed_code(ws: Any, timeout: float = 5) -> int:
    """Read until the server closes the socket; its close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


async def frames_until(ws: Any, kind: str, timeout: float = 3) -> list[dict]:
    """The frames received up to and including the next one of type `kind`."""
    frames = []
    while (frames or [{}])[-1].get("type") != kind:
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
    return frames


async def drain(ws: Any, timeout: float = 3) -> list[dict]:
    """Every frame the server sent before this point: ping, then read up to the pong."""
    await ws.send(json.dumps({"type": "ping"}))
    return (await frames_until(ws, "pong", timeout))[:-1]


async def round_trip(ws: Any) -> float:
    """Seconds a ping takes to come back as a pong (frames before it are skipped)."""
    started = time.monotonic()
    await drain(ws, timeout=2)
    return time.monotonic() - started


def post_message(client: Any, conv: int, body: str, kind: str = "text") -> dict:
    r = client.post(f"/api/conversations/{conv}/messages",
                    json={"client_id": cid(), "body": body, "kind": kind})
    assert r.status_code == 200, r.text
    return r.json()


def add_agent(appliance: Appliance, owner_client: Any, login: str, site_ids: list[int]) -> Any:
    r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                              "role": "agent", "password": AGENT_PASSWORD,
                                              "site_ids": site_ids})
    assert r.status_code == 201, r.text
    return r.json()["user"], appliance.login(login, AGENT_PASSWORD)


# -- a slow consumer ---------------------------------------------------------------------------

async def connect_and_stop_reading(appliance: Appliance,
                                   widget: Widget) -> tuple[Any, socket.socket]:
    """A visitor socket whose reader has stalled: a tiny receive buffer and a client that
    buffers one frame, so the server's writes back up as soon as the kernel's buffers fill."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", appliance.port))
    sock.setblocking(False)
    ws = await websockets.connect(widget_url(appliance), sock=sock, origin=SITE_ORIGIN,
                                  max_queue=1, ping_interval=None)
    await ws.send(json.dumps({"type": "auth", "site_key": widget.site_key,
                              "visitor_token": widget.token}))
    return ws, sock


def test_slow_visitor_is_cut_off_others_carry_on_and_it_resumes_in_full(
        appliance, owner, site) -> None:
    owner_client, _ = owner
    slow = Widget(appliance, site["widget_key"])
    other = Widget(appliance, site["widget_key"])
    conv = slow.http.post("/api/widget/send", headers=slow.headers,
                          json={"client_id": cid(), "body": "在吗"}).json()["conversation_id"]
    other_conv = other.http.post("/api/widget/send", headers=other.headers,
                                 json={"client_id": cid(), "body": "你好"}
                                 ).json()["conversation_id"]
    filler = "长" * 4990  # about 15 KB a frame
    count = 600

    async def scenario() -> None:
        # The stalled socket gets a small send buffer on the server's side (accepted sockets
        # inherit it from the listening one), so how much the kernel holds for it does not
        # depend on the machine; later sockets get a roomy one.
        listener = appliance.server.sock
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16_384)
        stalled, sock = await connect_and_stop_reading(appliance, slow)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4_194_304)
        try:
            async with await other.connect() as healthy:
                slowest_post = slowest_trip = 0.0
                for i in range(count):
                    started = time.monotonic()
                    await asyncio.to_thread(post_message, owner_client, conv,
                                            f"{i:04d}{filler}")
                    slowest_post = max(slowest_post, time.monotonic() - started)
                    if i % 100 == 50:
                        slowest_trip = max(slowest_trip, await round_trip(healthy))
                        await asyncio.to_thread(post_message, owner_client, other_conv,
                                                f"还在吗 {i}")
                        while (frame := await next_of(healthy, "message"))["kind"] != "text":
                            pass  # the first reply brings an "agent_joined" line
                        assert frame["body"] == f"还在吗 {i}"
                # Everyone else was served promptly while one peer was stuck.
                assert slowest_post < 2 and slowest_trip < 1, (slowest_post, slowest_trip)
            # The stalled reader wakes up: what was queued before the cut, then 4008.
            received = []
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    frame = json.loads(await asyncio.wait_for(stalled.recv(), 10))
                    if frame["type"] == "message":
                        received.append(frame)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
        finally:
            await stalled.close()
            sock.close()
        seqs = [m["seq"] for m in received]
        assert seqs == list(range(2, 2 + len(seqs)))  # in order, no gap, then nothing
        assert len(received) < count - 256, len(received)
        # Reconnect and sync from the last seq it holds: everything else, in order.
        async with await slow.connect() as ws:
            await ws.send(json.dumps({"type": "sync", "conversation_id": conv,
                                      "after_seq": seqs[-1] if seqs else 1}))
            while (frame := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != (
                    "synced"):
                if frame["type"] == "message":
                    received.append(frame)
        texts = [m for m in received if m["kind"] == "text"]
        assert [m["body"][:4] for m in texts] == [f"{i:04d}" for i in range(count)]
        assert [m["seq"] for m in received] == list(range(2, count + 3))
        assert frame["last_seq"] == count + 2  # "在吗", "agent_joined", then the 600

    asyncio.run(scenario())


# -- one bad peer ----------------------------------------------------------------------------

def test_a_bad_socket_is_closed_alone_while_another_visitor_chats_on(appliance, owner,
                                                                     site) -> None:
    owner_client, _ = owner
    healthy = Widget(appliance, site["widget_key"])
    culprit = Widget(appliance, site["widget_key"])
    conv = healthy.http.post("/api/widget/send", headers=healthy.headers,
                             json={"client_id": cid(), "body": "开始"}).json()["conversation_id"]
    post_message(owner_client, conv, "您好")  # claims it: the "agent_joined" line is seq 2

    async def misbehave(how: str) -> int:
        async with await culprit.connect() as ws:
            if how == "garbage":
                await ws.send("\x00\x01 definitely not json")
            elif how == "invalid utf-8":
                await ws.send(b"{\"type\": \"ping\xff\xfe\"}", text=True)
            elif how == "binary":
                await ws.send(b"\x89PNG\r\n")
            elif how == "oversized":
                await ws.send(json.dumps({"type": "send", "client_id": cid(),
                                          "body": "x" * 70_000}))
            elif how == "array":
                await ws.send("[1, 2, 3]")
            return await closed_code(ws)

    async def scenario() -> None:
        async with await healthy.connect() as ws:
            seq = 3
            for how, code in (("garbage", 4400), ("invalid utf-8", 1007), ("binary", 4400),
                              ("oversized", 1009), ("array", 4400)):
                assert await misbehave(how) == code, how
                await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": how}))
                assert (await next_of(ws, "ack"))["seq"] == seq + 1
                await asyncio.to_thread(post_message, owner_client, conv, f"re: {how}")
                reply = await next_of(ws, "message")
                assert (reply["seq"], reply["body"]) == (seq + 2, f"re: {how}")
                seq += 2

    asyncio.run(scenario())
    # The culprit's token still works: only its sockets were dropped.
    assert culprit.http.post("/api/widget/send", headers=culprit.headers,
                             json={"client_id": cid(), "body": "sorry"}).status_code == 200


# -- who hears what ---------------------------------------------------------------------------

def test_agents_hear_only_their_sites_and_visitors_only_their_own(appliance, owner,
                                                                  site) -> None:
    owner_client, _ = owner
    site_b = owner_client.post("/api/sites", json={"name": "B", "url": OTHER_ORIGIN}
                               ).json()["site"]
    site_b = manual_routing(owner_client, site_b["id"])
    _, agent_a = add_agent(appliance, owner_client, "agent-a", [site["id"]])
    _, agent_b = add_agent(appliance, owner_client, "agent-b", [site_b["id"]])
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    carol = Widget(appliance, site_b["widget_key"], origin=OTHER_ORIGIN)

    async def scenario() -> tuple[dict[str, list[dict]], dict[str, int]]:
        async with contextlib.AsyncExitStack() as stack:
            sockets = {
                "agent_a": await stack.enter_async_context(
                    await agent_socket(appliance, agent_a)),
                "agent_b": await stack.enter_async_context(
                    await agent_socket(appliance, agent_b)),
                "owner": await stack.enter_async_context(
                    await agent_socket(appliance, owner_client)),
                "alice": await stack.enter_async_context(await alice.connect()),
                "bob": await stack.enter_async_context(await bob.connect()),
                "carol": await stack.enter_async_context(await carol.connect()),
            }
            heard: dict[str, list[dict]] = {name: [] for name in sockets}
            convs = {}
            for name in ("alice", "bob", "carol"):
                await sockets[name].send(json.dumps({"type": "send", "client_id": cid(),
                                                     "body": f"{name} 的问题"}))
                heard[name] += await frames_until(sockets[name], "ack")
                convs[name] = heard[name][-1]["conversation_id"]
            await asyncio.to_thread(post_message, owner_client, convs["alice"], "给 alice 的回复")
            await asyncio.to_thread(post_message, owner_client, convs["alice"], "alice 是老客户",
                                    "note")
            await asyncio.to_thread(post_message, agent_b, convs["carol"], "给 carol 的回复")
            await sockets["alice"].send(json.dumps({"type": "typing", "typing": True,
                                                    "conversation_id": convs["alice"]}))
            # Typing is not acknowledged, but alice's frames are handled in order: once her
            # ping is answered, her typing frame has been fanned out to the agents' outboxes.
            heard["alice"] += await drain(sockets["alice"])
            for name, ws in sockets.items():
                heard[name] += await drain(ws)
            return heard, convs

    heard, convs = asyncio.run(scenario())

    def bodies(name: str) -> set[str]:
        return {f["body"] for f in heard[name] if f["type"] == "message"}

    site_a_lines = {"alice 的问题", "bob 的问题", "给 alice 的回复", "alice 是老客户"}
    site_b_lines = {"carol 的问题", "给 carol 的回复"}
    assert bodies("agent_a") - {"agent_joined"} == site_a_lines
    assert bodies("agent_b") - {"agent_joined"} == site_b_lines
    assert bodies("owner") - {"agent_joined"} == site_a_lines | site_b_lines
    assert bodies("alice") == {"alice 的问题", "agent_joined", "给 alice 的回复"}
    assert bodies("bob") == {"bob 的问题"}
    assert bodies("carol") == {"carol 的问题", "agent_joined", "给 carol 的回复"}
    # Conversation and typing frames follow the same scope.
    for name, site_id in (("agent_a", site["id"]), ("agent_b", site_b["id"])):
        changed = [f["conversation"] for f in heard[name] if f["type"] == "conversation"]
        assert changed and {c["site_id"] for c in changed} == {site_id}
    assert [f["type"] for f in heard["agent_a"]].count("typing") == 1
    assert "typing" not in [f["type"] for f in heard["agent_b"] + heard["bob"]]
    for visitor in ("alice", "bob", "carol"):
        assert all(f.get("kind") != "note" for f in heard[visitor])
        about = {f["conversation"]["id"] if f["type"] == "conversation"
                 else f["conversation_id"] for f in heard[visitor]}
        assert about == {convs[visitor]}


def test_deactivating_an_agent_closes_their_console_but_not_the_visitors(appliance, owner,
                                                                        site) -> None:
    owner_client, _ = owner
    agent, agent_client = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        async with await agent_socket(appliance, agent_client) as console, \
                await widget.connect() as ws:
            await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "有人吗"}))
            conv = (await next_of(ws, "ack"))["conversation_id"]
            assert (await next_of(console, "message"))["body"] == "有人吗"
            r = await asyncio.to_thread(owner_client.post, f"/api/users/{agent['id']}/deactivate",
                                        json={})
            assert r.status_code == 200
            assert await next_of(console, "session_ended") == {"type": "session_ended",
                                                               "reason": "deactivated"}
            assert await closed_code(console) == 4001
            # The visitor's socket is untouched: it still sends and hears replies.
            await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "还在吗"}))
            assert (await next_of(ws, "ack"))["seq"] == 2
            await asyncio.to_thread(post_message, owner_client, conv, "在的")
            while (frame := await next_of(ws, "message"))["kind"] != "text":
                pass
            assert frame["body"] == "在的"

    asyncio.run(scenario())
    assert agent_client.get("/api/conversations").status_code == 401


def test_every_tab_of_a_visitor_hears_the_agent_and_the_other_tab(appliance, owner,
                                                                  site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> None:
        async with await widget.connect() as first, await widget.connect() as second:
            client_id = cid()
            await first.send(json.dumps({"type": "send", "client_id": client_id,
                                         "body": "第一个标签页"}))
            ack = await next_of(first, "ack")
            echoed = await next_of(second, "message")
            assert (echoed["client_id"], echoed["seq"], echoed["body"]) == (
                client_id, ack["seq"], "第一个标签页")
            assert echoed["sender"]["type"] == "visitor"
            conv = ack["conversation_id"]
            await asyncio.to_thread(post_message, owner_client, conv, "两个标签页都能看到")
            for ws in (first, second):
                while (frame := await next_of(ws, "message"))["kind"] != "text":
                    pass
                assert frame["body"] == "两个标签页都能看到"
            # Only the sending tab gets the ack.
            assert "ack" not in [f["type"] for f in await drain(second)]

    asyncio.run(scenario())


# -- heartbeat ------------------------------------------------------------------------------

def test_widget_heartbeat_pings_and_drops_a_silent_visitor(start_appliance) -> None:
    appliance = start_appliance(ws_ping_seconds=1)
    _, setup = appliance.setup()
    silent = Widget(appliance, setup["site"]["widget_key"])
    lively = Widget(appliance, setup["site"]["widget_key"])

    async def connect(widget: Widget) -> Any:
        ws = await websockets.connect(widget_url(appliance), origin=SITE_ORIGIN,
                                      ping_interval=None)
        await ws.send(json.dumps({"type": "auth", "site_key": widget.site_key,
                                  "visitor_token": widget.token}))
        assert json.loads(await ws.recv())["type"] == "hello"
        return ws

    async def stay_silent(ws: Any) -> tuple[int, int, float]:
        started, pings = time.monotonic(), 0
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                pings += json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "ping"
        return pings, closed.value.rcvd.code, time.monotonic() - started

    async def answer_pings(ws: Any, seconds: float) -> int:
        pings = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                if frame["type"] == "ping":
                    pings += 1
                    await ws.send(json.dumps({"type": "pong"}))
        return pings

    async def scenario() -> None:
        async with await connect(silent) as quiet, await connect(lively) as talking:
            (pings, code, lasted), answered = await asyncio.gather(
                stay_silent(quiet), answer_pings(talking, 4.5))
            assert code == 4408 and pings >= 1
            assert 2.4 <= lasted < 5.5  # 2.5 silent intervals of 1 s (checked each second)
            assert answered >= 3
            # The peer that answers is still there well after the silent one was dropped.
            await talking.send(json.dumps({"type": "ping"}))
            assert (await next_of(talking, "pong")) == {"type": "pong"}

    asyncio.run(scenario())
