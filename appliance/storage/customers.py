"""Customers, their notes, follow-ups, merges and visitors: queries and changes, run on the
database threads. Search terms are kept in `customer_search` in the same transaction."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import peewee as pw

from appliance.domain.customers import (
    AuditEntry,
    Customer,
    CustomerNote,
    FollowUp,
    MergeRecord,
    customer_terms,
)
from appliance.domain.errors import Invalid, NotFound
from appliance.storage.database import bound_database
from appliance.storage.tables import (
    AuditLogRow,
    CustomerMergeRow,
    CustomerNoteRow,
    CustomerRow,
    FollowUpRow,
    LeadRow,
    SiteRow,
    VisitorRow,
)

_COLUMNS = {"name": "name", "phone": "phone", "email": "email", "wechat": "wechat",
            "qq": "qq", "company": "organization", "address": "address", "tags": "tags",
            "owner_id": "owner", "custom": "custom"}
IDENTITY = ("name", "phone", "email", "wechat", "qq", "company", "address")


def _customer(row: CustomerRow) -> Customer:
    return Customer(id=row.id, company_id=row.company_id, name=row.name, phone=row.phone,
                    email=row.email, wechat=row.wechat, qq=row.qq, company=row.organization,
                    address=row.address, tags=tuple(json.loads(row.tags)),
                    owner_id=row.owner_id, custom=json.loads(row.custom),
                    created_at=row.created_at, updated_at=row.updated_at)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "tags":
            value = json.dumps(list(value), ensure_ascii=False)
        elif name == "custom":
            value = json.dumps(value, ensure_ascii=False)
        columns[_COLUMNS[name]] = value
    return columns


def _reindex(customer: Customer) -> None:
    cursor = bound_database.obj.cursor()
    cursor.execute("DELETE FROM customer_search WHERE rowid = ?", (customer.id,))
    terms = customer_terms(customer)
    if terms:
        cursor.execute("INSERT INTO customer_search (rowid, terms) VALUES (?, ?)",
                       (customer.id, terms))


def get_customer(customer_id: int) -> Customer:
    row = CustomerRow.get_or_none(CustomerRow.id == customer_id)
    if row is None:
        raise NotFound("No such customer")
    return _customer(row)


def create_customer(company_id: int, fields: dict[str, Any], now: datetime,
                    customer_id: int | None = None) -> Customer:
    values: dict[str, Any] = {"name": "", "phone": "", "email": "", "wechat": "", "qq": "",
                              "company": "", "address": "", "tags": (), "owner_id": None,
                              "custom": {}, **fields}
    extra = {"id": customer_id} if customer_id is not None else {}
    row = CustomerRow.create(company=company_id, created_at=now, updated_at=now, **extra,
                             **_columns(values))
    customer = _customer(row)
    _reindex(customer)
    return customer


def update_customer(customer_id: int, fields: dict[str, Any], now: datetime) -> Customer:
    get_customer(customer_id)
    if fields:
        CustomerRow.update(updated_at=now, **_columns(fields)).where(
            CustomerRow.id == customer_id).execute()
    customer = get_customer(customer_id)
    _reindex(customer)
    return customer


# FTS5 walks its index newest first (ORDER BY rowid DESC) and each hit is joined to its
# customer by primary key, so a page of a broad search (a surname, a common tag) stops after a
# page of the company's hits instead of collecting and sorting every hit.
_HITS = ("FROM customer_search s JOIN customer c ON c.id = s.rowid "
         "WHERE customer_search MATCH ? AND c.company_id = ? AND (? IS NULL OR c.owner_id = ?)")


def search(company_id: int, *, match: str | None, owner_id: int | None, limit: int,
           offset: int, count_max: int = 1000) -> tuple[int, list[Customer]]:
    """A page of the company's customers and how many match (counted up to `count_max`,
    which is returned as `count_max + 1` when there are more). With terms (`match`, an FTS5
    expression): newest first through the index; without: most recently changed first."""
    if match is None:
        query = CustomerRow.select().where(CustomerRow.company == company_id)
        if owner_id is not None:
            query = query.where(CustomerRow.owner == owner_id)
        query = query.order_by(CustomerRow.updated_at.desc(), CustomerRow.id.desc())
        total = (CustomerRow.select(pw.fn.COUNT(pw.SQL("*")))
                 .from_(query.limit(count_max + 1).alias("hit")).scalar())
        return int(total), [_customer(r) for r in query.limit(limit).offset(offset)]
    cursor = bound_database.obj.cursor()
    args = (match, company_id, owner_id, owner_id)
    total = cursor.execute(f"SELECT count(*) FROM (SELECT 1 {_HITS} LIMIT ?)",  # noqa: S608
                           (*args, count_max + 1)).fetchone()[0]
    ids = [row[0] for row in cursor.execute(
        f"SELECT c.id {_HITS} ORDER BY s.rowid DESC LIMIT ? OFFSET ?",
        (*args, limit, offset))]
    rows = {r.id: r for r in CustomerRow.select().where(CustomerRow.id.in_(ids))}
    return int(total), [_customer(rows[i]) for i in ids if i in rows]


def find_by_contact(company_id: int, phone: str, email: str) -> Customer | None:
    """The company's customer with this phone (or else this e-mail address), if any."""
    for column, value in ((CustomerRow.phone, phone), (CustomerRow.email, email)):
        if not value:
            continue
        row = (CustomerRow.select().where((CustomerRow.company == company_id)
                                          & (column == value))
               .order_by(CustomerRow.id).first())
        if row is not None:
            return _customer(row)
    return None


