"""The console socket: signed-in only, same origin only, closed when the session ends."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json

import pytest
import websockets
from conftest import Appliance
from test_conversations import Widget

AGENT_PASSWORD = "agent-password-1"


def _ws_url(appliance: Appliance) -> str:
    return appliance.url.replace("http://", "ws://") + "/api/agent/ws"


async def _connect(appliance: Appliance, client, origin: str | None = None):
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return await websockets.connect(_ws_url(appliance), additional_headers={"Cookie": cookie},
                                    origin=origin or appliance.url)


def _agent(appliance: Appliance, owner_client, login: str = "agent1") -> tuple[int, object]:
    r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                              "role": "agent", "password": AGENT_PASSWORD})
    return r.json()["user"]["id"], appliance.login(login, AGENT_PASSWORD)


def test_deactivation_closes_every_socket_of_the_user(appliance: Appliance, owner) -> None:
    owner_client, _ = owner
    agent_id, agent = _agent(appliance, owner_client)
    _, bystander = _agent(appliance, owner_client, "agent2")

    async def scenario() -> None:
        first = await _connect(appliance, agent)
        second = await _connect(appliance, agent)
        other = await _connect(appliance, bystander)
        for ws in (first, second, other):
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello"
        response = await asyncio.to_thread(
            owner_client.post, f"/api/users/{agent_id}/deactivate", json={})
        assert response.status_code == 200
        for ws in (first, second):
            message = json.loads(await asyncio.wait_for(ws.recv(), 3))
            assert message == {"type": "session_ended", "reason": "deactivated"}
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 3)
            assert closed.value.rcvd.code == 4001
        await other.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(other.recv(), 3)) == {"type": "pong"}
        await other.close()

    asyncio.run(scenario())


def test_logout_closes_only_that_sessions_socket(appliance: Appliance, owner) -> None:
    owner_client, _ = owner
    _, laptop = _agent(appliance, owner_client)
    phone = appliance.login("agent1", AGENT_PASSWORD)

    async def scenario() -> None:
        laptop_ws = await _connect(appliance, laptop)
        phone_ws = await _connect(appliance, phone)
        await laptop_ws.recv()
        await phone_ws.recv()
        await asyncio.to_thread(laptop.post, "/api/auth/logout", json={})
        assert json.loads(await asyncio.wait_for(laptop_ws.recv(), 3))["reason"] == "logged_out"
        await phone_ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(phone_ws.recv(), 3)) == {"type": "pong"}
        await phone_ws.close()

    asyncio.run(scenario())


def test_socket_refuses_strangers_and_garbage(appliance: Appliance, owner) -> None:
    owner_client, _ = owner

    async def closed_code(ws) -> int:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        return closed.value.rcvd.code

    async def scenario() -> None:
        anonymous = await websockets.connect(_ws_url(appliance), origin=appliance.url)
        assert await closed_code(anonymous) == 4001
        foreign = await _connect(appliance, owner_client, origin="https://evil.example")
        assert await closed_code(foreign) == 4003
        garbage = await _connect(appliance, owner_client)
        await garbage.recv()
        await garbage.send("not json")
        assert await closed_code(garbage) == 4400
        binary = await _connect(appliance, owner_client)
        await binary.recv()
        await binary.send(b"\xff\xfe\x00")
        assert await closed_code(binary) == 4400
        unknown = await _connect(appliance, owner_client)
        await unknown.recv()
        await unknown.send(json.dumps({"type": "launch_missiles"}))
        assert await closed_code(unknown) == 4400
        huge = await _connect(appliance, owner_client)
        await huge.recv()
        await huge.send("x" * 200_000)
        assert await closed_code(huge) == 1009
        fine = await _connect(appliance, owner_client)
        assert json.loads(await fine.recv())["type"] == "hello"
        await fine.close()

    asyncio.run(scenario())


def test_silent_peer_is_dropped_by_heartbeat(start_appliance) -> None:
    appliance = start_appliance(ws_ping_seconds=1)
    owner_client, _ = appliance.setup()

    async def scenario() -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in owner_client.cookies.items())
        ws = await websockets.connect(_ws_url(appliance), additional_headers={"Cookie": cookie},
                                      origin=appliance.url, ping_interval=None)
        pings = 0
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                pings += message["type"] == "ping"
        assert pings >= 1 and closed.value.rcvd.code == 4408

    asyncio.run(scenario())


def test_server_pings_every_interval_even_while_the_client_talks(start_appliance) -> None:
    """docs/protocol.md, Heartbeat: pings come every interval whatever else flows, so a client
    that hears nothing for 2.5 intervals may rightly treat the socket as dead."""
    appliance = start_appliance(ws_ping_seconds=1)
    owner_client, _ = appliance.setup()

    async def scenario() -> None:
        ws = await _connect(appliance, owner_client)
        loop = asyncio.get_running_loop()
        start, pings = loop.time(), []
        while loop.time() - start < 4.2:
            await ws.send(json.dumps({"type": "ping"}))  # a chatty client: never silent
            with contextlib.suppress(TimeoutError):
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
                    if frame["type"] == "ping":
                        pings.append(loop.time() - start)
                        await ws.send(json.dumps({"type": "pong"}))
        await ws.close()
        assert len(pings) >= 3, pings
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert max(gaps) < 2.5, pings

    asyncio.run(scenario())


@pytest.mark.parametrize("who", ["agent", "visitor"])
def test_a_silent_peer_is_closed_after_two_and_a_half_intervals(start_appliance, who) -> None:
    appliance = start_appliance(ws_ping_seconds=2)
    owner_client, setup = appliance.setup()

    async def scenario() -> float:
        if who == "agent":
            ws = await _connect(appliance, owner_client)
        else:
            widget = Widget(appliance, setup["site"]["widget_key"])
            ws = await widget.connect()
        loop = asyncio.get_running_loop()
        await ws.send(json.dumps({"type": "ping"}))
        last_sent = loop.time()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)  # hears pings, answers nothing
        assert closed.value.rcvd.code == 4408
        return loop.time() - last_sent

    silent = asyncio.run(scenario())
    assert 5.0 <= silent < 6.0, silent  # 2.5 intervals of 2 s (not 3)


def test_server_shutdown_closes_sockets_with_going_away(start_appliance) -> None:
    appliance = start_appliance()
    owner_client, setup = appliance.setup()
    widget = Widget(appliance, setup["site"]["widget_key"])

    async def scenario() -> list[tuple[int, str]]:
        sockets = [await _connect(appliance, owner_client), await widget.connect()]
        await sockets[0].recv()
        stopping = asyncio.create_task(asyncio.to_thread(appliance.server.stop))
        codes = []
        for ws in sockets:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            codes.append((closed.value.rcvd.code, closed.value.rcvd.reason))
        await stopping
        return codes

    assert asyncio.run(scenario()) == [(1001, "server shutting down")] * 2
