"""Customers (客户画像): the company's records of people, found, edited, noted, followed up,
merged (with undo) and linked to the visitors they were. Staff reach the customers of the
companies whose sites they serve (owners and admins: every company); anything of another
company answers like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import Conversation, Visitor, display_name_of_visitor
from appliance.domain.customers import (
    Customer,
    CustomerNote,
    FollowUp,
    MergeRecord,
    clean_customer,
    clean_due_date,
    clean_note,
    customer_match,
    filter_match,
    may_own_customers,
)
from appliance.domain.errors import DuplicateCustomer, Forbidden, Invalid, NotFound
from appliance.domain.invitations import Invitation
from appliance.domain.leads import Lead
from appliance.domain.model import Company, Role, User
from appliance.domain.permissions import require_conversation_visible
from appliance.domain.search import QUERY_MAX
from appliance.domain.visits import PageView, Visit
from appliance.services.context import Services
from appliance.services.phones import clean_phone
from appliance.storage import accounts
from appliance.storage import conversations as conv_store
from appliance.storage import customers as store
from appliance.storage import invitations as invitation_store
from appliance.storage import leads as lead_store
from appliance.storage import sites as site_store
from appliance.storage import visits as visit_store

PAGE_MAX = 200
COUNT_MAX = 1000  # a search counts its hits up to here ("1,000+" beyond)


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """Everything the customer page shows."""

    customer: Customer
    notes: list[CustomerNote]
    follow_ups: list[FollowUp]
    visitors: list[Visitor]
    conversations: list[Conversation]
    leads: list[Lead]
    merges: list[MergeRecord]
    visits: list[tuple[Visit, list[PageView]]]  # of all the person's visitors, newest first
    invitations: list[Invitation]


# What the customer page shows of the person's browsing: their latest visits (each with its
# pages in order) and invitations, across every visitor (browser, site) they were.
PAGE_VISITS, PAGE_VISIT_PAGES, PAGE_INVITATIONS = 20, 200, 50


# -- who reaches what -----------------------------------------------------------------------

def company_not_found() -> NotFound:
    return NotFound("No such company", field="company_id")


def customer_not_found() -> NotFound:
    return NotFound("No such customer")


def require_staff(actor: User) -> None:
    if actor.role is Role.CLIENT:
        raise Forbidden("Client accounts see their portal only")


def served_by(actor: User) -> int | None:
    """Whose chats bound the leads a caller reads: an agent's own (the chats they served or
    the leads they captured), everyone else's the whole company's."""
    return actor.id if actor.role is Role.AGENT else None


def served_sites(actor: User) -> frozenset[int] | None:
    """The sites whose visitors and chats the actor sees (None: every site)."""
    return None if actor.role.manages_install else frozenset(actor.site_ids)


async def company_ids_of(svc: Services, actor: User) -> set[int] | None:
    """The companies an actor serves (None: all of them, for owners and admins)."""
    require_staff(actor)
    if actor.role.manages_install:
        return None
    return await svc.db.read(site_store.company_ids_of_sites, actor.site_ids)


async def access_company(svc: Services, actor: User, company_id: int) -> Company:
    """A company the actor serves; any other answers like a missing one."""
    mine = await company_ids_of(svc, actor)
    if mine is not None and company_id not in mine:
        raise company_not_found()
    return await svc.db.read(site_store.get_company, company_id)


async def access_customer(svc: Services, actor: User, customer_id: int) -> Customer:
    try:
        customer = await svc.db.read(store.get_customer, customer_id)
    except NotFound:
        raise customer_not_found() from None
    mine = await company_ids_of(svc, actor)
    if mine is not None and customer.company_id not in mine:
        raise customer_not_found()
    return customer


def require_lead(actor: User) -> None:
    if actor.role.rank < Role.SUPERVISOR.rank:
        raise Forbidden("Only supervisors and up can do this")


async def _check_owner(svc: Services, company_id: int, owner_id: int | None) -> None:
    """An owner is an active staff member serving the company (or an owner/admin)."""
    if owner_id is None:
        return
    try:
        owner = await svc.db.read(accounts.get_user, owner_id)
    except NotFound:
        raise Invalid("owner_id is not a colleague of this company", field="owner_id") from None
    if not may_own_customers(owner, await svc.db.read(site_store.site_ids_of_company,
                                                      company_id)):
        raise Invalid("owner_id is not a colleague of this company", field="owner_id")


async def possible_owners(svc: Services, actor: User, company_id: int) -> list[User]:
    """Who may own the customers of a company the actor serves (the `owner_id` the customer
    page and follow-ups offer), in the order of the users list."""
    await access_company(svc, actor, company_id)
    site_ids = await svc.db.read(site_store.site_ids_of_company, company_id)
    return [u for u in await svc.db.read(accounts.list_users) if may_own_customers(u, site_ids)]


# -- customers ------------------------------------------------------------------------------

async def list_customers(svc: Services, actor: User, company_id: int, *, q: str = "",
                         tag: str = "", field: str = "", value: str = "",
                         owner_id: int | None = None, limit: int = 50,
                         offset: int = 0) -> tuple[int, list[Customer]]:
    mine = await company_ids_of(svc, actor)
    if mine is not None and company_id not in mine:
        raise company_not_found()
    text = v.clean_name(q, "q", max_len=QUERY_MAX, allow_empty=True)
    tag = v.clean_name(tag, "tag", max_len=30, allow_empty=True)
    value = v.clean_name(value, "value", max_len=200, allow_empty=True)
    if field and not (field.isascii() and field.replace("_", "").isalnum() and len(field) <= 30):
        raise Invalid("field must be the key of one of the company's fields", field="field")
    match = customer_match(text) if text else None
    if text and match is None:
        return 0, []
    match = filter_match(match, tag, field, value)

    def read() -> tuple[int, list[Customer]]:
        site_store.get_company(company_id)  # a missing company is not found (one read: fast)
        return store.search(company_id, match=match, owner_id=owner_id,
                            limit=max(1, min(PAGE_MAX, limit)), offset=max(0, offset),
                            count_max=COUNT_MAX)

    return await svc.db.read(read)


async def check_create_customer(svc: Services, actor: User, company_id: int,
                                data: Any) -> Customer:
    """A customer made by hand. A phone or e-mail another customer of the company already has
    (as stored: E.164, lower case) is refused with `DuplicateCustomer` (409, naming them)
    unless the body says `"allow_duplicate": true`, as an import reports such rows."""
    company = await access_company(svc, actor, company_id)
    body = dict(data) if isinstance(data, dict) else data
    allow_duplicate = (v.clean_bool(body.pop("allow_duplicate"), "allow_duplicate")
                       if isinstance(body, dict) and "allow_duplicate" in body else False)
    fields = clean_customer(body, company.settings, clean_phone, creating=True)
    fields.setdefault("owner_id", actor.id)
    await _check_owner(svc, company_id, fields["owner_id"])
    return await svc.db.write(_create_customer_job, company_id, fields, svc.now(),
                              allow_duplicate)


def _create_customer_job(company_id: int, fields: dict[str, Any], now: datetime,
                         allow_duplicate: bool) -> Customer:
    if not allow_duplicate:
        phone, email = fields.get("phone", ""), fields.get("email", "")
        existing = store.find_by_contact(company_id, phone, email)
        anyway = "(send allow_duplicate: true to add another)"
        if existing is not None and phone and existing.phone == phone:
            raise DuplicateCustomer(f"Customer #{existing.id} of this company already has this "
                                    f"phone number {anyway}", field="phone",
                                    customer_id=existing.id)
        if existing is not None:
            raise DuplicateCustomer(f"Customer #{existing.id} of this company already has this "
                                    f"e-mail address {anyway}", field="email",
                                    customer_id=existing.id)
    return store.create_customer(company_id, fields, now)


async def check_update_customer(svc: Services, actor: User, customer_id: int,
                                data: Any) -> Customer:
    customer = await access_customer(svc, actor, customer_id)
    company = await svc.db.read(site_store.get_company, customer.company_id)
    fields = clean_customer(data, company.settings, clean_phone, creating=False)
    if "owner_id" in fields and fields["owner_id"] != customer.owner_id:
        if actor.role.rank < Role.SUPERVISOR.rank and customer.owner_id not in (None, actor.id):
            raise Forbidden("Only the customer's owner or a supervisor can give it to someone "
                            "else", field="owner_id")
        await _check_owner(svc, customer.company_id, fields["owner_id"])
    return await svc.db.write(store.update_customer, customer_id, fields, svc.now())


async def customer_page(svc: Services, actor: User, customer_id: int) -> CustomerPage:
    """The record, and of the person's visitors, chats, visits and invitations those of the
    sites the actor serves; of their leads, those the actor may list (of the sites they serve;
    an agent: of the chats they served)."""
    customer = await access_customer(svc, actor, customer_id)
    sites = served_sites(actor)
    agent = served_by(actor)

    def read() -> CustomerPage:
        visitors = [visitor for visitor in (
            conv_store.get_visitor(i) for i in store.visitor_ids_of(customer_id))
            if sites is None or visitor.site_id in sites]
        conversations: list[Conversation] = []
        for visitor in visitors:
            conversations += conv_store.list_conversations(site_ids=None, status=None,
                                                           visitor_id=visitor.id, limit=100)
        conversations.sort(key=lambda c: (c.last_activity_at, c.id), reverse=True)
        _, leads = lead_store.list_leads(customer.company_id, start=None, end=None,
                                         site_ids=sites, customer_id=customer_id,
                                         served_by=agent, limit=100)
        visits = [visit for visitor in visitors for visit in visit_store.visits_of(
            visitor.id, PAGE_VISITS, PAGE_VISIT_PAGES)]
        visits.sort(key=lambda pair: (pair[0].started_at, pair[0].id), reverse=True)
        invitations = invitation_store.invitations_of([vis.id for vis in visitors],
                                                      PAGE_INVITATIONS)
        return CustomerPage(customer, store.notes_of(customer_id),
                            store.follow_ups_of(customer_id), visitors, conversations, leads,
                            store.merges_of(customer_id), visits[:PAGE_VISITS], invitations)

    return await svc.db.read(read)


async def check_add_note(svc: Services, actor: User, customer_id: int,
                         data: Any) -> CustomerNote:
    await access_customer(svc, actor, customer_id)
    body = clean_note(v.only_fields(data, ("body",)).get("body"))
    return await svc.db.write(store.add_note, customer_id, actor.id, actor.display_name, body,
                              svc.now())


# -- follow-ups -----------------------------------------------------------------------------

async def check_add_follow_up(svc: Services, actor: User, customer_id: int,
                              data: Any) -> FollowUp:
    customer = await access_customer(svc, actor, customer_id)
    body = v.only_fields(data, ("due_date", "note", "owner_id"))
    due = clean_due_date(body.get("due_date"))
    note = v.clean_text(body.get("note", ""), "note", max_len=500)
    owner_id = body.get("owner_id", actor.id)
    owner_id = None if owner_id is None else v.clean_id(owner_id, "owner_id")
    await _check_owner(svc, customer.company_id, owner_id)
    return await svc.db.write(store.add_follow_up, customer_id, owner_id, due, note, svc.now())


async def check_follow_up_done(svc: Services, actor: User, follow_up_id: int,
                               data: Any) -> FollowUp:
    done = v.clean_bool(v.only_fields(data, ("done",)).get("done"), "done")
    try:
        follow_up = await svc.db.read(store.get_follow_up, follow_up_id)
    except NotFound:
        raise NotFound("No such follow-up") from None
    try:
        await access_customer(svc, actor, follow_up.customer_id)
    except NotFound:
        raise NotFound("No such follow-up") from None
    return await svc.db.write(store.set_follow_up_done, follow_up_id,
                              svc.now() if done else None)


async def my_follow_ups(svc: Services, actor: User, days: int = 0) -> list[FollowUp]:
    """The actor's open follow-ups due by today (+ `days`): the console's reminders. Only
    those of customers of the companies the actor serves now: one moved off a company keeps
    owning its follow-ups but no longer sees them (until given its sites back)."""
    mine = await company_ids_of(svc, actor)
    until = svc.now().date() + timedelta(days=days)
    return await svc.db.read(store.open_follow_ups, actor.id, until, 100, mine)


# -- merging --------------------------------------------------------------------------------

async def check_merge(svc: Services, actor: User, customer_id: int, data: Any) -> MergeRecord:
    """Fold another customer of the same company into this one (never across companies)."""
    kept = await access_customer(svc, actor, customer_id)
    other_id = v.clean_id(v.only_fields(data, ("other_id",)).get("other_id"), "other_id")
    try:
        other = await access_customer(svc, actor, other_id)
    except NotFound:
        raise Invalid("other_id is not a customer of this company", field="other_id") from None
    if other.company_id != kept.company_id or other.id == kept.id:
        raise Invalid("other_id is not another customer of this company", field="other_id")
    return await svc.db.write(store.merge, kept.id, other.id, actor.id, svc.now())


async def do_undo_merge(svc: Services, actor: User, merge_id: int) -> MergeRecord:
    try:
        record = await svc.db.read(store.get_merge, merge_id)
        await access_company(svc, actor, record.company_id)
    except NotFound:
        raise NotFound("No such merge") from None
    if record.undone_at is not None:
        raise Invalid("This merge was already undone", field="merge_id")
    return await svc.db.write(store.undo_merge, merge_id, svc.now())


# -- visitors become customers --------------------------------------------------------------

def capture_visitor(visitor_id: int, now: Any, owner_id: int | None = None) -> int | None:
    """On the writer: link a visitor who gave contact details (pre-chat form, left message,
    signed identify, an agent's capture) to the company's customer with the same signed user
    id, phone or e-mail, or to a new one. Never across companies. Returns the customer id."""
    visitor = conv_store.get_visitor(visitor_id)
    known = store.customer_of_visitor(visitor_id)
    if known is not None:
        return known
    company_id = store.company_of_site(visitor.site_id)
    user_id = visitor.attributes.get("user_id")
    found: int | None = None
    if isinstance(user_id, str) and user_id:
        found = store.visitor_by_user_id(site_store.site_ids_of_company(company_id), user_id,
                                         visitor_id)
    try:
        phone = clean_phone(visitor.phone) if visitor.phone else ""
    except Invalid:
        phone = ""
    email = visitor.email if v.is_email(visitor.email) else ""
    if found is None and (phone or email):
        match = store.find_by_contact(company_id, phone, email)
        found = None if match is None else match.id
    wechat = visitor.attributes.get("wechat", "")
    wechat = wechat if isinstance(wechat, str) else ""
    if found is None:
        if not (phone or email or user_id or wechat):
            return None
        fields = {"name": visitor.name, "phone": phone, "email": email, "wechat": wechat,
                  "owner_id": owner_id}
        found = store.create_customer(company_id, fields, now).id
    store.link_visitor(visitor_id, found)
    return found


async def do_capture_visitor(svc: Services, visitor_id: int) -> int | None:
    now = svc.now()
    return await svc.db.write(capture_visitor, visitor_id, now)


async def check_link_conversation(svc: Services, actor: User, conversation_id: int,
                                  data: Any) -> Customer:
    """An agent says who the conversation's visitor is: an existing customer of the company
    (`customer_id`), or a new one from what the visitor told (no body)."""
    require_staff(actor)
    conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
    require_conversation_visible(actor, conversation.site_id)
    body = v.only_fields(data, ("customer_id",))
    company_id = await svc.db.read(store.company_of_site, conversation.site_id)
    now = svc.now()
    if body.get("customer_id") is not None:
        customer_id = v.clean_id(body["customer_id"], "customer_id")
        try:
            customer = await access_customer(svc, actor, customer_id)
        except NotFound:
            raise Invalid("customer_id is not a customer of this company",
                          field="customer_id") from None
        if customer.company_id != company_id:
            raise Invalid("customer_id is not a customer of this company", field="customer_id")
        await svc.db.write(store.link_visitor, conversation.visitor_id, customer_id)
        return customer

    found = await svc.db.write(_capture_for_conversation_job, conversation.visitor_id,
                               company_id, actor.id, now)
    return await svc.db.read(store.get_customer, found)


async def customer_of_conversation(svc: Services, actor: User,
                                   conversation_id: int) -> Customer | None:
    conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
    require_staff(actor)
    require_conversation_visible(actor, conversation.site_id)
    found = await svc.db.read(store.customer_of_visitor, conversation.visitor_id)
    return None if found is None else await svc.db.read(store.get_customer, found)


def _capture_for_conversation_job(visitor_id: int, company_id: int, owner_id: int,
                                  now: datetime) -> int:
    found = capture_visitor(visitor_id, now, owner_id=owner_id)
    if found is None:  # they told nothing: named as the chat names them (访客17), to fill in
        visitor = conv_store.get_visitor(visitor_id)
        found = store.create_customer(company_id, {
            "name": display_name_of_visitor(visitor.id, visitor.name),
            "owner_id": owner_id}, now).id
        store.link_visitor(visitor_id, found)
    return found
