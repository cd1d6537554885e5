"""The two sides of a conversation behind one interface, so every transport (WebSocket,
long-poll, REST) applies the same rules to the same frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import AGENT, VISITOR, Conversation, Sender, Visitor
from appliance.domain.errors import Invalid
from appliance.domain.model import Site, User
from appliance.services import conversations as conv_service
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


@dataclass(frozen=True, slots=True)
class VisitorSide:
    svc: Services
    visitor: Visitor
    site: Site
    for_visitor = True
    reader = VISITOR

    @property
    def sender(self) -> Sender:
        return conv_service.visitor_sender(self.visitor)

    async def send(self, data: Any) -> conv_service.Sent:
        return await conv_service.check_visitor_send(self.svc, self.visitor, data)

    async def conversation(self, conversation_id: Any) -> Conversation:
        return await conv_service.visitor_conversation(
            self.svc, self.visitor, v.clean_id(conversation_id, "conversation_id"))

    def preview_allowed(self, conversation: Conversation) -> bool:
        del conversation
        return self.site.typing_preview


Side = AgentSide | VisitorSide


async def sync(side: Side, conversation_id: Any, after_seq: Any) -> tuple[Conversation,
                                                                          conv_service.SyncResult]:
    if isinstance(after_seq, bool) or not isinstance(after_seq, int):
        raise Invalid("after_seq must be an integer", field="after_seq")
    conversation = await side.conversation(conversation_id)
    return conversation, await conv_service.sync(side.svc, conversation, after_seq,
                                                 side.for_visitor)


async def read(side: Side, conversation_id: Any, seq: Any) -> int:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise Invalid("seq must be a non-negative integer", field="seq")
    conversation = await side.conversation(conversation_id)
    return await conv_service.do_mark_read(side.svc, conversation, side.reader, seq)


async def typing(side: Side, conversation_id: Any, is_typing: Any, draft: Any) -> None:
    conversation = await side.conversation(conversation_id)
    conv_service.do_typing(side.svc, conversation, side.sender, is_typing, draft,
                           side.preview_allowed(conversation))
