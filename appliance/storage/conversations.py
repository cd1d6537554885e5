"""Visitors, conversations and messages: queries and changes, run on the database threads."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.bot_chat import HANDED_OVER, LEFT, reply_from_json, reply_to_json
from appliance.domain.conversations import (
    BOT,
    CLOSED,
    NOTE,
    OPEN,
    VISITOR,
    Attachment,
    BotReply,
    Conversation,
    Message,
    Sender,
    Visitor,
)
from appliance.domain.errors import NotFound, attachment_not_found, conversation_not_found
from appliance.storage import message_log, search_index
from appliance.storage.tables import (
    AttachmentRow,
    ConversationRow,
    MessageRow,
    VisitorRow,
)

# -- visitors -------------------------------------------------------------------------------

def _visitor(row: VisitorRow) -> Visitor:
    return Visitor(
        id=row.id, site_id=row.site_id, name=row.name, email=row.email, phone=row.phone,
        attributes=json.loads(row.attributes), page_url=row.page_url,
        page_title=row.page_title, referrer=row.referrer, user_agent=row.user_agent,
        first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at)


def visitor_by_token(token_hash: str) -> Visitor | None:
    row = VisitorRow.get_or_none(VisitorRow.token_hash == token_hash)
    return None if row is None else _visitor(row)


def get_visitor(visitor_id: int) -> Visitor:
    row = VisitorRow.get_or_none(VisitorRow.id == visitor_id)
    if row is None:
        raise NotFound("No such visitor")
    return _visitor(row)


def create_visitor(site_id: int, token_hash: str, page: dict[str, str], user_agent: str,
                   now: datetime) -> Visitor:
    row = VisitorRow.create(site=site_id, token_hash=token_hash, user_agent=user_agent,
                            first_seen_at=now, last_seen_at=now, **page)
    return _visitor(row)


def touch_visitor(visitor_id: int, page: dict[str, str], user_agent: str,
                  identity: dict[str, Any], now: datetime) -> Visitor:
    fields: dict[str, Any] = {"last_seen_at": now, **page, **identity}
    if user_agent:
        fields["user_agent"] = user_agent
    if "attributes" in fields:  # merged: a later identify adds to what earlier ones said
        known = json.loads(VisitorRow.get_by_id(visitor_id).attributes)
        fields["attributes"] = json.dumps({**known, **fields["attributes"]}, ensure_ascii=False)
    VisitorRow.update(**fields).where(VisitorRow.id == visitor_id).execute()
    return get_visitor(visitor_id)


# -- attachments ----------------------------------------------------------------------------

def _attachment(row: AttachmentRow | None) -> Attachment | None:
    if row is None:
        return None
    return Attachment(id=row.id, site_id=row.site_id, conversation_id=row.conversation_id,
                      name=row.name, mime=row.mime, kind=row.kind, size=row.size,
                      storage_name=row.storage_name, uploader_type=row.uploader_type,
                      uploader_id=row.uploader_id)


def create_attachment(fields: dict[str, Any], now: datetime) -> Attachment:
    row = AttachmentRow.create(created_at=now, **fields)
    result = _attachment(row)
    assert result is not None
    return result


def get_attachment(attachment_id: int) -> Attachment:
    found = _attachment(AttachmentRow.get_or_none(AttachmentRow.id == attachment_id))
    if found is None:
        raise attachment_not_found()
    return found


def upload_bytes_of(uploader_type: str, uploader_id: int) -> int:
    """Bytes of every upload one uploader has stored (sent or not)."""
    total = (AttachmentRow.select(pw.fn.COALESCE(pw.fn.SUM(AttachmentRow.size), 0))
             .where((AttachmentRow.uploader_type == uploader_type)
                    & (AttachmentRow.uploader_id == uploader_id)).scalar())
    return int(total or 0)


def delete_abandoned_attachments(before: datetime, limit: int) -> list[str]:
    """Forget uploads created before `before` that no message holds; their storage names
    (the files go once this commits)."""
    rows = list(AttachmentRow.select(AttachmentRow.id, AttachmentRow.storage_name)
                .where(AttachmentRow.conversation.is_null() & (AttachmentRow.created_at < before)
                       & ~pw.fn.EXISTS(MessageRow.select(MessageRow.id).where(
                           MessageRow.attachment == AttachmentRow.id)))
                .limit(limit))
    if rows:
        AttachmentRow.delete().where(AttachmentRow.id.in_([r.id for r in rows])).execute()
    return [r.storage_name for r in rows]


def unknown_storage_names(names: list[str]) -> list[str]:
    """Those of `names` that no attachment record holds."""
    known: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        known.update(r.storage_name for r in AttachmentRow.select(AttachmentRow.storage_name)
                     .where(AttachmentRow.storage_name.in_(chunk)))
    return [name for name in names if name not in known]


def visitor_sees_attachment(attachment_id: int, visitor_id: int) -> bool:
    """The file is in a message the visitor may see (not a note) of one of their chats."""
    return (MessageRow.select(MessageRow.id)
            .join(ConversationRow, on=MessageRow.conversation == ConversationRow.id)
            .where((MessageRow.attachment == attachment_id) & (MessageRow.kind != NOTE)
                   & (ConversationRow.visitor == visitor_id))
            .exists())


# -- messages -------------------------------------------------------------------------------

def _message(row: MessageRow, attachment: Attachment | None = None) -> Message:
    return Message(
        id=row.id, conversation_id=row.conversation_id, seq=row.seq, client_id=row.client_id,
        sender=Sender(row.sender_type, row.sender_id, row.sender_name), kind=row.kind,
        body=row.body, attachment=attachment, created_at=row.created_at,
        bot=reply_from_json(row.bot))


def _with_attachments(rows: list[MessageRow]) -> list[Message]:
    ids = {r.attachment_id for r in rows if r.attachment_id}
    found = {}
    if ids:
        found = {a.id: _attachment(a) for a in AttachmentRow.select().where(
            AttachmentRow.id.in_(ids))}
    return [_message(r, found.get(r.attachment_id)) for r in rows]


def find_sent(sender: Sender, client_id: str) -> Message | None:
    """The message a sender already stored under `client_id` (the dedup key), if any."""
    row = message_log.sent_row(sender, client_id)
    if row is None:
        return None
    attachment = get_attachment(row[9]) if row[9] is not None else None
    return message_log.message_from_row(row, attachment)


def messages_after(conversation_id: int, after_seq: int, limit: int,
                   include_notes: bool) -> list[Message]:
    query = (MessageRow.select()
             .where((MessageRow.conversation == conversation_id) & (MessageRow.seq > after_seq))
             .order_by(MessageRow.seq).limit(limit))
    if not include_notes:
        query = query.where(MessageRow.kind != NOTE)
    return _with_attachments(list(query))


def append_message(conversation_id: int, sender: Sender, kind: str, body: str, client_id: str,
                   attachment_id: int | None, now: datetime) -> Message:
    """Store a message with the conversation's next sequence number."""
    return append_to(require_head(conversation_id), sender, kind, body, client_id,
                     attachment_id, now)[0]


