"""The WebSocket hot path beside Sanic's: the only module that reaches into its internals.

Sanic sends each frame through a lock, the websockets protocol object, a signal dispatch and
one transport write, and receives each through two tasks and a frame assembler. Here frames
out are written straight to the transport, every frame queued for a socket in one write per
pass of the event loop (realtime/connection.py batches them), and complete text frames in are
handed to the reader without a task per frame. Everything else — pings, pongs, the closing
handshake, size limits — stays with Sanic and the websockets protocol object.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

CLOSE_INVALID_TEXT = 1007
INBOX_PAUSE = 64  # frames waiting to be handled before the socket stops reading
WRITTEN, PAUSED, CLOSED = 0, 1, 2


_TIMED_OUT = object()


class LeanSocket:
    """Installs itself on a Sanic WebSocket: `recv` replaces `ws.recv`, `write` `ws.send`."""

    __slots__ = ("_paused", "_timer", "_waiter", "inbox", "parts", "ws")

    def __init__(self, ws: WebsocketImplProtocol) -> None:
        self.ws = ws
        self.inbox: deque[str | bytes] = deque()
        self.parts: list[bytes] | None = None  # a fragmented text message being assembled
        self._waiter: asyncio.Future[object] | None = None
        # One timer for `recv`'s timeouts, kept across frames while it is due no later than
        # asked for (it then ends a wait early; the caller asks again): no timer per frame.
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False
        lost = ws.connection_lost

        def connection_lost(exc: Any) -> None:
            lost(exc)
            if self._timer is not None:  # nobody waits any more: the socket is not kept alive
                self._timer.cancel()
                self._timer = None
            self._wake()

        ws.data_received = self._data_received  # type: ignore[method-assign]
        ws.connection_lost = connection_lost  # type: ignore[method-assign]

    # -- in -----------------------------------------------------------------------------------
    def _data_received(self, data: bytes) -> None:
        ws = self.ws
        proto = ws.ws_proto
        proto.receive_data(data)
        to_send = proto.data_to_send()
        others = []
        for event in proto.events_received():
            if not isinstance(event, Frame):
                continue
            opcode = event.opcode
            if opcode is Opcode.TEXT or (opcode is Opcode.CONT and self.parts is not None):
                if not self._text(bytes(event.data), event.fin):
                    return
            elif opcode is Opcode.BINARY or opcode is Opcode.CONT:
                self.inbox.append(b"")  # the reader refuses binary frames
            else:  # ping, pong, close: Sanic's own handling
                others.append(event)
        if to_send or others:
            asyncio.get_running_loop().create_task(ws.async_data_received(to_send, others))
        if self.inbox or others:
            self._wake()
        if len(self.inbox) > INBOX_PAUSE and not self._paused and ws.io_proto is not None \
                and ws.io_proto.transport is not None:
            self._paused = True
            ws.io_proto.transport.pause_reading()

    def _text(self, payload: bytes, fin: bool) -> bool:
        if not fin:
            self.parts = [*(self.parts or []), payload]
            return True
        if self.parts is not None:
            payload, self.parts = b"".join([*self.parts, payload]), None
        try:
            self.inbox.append(payload.decode())
        except UnicodeDecodeError:  # RFC 6455: fail the connection with 1007
            self.ws.fail_connection(CLOSE_INVALID_TEXT, "text frames must be UTF-8")
            self._wake()
            return False
        return True

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    @property
    def closed(self) -> bool:
        return self.ws.ws_proto.state in (State.CLOSING, State.CLOSED)

    def _expire(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(_TIMED_OUT)

    async def recv(self, timeout: float | None = None) -> str | bytes | None:
        """The next message (`b""` for a binary one); None after at most `timeout` seconds
        (possibly sooner: ask again) or when the socket is closing (check `closed`)."""
        if not self.inbox and not self.closed:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            if timeout is not None:
                due = loop.time() + timeout
                if self._timer is None or self._timer.when() > due:
                    if self._timer is not None:
                        self._timer.cancel()
                    self._timer = loop.call_at(due, self._expire)
            try:
                await waiter
            finally:
                self._waiter = None
                if self.closed and self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            if waiter.result() is _TIMED_OUT:
                return None
        if not self.inbox:
            return None
        message = self.inbox.popleft()
        io = self.ws.io_proto
        if self._paused and len(self.inbox) <= INBOX_PAUSE // 2 and io and io.transport:
            self._paused = False
            io.transport.resume_reading()
        return message

    # -- out ----------------------------------------------------------------------------------
    def write(self, frames: list[bytes]) -> int:
        """Write whole frames now, in one transport write: WRITTEN, PAUSED (the peer's buffer
        is full: wait for `writable`) or CLOSED."""
        io = self.ws.io_proto
        if self.ws.ws_proto.state is not State.OPEN or io is None or io.transport is None \
                or io.transport.is_closing():
            return CLOSED
        if not io._can_write.is_set():  # Sanic's flow control
            return PAUSED
        io.transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
        return WRITTEN

    async def writable(self) -> None:
        io = self.ws.io_proto
        if io is not None:
            await io._can_write.wait()

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)
