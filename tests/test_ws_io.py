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


# -- the frames cut without the websockets parser (web/ws_io.py, `_cut`) ----------------------

def _raw(opcode: websockets.frames.Opcode, data: bytes, fin: bool = True,
         mask: bool = True, rsv1: bool = False) -> bytes:
    """A client frame's bytes as they go on the wire (masked unless told otherwise; `rsv1`:
    with the first reserved bit set, which no extension here defines)."""
    raw = websockets.frames.Frame(opcode, data, fin).serialize(mask=mask)
    return bytes([raw[0] | 0x40]) + raw[1:] if rsv1 else raw


def _send_frame(client_id: str, body: str) -> bytes:
    text = json.dumps({"type": "send", "client_id": client_id, "body": body})
    return _raw(websockets.frames.Opcode.TEXT, text.encode())


async def _write(ws, data: bytes, *, piece: int | None = None) -> None:
    """Raw bytes below the client library (`piece`: that many bytes per TCP write)."""
    if piece is None:
        ws.transport.write(data)
        return
    for at in range(0, len(data), piece):
        ws.transport.write(data[at:at + piece])
        await asyncio.sleep(0.002)  # separate reads on the server (TCP_NODELAY is on)


async def _acks(ws, count: int) -> list[dict]:
    acks = []
    while len(acks) < count:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "ack":
            acks.append(frame)
    return acks


async def _close_code(ws) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.mark.parametrize("piece", [1, 3, 7])
def test_frames_split_anywhere_across_reads_are_whole_messages(widget: Widget,
                                                               piece: int) -> None:
    """Headers, masks and payloads cut at every position (and a 126-length header) still
    make the same messages, in order."""
    async def scenario() -> list[dict]:
        ws = await widget.connect()
        ids = [cid() for _ in range(3)]
        data = b"".join([_send_frame(ids[0], "短"), _send_frame(ids[1], "长" * 200),
                         _send_frame(ids[2], "x")])
        await _write(ws, data, piece=piece)
        acks = await _acks(ws, 3)
        await ws.close()
        assert [a["client_id"] for a in acks] == ids
        return acks

    assert [a["seq"] for a in asyncio.run(scenario())] == [1, 2, 3]


def test_a_frame_near_the_size_limit_arriving_in_small_reads_is_one_message(
        widget: Widget) -> None:
    """A 60,000-byte text frame (JSON padded with whitespace, under the 64 KiB limit) in 300
    reads of 200 bytes is gathered into one message, then the next small frame follows."""
    async def scenario() -> list[dict]:
        ws = await widget.connect()
        ids = [cid(), cid()]
        text = json.dumps({"type": "send", "client_id": ids[0], "body": "大"}) + " " * 59_950
        big = _raw(websockets.frames.Opcode.TEXT, text.encode())
        assert 60_000 < len(big) < 65_536
        await _write(ws, big + _send_frame(ids[1], "小"), piece=200)
        acks = await _acks(ws, 2)
        await ws.close()
        assert [a["client_id"] for a in acks] == ids
        return acks

    assert [a["seq"] for a in asyncio.run(scenario())] == [1, 2]


def test_a_ping_between_text_frames_is_answered_and_the_text_still_arrives(
        widget: Widget) -> None:
    async def scenario() -> None:
        ws = await widget.connect()
        ids = [cid(), cid()]
        data = b"".join([_send_frame(ids[0], "一"),
                         _raw(websockets.frames.Opcode.PING, b"are-you-there"),
                         _send_frame(ids[1], "二")])
        # The client library matches the server's pong to this ping by its payload.
        waiter = asyncio.get_running_loop().create_future()
        ws.pending_pings[b"are-you-there"] = (waiter, asyncio.get_running_loop().time())
        await _write(ws, data)
        acks = await _acks(ws, 2)
        await asyncio.wait_for(waiter, 5)  # the server's pong echoed our payload
        assert [a["client_id"] for a in acks] == ids
        await ws.close()

    asyncio.run(scenario())


