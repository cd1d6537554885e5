"""Conversations: sending with dedup, resuming, read markers, typing, and agents' actions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.bot_chat import AGENT as TAKEN_BY_AGENT
from appliance.domain.conversations import (
    AGENT,
    AGENT_KINDS,
    BOT,
    DRAFT_MAX,
    FILE,
    IMAGE,
    LIVE_STATUSES,
    NOTE,
    OPEN,
    PENDING,
    SYSTEM,
    VISITOR,
    VISITOR_KINDS,
    Conversation,
    Message,
    Sender,
    Visitor,
    clean_body,
    clean_client_id,
    clean_kind,
    display_name_of_visitor,
)
from appliance.domain.errors import (
    Conflict,
    IdentifyFirst,
    Invalid,
    NotFound,
    conversation_not_found,
)
from appliance.domain.events import (
    BotChatChanged,
    ConversationChanged,
    Event,
    InvitationChanged,
    MessageCreated,
    OutboxChanged,
    ReadUpTo,
    Typing,
)
from appliance.domain.invitations import ACCEPTED, SHOWN, Invitation
from appliance.domain.mail import MAIL
from appliance.domain.model import Site, User
from appliance.domain.permissions import require_can_write, require_conversation_visible
from appliance.services import bot_chat
from appliance.services.context import Services, on_writer
from appliance.storage import conversations as store
from appliance.storage import invitations as invitation_store
from appliance.storage import routing as routing_store
from appliance.storage.mail import enqueue_mail

SYNC_PAGE = 500
INVITATION_FOLLOWS_MINUTES = 10  # a chat opened this soon after accepting answers the invitation
SEND_FIELDS = frozenset(("type", "client_id", "conversation_id", "kind", "body",
                         "attachment_id", "category_id", "invitation_id"))


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    conversation: Conversation
    duplicate: bool
    opened: bool = False  # this message opened a new conversation (routing takes it from here)
    category_id: int | None = None
    mailed: bool = False  # an agent's reply was queued as mail to the visitor who left
    invited_by: int | None = None  # the new chat answers this agent's invitation
    invitation: Invitation | None = None  # the invitation the new chat answers
    bot: bot_chat.BotTurn | None = None  # the bot's reply (or hand-over) in the same write
    bot_later: bool = False  # the bot replies after the ack (bot_chat.reply_soon)

    @property
    def handed_over(self) -> bool:
        return self.bot is not None and self.bot.handed_over


@dataclass(frozen=True, slots=True)
class SyncResult:
    messages: list[Message]
    last_seq: int
    reset: bool
    read_seq: int = 0  # how far the other side has read (a missed read event is healed here)


def _parse_send(data: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    body = v.only_fields(data, SEND_FIELDS)
    attachment_id = body.get("attachment_id")
    if attachment_id is not None:
        attachment_id = v.clean_id(attachment_id, "attachment_id")
    kind = clean_kind(body.get("kind"), kinds)
    conversation_id = body.get("conversation_id")
    category_id = body.get("category_id")
    invitation_id = body.get("invitation_id")
    return {
        "invitation_id": None if invitation_id is None
        else v.clean_id(invitation_id, "invitation_id"),
        "category_id": None if category_id is None else v.clean_id(category_id, "category_id"),
        "client_id": clean_client_id(body.get("client_id")),
        "kind": kind,
        "body": clean_body(body.get("body"), kind, attachment_id is not None),
        "attachment_id": attachment_id,
        "conversation_id": None if conversation_id is None
        else v.clean_id(conversation_id, "conversation_id"),
    }


def _check_attachment(attachment_id: int | None, uploader_type: str, uploader_id: int,
                      site_id: int, kind: str) -> None:
    """The upload is the sender's own, not yet sent, of this site; an `image` or `file`
    message is of its upload's kind (a PDF is never shown as a picture)."""
    if attachment_id is None:
        return
    try:
        attachment = store.get_attachment(attachment_id)
    except NotFound:
        attachment = None  # answered like someone else's: ids are not to be probed
    mine = attachment is not None and attachment.conversation_id is None and (
        attachment.uploader_type, attachment.uploader_id, attachment.site_id) == (
        uploader_type, uploader_id, site_id)
    if not mine:
        raise Invalid("attachment_id is not one of your uploads", field="attachment_id")
    assert attachment is not None
    if kind in (IMAGE, FILE) and attachment.kind != kind:
        raise Invalid(f"kind must be the upload's kind: {attachment.kind}", field="kind")


