"""The offline path: leaving a message, the visitor closing and rating, transcripts by mail,
and missed chats. (Replies mailed to visitors who left: services/conversations.py.)"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import (
    CLOSED,
    PENDING,
    SYSTEM,
    TEXT,
    VISITOR,
    Conversation,
    Message,
    Sender,
    Visitor,
    clean_body,
    display_name_of_visitor,
)
from appliance.domain.errors import Conflict, Forbidden, Invalid, conversation_not_found
from appliance.domain.events import ConversationChanged, Event, MessageCreated, OutboxChanged
from appliance.domain.mail import MAIL
from appliance.domain.model import Site
from appliance.domain.transcripts import transcript_subject, transcript_text
from appliance.services.context import Services, on_writer
from appliance.services.customers import capture_visitor
from appliance.storage import conversations as store
from appliance.storage import offline as offline_store
from appliance.storage import sites as site_store
from appliance.storage.mail import enqueue_mail

log = logging.getLogger(__name__)
COMMENT_MAX = 500
WECHAT_MAX = 60
PHONE_RE = re.compile(r"[0-9+\-() ]{3,40}")
TRANSCRIPT_MESSAGES_MAX = 5000


@dataclass(frozen=True, slots=True)
class LeftMessage:
    conversation: Conversation
    message: Message
    mail_queued: bool


def _clean_contact(value: Any) -> dict[str, str]:
    body = v.only_fields(value, ("phone", "email", "wechat"), "contact")
    contact: dict[str, str] = {}
    if body.get("phone") not in (None, ""):
        phone = v.clean_name(body["phone"], "contact.phone", max_len=40)
        if not PHONE_RE.fullmatch(phone):
            raise Invalid("contact.phone: digits, spaces and + - ( ) only", field="contact.phone")
        contact["phone"] = phone
    if body.get("email") not in (None, ""):
        contact["email"] = v.clean_email(body["email"], "contact.email")
    if body.get("wechat") not in (None, ""):
        contact["wechat"] = v.clean_name(body["wechat"], "contact.wechat", max_len=WECHAT_MAX)
    if not contact:
        raise Invalid("Leave a phone number, e-mail address or WeChat ID", field="contact")
    return contact


def _notification(site: Site, name: str, contact: dict[str, str], text: str,
                  conversation_id: int) -> tuple[str, str]:
    subject = f"[{site.display_name or site.name}] 新留言 / New message: {name}"
    lines = [f"站点 / Site: {site.name} ({site.url})", f"姓名 / Name: {name}"]
    lines += [f"{label}: {contact[key]}" for key, label in (
        ("phone", "电话 / Phone"), ("email", "邮箱 / E-mail"), ("wechat", "微信 / WeChat"))
        if key in contact]
    lines += [f"会话 / Conversation: #{conversation_id}", "", text, ""]
    return subject, "\n".join(lines)


async def check_leave_message(svc: Services, visitor: Visitor, site: Site,
                              data: Any, address: str = "") -> LeftMessage:
    """A message left outside hours: a pending conversation, and a mail to the site."""
    body = v.only_fields(data, ("name", "contact", "message"))
    name = v.clean_name(body.get("name"), "name")
    contact = _clean_contact(body.get("contact"))
    text = clean_body(body.get("message"), TEXT, False, "message")
    svc.throttle.check("left_message", visitor_id=visitor.id, address=address)
    now = svc.now()
    identity: dict[str, Any] = {"name": name, **{k: contact[k] for k in ("email", "phone")
                                                 if k in contact}}
    if "wechat" in contact:
        identity["attributes"] = {"wechat": contact["wechat"]}

    job = on_writer(_leave_message_job, visitor.id, site, name, contact, identity, text, now)
    return await svc.commit(job, lambda left: [
        ConversationChanged(left.conversation), MessageCreated(left.message, left.conversation),
        *([OutboxChanged(MAIL)] if left.mail_queued else [])])


async def _own(svc: Services, visitor: Visitor, conversation_id: Any) -> Conversation:
    conversation = await svc.db.read(store.get_conversation,
                                     v.clean_id(conversation_id, "conversation_id"))
    if conversation.visitor_id != visitor.id:
        raise conversation_not_found()
    return conversation


async def check_visitor_close(svc: Services, visitor: Visitor, data: Any) -> Conversation:
    """The visitor ends their conversation; a system line tells everyone."""
    body = v.only_fields(data, ("conversation_id",))
    conversation = await _own(svc, visitor, body.get("conversation_id"))
    now = svc.now()
    name = display_name_of_visitor(visitor.id, visitor.name)

    def events(result: tuple[Conversation, list[Message]]) -> list[Event]:
        closed, lines = result
        if not lines:
            return []
        return [ConversationChanged(closed), *(MessageCreated(m, closed) for m in lines)]

    closed, _ = await svc.commit(
        on_writer(_visitor_close_job, conversation.id, name, now), events)
    return closed


def _clean_rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid("rating must be a whole number from 1 to 5", field="rating")
    return value


async def check_rating(svc: Services, visitor: Visitor, data: Any) -> Conversation:
    """The visitor's satisfaction with a closed conversation; a later rating replaces it."""
    body = v.only_fields(data, ("conversation_id", "rating", "comment"))
    rating = _clean_rating(body.get("rating"))
    comment = v.clean_text(body.get("comment", ""), "comment", max_len=COMMENT_MAX)
    conversation = await _own(svc, visitor, body.get("conversation_id"))

    return await svc.commit(on_writer(_rate_job, conversation.id, rating, comment),
                            lambda rated: [ConversationChanged(rated)])


