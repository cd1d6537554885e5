"""Conversations, visitors and messages: their types and the rules of who sees what."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from appliance.domain.errors import Invalid

OPEN, CLOSED, PENDING = "open", "closed", "pending"  # pending: a left message to follow up
BOT = "bot"  # status: the answer bot serves the chat (no person yet); also a sender type
LIVE_STATUSES = (OPEN, PENDING, BOT)  # a visitor's next message continues the conversation
VISITOR, AGENT, SYSTEM = "visitor", "agent", "system"
TEXT, IMAGE, FILE, NOTE = "text", "image", "file", "note"
VISITOR_KINDS = (TEXT, IMAGE, FILE)
AGENT_KINDS = (TEXT, IMAGE, FILE, NOTE)
BODY_MAX = 5000
DRAFT_MAX = 500
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True, slots=True)
class Sender:
    type: str  # visitor | agent | system | bot
    id: int | None
    name: str


@dataclass(frozen=True, slots=True)
class Attachment:
    id: int
    site_id: int
    conversation_id: int | None
    name: str
    mime: str
    kind: str  # image | file
    size: int
    storage_name: str
    uploader_type: str
    uploader_id: int


@dataclass(frozen=True, slots=True)
class BotReply:
    """The bot's part of one of its messages (the body holds its plain text): what it did,
    the record a vote goes to, the entry and its sanitised rich answer, or the entries it
    offers; for a hand-over, whether anyone could take the chat then."""

    action: str  # answer | suggest | small_talk | unanswered | handover
    answer_id: int | None = None
    entry_id: int | None = None
    answer: str = ""
    choices: tuple[tuple[int, str], ...] = ()  # (entry id, question)
    agents_online: bool | None = None
    confidence: float | None = None  # the decision's confidence (answer, suggest), for agents
    # An answer worded by the company's model endpoint: the entries it cited, (entry id,
    # question); shown to agents only. Empty for every other reply.
    sources: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    seq: int
    client_id: str
    sender: Sender
    kind: str
    body: str
    attachment: Attachment | None
    created_at: datetime
    bot: BotReply | None = None

    @property
    def visible_to_visitor(self) -> bool:
        return self.kind != NOTE


def numbered_for_outside(messages: Sequence[Message]) -> list[Message]:
    """Messages as readers outside the team see them (the client portal, a person's export):
    without agents' internal notes, each `seq` its place among the rest (1, 2, 3…), so that no
    gap in the numbers tells that a note was there."""
    shown = [m for m in messages if m.visible_to_visitor]
    return [m if m.seq == n else replace(m, seq=n) for n, m in enumerate(shown, 1)]


@dataclass(frozen=True, slots=True)
class Visitor:
    id: int
    site_id: int
    name: str
    email: str
    phone: str
    attributes: dict[str, Any]
    page_url: str
    page_title: str
    referrer: str
    user_agent: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    site_id: int
    visitor_id: int
    visitor_name: str
    status: str
    assignee_id: int | None
    last_seq: int
    visitor_last_seq: int  # highest seq a visitor may see (notes excluded)
    agent_read_seq: int
    visitor_read_seq: int
    unread: int  # visitor messages after agent_read_seq
    created_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    last_message: Message | None = field(default=None)
    rating: int | None = None  # the visitor's 1-5 after closing
    rating_comment: str = ""
    missed: bool = False  # the visitor left before any agent answered
    bot_outcome: str | None = None  # served | handed_over | left; None: the bot took no part
    handover_reason: str | None = None  # asked | failures | downvoted | attachment | agent


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: int
    site_id: int | None
    owner_id: int | None
    shortcut: str
    body: str
    company_id: int | None = None  # a script shared by every site of one company


def clean_client_id(value: Any) -> str:
    # fullmatch: with match, "$" would let a final "\n" through.
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise Invalid("client_id must be 8-64 characters of letters, digits, '_' or '-'",
                      field="client_id")
    return value


def clean_kind(value: Any, allowed: tuple[str, ...]) -> str:
    kind = TEXT if value is None else value
    if kind not in allowed:
        raise Invalid(f"kind must be one of: {', '.join(allowed)}", field="kind")
    return str(kind)


def clean_body(value: Any, kind: str, has_attachment: bool, field: str = "body") -> str:
    """Message text: required for text and notes, an optional caption for attachments
    (`field`: what the request calls it — a hand-over's `note`, a left `message`)."""
    body = "" if value is None else value
    if not isinstance(body, str):
        raise Invalid(f"{field} must be a string", field=field)
    body = body.replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX:
        raise Invalid(f"{field} must be at most {BODY_MAX} characters", field=field)
    if "\x00" in body:
        raise Invalid(f"{field} contains a NUL character", field=field)
    if kind in (TEXT, NOTE) and not body:
        raise Invalid(f"{field} is required", field=field)
    if kind in (IMAGE, FILE) and not has_attachment:
        raise Invalid("attachment_id is required for images and files", field="attachment_id")
    if kind == TEXT and has_attachment:
        raise Invalid("attachment_id goes with kind image or file (or a note), not text",
                      field="attachment_id")
    return body


def display_name_of_visitor(visitor_id: int, name: str) -> str:
    """Visitors without a name are shown as 访客 + their number."""
    return name or f"访客{visitor_id}"
