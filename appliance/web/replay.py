"""A socket's `sync` replays: run beside its receive loop, one at a time, in `seq` order with
the live messages that arrive meanwhile (docs/protocol.md, `sync`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from appliance.domain.conversations import Conversation
from appliance.domain.errors import DomainError, RateLimited
from appliance.realtime.connection import Connection
from appliance.services import conversations as conv_service
from appliance.services import participants
from appliance.services.participants import Side
from appliance.wire.frames import error_frame, message_frame, reset_frame, synced_frame

log = logging.getLogger(__name__)

SYNCS_WAITING_MAX = 256  # conversations waiting for their replay on one socket
HELD_MAX = 64  # live messages kept aside per replay; beyond, the replay reads them back
CLOSE_INTERNAL = 1011


@dataclass(eq=False)
class _Request:
    """One conversation's replay: asked for, then running. Until it ends it takes the live
    `message` frames of its conversation for this socket (`hold`): those it has sent already
    are dropped, later ones kept aside and sent after it, in `seq` order. Once it is done it
    still drops a late live copy of a message it sent (one whose commit the replay read
    before its event reached this socket). A `reset` of its conversation (an erasure rewrote
    it) stops it where it is: what it read before may be the old text."""

    side: Side
    conversation: Conversation
    after_seq: int
    position: int  # the highest seq sent to the client so far
    held: dict[int, tuple[dict[str, Any], bytes | None]] = field(default_factory=dict)
    overflow: bool = False  # live messages were dropped: the replay reads them back
    done: bool = False
    reset: bool = False  # a `reset` of the conversation went out while it ran
    stopped: bool = False  # replaced by a later `sync`, or the socket is done: send nothing more

    def hold(self, frame: dict[str, Any], wire: bytes | None) -> bool:
        if frame.get("type") == "reset":
            self.reset = True
            return False  # the reset itself goes out now
        seq = frame.get("seq")
        if not isinstance(seq, int):
            return False
        if self.done:
            return seq <= self.position
        if seq > self.position:
            if len(self.held) < HELD_MAX:
                self.held[seq] = (frame, wire)
            else:
                self.overflow = True
        return True


class Replays:
    """The replays of one socket. A `sync` is checked at once (an `error` frame, or `reset`,
    answers it then); its replay runs after those asked for before it, beside the receive
    loop, so that pings, answers and live frames keep flowing. A `sync` for a conversation
    already waiting or being replayed replaces that request: the replay starts again from
    the new `after_seq`, and only the last request is answered with `synced`."""

    def __init__(self, conn: Connection, room: Callable[[], Awaitable[None]]) -> None:
        self._conn = conn
        self._room = room
        self._waiting: dict[int, _Request] = {}  # by conversation, in the order asked
        self._running: _Request | None = None
        self._task: asyncio.Task[None] | None = None

    async def request(self, side: Side, message: dict[str, Any]) -> None:
        conn = self._conn
        try:
            conversation, after = await participants.check_sync(
                side, message.get("conversation_id"), message.get("after_seq"))
            if conversation.id not in self._waiting and len(self._waiting) >= SYNCS_WAITING_MAX:
                raise RateLimited("too many sync requests waiting on this socket", retry_after=1)
        except DomainError as exc:
            retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
            conn.push(error_frame("sync", message.get("conversation_id"), exc.code, exc.message,
                                  exc.field, retry_after))
            return
        if conv_service.sync_beyond_end(conversation, after):
            # push_now: this answer to the client's own sync does not stop a replay under way
            # (only an erasure's reset does, through the hold).
            conn.push_now(reset_frame(conversation.id,
                                      "position is beyond the end of the conversation"))
            return
        request = _Request(side, conversation, after, after)
        running = self._running
        if running is not None and running.conversation.id == conversation.id:
            self._cancel()  # replaced: the new request goes first
            self._waiting = {conversation.id: request, **self._waiting}
        else:
            self._waiting.pop(conversation.id, None)
            self._waiting[conversation.id] = request
        conn.holds[conversation.id] = request.hold
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())

    def stop(self) -> None:
        """The socket is done: no more replays."""
        self._waiting.clear()
        self._cancel()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._running is not None:
            self._running.stopped = True
            self._release(self._running)
            self._running = None

    def _release(self, request: _Request) -> None:
        holds = self._conn.holds
        if holds.get(request.conversation.id) == request.hold:
            del holds[request.conversation.id]

    async def _work(self) -> None:
        conn = self._conn
        me = asyncio.current_task()
        # A task that was cancelled (its replay replaced) and went on anyway takes no more.
        while self._waiting and not conn.closing and self._task is me:
            conversation_id = next(iter(self._waiting))
            request = self._running = self._waiting.pop(conversation_id)
            try:
                await self._replay(request)
            except DomainError as exc:
                conn.push(error_frame("sync", conversation_id, exc.code, exc.message, exc.field))
            except Exception:
                log.exception("sync replay of conversation %s failed", conversation_id)
                conn.end(CLOSE_INTERNAL, "internal error", None)
            finally:
                if not request.done:
                    self._release(request)
                if self._running is request:
                    self._running = None
        if self._task is asyncio.current_task():
            self._task = None

    async def _replay(self, request: _Request) -> None:
        """Pages from the store, paced by the client, until a page ends the conversation
        with no live message dropped meanwhile; then what was kept aside, then `synced`.
        Events go out only after their commit, so a live message that arrived before a page
        was read is in that page: what is kept aside is cleared as each page is read.
        A `reset` of the conversation (an erasure) stops it, checked after every wait: what it
        read before may be the old text, and the client, told to drop the conversation, syncs
        it again; no `synced` answers this request."""
        conn, svc, for_visitor = self._conn, request.side.svc, request.side.for_visitor
        conversation = request.conversation
        request.reset = False  # one before it began: it reads the conversation as it is now
        while True:
            request.held.clear()
            request.overflow = False
            page = await conv_service.sync_page(svc, conversation, request.position, for_visitor)
            for message in page:
                if request.reset or request.stopped or conn.closing:
                    return
                conn.push_now(message_frame(message, for_visitor))
                request.position = message.seq
                await self._room()
            if request.reset or request.stopped or conn.closing:
                return
            if len(page) == conv_service.SYNC_PAGE:
                continue
            last_seq, read_seq = await conv_service.sync_position(svc, conversation, for_visitor)
            if request.reset or request.stopped:
                return
            if not request.overflow:
                break
        for seq in sorted(request.held):
            if seq > request.position:
                frame, wire = request.held[seq]
                conn.push_now(frame, wire)
                request.position = seq
        request.done = True  # from here on, live messages go straight out
        if request.position > request.after_seq:
            last_seq = max(last_seq, request.position)
        conn.push_now(synced_frame(conversation.id, last_seq, read_seq))