def test_a_close_after_text_in_one_read_answers_the_text_and_closes_cleanly(
        widget: Widget) -> None:
    async def scenario() -> int:
        ws = await widget.connect()
        close = websockets.frames.Close(1000, "bye").serialize()
        await _write(ws, _send_frame(cid(), "最后一条")
                     + _raw(websockets.frames.Opcode.CLOSE, close))
        return await _close_code(ws)

    assert asyncio.run(scenario()) == 1000


@pytest.mark.parametrize(("frame", "code"), [
    # an unmasked client frame: a protocol error (1002), as the websockets parser rules
    (_raw(websockets.frames.Opcode.TEXT, b'{"type":"ping"}', mask=False), 1002),
    # over the 64 KiB message limit: 1009, refused before it is read
    (_raw(websockets.frames.Opcode.TEXT, b"x" * 70_000), 1009),
    # a reserved bit without an extension that defines it: 1002
    (_raw(websockets.frames.Opcode.TEXT, b'{"type":"ping"}', rsv1=True), 1002),
    # a control frame longer than 125 bytes: 1002
    (b"\x89\xfe\x00\x7e" + b"\x00" * 4 + b"p" * 126, 1002),
])
def test_frames_the_parser_must_refuse_after_good_ones_close_the_socket_as_before(
        widget: Widget, frame: bytes, code: int) -> None:
    async def scenario() -> tuple[int, list[dict]]:
        ws = await widget.connect()
        await _write(ws, _send_frame(cid(), "先到的") + frame)
        acks = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if message["type"] == "ack":
                    acks.append(message)
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code, acks

    got, acks = asyncio.run(scenario())
    assert got == code
    assert len(acks) <= 1  # the good frame before it may be answered; nothing after it


def test_a_fragmented_message_after_whole_ones_is_still_assembled(widget: Widget) -> None:
    """The first fragment hands the socket to the websockets parser for good; what follows
    (fragments, then whole frames again) is answered in order."""
    async def scenario() -> list[str]:
        ws = await widget.connect()
        ids = [cid() for _ in range(3)]
        text = json.dumps({"type": "send", "client_id": ids[1], "body": "分片"}).encode()
        data = b"".join([
            _send_frame(ids[0], "整"),
            _raw(websockets.frames.Opcode.TEXT, text[:7], fin=False),
            _raw(websockets.frames.Opcode.CONT, text[7:]),
            _send_frame(ids[2], "又整")])
        await _write(ws, data)
        acks = await _acks(ws, 3)
        await ws.close()
        return [a["client_id"] for a in acks]

    ids = asyncio.run(scenario())
    assert len(ids) == 3 and len(set(ids)) == 3


@pytest.mark.parametrize("code", [1000, 1001, 4000])
@pytest.mark.parametrize("fragments", [1, 2])
def test_a_close_between_the_fragments_of_a_message_is_echoed(widget: Widget, code: int,
                                                               fragments: int) -> None:
    """RFC 6455 §5.4: control frames may come between fragments. A close there is answered
    as any close is (its code echoed); the unfinished message is dropped, not answered."""
    async def scenario() -> tuple[int, list[str]]:
        ws = await widget.connect()
        text = json.dumps({"type": "send", "client_id": cid(), "body": "没说完"}).encode()
        parts = [_raw(websockets.frames.Opcode.TEXT, text[:7], fin=False)]
        if fragments == 2:
            parts.append(_raw(websockets.frames.Opcode.CONT, text[7:15], fin=False))
        close = websockets.frames.Close(code, "bye").serialize()
        await _write(ws, b"".join([*parts, _raw(websockets.frames.Opcode.CLOSE, close)]))
        kinds = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                kinds.append(json.loads(await asyncio.wait_for(ws.recv(), 5))["type"])
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code, kinds

    got, kinds = asyncio.run(scenario())
    assert got == code and "ack" not in kinds
