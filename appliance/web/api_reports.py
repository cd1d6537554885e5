"""Handlers of the reports (traffic, chats, agents, conversion), their exports, the live board,
and the portal's copies of them: parse, one service call, answer."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from appliance.domain.validation import clean_choice
from appliance.services import board as board_service
from appliance.services import export_labels, report_exports, report_views
from appliance.web.http import ok, require_principal, services

bp = Blueprint("reports", url_prefix="/api")
ARGS = ("from", "to", "grain", "site_id", "team_id", "agent_id")


def _args(request: Request) -> dict[str, str | None]:
    return {name: request.args.get(name) for name in ARGS}


async def _report(request: Request, company_id: int | None, kind: str) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    scope = await report_views.access_report(svc, actor, company_id, kind, _args(request))
    return ok(await report_views.report(svc, scope, _args(request)))


async def _export(request: Request, company_id: int | None, kind: str) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    scope = await report_views.access_report(svc, actor, company_id, kind, _args(request))
    fmt, table = request.args.get("format"), request.args.get("table")
    clean_choice(fmt or "xlsx", "format", report_exports.FORMATS)  # before any work
    lang = export_labels.clean_lang(request.args.get("lang"))
    made = await report_views.report(svc, scope, _args(request))
    body, media_type, ext = report_exports.export(made["report"], made["labels"], fmt, table,
                                                  lang)
    return raw(body, content_type=media_type, headers={
        "Content-Disposition":
            f'attachment; filename="{report_exports.file_name(made["report"], ext)}"'})


def _routes(kind: str) -> None:
    async def company_report(request: Request, company_id: int) -> HTTPResponse:
        return await _report(request, company_id, kind)

    async def company_export(request: Request, company_id: int) -> HTTPResponse:
        return await _export(request, company_id, kind)

    bp.add_route(company_report, f"/companies/<company_id:int>/reports/{kind}",
                 methods=["GET"], name=f"company_report_{kind}")
    bp.add_route(company_export, f"/companies/<company_id:int>/reports/{kind}/export",
                 methods=["GET"], name=f"company_report_{kind}_export")
    if kind in report_views.PORTAL_KINDS:
        async def portal_report(request: Request) -> HTTPResponse:
            return await _report(request, None, kind)

        async def portal_export(request: Request) -> HTTPResponse:
            return await _export(request, None, kind)

        bp.add_route(portal_report, f"/portal/reports/{kind}", methods=["GET"],
                     name=f"portal_report_{kind}")
        bp.add_route(portal_export, f"/portal/reports/{kind}/export", methods=["GET"],
                     name=f"portal_report_{kind}_export")


for _kind in report_views.KINDS:
    _routes(_kind)


@bp.get("/companies/<company_id:int>/board")
async def company_board(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    scope = await board_service.access_board(svc, actor, company_id,
                                             request.args.get("site_id"))
    return ok({"board": await board_service.board(svc, scope)})