open_conversation_head = message_log.open_conversation_head


def require_head(conversation_id: int) -> Conversation:
    conv = message_log.conversation_head(conversation_id)
    if conv is None:
        raise conversation_not_found()
    return conv


def append_to(conv: Conversation, sender: Sender, kind: str, body: str, client_id: str,
              attachment_id: int | None, now: datetime,
              bot: BotReply | None = None) -> tuple[Message, Conversation]:
    """Store a message in `conv` (read in this transaction); returns it and the conversation
    as it is after the message."""
    message_id, seq, changes = message_log.append_row(
        conv, sender, kind, body, client_id, attachment_id, now,
        None if bot is None else reply_to_json(bot))
    attachment = get_attachment(attachment_id) if attachment_id is not None else None
    message = Message(id=message_id, conversation_id=conv.id, seq=seq, client_id=client_id,
                      sender=sender, kind=kind, body=body, attachment=attachment,
                      created_at=now, bot=bot)
    if kind != "system":
        changes["last_message"] = message
    return message, replace(conv, **changes)


def search_messages(match: str, site_ids: list[int] | None,
                    limit: int) -> list[tuple[Message, int]]:
    """Messages whose terms match an FTS5 expression, newest first, with their site id (the
    index applies the scope and the limit: storage/search_index.py)."""
    ids = search_index.newest_matches(match, site_ids, limit)
    rows = message_log.messages_with_site(ids)
    attachments = {a: get_attachment(a) for a in {r[0][9] for r in rows if r[0][9]}}
    return [(message_log.message_from_row(row, attachments.get(row[9])), site_id)
            for row, site_id in rows]