def _check_identified(site: Site | None, visitor_id: int) -> None:
    """On the writer, before a visitor's first message opens a chat: a site that requires
    visitors to identify refuses them until they have (read fresh: they may have just)."""
    if site is None or site.require_identity == "none":
        return
    visitor = store.get_visitor(visitor_id)
    if site.require_identity == "signed":
        if not visitor.attributes.get("user_id"):
            raise IdentifyFirst("Please sign in on the website before chatting")
        return
    given = {"name": visitor.name, "email": visitor.email, "phone": visitor.phone}
    required = [f for f, needed in site.prechat_fields if needed]
    asked = [f for f, _ in site.prechat_fields]
    if any(not given[f] for f in required) or not any(given[f] for f in asked):
        raise IdentifyFirst("Please fill in the form before the first message")


def _answer_invitation(invitation_id: int | None, visitor_id: int, conversation_id: int,
                       now: datetime) -> Invitation | None:
    """On the writer: the chat a visitor opens from an invitation they accepted is linked to
    it (a showing one counts as accepted now); without an id, the one they accepted in the
    last INVITATION_FOLLOWS_MINUTES; any other id is ignored."""
    if invitation_id is None:
        invitation_id = invitation_store.recently_accepted(
            visitor_id, now - timedelta(minutes=INVITATION_FOLLOWS_MINUTES))
    if invitation_id is None:
        return None
    try:
        invitation = invitation_store.get_invitation(invitation_id)
    except NotFound:
        return None
    if invitation.visitor_id != visitor_id or invitation.conversation_id is not None:
        return None
    if invitation.status == SHOWN:
        invitation_store.answer(invitation_id, ACCEPTED, invitation.created_at)
    elif invitation.status != ACCEPTED:
        return None
    return invitation_store.link_conversation(invitation_id, conversation_id)


async def already_sent(svc: Services, visitor: Visitor, data: Any) -> bool:
    """Whether `data` is a resend of a message the visitor already stored (its `client_id`
    is known): such a resend is answered like the first send, whatever the rate limits."""
    try:
        client_id = clean_client_id(data.get("client_id") if isinstance(data, dict) else None)
    except Invalid:
        return False
    sender = Sender(VISITOR, visitor.id, "")
    return await svc.db.read(store.find_sent, sender, client_id) is not None


async def check_visitor_send(svc: Services, visitor: Visitor, data: Any,
                             site: Site | None = None) -> Sent:
    """A visitor's message; the first one (or one after a close) opens a conversation
    (`site`: its settings, when it may require the visitor to identify first). The bot's
    reply is written with it, or, when the company's model is asked, after it
    (bot_chat.reply_soon): the visitor's `ack` never waits for the model."""
    fields = _parse_send(data, VISITOR_KINDS)
    sender = Sender(VISITOR, visitor.id, display_name_of_visitor(visitor.id, visitor.name))
    plan = None if site is None else await bot_chat.plan_reply(svc, site, sender, fields)
    now = svc.now()

    def events(result: tuple[Sent, bool]) -> list[Event]:
        sent, created = result
        if sent.duplicate:
            return []
        opened: list[Event] = [ConversationChanged(sent.conversation)] if created else []
        invited: list[Event] = [] if sent.invitation is None else [
            InvitationChanged(sent.invitation)]
        bot = [] if sent.bot is None else sent.bot.events()
        followed = bot_chat.bot_chat_events(sent.message, sent.conversation, sent.bot)
        return [*opened, *invited, MessageCreated(sent.message, sent.conversation), *bot,
                *followed]

    sent, _ = await svc.commit(
        on_writer(_visitor_send_job, visitor, sender, fields, plan, site, now), events)
    if sent.bot_later and plan is not None:  # the model is asked now, after the commit
        bot_chat.reply_soon(svc, plan, sent.message, sent.conversation)
    return sent


async def access_conversation(svc: Services, actor: User, conversation_id: int) -> Conversation:
    conversation = await svc.db.read(store.get_conversation, conversation_id)
    require_conversation_visible(actor, conversation.site_id)
    return conversation


async def check_agent_send(svc: Services, actor: User, conversation_id: int | None,
                           data: Any) -> Sent:
    """An agent's message or note; the first reply in a waiting conversation claims it."""
    fields = _parse_send(data, AGENT_KINDS)
    conversation_id = conversation_id or fields["conversation_id"]
    if conversation_id is None:
        raise Invalid("conversation_id is required", field="conversation_id")
    sender = Sender(AGENT, actor.id, actor.display_name)
    now = svc.now()

    def events(result: tuple[Sent, list[Message], bool]) -> list[Event]:
        sent, extra, taken = result
        if sent.duplicate:
            return []
        claimed: list[Event] = [ConversationChanged(sent.conversation)] if extra or taken else []
        if taken:  # the consoles' "with the bot" lists drop it
            claimed.append(BotChatChanged(sent.conversation))
        mailed: list[Event] = [OutboxChanged(MAIL)] if sent.mailed else []
        return [*claimed, *(MessageCreated(line, sent.conversation) for line in extra),
                MessageCreated(sent.message, sent.conversation), *mailed]

    # Whether the visitor has a socket open, as the loop knows it now (the mail to an absent
    # visitor is queued in the reply's transaction, on the writer, which cannot ask the hub).
    # A note is never mailed: it costs no read.
    online = False
    if fields["kind"] != NOTE:
        visitor_id = await svc.db.read(_visitor_id_of, conversation_id)
        online = visitor_id is not None and svc.visitors.visitor_online(visitor_id)
    sent, _, _ = await svc.commit(
        on_writer(_agent_send_job, actor, conversation_id, sender, fields, online, now), events)
    return sent


