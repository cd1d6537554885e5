"""Wire format of conversations and messages, shared by sockets, long-poll and REST."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.domain.conversations import Attachment, Conversation, Message, Sender, Visitor


def timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def attachment_json(attachment: Attachment | None) -> dict[str, Any] | None:
    if attachment is None:
        return None
    return {"id": attachment.id, "name": attachment.name, "size": attachment.size,
            "mime": attachment.mime, "kind": attachment.kind,
            "url": f"/api/attachments/{attachment.id}"}


def sender_json(sender: Sender) -> dict[str, Any]:
    return {"type": sender.type, "id": sender.id, "name": sender.name}


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "client_id": message.client_id, "kind": message.kind, "body": message.body,
        "sender": sender_json(message.sender), "attachment": attachment_json(message.attachment),
        "created_at": timestamp(message.created_at),
    }


def message_frame(message: Message) -> dict[str, Any]:
    return {"type": "message", **message_json(message)}


def conversation_json(conv: Conversation) -> dict[str, Any]:
    """What agents see of a conversation."""
    return {
        "id": conv.id, "site_id": conv.site_id, "status": conv.status,
        "assignee_id": conv.assignee_id,
        "visitor": {"id": conv.visitor_id, "name": conv.visitor_name},
        "last_seq": conv.last_seq, "agent_read_seq": conv.agent_read_seq,
        "visitor_read_seq": conv.visitor_read_seq, "unread": conv.unread,
        "last_message": None if conv.last_message is None else message_json(conv.last_message),
        "created_at": timestamp(conv.created_at),
        "last_activity_at": timestamp(conv.last_activity_at),
        "closed_at": timestamp(conv.closed_at),
        "rating": conv.rating, "rating_comment": conv.rating_comment, "missed": conv.missed,
    }


def visitor_json(visitor: Visitor, device: dict[str, str], online: bool) -> dict[str, Any]:
    """What agents see of a visitor (the Visitor object of docs/api.md)."""
    return {
        "id": visitor.id, "site_id": visitor.site_id, "name": visitor.name,
        "email": visitor.email, "phone": visitor.phone, "attributes": visitor.attributes,
        "page_url": visitor.page_url, "page_title": visitor.page_title,
        "referrer": visitor.referrer, "user_agent": visitor.user_agent,
        "device": device, "online": online,
        "first_seen_at": timestamp(visitor.first_seen_at),
        "last_seen_at": timestamp(visitor.last_seen_at),
    }


def visitor_conversation_json(conv: Conversation) -> dict[str, Any]:
    """What a visitor sees of their own conversation (no notes, no internal counters)."""
    return {"id": conv.id, "status": conv.status, "last_seq": conv.visitor_last_seq,
            "agent_read_seq": conv.agent_read_seq, "assigned": conv.assignee_id is not None}


def ack_frame(message: Message) -> dict[str, Any]:
    return {"type": "ack", "client_id": message.client_id,
            "conversation_id": message.conversation_id, "seq": message.seq,
            "message_id": message.id, "created_at": timestamp(message.created_at)}


def error_json(code: str, text: str, field: str | None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": text}
    if field:
        error["field"] = field
    return error


def nack_frame(client_id: Any, code: str, text: str, field: str | None = None) -> dict[str, Any]:
    return {"type": "nack", "client_id": client_id if isinstance(client_id, str) else None,
            "error": error_json(code, text, field)}
