"""A person's data: gathered for export, erased on request, and visitors nobody recorded as a
customer purged after the company's retention period. Run on the database threads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.blocks import VISITOR as BLOCKED_VISITOR
from appliance.domain.bot_chat import reply_from_json, reply_to_json
from appliance.domain.conversations import SYSTEM, VISITOR, numbered_for_outside
from appliance.domain.kb import QUESTION_KEPT, question_key
from appliance.storage import customers, leads, outbox
from appliance.storage import invitations as invitation_store
from appliance.storage import visits as visit_store
from appliance.storage.conversations import (
    get_visitor,
    list_conversations,
    messages_after,
    without_notes,
)
from appliance.storage.database import bound_database
from appliance.storage.tables import (
    AttachmentRow,
    AuditLogRow,
    BlockRow,
    BotAnswerRow,
    ConversationRow,
    CustomerMergeRow,
    InvitationRow,
    KbQuestionRow,
    LeadRow,
    MessageRow,
    PageViewRow,
    VisitorRow,
    VisitRow,
)

ERASED = "[erased]"
MESSAGES_MAX = 20_000
VISITS_MAX = 10_000  # per visitor, in an export
PAGES_MAX = 1_000  # per visit, in an export
INVITATIONS_MAX = 10_000  # per person, in an export


def person_record(customer_id: int) -> dict[str, Any]:
    """Everything stored about one customer: the record, notes, follow-ups, the visitors they
    were with their visits (pages in order) and invitations, their conversations (without
    agents' internal notes) and leads."""
    customer = customers.get_customer(customer_id)
    visitors = [get_visitor(i) for i in customers.visitor_ids_of(customer_id)]
    conversations = []
    for visitor in visitors:
        for conversation in without_notes(list_conversations(
                site_ids=None, status=None, visitor_id=visitor.id, limit=1000)):
            messages = numbered_for_outside(
                messages_after(conversation.id, 0, MESSAGES_MAX, include_notes=False))
            conversations.append((conversation, messages))
    _, found = leads.list_leads(customer.company_id, start=None, end=None,
                                customer_id=customer_id)
    visits = [found for visitor in visitors
              for found in visit_store.visits_of(visitor.id, VISITS_MAX, PAGES_MAX)]
    invitations = invitation_store.invitations_of([visitor.id for visitor in visitors],
                                                  INVITATIONS_MAX) if visitors else []
    return {"customer": customer, "notes": customers.notes_of(customer_id),
            "follow_ups": customers.follow_ups_of(customer_id), "visitors": visitors,
            "visits": visits, "invitations": invitations,
            "conversations": conversations, "leads": found}


def _conversation_messages(conversation_ids: list[int]) -> list[int]:
    return [r.id for r in MessageRow.select(MessageRow.id).where(
        MessageRow.conversation.in_(conversation_ids))]


def _forget_search_terms(message_ids: list[int]) -> None:
    cursor = bound_database.obj.cursor()
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        cursor.execute(f"DELETE FROM message_index WHERE rowid IN ({marks})",  # noqa: S608
                       chunk)


def _uploads_of(visitor_ids: list[int], conversation_ids: list[int]) -> list[str]:
    """Forget the visitor's uploads and every file of their conversations (an agent's file
    there is about them too); returns the storage names."""
    rows = list(AttachmentRow.select(AttachmentRow.id, AttachmentRow.storage_name).where(
        ((AttachmentRow.uploader_type == VISITOR) & AttachmentRow.uploader_id.in_(visitor_ids))
        | AttachmentRow.conversation.in_(conversation_ids)))
    if rows:
        MessageRow.update(attachment=None).where(
            MessageRow.attachment.in_([r.id for r in rows])).execute()
        AttachmentRow.delete().where(AttachmentRow.id.in_([r.id for r in rows])).execute()
    return [r.storage_name for r in rows]


def _forget_improve_questions(conversation_ids: list[int]) -> None:
    """Take the visitor's own questions off the bot's "to improve" list: an item counted once
    whose text is one of their messages in a chat the bot served. An item counted more often
    was asked by others too, in the same words, and stays."""
    sites = {r.id: r.site_id for r in ConversationRow.select(
        ConversationRow.id, ConversationRow.site).where(
        ConversationRow.id.in_(conversation_ids) & ConversationRow.bot_outcome.is_null(False))}
    for row in MessageRow.select(MessageRow.conversation, MessageRow.body).where(
            MessageRow.conversation.in_(list(sites)) & (MessageRow.sender_type == VISITOR)):
        body, site_id = row.body, sites[row.conversation_id]
        keys = {question_key(body), question_key(body[:QUESTION_KEPT])}
        KbQuestionRow.delete().where(
            (KbQuestionRow.site == site_id) & KbQuestionRow.text_key.in_(sorted(keys))
            & (KbQuestionRow.count <= 1)).execute()


def _erase_words(conversation_ids: list[int]) -> None:
    """Every message of these conversations says `[erased]`, whoever wrote it (the visitor,
    agents, the bot, notes) and leaves the search index; system lines keep their codes (the
    reports read them) and senders, times, kinds and sequence numbers stay."""
    _forget_improve_questions(conversation_ids)
    message_ids = _conversation_messages(conversation_ids)
    _forget_search_terms(message_ids)
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        MessageRow.update(body=ERASED).where(
            MessageRow.id.in_(chunk) & (MessageRow.kind != "system")).execute()
    for row in MessageRow.select(MessageRow.id, MessageRow.bot).where(
            MessageRow.conversation.in_(conversation_ids) & MessageRow.bot.is_null(False)):
        reply = reply_from_json(row.bot)
        if reply is not None and reply.answer:
            MessageRow.update(bot=reply_to_json(replace(reply, answer=ERASED))).where(
                MessageRow.id == row.id).execute()
    BotAnswerRow.update(question=ERASED).where(
        BotAnswerRow.conversation_id.in_(conversation_ids)).execute()


def _erase_names(visitor_ids: list[int]) -> None:
    """The visitor's name leaves their messages and the `closed` lines they wrote."""
    for visitor_id in visitor_ids:
        alias = f"访客{visitor_id}"
        MessageRow.update(sender_name=alias).where(
            (MessageRow.sender_type == VISITOR) & (MessageRow.sender_id == visitor_id)
        ).execute()
        MessageRow.update(sender_name=alias).where(
            (MessageRow.sender_type == SYSTEM) & MessageRow.sender_id.is_null()
            & (MessageRow.body == "closed")
            & MessageRow.conversation.in_(ConversationRow.select(ConversationRow.id).where(
                ConversationRow.visitor == visitor_id))).execute()


def _forget_pages(visitor_ids: list[int]) -> None:
    """The visitor's trail goes: their visits (entry page, referrer, search words, address,
    browser, place) with every page view, and the pages and words of the invitations they
    were shown (the invitations stay, with their times and answers, for the counts)."""
    visits = [r.id for r in VisitRow.select(VisitRow.id).where(
        VisitRow.visitor.in_(visitor_ids))]
    for start in range(0, len(visits), 500):
        chunk = visits[start:start + 500]
        PageViewRow.delete().where(PageViewRow.visit.in_(chunk)).execute()
        VisitRow.delete().where(VisitRow.id.in_(chunk)).execute()
    InvitationRow.update(page_url="", message=ERASED).where(
        InvitationRow.visitor_id.in_(visitor_ids)).execute()


def erase_person(customer_id: int) -> tuple[list[str], list[tuple[int, int, int]],
                                            list[tuple[int, int]]]:
    """Anonymise the customer's visitors: every word of their conversations, their names,
    contact details, pages, visits and the conversations' files; blank them in leads (counts
    stay), delete the customer. Returns the storage names of the files, to delete once this
    commits, the (conversation, site, visitor) ids anonymised and the (visitor, site) ids."""
    visitor_ids = customers.visitor_ids_of(customer_id)
    files: list[str] = []
    erased: list[tuple[int, int, int]] = []
    people = [(r.id, r.site_id) for r in VisitorRow.select(VisitorRow.id, VisitorRow.site)
              .where(VisitorRow.id.in_(visitor_ids)).order_by(VisitorRow.id)]
    if visitor_ids:
        erased = [(r.id, r.site_id, r.visitor_id) for r in ConversationRow.select(
            ConversationRow.id, ConversationRow.site, ConversationRow.visitor).where(
            ConversationRow.visitor.in_(visitor_ids)).order_by(ConversationRow.id)]
        conversation_ids = [conversation_id for conversation_id, _, _ in erased]
        _erase_words(conversation_ids)
        _erase_names(visitor_ids)
        files = _uploads_of(visitor_ids, conversation_ids)
        VisitorRow.update(name="", email="", phone="", attributes="{}", page_url="",
                          page_title="", referrer="", user_agent="").where(
            VisitorRow.id.in_(visitor_ids)).execute()
        ConversationRow.update(rating_comment="").where(
            ConversationRow.id.in_(conversation_ids)).execute()
        _forget_pages(visitor_ids)
    leads.anonymise_leads(customer_id, visitor_ids)
    # A merge's record keeps both records as they were, to undo it: undoing it would bring
    # the erased person back.
    CustomerMergeRow.delete().where((CustomerMergeRow.kept_id == customer_id)
                                    | (CustomerMergeRow.merged_id == customer_id)).execute()
    outbox.forget_about_visitors(visitor_ids)  # mails with their words or address
    # The audit log keeps what was done to them, by id: an export's entry named them.
    person = f"customer #{customer_id}"
    AuditLogRow.update(subject=person).where(
        (AuditLogRow.company == customers.get_customer(customer_id).company_id)
        & (pw.fn.substr(AuditLogRow.subject, 1, len(person) + 1) == person + " ")).execute()
    customers.delete_customer(customer_id)
    return files, erased, people


def expired_visitors(site_ids: list[int], before: datetime, limit: int) -> list[int]:
    """Visitors of these sites not seen since `before` who are no customer's and are not
    blocked (deleting a blocked visitor would lift the block: they would come back as a new
    visitor)."""
    if not site_ids:
        return []
    blocked = [int(r.value) for r in BlockRow.select(BlockRow.value).where(
        (BlockRow.kind == BLOCKED_VISITOR) & BlockRow.removed_at.is_null())
        if r.value.isascii() and r.value.isdigit()]
    query = (VisitorRow.select(VisitorRow.id)
             .where(VisitorRow.site.in_(site_ids) & VisitorRow.customer_id.is_null()
                    & (VisitorRow.last_seen_at < before) & VisitorRow.id.not_in(blocked))
             .order_by(VisitorRow.id).limit(limit))
    return [r.id for r in query]


def purge_visitors(visitor_ids: list[int]) -> list[str]:
    """Delete visitors with their conversations and messages, visits and page views
    (cascade), their search terms, the bot's answers to them, the "to improve" items only
    they asked, their invitations, the mails about them and their uploads' records, and
    unlink their leads; returns the uploads' storage names."""
    if not visitor_ids:
        return []
    conversation_ids = [r.id for r in ConversationRow.select(ConversationRow.id).where(
        ConversationRow.visitor.in_(visitor_ids))]
    _forget_improve_questions(conversation_ids)
    BotAnswerRow.delete().where(BotAnswerRow.conversation_id.in_(conversation_ids)).execute()
    InvitationRow.delete().where(InvitationRow.visitor_id.in_(visitor_ids)).execute()
    message_ids = [r.id for r in MessageRow.select(MessageRow.id)
                   .join(ConversationRow, on=MessageRow.conversation == ConversationRow.id)
                   .where(ConversationRow.visitor.in_(visitor_ids))]
    _forget_search_terms(message_ids)
    files = [r.storage_name for r in AttachmentRow.select(AttachmentRow.storage_name)
             .join(ConversationRow, on=AttachmentRow.conversation == ConversationRow.id)
             .where(ConversationRow.visitor.in_(visitor_ids))]
    files += _uploads_of(visitor_ids, [])
    # Their leads stay (they count) but name neither them nor their chats: a new chat may be
    # given a deleted chat's id (the largest id plus one), and must not find its lead.
    LeadRow.update(visitor_id=None, conversation_id=None).where(
        LeadRow.visitor_id.in_(visitor_ids)).execute()
    outbox.forget_about_visitors(visitor_ids)
    VisitorRow.delete().where(VisitorRow.id.in_(visitor_ids)).execute()
    return sorted(set(files))

