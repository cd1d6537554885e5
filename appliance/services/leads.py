"""Leads: the card an agent fills beside a conversation, effective by the company's rule,
flagged when the same phone came within the company's duplicate window, linked to the
customer; and the lists staff and the company's own client accounts read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import Conversation
from appliance.domain.errors import Forbidden, NotFound
from appliance.domain.leads import Lead, clean_lead, is_effective, missing
from appliance.domain.model import Company, Role, User
from appliance.domain.permissions import require_conversation_visible
from appliance.domain.reports import Period, clean_range, local_date, utc_start, zone
from appliance.services.context import Services
from appliance.services.customers import (
    access_company,
    capture_visitor,
    require_staff,
    served_by,
    served_sites,
)
from appliance.services.phones import clean_phone
from appliance.storage import conversations as conv_store
from appliance.storage import customers as customer_store
from appliance.storage import leads as store
from appliance.storage import sites as site_store
from appliance.storage import visits as visit_store

PAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class LeadCard:
    """What the console's lead card shows: the lead (if saved), what the visitor already told
    (to pre-fill it), and the company's rule."""

    lead: Lead | None
    prefill: dict[str, str]
    required: tuple[str, ...]
    missing: list[str]
    company: Company


async def _conversation_and_company(svc: Services, actor: User,
                                    conversation_id: int) -> tuple[Any, Company]:
    require_staff(actor)
    conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
    require_conversation_visible(actor, conversation.site_id)
    site = await svc.db.read(site_store.get_site, conversation.site_id)
    company = await svc.db.read(site_store.get_company, site.company_id)
    return conversation, company


async def lead_card(svc: Services, actor: User, conversation_id: int) -> LeadCard:
    conversation, company = await _conversation_and_company(svc, actor, conversation_id)
    lead = await svc.db.read(store.lead_of_conversation, conversation_id)
    visitor = await svc.db.read(conv_store.get_visitor, conversation.visitor_id)
    wechat = visitor.attributes.get("wechat", "")
    prefill = {"name": visitor.name, "email": visitor.email, "phone": visitor.phone,
               "wechat": wechat if isinstance(wechat, str) else ""}
    customer_id = await svc.db.read(customer_store.customer_of_visitor, visitor.id)
    if customer_id is not None:
        customer = await svc.db.read(customer_store.get_customer, customer_id)
        for key in ("name", "email", "phone", "wechat", "qq"):
            prefill[key] = prefill.get(key) or getattr(customer, key)
    required = company.settings.lead_required
    gaps = missing(_fields_of(lead), required) if lead else list(required)
    return LeadCard(lead, prefill, required, gaps, company)


def _fields_of(lead: Lead) -> dict[str, Any]:
    return {k: getattr(lead, k) for k in ("name", "phone", "email", "wechat", "qq", "need",
                                          "category", "intent", "follow_up_date")}


async def check_save_lead(svc: Services, actor: User, conversation_id: int,
                          data: Any) -> LeadCard:
    """Save the card (every field may be empty; the company's rule decides whether the lead
    is effective). The customer of the visitor is found or made from the card's contact."""
    conversation, company = await _conversation_and_company(svc, actor, conversation_id)
    fields = clean_lead(data, clean_phone)
    settings = company.settings
    effective = is_effective(fields, settings.lead_required)
    now = svc.now()

    await svc.db.write(_save_lead_job, conversation, company.id, fields, effective,
                       settings.duplicate_days, actor, now)
    return await lead_card(svc, actor, conversation_id)


def _customer_for(company_id: int, visitor_id: int, fields: dict[str, Any], actor_id: int,
                  now: datetime) -> int | None:
    """On the writer: the visitor's customer, else the company's customer with the card's
    phone or e-mail, else a new one when the card names a way to reach them; empty fields of
    the customer are filled from the card."""
    found = customer_store.customer_of_visitor(visitor_id)
    if found is None and (fields["phone"] or fields["email"]):
        match = customer_store.find_by_contact(company_id, fields["phone"], fields["email"])
        found = None if match is None else match.id
    if found is None and any(fields[k] for k in ("phone", "email", "wechat", "qq")):
        found = capture_visitor(visitor_id, now, owner_id=actor_id)
        if found is None:
            found = customer_store.create_customer(company_id, {"owner_id": actor_id}, now).id
    if found is None:
        return None
    customer_store.link_visitor(visitor_id, found)
    customer = customer_store.get_customer(found)
    fill = {k: fields[k] for k in ("name", "phone", "email", "wechat", "qq")
            if fields[k] and not getattr(customer, k)}
    if fill:
        customer_store.update_customer(found, fill, now)
    return found