# -- conversations --------------------------------------------------------------------------

def _conversation(row: ConversationRow, last: Message | None = None) -> Conversation:
    return Conversation(
        id=row.id, site_id=row.site_id, visitor_id=row.visitor_id,
        visitor_name=row.visitor.name if hasattr(row, "visitor") and row.visitor else "",
        status=row.status, assignee_id=row.assignee_id, last_seq=row.last_seq,
        visitor_last_seq=row.visitor_last_seq, agent_read_seq=row.agent_read_seq,
        visitor_read_seq=row.visitor_read_seq, unread=row.unread, created_at=row.created_at,
        last_activity_at=row.last_activity_at, closed_at=row.closed_at, last_message=last,
        rating=row.rating, rating_comment=row.rating_comment, missed=bool(row.missed),
        bot_outcome=row.bot_outcome, handover_reason=row.handover_reason)


def _select_conversations() -> pw.ModelSelect[ConversationRow]:
    return ConversationRow.select(ConversationRow, VisitorRow).join(VisitorRow)


def _with_last_messages(rows: list[ConversationRow]) -> list[Conversation]:
    ids = [r.last_message_id for r in rows if r.last_message_id]
    last: dict[int | None, Message] = {}
    if ids:
        found = _with_attachments(list(MessageRow.select().where(MessageRow.id.in_(ids))))
        last = {m.id: m for m in found}
    return [_conversation(r, last.get(r.last_message_id)) for r in rows]


def _per_conversation(query: Any) -> dict[int, int]:
    """{conversation id: count} from a select of (conversation, COUNT(...)) grouped by it."""
    return {int(conversation): int(count) for conversation, count in query.tuples()}


def without_notes(conversations: list[Conversation]) -> list[Conversation]:
    """The conversations as someone who may not read agents' internal notes sees them (the
    client portal, a person's export), numbered as domain `numbered_for_outside` numbers their
    messages: `last_seq` is how many messages they may see, `last_message` the newest of those
    other than a system line (or None, never a note) with `seq` its place among them."""
    if not conversations:
        return conversations
    ids = [c.id for c in conversations]
    counts = _per_conversation(
        MessageRow.select(MessageRow.conversation, pw.fn.COUNT(MessageRow.id))
        .where(MessageRow.conversation.in_(ids) & (MessageRow.kind != NOTE))
        .group_by(MessageRow.conversation))
    hidden = [c.id for c in conversations
              if c.last_message is not None and not c.last_message.visible_to_visitor]
    found: dict[int, Message] = {}
    if hidden:
        newest = (MessageRow.select(pw.fn.MAX(MessageRow.id))
                  .where(MessageRow.conversation.in_(hidden)
                         & MessageRow.kind.not_in((NOTE, "system")))
                  .group_by(MessageRow.conversation))
        found = {m.conversation_id: m for m in _with_attachments(
            list(MessageRow.select().where(MessageRow.id.in_(newest))))}
    lasts = {c.id: found.get(c.id) if c.id in hidden else c.last_message for c in conversations}
    last = MessageRow.alias()
    places = _per_conversation(
        MessageRow.select(MessageRow.conversation, pw.fn.COUNT(MessageRow.id))
        .join(last, on=((last.conversation == MessageRow.conversation)
                        & (MessageRow.seq <= last.seq)))
        .where(last.id.in_([m.id for m in lasts.values() if m is not None])
               & (MessageRow.kind != NOTE))
        .group_by(MessageRow.conversation))
    return [replace(c, last_seq=counts.get(c.id, 0), last_message=None if (
        message := lasts[c.id]) is None else replace(message, seq=places[c.id]))
        for c in conversations]


