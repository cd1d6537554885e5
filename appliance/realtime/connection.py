"""One open socket: a bounded outbox drained by its own sender task."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 256
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


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Connection:
    """Messages for one peer. `push` never waits: a peer that cannot keep up is disconnected
    (it resumes on reconnect) instead of stalling the sender or growing memory.

    Kept small (slots, a deque and at most one waiting future), because a busy install holds
    thousands of idle widget sockets."""

    __slots__ = ("_close", "_closing", "_drained", "_limit", "_outbox", "_send", "_wake",
                 "at_workbench", "session_id", "site_scope", "user_id", "visitor_id")

    def __init__(self, *, send: Callable[[str], Awaitable[Any]],
                 close: Callable[[int, str], Awaitable[Any]],
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
        self._send = send
        self._close = close
        self._outbox: deque[Any] = deque()
        self._limit = limit
        self._closing: tuple[int, str] | None = None
        self._wake: asyncio.Future[None] | None = None  # the sender waiting for frames
        self._drained: asyncio.Future[None] | None = None  # a paced reply waiting for room

    @property
    def closing(self) -> bool:
        return self._closing is not None

    def push(self, message: dict[str, Any], text: str | None = None) -> bool:
        """Queue a message (`text`: its JSON, when the caller already encoded it for many
        peers); False, and the socket is closed, if the peer is too far behind."""
        if self._closing is not None:
            return False
        if len(self._outbox) >= self._limit:
            self.end(CLOSE_SLOW_CONSUMER, "slow consumer", None)
            return False
        self._outbox.append(text if text is not None else encode(message))
        _settle(self._wake)
        return True

    def end(self, code: int, reason: str, last: dict[str, Any] | None) -> None:
        """Drop what is queued, send `last` if given, then close with `code`."""
        if self._closing is not None:
            return
        self._closing = (code, reason)
        self._outbox.clear()
        if last is not None:
            self._outbox.append(encode(last))
        self._outbox.append(_CLOSE)
        _settle(self._wake)
        _settle(self._drained)

    async def room(self, timeout: float) -> None:
        """Wait until the outbox is at most half full. A long answer (a sync replay) is thus
        paced by the peer and leaves room for live messages instead of overflowing the outbox
        by itself; a peer that takes nothing for `timeout` seconds is too slow."""
        while self._closing is None and len(self._outbox) > self._limit // 2:
            self._drained = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._drained, timeout)
            except TimeoutError:
                self.end(CLOSE_SLOW_CONSUMER, "slow consumer", None)
            finally:
                self._drained = None

    async def run_sender(self) -> None:
        """Deliver queued messages in order until the connection ends."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                while not self._outbox:
                    self._wake = loop.create_future()
                    try:
                        await self._wake
                    finally:
                        self._wake = None
                item = self._outbox.popleft()
                if self._drained is not None and len(self._outbox) <= self._limit // 2:
                    _settle(self._drained)
                if item is _CLOSE:
                    code, reason = self._closing or (1000, "")
                    with contextlib.suppress(Exception):
                        await self._close(code, reason)
                    return
                await self._send(item)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket died under us; the receive side notices too
            log.debug("sender stopped", exc_info=True)


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

    def push(self, message: dict[str, Any], text: str | None = None) -> bool:
        del text
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