def all_of_company(company_id: int, limit: int) -> list[Customer]:
    query = (CustomerRow.select().where(CustomerRow.company == company_id)
             .order_by(CustomerRow.id).limit(limit))
    return [_customer(r) for r in query]


# -- notes and follow-ups -------------------------------------------------------------------

def _note(row: CustomerNoteRow) -> CustomerNote:
    return CustomerNote(id=row.id, customer_id=row.customer_id, author_id=row.author_id,
                        author_name=row.author_name, body=row.body, created_at=row.created_at)


def add_note(customer_id: int, author_id: int | None, author_name: str, body: str,
             now: datetime) -> CustomerNote:
    return _note(CustomerNoteRow.create(customer=customer_id, author_id=author_id,
                                        author_name=author_name, body=body, created_at=now))


def notes_of(customer_id: int) -> list[CustomerNote]:
    query = (CustomerNoteRow.select().where(CustomerNoteRow.customer == customer_id)
             .order_by(CustomerNoteRow.created_at.desc(), CustomerNoteRow.id.desc()))
    return [_note(r) for r in query]


def _follow_up(row: FollowUpRow) -> FollowUp:
    due = row.due_date if isinstance(row.due_date, date) else date.fromisoformat(
        str(row.due_date))
    return FollowUp(id=row.id, customer_id=row.customer_id, customer_name=row.customer.name,
                    owner_id=row.owner_id, due_date=due, note=row.note, done_at=row.done_at,
                    created_at=row.created_at)


def _follow_ups() -> pw.ModelSelect[FollowUpRow]:
    return FollowUpRow.select(FollowUpRow, CustomerRow).join(CustomerRow)


def add_follow_up(customer_id: int, owner_id: int | None, due: date, note: str,
                  now: datetime) -> FollowUp:
    row = FollowUpRow.create(customer=customer_id, owner=owner_id, due_date=due, note=note,
                             created_at=now)
    return get_follow_up(row.id)


def get_follow_up(follow_up_id: int) -> FollowUp:
    row = _follow_ups().where(FollowUpRow.id == follow_up_id).first()
    if row is None:
        raise NotFound("No such follow-up")
    return _follow_up(row)


def set_follow_up_done(follow_up_id: int, done_at: datetime | None) -> FollowUp:
    FollowUpRow.update(done_at=done_at).where(FollowUpRow.id == follow_up_id).execute()
    return get_follow_up(follow_up_id)


def follow_ups_of(customer_id: int) -> list[FollowUp]:
    query = _follow_ups().where(FollowUpRow.customer == customer_id).order_by(
        FollowUpRow.due_date, FollowUpRow.id)
    return [_follow_up(r) for r in query]


def open_follow_ups(owner_id: int, due_until: date, limit: int,
                    company_ids: set[int] | None) -> list[FollowUp]:
    """A user's open follow-ups due by `due_until`, of customers of `company_ids` only (None:
    every company)."""
    query = _follow_ups().where((FollowUpRow.owner == owner_id) & FollowUpRow.done_at.is_null()
                                & (FollowUpRow.due_date <= due_until))
    if company_ids is not None:
        query = query.where(CustomerRow.company.in_(sorted(company_ids)))
    query = query.order_by(FollowUpRow.due_date, FollowUpRow.id).limit(limit)
    return [_follow_up(r) for r in query]


def owned_counts(user_id: int) -> tuple[int, int]:
    """(customers owned, open follow-ups) of a user."""
    customers = CustomerRow.select().where(CustomerRow.owner == user_id).count()
    follow_ups = FollowUpRow.select().where((FollowUpRow.owner == user_id)
                                            & FollowUpRow.done_at.is_null()).count()
    return customers, follow_ups


