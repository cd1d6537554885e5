"""Frames a client sends about conversations, handled the same for agents and visitors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from appliance.domain.errors import DomainError
from appliance.realtime.frames import ack_frame, error_json, message_frame, nack_frame
from appliance.services import participants
from appliance.services.participants import Side

log = logging.getLogger(__name__)
Push = Callable[[dict[str, Any]], object]
Room = Callable[[], Awaitable[None]]  # waits until the peer can take more frames
CONVERSATION_FRAMES = ("send", "sync", "read", "typing")


async def handle(side: Side, message: dict[str, Any], push: Push,
                 room: Room | None = None) -> None:
    """Answer one frame. Refusals are answered (nack / error frames); nothing is raised."""
    kind = message.get("type")
    try:
        if kind == "send":
            sent = await side.send(message)
            push(ack_frame(sent.message))
        elif kind == "sync":
            await push_sync(side, message.get("conversation_id"), message.get("after_seq"), push,
                            room)
        elif kind == "read":
            await participants.read(side, message.get("conversation_id"), message.get("seq"))
        elif kind == "typing":
            await participants.typing(side, message.get("conversation_id"),
                                      message.get("typing"), message.get("draft"))
    except DomainError as exc:
        if kind == "send":
            push(nack_frame(message.get("client_id"), exc.code, exc.message, exc.field))
        else:
            push({"type": "error", "request": kind,
                  "conversation_id": message.get("conversation_id"),
                  "error": error_json(exc.code, exc.message, exc.field)})


async def push_sync(side: Side, conversation_id: Any, after_seq: Any, push: Push,
                    room: Room | None = None) -> None:
    conversation, result = await participants.sync(side, conversation_id, after_seq)
    if result.reset:
        push({"type": "reset", "conversation_id": conversation.id,
              "reason": "position is beyond the end of the conversation"})
        return
    for message in result.messages:
        push(message_frame(message))
        if room is not None:
            await room()
    push({"type": "synced", "conversation_id": conversation.id, "last_seq": result.last_seq,
          "read_seq": result.read_seq})
