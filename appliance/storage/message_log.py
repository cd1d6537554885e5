"""The per-message write path in plain SQL.

It runs once for every message, so it skips the ORM's query building (which cost ~10x the
SQLite work per message) and reads and writes only what the send needs. Search terms are not
written here: storage/search_index.py indexes messages in batches behind them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import apsw

from appliance.domain.bot_chat import reply_from_json
from appliance.domain.conversations import NOTE, OPEN, VISITOR, Conversation, Message, Sender
from appliance.domain.errors import Conflict
from appliance.storage.database import bound_database

_CONVERSATION_COLUMNS = """c.id, c.site_id, c.visitor_id, v.name, c.status, c.assignee_id,
  c.last_seq, c.visitor_last_seq, c.agent_read_seq, c.visitor_read_seq, c.unread,
  c.created_at, c.last_activity_at, c.closed_at, c.bot_outcome, c.handover_reason"""
_MESSAGE_COLUMNS = """id, conversation_id, seq, client_id, sender_type, sender_id, sender_name,
  kind, body, attachment_id, created_at, bot"""
# Statements built once from the constant column lists above; values are always bound.
_HEAD_BY_ID = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation c "  # noqa: S608
               "JOIN visitor v ON v.id = c.visitor_id WHERE c.id = ?")
_OPEN_HEAD = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation c "  # noqa: S608
              "JOIN visitor v ON v.id = c.visitor_id WHERE c.visitor_id = ? "
              "AND c.status IN ('open', 'pending', 'bot') ORDER BY c.id DESC LIMIT 1")
_SENT = (f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE sender_type = ? "  # noqa: S608
         "AND sender_id IS ? AND client_id = ?")


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _cursor() -> apsw.Cursor:
    return bound_database.obj.cursor()


def _conversation(row: tuple) -> Conversation:  # type: ignore[type-arg]
    created, active, closed = _time(row[11]), _time(row[12]), _time(row[13])
    assert created is not None and active is not None
    return Conversation(
        id=row[0], site_id=row[1], visitor_id=row[2], visitor_name=row[3], status=row[4],
        assignee_id=row[5], last_seq=row[6], visitor_last_seq=row[7], agent_read_seq=row[8],
        visitor_read_seq=row[9], unread=row[10], created_at=created, last_activity_at=active,
        closed_at=closed, bot_outcome=row[14], handover_reason=row[15])


def conversation_head(conversation_id: int) -> Conversation | None:
    """The conversation without its last message: what sending needs."""
    row = _cursor().execute(_HEAD_BY_ID, (conversation_id,)).fetchone()
    return None if row is None else _conversation(row)


def open_conversation_head(visitor_id: int) -> Conversation | None:
    row = _cursor().execute(_OPEN_HEAD, (visitor_id,)).fetchone()
    return None if row is None else _conversation(row)


def create_conversation(site_id: int, visitor_id: int, now: datetime, status: str = OPEN,
                        bot_outcome: str | None = None) -> Conversation:
    """A new conversation of the visitor, open (or served by the bot: `status` bot), as its
    head: it has no messages yet."""
    stamp = str(now)
    _cursor().execute(
        "INSERT INTO conversation (site_id, visitor_id, status, last_seq, visitor_last_seq, "
        "agent_read_seq, visitor_read_seq, unread, created_at, last_activity_at, bot_outcome) "
        "VALUES (?, ?, ?, 0, 0, 0, 0, 0, ?, ?, ?)",
        (site_id, visitor_id, status, stamp, stamp, bot_outcome))
    head = conversation_head(bound_database.obj.connection().last_insert_rowid())
    assert head is not None
    return head


def sent_row(sender: Sender, client_id: str) -> tuple | None:  # type: ignore[type-arg]
    """The row a sender already stored under `client_id` (the dedup key), if any."""
    return _cursor().execute(_SENT, (sender.type, sender.id, client_id)).fetchone()


def append(conv: Conversation, sender: Sender, kind: str, body: str, client_id: str,
           attachment_id: int | None, now: datetime,
           bot: str | None = None) -> tuple[int, int, Conversation]:
    """Store a message as `conv`'s next seq, in the caller's transaction, so that the number
    and the row commit together. Returns (message id, seq, the conversation after it)."""
    message_id, seq, changes = append_row(conv, sender, kind, body, client_id, attachment_id,
                                          now, bot)
    return message_id, seq, replace(conv, **changes)


def append_row(conv: Conversation, sender: Sender, kind: str, body: str, client_id: str,
               attachment_id: int | None, now: datetime,
               bot: str | None = None) -> tuple[int, int, dict[str, Any]]:
    """`append` without building the conversation after it: (message id, seq, the changed
    fields of `conv`), for a caller that changes more of it (one copy instead of two)."""
    seq = conv.last_seq + 1
    cursor = _cursor()
    stamp = str(now)
    try:
        cursor.execute(
            "INSERT INTO message (conversation_id, seq, client_id, sender_type, sender_id, "
            "sender_name, kind, body, attachment_id, created_at, bot) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conv.id, seq, client_id, sender.type, sender.id, sender.name, kind, body,
             attachment_id, stamp, bot))
    except apsw.ConstraintError as exc:
        raise Conflict("That client_id was already used for another message",
                       field="client_id") from exc
    message_id = bound_database.obj.connection().last_insert_rowid()
    visitor_last = seq if kind != NOTE else conv.visitor_last_seq
    unread = conv.unread + (1 if sender.type == VISITOR else 0)
    # A list's preview shows the last thing someone said, not "小李 joined".
    answered = sender.type == "agent" and kind != NOTE
    cursor.execute(
        "UPDATE conversation SET last_seq = ?, visitor_last_seq = ?, unread = ?, "
        "last_activity_at = ?, last_message_id = CASE WHEN ? = 'system' "
        "THEN last_message_id ELSE ? END, "
        "first_response_at = CASE WHEN ? THEN coalesce(first_response_at, ?) "
        "ELSE first_response_at END WHERE id = ?",
        (seq, visitor_last, unread, stamp, kind, message_id, answered, stamp, conv.id))
    if attachment_id is not None:
        cursor.execute("UPDATE attachment SET conversation_id = ? WHERE id = ?",
                       (conv.id, attachment_id))
    return message_id, seq, {"last_seq": seq, "visitor_last_seq": visitor_last,
                             "unread": unread, "last_activity_at": now}


def messages_with_site(ids: list[int]) -> list[tuple[tuple, int]]:  # type: ignore[type-arg]
    """(message row, site id) of these messages, newest first."""
    if not ids:
        return []
    rows: list[Any] = _cursor().execute(
        f"SELECT {_MESSAGE_COLUMNS}, (SELECT site_id FROM conversation c "  # noqa: S608
        f"WHERE c.id = m.conversation_id) FROM message m WHERE m.id IN "
        f"({', '.join('?' * len(ids))}) ORDER BY m.id DESC", ids).fetchall()
    return [(row[:-1], int(row[-1])) for row in rows]


def message_from_row(row: tuple, attachment: object) -> Message:  # type: ignore[type-arg]
    created = _time(row[10])
    assert created is not None
    return Message(id=row[0], conversation_id=row[1], seq=row[2], client_id=row[3],
                   sender=Sender(row[4], row[5], row[6]), kind=row[7], body=row[8],
                   attachment=attachment, created_at=created,  # type: ignore[arg-type]
                   bot=reply_from_json(row[11]))
