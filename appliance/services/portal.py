"""The client portal: a client company's own staff read their conversations (without the
agents' internal notes, and without anything that counts or numbers them); leads and reports
come from services/leads.py and reports.py."""

from __future__ import annotations

from datetime import datetime

from appliance.domain.conversations import Conversation, Message, numbered_for_outside
from appliance.domain.errors import conversation_not_found
from appliance.domain.model import User
from appliance.services import conversations as conv_service
from appliance.services.context import Services
from appliance.services.leads import portal_company
from appliance.storage import conversations as conv_store
from appliance.storage import sites as site_store


async def conversations(svc: Services, actor: User, before: datetime | None,
                        limit: int) -> list[Conversation]:
    company = await portal_company(svc, actor)
    site_ids = await svc.db.read(site_store.site_ids_of_company, company.id)
    return await svc.db.read(lambda: conv_store.without_notes(conv_store.list_conversations(
        site_ids=site_ids, status=None, before=before, limit=max(1, min(200, limit)))))


async def access_conversation(svc: Services, actor: User, conversation_id: int) -> Conversation:
    company = await portal_company(svc, actor)
    conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
    site = await svc.db.read(site_store.get_site, conversation.site_id)
    if site.company_id != company.id:
        raise conversation_not_found()
    return (await svc.db.read(conv_store.without_notes, [conversation]))[0]


async def transcript(svc: Services, actor: User,
                     conversation_id: int) -> tuple[Conversation, list[Message]]:
    """One conversation of the company and every message of it a visitor may see, numbered
    by their place among them (no gap where a note was)."""
    conversation = await access_conversation(svc, actor, conversation_id)
    result = await conv_service.sync(svc, conversation, 0, for_visitor=True)
    return conversation, numbered_for_outside(result.messages)
