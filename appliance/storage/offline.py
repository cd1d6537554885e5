"""Queries and changes of the offline path: pending and missed conversations, ratings."""

from __future__ import annotations

from datetime import datetime

from appliance.domain.conversations import LIVE_STATUSES, OPEN, Conversation
from appliance.storage.conversations import get_conversation
from appliance.storage.tables import ConversationRow


def active_conversation_of(visitor_id: int) -> Conversation | None:
    """The visitor's newest open, pending or bot-served conversation (what the widget
    shows)."""
    row = (ConversationRow.select(ConversationRow.id)
           .where((ConversationRow.visitor == visitor_id)
                  & ConversationRow.status.in_(LIVE_STATUSES))
           .order_by(ConversationRow.id.desc()).first())
    return None if row is None else get_conversation(row.id)


def set_rating(conversation_id: int, rating: int, comment: str) -> Conversation:
    ConversationRow.update(rating=rating, rating_comment=comment).where(
        ConversationRow.id == conversation_id).execute()
    return get_conversation(conversation_id)


def unanswered_open(limit: int) -> list[tuple[int, int, datetime]]:
    """(conversation id, visitor id, last activity) of open conversations no agent answered
    yet (`first_response_at`, set by an agent's first reply in its own transaction) and not
    already marked missed: one pass over the open conversations, none over their messages."""
    query = (ConversationRow.select(ConversationRow.id, ConversationRow.visitor,
                                    ConversationRow.last_activity_at)
             .where((ConversationRow.status == OPEN) & (ConversationRow.missed == False)  # noqa: E712
                    & ConversationRow.first_response_at.is_null())
             .order_by(ConversationRow.id).limit(limit))
    return [(r.id, r.visitor_id, r.last_activity_at) for r in query]


def mark_missed(conversation_id: int) -> Conversation | None:
    """Mark it missed unless an agent answered meanwhile; None when nothing changed."""
    changed = (ConversationRow.update(missed=True)
               .where((ConversationRow.id == conversation_id)
                      & (ConversationRow.missed == False)  # noqa: E712
                      & ConversationRow.first_response_at.is_null())
               .execute())
    return get_conversation(conversation_id) if changed else None