def get_conversation(conversation_id: int) -> Conversation:
    row = _select_conversations().where(ConversationRow.id == conversation_id).first()
    if row is None:
        raise conversation_not_found()
    return _with_last_messages([row])[0]


def open_conversation_of(visitor_id: int) -> Conversation | None:
    row = (_select_conversations()
           .where((ConversationRow.visitor == visitor_id)
                  & ConversationRow.status.in_((OPEN, BOT)))
           .order_by(ConversationRow.id.desc()).first())
    return None if row is None else _with_last_messages([row])[0]


create_conversation = message_log.create_conversation


def list_conversations(*, site_ids: list[int] | None, status: str | None,
                       assignee: int | str | None = "any", visitor_id: int | None = None,
                       before: datetime | None = None, limit: int = 50,
                       missed: bool | None = None) -> list[Conversation]:
    """Newest activity first. `assignee`: a user id, None (unassigned) or "any"."""
    query = _select_conversations()
    if site_ids is not None:
        query = query.where(ConversationRow.site.in_(site_ids))
    if status is not None:
        query = query.where(ConversationRow.status == status)
    if assignee is None:
        query = query.where(ConversationRow.assignee.is_null())
    elif assignee != "any":
        query = query.where(ConversationRow.assignee == assignee)
    if visitor_id is not None:
        query = query.where(ConversationRow.visitor == visitor_id)
    if before is not None:
        query = query.where(ConversationRow.last_activity_at < before)
    if missed is not None:
        query = query.where(ConversationRow.missed == missed)
    query = query.order_by(ConversationRow.last_activity_at.desc(), ConversationRow.id.desc())
    return _with_last_messages(list(query.limit(limit)))


def set_assignee(conversation_id: int, user_id: int | None) -> Conversation:
    ConversationRow.update(assignee=user_id).where(
        ConversationRow.id == conversation_id).execute()
    return get_conversation(conversation_id)


def set_status(conversation_id: int, status: str, now: datetime) -> Conversation:
    ConversationRow.update(status=status, closed_at=now if status == CLOSED else None).where(
        ConversationRow.id == conversation_id).execute()
    return get_conversation(conversation_id)


def mark_read(conversation_id: int, reader: str, seq: int) -> int:
    """Move a read marker forward (never back); returns the marker after the change."""
    conv = ConversationRow.get_by_id(conversation_id)
    if reader == VISITOR:
        new = min(max(conv.visitor_read_seq, seq), conv.last_seq)
        ConversationRow.update(visitor_read_seq=new).where(
            ConversationRow.id == conversation_id).execute()
        return int(new)
    new = min(max(conv.agent_read_seq, seq), conv.last_seq)
    unread = (MessageRow.select().where(
        (MessageRow.conversation == conversation_id) & (MessageRow.seq > new)
        & (MessageRow.sender_type == VISITOR)).count())
    ConversationRow.update(agent_read_seq=new, unread=unread).where(
        ConversationRow.id == conversation_id).execute()
    return int(new)


# -- the bot in conversations ----------------------------------------------------------------

def get_message(message_id: int) -> Message:
    row = MessageRow.get_or_none(MessageRow.id == message_id)
    if row is None:
        raise NotFound("No such message")
    return _with_attachments([row])[0]


