"""The registry of open sockets; turns committed events into frames for the right peers."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from appliance.domain.conversations import BOT, VISITOR
from appliance.domain.events import (
    BotChatChanged,
    ConversationChanged,
    ConversationErased,
    InvitationChanged,
    MessageCreated,
    QueueSummary,
    QueueUpdate,
    ReadUpTo,
    SessionsEnded,
    Typing,
    Unanswered,
    UserChanged,
    VisitorChanged,
)
from appliance.domain.invitations import SHOWN
from appliance.realtime.connection import CLOSE_SESSION_ENDED, message_frame_bytes
from appliance.wire.frames import (
    ERASED_RESET,
    bot_chat_frame,
    conversation_frame,
    invitation_frame,
    invitation_withdrawn_frame,
    message_frame,
    queue_frame,
    queue_summary_frame,
    read_frame,
    reset_frame,
    session_ended_frame,
    status_frame,
    typing_frame,
    unanswered_frame,
    visitor_conversation_frame,
    visitor_frame,
    visitor_invitation_frame,
)

# A visitor whose long-poll answered this recently still counts as on the page (README: a
# reply is mailed to a visitor who is no longer on the page).
POLL_GRACE = 10.0
POLLED_KEPT = 10_000


class Peer(Protocol):
    user_id: int | None
    session_id: int | None
    visitor_id: int | None
    site_scope: frozenset[int] | None

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool: ...

    def end(self, code: int, reason: str, last: dict[str, Any] | None) -> None: ...


def scope_of(user: Any) -> frozenset[int] | None:
    return None if user.role.manages_install else frozenset(user.site_ids)


class Hub:
    """Single process, so this in-memory registry is the truth about who is connected."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._by_user: dict[int, set[Peer]] = defaultdict(set)
        self._by_visitor: dict[int, set[Peer]] = defaultdict(set)
        self.clock = clock  # monotonic seconds (tests move it)
        self._polled: dict[int, float] = {}  # visitor -> when their last long-poll answered
        self._statuses: dict[int, str] = {}  # agent -> the effective status last seen

    def register(self, peer: Peer) -> None:
        if peer.user_id is not None:
            self._by_user[peer.user_id].add(peer)
        if peer.visitor_id is not None:
            self._by_visitor[peer.visitor_id].add(peer)

    def unregister(self, peer: Peer) -> None:
        for index, key in ((self._by_user, peer.user_id), (self._by_visitor, peer.visitor_id)):
            if key is None:
                continue
            peers = index.get(key)
            if peers is not None:
                peers.discard(peer)
                if not peers:
                    del index[key]

    def connections_of(self, user_id: int) -> list[Peer]:
        return list(self._by_user.get(user_id, ()))

    def say_status(self, user_id: int, status: str, asked: Peer) -> None:
        """The agent's effective status, as a `status` frame: to the console that asked
        (`asked`, always: it is its answer) and to their other consoles if it changed."""
        changed = self._statuses.get(user_id) != status
        self._statuses[user_id] = status
        for peer in self.connections_of(user_id):
            if changed or peer is asked:
                peer.push(status_frame(status))

    def tell_statuses(self, status_of: Callable[[int], str]) -> None:
        """Each connected agent's consoles hear their effective status when it changed by
        itself since the last look: away after inactivity, online again, the reload grace of
        a closed console over."""
        seen: dict[int, str] = {}
        for user_id, peers in self._by_user.items():
            status = seen[user_id] = status_of(user_id)
            if self._statuses.get(user_id, status) != status:
                for peer in list(peers):
                    peer.push(status_frame(status))
        self._statuses = seen

    def visitor_online(self, visitor_id: int) -> bool:
        """A socket open, or a long-poll waiting or answered within `POLL_GRACE` seconds (a
        long-polling page asks again at once: between two polls it is still there)."""
        if self._by_visitor.get(visitor_id):
            return True
        answered = self._polled.get(visitor_id)
        return answered is not None and self.clock() - answered < POLL_GRACE

    def poll_answered(self, visitor_id: int) -> None:
        now = self.clock()
        if len(self._polled) > POLLED_KEPT:  # forget pages gone for longer than the grace
            self._polled = {k: t for k, t in self._polled.items() if now - t < POLL_GRACE}
        self._polled[visitor_id] = now

    def end_all(self, code: int, reason: str) -> None:
        """Close every socket (and answer every waiting long-poll): the server is stopping."""
        for index in (self._by_user, self._by_visitor):
            for peers in list(index.values()):
                for peer in list(peers):
                    peer.end(code, reason, None)

    def count(self) -> int:
        return sum(len(c) for c in self._by_user.values()) + sum(
            len(c) for c in self._by_visitor.values())

    # -- fan-out ----------------------------------------------------------------------------
    def _agents_of_site(self, site_id: int) -> list[Peer]:
        return [peer for peers in self._by_user.values() for peer in peers
                if peer.site_scope is None or site_id in peer.site_scope]

    def _to_visitor(self, visitor_id: int, frame: dict[str, Any],
                    wire: bytes | None = None) -> None:
        peers = list(self._by_visitor.get(visitor_id, ()))
        if peers and wire is None:
            wire = message_frame_bytes(frame)
        for peer in peers:
            peer.push(frame, wire)

    def _to_agents(self, site_id: int, frame: dict[str, Any]) -> bytes | None:
        """The frame to the site's agents, encoded once however many listen (returned, so
        that the same bytes can go to the visitor too)."""
        peers = self._agents_of_site(site_id)
        wire = message_frame_bytes(frame) if peers else None
        for peer in peers:
            peer.push(frame, wire)
        return wire

    # -- consumers of events (registered by type in appliance/runtime.py) --------------------
    # While the bot serves a chat (status `bot`) its frames go to the visitor only: consoles
    # hear of it, as of any new chat, when it is handed over (docs/protocol.md).
    def on_message(self, event: MessageCreated) -> None:
        message, conv = event.message, event.conversation
        frame = message_frame(message)
        quiet = conv.status == BOT and message.visible_to_visitor
        wire = None if quiet else self._to_agents(conv.site_id, frame)
        if message.visible_to_visitor:
            if message.bot is not None:  # its `sources` are for agents' eyes only
                self._to_visitor(conv.visitor_id, message_frame(message, for_visitor=True))
            else:
                self._to_visitor(conv.visitor_id, frame, wire)

    def on_conversation(self, event: ConversationChanged) -> None:
        conv = event.conversation
        if conv.status != BOT:
            self._to_agents(conv.site_id, conversation_frame(conv))
        self._to_visitor(conv.visitor_id, visitor_conversation_frame(conv))

    def on_conversation_erased(self, event: ConversationErased) -> None:
        """Its messages were rewritten: the site's consoles and the visitor's pages drop what
        they hold of it and sync it again (consoles also reload the conversation)."""
        frame = reset_frame(event.conversation_id, ERASED_RESET)
        wire = self._to_agents(event.site_id, frame)
        self._to_visitor(event.visitor_id, frame, wire)

    def on_bot_chat(self, event: BotChatChanged) -> None:
        """The site's consoles follow the bot's chats with `bot_chat` frames (no alert)."""
        self._to_agents(event.conversation.site_id,
                        bot_chat_frame(event.conversation, event.messages))

    def on_read(self, event: ReadUpTo) -> None:
        frame = read_frame(event.conversation_id, event.reader, event.seq)
        if event.reader != VISITOR:
            self._to_visitor(event.visitor_id, frame)
        self._to_agents(event.site_id, frame)  # also the reading agent's other tabs

    def on_typing(self, event: Typing) -> None:
        if event.sender.type == VISITOR:
            self._to_agents(event.site_id, typing_frame(
                event.conversation_id, event.sender, event.typing, event.draft))
        else:
            self._to_visitor(event.visitor_id, typing_frame(
                event.conversation_id, event.sender, event.typing))

    def on_queue(self, event: QueueUpdate) -> None:
        """To the waiting visitor only: agents hear one summary per site (on_queue_summary)."""
        self._to_visitor(event.visitor_id, queue_frame(
            event.conversation_id, event.position, event.estimated_wait_seconds))

    def on_queue_summary(self, event: QueueSummary) -> None:
        self._to_agents(event.site_id, queue_summary_frame(
            event.site_id, event.waiting, event.teams, event.oldest_queued_at))

    def on_unanswered(self, event: Unanswered) -> None:
        self._to_agents(event.site_id, unanswered_frame(
            event.conversation_id, event.agent_id, event.new_agent_id))

    def on_visitor_changed(self, event: VisitorChanged) -> None:
        # They have just loaded a page, so they are online whether or not the new page's
        # socket is open yet.
        self._to_agents(event.visitor.site_id, visitor_frame(event.visitor, event.device))

    def on_invitation(self, event: InvitationChanged) -> None:
        """The site's consoles follow every invitation; the visitor's pages show a new one
        and hide one that is no longer showing (answered in another tab, withdrawn,
        ignored)."""
        invitation = event.invitation
        self._to_agents(invitation.site_id, invitation_frame(invitation))
        if invitation.status == SHOWN:
            self._to_visitor(invitation.visitor_id, visitor_invitation_frame(invitation))
        elif invitation.conversation_id is None:
            self._to_visitor(invitation.visitor_id, invitation_withdrawn_frame(invitation.id))

    def on_user_changed(self, event: UserChanged) -> None:
        if event.user is None:
            return
        for peer in self.connections_of(event.user_id):
            peer.site_scope = scope_of(event.user)

    def on_sessions_ended(self, event: SessionsEnded) -> None:
        for peer in self.connections_of(event.user_id):
            if event.session_ids and peer.session_id not in event.session_ids:
                continue
            if event.keep_session_id is not None and peer.session_id == event.keep_session_id:
                continue
            peer.end(CLOSE_SESSION_ENDED, event.reason, session_ended_frame(event.reason))
