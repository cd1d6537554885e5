"""Handlers for customers: the list and search, records, notes, follow-ups, merges, visitors'
links, import/export and privacy (export one person, erase, the audit log)."""

from __future__ import annotations

import json as jsonlib

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from appliance.domain import validation as v
from appliance.services import customer_files, customers, privacy
from appliance.services.devices import describe
from appliance.web.http import (
    ok,
    query_int,
    query_limit,
    read_json,
    read_json_or_nothing,
    read_nothing,
    require_principal,
    services,
    uploaded_file,
)
from appliance.wire import timestamp
from appliance.wire.conversations import (
    conversation_json,
    message_json,
    outside_conversation_json,
    visitor_json,
)
from appliance.wire.customers import (
    audit_json,
    customer_json,
    follow_up_json,
    lead_json,
    merge_json,
    note_json,
)
from appliance.wire.visitors import invitation_json, visit_json

bp = Blueprint("customers", url_prefix="/api")




def _flag(request: Request, name: str) -> bool:
    value = request.args.get(name) or "0"
    return v.clean_choice(value, name, ("0", "1")) == "1"


def _download(body: bytes, media_type: str, name: str) -> HTTPResponse:
    return raw(body, content_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/companies/<company_id:int>/customers")
async def list_customers(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    total, found = await customers.list_customers(
        services(request), actor, company_id, q=request.args.get("q", ""),
        tag=request.args.get("tag", ""), field=request.args.get("field", ""),
        value=request.args.get("value", ""),
        owner_id=query_int(request, "owner_id", None, 2**62),
        limit=query_limit(request, default=50, maximum=200),
        offset=query_int(request, "offset", 0, 10**9) or 0)
    return ok({"customers": [customer_json(c) for c in found], "total": total})


@bp.post("/companies/<company_id:int>/customers")
async def create_customer(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    customer = await customers.check_create_customer(services(request), actor, company_id,
                                                     read_json(request))
    return ok({"customer": customer_json(customer)}, 201)


@bp.get("/customers/<customer_id:int>")
async def get_customer(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    page = await customers.customer_page(services(request), actor, customer_id)
    online = request.app.ctx.runtime.hub.visitor_online
    return ok({
        "customer": customer_json(page.customer),
        "notes": [note_json(n) for n in page.notes],
        "follow_ups": [follow_up_json(f) for f in page.follow_ups],
        "visitors": [visitor_json(vis, device=describe(vis.user_agent), online=online(vis.id))
                     for vis in page.visitors],
        "conversations": [conversation_json(c) for c in page.conversations],
        "leads": [lead_json(lead) for lead in page.leads],
        "merges": [merge_json(m) for m in page.merges],
        "visits": [visit_json(visit, pages) for visit, pages in page.visits],
        "invitations": [invitation_json(i) for i in page.invitations],
    })


@bp.patch("/customers/<customer_id:int>")
async def update_customer(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    customer = await customers.check_update_customer(services(request), actor, customer_id,
                                                     read_json(request))
    return ok({"customer": customer_json(customer)})


@bp.post("/customers/<customer_id:int>/notes")
async def add_note(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    note = await customers.check_add_note(services(request), actor, customer_id,
                                          read_json(request))
    return ok({"note": note_json(note)}, 201)


@bp.post("/customers/<customer_id:int>/follow-ups")
async def add_follow_up(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    follow_up = await customers.check_add_follow_up(services(request), actor, customer_id,
                                                    read_json(request))
    return ok({"follow_up": follow_up_json(follow_up)}, 201)


@bp.patch("/follow-ups/<follow_up_id:int>")
async def update_follow_up(request: Request, follow_up_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    follow_up = await customers.check_follow_up_done(services(request), actor, follow_up_id,
                                                     read_json(request))
    return ok({"follow_up": follow_up_json(follow_up)})


@bp.get("/follow-ups")
async def my_follow_ups(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await customers.my_follow_ups(services(request), actor,
                                          query_int(request, "days", 0, 366) or 0)
    return ok({"follow_ups": [follow_up_json(f) for f in found]})


@bp.post("/customers/<customer_id:int>/merge")
async def merge(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    record = await customers.check_merge(svc, actor, customer_id, read_json(request))
    customer = await customers.access_customer(svc, actor, customer_id)
    return ok({"merge": merge_json(record), "customer": customer_json(customer)})


@bp.post("/merges/<merge_id:int>/undo")
async def undo_merge(request: Request, merge_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    record = await customers.do_undo_merge(services(request), actor, merge_id)
    return ok({"merge": merge_json(record)})


@bp.get("/conversations/<conversation_id:int>/customer")
async def conversation_customer(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await customers.customer_of_conversation(services(request), actor, conversation_id)
    return ok({"customer": None if found is None else customer_json(found)})


@bp.post("/conversations/<conversation_id:int>/customer")
async def link_customer(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    customer = await customers.check_link_conversation(services(request), actor,
                                                       conversation_id,
                                                       read_json_or_nothing(request))
    return ok({"customer": customer_json(customer)})


# -- files ----------------------------------------------------------------------------------

@bp.post("/companies/<company_id:int>/customers/import")
async def import_customers(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    await customer_files.access_files(svc, actor, company_id)  # scope before the upload
    report = await customer_files.check_import(
        svc, actor, company_id, **uploaded_file(request),
        fmt=request.args.get("format"), dry_run=_flag(request, "dry_run"))
    return ok({"imported": report.imported, "importable": report.importable,
               "duplicates": report.duplicates, "errors": report.errors},
              201 if report.imported else 200)


@bp.get("/companies/<company_id:int>/customers/export")
async def export_customers(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    fmt = request.args.get("format", "csv")
    body, media_type = await customer_files.export(services(request), actor, company_id, fmt)
    return _download(body, media_type, f"customers-{company_id}.{fmt}")


# -- privacy --------------------------------------------------------------------------------

@bp.get("/customers/<customer_id:int>/export")
async def export_person(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    record = await privacy.export_person(services(request), actor, customer_id)
    document = {
        "customer": customer_json(record["customer"]),
        "notes": [note_json(n) for n in record["notes"]],
        "follow_ups": [follow_up_json(f) for f in record["follow_ups"]],
        "visitors": [visitor_json(vis, device=describe(vis.user_agent), online=False)
                     for vis in record["visitors"]],
        "visits": [visit_json(visit, pages) for visit, pages in record["visits"]],
        "invitations": [invitation_json(i) for i in record["invitations"]],
        "conversations": [{**outside_conversation_json(c),
                           "messages": [message_json(m) for m in ms]}
                          for c, ms in record["conversations"]],
        "leads": [lead_json(lead) for lead in record["leads"]],
        "exported_at": timestamp(services(request).now()),
    }
    body = jsonlib.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return _download(body, "application/json; charset=utf-8", f"customer-{customer_id}.json")


@bp.post("/customers/<customer_id:int>/erase")
async def erase(request: Request, customer_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entry = await privacy.check_erase(services(request), actor,
                                      request.app.ctx.runtime.uploads_dir, customer_id,
                                      read_json(request))
    return ok({"ok": True, "audit": audit_json(entry)})


@bp.get("/companies/<company_id:int>/audit-log")
async def audit_log(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entries = await privacy.audit_log(services(request), actor, company_id)
    return ok({"entries": [audit_json(e) for e in entries]})
