"""Leads and scheduled report runs: queries and changes, run on the database threads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import peewee as pw

from appliance.domain.errors import NotFound
from appliance.domain.leads import Lead
from appliance.storage.tables import ConversationRow, LeadRow, MessageRow, ReportRunRow

CONTACT_FIELDS = ("name", "phone", "email", "wechat", "qq", "need", "category", "intent",
                  "follow_up_date")


def _lead(row: LeadRow) -> Lead:
    follow = row.follow_up_date
    if follow is not None and not isinstance(follow, date):
        follow = date.fromisoformat(str(follow))
    return Lead(id=row.id, company_id=row.company_id, site_id=row.site_id,
                conversation_id=row.conversation_id, visitor_id=row.visitor_id,
                customer_id=row.customer_id, agent_id=row.agent_id, agent_name=row.agent_name,
                name=row.name, phone=row.phone, email=row.email, wechat=row.wechat, qq=row.qq,
                need=row.need, category=row.category, intent=row.intent,
                follow_up_date=follow, source=row.source, keyword=row.keyword,
                landing_page=row.landing_page, effective=bool(row.effective),
                duplicate_of=row.duplicate_of, created_at=row.created_at,
                updated_at=row.updated_at,
                chat_started_at=row.chat_started_at or row.created_at)


def served_lead(lead_id: int, agent_id: int) -> bool:
    return LeadRow.select().where((LeadRow.id == lead_id) & _served_by(agent_id)).exists()


def get_lead(lead_id: int) -> Lead:
    row = LeadRow.get_or_none(LeadRow.id == lead_id)
    if row is None:
        raise NotFound("No such lead")
    return _lead(row)


def lead_of_conversation(conversation_id: int) -> Lead | None:
    row = LeadRow.get_or_none(LeadRow.conversation_id == conversation_id)
    return None if row is None else _lead(row)


def earlier_with_phone(company_id: int, phone: str, since: datetime,
                       except_id: int | None) -> int | None:
    """The first *effective* lead of the company with this phone created since `since` and
    before `except_id` (all of them when None)."""
    if not phone:
        return None
    query = (LeadRow.select(LeadRow.id)
             .where((LeadRow.company == company_id) & (LeadRow.phone == phone)
                    & (LeadRow.created_at >= since) & (LeadRow.effective == True))  # noqa: E712
             .order_by(LeadRow.created_at, LeadRow.id))
    if except_id is not None:
        query = query.where(LeadRow.id < except_id)
    row = query.first()
    return None if row is None else int(row.id)


def _judge_duplicate(row: LeadRow, duplicate_days: int) -> None:
    duplicate = None
    if duplicate_days > 0:
        duplicate = earlier_with_phone(row.company_id, row.phone,
                                       row.created_at - timedelta(days=duplicate_days), row.id)
    if duplicate != row.duplicate_of:
        LeadRow.update(duplicate_of=duplicate).where(LeadRow.id == row.id).execute()


def reflag(lead_id: int, phones: set[str], duplicate_days: int) -> None:
    """Judge again the duplicate flag of a lead and of every lead its change may concern:
    those flagged against it and the later ones of its company with one of `phones` (its
    phone before and after) within `duplicate_days` of it. A lead is a duplicate of the
    company's first earlier *effective* lead with the same phone within the window."""
    lead = LeadRow.get_by_id(lead_id)
    _judge_duplicate(lead, duplicate_days)
    later = (LeadRow.company == lead.company_id) & (LeadRow.created_at >= lead.created_at) & (
        LeadRow.id != lead_id)
    # each query on its own so that SQLite walks one index: (duplicate_of), migration 16 (a
    # flag names a lead of the same company, never the lead itself), and (company, phone); a
    # lead is judged once even when both find it
    flagged = LeadRow.select().where(LeadRow.duplicate_of == lead_id)
    concerned = {row.id: row for row in flagged}
    phones = {p for p in phones if p}
    if phones and duplicate_days > 0:
        same_phone = LeadRow.select().where(
            later & LeadRow.phone.in_(sorted(phones)) & (LeadRow.id > lead_id)
            & (LeadRow.created_at <= lead.created_at + timedelta(days=duplicate_days)))
        concerned.update((row.id, row) for row in same_phone)
    for _, row in sorted(concerned.items()):
        _judge_duplicate(row, duplicate_days)