def owned_company_ids(user_id: int) -> set[int]:
    """The companies of the customers a user owns or has open follow-ups of: what passes
    to a successor when they leave."""
    owned = {r.company_id for r in CustomerRow.select(CustomerRow.company).where(
        CustomerRow.owner == user_id).distinct()}
    followed = {r.customer.company_id for r in _follow_ups().where(
        (FollowUpRow.owner == user_id) & FollowUpRow.done_at.is_null())}
    return owned | followed


def hand_over(from_user: int, to_user: int, now: datetime) -> tuple[int, int]:
    """Pass a user's customers and open follow-ups to another user: (customers, follow-ups)."""
    customers = CustomerRow.update(owner=to_user, updated_at=now).where(
        CustomerRow.owner == from_user).execute()
    follow_ups = FollowUpRow.update(owner=to_user).where(
        (FollowUpRow.owner == from_user) & FollowUpRow.done_at.is_null()).execute()
    return int(customers), int(follow_ups)


# -- visitors -------------------------------------------------------------------------------

def link_visitor(visitor_id: int, customer_id: int | None) -> None:
    VisitorRow.update(customer_id=customer_id).where(VisitorRow.id == visitor_id).execute()


def customer_of_visitor(visitor_id: int) -> int | None:
    row = VisitorRow.get_or_none(VisitorRow.id == visitor_id)
    return None if row is None else row.customer_id


def visitor_ids_of(customer_id: int) -> list[int]:
    return [r.id for r in VisitorRow.select(VisitorRow.id).where(
        VisitorRow.customer_id == customer_id).order_by(VisitorRow.id)]


def visitor_by_user_id(site_ids: list[int], user_id: str, except_id: int) -> int | None:
    """The customer of another visitor of these sites with the same signed user id."""
    rows = (VisitorRow.select(VisitorRow.customer_id)
            .where(VisitorRow.site.in_(site_ids) & (VisitorRow.id != except_id)
                   & VisitorRow.customer_id.is_null(False)
                   & (pw.fn.json_extract(VisitorRow.attributes, "$.user_id") == user_id))
            .order_by(VisitorRow.id.desc()).limit(1))
    found = [r.customer_id for r in rows]
    return found[0] if found else None


def company_of_site(site_id: int) -> int:
    row = SiteRow.get_or_none(SiteRow.id == site_id)
    if row is None:
        raise NotFound("No such site")
    return int(row.company_id)


# -- merges ---------------------------------------------------------------------------------

def _merge(row: CustomerMergeRow) -> MergeRecord:
    return MergeRecord(id=row.id, company_id=row.company_id, kept_id=row.kept_id,
                       merged_id=row.merged_id, actor_id=row.actor_id,
                       snapshot=json.loads(row.snapshot), created_at=row.created_at,
                       undone_at=row.undone_at)


def _record(customer: Customer) -> dict[str, Any]:
    data = asdict(customer)
    data["tags"] = list(customer.tags)
    for key in ("created_at", "updated_at"):
        data[key] = str(data[key])
    return data


def merge(kept_id: int, merged_id: int, actor_id: int | None, now: datetime) -> MergeRecord:
    """Fold `merged_id` into `kept_id`: its empty fields filled, tags and custom values
    joined, visitors, notes, follow-ups and leads moved; the other record is deleted. The
    snapshot holds what undo needs."""
    kept, merged = get_customer(kept_id), get_customer(merged_id)
    fill = {k: getattr(merged, k) for k in IDENTITY if not getattr(kept, k) and getattr(merged, k)}
    fields: dict[str, Any] = {**fill, "tags": tuple(dict.fromkeys(kept.tags + merged.tags)),
                              "custom": {**merged.custom, **kept.custom}}
    if kept.owner_id is None and merged.owner_id is not None:
        fields["owner_id"] = merged.owner_id
    moved = {
        "visitor_ids": visitor_ids_of(merged_id),
        "note_ids": [r.id for r in CustomerNoteRow.select(CustomerNoteRow.id).where(
            CustomerNoteRow.customer == merged_id)],
        "follow_up_ids": [r.id for r in FollowUpRow.select(FollowUpRow.id).where(
            FollowUpRow.customer == merged_id)],
        "lead_ids": [r.id for r in LeadRow.select(LeadRow.id).where(
            LeadRow.customer_id == merged_id)],
    }
    VisitorRow.update(customer_id=kept_id).where(VisitorRow.customer_id == merged_id).execute()
    CustomerNoteRow.update(customer=kept_id).where(
        CustomerNoteRow.customer == merged_id).execute()
    FollowUpRow.update(customer=kept_id).where(FollowUpRow.customer == merged_id).execute()
    LeadRow.update(customer_id=kept_id).where(LeadRow.customer_id == merged_id).execute()
    after = update_customer(kept_id, fields, now)
    delete_customer(merged_id)
    snapshot = {"kept_before": _record(kept), "kept_after": _record(after),
                "merged": _record(merged), **moved}
    row = CustomerMergeRow.create(company=kept.company_id, kept_id=kept_id,
                                  merged_id=merged_id, actor_id=actor_id,
                                  snapshot=json.dumps(snapshot, ensure_ascii=False),
                                  created_at=now)
    return _merge(row)


