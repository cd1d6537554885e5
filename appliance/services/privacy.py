"""Privacy: one person's data exported (JSON) and erased on request, each recorded in the
company's audit log; visitors who never became a customer purged after the company's
retention period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from appliance.domain import validation as v
from appliance.domain.customers import AuditEntry
from appliance.domain.errors import Invalid
from appliance.domain.events import ConversationErased, Event, VisitorErased
from appliance.domain.model import User
from appliance.domain.permissions import require_install_manager
from appliance.services.context import Services, on_writer
from appliance.services.customers import access_company, access_customer
from appliance.storage import customers as store
from appliance.storage import privacy
from appliance.storage import sites as site_store
from appliance.storage.files import delete_file

log = logging.getLogger(__name__)
PURGE_BATCH = 500


async def export_person(svc: Services, actor: User, customer_id: int) -> dict[str, Any]:
    """Everything stored about one customer (owners and admins); the export is audited."""
    require_install_manager(actor)
    customer = await access_customer(svc, actor, customer_id)
    record = await svc.db.read(privacy.person_record, customer_id)
    subject = f"customer #{customer.id} {customer.name}".strip()
    await svc.db.write(store.audit, customer.company_id, actor.id, actor.display_name,
                       "customer_exported", subject, svc.now())
    return record


async def check_erase(svc: Services, actor: User, uploads_dir: Path, customer_id: int,
                      data: Any) -> AuditEntry:
    """Erase a customer: conversations anonymised, the record deleted, their uploads removed;
    `{"confirm": true}` is required, and the erasure is audited in the same transaction.
    After the commit, each conversation's `ConversationErased` tells whoever shows it."""
    require_install_manager(actor)
    body = v.only_fields(data, ("confirm",))
    if body.get("confirm") is not True:
        raise Invalid("Confirm the erasure with confirm: true", field="confirm")
    customer = await access_customer(svc, actor, customer_id)
    now = svc.now()

    # consoles and the person's own pages showing these chats drop the old text; the live
    # visitor list forgets the person's name and page
    job = on_writer(_erase_job, customer.id, customer.company_id, actor.id,
                    actor.display_name, now)
    entry, files, _, _ = await svc.commit(job, _erased_events)
    for name in files:
        delete_file(uploads_dir, name)
    return entry


async def audit_log(svc: Services, actor: User, company_id: int) -> list[AuditEntry]:
    require_install_manager(actor)
    await access_company(svc, actor, company_id)
    return await svc.db.read(store.audit_log, company_id, 200)


async def do_audit(svc: Services, actor: User, company_id: int, action: str,
                   subject: str) -> None:
    await svc.db.write(store.audit, company_id, actor.id, actor.display_name, action, subject,
                       svc.now())


async def purge_expired_visitors(svc: Services, uploads_dir: Path) -> int:
    """Per company with a retention period: delete visitors without a customer record not
    seen for that many days, with their conversations and files. Returns how many."""
    purged = 0
    for company in await svc.db.read(site_store.list_companies):
        days = company.settings.retention_days
        if days <= 0:
            continue
        before = svc.now() - timedelta(days=days)
        site_ids = await svc.db.read(site_store.site_ids_of_company, company.id)
        while True:
            ids = await svc.db.read(privacy.expired_visitors, site_ids, before, PURGE_BATCH)
            if not ids:
                break
            files = await svc.db.write(privacy.purge_visitors, ids)
            for name in files:
                delete_file(uploads_dir, name)
            purged += len(ids)
            if len(ids) < PURGE_BATCH:
                break
    if purged:
        log.info("purged %d visitors past their company's retention period", purged)
    return purged


def _erased_events(done: tuple[AuditEntry, list[str], list[tuple[int, int, int]],
                                list[tuple[int, int]]]) -> list[Event]:
    _, _, conversations, visitors = done
    events: list[Event] = [ConversationErased(conversation_id, site_id, visitor_id)
                           for conversation_id, site_id, visitor_id in conversations]
    return events + [VisitorErased(visitor_id, site_id) for visitor_id, site_id in visitors]


def _erase_job(customer_id: int, company_id: int, actor_id: int, actor_name: str,
               now: datetime) -> tuple[AuditEntry, list[str], list[tuple[int, int, int]],
                                       list[tuple[int, int]]]:
    files, erased, visitors = privacy.erase_person(customer_id)
    entry = store.audit(company_id, actor_id, actor_name, "customer_erased",
                        f"customer #{customer_id}", now)
    return entry, files, erased, visitors
