"""Frames a client sends about conversations, handled the same for agents and visitors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from appliance.domain.errors import DomainError, RateLimited
from appliance.services import participants
from appliance.services.participants import Side
from appliance.wire.frames import (
    ack_frame,
    error_frame,
    message_frame,
    nack_frame,
    reset_frame,
    synced_frame,
)

log = logging.getLogger(__name__)
Push = Callable[[dict[str, Any]], object]
CONVERSATION_FRAMES = ("send", "sync", "read", "typing")


async def handle(side: Side, message: dict[str, Any], push: Push) -> None:
    """Answer one frame. Refusals are answered (nack / error frames); nothing is raised.
    (On a socket, `sync` is answered by web/replay.py instead, beside the receive loop.)"""
    kind = message.get("type")
    try:
        if kind == "send":
            sent = await side.send(message)
            push(ack_frame(sent.message))
        elif kind == "sync":
            await push_sync(side, message.get("conversation_id"), message.get("after_seq"), push)
        elif kind == "read":
            await participants.read(side, message.get("conversation_id"), message.get("seq"))
        elif kind == "typing":
            await participants.typing(side, message.get("conversation_id"),
                                      message.get("typing"), message.get("draft"))
    except DomainError as exc:
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        if kind == "send":
            push(nack_frame(message.get("client_id"), exc.code, exc.message, exc.field,
                            retry_after))
        else:
            push(error_frame(str(kind), message.get("conversation_id"), exc.code, exc.message,
                             exc.field, retry_after))


async def push_sync(side: Side, conversation_id: Any, after_seq: Any, push: Push) -> None:
    """The whole answer to a `sync` at once (the long-poll's: it collects frames)."""
    conversation, result = await participants.sync(side, conversation_id, after_seq)
    if result.reset:
        push(reset_frame(conversation.id, "position is beyond the end of the conversation"))
        return
    for message in result.messages:
        push(message_frame(message, side.for_visitor))
    push(synced_frame(conversation.id, result.last_seq, result.read_seq))
