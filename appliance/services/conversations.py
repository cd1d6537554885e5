"""Conversations: sending with dedup, resuming, read markers, typing, and agents' actions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import (
    AGENT,
    AGENT_KINDS,
    CLOSED,
    DRAFT_MAX,
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
from appliance.domain.errors import Conflict, Forbidden, Invalid, NotFound
from appliance.domain.events import (
    ConversationChanged,
    Event,
    MessageCreated,
    ReadUpTo,
    Typing,
)
from appliance.domain.model import Role, User
from appliance.domain.permissions import require_can_write, require_conversation_access
from appliance.services import routing
from appliance.services.context import Services
from appliance.storage import accounts
from appliance.storage import conversations as store
from appliance.storage import routing as routing_store

SYNC_PAGE = 500
SEND_FIELDS = ("type", "client_id", "conversation_id", "kind", "body", "attachment_id",
               "category_id")


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    conversation: Conversation
    duplicate: bool
    opened: bool = False  # this message opened a new conversation (routing takes it from here)
    category_id: int | None = None


@dataclass(frozen=True, slots=True)
class SyncResult:
    messages: list[Message]
    last_seq: int
    reset: bool
    read_seq: int = 0  # how far the other side has read (a missed read event is healed here)


def _system_message(conversation_id: int, code: str, name: str, now: Any,
                    agent_id: int | None = None) -> Message:
    """A line every participant sees: `body` is a code the clients word in their language;
    the sender is the agent it is about (their id, when it is about an agent)."""
    return store.append_message(conversation_id, Sender(SYSTEM, agent_id, name), "system", code,
                                "sys-" + secrets.token_hex(12), None, now)


def _parse_send(data: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    body = v.only_fields(data, SEND_FIELDS)
    attachment_id = body.get("attachment_id")
    if attachment_id is not None:
        attachment_id = v.clean_id(attachment_id, "attachment_id")
    kind = clean_kind(body.get("kind"), kinds)
    conversation_id = body.get("conversation_id")
    category_id = body.get("category_id")
    return {
        "category_id": None if category_id is None else v.clean_id(category_id, "category_id"),
        "client_id": clean_client_id(body.get("client_id")),
        "kind": kind,
        "body": clean_body(body.get("body"), kind, attachment_id is not None),
        "attachment_id": attachment_id,
        "conversation_id": None if conversation_id is None
        else v.clean_id(conversation_id, "conversation_id"),
    }


def _check_attachment(attachment_id: int | None, uploader_type: str, uploader_id: int,
                      site_id: int) -> None:
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


async def check_visitor_send(svc: Services, visitor: Visitor, data: Any) -> Sent:
    """A visitor's message; the first one (or one after a close) opens a conversation."""
    fields = _parse_send(data, VISITOR_KINDS)
    sender = Sender(VISITOR, visitor.id, display_name_of_visitor(visitor.id, visitor.name))
    now = svc.now()

    def send() -> tuple[Sent, bool]:
        existing = store.find_sent(sender, fields["client_id"])
        if existing is not None:
            return Sent(existing, store.require_head(existing.conversation_id), True), False
        conversation = None
        if fields["conversation_id"] is not None:
            conversation = store.require_head(fields["conversation_id"])
            if conversation.visitor_id != visitor.id:
                raise Forbidden("Not your conversation", field="conversation_id")
            if conversation.status not in (OPEN, PENDING):  # a left message continues
                conversation = None
        created = False
        if conversation is None:
            conversation = store.open_conversation_head(visitor.id)
        if conversation is None:
            conversation = store.create_conversation(visitor.site_id, visitor.id, now)
            created = True
            if fields["category_id"] is not None:  # refused here, before anything is stored
                routing_store.set_category(conversation.id, fields["category_id"],
                                           visitor.site_id)
        _check_attachment(fields["attachment_id"], VISITOR, visitor.id, visitor.site_id)
        message, after = store.append_to(conversation, sender, fields["kind"], fields["body"],
                                         fields["client_id"], fields["attachment_id"], now)
        return Sent(message, after, False, created, fields["category_id"]), created

    def events(result: tuple[Sent, bool]) -> list[Event]:
        sent, created = result
        if sent.duplicate:
            return []
        opened: list[Event] = [ConversationChanged(sent.conversation)] if created else []
        return [*opened, MessageCreated(sent.message, sent.conversation)]

    sent, _ = await svc.commit(send, events)
    return sent


