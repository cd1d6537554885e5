"""The two sides of a conversation behind one interface, so every transport (WebSocket,
long-poll, REST) applies the same rules to the same frames."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import AGENT, VISITOR, Conversation, Sender, Visitor
from appliance.domain.errors import Blocked, DomainError, Invalid, RateLimited
from appliance.domain.kb import BotAnswer
from appliance.domain.model import Site, User
from appliance.services import bot_chat, routing
from appliance.services import conversations as conv_service
from appliance.services.blocks import block_of
from appliance.services.context import Services


@dataclass(frozen=True, slots=True)
class AgentSide:
    svc: Services
    user: User
    for_visitor = False
    reader = AGENT

    @property
    def sender(self) -> Sender:
        return conv_service.agent_sender(self.user)

    async def send(self, data: Any) -> conv_service.Sent:
        return await conv_service.check_agent_send(self.svc, self.user, None, data)

    async def conversation(self, conversation_id: Any) -> Conversation:
        return await conv_service.access_conversation(
            self.svc, self.user, v.clean_id(conversation_id, "conversation_id"))

    def preview_allowed(self, conversation: Conversation) -> bool:
        del conversation
        return False

    def count(self, action: str) -> None:
        """Agents are signed-in staff: their frames are not throttled."""
        del action


@dataclass(frozen=True, slots=True)
class VisitorSide:
    svc: Services
    visitor: Visitor
    site: Site
    address: str = ""  # the client's address, for the limits of services/throttle.py
    for_visitor = True
    reader = VISITOR

    @property
    def sender(self) -> Sender:
        return conv_service.visitor_sender(self.visitor)

    def _may_look_up(self) -> bool:
        try:
            self.svc.throttle.check("resend_check", visitor_id=self.visitor.id,
                                    address=self.address)
        except RateLimited:
            return False
        return True

    async def send(self, data: Any) -> conv_service.Sent:
        throttle, visitor_id = self.svc.throttle, self.visitor.id
        try:
            throttle.check("message", visitor_id=visitor_id, address=self.address)
            counted = True
        except RateLimited:
            # A resend of a message already stored costs nothing, even with no tokens left:
            # its ack was lost, and it gets the same answer as the first time. Finding out
            # reads the database, so the look-ups have a budget of their own.
            if not self._may_look_up() or not await conv_service.already_sent(
                    self.svc, self.visitor, data):
                raise
            counted = False
        await check_not_blocked(self.svc, self.site, visitor_id, self.address)
        sent = await conv_service.check_visitor_send(self.svc, self.visitor, data, self.site)
        if sent.duplicate and counted:  # a resend after a lost ack costs nothing
            throttle.give_back("message", visitor_id=visitor_id, address=self.address)
        if sent.opened:  # a new chat: find it an agent or a place in the queue, after the ack
            route_soon(self.svc, sent.conversation, sent.category_id, sent.invited_by)
        elif sent.bot is not None and sent.bot.handed_over:  # the bot handed it to people
            route_soon(self.svc, sent.bot.conversation, sent.bot.category_id)
        return sent

    async def handover(self, data: Any) -> bot_chat.BotTurn:
        """The visitor asks for a person (the widget's "转人工" button)."""
        self.count("signal")
        await check_not_blocked(self.svc, self.site, self.visitor.id, self.address)
        turn = await bot_chat.check_handover(self.svc, self.site, self.visitor.id, data)
        if turn.handed_over:
            route_soon(self.svc, turn.conversation, turn.category_id)
        return turn

    async def vote(self, data: Any) -> tuple[BotAnswer, bot_chat.BotTurn]:
        """👍 or 👎 on one of the bot's answers (a 👎 hands the bot's chat over)."""
        self.count("signal")
        voted, turn = await bot_chat.check_vote(self.svc, self.site, self.visitor.id, data)
        if turn.handed_over:
            route_soon(self.svc, turn.conversation, turn.category_id)
        return voted, turn

    async def conversation(self, conversation_id: Any) -> Conversation:
        return await conv_service.visitor_conversation(
            self.svc, self.visitor, v.clean_id(conversation_id, "conversation_id"))

    def preview_allowed(self, conversation: Conversation) -> bool:
        del conversation
        return self.site.typing_preview

    def count(self, action: str) -> None:
        """Count one `action` of this visitor (services/throttle.py), or refuse it."""
        self.svc.throttle.check(action, visitor_id=self.visitor.id, address=self.address)


async def check_not_blocked(svc: Services, site: Site, visitor_id: int, address: str) -> None:
    """A blocked visitor cannot write (the widget shows them the offline state)."""
    if await block_of(svc, site, visitor_id, address) is not None:
        raise Blocked("Chat is not available right now")


log = logging.getLogger(__name__)
_routing_tasks: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak refs)
Side = AgentSide | VisitorSide


def route_soon(svc: Services, conversation: Conversation, category_id: int | None,
               invited_by: int | None = None) -> None:
    """Route a chat that just became people's, after the answer that made it so."""
    task = asyncio.get_running_loop().create_task(
        route_quietly(svc, conversation, category_id, invited_by))
    _routing_tasks.add(task)
    task.add_done_callback(_routing_tasks.discard)


async def route_quietly(svc: Services, conversation: Conversation, category_id: int | None,
                        invited_by: int | None = None) -> None:
    """Routing failures must not fail the visitor's send: the chat stays in the waiting list,
    where any agent can pick it."""
    try:
        await routing.route_new(svc, conversation, category_id, invited_by=invited_by)
    except DomainError as exc:
        log.info("routing conversation %s: %s", conversation.id, exc.message)
    except Exception:
        log.exception("routing conversation %s failed", conversation.id)


async def sync(side: Side, conversation_id: Any, after_seq: Any) -> tuple[Conversation,
                                                                          conv_service.SyncResult]:
    conversation, after = await check_sync(side, conversation_id, after_seq)
    return conversation, await conv_service.sync(side.svc, conversation, after,
                                                 side.for_visitor)


async def check_sync(side: Side, conversation_id: Any, after_seq: Any) -> tuple[Conversation,
                                                                                int]:
    """A `sync` request checked: the conversation, if this side may see it, and the position."""
    if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
        raise Invalid("after_seq must be a non-negative integer", field="after_seq")
    return await side.conversation(conversation_id), after_seq


async def read(side: Side, conversation_id: Any, seq: Any) -> int:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise Invalid("seq must be a non-negative integer", field="seq")
    side.count("signal")
    conversation = await side.conversation(conversation_id)
    return await conv_service.do_mark_read(side.svc, conversation, side.reader, seq)


async def typing(side: Side, conversation_id: Any, is_typing: Any, draft: Any) -> None:
    side.count("signal")
    conversation = await side.conversation(conversation_id)
    conv_service.do_typing(side.svc, conversation, side.sender, is_typing, draft,
                           side.preview_allowed(conversation))
