"""The WebSocket hot path beside Sanic's: the only module that reaches into its internals.

Sanic sends each frame through a lock, the websockets protocol object, a signal dispatch and
one transport write, and receives each through two tasks and a frame assembler. Here frames
out are written straight to the transport, every frame queued for a socket in one write per
pass of the event loop (realtime/connection.py batches them), and complete text frames in are
handed to the reader without a task per frame. Everything else — pings, pongs, the closing
handshake, size limits — stays with Sanic and the websockets protocol object.

What clients send nearly always is whole, unfragmented, masked text frames. Those are cut from
the bytes here (`_fast`), without the websockets parser's generators and frame objects; any
other frame is handed whole to the websockets protocol object (a ping, a pong, a close: it
answers them as before), and at the first frame that is none of these (a fragment, binary
data, a frame over the size limit, reserved bits, an unmasked frame) the socket hands the
websockets parser everything from that frame on, for good, so that it judges (and refuses)
exactly as it did before.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
from collections import deque
from typing import Any

from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:  # the C unmasking websockets itself uses, when it was built
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

CLOSE_INVALID_TEXT = 1007
INBOX_PAUSE = 64  # frames waiting to be handled before the socket stops reading
WRITTEN, PAUSED, CLOSED = 0, 1, 2


_TIMED_OUT = object()
_FIN_TEXT = 0x81  # a whole text frame, no reserved bits
_CONTROL = frozenset((0x88, 0x89, 0x8A))  # whole close, ping and pong frames


class LeanSocket:
    """Installs itself on a Sanic WebSocket: `recv` replaces `ws.recv`, `write` `ws.send`."""

    __slots__ = ("_discard", "_fast", "_limit", "_loop", "_need", "_paused", "_pending", "_sock",
                 "_timer", "_waiter", "_written", "inbox", "parts", "ws")

    def __init__(self, ws: WebsocketImplProtocol) -> None:
        self.ws = ws
        # Installed from the socket's handler, on its loop; kept, because asking asyncio for
        # the running loop costs a system call (getpid) every time.
        self._loop = asyncio.get_running_loop()
        self.inbox: deque[str | bytes] = deque()
        self.parts: list[bytes] | None = None  # a fragmented text message being assembled
        self._waiter: asyncio.Future[object] | None = None
        # One timer for `recv`'s timeouts, kept across frames while it is due no later than
        # asked for (it then ends a wait early; the caller asks again): no timer per frame.
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._discard = False  # our close is sent: what the peer still sends is dropped
        proto = ws.ws_proto
        # Frames are cut here until one needs the websockets parser (see the module's doc);
        # never with an extension negotiated (none is offered: frames are not compressed).
        self._fast = not proto.extensions and proto.state is State.OPEN
        limits = [n for n in (proto.max_message_size, proto.max_fragment_size) if n is not None]
        self._limit = min(limits) if limits else None
        # The start of a frame whose end has not arrived yet, and how many bytes it needs
        # before it is worth cutting again: a frame arriving in many small reads is gathered
        # in one growing buffer (each byte copied about twice), not joined anew at every read.
        self._pending = bytearray()
        self._need = 0
        self._written = 0  # bytes handed to the transport so far (see `delivered`)
        transport = ws.io_proto.transport if ws.io_proto is not None else None
        self._sock = transport.get_extra_info("socket") if transport is not None else None
        lost = ws.connection_lost
        recv_frame = proto.recv_frame

        def recv_frame_between_fragments(frame: Frame) -> None:
            # RFC 6455 §5.4: control frames may come between the fragments of a message. The
            # websockets library answers a close there with 1002; the message is abandoned
            # anyway, so the close is answered as any close is (echoed).
            if frame.opcode is Opcode.CLOSE and proto.current_size is not None:
                proto.current_size = None
                self.parts = None
            recv_frame(frame)

        proto.recv_frame = recv_frame_between_fragments  # type: ignore[method-assign]

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
        if self._fast:
            data = self._cut(data)
            if not data:
                self._after_frames(False)
                return
        self._parse(data)

    def _cut(self, data: bytes) -> bytes:
        """Take the whole unfragmented text frames from the front of the bytes received so far
        and hand any whole control frame to the websockets protocol object; what is left
        for the websockets parser is returned (from the first frame it must judge on: this
        socket then stays with it)."""
        if self._pending:
            if len(self._pending) + len(data) < self._need:
                self._pending += data
                return b""
            data = bytes(self._pending + data)
            self._pending = bytearray()
        proto = self.ws.ws_proto
        size = len(data)
        at = 0
        while at < size:
            if proto.state is not State.OPEN:
                break
            if size - at < 2:
                return self._wait(data, at, 2)
            head1, head2 = data[at], data[at + 1]
            if (head1 != _FIN_TEXT and head1 not in _CONTROL) or not head2 & 0x80:
                break
            length = head2 & 0x7F
            start = at + 6  # after the 4-byte mask
            if length == 126:
                start += 2
            elif length == 127:
                start += 8
            if size < start:
                return self._wait(data, at, start - at)
            if length == 126:
                length = int.from_bytes(data[at + 2:at + 4], "big")
            elif length == 127:
                length = int.from_bytes(data[at + 2:at + 10], "big")
            if (head1 != _FIN_TEXT and start - at != 6) or \
                    (self._limit is not None and length > self._limit):
                break  # a long control frame, or too big: the parser refuses it
            end = start + length
            if size < end:
                return self._wait(data, at, end - at)
            if head1 == _FIN_TEXT:
                payload = apply_mask(data[start:end], data[start - 4:start])
                try:
                    self.inbox.append(payload.decode())
                except UnicodeDecodeError:  # RFC 6455: fail the connection with 1007
                    self.ws.fail_connection(CLOSE_INVALID_TEXT, "text frames must be UTF-8")
                    self._fast = False
                    self._wake()
                    return b""
            else:  # a close, ping or pong: the websockets protocol object answers it
                self._parse(data[at:end])
            at = end
        else:
            return b""
        self._fast = False
        return data[at:]

    def _wait(self, data: bytes, at: int, need: int) -> bytes:
        """Keep the frame started at `at` until `need` bytes of it have arrived."""
        self._pending = bytearray(data[at:])
        self._need = need
        return b""

    def _parse(self, data: bytes) -> None:
        """Bytes through the websockets parser (any frame; everything after the first frame
        the fast path does not take)."""
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
            self._loop.create_task(ws.async_data_received(to_send, others))
        self._after_frames(bool(others))

    def _after_frames(self, others: bool) -> None:
        ws = self.ws
        if self._discard:
            self.inbox.clear()
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
            loop = self._loop
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

    def discard_input(self) -> None:
        """After our close frame (RFC 6455 §5.5.1: data after it is discarded): keep reading
        what the peer sends and drop it, so that a peer busy writing is not blocked (nor reset
        for unread data) before it reads our close."""
        self._discard = True
        self.inbox.clear()
        io = self.ws.io_proto
        if self._paused and io is not None and io.transport is not None:
            self._paused = False
            io.transport.resume_reading()

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
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        io.transport.write(data)
        self._written += len(data)
        return WRITTEN

    def unsent(self) -> int:
        """Bytes written but not yet taken by the peer: in the transport's buffer and, where
        the system tells (Linux, macOS), in the kernel's send buffer."""
        io = self.ws.io_proto
        if io is None or io.transport is None or io.transport.is_closing():
            return 0
        return io.transport.get_write_buffer_size() + _kernel_unsent(self._sock)

    def delivered(self) -> int:
        """Bytes of frames the peer has taken so far: grows exactly while it reads."""
        return self._written - self.unsent()

    async def writable(self) -> None:
        io = self.ws.io_proto
        if io is not None:
            await io._can_write.wait()

    async def close(self, code: int, reason: str) -> None:
        """Send the close frame now, after what was written, even while the peer's buffer is
        full (Sanic's `close` would wait for it to drain, and the handler's own close with
        1000 would then go first)."""
        io, proto = self.ws.io_proto, self.ws.ws_proto
        if proto.state is not State.OPEN or io is None or io.transport is None \
                or io.transport.is_closing():
            await self.ws.close(code, reason)
            return
        proto.send_close(code, reason)
        for data in proto.data_to_send():
            if data:
                io.transport.write(data)


_SO_NWRITE = 0x1024  # macOS: bytes in the send buffer not yet acknowledged


def _kernel_unsent(sock: Any) -> int:
    if sock is None:
        return 0
    try:
        if sys.platform == "linux":
            import fcntl
            import termios
            raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")  # SIOCOUTQ
            return int(struct.unpack("i", raw)[0])
        if sys.platform == "darwin":
            return int(sock.getsockopt(socket.SOL_SOCKET, _SO_NWRITE))
    except (OSError, ValueError):  # closed meanwhile
        return 0
    return 0  # elsewhere only the transport's buffer is seen
