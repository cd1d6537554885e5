"""One open socket: a bounded outbox, written in batches once per pass of the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from appliance.wire.frames import PONG

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 256
# A long answer (a sync replay) goes out while what the peer has not taken yet is at most what
# it reads in a fifth of the answer's timeout (half a ping interval), within these bounds: the
# kernel's send buffer (which grows to megabytes) never fills with it, so pings, answers and
# live messages reach the peer within about half an interval, whatever its reading speed.
PACED_BYTES_MIN = 16 * 1024
PACED_BYTES_MAX = 1024 * 1024
# Seconds between looks at what the peer took while a replay waits: a quarter of the time it
# takes to read what may wait for it, within these bounds (nothing says when it has read).
PACED_POLL_MIN, PACED_POLL_MAX = 0.001, 0.02
RATE_WINDOW = 0.1  # seconds over which the peer's reading speed is measured
STALL_LOOK = 0.5  # seconds: how often at most `stalled` looks at the socket's buffers
# An agent hears every message of their sites, and one group commit can finish hundreds of
# sends at once: their sockets get a deeper outbox than a visitor's.
AGENT_OUTBOX_LIMIT = 4096

# Close codes (also in docs/protocol.md).
CLOSE_SESSION_ENDED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_SLOW_CONSUMER = 4008
CLOSE_BAD_FRAME = 4400
CLOSE_HEARTBEAT = 4408

_CLOSE = object()
# What a socket's `write` answers (web/ws_io.py): written, the peer's buffer is full, closed.
WRITTEN, PAUSED, CLOSED = 0, 1, 2


_OPTIONS = orjson.OPT_NON_STR_KEYS  # {site id: count} maps, as json.dumps writes them


def encode_bytes(message: dict[str, Any]) -> bytes:
    """A frame's JSON as UTF-8, compact. orjson on the hot path (every frame of every message);
    the standard library for what orjson does not take (integers beyond 64 bits)."""
    try:
        return orjson.dumps(message, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def encode(message: dict[str, Any]) -> str:
    return encode_bytes(message).decode()


def message_frame_bytes(message: dict[str, Any]) -> bytes:
    """`message` as a whole WebSocket text frame (see `text_frame`)."""
    return _frame(encode_bytes(message))


def text_frame(text: str) -> bytes:
    """A whole WebSocket text frame as a server sends it (unmasked, unfragmented): built once
    per event and written as it is to every receiver."""
    return _frame(text.encode())


def _frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65_536:
        return b"\x81\x7e" + size.to_bytes(2, "big") + payload
    return b"\x81\x7f" + size.to_bytes(8, "big") + payload


class _Flusher:
    """Writes every socket's queued frames once per pass of the event loop: all the frames a
    group commit produced for one peer leave in one write. It waits one more pass after the
    first frame, so that the answers of the tasks woken by the same commit (the sender's ack
    after the announcement of its message) join the same write."""

    __slots__ = ("armed", "dirty", "scheduled")

    def __init__(self) -> None:
        self.dirty: list[Connection] = []
        self.scheduled = False
        self.armed = False

    def add(self, connection: Connection) -> None:
        self.dirty.append(connection)
        if not self.scheduled:
            self.scheduled = True
            self.armed = False
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        if not self.armed:
            self.armed = True
            asyncio.get_running_loop().call_soon(self.flush)
            return
        self.scheduled = False
        dirty, self.dirty = self.dirty, []
        for connection in dirty:
            connection.flush()


_flusher = _Flusher()


class Connection:
    """Messages for one peer. `push` never waits: a peer that cannot keep up is disconnected
    (it resumes on reconnect) instead of stalling the sender or growing memory.

    Queued frames are written at the end of the current pass of the event loop, together, by
    `write` (which takes whole frames and answers WRITTEN, PAUSED or CLOSED); while the peer's
    buffer is full they wait here, counted against the limit. Kept small (slots, a deque, no
    task of its own), because a busy install holds thousands of idle widget sockets."""

    __slots__ = (
        "_clock",
        "_close",
        "_closing",
        "_delivered",
        "_drained",
        "_limit",
        "_looked_at",
        "_outbox",
        "_outbox_bytes",
        "_paced",
        "_pong_waiting",
        "_progress_at",
        "_queued",
        "_rate",
        "_rate_at",
        "_rate_mark",
        "_seen",
        "_unsent",
        "_writable",
        "_write",
        "at_workbench",
        "closed",
        "holds",
        "session_id",
        "site_scope",
        "user_id",
        "visitor_id",
    )

    def __init__(self, *, write: Callable[[list[bytes]], int],
                 writable: Callable[[], Awaitable[None]],
                 close: Callable[[int, str], Awaitable[Any]],
                 delivered: Callable[[], int] = lambda: 0,
                 unsent: Callable[[], int] = lambda: 0,
                 user_id: int | None = None, session_id: int | None = None,
                 visitor_id: int | None = None, site_scope: frozenset[int] | None = None,
                 limit: int = OUTBOX_LIMIT) -> None:
        self.user_id = user_id
        self.session_id = session_id
        self.visitor_id = visitor_id
        # Agents: the sites whose events they hear (None: every site, for owners and admins).
        self.site_scope = site_scope
        # Agents: this console shows the workbench, so it counts for presence and routing.
        self.at_workbench = False
        self._write = write
        self._writable = writable
        self._close = close
        self._delivered = delivered  # bytes the peer has taken so far
        self._unsent = unsent  # bytes written that the peer has not taken yet
        self._seen = 0  # `delivered` when last looked at, and when it last grew
        self._clock = asyncio.get_running_loop().time
        self._progress_at = self._looked_at = self._clock()
        self._rate = 0.0  # bytes a second the peer took, lately (while a replay waited)
        self._rate_at, self._rate_mark = self._progress_at, 0
        self._paced = PACED_BYTES_MIN  # what may wait for the peer while a replay runs
        self._pong_waiting = False  # a pong is queued and not yet written
        # Conversations whose `message` frames a running sync replay puts in order (web/replay.py):
        # the hold takes a frame (True) or lets it through (False).
        self.holds: dict[int, Callable[[dict[str, Any], bytes | None], bool]] = {}
        self._outbox: deque[Any] = deque()
        self._outbox_bytes = 0
        self._limit = limit
        self._queued = False  # waiting for the flush of this pass (or for the peer's buffer)
        self._closing: tuple[int, str] | None = None
        self._drained: asyncio.Future[None] | None = None  # who waits for room, if anyone
        self.closed: asyncio.Future[None] | None = None  # resolves once the close was sent

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool:
        """Queue a message (`wire`: its frame, when the caller built it once for many peers);
        False, and the socket is closed, if the peer is too far behind. A `message` frame of a
        conversation being replayed goes to the replay, which sends it in `seq` order; a
        `reset` of one is shown to the replay (which stops) and then queued."""
        if self.holds and message.get("type") in ("message", "reset"):
            hold = self.holds.get(message.get("conversation_id"))  # type: ignore[arg-type]
            if hold is not None and hold(message, wire):
                return self._closing is None
        return self.push_now(message, wire)

    def pong(self) -> None:
        """Answer a client's ping. One pong answers every ping read before it is written: a
        burst of pings is not a backlog of answers (docs/protocol.md, rule 4)."""
        if not self._pong_waiting:
            self._pong_waiting = self.push_now(PONG)

    def push_now(self, message: dict[str, Any], wire: bytes | None = None) -> bool:
        """`push`, past any hold."""
        if self._closing is not None:
            return False
        if len(self._outbox) >= self._limit:
            self.end(CLOSE_SLOW_CONSUMER, "slow consumer", None)
            return False
        frame = wire if wire is not None else message_frame_bytes(message)
        self._outbox.append(frame)
        self._outbox_bytes += len(frame)
        self._schedule()
        return True

    def _schedule(self) -> None:
        if not self._queued:
            self._queued = True
            _flusher.add(self)

    def end(self, code: int, reason: str, last: dict[str, Any] | None) -> None:
        """Drop what is queued, send `last` if given, then close with `code`."""
        if self._closing is not None:
            return
        self._closing = (code, reason)
        self._outbox.clear()
        self._outbox_bytes = 0
        if last is not None:
            self._outbox.append(message_frame_bytes(last))
        self._outbox.append(_CLOSE)
        self.closed = asyncio.get_running_loop().create_future()
        self._schedule()
        _settle(self._drained)

    def stalled(self, timeout: float) -> bool:
        """Whether the peer has taken nothing of what waits for it (queued here, in the
        transport or in the kernel's send buffer) for `timeout` seconds. Judged by its reading
        progress: a peer that reads, however slowly, is never stalled. The socket's buffers
        are looked at (a system call) at most every tenth of `timeout` (STALL_LOOK at most),
        not at every frame: the receive loop asks at each one."""
        now = self._clock()
        if now - self._progress_at < timeout and \
                now - self._looked_at < min(STALL_LOOK, timeout / 10):
            return False
        self._looked_at = now
        delivered = self._delivered()
        if delivered != self._seen or (not self._outbox and self._unsent() == 0):
            self._seen = delivered
            self._progress_at = now
            return False
        return now - self._progress_at >= timeout

    def stall_due(self, timeout: float) -> float:
        """When `stalled(timeout)` can next turn true (the loop's clock)."""
        return self._progress_at + timeout

    def crowded(self) -> bool:
        """Whether the outbox is half full: the socket's reader waits for `room` before it
        answers the next frame."""
        return len(self._outbox) > self._limit // 2

    async def room(self, timeout: float, *, paced: bool = True) -> None:
        """Wait until the outbox is at most half full and (`paced`) the peer has not yet
        taken at most what it reads in a fifth of `timeout` (half a ping interval;
        PACED_BYTES_MIN to _MAX). A long answer (a sync replay) is thus paced by the peer's
        reading and leaves room for live messages, answers and pings instead of filling the
        outbox and the kernel's buffers by itself. Unpaced, it is the receive loop's
        back-pressure: a client that writes frames faster than it reads their answers is read
        no further until it has taken some, instead of being cut off for a full outbox. A peer
        that takes nothing for `timeout` seconds is too slow (4008)."""
        loop = asyncio.get_running_loop()
        while self._closing is None:
            allowed = self._paced_bytes(timeout / 5) if paced else 0
            if len(self._outbox) <= self._limit // 2 and (
                    not paced or self._outbox_bytes + self._unsent() <= allowed):
                return
            if self.stalled(timeout):
                self.end(CLOSE_SLOW_CONSUMER, "slow consumer", None)
                return
            # Unpaced, the flush that makes room wakes the waiter: look again only to judge a
            # stall. Paced, what the peer took shows only by looking.
            poll = STALL_LOOK if not paced else PACED_POLL_MIN if self._rate <= 0 else \
                min(PACED_POLL_MAX, max(PACED_POLL_MIN, allowed / self._rate / 4))
            # One future for every waiter (a replay and the receive loop may both wait),
            # settled by the flush that makes room, or by the close.
            if self._drained is None or self._drained.done():
                self._drained = loop.create_future()
            # asyncio.wait, not wait_for: on Python 3.11 wait_for returns normally when its
            # task is cancelled just as the future settles, and the cancellation is lost (a
            # replaced sync replay went on sending). After `poll`, look at the peer again.
            await asyncio.wait((self._drained,), timeout=poll)

    def _paced_bytes(self, seconds: float) -> int:
        """How much may wait for the peer: what it reads in `seconds`, within bounds. It at
        most doubles from one measure to the next, since what a peer takes in a moment may
        only fill its buffers (a client library reading ahead), not show how fast it reads."""
        now = asyncio.get_running_loop().time()
        elapsed = now - self._rate_at
        if elapsed >= RATE_WINDOW:
            delivered = self._delivered()
            if elapsed < 4 * RATE_WINDOW:  # else nothing was paced meanwhile: no measure
                self._rate = (delivered - self._rate_mark) / elapsed
                self._paced = int(min(PACED_BYTES_MAX, 2 * self._paced,
                                      max(PACED_BYTES_MIN, self._rate * seconds)))
            self._rate_at, self._rate_mark = now, delivered
        return self._paced

    def flush(self) -> None:
        """Write everything queued, in order, in one write (the flusher calls this)."""
        self._queued = False
        outbox = self._outbox
        if not outbox:
            return
        frames: list[bytes] = []
        closing = False
        while outbox:
            item = outbox.popleft()
            if item is _CLOSE:
                closing = True
                break
            frames.append(item)
        state = self._write(frames) if frames else WRITTEN
        if state != PAUSED:
            self._pong_waiting = False
            self._outbox_bytes = 0  # written (or the socket is closed)
        if state == PAUSED:  # the peer's buffer is full: keep them, try when it drains
            outbox.extendleft(reversed([*frames, *([_CLOSE] if closing else [])]))
            self._queued = True
            task = asyncio.get_running_loop().create_task(self._when_writable())
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
            return
        if self._drained is not None and len(outbox) <= self._limit // 2:
            _settle(self._drained)
        if closing:
            task = asyncio.get_running_loop().create_task(self._send_close())
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

    async def _when_writable(self) -> None:
        with contextlib.suppress(Exception):
            await self._writable()
        self._queued = False
        if self._outbox:
            self._schedule()

    async def _send_close(self) -> None:
        code, reason = self._closing or (1000, "")
        try:
            await self._close(code, reason)
        except Exception:  # the socket died under us; the receive side notices too
            log.debug("close failed", exc_info=True)
        finally:
            _settle(self.closed)


_tasks: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)


def _settle(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


class PollWaiter:
    """A long-poll request waiting for frames: collects them instead of sending."""

    def __init__(self, *, visitor_id: int | None = None, user_id: int | None = None,
                 site_scope: frozenset[int] | None = None, limit: int = OUTBOX_LIMIT) -> None:
        self.user_id = user_id
        self.session_id = None
        self.visitor_id = visitor_id
        self.site_scope = site_scope
        self.frames: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self._limit = limit
        self.closing = False

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool:
        del wire
        if len(self.frames) >= self._limit:
            return False  # the client polls again and syncs from its cursor
        self.frames.append(message)
        self.arrived.set()
        return True

    def end(self, code: int, reason: str, last: dict[str, Any] | None) -> None:
        del code, reason
        self.closing = True
        if last is not None:
            self.frames.append(last)
        self.arrived.set()
