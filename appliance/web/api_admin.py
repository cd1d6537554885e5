"""Handlers for companies, sites and users (scoped and checked by the services)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from appliance.services import sites, users
from appliance.web.http import base_url, read_json, read_nothing, require_principal, services
from appliance.wire.accounts import company_json, user_json
from appliance.wire.sites import chat_page_url, site_json

bp = Blueprint("admin", url_prefix="/api")


def _ok(body: dict[str, object], status: int = 200) -> HTTPResponse:
    return json(body, status=status, ensure_ascii=False)


@bp.get("/companies")
async def list_companies(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await sites.list_companies(services(request), actor)
    return _ok({"companies": [company_json(c) for c in found]})


@bp.post("/companies")
async def create_company(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await sites.check_create_company(services(request), actor, read_json(request))
    return _ok({"company": company_json(company)}, 201)


@bp.patch("/companies/<company_id:int>")
async def rename_company(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company = await sites.check_rename_company(services(request), actor, company_id,
                                               read_json(request) if request.body else {})
    return _ok({"company": company_json(company)})


@bp.get("/sites")
async def list_sites(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await sites.list_sites(services(request), actor)
    base = base_url(request)
    return _ok({"sites": [site_json(s, base) for s in found]})


@bp.post("/sites")
async def create_site(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    site = await sites.check_create_site(services(request), actor, read_json(request))
    return _ok({"site": site_json(site, base_url(request))}, 201)


@bp.get("/sites/<site_id:int>")
async def get_site(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    site = await sites.access_site(services(request), actor, site_id)
    return _ok({"site": site_json(site, base_url(request))})


@bp.patch("/sites/<site_id:int>")
async def update_site(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    site = await sites.check_update_site(services(request), actor, site_id, read_json(request))
    return _ok({"site": site_json(site, base_url(request))})


@bp.post("/sites/<site_id:int>/widget-key")
async def regenerate_widget_key(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    site = await sites.do_regenerate_widget_key(services(request), actor, site_id)
    return _ok({"site": site_json(site, base_url(request))})


@bp.post("/sites/<site_id:int>/identity-secret")
async def regenerate_identity_secret(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    site = await sites.do_regenerate_identity_secret(services(request), actor, site_id)
    return _ok({"site": site_json(site, base_url(request)),
                "identity_secret": site.identity_secret})


@bp.get("/sites/<site_id:int>/chat-qr.svg")
async def chat_page_qr(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    site = await sites.access_site(services(request), actor, site_id)
    svg = sites.qr_svg(chat_page_url(base_url(request), site.widget_key))
    return raw(svg, content_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.get("/users")
async def list_users(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await users.list_users(services(request), actor)
    return _ok({"users": [user_json(u) for u in found]})


@bp.post("/users")
async def create_user(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    user = await users.check_create_user(services(request), actor, read_json(request))
    return _ok({"user": user_json(user)}, 201)


@bp.patch("/users/<user_id:int>")
async def update_user(request: Request, user_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    user = await users.check_update_user(services(request), actor, user_id, read_json(request))
    return _ok({"user": user_json(user)})


@bp.post("/users/<user_id:int>/password")
async def reset_password(request: Request, user_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await users.check_reset_password(services(request), actor, user_id, read_json(request))
    return _ok({"ok": True})


@bp.get("/users/<user_id:int>/successors")
async def user_successors(request: Request, user_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    plan = await users.successors(services(request), actor, user_id)
    return _ok({"customers": plan.customers, "follow_ups": plan.follow_ups,
                "company_ids": plan.company_ids, "successor_ids": plan.successor_ids})


@bp.post("/users/<user_id:int>/deactivate")
async def deactivate_user(request: Request, user_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    user = await users.check_set_active(services(request), actor, user_id, False,
                                        read_json(request) if request.body else {})
    return _ok({"user": user_json(user)})


@bp.post("/users/<user_id:int>/activate")
async def activate_user(request: Request, user_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    user = await users.check_set_active(services(request), actor, user_id, True)
    return _ok({"user": user_json(user)})