def last_bot_replies(conversation_id: int, limit: int) -> list[BotReply]:
    """The bot's latest replies in a conversation, newest first."""
    query = (MessageRow.select(MessageRow.bot)
             .where((MessageRow.conversation == conversation_id)
                    & (MessageRow.sender_type == BOT) & MessageRow.bot.is_null(False))
             .order_by(MessageRow.seq.desc()).limit(limit))
    return [r for r in (reply_from_json(row.bot) for row in query) if r is not None]


def hand_over(conversation_id: int, reason: str, now: datetime) -> Conversation | None:
    """A chat the bot serves goes to people: open, and why; None when it was not the bot's
    (anymore)."""
    changed = (ConversationRow.update(status=OPEN, bot_outcome=HANDED_OVER,
                                      handover_reason=reason, handed_over_at=now)
               .where((ConversationRow.id == conversation_id) & (ConversationRow.status == BOT))
               .execute())
    return require_head(conversation_id) if changed else None


def bot_exchanges(conversation_ids: list[int]) -> dict[int, tuple[Message, ...]]:
    """For each conversation, its visitor's last message and the bot's last message after it
    (what the console's "with the bot" list shows), oldest first."""
    found: dict[int, tuple[Message, ...]] = {}
    for conversation_id in conversation_ids:
        last_question = (MessageRow.select()
                         .where((MessageRow.conversation == conversation_id)
                                & (MessageRow.sender_type == VISITOR))
                         .order_by(MessageRow.seq.desc()).first())
        after = 0 if last_question is None else last_question.seq
        reply = (MessageRow.select()
                 .where((MessageRow.conversation == conversation_id)
                        & (MessageRow.sender_type == BOT) & (MessageRow.seq > after))
                 .order_by(MessageRow.seq.desc()).first())
        rows = [r for r in (last_question, reply) if r is not None]
        found[conversation_id] = tuple(_with_attachments(rows))
    return found


def bot_chats(limit: int) -> list[tuple[int, int, datetime]]:
    """(conversation id, visitor id, last activity) of the chats the bot serves, least
    recently active first."""
    query = (ConversationRow.select(ConversationRow.id, ConversationRow.visitor,
                                    ConversationRow.last_activity_at)
             .where(ConversationRow.status == BOT)
             .order_by(ConversationRow.last_activity_at).limit(limit))
    return [(r.id, r.visitor_id, r.last_activity_at) for r in query]


def unanswered_bot_chats(before: datetime, after_id: int, limit: int) -> list[Message]:
    """The visitor's messages that are the last of a chat the bot serves, stored before
    `before`: the bot's reply to them was never written (oldest first, from after the
    message `after_id`)."""
    query = (MessageRow.select(MessageRow.id)
             .join(ConversationRow, on=(ConversationRow.last_message_id == MessageRow.id))
             .where((ConversationRow.status == BOT) & (MessageRow.sender_type == VISITOR)
                    & (MessageRow.created_at < before) & (MessageRow.id > after_id))
             .order_by(MessageRow.id).limit(limit))
    return [get_message(row.id) for row in query]


def close_left_bot_chat(conversation_id: int, active_before: datetime,
                        now: datetime) -> Conversation | None:
    """Close a chat the bot still serves and nobody wrote in since `active_before` (its
    visitor left): `bot_outcome` `left`. None when it changed meanwhile."""
    changed = (ConversationRow.update(status=CLOSED, closed_at=now, bot_outcome=LEFT)
               .where((ConversationRow.id == conversation_id) & (ConversationRow.status == BOT)
                      & (ConversationRow.last_activity_at < active_before))
               .execute())
    return get_conversation(conversation_id) if changed else None


def category_of(conversation_id: int) -> int | None:
    row = ConversationRow.get_or_none(ConversationRow.id == conversation_id)
    return None if row is None else row.category_id