def _visitor_id_of(conversation_id: int) -> int | None:
    try:
        return store.require_head(conversation_id).visitor_id
    except NotFound:
        return None


def _mail_reply_if_away(visitor_online: bool, message: Message, conversation: Conversation,
                        now: Any) -> bool:
    """On the writer: an agent's reply to a visitor who left an e-mail address and had no
    socket open when the reply was queued is mailed to them (in the reply's transaction)."""
    if not message.visible_to_visitor or visitor_online:
        return False
    visitor = store.get_visitor(conversation.visitor_id)
    if not v.is_email(visitor.email):  # none given (or one stored before addresses were checked)
        return False
    body = (f"{message.sender.name}:\n\n{message.body}\n\n"
            f"(#{conversation.id}) 回到网站即可继续对话。"
            "Come back to the website to continue the conversation.\n")
    enqueue_mail(visitor.email, f"回复 / Reply from {message.sender.name}", body, now,
                 about_visitor=visitor.id)
    return True


async def visitor_of(svc: Services, conversation: Conversation) -> Visitor:
    return await svc.db.read(store.get_visitor, conversation.visitor_id)


async def open_conversation(svc: Services, visitor: Visitor) -> Conversation | None:
    return await svc.db.read(store.open_conversation_of, visitor.id)


async def visitor_conversation(svc: Services, visitor: Visitor,
                               conversation_id: int) -> Conversation:
    conversation = await svc.db.read(store.get_conversation, conversation_id)
    if conversation.visitor_id != visitor.id:
        raise conversation_not_found()
    return conversation


async def sync(svc: Services, conversation: Conversation, after_seq: int,
               for_visitor: bool) -> SyncResult:
    """Everything after `after_seq`, in order; a position beyond the end asks for a reset."""
    last = conversation.visitor_last_seq if for_visitor else conversation.last_seq
    if sync_beyond_end(conversation, after_seq):
        return SyncResult([], last, True)
    messages: list[Message] = []
    position = after_seq
    while True:
        page = await sync_page(svc, conversation, position, for_visitor)
        messages.extend(page)
        if len(page) < SYNC_PAGE:
            break
        position = page[-1].seq
    last_seq, read_seq = await sync_position(svc, conversation, for_visitor)
    return SyncResult(messages, last_seq, False, read_seq)


def sync_beyond_end(conversation: Conversation, after_seq: int) -> bool:
    """A position the conversation never reached: the client must reset (drop and sync from 0)."""
    return after_seq < 0 or after_seq > conversation.last_seq


async def sync_page(svc: Services, conversation: Conversation, after_seq: int,
                    for_visitor: bool) -> list[Message]:
    """The next SYNC_PAGE messages after `after_seq` this side may see, in order (fewer: the
    end, as stored now)."""
    return await svc.db.read(store.messages_after, conversation.id, after_seq, SYNC_PAGE,
                             not for_visitor)


async def sync_position(svc: Services, conversation: Conversation,
                        for_visitor: bool) -> tuple[int, int]:
    """The highest seq this side may see and how far the other side has read, as stored now."""
    fresh = await svc.db.read(store.get_conversation, conversation.id)
    if for_visitor:
        return fresh.visitor_last_seq, fresh.agent_read_seq
    return fresh.last_seq, fresh.visitor_read_seq


async def do_mark_read(svc: Services, conversation: Conversation, reader: str,
                       seq: int) -> int:
    return await svc.commit(
        on_writer(store.mark_read, conversation.id, reader, seq),
        lambda new: [ReadUpTo(conversation.id, conversation.site_id, conversation.visitor_id,
                              reader, new)])


def do_typing(svc: Services, conversation: Conversation, sender: Sender, typing: Any,
              draft: Any, preview_allowed: bool) -> None:
    """Typing indicators are events only; a visitor's draft reaches agents if the site allows."""
    if not isinstance(typing, bool):
        raise Invalid("typing must be true or false", field="typing")
    if draft is not None and (not isinstance(draft, str) or len(draft) > DRAFT_MAX):
        raise Invalid(f"draft must be text of at most {DRAFT_MAX} characters", field="draft")
    text = draft if preview_allowed else None
    svc.publish(Typing(conversation.id, conversation.site_id, conversation.visitor_id, sender,
                       typing, text))