async def check_transcript(svc: Services, visitor: Visitor, site: Site, data: Any,
                           address: str = "") -> str:
    """Queue the conversation's transcript (without notes) to the visitor's own address: the
    one they gave in the chat (pre-chat form, the page's identify, or a left message). The
    widget is no mail relay to any address a script names. Returns the address."""
    body = v.only_fields(data, ("conversation_id", "email"))
    conversation = await _own(svc, visitor, body.get("conversation_id"))
    given = (await svc.db.read(store.get_visitor, visitor.id)).email
    email = given if body.get("email") in (None, "") else v.clean_email(body["email"], "email")
    if not v.is_email(given) or email != given:  # none given, or a list stored long ago
        raise Forbidden("A transcript goes only to the e-mail address you gave in this chat",
                        field="email")
    svc.throttle.check("transcript", visitor_id=visitor.id, address=address)
    messages = await svc.db.read(store.messages_after, conversation.id, 0,
                                 TRANSCRIPT_MESSAGES_MAX, False)
    company = await svc.db.read(site_store.get_company, site.company_id)
    name = site.display_name or site.name
    timezone = (site.business_hours.timezone if site.business_hours is not None
                else company.settings.timezone)
    text = transcript_text(site.language, name, timezone, conversation, messages)
    subject = transcript_subject(site.language, name, conversation.id)
    now = svc.now()
    await svc.commit(on_writer(enqueue_mail, email, subject, text, now, (), visitor.id),
                     lambda _: [OutboxChanged(MAIL)])
    return email


class MissedChats:
    """Marks open conversations missed when their visitor has had no socket for
    `grace_seconds` and no agent has answered."""

    def __init__(self, svc: Services, grace_seconds: int) -> None:
        self.svc = svc
        self.grace = timedelta(seconds=grace_seconds)
        self._seen: dict[int, datetime] = {}  # visitor id -> last time seen online

    async def sweep(self) -> list[Conversation]:
        now = self.svc.now()
        marked = []
        candidates = await self.svc.db.read(offline_store.unanswered_open, 1000)
        for conversation_id, visitor_id, active_at in candidates:
            if self.svc.visitors.visitor_online(visitor_id):
                self._seen[visitor_id] = now
                continue
            last_seen = max(active_at, self._seen.get(visitor_id, active_at))
            if now - last_seen < self.grace:
                continue
            changed = await self.svc.commit(
                on_writer(offline_store.mark_missed, conversation_id),
                lambda conv: [] if conv is None else [ConversationChanged(conv)])
            if changed is not None:
                marked.append(changed)
                self._seen.pop(visitor_id, None)
        return marked


def _leave_message_job(visitor_id: int, site: Site, name: str, contact: dict[str, str],
                       identity: dict[str, Any], text: str, now: datetime) -> LeftMessage:
    store.touch_visitor(visitor_id, {}, "", identity, now)
    capture_visitor(visitor_id, now)  # a name and a way to reach them: a customer
    conversation = offline_store.active_conversation_of(visitor_id)
    if conversation is None:
        conversation = store.create_conversation(site.id, visitor_id, now)
    store.set_status(conversation.id, PENDING, now)
    sender = Sender(VISITOR, visitor_id, display_name_of_visitor(visitor_id, name))
    message = store.append_message(conversation.id, sender, TEXT, text,
                                   "left-" + secrets.token_hex(12), None, now)
    # Not mailed: "" (nobody), or a list of addresses saved before they were checked.
    mailed = v.is_email(site.notify_email)
    if mailed:
        enqueue_mail(site.notify_email, *_notification(site, name, contact, text,
                                                     conversation.id), now,
                     about_visitor=visitor_id)
    return LeftMessage(store.get_conversation(conversation.id), message, mailed)


def _visitor_close_job(conversation_id: int, name: str, now: datetime) -> tuple[Conversation,
                       list[Message]]:
    current = store.get_conversation(conversation_id)
    if current.status == CLOSED:
        return current, []
    line = store.append_message(conversation_id, Sender(SYSTEM, None, name), "system",
                                "closed", "sys-" + secrets.token_hex(12), None, now)
    return store.set_status(conversation_id, CLOSED, now), [line]


def _rate_job(conversation_id: int, rating: int, comment: str) -> Conversation:
    if store.get_conversation(conversation_id).status != CLOSED:
        raise Conflict("Only a closed conversation can be rated", field="conversation_id")
    return offline_store.set_rating(conversation_id, rating, comment)
