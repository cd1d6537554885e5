"""Handlers for the live visitor list, a visitor's details and trail, invitations and their
rules, and blocks."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.services import blocks, invitations, visits
from appliance.services.devices import describe
from appliance.web.http import read_json, read_nothing, require_principal, services
from appliance.wire.conversations import conversation_json, visitor_json
from appliance.wire.visitors import (
    block_json,
    invitation_json,
    live_visitor_json,
    rule_json,
    visit_json,
)

bp = Blueprint("visitors", url_prefix="/api")


def _ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json(body, status=status, ensure_ascii=False)


def _site_arg(request: Request) -> int | None:
    raw = request.args.get("site_id")
    return None if raw in (None, "") else v.clean_digits(raw, "site_id", 1, v.ID_MAX)


@bp.get("/visitors/live")
async def live_list(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found, counts = visits.live_visitors(services(request), actor, _site_arg(request))
    return _ok({"visitors": [live_visitor_json(live) for live in found],
                "counts": {str(site): n for site, n in counts.items()}})


@bp.get("/visitors/<visitor_id:int>")
async def details(request: Request, visitor_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await visits.visitor_details(services(request), actor, visitor_id)
    visitor = found.visitor
    return _ok({
        "visitor": visitor_json(visitor, device=describe(visitor.user_agent),
                                online=request.app.ctx.runtime.hub.visitor_online(visitor.id)),
        "live": None if found.live is None else live_visitor_json(found.live),
        "visit_count": found.visit_count,
        "visits": [visit_json(visit, pages) for visit, pages in found.visits],
        "conversations": [conversation_json(c) for c in found.conversations],
        "invitations": [invitation_json(i) for i in found.invitations],
        "blocked": None if found.blocked is None else block_json(found.blocked),
    })


@bp.post("/visitors/<visitor_id:int>/invite")
async def invite(request: Request, visitor_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    invitation = await invitations.check_invite(services(request), actor, visitor_id,
                                                read_json(request))
    return _ok({"invitation": invitation_json(invitation)}, 201)


@bp.post("/invitations/<invitation_id:int>/withdraw")
async def withdraw(request: Request, invitation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    invitation = await invitations.do_withdraw(services(request), actor, invitation_id)
    return _ok({"invitation": invitation_json(invitation)})


@bp.get("/sites/<site_id:int>/invitation-rules")
async def list_rules(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await invitations.list_rules(services(request), actor, site_id)
    return _ok({"rules": [rule_json(rule) for rule in found]})


@bp.post("/sites/<site_id:int>/invitation-rules")
async def create_rule(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    rule = await invitations.check_create_rule(services(request), actor, site_id,
                                               read_json(request))
    return _ok({"rule": rule_json(rule)}, 201)


@bp.patch("/invitation-rules/<rule_id:int>")
async def update_rule(request: Request, rule_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    rule = await invitations.check_update_rule(services(request), actor, rule_id,
                                               read_json(request))
    return _ok({"rule": rule_json(rule)})


@bp.delete("/invitation-rules/<rule_id:int>")
async def delete_rule(request: Request, rule_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await invitations.do_delete_rule(services(request), actor, rule_id)
    return _ok({"ok": True})


@bp.get("/blocks")
async def list_blocks(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    removed = request.args.get("removed", "0")
    if removed not in ("0", "1"):
        raise Invalid("removed must be 0 or 1", field="removed")
    found = await blocks.list_blocks(services(request), actor, _site_arg(request),
                                     removed == "1")
    return _ok({"blocks": [block_json(b) for b in found]})


@bp.post("/blocks")
async def create_block(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    block = await blocks.check_block(services(request), actor, read_json(request))
    return _ok({"block": block_json(block)}, 201)


@bp.post("/blocks/<block_id:int>/remove")
async def remove_block(request: Request, block_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    block = await blocks.do_remove(services(request), actor, block_id)
    return _ok({"block": block_json(block)})