def save_lead(existing: Lead | None, fields: dict[str, Any], now: datetime,
              duplicate_days: int) -> Lead:
    """Create or update a lead and keep the duplicate flags true in the same write (see
    `reflag`): a lead whose phone or effectiveness changes may make later ones duplicates
    of it, or no longer."""
    if existing is None:
        row = LeadRow.create(created_at=now, updated_at=now, duplicate_of=None, **fields)
        lead_id, phones = row.id, {fields.get("phone", "")}
    else:
        LeadRow.update(updated_at=now, **fields).where(LeadRow.id == existing.id).execute()
        lead_id, phones = existing.id, {existing.phone, fields.get("phone", existing.phone)}
    reflag(lead_id, phones, duplicate_days)
    return get_lead(lead_id)


def _served_by(agent_id: int) -> pw.Expression:
    """Leads of chats this agent served (given to them, replied to by them, or held by them
    now, as the agents report counts them) or captured themselves."""
    chats = (MessageRow.select(MessageRow.conversation_id).where(
        ((MessageRow.sender_type == "agent") & (MessageRow.sender_id == agent_id)
         & (MessageRow.kind != "note"))
        | ((MessageRow.sender_type == "system") & (MessageRow.sender_id == agent_id)
           & (MessageRow.kind == "system")
           & MessageRow.body.in_(("agent_joined", "transferred"))))
        | ConversationRow.select(ConversationRow.id).where(
            ConversationRow.assignee_id == agent_id))
    return (LeadRow.agent_id == agent_id) | LeadRow.conversation_id.in_(chats)


def list_leads(company_id: int, *, start: datetime | None, end: datetime | None,
               site_id: int | None = None, site_ids: Iterable[int] | None = None,
               effective: bool | None = None, customer_id: int | None = None,
               served_by: int | None = None, limit: int = 10_000,
               offset: int = 0) -> tuple[int, list[Lead]]:
    """The company's leads whose chat started in [start, end) (the day a lead counts on),
    newest chat first, and how many there are (`site_ids`: only of those sites; `served_by`:
    only those of chats that agent served)."""
    query = LeadRow.select().where(LeadRow.company == company_id)
    if served_by is not None:
        query = query.where(_served_by(served_by))
    if start is not None:
        query = query.where(LeadRow.chat_started_at >= start)
    if end is not None:
        query = query.where(LeadRow.chat_started_at < end)
    if site_id is not None:
        query = query.where(LeadRow.site == site_id)
    if site_ids is not None:
        query = query.where(LeadRow.site.in_(sorted(site_ids)))
    if effective is not None:
        query = query.where(LeadRow.effective == effective)
    if customer_id is not None:
        query = query.where(LeadRow.customer_id == customer_id)
    total = query.count()
    page = query.order_by(LeadRow.chat_started_at.desc(), LeadRow.id.desc()).limit(
        limit).offset(offset)
    return total, [_lead(r) for r in page]


def anonymise_leads(customer_id: int, visitor_ids: list[int]) -> int:
    """Erase a person from their leads; the counts (effective, duplicates) stay for billing."""
    blank = dict.fromkeys(("name", "phone", "email", "wechat", "qq", "need"), "")
    condition = LeadRow.customer_id == customer_id
    if visitor_ids:
        condition = condition | LeadRow.visitor_id.in_(visitor_ids)
    return int(LeadRow.update(**blank, landing_page="").where(condition).execute())


def claim_report_run(company_id: int, schedule: str, period: str, now: datetime) -> bool:
    """Record that the report of this period is being sent; False if it already was (the
    unique index makes this hold across restarts and concurrent loops)."""
    try:
        with LeadRow._meta.database.atomic():
            ReportRunRow.create(company=company_id, schedule=schedule, period=period,
                                created_at=now)
    except pw.IntegrityError:
        return False
    return True