async def access_conversation(svc: Services, actor: User, conversation_id: int) -> Conversation:
    conversation = await svc.db.read(store.get_conversation, conversation_id)
    require_conversation_access(actor, conversation.site_id)
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

    def send() -> tuple[Sent, list[Message]]:
        current = store.require_head(conversation_id)
        require_conversation_access(actor, current.site_id)
        existing = store.find_sent(sender, fields["client_id"])
        if existing is not None:
            return Sent(existing, store.require_head(existing.conversation_id), True), []
        if current.status not in (OPEN, PENDING):
            raise Conflict("This conversation is closed; reopen it first")
        require_can_write(actor, current.assignee_id)
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
        _check_attachment(fields["attachment_id"], AGENT, actor.id, current.site_id)
        message, after = store.append_to(current, sender, fields["kind"], fields["body"],
                                         fields["client_id"], fields["attachment_id"], now)
        return Sent(message, after, False), extra

    def events(result: tuple[Sent, list[Message]]) -> list[Event]:
        sent, extra = result
        if sent.duplicate:
            return []
        claimed: list[Event] = [ConversationChanged(sent.conversation)] if extra else []
        return [*claimed, *(MessageCreated(line, sent.conversation) for line in extra),
                MessageCreated(sent.message, sent.conversation)]

    sent, _ = await svc.commit(send, events)
    return sent


async def visitor_of(svc: Services, conversation: Conversation) -> Visitor:
    return await svc.db.read(store.get_visitor, conversation.visitor_id)


async def open_conversation(svc: Services, visitor: Visitor) -> Conversation | None:
    return await svc.db.read(store.open_conversation_of, visitor.id)


async def visitor_conversation(svc: Services, visitor: Visitor,
                               conversation_id: int) -> Conversation:
    conversation = await svc.db.read(store.get_conversation, conversation_id)
    if conversation.visitor_id != visitor.id:
        raise Forbidden("Not your conversation", field="conversation_id")
    return conversation


async def sync(svc: Services, conversation: Conversation, after_seq: int,
               for_visitor: bool) -> SyncResult:
    """Everything after `after_seq`, in order; a position beyond the end asks for a reset."""
    last = conversation.visitor_last_seq if for_visitor else conversation.last_seq
    if after_seq < 0 or after_seq > conversation.last_seq:
        return SyncResult([], last, True)
    messages: list[Message] = []
    position = after_seq
    while True:
        page = await svc.db.read(store.messages_after, conversation.id, position, SYNC_PAGE,
                                 not for_visitor)
        messages.extend(page)
        if len(page) < SYNC_PAGE:
            break
        position = page[-1].seq
    fresh = await svc.db.read(store.get_conversation, conversation.id)
    if for_visitor:
        return SyncResult(messages, fresh.visitor_last_seq, False, fresh.agent_read_seq)
    return SyncResult(messages, fresh.last_seq, False, fresh.visitor_read_seq)


async def do_mark_read(svc: Services, conversation: Conversation, reader: str,
                       seq: int) -> int:
    return await svc.commit(
        lambda: store.mark_read(conversation.id, reader, seq),
        lambda new: [ReadUpTo(conversation.id, conversation.site_id, conversation.visitor_id,
                              reader, new)])