# -- reading leads --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LeadReach:
    """Which of a company's leads a caller reads, and the report counted from them: those of
    `sites` (None: every site) and, for an agent, of the chats they served or the leads they
    captured (`agent`). Supervisors and agents read the leads of the sites they serve, as
    every other report; owners, admins and the company's own client accounts all of them."""

    sites: frozenset[int] | None = None
    agent: int | None = None


EVERY_LEAD = LeadReach()


def lead_reach(actor: User) -> LeadReach:
    if actor.role is Role.CLIENT:  # the portal: its own company, checked by portal_company
        return EVERY_LEAD
    return LeadReach(served_sites(actor), served_by(actor))


async def access_readable_company(svc: Services, actor: User, company_id: int) -> Company:
    """Staff serving the company, or a client account of that very company."""
    if actor.role is Role.CLIENT:
        if actor.company_id != company_id:
            raise NotFound("No such company", field="company_id")
        return await svc.db.read(site_store.get_company, company_id)
    return await access_company(svc, actor, company_id)


async def portal_company(svc: Services, actor: User) -> Company:
    """The one company a client account sees."""
    if actor.role is not Role.CLIENT or actor.company_id is None:
        raise Forbidden("The portal is for client accounts")
    return await svc.db.read(site_store.get_company, actor.company_id)


def period_of(company: Company, start: str | None, end: str | None,
              now: datetime) -> tuple[Period, datetime, datetime]:
    """The requested local dates and their bounds in stored (naive UTC) time."""
    tz = zone(company.settings.timezone)
    period = clean_range(start, end, local_date(now, tz))
    return period, utc_start(period.start, tz), utc_start(period.end, tz)


async def list_leads(svc: Services, company: Company, reach: LeadReach, *,
                     start: str | None, end: str | None, site_id: int | None,
                     effective: bool | None, limit: int, offset: int) -> tuple[int, list[Lead]]:
    _, first, last = period_of(company, start, end, svc.now())
    if site_id is not None:
        if site_id not in await svc.db.read(site_store.site_ids_of_company, company.id):
            raise NotFound("No such site", field="site_id")  # as the reports answer it
        if reach.sites is not None and site_id not in reach.sites:
            raise Forbidden("You are not assigned to this site")
    return await svc.db.read(lambda: store.list_leads(
        company.id, start=first, end=last, site_id=site_id, site_ids=reach.sites,
        effective=effective, served_by=reach.agent, limit=max(1, min(PAGE_MAX, limit)),
        offset=max(0, offset)))


async def access_lead(svc: Services, actor: User, lead_id: int) -> Lead:
    """A lead the caller may list; any other answers like an unknown one."""
    try:
        lead = await svc.db.read(store.get_lead, lead_id)
        await access_readable_company(svc, actor, lead.company_id)
        reach = lead_reach(actor)
        if reach.sites is not None and lead.site_id not in reach.sites:
            raise NotFound("No such lead")
        if reach.agent is not None and not await svc.db.read(store.served_lead, lead_id,
                                                             reach.agent):
            raise NotFound("No such lead")
    except NotFound:
        raise NotFound("No such lead") from None
    return lead


def clean_flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    return v.clean_choice(value, name, ("0", "1")) == "1"


def _save_lead_job(conversation: Conversation, company_id: int, fields: dict[str, Any],
                   effective: bool, duplicate_days: int, actor: User, now: datetime) -> Lead:
    existing = store.lead_of_conversation(conversation.id)
    visitor = conv_store.get_visitor(conversation.visitor_id)
    customer_id = _customer_for(company_id, visitor.id, fields, actor.id, now)
    row = {**fields, "effective": effective, "customer_id": customer_id,
           "agent_id": actor.id, "agent_name": actor.display_name}
    if existing is None:
        # Credited as the conversion report credits the chat: the visit it started in.
        source, keyword, _ = visit_store.source_at(visitor.id, conversation.created_at)
        row.update(company=company_id, site=conversation.site_id,
                   conversation_id=conversation.id, visitor_id=visitor.id,
                   chat_started_at=conversation.created_at, source=source,
                   keyword=keyword, landing_page=visitor.page_url[:1000])
    elif existing.agent_id is not None:  # the agent who captured it keeps the credit
        row.update(agent_id=existing.agent_id, agent_name=existing.agent_name)
    lead = store.save_lead(existing, row, now, duplicate_days)
    follow = fields["follow_up_date"]
    if follow is not None and customer_id is not None and (
            existing is None or existing.follow_up_date != follow):
        note = fields["need"][:200] or fields["name"]
        customer_store.add_follow_up(customer_id, actor.id, follow, note, now)
    return lead