def get_merge(merge_id: int) -> MergeRecord:
    row = CustomerMergeRow.get_or_none(CustomerMergeRow.id == merge_id)
    if row is None:
        raise NotFound("No such merge")
    return _merge(row)


def merges_of(customer_id: int) -> list[MergeRecord]:
    query = (CustomerMergeRow.select().where(CustomerMergeRow.kept_id == customer_id)
             .order_by(CustomerMergeRow.id.desc()).limit(20))
    return [_merge(r) for r in query]


def undo_merge(merge_id: int, now: datetime) -> MergeRecord:
    """Bring the merged customer back (same id) with what was moved; the kept one gets its
    earlier fields back unless they were edited after the merge."""
    record = get_merge(merge_id)
    if record.undone_at is not None:  # again here: two undos may pass the service's check
        raise Invalid("This merge was already undone", field="merge_id")
    snap = record.snapshot
    merged = snap["merged"]
    fields = {k: merged[k] for k in (*IDENTITY, "owner_id", "custom")}
    fields["tags"] = tuple(merged["tags"])
    create_customer(record.company_id, fields, now, customer_id=record.merged_id)
    mid = record.merged_id
    VisitorRow.update(customer_id=mid).where(VisitorRow.id.in_(snap["visitor_ids"])).execute()
    CustomerNoteRow.update(customer=mid).where(CustomerNoteRow.id.in_(snap["note_ids"])).execute()
    FollowUpRow.update(customer=mid).where(FollowUpRow.id.in_(snap["follow_up_ids"])).execute()
    LeadRow.update(customer_id=mid).where(LeadRow.id.in_(snap["lead_ids"])).execute()
    kept = CustomerRow.get_or_none(CustomerRow.id == record.kept_id)
    if kept is not None:
        current, after, before = _record(_customer(kept)), snap["kept_after"], snap["kept_before"]
        restore = {k: before[k] for k in (*IDENTITY, "owner_id", "custom", "tags")
                   if current[k] == after[k]}
        if "tags" in restore:
            restore["tags"] = tuple(restore["tags"])
        update_customer(record.kept_id, restore, now)
    CustomerMergeRow.update(undone_at=now).where(CustomerMergeRow.id == merge_id).execute()
    return get_merge(merge_id)


def delete_customer(customer_id: int) -> None:
    """The record, its notes and follow-ups (cascade) and its search terms; visitors and
    leads forget it."""
    VisitorRow.update(customer_id=None).where(VisitorRow.customer_id == customer_id).execute()
    LeadRow.update(customer_id=None).where(LeadRow.customer_id == customer_id).execute()
    bound_database.obj.cursor().execute("DELETE FROM customer_search WHERE rowid = ?",
                                        (customer_id,))
    CustomerRow.delete().where(CustomerRow.id == customer_id).execute()


# -- the audit log --------------------------------------------------------------------------

def _audit(row: AuditLogRow) -> AuditEntry:
    return AuditEntry(id=row.id, company_id=row.company_id, actor_id=row.actor_id,
                      actor_name=row.actor_name, action=row.action, subject=row.subject,
                      created_at=row.created_at)


def audit(company_id: int, actor_id: int | None, actor_name: str, action: str, subject: str,
          now: datetime) -> AuditEntry:
    return _audit(AuditLogRow.create(company=company_id, actor_id=actor_id,
                                     actor_name=actor_name, action=action,
                                     subject=subject[:200], created_at=now))


def audit_log(company_id: int, limit: int) -> list[AuditEntry]:
    query = (AuditLogRow.select().where(AuditLogRow.company == company_id)
             .order_by(AuditLogRow.id.desc()).limit(limit))
    return [_audit(r) for r in query]