def do_typing(svc: Services, conversation: Conversation, sender: Sender, typing: Any,
              draft: Any, preview_allowed: bool) -> None:
    """Typing indicators are events only; a visitor's draft reaches agents if the site allows."""
    if not isinstance(typing, bool):
        raise Invalid("typing must be true or false", field="typing")
    text = None
    if preview_allowed and isinstance(draft, str):
        text = draft[:DRAFT_MAX]
    svc.publish(Typing(conversation.id, conversation.site_id, conversation.visitor_id, sender,
                       typing, text))


# -- agents' actions -------------------------------------------------------------------------

VIEWS = ("mine", "waiting", "open", "closed", "pending", "missed")


async def list_for_agent(svc: Services, actor: User, view: str, site_id: int | None,
                         before: Any, limit: int) -> list[Conversation]:
    if view not in VIEWS:
        raise Invalid(f"view must be one of: {', '.join(VIEWS)}", field="view")
    site_ids = None if actor.role.manages_install else list(actor.site_ids)
    if site_id is not None:
        require_conversation_access(actor, site_id)
        site_ids = [site_id]
    assignee: int | str | None = "any"
    status = OPEN
    if view == "mine":
        assignee = actor.id
    elif view == "waiting":
        assignee = None
    elif view in ("closed", "pending"):
        status = CLOSED if view == "closed" else PENDING
    elif view == "missed":
        return await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=None, missed=True, before=before, limit=limit))
    elif actor.role.rank < Role.SUPERVISOR.rank:  # agents' "open": their own and waiting
        mine = await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=OPEN, assignee=actor.id, before=before, limit=limit))
        waiting = await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=OPEN, assignee=None, before=before, limit=limit))
        merged = sorted(mine + waiting, key=lambda c: (c.last_activity_at, c.id), reverse=True)
        return merged[:limit]
    return await svc.db.read(lambda: store.list_conversations(
        site_ids=site_ids, status=status, assignee=assignee, before=before, limit=limit))


async def previous_conversations(svc: Services, conversation: Conversation) -> list[Conversation]:
    found = await svc.db.read(lambda: store.list_conversations(
        site_ids=None, status=None, visitor_id=conversation.visitor_id, limit=20))
    return [c for c in found if c.id != conversation.id]


async def _change(svc: Services, job: Any) -> Conversation:

    def events(result: tuple[Conversation, list[Message]]) -> list[Event]:
        conversation, lines = result
        return [ConversationChanged(conversation),
                *(MessageCreated(line, conversation) for line in lines)]

    conversation, _ = await svc.commit(job, events)
    return conversation


async def do_claim(svc: Services, actor: User, conversation_id: int) -> Conversation:
    await access_conversation(svc, actor, conversation_id)
    now = svc.now()

    def claim() -> tuple[Conversation, list[Message]]:
        current = store.get_conversation(conversation_id)
        if current.status != OPEN:
            raise Conflict("This conversation is closed")
        if current.assignee_id == actor.id:
            return current, []
        require_can_write(actor, current.assignee_id)
        store.set_assignee(conversation_id, actor.id)
        line = _system_message(conversation_id, "agent_joined", actor.display_name, now, actor.id)
        return store.get_conversation(conversation_id), [line]

    return await _change(svc, claim)


