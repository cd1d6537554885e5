"""Handlers for leads (the console's lead card, the lists), reports per client company (JSON,
CSV/XLSX) and the client portal (`/api/portal/…`: a client account's own company only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from appliance.domain.errors import Invalid
from appliance.domain.model import Company
from appliance.services import export_labels, leads, portal, reports
from appliance.web.http import ok, query_int, query_limit, read_json, require_principal, services
from appliance.wire.accounts import company_json
from appliance.wire.conversations import message_json, outside_conversation_json
from appliance.wire.customers import lead_json, report_json

bp = Blueprint("leads", url_prefix="/api")


def _card(card: leads.LeadCard) -> dict[str, Any]:
    return {"lead": None if card.lead is None else lead_json(card.lead),
            "prefill": card.prefill, "required": list(card.required),
            "missing": card.missing, "company": company_json(card.company)}


@bp.get("/conversations/<conversation_id:int>/lead")
async def get_lead_card(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return ok(_card(await leads.lead_card(services(request), actor, conversation_id)))


@bp.put("/conversations/<conversation_id:int>/lead")
async def save_lead_card(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    card = await leads.check_save_lead(services(request), actor, conversation_id,
                                       read_json(request))
    return ok(_card(card))


async def _leads(request: Request, company: Company, reach: leads.LeadReach) -> HTTPResponse:
    total, found = await leads.list_leads(
        services(request), company, reach, start=request.args.get("from"),
        end=request.args.get("to"), site_id=query_int(request, "site_id", None, 2**62, minimum=1),
        effective=leads.clean_flag(request.args.get("effective"), "effective"),
        limit=query_limit(request, default=50, maximum=200),
        offset=query_int(request, "offset", 0, 10**9) or 0)
    return ok({"leads": [lead_json(lead) for lead in found], "total": total})


async def _report(request: Request, company: Company, reach: leads.LeadReach) -> HTTPResponse:
    report, _ = await reports.company_report(services(request), company,
                                             request.args.get("from"), request.args.get("to"),
                                             request.args.get("grain"), reach)
    labels = await reports.labels(services(request).db, report, reach)
    return ok({"report": report_json(report), "company": company_json(company),
                "labels": labels})


async def _report_file(request: Request, company: Company,
                       reach: leads.LeadReach) -> HTTPResponse:
    fmt = request.args.get("format", "xlsx")
    if fmt not in reports.FORMATS:
        raise Invalid("format must be csv or xlsx", field="format")
    lang = export_labels.clean_lang(request.args.get("lang"))
    svc = services(request)
    report, found = await reports.company_report(svc, company, request.args.get("from"),
                                                 request.args.get("to"), "day", reach)
    body, media_type = await reports.report_file(svc.db, report, found, fmt, lang)
    return raw(body, content_type=media_type, headers={
        "Content-Disposition":
            f'attachment; filename="{reports.file_name(company, report.period, fmt)}"'})


@bp.get("/companies/<company_id:int>/leads")
async def company_leads(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return await _leads(request, await leads.access_readable_company(
        services(request), actor, company_id), leads.lead_reach(actor))


@bp.get("/leads/<lead_id:int>")
async def get_lead(request: Request, lead_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return ok({"lead": lead_json(await leads.access_lead(services(request), actor, lead_id))})


@bp.get("/companies/<company_id:int>/reports")
async def company_report(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return await _report(request, await leads.access_readable_company(
        services(request), actor, company_id), leads.lead_reach(actor))


@bp.get("/companies/<company_id:int>/reports/export")
async def company_report_file(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return await _report_file(request, await leads.access_readable_company(
        services(request), actor, company_id), leads.lead_reach(actor))


# -- the client portal ----------------------------------------------------------------------

@bp.get("/portal")
async def portal_home(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await leads.portal_company(services(request), actor)
    return ok({"company": company_json(company)})


@bp.get("/portal/leads")
async def portal_leads(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await leads.portal_company(services(request), actor)
    return await _leads(request, company, leads.EVERY_LEAD)


@bp.get("/portal/reports")
async def portal_report(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await leads.portal_company(services(request), actor)
    return await _report(request, company, leads.EVERY_LEAD)


@bp.get("/portal/reports/export")
async def portal_report_file(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await leads.portal_company(services(request), actor)
    return await _report_file(request, company, leads.EVERY_LEAD)


@bp.get("/portal/conversations")
async def portal_conversations(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    before = None
    if request.args.get("before"):
        try:
            before = datetime.fromisoformat(str(request.args.get("before")).rstrip("Z"))
        except ValueError as exc:
            raise Invalid("before must be a time like 2026-11-24T08:00:00Z",
                          field="before") from exc
    found = await portal.conversations(services(request), actor, before,
                                       query_limit(request, default=50, maximum=200))
    return ok({"conversations": [outside_conversation_json(c) for c in found]})


@bp.get("/portal/conversations/<conversation_id:int>")
async def portal_conversation(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    conversation, messages = await portal.transcript(services(request), actor, conversation_id)
    return ok({"conversation": outside_conversation_json(conversation),
                "messages": [message_json(m) for m in messages]})
