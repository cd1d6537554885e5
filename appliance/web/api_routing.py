"""Handlers for agents' status, supervisors' live view of agents, and teams."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from appliance.domain import validation as v
from appliance.services import routing
from appliance.web.http import read_json, require_principal, services
from appliance.wire.sites import category_json, team_json

bp = Blueprint("routing", url_prefix="/api")


@bp.post("/me/status")
async def set_status(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    body = v.only_fields(read_json(request), ("status",))
    status = await routing.check_set_status(services(request), actor, body.get("status"))
    return json({"status": status})


@bp.get("/agents/status")
async def agents_status(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    site_id = v.clean_digits(request.args.get("site_id", ""), "site_id", 1, v.ID_MAX)
    agents = await routing.agents_status(services(request), actor, site_id)
    return json({"agents": agents}, ensure_ascii=False)


@bp.get("/conversations/<conversation_id:int>/transfer-targets")
async def transfer_targets(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    agents = await routing.transfer_targets(services(request), actor, conversation_id)
    return json({"agents": agents}, ensure_ascii=False)


@bp.get("/teams")
async def list_teams(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    teams = await routing.list_teams(services(request), actor)
    return json({"teams": [team_json(t) for t in teams]}, ensure_ascii=False)


@bp.post("/teams")
async def create_team(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    team = await routing.check_save_team(services(request), actor, None, read_json(request))
    return json({"team": team_json(team)}, status=201, ensure_ascii=False)


@bp.patch("/teams/<team_id:int>")
async def update_team(request: Request, team_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    team = await routing.check_save_team(services(request), actor, team_id, read_json(request))
    return json({"team": team_json(team)}, ensure_ascii=False)


@bp.delete("/teams/<team_id:int>")
async def delete_team(request: Request, team_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await routing.do_delete_team(services(request), actor, team_id)
    return json({"ok": True})


@bp.get("/sites/<site_id:int>/categories")
async def list_categories(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await routing.access_categories(services(request), actor, site_id)
    return json({"categories": [category_json(c) for c in found]}, ensure_ascii=False)


@bp.post("/sites/<site_id:int>/categories")
async def create_category(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    category = await routing.check_save_category(services(request), actor, site_id, None,
                                                 read_json(request))
    return json({"category": category_json(category)}, status=201, ensure_ascii=False)


@bp.patch("/categories/<category_id:int>")
async def update_category(request: Request, category_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    category = await routing.check_save_category(services(request), actor, None, category_id,
                                                 read_json(request))
    return json({"category": category_json(category)}, ensure_ascii=False)


@bp.delete("/categories/<category_id:int>")
async def delete_category(request: Request, category_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await routing.do_delete_category(services(request), actor, category_id)
    return json({"ok": True})