async def check_transfer(svc: Services, actor: User, conversation_id: int,
                         data: Any) -> Conversation:
    body = v.only_fields(data, ("agent_id", "team_id", "note"))
    note = body.get("note")
    note_text = None if note in (None, "") else clean_body(note, NOTE, False)
    conversation = await access_conversation(svc, actor, conversation_id)
    require_can_write(actor, conversation.assignee_id)
    now = svc.now()
    if "team_id" in body and body.get("agent_id") is None:
        team_id = v.clean_id(body["team_id"], "team_id")
        picked = await routing.pick_in_team(svc, conversation, team_id)
        if picked is None:  # nobody in the team can take it now: it waits in their queue
            changed = await _change(svc, _to_team_queue(
                conversation_id, team_id, actor, note_text, now))
            await routing.publish_queue(svc, changed.site_id)
            return changed
        body["agent_id"] = picked
    agent_id = v.clean_id(body.get("agent_id"), "agent_id")

    def transfer() -> tuple[Conversation, list[Message]]:
        target = accounts.get_user(agent_id)
        if not target.active:
            raise Invalid("That user is deactivated", field="agent_id")
        if not (target.role.manages_install or conversation.site_id in target.site_ids):
            raise Invalid("That user does not serve this conversation's site", field="agent_id")
        current = store.get_conversation(conversation_id)
        if current.status != OPEN:
            raise Conflict("This conversation is closed")
        if current.assignee_id == target.id:  # nothing would move: no line for the visitor
            raise Invalid("That agent already has this conversation", field="agent_id")
        store.set_assignee(conversation_id, target.id)
        return _handed_over(conversation_id, actor, note_text, target.display_name, now,
                            target.id)

    return await _change(svc, transfer)


def _handed_over(conversation_id: int, actor: User, note_text: str | None, to_name: str,
                 now: Any, to_agent: int | None = None) -> tuple[Conversation, list[Message]]:
    """The lines of a transfer: the note for the next agent, then what the visitor sees."""
    lines = []
    if note_text:
        lines.append(store.append_message(
            conversation_id, Sender(AGENT, actor.id, actor.display_name), NOTE, note_text,
            "note-" + secrets.token_hex(12), None, now))
    lines.append(_system_message(conversation_id, "transferred", to_name, now, to_agent))
    return store.get_conversation(conversation_id), lines


def _to_team_queue(conversation_id: int, team_id: int, actor: User, note_text: str | None,
                   now: Any) -> Any:
    def transfer() -> tuple[Conversation, list[Message]]:
        team = routing_store.get_team(team_id)
        current = store.get_conversation(conversation_id)
        if current.status != OPEN:
            raise Conflict("This conversation is closed")
        if team.site_id not in (None, current.site_id):
            raise Invalid("That team does not serve this conversation's site", field="team_id")
        store.set_assignee(conversation_id, None)
        routing_store.mark_queued(conversation_id, team_id, now)
        return _handed_over(conversation_id, actor, note_text, team.name, now)

    return transfer


async def do_set_status(svc: Services, actor: User, conversation_id: int,
                        status: str) -> Conversation:
    conversation = await access_conversation(svc, actor, conversation_id)
    require_can_write(actor, conversation.assignee_id)
    now = svc.now()

    def change() -> tuple[Conversation, list[Message]]:
        current = store.get_conversation(conversation_id)
        if current.status == status:
            return current, []
        lines = []
        if status == CLOSED:
            lines.append(_system_message(conversation_id, "closed", actor.display_name, now,
                                         actor.id))
            store.set_status(conversation_id, CLOSED, now)
        else:
            store.set_status(conversation_id, OPEN, now)
            lines.append(_system_message(conversation_id, "reopened", actor.display_name, now,
                                         actor.id))
        return store.get_conversation(conversation_id), lines

    changed = await _change(svc, change)
    if status == CLOSED:  # a chat slot is free: the queue moves
        await routing.drain_queue(svc, changed.site_id)
    return changed


async def active_agents(svc: Services, actor: User) -> list[User]:
    """Active users who could take over one of the actor's conversations."""
    users = await svc.db.read(accounts.list_users)
    mine = set(actor.site_ids)
    return [u for u in users if u.active and (
        actor.role.manages_install or u.role.manages_install or mine & set(u.site_ids))]


def agent_sender(actor: User) -> Sender:
    return Sender(AGENT, actor.id, actor.display_name)


def visitor_sender(visitor: Visitor) -> Sender:
    return Sender(VISITOR, visitor.id, display_name_of_visitor(visitor.id, visitor.name))

