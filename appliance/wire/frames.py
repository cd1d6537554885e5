"""Every frame the server sends on a socket (and in long-poll answers), one builder each.

docs/protocol.md lists them; tests/test_wire.py checks that the document and these builders
name the same frames with the same fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.domain.conversations import Conversation, Message, Sender, Visitor
from appliance.domain.invitations import Invitation
from appliance.domain.model import User
from appliance.wire import timestamp
from appliance.wire.accounts import user_json
from appliance.wire.conversations import (
    conversation_json,
    message_json,
    sender_json,
    visitor_conversation_json,
    visitor_json,
    visitor_self_json,
)
from appliance.wire.errors import error_json
from appliance.wire.visitors import invitation_json, visitor_invitation_json

Frame = dict[str, Any]
CONVERSATION_REQUESTS = ("sync", "read", "typing")

PING: Frame = {"type": "ping"}
PONG: Frame = {"type": "pong"}


def agent_hello_frame(user: User, status: str) -> Frame:
    return {"type": "hello", "user": user_json(user), "status": status}


def visitor_hello_frame(visitor: Visitor, conversation: Conversation | None) -> Frame:
    return {"type": "hello", "visitor": visitor_self_json(visitor),
            "conversation": None if conversation is None
            else visitor_conversation_json(conversation)}


def ack_frame(message: Message) -> Frame:
    return {"type": "ack", "client_id": message.client_id,
            "conversation_id": message.conversation_id, "seq": message.seq,
            "message_id": message.id, "created_at": timestamp(message.created_at)}


def nack_frame(client_id: Any, code: str, text: str, field: str | None = None,
               retry_after: int | None = None) -> Frame:
    """A refused `send`; `rate_limited` ones carry `retry_after` (seconds) in the error."""
    return {"type": "nack", "client_id": client_id if isinstance(client_id, str) else None,
            "error": error_json(code, text, field, retry_after)}


def message_frame(message: Message, for_visitor: bool = False) -> Frame:
    """A stored message; the visitor's copy leaves out what only agents see (the sources
    of a model's answer)."""
    return {"type": "message", **message_json(message, for_visitor)}


def synced_frame(conversation_id: int, last_seq: int, read_seq: int) -> Frame:
    return {"type": "synced", "conversation_id": conversation_id, "last_seq": last_seq,
            "read_seq": read_seq}


ERASED_RESET = "erased"  # a `reset` frame's reason: a person's erasure rewrote the conversation


def reset_frame(conversation_id: int, reason: str) -> Frame:
    return {"type": "reset", "conversation_id": conversation_id, "reason": reason}


def read_frame(conversation_id: int, reader: str, seq: int) -> Frame:
    return {"type": "read", "conversation_id": conversation_id, "reader": reader, "seq": seq}


def typing_frame(conversation_id: int, sender: Sender, typing: bool,
                 draft: str | None = None) -> Frame:
    frame: Frame = {"type": "typing", "conversation_id": conversation_id,
                    "sender": sender_json(sender), "typing": typing}
    if draft is not None:
        frame["draft"] = draft
    return frame


def conversation_frame(conversation: Conversation) -> Frame:
    """For agents: the whole conversation as in docs/api.md."""
    return {"type": "conversation", "conversation": conversation_json(conversation)}


def bot_chat_frame(conversation: Conversation, messages: tuple[Message, ...]) -> Frame:
    """For agents: a chat the bot serves changed (docs/protocol.md, "The answer bot")."""
    return {"type": "bot_chat",
            "conversation": conversation_json(conversation, bot_exchange=messages),
            "messages": [message_json(m) for m in messages]}


def visitor_frame(visitor: Visitor, device: dict[str, Any]) -> Frame:
    """For agents of the visitor's site: the visitor moved to another page (or said who they
    are). Sent when they load a page, so `online` is true."""
    return {"type": "visitor", "visitor": visitor_json(visitor, device=device, online=True)}


def visitor_conversation_frame(conversation: Conversation) -> Frame:
    """For the conversation's visitor: only what they may see."""
    return {"type": "conversation", "conversation": visitor_conversation_json(conversation)}


def error_frame(request: str, conversation_id: Any, code: str, text: str,
                field: str | None = None, retry_after: int | None = None) -> Frame:
    """A refused `sync`, `read`, `typing`, `status` or `workbench` frame; the socket stays
    open."""
    frame: Frame = {"type": "error", "request": request}
    if request in CONVERSATION_REQUESTS:  # these name their conversation
        frame["conversation_id"] = conversation_id
    frame["error"] = error_json(code, text, field, retry_after)
    return frame


def queue_frame(conversation_id: int, position: int, estimated_wait_seconds: int) -> Frame:
    return {"type": "queue", "conversation_id": conversation_id, "position": position,
            "estimated_wait_seconds": estimated_wait_seconds}


def queue_summary_frame(site_id: int, waiting: int, teams: tuple[tuple[int | None, int], ...],
                        oldest_queued_at: datetime | None) -> Frame:
    return {"type": "queue_summary", "site_id": site_id, "waiting": waiting,
            "oldest_queued_at": timestamp(oldest_queued_at),
            "teams": [{"team_id": team_id, "waiting": count} for team_id, count in teams]}


def unanswered_frame(conversation_id: int, agent_id: int, new_agent_id: int | None) -> Frame:
    return {"type": "unanswered", "conversation_id": conversation_id, "agent_id": agent_id,
            "new_agent_id": new_agent_id}


def status_frame(status: str) -> Frame:
    return {"type": "status", "status": status}


def session_ended_frame(reason: str) -> Frame:
    return {"type": "session_ended", "reason": reason}


def visitor_invitation_frame(invitation: Invitation) -> Frame:
    """For the invited visitor: show this invitation (in the site's style)."""
    return {"type": "invitation", "invitation": visitor_invitation_json(invitation)}


def invitation_withdrawn_frame(invitation_id: int) -> Frame:
    """For the visitor: hide the invitation (withdrawn by its agent, or ignored too long)."""
    return {"type": "invitation_withdrawn", "invitation_id": invitation_id}


def invitation_frame(invitation: Invitation) -> Frame:
    """For agents of the site: an invitation was shown or changed status."""
    return {"type": "invitation", "invitation": invitation_json(invitation)}


def visitors_frame(visitors: list[dict[str, Any]], counts: dict[str, int]) -> Frame:
    """For a console watching the live visitor list: everyone on its sites now."""
    return {"type": "visitors", "visitors": visitors, "counts": counts}


def visitors_delta_frame(upsert: list[dict[str, Any]], gone: list[int],
                         counts: dict[str, int]) -> Frame:
    """What changed in the live visitor list since the last frame (at most one a second)."""
    return {"type": "visitors_delta", "upsert": upsert, "gone": gone, "counts": counts}


def board_frame(board: dict[str, Any]) -> Frame:
    """For a console watching a live board (`board_watch`): the whole board, anew."""
    return {"type": "board", "board": board}
