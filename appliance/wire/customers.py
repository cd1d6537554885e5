"""Customers, notes, follow-ups, merges, leads, reports and the audit log on the wire."""

from __future__ import annotations

from typing import Any

from appliance.domain.company_settings import settings_json
from appliance.domain.customers import AuditEntry, Customer, CustomerNote, FollowUp, MergeRecord
from appliance.domain.leads import Lead
from appliance.domain.model import Company
from appliance.domain.reports import Report
from appliance.wire import timestamp


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id, "company_id": customer.company_id, "name": customer.name,
        "phone": customer.phone, "email": customer.email, "wechat": customer.wechat,
        "qq": customer.qq, "company": customer.company, "address": customer.address,
        "tags": list(customer.tags), "owner_id": customer.owner_id, "custom": customer.custom,
        "created_at": timestamp(customer.created_at),
        "updated_at": timestamp(customer.updated_at),
    }


def note_json(note: CustomerNote) -> dict[str, Any]:
    return {"id": note.id, "customer_id": note.customer_id, "author_id": note.author_id,
            "author_name": note.author_name, "body": note.body,
            "created_at": timestamp(note.created_at)}


def follow_up_json(follow_up: FollowUp) -> dict[str, Any]:
    return {"id": follow_up.id, "customer_id": follow_up.customer_id,
            "customer_name": follow_up.customer_name, "owner_id": follow_up.owner_id,
            "due_date": follow_up.due_date.isoformat(), "note": follow_up.note,
            "done": follow_up.done_at is not None, "done_at": timestamp(follow_up.done_at),
            "created_at": timestamp(follow_up.created_at)}


def merge_json(record: MergeRecord) -> dict[str, Any]:
    merged = record.snapshot.get("merged", {})
    return {"id": record.id, "company_id": record.company_id, "kept_id": record.kept_id,
            "merged_id": record.merged_id, "merged_name": merged.get("name", ""),
            "actor_id": record.actor_id, "created_at": timestamp(record.created_at),
            "undone_at": timestamp(record.undone_at)}


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "company_id": entry.company_id, "actor_id": entry.actor_id,
            "actor_name": entry.actor_name, "action": entry.action, "subject": entry.subject,
            "created_at": timestamp(entry.created_at)}


def lead_json(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id, "company_id": lead.company_id, "site_id": lead.site_id,
        "conversation_id": lead.conversation_id, "customer_id": lead.customer_id,
        "agent_id": lead.agent_id, "agent_name": lead.agent_name, "name": lead.name,
        "phone": lead.phone, "email": lead.email, "wechat": lead.wechat, "qq": lead.qq,
        "need": lead.need, "category": lead.category, "intent": lead.intent,
        "follow_up_date": lead.follow_up_date.isoformat() if lead.follow_up_date else None,
        "source": lead.source, "keyword": lead.keyword, "landing_page": lead.landing_page,
        "effective": lead.effective, "duplicate_of": lead.duplicate_of,
        "created_at": timestamp(lead.created_at), "updated_at": timestamp(lead.updated_at),
        "chat_started_at": timestamp(lead.chat_started_at),
    }


def company_settings_json(company: Company) -> dict[str, Any]:
    return settings_json(company.settings)


def report_json(report: Report) -> dict[str, Any]:
    def rows(items: list[tuple[Any, int, int]], key: str) -> list[dict[str, Any]]:
        return [{key: k, "leads": n, "billable": b} for k, n, b in items]

    return {
        "company_id": report.company_id, "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(), "timezone": report.timezone,
        "grain": report.grain, "leads": report.leads, "effective": report.effective,
        "duplicates": report.duplicates, "billable": report.billable,
        "by_period": rows(report.by_period, "period"), "by_site": rows(report.by_site, "site_id"),
        "by_source": rows(report.by_source, "source"),
        "by_keyword": rows(report.by_keyword, "keyword"),
        "by_agent": rows(report.by_agent, "agent_id"),
    }