def agent_sender(actor: User) -> Sender:
    return Sender(AGENT, actor.id, actor.display_name)


def visitor_sender(visitor: Visitor) -> Sender:
    return Sender(VISITOR, visitor.id, display_name_of_visitor(visitor.id, visitor.name))


def _visitor_send_job(visitor: Visitor, sender: Sender, fields: dict[str, Any],
                      plan: bot_chat.Plan | None,
                      site: Site | None, now: datetime) -> tuple[Sent, bool]:
    existing = store.find_sent(sender, fields["client_id"])
    if existing is not None:
        return Sent(existing, store.require_head(existing.conversation_id), True), False
    conversation = None
    if fields["conversation_id"] is not None:
        conversation = store.require_head(fields["conversation_id"])
        if conversation.visitor_id != visitor.id:
            raise conversation_not_found()
        if conversation.status not in LIVE_STATUSES:  # a left message continues
            conversation = None
    created = False
    if conversation is None:
        conversation = store.open_conversation_head(visitor.id)
    invitation = None
    if (conversation is not None and conversation.status == PENDING
            and conversation.assignee_id is None):
        # They left a message, then accepted an agent's invitation: the chat goes live, and
        # routing gives it to the inviter (as a chat opened from the invitation).
        invitation = _answer_invitation(fields["invitation_id"], visitor.id, conversation.id,
                                        now)
        if invitation is not None:
            store.set_status(conversation.id, OPEN, now)
            conversation, created = store.require_head(conversation.id), True
    if conversation is None:
        _check_identified(site, visitor.id)
        status, outcome = bot_chat.new_conversation_status(plan)
        conversation = store.create_conversation(visitor.site_id, visitor.id, now, status,
                                                 outcome)
        created = True
        if fields["category_id"] is not None:  # refused here, before anything is stored
            routing_store.set_category(conversation.id, fields["category_id"],
                                       visitor.site_id)
        invitation = _answer_invitation(fields["invitation_id"], visitor.id,
                                        conversation.id, now)
    _check_attachment(fields["attachment_id"], VISITOR, visitor.id, visitor.site_id,
                      fields["kind"])
    message, after = store.append_to(conversation, sender, fields["kind"], fields["body"],
                                     fields["client_id"], fields["attachment_id"], now)
    later = plan is not None and plan.later and after.status == BOT
    turn = (None if later else bot_chat.reply_on_writer(plan, after, now)
            if plan is not None
            else None if site is None else bot_chat.orphan_on_writer(site, after, now))
    return Sent(message, after, False, created and after.status == OPEN,
                fields["category_id"],
                invited_by=None if invitation is None else invitation.agent_id,
                invitation=invitation, bot=turn, bot_later=later), created


def _agent_send_job(actor: User, conversation_id: int, sender: Sender, fields: dict[str, Any],
                    visitor_online: bool, now: datetime) -> tuple[Sent, list[Message], bool]:
    current = store.require_head(conversation_id)
    require_conversation_visible(actor, current.site_id)
    existing = store.find_sent(sender, fields["client_id"])
    if existing is not None:
        return Sent(existing, store.require_head(existing.conversation_id), True), [], False
    if current.status not in LIVE_STATUSES:
        raise Conflict("This conversation is closed; reopen it first")
    require_can_write(actor, current.assignee_id)
    taken = current.status == BOT and fields["kind"] != NOTE
    if taken:  # a person takes over from the bot
        current = store.hand_over(conversation_id, TAKEN_BY_AGENT, now) or current
    if current.status == PENDING and fields["kind"] != NOTE:  # answering a left message
        current = replace(current, status=store.set_status(conversation_id, OPEN, now).status)
    extra: list[Message] = []
    if current.assignee_id is None and fields["kind"] != NOTE:
        store.set_assignee(conversation_id, actor.id)
        line, current = store.append_to(
            replace(current, assignee_id=actor.id),
            Sender(SYSTEM, actor.id, actor.display_name), "system", "agent_joined",
            "sys-" + secrets.token_hex(12), None, now)
        extra.append(line)
    _check_attachment(fields["attachment_id"], AGENT, actor.id, current.site_id,
                      fields["kind"])
    message, after = store.append_to(current, sender, fields["kind"], fields["body"],
                                     fields["client_id"], fields["attachment_id"], now)
    mailed = _mail_reply_if_away(visitor_online, message, after, now)
    return Sent(message, after, False, mailed=mailed), extra, taken
