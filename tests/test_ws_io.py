"""The lean WebSocket path (web/ws_io.py, realtime/connection.py) keeps the protocol's promises:
fragmented text is assembled, a client that floods frames gets every answer in order (its
socket stops reading while the server catches up), frames written together arrive whole, and
binary or invalid text still closes the socket as protocol.md says."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from conftest import Appliance
from test_conversations import SITE_ORIGIN, Widget, cid, manual_routing


@pytest.fixture
def widget(start_appliance) -> Widget:
    # About the socket path, not the widget's limits (tests/test_throttle.py): a flood of
    # hundreds of messages from one visitor must all be answered.
    appliance = start_appliance(visitor_messages_per_minute=100_000,
                                address_messages_per_minute=100_000)
    owner_client, setup = appliance.setup()
    site = manual_routing(owner_client, setup["site"]["id"])
    return Widget(appliance, site["widget_key"])


def test_a_fragmented_text_frame_is_one_message(widget: Widget) -> None:
    async def scenario() -> dict:
        ws = await widget.connect()
        text = json.dumps({"type": "send", "client_id": cid(), "body": "分片的消息"})
        await ws.send([text[:10], text[10:25], text[25:]])  # one message in three frames
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if frame["type"] == "ack":
                await ws.close()
                return frame

    assert asyncio.run(scenario())["seq"] == 1


def test_a_flood_of_frames_is_answered_in_order(widget: Widget) -> None:
    count = 300  # several times the frames the server lets wait before it stops reading

    async def scenario() -> list[int]:
        ws = await widget.connect()
        ids = [cid() for _ in range(count)]
        for n, client_id in enumerate(ids):
            await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                      "body": f"第 {n} 条"}))
        seqs: dict[str, int] = {}
        order = []
        while len(seqs) < count:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame["type"] == "ack":
                seqs[frame["client_id"]] = frame["seq"]
                order.append(frame["client_id"])
        await ws.close()
        assert order == ids  # answered in the order sent
        return [seqs[i] for i in ids]

    assert asyncio.run(scenario()) == list(range(1, count + 1))


def test_the_senders_copy_and_its_ack_arrive_whole_and_in_order(widget: Widget) -> None:
    async def scenario() -> list[str]:
        ws = await widget.connect()
        client_id = cid()
        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": "x" * 5000}))
        kinds = []
        while "ack" not in kinds:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            kinds.append(frame["type"])
            if frame["type"] == "message":
                assert frame["body"] == "x" * 5000 and frame["client_id"] == client_id
        await ws.close()
        return kinds

    kinds = asyncio.run(scenario())
    assert [k for k in kinds if k in ("message", "ack")] == ["message", "ack"]


@pytest.mark.parametrize(("payload", "code"), [(b"\x00binary", 4400), ("bad", 4400)])
def test_binary_or_unknown_frames_still_close_with_4400(widget: Widget, payload,
                                                          code: int) -> None:
    async def scenario() -> int:
        ws = await widget.connect()
        await ws.send(payload)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        return closed.value.rcvd.code

    assert asyncio.run(scenario()) == code


def test_invalid_utf8_text_fails_the_socket_with_1007(appliance: Appliance,
                                                      widget: Widget) -> None:
    async def scenario() -> int:
        ws = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                      origin=SITE_ORIGIN)
        await ws.send(json.dumps({"type": "auth", "visitor_token": widget.token}))
        assert json.loads(await ws.recv())["type"] == "hello"
        # A text frame whose bytes are not UTF-8, written below the client library's checks.
        frame = websockets.frames.Frame(websockets.frames.Opcode.TEXT, b"\xff\xfe")
        ws.protocol.send_frame(frame)
        ws.send_data()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        return closed.value.rcvd.code

    assert asyncio.run(scenario()) == 1007
