"""Conversations, messages, attachments and visitors as agents and visitors see them."""

from __future__ import annotations

from typing import Any

from appliance.domain.conversations import (
    Attachment,
    BotReply,
    Conversation,
    Message,
    Sender,
    Visitor,
)
from appliance.wire import timestamp


def attachment_json(attachment: Attachment | None) -> dict[str, Any] | None:
    if attachment is None:
        return None
    return {"id": attachment.id, "name": attachment.name, "size": attachment.size,
            "mime": attachment.mime, "kind": attachment.kind,
            "url": f"/api/attachments/{attachment.id}"}


def sender_json(sender: Sender) -> dict[str, Any]:
    return {"type": sender.type, "id": sender.id, "name": sender.name}


def bot_reply_json(reply: BotReply | None, for_visitor: bool = False) -> dict[str, Any] | None:
    """The bot's part of its message (docs/protocol.md, "The answer bot"); agents also get
    the entries a model's answer cited (`sources`), visitors never."""
    if reply is None:
        return None
    found = {"action": reply.action, "entry_id": reply.entry_id, "answer": reply.answer,
             "choices": [{"entry_id": e, "question": q} for e, q in reply.choices],
             "votable": reply.action == "answer" and reply.answer_id is not None,
             "agents_online": reply.agents_online}
    if not for_visitor:
        found["sources"] = [{"entry_id": e, "question": q} for e, q in reply.sources]
    return found


def message_json(message: Message, for_visitor: bool = False) -> dict[str, Any]:
    return {
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "client_id": message.client_id, "kind": message.kind, "body": message.body,
        "sender": sender_json(message.sender), "attachment": attachment_json(message.attachment),
        "created_at": timestamp(message.created_at),
        "bot": bot_reply_json(message.bot, for_visitor),
    }


def bot_last_json(exchange: tuple[Message, ...]) -> dict[str, Any]:
    """The latest exchange in a chat the bot serves: the visitor's last message and the
    bot's reply to it (docs/api.md, Conversation `bot_last`)."""
    question = next((m for m in exchange if m.sender.type == "visitor"), None)
    reply = next((m for m in reversed(exchange) if m.sender.type == "bot"), None)
    bot = None if reply is None else reply.bot
    return {"question": None if question is None else question.body,
            "question_kind": None if question is None else question.kind,
            "asked_at": None if question is None else timestamp(question.created_at),
            "reply": None if reply is None else reply.body,
            "action": None if bot is None else bot.action,
            "confidence": None if bot is None else bot.confidence,
            "replied_at": None if reply is None else timestamp(reply.created_at)}


def conversation_json(conv: Conversation,
                      bot_exchange: tuple[Message, ...] | None = None) -> dict[str, Any]:
    """What agents see of a conversation (`bot_exchange`: the latest exchange of a chat the
    bot serves, for the "with the bot" list and `bot_chat` frames)."""
    bot_last = None if bot_exchange is None or conv.status != "bot" else bot_last_json(
        bot_exchange)
    return {
        "bot_last": bot_last,
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
        "bot_outcome": conv.bot_outcome, "handover_reason": conv.handover_reason,
    }


# Agents' counters: read positions in the numbering that counts notes, and unread for agents.
AGENT_COUNTERS = ("unread", "agent_read_seq", "visitor_read_seq")


def outside_conversation_json(conv: Conversation) -> dict[str, Any]:
    """A conversation for readers who may not see agents' internal notes (the client portal,
    a person's export): pass it through storage's `without_notes` first, so that `last_seq`
    and `last_message` count and number only what they may see. Without agents' counters;
    a note that still reaches here is left out rather than shown."""
    found = conversation_json(conv)
    for name in AGENT_COUNTERS:
        del found[name]
    if conv.last_message is not None and not conv.last_message.visible_to_visitor:
        found["last_message"] = None
    return found


def visitor_conversation_json(conv: Conversation) -> dict[str, Any]:
    """What a visitor sees of their own conversation (no notes, no internal counters)."""
    return {"id": conv.id, "status": conv.status, "last_seq": conv.visitor_last_seq,
            "agent_read_seq": conv.agent_read_seq, "assigned": conv.assignee_id is not None}


def visitor_json(visitor: Visitor, *, device: dict[str, Any], online: bool) -> dict[str, Any]:
    """A visitor in the agents' sidebar (`device`: the user agent described)."""
    return {
        "id": visitor.id, "site_id": visitor.site_id, "name": visitor.name,
        "email": visitor.email, "phone": visitor.phone, "attributes": visitor.attributes,
        "page_url": visitor.page_url, "page_title": visitor.page_title,
        "referrer": visitor.referrer, "user_agent": visitor.user_agent,
        "device": device, "online": online,
        "first_seen_at": timestamp(visitor.first_seen_at),
        "last_seen_at": timestamp(visitor.last_seen_at),
    }


def visitor_self_json(visitor: Visitor) -> dict[str, Any]:
    """What a visitor's own client learns about itself (the e-mail address they gave, where
    transcripts go)."""
    return {"id": visitor.id, "name": visitor.name, "email": visitor.email}


def search_result_json(message: Message, site_id: int) -> dict[str, Any]:
    return {"conversation_id": message.conversation_id, "seq": message.seq,
            "kind": message.kind, "body": message.body,
            "sender": {"type": message.sender.type, "name": message.sender.name},
            "created_at": timestamp(message.created_at), "site_id": site_id}
